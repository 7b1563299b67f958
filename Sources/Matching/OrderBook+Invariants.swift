import MarketCore

extension OrderBook {
    /// Sweeps the whole book and traps on any broken invariant: never crossed, levels strictly
    /// sorted, every FIFO's links consistent, level aggregates equal to a walk over their orders,
    /// the id map and the slots agree. Tests call it after every event.
    /// - Complexity: O(orders + levels).
    public func checkInvariants() {
        if let b = bestBid, let a = bestAsk { precondition(b < a, "book crossed: bid \(b) ≥ ask \(a)") }
        var live = 0
        for (side, levels) in [(Side.buy, bids), (Side.sell, asks)] {
            var lastKey = Int64.min
            for level in levels {
                precondition(level.key > lastKey, "levels not strictly sorted")
                lastKey = level.key
                precondition(level.count > 0 && level.qty > 0, "empty level kept")
                var n: UInt32 = 0
                var q: Int64 = 0
                var prev = kNil
                var cur = level.head
                while cur != kNil {
                    let s = slots[Int(cur)]
                    precondition(s.prev == prev, "FIFO back-link broken")
                    precondition(s.side == side && Self.key(side, s.price) == level.key, "order on the wrong level")
                    precondition(s.qty > 0, "non-positive resting size")
                    precondition(idToSlot[Int(s.id)] == cur, "id map disagrees with slot")
                    n += 1
                    q += s.qty
                    prev = cur
                    cur = s.next
                }
                precondition(prev == level.tail, "FIFO tail broken")
                precondition(n == level.count && q == level.qty, "level aggregates wrong")
                live += Int(n)
            }
        }
        precondition(live == count, "order count wrong")
        var open = ContiguousArray<Int64>(repeating: 0, count: openSize.count)
        for i in 0..<slots.count where idToSlot.count > Int(slots[i].id) && idToSlot[Int(slots[i].id)] == UInt32(i) {
            open[2 * Int(slots[i].account) + (slots[i].side == .buy ? 0 : 1)] += slots[i].qty
        }
        precondition(open == openSize, "per-account open size wrong")
        for (id, sibling) in ocoLinks {
            precondition(contains(OrderId(id)) && slots[Int(idToSlot[Int(id)])].hasOco, "OCO link of an order that is gone")
            precondition(sibling != id, "order linked to itself")
        }
        precondition(ocoLinks.count == slots.indices.filter { i in
            Int(slots[i].id) < idToSlot.count && idToSlot[Int(slots[i].id)] == UInt32(i) && slots[i].hasOco }.count,
                     "linked flag without a link")
        precondition(idToSlot.lazy.filter { $0 != kNil }.count == count, "id map count wrong")
    }

    /// The resting order ids at one level in queue order (first in time first). For tests.
    public func queue(_ side: Side, at price: Price) -> [OrderId] {
        let (found, i) = find(side, Self.key(side, price.raw))
        guard found else { return [] }
        var out: [OrderId] = []
        var cur = side == .buy ? bids[i].head : asks[i].head
        while cur != kNil {
            out.append(OrderId(slots[Int(cur)].id))
            cur = slots[Int(cur)].next
        }
        return out
    }
}
