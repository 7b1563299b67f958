import MarketCore

/// "No slot" / "no order" marker for the intrusive links.
let kNil: UInt32 = .max

/// Largest account id a resting order may carry (the slot packs it into 28 bits).
public let maxBookAccount: UInt32 = (1 << 28) - 1

/// A resting order, stored in the book's slot pool: 32 bytes, so a slot never straddles two cache
/// lines. Links are slot indices (an intrusive FIFO per level). `meta` packs the account (bits
/// 0–27) and the flags sell (28), reduce-only (29), post-only (30) and has-OCO-link (31); the OCO
/// sibling itself lives in `OrderBook.ocoLinks`, which only linked orders touch.
struct Slot: Sendable {
    var price: Int64
    var qty: Int64
    var id: UInt32
    var meta: UInt32
    var prev: UInt32
    var next: UInt32

    init(price: Int64, qty: Int64, id: UInt32, account: UInt32, side: Side, reduceOnly: Bool, postOnly: Bool) {
        self.price = price
        self.qty = qty
        self.id = id
        self.meta = account | (side == .sell ? 1 << 28 : 0) | (reduceOnly ? 1 << 29 : 0) | (postOnly ? 1 << 30 : 0)
        self.prev = kNil
        self.next = kNil
    }

    var account: UInt32 { meta & maxBookAccount }
    var side: Side { meta & (1 << 28) != 0 ? .sell : .buy }
    var reduceOnly: Bool { meta & (1 << 29) != 0 }
    var postOnly: Bool { meta & (1 << 30) != 0 }
    var hasOco: Bool {
        get { meta & (1 << 31) != 0 }
        set { meta = newValue ? meta | (1 << 31) : meta & ~(1 << 31) }
    }
}

/// One price level: its FIFO (head is first in time) and aggregates.
struct Level: Sendable {
    /// `price` for bids, `-price` for asks, so both sides sort ascending with the best level last.
    var key: Int64
    var head: UInt32
    var tail: UInt32
    var qty: Int64
    var count: UInt32
    var price: Int64 { key < 0 ? -key : key }
}

/// A resting order as seen from outside the book.
public struct RestingOrder: Sendable, Hashable {
    public var id: OrderId
    public var account: AccountId
    public var side: Side
    public var price: Price
    public var remaining: Quantity
    public var reduceOnly: Bool
    public var postOnly: Bool
    public var ocoWith: OrderId?
}

/// A price-time priority limit order book for one market.
///
/// Layout (see `reference/swift-performance.md`, V6 with checked indices): orders live in a slot
/// pool with `UInt32` links and a LIFO free list; order ids map to slots through a dense array;
/// each side is a sorted array of levels with the best level **last**, so the common operations
/// near the touch (add at the best level, remove the best level) are O(1). All five buffers are
/// raw memory owned by one ``BookMemory``, grown by doubling: one copy-on-write check per mutating
/// call instead of one per array access, and no operation allocates once the buffers have grown
/// to the book's peak size.
///
/// `@unchecked Sendable`: the pointers are only written after `makeUnique()` (copy-on-write), so
/// books that share memory only ever read it (see ``BookMemory``).
public struct OrderBook: @unchecked Sendable {
    var memory: BookMemory
    var slotBase: UnsafeMutablePointer<Slot>
    /// Slots ever used (`0..<slotsUsed` are initialised; freed ones are on the free list).
    var slotsUsed = 0
    var slotCapacity: Int
    /// The free list: `freeBase[0..<freeCount]`, capacity `slotCapacity`.
    var freeBase: UnsafeMutablePointer<UInt32>
    var freeCount = 0
    /// Order id → slot, `kNil` when the id does not rest; `idCapacity` entries, all initialised.
    var idBase: UnsafeMutablePointer<UInt32>
    var idCapacity: Int
    var bidLevels: LevelArray
    var askLevels: LevelArray
    /// Number of resting orders.
    public private(set) var count: Int = 0
    /// OCO links: order id → sibling order id, for linked orders only.
    var ocoLinks: [UInt32: UInt32] = [:]
    /// Resting size per account: index `2 × account` for bids, `2 × account + 1` for asks.
    var openSize: ContiguousArray<Int64> = []
    /// Resting size per side: `[0]` bids, `[1]` asks (bounded by ``Bounds/maxOpenInterest`` at entry).
    public internal(set) var sideSize: (buy: Int64, sell: Int64) = (0, 0)

