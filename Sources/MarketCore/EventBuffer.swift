/// Where an event happened and its place in the venue's history.
@frozen public struct EventTag: Sendable, Hashable {
    /// The market (index in the venue) the event belongs to, or ``EventBuffer/venueWide`` for
    /// account-level events (collateral, keeper registration and rewards).
    public var market: UInt16
    /// The venue's sequence number: 1, 2, 3, … over the venue's whole life, with no gaps, in
    /// the order the events happened (whichever buffer they were written to).
    public var sequence: UInt64
    @inlinable public init(market: UInt16, sequence: UInt64) {
        self.market = market
        self.sequence = sequence
    }
}

/// The events a command produced, in order, each tagged with its market and sequence number.
///
/// Reuse one buffer (`removeAll(keepingCapacity: true)`) so that steady-state matching allocates
/// nothing. Reads like an array of ``MarketEvent``; ``tag(at:)`` gives each one's market and
/// sequence, ``events(of:from:)`` walks the events that concern one account (its fills as taker
/// or maker, its accepted orders, collateral moves, liquidations) without allocating.
public struct EventBuffer: RandomAccessCollection, Sendable {
    /// The tag for events that belong to no single market.
    @inlinable public static var venueWide: UInt16 { .max }

    /// One event and its tag, stored together so an append is one array write.
    @usableFromInline struct Entry: Sendable {
        @usableFromInline var event: MarketEvent
        @usableFromInline var tag: EventTag
        @inlinable init(event: MarketEvent, tag: EventTag) {
            self.event = event
            self.tag = tag
        }
    }

    /// `storage.base[..<used]` are the buffer's events; slots past `used` are kept from earlier
    /// commands (plain values, no references) and overwritten by the next appends, so clearing
    /// is O(1) and steady-state appends neither allocate nor shift anything.
    @usableFromInline var storage: EventStorage
    @usableFromInline var used: Int = 0
    /// The market the next appended events belong to (the engine sets it at each entry point).
    public var market: UInt16 = 0
    /// The sequence number the next appended event gets. A venue raises it to its own counter at
    /// each command (``continueSequence(from:)``), so numbers run on across buffers.
    @inlinable public var nextSequence: UInt64 { next }
    @usableFromInline var next: UInt64 = 1

    /// An empty buffer; it allocates at its first append.
    @inlinable public init() { storage = EventStorage.empty }

    public typealias Index = Int
    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { used }
    @inlinable public subscript(i: Int) -> MarketEvent {
        precondition(i >= 0 && i < used, "event index out of range")
        // Safe: 0 ≤ i < used ≤ storage.capacity, and entries below `used` are initialised.
        return storage.base[i].event
    }

    /// The market and sequence number of event `i`.
    @inlinable public func tag(at i: Int) -> EventTag {
        precondition(i >= 0 && i < used, "event index out of range")
        // Safe: as in the subscript.
        return storage.base[i].tag
    }

    /// Appends `event`, tagged with ``market`` and the next sequence number.
    ///
    /// Always inlined, so the caller builds the event straight in the buffer's memory: built on
    /// the stack and copied (the out-of-line version), the copy's wide loads of the narrow
    /// stores that had just built it stalled store forwarding, and appends took about 15% of
    /// the book benchmark's time.
    @inlinable @inline(__always) public mutating func append(_ event: MarketEvent) {
        if _slowPath(!isKnownUniquelyReferenced(&storage) || used == storage.capacity) { makeRoom() }
        // Safe: after the check the storage is this buffer's alone (no other value sees the
        // write) and `used < capacity`. Entries are trivial values, so initialising over an
        // earlier command's entry needs no deinitialisation.
        (storage.base + used).initialize(to: Entry(event: event, tag: EventTag(market: market, sequence: next)))
        used &+= 1
        next &+= 1
    }

    /// Gives this buffer storage of its own with room for one more entry: a copy when the storage
    /// is shared (copy-on-write), twice the capacity when it is full.
    @usableFromInline @inline(never) mutating func makeRoom() {
        let capacity = used == storage.capacity ? Swift.max(storage.capacity * 2, 16) : storage.capacity
        replaceStorage(capacity: capacity)
    }

    /// Moves the live entries into fresh storage of `capacity` (≥ `used`) entries.
    @usableFromInline mutating func replaceStorage(capacity: Int) {
        precondition(capacity >= used, "event storage smaller than its contents")
        let fresh = EventStorage(capacity: capacity)
        // Safe: both buffers hold at least `used` entries; the old one's first `used` are initialised.
        fresh.base.initialize(from: storage.base, count: used)
        storage = fresh
    }

