import MarketCore
import Matching
import StrategyKit

extension StrategyRuntime {
    /// Applies strategy `i`'s intents in order through the risk gate (DESIGN §7). The first one
    /// the gate refuses stops the strategy; the rest are dropped.
    ///
    /// The gate, per intent:
    /// - `place` / `replace`: the key is not already open (a replace's old key may be); price
    ///   and size positive and within ``Bounds``; open orders ≤ `maxOpenOrders`; places and
    ///   replaces per second ≤ `maxOrdersPerSecond`; unless reduce-only, the worst case on the
    ///   order's side (position + open orders on that side + size, signed) ≤ `maxPosition` and that
    ///   worst case × price ≤ `maxNotional` — judged on what the strategy saw, then cut to the room
    ///   left once fills not routed yet count (see ``gate(_:_:)``).
    /// - `cancel` of a key that is not open is ignored (the order may have just filled).
    /// - `hedge`: size positive and within bounds, latency ≥ 0, fee within 0…100%.
    ///
    /// The venue events the intents cause are routed only after the whole list is applied, so every
    /// intent is checked against the state the strategy saw plus the intents before it (no other
    /// callback can move its position in between). A cancel the strategy asked for closes the order
    /// at once and is not reported back to it.
    mutating func apply(_ i: Int, _ o: inout Intents, _ out: inout RuntimeEvents) {
        let outer = deferRouting
        deferRouting = true
        defer {
            deferRouting = outer
            if !outer { route(from: cursor, &out) }
            // Orders the gate dropped (see `gate`) are reported after the batch (when the batch runs
            // inside routing, before routing reaches the batch's own events).
            while !slots[i].dropped.isEmpty && slots[i].isActive {
                let (key, size) = slots[i].dropped.removeFirst()
                let done = OrderDone(key: key, reason: .refusedByGate, remaining: size, time: Timestamp(milliseconds: now))
                call(i, &out) { b, c, o in b.onOrderDone(done, c, &o) }
            }
            slots[i].dropped.removeAll()
        }
        for intent in o.items {
            guard slots[i].isActive else { return }
            switch intent {
            case .place(let order):
                let size: Quantity
                switch gate(i, order) {
                case .stop(let reason): return stop(i, reason, &out)
                case .pass(let s): size = s
                }
                place(i, order, size: size, &out)
            case .replace(let key, let order):
                // The old order is cancelled first, so whatever of it the venue filled before the
                // cancel (not routed yet, or with latency still fillable) counts as in flight below.
                if let k = slots[i].orderIndex(key) { cancel(i, slots[i].orders[k].id, &out) }
                guard slots[i].isActive else { return }
                let size: Quantity
                switch gate(i, order) {
                case .stop(let reason): return stop(i, reason, &out)
                case .pass(let s): size = s
                }
                place(i, order, size: size, &out)
            case .cancel(let key):
                if let k = slots[i].orderIndex(key) { cancel(i, slots[i].orders[k].id, &out) }
            case .cancelAll:
                pullOrders(i, &out)
            case .setTimer(let id, let at):
                // A timer set for now or earlier fires at the next input (see `fireTimers`).
                if let t = slots[i].timers.firstIndex(where: { $0.id == id }) {
                    slots[i].timers[t].at = at.milliseconds
                } else {
                    slots[i].timers.append((id, at.milliseconds))
                }
            case .hedge(let side, let size, let latency, let fee):
                guard size.raw > 0, size.raw <= Bounds.maxQuantity.raw, latency >= 0, latency <= 86_400_000,
                      fee.raw >= 0, fee.raw <= Ppm.one.raw else {
                    return stop(i, .invalidIntent("hedge of \(size) with latency \(latency) ms and fee \(fee)"), &out)
                }
                slots[i].hedges.append((side, size.raw, now + latency, fee.raw, false))
            }
        }
    }

    /// The gate's verdict on an order: stop the strategy, or pass it with the size it may rest
    /// with (the size asked for, or less: see ``gate(_:_:)``; zero: dropped).
    enum GateVerdict { case stop(StopReason), pass(Quantity) }

