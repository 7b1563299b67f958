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
/// Layout (see `reference/swift-performance.md`): orders live in a value-type slot pool with
/// `UInt32` links and a LIFO free list; order ids map to slots through a dense array; each side
/// is a sorted array of levels with the best level **last**, so the common operations near the
/// touch (add at the best level, remove the best level) are O(1) and no operation allocates once
/// the pools have grown to the book's peak size.
public struct OrderBook: Sendable {
    var slots: ContiguousArray<Slot> = []
    var freeSlots: ContiguousArray<UInt32> = []
    var idToSlot: ContiguousArray<UInt32> = []
    /// `sides[0]` bids, `sides[1]` asks; each ascending by key, best last.
    var bids: ContiguousArray<Level> = []
    var asks: ContiguousArray<Level> = []
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

    /// Creates an empty book with room for `capacity` resting orders before it grows.
    public init(capacity: Int = 1024) {
        slots.reserveCapacity(capacity)
        freeSlots.reserveCapacity(capacity)
        idToSlot.reserveCapacity(capacity)
        bids.reserveCapacity(256)
        asks.reserveCapacity(256)
    }

    static func key(_ side: Side, _ price: Int64) -> Int64 { side == .buy ? price : -price }

    /// The best (highest) bid price, if any.
    public var bestBid: Price? { bids.last.map { Price(raw: $0.key) } }
    /// The best (lowest) ask price, if any.
    public var bestAsk: Price? { asks.last.map { Price(raw: -$0.key) } }
    /// The best price on `side`.
    public func best(_ side: Side) -> Price? { side == .buy ? bestBid : bestAsk }

    /// Whether `id` rests in the book.
    public func contains(_ id: OrderId) -> Bool {
        Int(id.raw) < idToSlot.count && idToSlot[Int(id.raw)] != kNil
    }

    /// The resting order `id`: side, price, remaining size, account.
    public func order(_ id: OrderId) -> RestingOrder? {
        guard contains(id) else { return nil }
        let s = slots[Int(idToSlot[Int(id.raw)])]
        return RestingOrder(id: id, account: AccountId(s.account), side: s.side, price: Price(raw: s.price),
                            remaining: Quantity(raw: s.qty), reduceOnly: s.reduceOnly, postOnly: s.postOnly,
                            ocoWith: s.hasOco ? ocoLinks[s.id].map(OrderId.init) : nil)
    }

    /// Total resting size at `price` on `side` (zero if no level).
    public func depth(_ side: Side, at price: Price) -> Quantity {
        let (found, i) = find(side, Self.key(side, price.raw))
        guard found else { return .zero }
        return Quantity(raw: side == .buy ? bids[i].qty : asks[i].qty)
    }

    /// Levels from the best outward: (price, total size, order count).
    public func levels(_ side: Side) -> [(price: Price, size: Quantity, orders: Int)] {
        (side == .buy ? bids : asks).reversed().map { (Price(raw: $0.price), Quantity(raw: $0.qty), Int($0.count)) }
    }

    /// Binary search for `key` among one side's levels (ascending). Checks the best level first.
    func find(_ side: Side, _ key: Int64) -> (found: Bool, index: Int) {
        side == .buy ? Self.search(bids, key) : Self.search(asks, key)
    }

