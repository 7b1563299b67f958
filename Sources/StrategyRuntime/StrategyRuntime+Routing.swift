import MarketCore
import Matching
import StrategyKit

extension StrategyRuntime {
    // MARK: - Callbacks

    /// Calls strategy `i` (when running) through `body`, then applies its intents through the gate.
    mutating func call(_ i: Int, _ out: inout RuntimeEvents,
                       _ body: (AnyStrategyBox, StrategyContext, inout Intents) -> Void) {
        guard slots[i].isActive else { return }
        slots[i].context.time = Timestamp(milliseconds: now)
        // The reused buffer is moved out (a nested call finds an empty one and makes its own).
        var o = intents
        intents = Intents(capacity: 0)
        o.removeAll()
        body(boxes[i], slots[i].context, &o)
        apply(i, &o, &out)
        o.removeAll()
        intents = o
    }

    mutating func deliver(_ i: Int, _ data: MarketData, _ out: inout RuntimeEvents) {
        call(i, &out) { b, c, o in b.onMarketData(data, c, &o) }
    }

    /// Re-reads strategy `i`'s position, PnL, equity and free collateral from the venue.
    mutating func refresh(_ i: Int) {
        let s = slots[i]
        let p = venue.position(s.account, market: s.market)
        let m = venue.margin(s.account)
        slots[i].context.position = Quantity(raw: s.position)
        slots[i].context.entryPrice = p.entryPrice
        slots[i].context.realisedPnl = Amount(raw: p.realizedPnl.raw - p.fees.raw - p.funding.raw + s.hedgeRealised)
        slots[i].context.unrealisedPnl = p.unrealizedPnl
        slots[i].context.equity = Amount(raw: m.maintenanceEquity.raw + hedgeEquity(i))  // = strategyEquity(i), one margin pass
        slots[i].context.freeCollateral = m.freeCollateral
        slots[i].context.hedgePosition = Quantity(raw: s.hedgeBase)
    }

    // MARK: - Routing venue events

    /// Routes every venue event not routed yet, in order (including those its strategies'
    /// reactions add). One cursor is shared by nested calls, so each event is routed exactly once;
    /// `start` (where the caller's command began) is never before the cursor.
    mutating func route(from start: Int, _ out: inout RuntimeEvents) {
        // Not while a strategy's intents are applied (routed after the batch), and never
        // re-entered: the loop running below picks up whatever its callbacks add, in order.
        guard !deferRouting && !routing else { return }
        routing = true
        defer { routing = false }
        while cursor < out.market.count {
            let k = cursor
            cursor += 1
            let e = out.market[k]
            let m = Int(out.market.tag(at: k).market)
            switch e {
            case .fill(let f):
                onFill(f, market: m, &out)
            case .cancelled(let id, let remaining, let reason, let ts):
                if externalIds[id.raw] != nil { externalCancelled(id); continue }
                guard let i = owner(of: id) else { continue }
                let key = ownerKeys[Int(id.raw)]
                var report = false
                if let k = slots[i].orderIndex(id: id) {
                    report = !slots[i].orders[k].cancelRequested
                    removeOpen(i, k)
                }
                releaseId(id)
                // A cancel the strategy asked for is not reported back.
                guard report else { continue }
                call(i, &out) { b, c, o in
                    b.onOrderDone(OrderDone(key: key, reason: .cancelled(reason), remaining: remaining, time: ts), c, &o)
                }
            case .rejected(let id, let reason, let ts):
                guard let i = owner(of: id) else { continue }
                let key = ownerKeys[Int(id.raw)]
                let remaining = Quantity(raw: ownerRemaining[Int(id.raw)])
                // A refused cancel of an order that has filled meanwhile: its fills close it.
                if reason == .unknownOrder && (slots[i].orderIndex(id: id).map { slots[i].orders[$0].cancelRequested } ?? true) { continue }
                var report = false
                if let k = slots[i].orderIndex(id: id) {
                    report = !slots[i].orders[k].cancelRequested
                    removeOpen(i, k)
                }
                releaseId(id)
                guard report else { continue }
                call(i, &out) { b, c, o in b.onOrderDone(OrderDone(key: key, reason: .rejected(reason), remaining: remaining, time: ts), c, &o) }
            case .breakerTrip, .paused:
                suspend(market: m, &out)
            case .breakerReset, .resumed:
                resumeIfClear(&out)
            case .funding(let rate, _, let mark, let oracle, let ts):
                publish(m, .funding(rate: rate, mark: mark, oracle: oracle, ts), &out)
            case .liquidation(let l):
                for i in slots.indices where slots[i].account == l.account && slots[i].market == m {
                    slots[i].position -= l.size.raw
                    stop(i, .liquidated, &out)
                }
            default:
                continue
            }
        }
    }

