import MarketCore
import Matching

/// One level of the external book.
struct ExternalLevel: Hashable {
    var market: Int
    var side: Side
    var price: Int64
}

extension StrategyRuntime {
    /// Makes the external book hold `size` at `price` on `side` in market `m` (docs/runtime.md,
    /// "External depth"). Growth rests as a new post-only order at the back of the level's queue;
    /// a shrink comes off the newest of the level's external orders first (a size cut keeps their
    /// priority; a cut that would leave less than the minimum size takes the whole order, and what
    /// it took too much is added back at the back), so the queue ahead of a strategy's order only
    /// shrinks by trades and by cancels that no later external order can explain. The size is
    /// rounded down to the step; a level that cannot rest (off the tick, below the minimum size,
    /// crossing the other side) is skipped and counted in ``externalSkipped``.
    mutating func setExternal(market m: Int, side: Side, price: Price, size: Quantity, _ out: inout RuntimeEvents) {
        let key = ExternalLevel(market: m, side: side, price: price.raw)
        let step = infos[m].step.raw, minSize = infos[m].minSize.raw
        let target = size.raw / step * step
        var queue = external[key] ?? []
        var current: Int64 = 0
        for o in queue { current += o.remaining }
        let t = Timestamp(milliseconds: now)
        let s = out.market.count
        // Shrink from the newest: whole orders, or a cut that leaves at least the minimum size.
        while current > target, let last = queue.last {
            let excess = current - target
            let left = last.remaining - excess
            if left >= minSize && left > 0 {
                queue[queue.count - 1].remaining = left
                current = target
                venue.amend(market: m, last.id, price: nil, size: Quantity(raw: left), at: t, events: &out.market)
            } else {
                queue.removeLast()
                externalIds[last.id.raw] = nil
                current -= last.remaining
                venue.cancel(market: m, last.id, at: t, events: &out.market)
                releaseId(last.id)
            }
        }
        // Grow (also after a shrink that had to take a whole order): a new order at the back.
        if target > current {
            let id = allocateId(owner: 0)
            let at = out.market.count
            let request = OrderRequest(id: id, account: Self.bookAccount, side: side, type: .limit, price: price,
                                       size: Quantity(raw: target - current), tif: .gtc, postOnly: true)
            venue.place(market: m, request, at: t, events: &out.market)
            var rested = false
            for k in at..<out.market.count {
                if case .accepted(let a, _, _) = out.market[k], a == id { rested = true }
                if case .rejected(let r, _, _) = out.market[k], r == id { rested = false }
            }
            if rested {
                queue.append((id, target - current))
                externalIds[id.raw] = key
            } else {
                externalSkipped += 1
                releaseId(id)
            }
        }
        // Stored before routing (nothing here trades: post-only orders, cancels and size cuts).
        external[key] = queue.isEmpty ? nil : queue
        route(from: s, &out)
    }

    /// Drops every external order of market `m`.
    mutating func clearExternal(market m: Int, _ out: inout RuntimeEvents) {
        let t = Timestamp(milliseconds: now)
        // In a fixed order (the dictionary's is not): by side, then price.
        let keys = external.keys.filter { $0.market == m }.sorted { ($0.side == .buy ? 0 : 1, $0.price) < ($1.side == .buy ? 0 : 1, $1.price) }
        for key in keys {
            for o in external[key] ?? [] {
                externalIds[o.id.raw] = nil
                let s = out.market.count
                venue.cancel(market: m, o.id, at: t, events: &out.market)
                releaseId(o.id)
                route(from: s, &out)
            }
            external[key] = nil
        }
    }

    /// A routed fill of `size` on external order `id`.
    mutating func externalFilled(_ id: OrderId, size: Int64) {
        guard let key = externalIds[id.raw], var queue = external[key], let k = queue.firstIndex(where: { $0.id == id }) else { return }
        queue[k].remaining -= size
        if queue[k].remaining <= 0 {
            queue.remove(at: k)
            externalIds[id.raw] = nil
            releaseId(id)
        }
        external[key] = queue.isEmpty ? nil : queue
    }

    /// A routed cancel of external order `id` not asked for here (a breaker, self-trade prevention).
    mutating func externalCancelled(_ id: OrderId) {
        guard let key = externalIds[id.raw], var queue = external[key] else { return }
        queue.removeAll { $0.id == id }
        externalIds[id.raw] = nil
        releaseId(id)
        external[key] = queue.isEmpty ? nil : queue
    }

    /// The external book's size resting at one level (tests, reports).
    public func externalSize(market m: Int, side: Side, price: Price) -> Quantity {
        var n: Int64 = 0
        for o in external[ExternalLevel(market: m, side: side, price: price.raw)] ?? [] { n += o.remaining }
        return Quantity(raw: n)
    }
}
