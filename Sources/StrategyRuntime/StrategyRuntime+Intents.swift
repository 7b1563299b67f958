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
    ///   replaces per second ≤ `maxOrdersPerSecond`; unless reduce-only, |position + open orders on
    ///   that side + size| ≤ `maxPosition` and that worst case × price ≤ `maxNotional`.
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
        }
        for intent in o.items {
            guard slots[i].isActive else { return }
            switch intent {
            case .place(let order):
                if let reason = gate(i, order, replacing: nil) { return stop(i, reason, &out) }
                place(i, order, &out)
            case .replace(let key, let order):
                let old = slots[i].orderIndex(key)
                if let reason = gate(i, order, replacing: old) { return stop(i, reason, &out) }
                if let k = old { cancel(i, slots[i].orders[k].id, &out) }
                guard slots[i].isActive else { return }
                place(i, order, &out)
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

    /// Why the gate refuses `order` for strategy `i` (nil: it passes). `replacing`: the index
    /// of the open order a replace cancels first (its size no longer counts).
    func gate(_ i: Int, _ order: StrategyOrder, replacing: Int?) -> StopReason? {
        let s = slots[i]
        if let k = s.orderIndex(order.key), k != replacing {
            return .invalidIntent("order key \(order.key) is already open")
        }
        let isMarket = order.type == .market
        guard order.size.raw > 0, order.size.raw <= Bounds.maxQuantity.raw else {
            return .invalidIntent("size \(order.size) outside 0...\(Bounds.maxQuantity)")
        }
        guard isMarket ? order.price.raw >= 0 : order.price.raw > 0, order.price.raw <= Bounds.maxPrice.raw else {
            return .invalidIntent("price \(order.price) outside 0...\(Bounds.maxPrice)")
        }
        let open = s.orders.count - (replacing == nil ? 0 : 1)
        if open + 1 > s.context.limits.maxOpenOrders { return .maxOpenOrders }
        let windowCount = now - s.rateWindow >= 1_000 ? 0 : s.rateCount
        if windowCount + 1 > s.context.limits.maxOrdersPerSecond { return .maxOrderRate }
        guard !order.reduceOnly else { return nil }
        var buys = s.openSize(.buy), sells = s.openSize(.sell)
        if let k = replacing, !s.orders[k].reduceOnly {
            let o = s.context.openOrders[k]
            if o.side == .buy { buys -= o.remaining.raw } else { sells -= o.remaining.raw }
        }
        let pos = s.context.position.raw
        let worst = order.side == .buy ? abs(pos + buys + order.size.raw) : abs(pos - sells - order.size.raw)
        if worst > s.context.limits.maxPosition.raw { return .maxPosition }
        let price = order.price.raw > 0 ? order.price.raw : (s.context.lastValidOracle.raw > 0 ? s.context.lastValidOracle.raw : 0)
        let notional = Int128(worst) * Int128(price) / Int128(Quantity.scale)
        if notional > Int128(s.context.limits.maxNotional.raw) { return .maxNotional }
        return nil
    }

    mutating func place(_ i: Int, _ order: StrategyOrder, _ out: inout RuntimeEvents) {
        if now - slots[i].rateWindow >= 1_000 { slots[i].rateWindow = now; slots[i].rateCount = 0 }
        slots[i].rateCount += 1
        slots[i].ordersPlaced += 1
        let id = allocateId(owner: Int32(i + 1), key: order.key, size: order.size.raw)
        slots[i].orders.append((order.key, id, order.reduceOnly, false))
        slots[i].context.openOrders.append(OpenOrder(key: order.key, side: order.side, price: order.price, remaining: order.size))
        let request = OrderRequest(id: id, account: slots[i].account, side: order.side, type: order.type, price: order.price,
                                   size: order.size, tif: order.type == .market && order.tif == .gtc ? .ioc : order.tif,
                                   postOnly: order.postOnly, reduceOnly: order.reduceOnly)
        placeWithPool(market: slots[i].market, request, &out)
    }

    mutating func cancel(_ i: Int, _ id: OrderId, _ out: inout RuntimeEvents) {
        let s = out.market.count
        venue.cancel(market: slots[i].market, id, account: slots[i].account, at: Timestamp(milliseconds: now), events: &out.market)
        route(from: s, &out)
        // Out of the open orders at once (routing still follows the id to its last event).
        if let k = slots[i].orderIndex(id: id) { forget(i, k) }
    }
}