    /// Removes open order `k` of strategy `i` (the id stays owned until routing reaches its last event).
    mutating func removeOpen(_ i: Int, _ k: Int) {
        slots[i].orders.remove(at: k)
        slots[i].context.openOrders.remove(at: k)
    }

    /// The strategy asked to cancel open order `k`: its key is free at once; while events are
    /// unrouted (within a batch) it stays counted for the gate until routing reaches its last
    /// event, otherwise it goes now.
    mutating func forget(_ i: Int, _ k: Int) {
        if deferRouting || routing { slots[i].orders[k].cancelRequested = true } else { removeOpen(i, k) }
    }

    /// Books a routed fill of `size` on strategy `i`'s order `id`: its open size, and the id's
    /// release once nothing is left. Returns the order's key.
    mutating func fillOrder(_ i: Int, id: OrderId, size: Int64) -> UInt32 {
        let key = ownerKeys[Int(id.raw)]
        ownerRemaining[Int(id.raw)] -= size
        if let k = slots[i].orderIndex(id: id) {
            let left = slots[i].context.openOrders[k].remaining.raw - size
            if left <= 0 { removeOpen(i, k) } else { slots[i].context.openOrders[k].remaining = Quantity(raw: left) }
        }
        if ownerRemaining[Int(id.raw)] <= 0 { releaseId(id) }
        return key
    }

    mutating func onFill(_ f: Fill, market m: Int, _ out: inout RuntimeEvents) {
        // Every strategy in the market sees the trade.
        var takerOwner: Int? = owner(of: f.taker)
        if f.takerAccount == Self.flowAccount { takerOwner = nil }
        var makerOwner: Int? = nil
        var kind = FillKind.maker
        var makerKey: UInt32? = nil
        switch f.maker {
        case .order(let id, let account):
            if account == Self.bookAccount { externalFilled(id, size: f.size.raw) }
            makerOwner = owner(of: id)
            if let i = makerOwner { makerKey = fillOrder(i, id: id, size: f.size.raw) }
        case .provider(let p, _):
            let i = Int(p.raw)
            if i < slots.count { makerOwner = i; kind = .auction; slots[i].auctionsWon += 1 }
        case .amm:
            break
        }
        if let i = makerOwner {
            slots[i].position += f.takerSide.opposite.sign * f.size.raw
            slots[i].fills += 1
            slots[i].feesPaid += f.makerFee.raw
            refresh(i)
            let own = OwnFill(key: makerKey, kind: kind, side: f.takerSide.opposite, price: f.price, size: f.size, fee: f.makerFee, time: f.time)
            call(i, &out) { b, c, o in b.onFill(own, c, &o) }
        }
        if let i = takerOwner {
            let key: UInt32? = fillOrder(i, id: f.taker, size: f.size.raw)
            slots[i].position += f.takerSide.sign * f.size.raw
            slots[i].fills += 1
            slots[i].feesPaid += f.takerFee.raw
            refresh(i)
            let own = OwnFill(key: key, kind: .taker, side: f.takerSide, price: f.price, size: f.size, fee: f.takerFee, time: f.time)
            call(i, &out) { b, c, o in b.onFill(own, c, &o) }
        }
        publish(m, .trade(price: f.price, size: f.size, takerSide: f.takerSide, f.time), &out)
    }