    /// Total resting size on `side`.
    public func restingSize(_ side: Side) -> Int64 { side == .buy ? sideSize.buy : sideSize.sell }

    /// Creates an empty book with room for `capacity` resting orders (and order ids below
    /// `capacity`) before it grows.
    public init(capacity: Int = 1024) {
        let slots = Swift.max(capacity, 16)
        let ids = Swift.max(capacity, 16)
        let levels = 256
        memory = BookMemory(slotCapacity: slots, idCapacity: ids, levelCapacity: levels)
        slotBase = memory.slots
        slotCapacity = slots
        freeBase = memory.freeSlots
        idBase = memory.idToSlot
        idCapacity = ids
        bidLevels = LevelArray(base: memory.bids, count: 0, capacity: levels)
        askLevels = LevelArray(base: memory.asks, count: 0, capacity: levels)
    }

    /// Copy-on-write: before any mutation, take a private copy of the memory if another book
    /// value shares it. One reference-count check per mutating call.
    @inline(__always) mutating func makeUnique() {
        if _slowPath(!isKnownUniquelyReferenced(&memory)) { copyMemory() }
    }

    @inline(never) mutating func copyMemory() {
        let m = BookMemory(slotCapacity: slotCapacity, idCapacity: idCapacity,
                           levelCapacity: Swift.max(bidLevels.capacity, askLevels.capacity))
        m.slots.initialize(from: slotBase, count: slotsUsed)
        m.freeSlots.initialize(from: freeBase, count: freeCount)
        m.idToSlot.update(from: idBase, count: idCapacity)
        m.bids.initialize(from: bidLevels.base, count: bidLevels.count)
        m.asks.initialize(from: askLevels.base, count: askLevels.count)
        memory = m
        slotBase = m.slots
        freeBase = m.freeSlots
        idBase = m.idToSlot
        let levels = Swift.max(bidLevels.capacity, askLevels.capacity)
        bidLevels = LevelArray(base: m.bids, count: bidLevels.count, capacity: levels)
        askLevels = LevelArray(base: m.asks, count: askLevels.count, capacity: levels)
    }

    static func key(_ side: Side, _ price: Int64) -> Int64 { side == .buy ? price : -price }

    // MARK: - Checked access

    /// Slot `i` (checked against the slots in use).
    @inline(__always) func slot(_ i: Int) -> Slot {
        precondition(i >= 0 && i < slotsUsed, "slot index out of range")
        return slotBase[i]
    }

    /// A pointer to slot `i` (checked), to update it in place after `makeUnique()`.
    @inline(__always) func slotPointer(_ i: Int) -> UnsafeMutablePointer<Slot> {
        precondition(i >= 0 && i < slotsUsed, "slot index out of range")
        return slotBase + i
    }

    /// The slot of order id `i`, or `kNil` (ids beyond the map rest nowhere).
    @inline(__always) func slotIndex(ofId i: Int) -> UInt32 {
        i >= 0 && i < idCapacity ? idBase[i] : kNil
    }

    /// The best level on `side`, if any.
    @inline(__always) func bestLevel(_ side: Side) -> Level? {
        side == .buy ? bidLevels.last : askLevels.last
    }

    // MARK: - Views (cold paths and tests)