    /// The gate on `order` for strategy `i` (a replace has cancelled its old order before).
    ///
    /// The position and notional limits are judged on what the strategy saw: a cancel it asked
    /// for frees its order's whole size. The venue may have filled part of such an order before the
    /// cancel, in events not routed yet (a taker sweeping several of its orders calls it back after
    /// the first fill); those fills count once known, so the order is then cut to the room left
    /// (down to the step; below the minimum size it is dropped and reported back as
    /// `refusedByGate`) instead of stopping a strategy for news it could not see.
    func gate(_ i: Int, _ order: StrategyOrder) -> GateVerdict {
        let s = slots[i]
        if s.orderIndex(order.key) != nil {
            return .stop(.invalidIntent("order key \(order.key) is already open"))
        }
        let isMarket = order.type == .market
        guard order.size.raw > 0, order.size.raw <= Bounds.maxQuantity.raw else {
            return .stop(.invalidIntent("size \(order.size) outside 0...\(Bounds.maxQuantity)"))
        }
        guard isMarket ? order.price.raw >= 0 : order.price.raw > 0, order.price.raw <= Bounds.maxPrice.raw else {
            return .stop(.invalidIntent("price \(order.price) outside 0...\(Bounds.maxPrice)"))
        }
        // Open orders as the strategy sees them: not those whose cancel is on its way.
        var open = 0
        for o in s.orders where !o.cancelRequested { open += 1 }
        if open + 1 > s.context.limits.maxOpenOrders { return .stop(.maxOpenOrders) }
        let windowCount = now - s.rateWindow >= 1_000 ? 0 : s.rateCount
        if windowCount + 1 > s.context.limits.maxOrdersPerSecond { return .stop(.maxOrderRate) }
        guard !order.reduceOnly else { return .pass(order.size) }
        // Open orders on the order's side (not reduce-only), and the part of them whose cancel is in flight.
        var sideOpen: Int64 = 0, inFlight: Int64 = 0
        for (k, o) in s.context.openOrders.enumerated() where o.side == order.side && !s.orders[k].reduceOnly {
            sideOpen += o.remaining.raw
            if s.orders[k].cancelRequested { inFlight += o.remaining.raw }
        }
        // Exposure on that side before this order: long for a buy, short for a sell.
        let pos = s.context.position.raw
        let before = order.side == .buy ? pos + sideOpen : -(pos - sideOpen)
        let maxPosition = s.context.limits.maxPosition.raw
        let price = order.price.raw > 0 ? order.price.raw : (s.context.lastValidOracle.raw > 0 ? s.context.lastValidOracle.raw : 0)
        let maxNotional = Int128(s.context.limits.maxNotional.raw)
        let seen = before - inFlight + order.size.raw
        if seen > maxPosition { return .stop(.maxPosition) }
        if Int128(seen) * Int128(price) / Int128(Quantity.scale) > maxNotional { return .stop(.maxNotional) }
        // With the in-flight fills counted: the room under both limits (the position's is the
        // one rule `Slot.room`, which JIT answers are cut to as well).
        var room = Int128(s.room(order.side))
        if price > 0 { room = Swift.min(room, maxNotional * Int128(Quantity.scale) / Int128(price) - Int128(before)) }
        if room >= Int128(order.size.raw) { return .pass(order.size) }
        let cut = s.context.market.rounded(Quantity(raw: Int64(Swift.max(0, room))))
        return .pass(cut >= s.context.market.minSize && cut.raw > 0 ? cut : .zero)
    }