    /// Market data for the strategies of market `m` (nil: every strategy): heard at once, or after
    /// the feed latency. `lastValid`: with an oracle, the venue's last valid oracle at that time.
    mutating func publish(_ m: Int?, _ data: MarketData, lastValid: Price? = nil, _ out: inout RuntimeEvents) {
        if config.feedLatencyMs > 0 {
            feed.append((now + config.feedLatencyMs, m, data, lastValid))
            return
        }
        hear(m, data, lastValid, &out)
    }

    /// The strategies of market `m` (nil: all) take `data` into their context, then hear it.
    mutating func hear(_ m: Int?, _ data: MarketData, _ lastValid: Price?, _ out: inout RuntimeEvents) {
        for i in slots.indices where m == nil || slots[i].market == m! {
            switch data {
            case .oracle(let price, let confidence, let status, _):
                slots[i].context.oracle = price
                slots[i].context.oracleConfidence = confidence
                slots[i].context.oracleStatus = status
                if let lastValid { slots[i].context.lastValidOracle = lastValid }
                refresh(i)
            case .trade(let price, _, _, _):
                slots[i].context.lastTrade = price
            case .top(let t):
                slots[i].context.top = t
            case .reference(let q):
                if q.source == 0 { slots[i].context.reference = q }
            case .funding(let rate, _, _, _):
                slots[i].context.fundingRate = rate
                refresh(i)
            }
            deliver(i, data, &out)
        }
    }

    /// Delivers the market data whose feed latency has passed, oldest first.
    mutating func hearFeed(_ out: inout RuntimeEvents) {
        while let first = feed.first, first.due <= now {
            feed.removeFirst()
            hear(first.market, first.data, first.lastValid, &out)
        }
    }

    /// After an input: strategies whose book top changed hear it (a few rounds, as their answers move it).
    mutating func settle(_ out: inout RuntimeEvents) {
        for _ in 0..<4 {
            var changed = false
            for m in venue.markets.indices {
                let book = venue.markets[m].book
                var t = BookTop()
                if let b = book.bestBid { t.bid = b; t.bidSize = book.depth(.buy, at: b) }
                if let a = book.bestAsk { t.ask = a; t.askSize = book.depth(.sell, at: a) }
                guard t != tops[m] else { continue }
                tops[m] = t
                changed = true
                publish(m, .top(t), &out)
            }
            if !changed { break }
        }
    }

    // MARK: - Suspension on breakers and pauses

    mutating func suspend(market m: Int, _ out: inout RuntimeEvents) {
        for i in slots.indices where slots[i].isActive && (slots[i].market == m || m == Int(EventBuffer.venueWide)) {
            let e = venue.markets[slots[i].market]
            guard e.breakers.isTripped || e.paused || e.globallyPaused else { continue }
            slots[i].state = .suspended
            pullOrders(i, &out)
            out.runtime.append(.strategySuspended(strategy: i, Timestamp(milliseconds: now)))
        }
    }

    mutating func resumeIfClear(_ out: inout RuntimeEvents) {
        for i in slots.indices where slots[i].started && slots[i].state == .suspended {
            let e = venue.markets[slots[i].market]
            guard !e.breakers.isTripped && !e.paused && !e.globallyPaused else { continue }
            slots[i].state = .running
            out.runtime.append(.strategyResumed(strategy: i, Timestamp(milliseconds: now)))
            refresh(i)
            call(i, &out) { b, c, o in b.start(c, &o) }
        }
    }

    /// Cancels every open order of strategy `i` in the venue (its events are routed).
    mutating func pullOrders(_ i: Int, _ out: inout RuntimeEvents) {
        dropPending(i)
        guard !slots[i].orders.isEmpty else { return }
        let s = out.market.count
        venue.cancelAll(of: slots[i].account, market: slots[i].market, at: Timestamp(milliseconds: now), events: &out.market)
        route(from: s, &out)
        // Anything the venue did not cancel (an order filled, not routed yet) is forgotten too; its
        // fills still reach the strategy (and count for the gate) when routed.
        var k = slots[i].orders.count - 1
        while k >= 0 {
            if !slots[i].orders[k].cancelRequested { forget(i, k) }
            k -= 1
        }
    }

