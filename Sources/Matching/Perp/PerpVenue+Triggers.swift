import MarketCore

extension PerpVenue {
    /// Holds `request` until market `market`'s oracle reaches `triggerPrice` (from below when
    /// `above`), then a keeper places it. `linkedTo` makes it one-cancels-other with a resting order.
    public mutating func placeTrigger(market: Int, _ request: OrderRequest, triggerPrice: Price, above: Bool,
                                      linkedTo: OrderId? = nil) {
        triggers.append(TriggerOrder(market: market, request: request, triggerPrice: triggerPrice.raw,
                                     fireWhenAbove: above, linked: linkedTo))
    }

    /// A bracket: the entry order now; once it has finished with a fill, a reduce-only
    /// take-profit limit (id `takeProfit`) rests and a reduce-only stop-loss market order
    /// (id `stopLoss`) waits on a trigger; whichever acts first cancels the other.
    public mutating func placeBracket(market: Int, entry: OrderRequest, takeProfit: OrderId, takeProfitPrice: Price,
                                      stopLoss: OrderId, stopLossPrice: Price, at time: Timestamp, events: inout EventBuffer) {
        brackets.append(PendingBracket(market: market, entry: entry.id, account: entry.account, side: entry.side,
                                       takeProfit: takeProfit, takeProfitPrice: takeProfitPrice.raw,
                                       stopLoss: stopLoss, stopLossPrice: stopLossPrice.raw))
        place(market: market, entry, at: time, events: &events)
    }

    /// Follows what matching did to linked orders: a trade or cancel of a trigger's linked order
    /// drops the trigger; an entry that finished arms its bracket.
    mutating func afterMatching(market: Int, from start: Int, events: inout EventBuffer) {
        guard !triggers.isEmpty || !brackets.isEmpty else { return }
        var end = events.count
        var i = start
        while i < end {
            var touched: [OrderId] = []
            var filled: (OrderId, Int64)? = nil
            switch events[i] {
            case let .fill(f):
                touched.append(f.taker)
                if case let .order(id, _) = f.maker { touched.append(id); filled = (id, f.size.raw) }
                for b in brackets.indices where brackets[b].market == market && brackets[b].entry == f.taker {
                    brackets[b].filled += f.size.raw
                }
                if let (id, size) = filled {
                    for b in brackets.indices where brackets[b].market == market && brackets[b].entry == id { brackets[b].filled += size }
                }
            case let .cancelled(id, _, _, _):
                touched.append(id)
            default: break
            }
            triggers.removeAll { t in t.market == market && t.linked.map(touched.contains) == true }
            i += 1
            end = events.count
        }
        // Arm brackets whose entry is done.
        var b = 0
        while b < brackets.count {
            let br = brackets[b]
            guard br.market == market, !markets[market].book.contains(br.entry) else { b += 1; continue }
            brackets.remove(at: b)
            guard br.filled > 0 else { continue }
            let exit = br.side.opposite
            let ts = Timestamp(milliseconds: now)
            let tp = OrderRequest(id: br.takeProfit, account: br.account, side: exit, type: .limit,
                                  price: Price(raw: br.takeProfitPrice), size: Quantity(raw: br.filled), reduceOnly: true)
            let sl = OrderRequest(id: br.stopLoss, account: br.account, side: exit, type: .market, price: .zero,
                                  size: Quantity(raw: br.filled), tif: .ioc, reduceOnly: true)
            // A long's stop fires when the price falls to it; a short's when it rises.
            placeTrigger(market: market, sl, triggerPrice: Price(raw: br.stopLossPrice), above: br.side == .sell, linkedTo: br.takeProfit)
            markets[market].place(tp, at: ts, events: &events)
        }
    }
}