    /// The bid levels, ascending (best last). A view that keeps this state alive (``BookView``).
    var bids: BookView<Level> { BookView(owner: memory, base: UnsafePointer(bidLevels.base), count: bidLevels.count) }
    /// The ask levels, by descending price (best, the lowest, last).
    var asks: BookView<Level> { BookView(owner: memory, base: UnsafePointer(askLevels.base), count: askLevels.count) }
    /// The slots in use (freed ones included: check the id map).
    var slots: BookView<Slot> { BookView(owner: memory, base: UnsafePointer(slotBase), count: slotsUsed) }
    /// The id → slot map.
    var idToSlot: BookView<UInt32> { BookView(owner: memory, base: UnsafePointer(idBase), count: idCapacity) }

    // MARK: - Queries

    /// The best (highest) bid price, if any.
    @inline(__always) public var bestBid: Price? { bidLevels.last.map { Price(raw: $0.key) } }
    /// The best (lowest) ask price, if any.
    @inline(__always) public var bestAsk: Price? { askLevels.last.map { Price(raw: -$0.key) } }
    /// The best price on `side`.
    @inline(__always) public func best(_ side: Side) -> Price? { side == .buy ? bestBid : bestAsk }

    /// Whether `id` rests in the book.
    @inline(__always) public func contains(_ id: OrderId) -> Bool {
        slotIndex(ofId: Int(id.raw)) != kNil
    }

    /// The resting order `id`: side, price, remaining size, account.
    public func order(_ id: OrderId) -> RestingOrder? {
        let si = slotIndex(ofId: Int(id.raw))
        guard si != kNil else { return nil }
        let s = slot(Int(si))
        return RestingOrder(id: id, account: AccountId(s.account), side: s.side, price: Price(raw: s.price),
                            remaining: Quantity(raw: s.qty), reduceOnly: s.reduceOnly, postOnly: s.postOnly,
                            ocoWith: s.hasOco ? ocoLinks[s.id].map(OrderId.init) : nil)
    }

    /// Total resting size at `price` on `side` (zero if no level).
    public func depth(_ side: Side, at price: Price) -> Quantity {
        let (found, i) = find(side, Self.key(side, price.raw))
        guard found else { return .zero }
        return Quantity(raw: side == .buy ? bidLevels[i].qty : askLevels[i].qty)
    }

    /// Levels from the best outward: (price, total size, order count).
    public func levels(_ side: Side) -> [(price: Price, size: Quantity, orders: Int)] {
        (side == .buy ? bids : asks).reversed().map { (Price(raw: $0.price), Quantity(raw: $0.qty), Int($0.count)) }
    }

    /// Binary search for `key` among one side's levels (ascending). Checks the best level first.
    @inline(__always) func find(_ side: Side, _ key: Int64) -> (found: Bool, index: Int) {
        side == .buy ? bidLevels.search(key) : askLevels.search(key)
    }

    /// The resting orders of `account`, in slot order.
    /// - Complexity: O(slots).
    public func orders(of account: AccountId) -> [RestingOrder] {
        var out: [RestingOrder] = []
        for id in orderIds(of: account) {
            if let o = order(OrderId(id)) { out.append(o) }
        }
        return out
    }

    /// The ids of `account`'s resting orders, in slot order.
    /// - Complexity: O(slots).
    func orderIds(of account: AccountId) -> [UInt32] {
        var out: [UInt32] = []
        for i in 0..<slotsUsed {
            let s = slotBase[i]
            if s.account == account.raw && slotIndex(ofId: Int(s.id)) == UInt32(i) { out.append(s.id) }
        }
        return out
    }

    /// Resting size of `account` on `side` (for margin: the worst case if it all fills).
    public func openSize(_ account: AccountId, _ side: Side) -> Quantity {
        let oi = 2 * Int(account.raw) + (side == .buy ? 0 : 1)
        return Quantity(raw: oi < openSize.count ? openSize[oi] : 0)
    }

    /// The OCO sibling of a resting order, if any.
    func oco(of id: OrderId) -> UInt32 {
        let si = slotIndex(ofId: Int(id.raw))
        precondition(si != kNil, "OCO lookup of an order that does not rest")
        let s = slot(Int(si))
        return s.hasOco ? ocoLinks[s.id] ?? kNil : kNil
    }

    // MARK: - Mutation