    static func search(_ levels: ContiguousArray<Level>, _ key: Int64) -> (Bool, Int) {
        var hi = levels.count
        if hi > 0 {
            let lastKey = levels[hi - 1].key
            if lastKey == key { return (true, hi - 1) }
            if lastKey < key { return (false, hi) }
        }
        var lo = 0
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            let k = levels[mid].key
            if k == key { return (true, mid) }
            if k < key { lo = mid &+ 1 } else { hi = mid }
        }
        return (false, lo)
    }

    // MARK: - Mutation

    /// Appends an order at the tail of its price level (no matching).
    /// - Complexity: O(1) at the best level, O(log L + L) when a new inner level is created.
    mutating func insert(id: OrderId, account: AccountId, side: Side, price: Int64, qty: Int64,
                                          reduceOnly: Bool, postOnly: Bool, oco: UInt32) {
        let slotIndex: UInt32
        precondition(account.raw <= maxBookAccount, "account id beyond the book's range")
        var slot = Slot(price: price, qty: qty, id: id.raw, account: account.raw, side: side, reduceOnly: reduceOnly, postOnly: postOnly)
        if oco != kNil {
            slot.hasOco = true
            ocoLinks[id.raw] = oco
        }
        if let free = freeSlots.popLast() {
            slotIndex = free
            slots[Int(free)] = slot
        } else {
            slotIndex = UInt32(slots.count)
            slots.append(slot)
        }
        let idi = Int(id.raw)
        if idi >= idToSlot.count {
            let grow = Swift.max(idi + 1 - idToSlot.count, idToSlot.count)
            idToSlot.append(contentsOf: repeatElement(kNil, count: grow))
        }
        idToSlot[idi] = slotIndex
        let key = Self.key(side, price)
        if side == .buy {
            Self.link(&bids, &slots, key: key, slot: slotIndex, qty: qty)
        } else {
            Self.link(&asks, &slots, key: key, slot: slotIndex, qty: qty)
        }
        count += 1
        let oi = 2 * Int(account.raw) + (side == .buy ? 0 : 1)
        if oi >= openSize.count { openSize.append(contentsOf: repeatElement(0, count: oi + 1 - openSize.count)) }
        openSize[oi] += qty
        if side == .buy { sideSize.buy += qty } else { sideSize.sell += qty }
    }

    /// The resting orders of `account`, in slot order.
    /// - Complexity: O(slots).
    public func orders(of account: AccountId) -> [RestingOrder] {
        var out: [RestingOrder] = []
        for (i, s) in slots.enumerated() where s.account == account.raw && Int(s.id) < idToSlot.count
            && idToSlot[Int(s.id)] == UInt32(i) {
            if let o = order(OrderId(s.id)) { out.append(o) }
        }
        return out
    }

    /// Resting size of `account` on `side` (for margin: the worst case if it all fills).
    public func openSize(_ account: AccountId, _ side: Side) -> Quantity {
        let oi = 2 * Int(account.raw) + (side == .buy ? 0 : 1)
        return Quantity(raw: oi < openSize.count ? openSize[oi] : 0)
    }

    static func link(_ levels: inout ContiguousArray<Level>, _ slots: inout ContiguousArray<Slot>,
                                key: Int64, slot: UInt32, qty: Int64) {
        let (found, i) = search(levels, key)
        if found {
            let tail = levels[i].tail
            slots[Int(tail)].next = slot
            slots[Int(slot)].prev = tail
            levels[i].tail = slot
            levels[i].qty += qty
            levels[i].count += 1
        } else {
            levels.insert(Level(key: key, head: slot, tail: slot, qty: qty, count: 1), at: i)
        }
    }

    /// Removes a resting order. Returns its remaining size.
    /// - Complexity: O(1) at the best level, O(log L + L) when an inner level empties.
    @discardableResult
    mutating func remove(_ id: OrderId) -> Int64 {
        guard let (rest, _) = removeIfPresent(id) else { preconditionFailure("removing an order that does not rest") }
        return rest
    }

    static func unlink(_ levels: inout ContiguousArray<Level>, _ slots: inout ContiguousArray<Slot>,
                                  key: Int64, slot: UInt32, qty: Int64) {
        let (found, i) = search(levels, key)
        precondition(found, "order's level missing")
        let prev = slots[Int(slot)].prev
        let next = slots[Int(slot)].next
        if prev != kNil { slots[Int(prev)].next = next } else { levels[i].head = next }
        if next != kNil { slots[Int(next)].prev = prev } else { levels[i].tail = prev }
        levels[i].count -= 1
        levels[i].qty -= qty
        if levels[i].count == 0 {
            if i == levels.count - 1 { levels.removeLast() } else { levels.remove(at: i) }
        }
    }

    /// Removes `id` if it rests: returns its remaining size and OCO sibling (one id-map lookup).
    mutating func removeIfPresent(_ id: OrderId) -> (Int64, UInt32)? {
        let idi = Int(id.raw)
        guard idi < idToSlot.count else { return nil }
        let si = idToSlot[idi]
        guard si != kNil else { return nil }
        let s = slots[Int(si)]
        let key = Self.key(s.side, s.price)
        if s.side == .buy {
            Self.unlink(&bids, &slots, key: key, slot: si, qty: s.qty)
        } else {
            Self.unlink(&asks, &slots, key: key, slot: si, qty: s.qty)
        }
        idToSlot[idi] = kNil
        freeSlots.append(si)
        count -= 1
        openSize[2 * Int(s.account) + (s.side == .buy ? 0 : 1)] -= s.qty
        if s.side == .buy { sideSize.buy -= s.qty } else { sideSize.sell -= s.qty }
        return (s.qty, s.hasOco ? ocoLinks.removeValue(forKey: s.id) ?? kNil : kNil)
    }

    /// Reduces a resting order's size in place (keeps its queue position).
    mutating func reduce(_ id: OrderId, by delta: Int64) {
        let si = Int(idToSlot[Int(id.raw)])
        let s = slots[si]
        precondition(delta > 0 && delta < s.qty, "reduce must leave a positive size")
        slots[si].qty -= delta
        openSize[2 * Int(s.account) + (s.side == .buy ? 0 : 1)] -= delta
        if s.side == .buy { sideSize.buy -= delta } else { sideSize.sell -= delta }
        let key = Self.key(s.side, s.price)
        if s.side == .buy {
            let (_, i) = Self.search(bids, key); bids[i].qty -= delta
        } else {
            let (_, i) = Self.search(asks, key); asks[i].qty -= delta
        }
    }

    /// Sets the OCO link of a resting order.
    mutating func setOco(_ id: OrderId, _ sibling: UInt32) {
        let si = Int(idToSlot[Int(id.raw)])
        slots[si].hasOco = sibling != kNil
        if sibling == kNil { ocoLinks[id.raw] = nil } else { ocoLinks[id.raw] = sibling }
    }

    /// The OCO sibling of a resting order, if any.
    func oco(of id: OrderId) -> UInt32 {
        let s = slots[Int(idToSlot[Int(id.raw)])]
        return s.hasOco ? ocoLinks[s.id] ?? kNil : kNil
    }
}