    /// Stops strategy `i` for good with `reason`: its `stop` callback, then its orders cancelled.
    mutating func stop(_ i: Int, _ reason: StopReason, _ out: inout RuntimeEvents) {
        if case .stopped = slots[i].state { return }
        var o = Intents()
        if slots[i].state == .running { boxes[i].stop(slots[i].context, &o) }  // its last intents are not applied
        slots[i].state = .stopped(reason)
        pullOrders(i, &out)
        slots[i].timers.removeAll()
        out.runtime.append(.strategyStopped(strategy: i, reason: reason, Timestamp(milliseconds: now)))
    }

    // MARK: - Timers and hedges

    /// Fires each strategy's due timers, earliest first; at most as many as were set when it
    /// began, so a timer re-armed for now waits for the next input (no endless loop).
    mutating func fireTimers(_ out: inout RuntimeEvents) {
        for i in slots.indices {
            var budget = slots[i].timers.count
            while slots[i].isActive && budget > 0 {
                budget -= 1
                var best = -1
                for (t, timer) in slots[i].timers.enumerated() where timer.at <= now && (best < 0 || timer.at < slots[i].timers[best].at) {
                    best = t
                }
                guard best >= 0 else { break }
                let id = slots[i].timers.remove(at: best).id
                call(i, &out) { b, c, o in b.onTimer(id, c, &o) }
            }
        }
    }

    /// Fills hedge legs that are due at the latest reference quote (buy at its ask, sell at its bid),
    /// paying the hedge fee rounded up (against the strategy).
    mutating func fillHedges(_ out: inout RuntimeEvents) {
        for i in slots.indices where !slots[i].hedges.isEmpty {
            var h = 0
            while h < slots[i].hedges.count {
                let leg = slots[i].hedges[h]
                guard leg.due <= now else { h += 1; continue }
                guard let q = slots[i].context.reference, q.bid.raw > 0, q.ask.raw >= q.bid.raw else {
                    // Reported once per leg.
                    if !leg.waitingReported {
                        slots[i].hedges[h].waitingReported = true
                        out.runtime.append(.hedgeWaiting(strategy: i, Timestamp(milliseconds: now)))
                    }
                    h += 1
                    continue
                }
                slots[i].hedges.remove(at: h)
                let price = leg.side == .buy ? q.ask : q.bid
                // Notional rounded against the strategy: a buyer pays the ceiling, a seller gets the floor.
                let notional = mulDiv(price.raw, leg.size, Quantity.scale, leg.side == .buy ? .up : .down)
                let fee = mulDiv(notional, leg.fee, Ppm.scale, .up)
                let before = slots[i].hedgeBase
                let cashBefore = slots[i].hedgeCash
                slots[i].hedgeBase += leg.side.sign * leg.size
                slots[i].hedgeCash += (leg.side == .buy ? -notional : notional) - fee
                // Realised hedge PnL on the closed part (for the context), at average entry.
                if before != 0 && (before > 0) != (leg.side == .buy) {
                    let closed = Swift.min(abs(before), leg.size)
                    let entryCash = Int64(Int128(cashBefore) * Int128(closed) / Int128(abs(before)))
                    let exitCash = Int64(Int128(notional) * Int128(closed) / Int128(leg.size)) * (leg.side == .buy ? -1 : 1)
                    slots[i].hedgeRealised += entryCash + exitCash
                }
                slots[i].hedgeRealised -= fee
                slots[i].feesPaid += fee
                slots[i].fills += 1
                out.runtime.append(.hedgeFill(strategy: i, side: leg.side, price: price, size: Quantity(raw: leg.size),
                                              fee: Amount(raw: fee), Timestamp(milliseconds: now)))
                let e = slots[i].hedgeBase == 0 ? Int64(0) : slots[i].hedgeCash
                slots[i].context.hedgeEntryPrice = slots[i].hedgeBase == 0 ? .zero
                    : Price(raw: mulDiv(abs(e), Quantity.scale, abs(slots[i].hedgeBase), .down))
                refresh(i)
                let own = OwnFill(key: nil, kind: .hedge, side: leg.side, price: price, size: Quantity(raw: leg.size),
                                  fee: Amount(raw: fee), time: Timestamp(milliseconds: now))
                call(i, &out) { b, c, o in b.onFill(own, c, &o) }
            }
        }
    }
}