    /// Appends an order at the tail of its price level (no matching).
    /// - Complexity: O(1) at the best level, O(log L + L) when a new inner level is created.
    mutating func insert(id: OrderId, account: AccountId, side: Side, price: Int64, qty: Int64,
                         reduceOnly: Bool, postOnly: Bool, oco: UInt32) {
        precondition(account.raw <= maxBookAccount, "account id beyond the book's range")
        makeUnique()
        var slot = Slot(price: price, qty: qty, id: id.raw, account: account.raw, side: side, reduceOnly: reduceOnly, postOnly: postOnly)
        if oco != kNil {
            slot.hasOco = true
            ocoLinks[id.raw] = oco
        }
        let slotIndex: UInt32
        if freeCount > 0 {
            freeCount -= 1
            slotIndex = freeBase[freeCount]
            slotPointer(Int(slotIndex)).pointee = slot
        } else {
            if slotsUsed == slotCapacity { growSlots() }
            slotIndex = UInt32(slotsUsed)
            (slotBase + slotsUsed).initialize(to: slot)
            slotsUsed += 1
        }
        let idi = Int(id.raw)
        if idi >= idCapacity { growIds(to: idi + 1) }
        idBase[idi] = slotIndex  // idi < idCapacity now
        let key = Self.key(side, price)
        if side == .buy {
            if let grown = Self.link(&bidLevels, slotBase, slotsUsed, key: key, slot: slotIndex, qty: qty) { memory.bids = grown }
        } else {
            if let grown = Self.link(&askLevels, slotBase, slotsUsed, key: key, slot: slotIndex, qty: qty) { memory.asks = grown }
        }
        count += 1
        let oi = 2 * Int(account.raw) + (side == .buy ? 0 : 1)
        if oi >= openSize.count { openSize.append(contentsOf: repeatElement(0, count: oi + 1 - openSize.count)) }
        openSize[oi] += qty
        if side == .buy { sideSize.buy += qty } else { sideSize.sell += qty }
    }

    /// Doubles the slot pool and the free list (their capacities stay equal).
    @inline(never) mutating func growSlots() {
        slotCapacity *= 2
        slotBase = relocate(slotBase, count: slotsUsed, capacity: slotCapacity)
        freeBase = relocate(freeBase, count: freeCount, capacity: slotCapacity)
        memory.slots = slotBase
        memory.freeSlots = freeBase
    }

    /// Grows the id map to at least `needed` entries (at least doubling), new entries `kNil`.
    @inline(never) mutating func growIds(to needed: Int) {
        let newCapacity = Swift.max(needed, idCapacity * 2)
        idBase = relocate(idBase, count: idCapacity, capacity: newCapacity)
        (idBase + idCapacity).initialize(repeating: kNil, count: newCapacity - idCapacity)
        idCapacity = newCapacity
        memory.idToSlot = idBase
    }

    /// Slot `i` of a pool of `used` slots at `base`, checked (for the static helpers below).
    @inline(__always) static func slotPointer(_ base: UnsafeMutablePointer<Slot>, _ used: Int, _ i: Int) -> UnsafeMutablePointer<Slot> {
        precondition(i >= 0 && i < used, "slot index out of range")
        return base + i
    }

    /// Links slot `slot` at the tail of the level `key` (creating the level).
    /// - Returns: the level array's new memory when it grew (the caller records it).
    @inline(__always) static func link(_ levels: inout LevelArray, _ slots: UnsafeMutablePointer<Slot>, _ used: Int,
                                       key: Int64, slot: UInt32, qty: Int64) -> UnsafeMutablePointer<Level>? {
        let (found, i) = levels.search(key)
        if found {
            let level = levels.at(i)
            let tail = level.pointee.tail
            slotPointer(slots, used, Int(tail)).pointee.next = slot
            slotPointer(slots, used, Int(slot)).pointee.prev = tail
            level.pointee.tail = slot
            level.pointee.qty += qty
            level.pointee.count += 1
            return nil
        }
        return levels.insert(Level(key: key, head: slot, tail: slot, qty: qty, count: 1), at: i)
    }

