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
    public static let venueWide: UInt16 = .max

    /// One event and its tag, stored together so an append is one array write.
    @usableFromInline struct Entry: Sendable {
        @usableFromInline var event: MarketEvent
        @usableFromInline var tag: EventTag
        @inlinable init(event: MarketEvent, tag: EventTag) {
            self.event = event
            self.tag = tag
        }
    }

    /// `entries[..<used]` are the buffer's events; slots past `used` are kept from earlier
    /// commands (plain values, no references) and overwritten by the next appends, so clearing
    /// is O(1) and steady-state appends neither allocate nor shift anything.
    @usableFromInline var entries: ContiguousArray<Entry> = []
    @usableFromInline var used: Int = 0
    /// The market the next appended events belong to (the engine sets it at each entry point).
    public var market: UInt16 = 0
    /// The sequence number the next appended event gets. A venue raises it to its own counter at
    /// each command (``continueSequence(from:)``), so numbers run on across buffers.
    @inlinable public var nextSequence: UInt64 { next }
    @usableFromInline var next: UInt64 = 1

    @inlinable public init() {}

    public typealias Index = Int
    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { used }
    @inlinable public subscript(i: Int) -> MarketEvent {
        precondition(i >= 0 && i < used, "event index out of range")
        return entries[i].event
    }

    /// The market and sequence number of event `i`.
    @inlinable public func tag(at i: Int) -> EventTag {
        precondition(i >= 0 && i < used, "event index out of range")
        return entries[i].tag
    }

    /// Appends `event`, tagged with ``market`` and the next sequence number.
    @inlinable public mutating func append(_ event: MarketEvent) {
        let entry = Entry(event: event, tag: EventTag(market: market, sequence: next))
        if used < entries.count { entries[used] = entry } else { entries.append(entry) }
        used &+= 1
        next &+= 1
    }

    /// Appends `event` tagged with `market` (``venueWide`` for account-level events).
    @inlinable public mutating func append(_ event: MarketEvent, market: UInt16) {
        let m = self.market
        self.market = market
        append(event)
        self.market = m
    }

    /// Empties the buffer; the sequence keeps counting. Keeping capacity is O(1).
    @inlinable public mutating func removeAll(keepingCapacity keep: Bool = false) {
        if !keep { entries = [] }
        used = 0
    }

    @inlinable public mutating func reserveCapacity(_ n: Int) {
        entries.reserveCapacity(n)
    }

    /// How many of the buffer's events are fills. Reads each entry in place (iterating the buffer
    /// copies every event out; a benchmark counting fills per op paid about 70 instructions).
    @inlinable public var fillCount: Int {
        entries.withUnsafeBufferPointer { b in
            var n = 0
            for i in 0..<used { if case .fill = b[i].event { n &+= 1 } }
            return n
        }
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