    /// Appends `event` tagged with `market` (``venueWide`` for account-level events).
    @inlinable @inline(__always) public mutating func append(_ event: MarketEvent, market: UInt16) {
        let m = self.market
        self.market = market
        append(event)
        self.market = m
    }

    /// Empties the buffer; the sequence keeps counting. Keeping capacity is O(1).
    @inlinable public mutating func removeAll(keepingCapacity keep: Bool = false) {
        if !keep { storage = EventStorage.empty }
        used = 0
    }

    @inlinable public mutating func reserveCapacity(_ n: Int) {
        if n > storage.capacity || !isKnownUniquelyReferenced(&storage) {
            replaceStorage(capacity: Swift.max(n, used))
        }
    }

    /// How many of the buffer's events are fills. Reads each entry in place (iterating the buffer
    /// copies every event out; a benchmark counting fills per op paid about 70 instructions).
    @inlinable public var fillCount: Int {
        let base = storage.base
        var n = 0
        // Safe: entries below `used` are initialised and inside the storage.
        for i in 0..<used { if case .fill = base[i].event { n &+= 1 } }
        return n
    }

    /// Continues numbering from `next` if that is ahead of this buffer (a venue's counter).
    @inlinable public mutating func continueSequence(from next: UInt64) {
        if next > self.next { self.next = next }
    }

    /// The events from index `start` on that concern `account`: fills where it is the taker or
    /// the maker (book order or JIT provider), its accepted orders, its collateral moves,
    /// liquidation steps (as the liquidated account or the keeper's) and bankruptcies.
    /// Cancellations, amendments and rejections carry only the order id: a host maps those
    /// through the ids it placed. Allocation-free.
    @inlinable public func events(of account: AccountId, from start: Int = 0) -> AccountEvents {
        AccountEvents(buffer: self, account: account, start: start)
    }
}

/// The memory of an ``EventBuffer``: `capacity` entries, of which the buffer that owns it has
/// initialised the first `used`.
///
/// Copy-on-write is what makes the unsafe writes safe: an ``EventBuffer`` writes only after
/// `isKnownUniquelyReferenced` on its storage (else it copies first), so copies of a buffer never
/// see each other's appends, and every write index is below `capacity`. Entries are trivial
/// values (integers and enums of them), so the memory is freed without deinitialising them.
/// `@unchecked Sendable` for the same reason: shared storage is only ever read.
/// `EventBufferTests` checks copies, growth and reuse against an array model.
@usableFromInline final class EventStorage: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<EventBuffer.Entry>
    @usableFromInline let capacity: Int

    /// The storage of every empty buffer (shared, so its first append allocates).
    @usableFromInline static let empty = EventStorage(capacity: 0)

    @usableFromInline init(capacity: Int) {
        // The invariant the raw memory relies on (a constant: folded away in release builds).
        precondition(_isPOD(EventBuffer.Entry.self), "events must be trivial values (no references)")
        precondition(capacity >= 0, "negative event capacity")
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    deinit { base.deallocate() }
}

/// The events of one account in an ``EventBuffer`` (see ``EventBuffer/events(of:from:)``):
/// `(index, event)` pairs in order.
public struct AccountEvents: Sequence, IteratorProtocol {
    @usableFromInline let buffer: EventBuffer
    @usableFromInline let account: AccountId
    @usableFromInline var i: Int

    @inlinable init(buffer: EventBuffer, account: AccountId, start: Int) {
        self.buffer = buffer
        self.account = account
        self.i = Swift.max(0, start)
    }

    @inlinable public mutating func next() -> (index: Int, event: MarketEvent)? {
        while i < buffer.count {
            let k = i
            i += 1
            let e = buffer[k]
            if e.concerns(account) { return (k, e) }
        }
        return nil
    }
}

extension MarketEvent {
    /// Whether the event names `account` (see ``EventBuffer/events(of:from:)``).
    @inlinable public func concerns(_ account: AccountId) -> Bool {
        switch self {
        case .fill(let f):
            if f.takerAccount == account { return true }
            switch f.maker {
            case .order(_, let a), .provider(_, let a): return a == account
            case .amm: return false
            }
        case .accepted(_, let a, _): return a == account
        case .collateral(let a, _, _, _, _): return a == account
        case .liquidation(let l): return l.account == account || l.keeperAccount == account
        case .bankruptcy(let b): return b.account == account
        default: return false
        }
    }
}