    /// Removes a resting order. Returns its remaining size.
    /// - Complexity: O(1) at the best level, O(log L + L) when an inner level empties.
    @discardableResult
    mutating func remove(_ id: OrderId) -> Int64 {
        guard let (rest, _) = removeIfPresent(id) else { preconditionFailure("removing an order that does not rest") }
        return rest
    }

    /// Unlinks slot `slot` from its level `key`, dropping the level when it empties.
    @inline(__always) static func unlink(_ levels: inout LevelArray, _ slots: UnsafeMutablePointer<Slot>, _ used: Int,
                                         key: Int64, slot: UInt32, qty: Int64) {
        let (found, i) = levels.search(key)
        precondition(found, "order's level missing")
        let s = slotPointer(slots, used, Int(slot))
        let prev = s.pointee.prev
        let next = s.pointee.next
        let level = levels.at(i)
        if prev != kNil { slotPointer(slots, used, Int(prev)).pointee.next = next } else { level.pointee.head = next }
        if next != kNil { slotPointer(slots, used, Int(next)).pointee.prev = prev } else { level.pointee.tail = prev }
        level.pointee.count -= 1
        level.pointee.qty -= qty
        if level.pointee.count == 0 {
            if i == levels.count - 1 { levels.count -= 1 } else { levels.remove(at: i) }
        }
    }

    /// Removes `id` if it rests: returns its remaining size and OCO sibling (one id-map lookup).
    mutating func removeIfPresent(_ id: OrderId) -> (Int64, UInt32)? {
        let idi = Int(id.raw)
        let si = slotIndex(ofId: idi)
        guard si != kNil else { return nil }
        makeUnique()
        let s = slot(Int(si))
        let key = Self.key(s.side, s.price)
        if s.side == .buy {
            Self.unlink(&bidLevels, slotBase, slotsUsed, key: key, slot: si, qty: s.qty)
        } else {
            Self.unlink(&askLevels, slotBase, slotsUsed, key: key, slot: si, qty: s.qty)
        }
        idBase[idi] = kNil  // idi < idCapacity: the lookup above found it
        precondition(freeCount < slotCapacity, "free list overflow")
        freeBase[freeCount] = si
        freeCount += 1
        count -= 1
        openSize[2 * Int(s.account) + (s.side == .buy ? 0 : 1)] -= s.qty
        if s.side == .buy { sideSize.buy -= s.qty } else { sideSize.sell -= s.qty }
        return (s.qty, s.hasOco ? ocoLinks.removeValue(forKey: s.id) ?? kNil : kNil)
    }

    /// Reduces a resting order's size in place (keeps its queue position).
    mutating func reduce(_ id: OrderId, by delta: Int64) {
        let si = slotIndex(ofId: Int(id.raw))
        precondition(si != kNil, "reducing an order that does not rest")
        makeUnique()
        let p = slotPointer(Int(si))
        let s = p.pointee
        precondition(delta > 0 && delta < s.qty, "reduce must leave a positive size")
        p.pointee.qty -= delta
        openSize[2 * Int(s.account) + (s.side == .buy ? 0 : 1)] -= delta
        if s.side == .buy { sideSize.buy -= delta } else { sideSize.sell -= delta }
        let key = Self.key(s.side, s.price)
        let levels = s.side == .buy ? bidLevels : askLevels
        let (found, i) = levels.search(key)
        precondition(found, "order's level missing")
        levels.at(i).pointee.qty -= delta
    }

    /// Sets the OCO link of a resting order.
    mutating func setOco(_ id: OrderId, _ sibling: UInt32) {
        let si = slotIndex(ofId: Int(id.raw))
        precondition(si != kNil, "linking an order that does not rest")
        makeUnique()
        slotPointer(Int(si)).pointee.hasOco = sibling != kNil
        if sibling == kNil { ocoLinks[id.raw] = nil } else { ocoLinks[id.raw] = sibling }
    }
}