    /// Places `order` with `size` (the gate's; zero: dropped and reported back after the batch).
    mutating func place(_ i: Int, _ order: StrategyOrder, size: Quantity, _ out: inout RuntimeEvents) {
        if size.raw == 0 {
            slots[i].dropped.append((order.key, order.size))
            return
        }
        var order = order
        order.size = size
        if now - slots[i].rateWindow >= 1_000 { slots[i].rateWindow = now; slots[i].rateCount = 0 }
        slots[i].rateCount += 1
        slots[i].ordersPlaced += 1
        let id = allocateId(owner: Int32(i + 1), key: order.key, size: order.size.raw)
        slots[i].orders.append((order.key, id, order.reduceOnly, false))
        slots[i].context.openOrders.append(OpenOrder(key: order.key, side: order.side, price: order.price, remaining: order.size))
        let request = OrderRequest(id: id, account: slots[i].account, side: order.side, type: order.type, price: order.price,
                                   size: order.size, tif: order.type == .market && order.tif == .gtc ? .ioc : order.tif,
                                   postOnly: order.postOnly, reduceOnly: order.reduceOnly)
        if config.orderLatencyMs > 0 {
            pending.append(PendingRequest(due: now + config.orderLatencyMs, strategy: i, market: slots[i].market, kind: .place(request)))
            return
        }
        placeWithPool(market: slots[i].market, request, &out)
    }

    mutating func cancel(_ i: Int, _ id: OrderId, _ out: inout RuntimeEvents) {
        if config.orderLatencyMs > 0 {
            // On its way: the order stays open (and counted, as in flight) until the venue's
            // answer is routed; fills before the cancel arrives still reach the strategy.
            guard let k = slots[i].orderIndex(id: id) else { return }
            slots[i].orders[k].cancelRequested = true
            pending.append(PendingRequest(due: now + config.orderLatencyMs, strategy: i, market: slots[i].market, kind: .cancel(id)))
            return
        }
        let s = out.market.count
        venue.cancel(market: slots[i].market, id, account: slots[i].account, at: Timestamp(milliseconds: now), events: &out.market)
        route(from: s, &out)
        // Out of the open orders at once (routing still follows the id to its last event). Within a
        // batch the order's fills before the cancel may not be routed yet: it stays counted for the
        // gate with just that unrouted part (what it held minus what the venue cancelled), so the
        // cancelled remainder frees room at once and the unrouted fills are never missed.
        guard let k = slots[i].orderIndex(id: id) else { return }
        var cancelled: Int64? = nil
        for j in s..<out.market.count {
            if case .cancelled(let cid, let remaining, _, _) = out.market[j], cid == id { cancelled = remaining.raw; break }
        }
        if let c = cancelled, deferRouting || routing {
            let left = slots[i].context.openOrders[k].remaining.raw - c
            if left <= 0 { return removeOpen(i, k) }
            slots[i].context.openOrders[k].remaining = Quantity(raw: left)
        }
        forget(i, k)
    }
}

/// A strategy's order or cancel on its way to the venue (``RuntimeConfig/orderLatencyMs``).
struct PendingRequest: Sendable {
    enum Kind: Sendable { case place(OrderRequest), cancel(OrderId) }
    var due: Int64
    var strategy: Int
    var market: Int
    var kind: Kind
}

extension StrategyRuntime {
    /// Sends every request whose time has come, oldest first, at the current time.
    mutating func sendPending(_ out: inout RuntimeEvents) {
        while let first = pending.first, first.due <= now {
            pending.removeFirst()
            switch first.kind {
            case .place(let request):
                placeWithPool(market: first.market, request, &out)
            case .cancel(let id):
                // Only if the id still names that strategy's order whose cancel this is (an id is
                // reused once its order is done: a stale cancel must not reach the next order).
                guard owner(of: id) == first.strategy, let k = slots[first.strategy].orderIndex(id: id),
                      slots[first.strategy].orders[k].cancelRequested else { continue }
                let s = out.market.count
                venue.cancel(market: first.market, id, account: slots[first.strategy].account, at: Timestamp(milliseconds: now), events: &out.market)
                route(from: s, &out)
            }
        }
    }

    /// Drops strategy `i`'s requests still on their way (its orders are being pulled): an order
    /// that never reached the venue is closed here, with no event.
    mutating func dropPending(_ i: Int) {
        guard pending.contains(where: { $0.strategy == i }) else { return }
        for r in pending where r.strategy == i {
            if case .place(let request) = r.kind {
                if let k = slots[i].orderIndex(id: request.id) { removeOpen(i, k) }
                releaseId(request.id)
            }
        }
        pending.removeAll { $0.strategy == i }
    }
}
