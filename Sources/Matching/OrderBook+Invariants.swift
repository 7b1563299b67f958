import MarketCore

extension OrderBook {
    /// Sweeps the whole book and traps on any broken invariant: never crossed, levels strictly
    /// sorted, every FIFO's links consistent, level aggregates equal to a walk over their orders,
    /// the id map and the slots agree. Tests call it after every event.
    /// Reads the buffers directly with plain integer loops (checked accessors), so it stays cheap
    /// in debug builds too.
    /// - Complexity: O(slots + ids + levels).
    public func checkInvariants() {
        if let b = bestBid, let a = bestAsk { precondition(b < a, "book crossed: bid \(b) ≥ ask \(a)") }
        var live = 0
        for (side, levels) in [(Side.buy, bidLevels), (Side.sell, askLevels)] {
            var lastKey = Int64.min
            for li in 0..<levels.count {
                let level = levels[li]
                precondition(level.key > lastKey, "levels not strictly sorted")
                lastKey = level.key
                precondition(level.count > 0 && level.qty > 0, "empty level kept")
                var n: UInt32 = 0
                var q: Int64 = 0
                var prev = kNil
                var cur = level.head
                while cur != kNil {
                    let s = slot(Int(cur))
                    precondition(s.prev == prev, "FIFO back-link broken")
                    precondition(s.side == side && Self.key(side, s.price) == level.key, "order on the wrong level")
                    precondition(s.qty > 0, "non-positive resting size")
                    precondition(slotIndex(ofId: Int(s.id)) == cur, "id map disagrees with slot")
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
        var linked = 0
        for i in 0..<slotsUsed {
            let s = slot(i)
            guard slotIndex(ofId: Int(s.id)) == UInt32(i) else { continue }  // a freed slot
            open[2 * Int(s.account) + (s.side == .buy ? 0 : 1)] += s.qty
            if s.hasOco { linked += 1 }
        }
        precondition(open == openSize, "per-account open size wrong")
        for (id, sibling) in ocoLinks {
            let si = slotIndex(ofId: Int(id))
            precondition(si != kNil && slot(Int(si)).hasOco, "OCO link of an order that is gone")
            precondition(sibling != id, "order linked to itself")
        }
        precondition(ocoLinks.count == linked, "linked flag without a link")
        var mapped = 0
        for i in 0..<idCapacity where slotIndex(ofId: i) != kNil { mapped += 1 }
        precondition(mapped == count, "id map count wrong")
        precondition(freeCount + count == slotsUsed, "free list and live orders do not add up to the slots in use")
    }

    /// The resting order ids at one level in queue order (first in time first). For tests.
    public func queue(_ side: Side, at price: Price) -> [OrderId] {
        let (found, i) = find(side, Self.key(side, price.raw))
        guard found else { return [] }
        var out: [OrderId] = []
        var cur = side == .buy ? bidLevels[i].head : askLevels[i].head
        while cur != kNil {
            let s = slot(Int(cur))
            out.append(OrderId(s.id))
            cur = s.next
        }
        return out
    }
}
