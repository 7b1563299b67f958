import MarketCore

/// Drives one strategy by hand, without a venue: feeds it market data, fills and timers, keeps
/// its context's open orders and position as a simple model would, and records its intents.
/// For strategy tests and worked examples (the runtime is the real host).
///
/// The model: a `place` opens the order at once (no matching), `cancel`/`replace`/`cancelAll`
/// close them at once; ``fill(_:price:size:)`` fills an open order; ``fillAuction(_:price:size:)``
/// a JIT answer. Position and entry price follow each fill; realised PnL counts closed size at
/// `(exit − entry) × size` (fees ignored unless given).
public struct StrategyHarness<S: Strategy> {
    public var strategy: S
    public var context: StrategyContext
    /// Every intent the strategy produced, in order.
    public private(set) var log: [Intent] = []
    /// The intents of the latest callback.
    public private(set) var last: [Intent] = []
    /// Timers set and not yet fired: id → time.
    public private(set) var timers: [UInt32: Timestamp] = [:]
    /// The parameters the strategy runs with (changed by ``update(_:)``).
    public private(set) var parameters: ParameterSet
    var out = Intents()

    /// Creates the strategy with `parameters` (the defaults when nil) and starts it.
    public init(_ type: S.Type = S.self, parameters: ParameterSet? = nil, market: MarketInfo, limits: RiskLimits = RiskLimits(),
                oracle: Price? = nil, time: Timestamp = .zero) {
        let p = parameters ?? S.descriptor.defaults
        self.parameters = p
        strategy = S(parameters: p, market: market)
        context = StrategyContext(time: time, market: market, limits: limits)
        if let oracle {
            context.oracle = oracle
            context.lastValidOracle = oracle
            context.oracleStatus = .valid
        }
        var o = out
        strategy.start(context, &o)
        apply(&o)
    }

    /// Parameters from `key: text` pairs over the defaults (test convenience; traps on a bad set).
    /// Text reads as a JSON value would: `true`/`false`, a decimal, else a word.
    public static func parameters(_ pairs: [String: String]) -> ParameterSet {
        switch S.descriptor.parameters(inputs(pairs)) {
        case .success(let p): return p
        case .failure(let e): preconditionFailure("\(e)")
        }
    }

    static func inputs(_ pairs: [String: String]) -> [(key: String, value: ParameterInput)] {
        pairs.sorted { $0.key < $1.key }.map { key, text in
            let v: ParameterInput = text == "true" || text == "false" ? .bool(text == "true")
                : isDecimalText(text) ? .number(text) : .string(text)
            return (key, v)
        }
    }

    /// Delivers market data at `time`, updating the context as the runtime would first.
    public mutating func feed(_ data: MarketData, at time: Timestamp? = nil) {
        if let time { context.time = time }
        switch data {
        case .top(let t): context.top = t
        case .trade(let p, _, _, let ts): context.lastTrade = p; context.time = Swift.max(context.time, ts)
        case .oracle(let p, let c, let s, let ts):
            context.oracle = p
            context.oracleConfidence = c
            context.oracleStatus = s
            if s == .valid || s == .markDivergent { context.lastValidOracle = p }
            context.time = Swift.max(context.time, ts)
        case .funding(let r, _, _, let ts): context.fundingRate = r; context.time = Swift.max(context.time, ts)
        case .reference(let q): context.reference = q; context.time = Swift.max(context.time, q.time)
        }
        markToOracle()
        var o = out
        strategy.onMarketData(data, context, &o)
        apply(&o)
    }

    /// A valid oracle at `price` (confidence zero).
    public mutating func oracle(_ price: Price, at time: Timestamp) {
        feed(.oracle(price: price, confidence: .zero, status: .valid, time), at: time)
    }

    /// Fills `size` of open order `key` at `price` (the order's price when nil), with `fee`.
    public mutating func fill(_ key: UInt32, price: Price? = nil, size: Quantity? = nil, fee: Amount = .zero) {
        guard let i = context.openOrders.firstIndex(where: { $0.key == key }) else {
            preconditionFailure("no open order \(key)")
        }
        let o = context.openOrders[i]
        let s = size ?? o.remaining
        let px = price ?? o.price
        if s >= o.remaining { context.openOrders.remove(at: i) } else { context.openOrders[i].remaining = o.remaining - s }
        deliver(OwnFill(key: key, kind: .maker, side: o.side, price: px, size: s, fee: fee, time: context.time))
    }

    /// Fills the strategy's JIT answer: it takes `side` (the taker's opposite) of `size` at `price`.
    public mutating func fillAuction(_ side: Side, price: Price, size: Quantity, fee: Amount = .zero) {
        deliver(OwnFill(key: nil, kind: .auction, side: side, price: price, size: size, fee: fee, time: context.time))
    }

    /// A hedge leg filled on the external venue.
    public mutating func fillHedge(_ side: Side, price: Price, size: Quantity, fee: Amount = .zero) {
        let signed = Quantity(raw: side.sign * size.raw)
        let (pos, entry, realised) = Self.applyFill(position: context.hedgePosition, entry: context.hedgeEntryPrice,
                                                    signed: signed, price: price)
        context.hedgePosition = pos
        context.hedgeEntryPrice = entry
        context.realisedPnl = context.realisedPnl + realised - fee
        var o = out
        strategy.onFill(OwnFill(key: nil, kind: .hedge, side: side, price: price, size: size, fee: fee, time: context.time), context, &o)
        apply(&o)
    }

    /// Asks the strategy to answer an auction for a taker on `takerSide` of `size`.
    public mutating func offer(takerSide: Side, size: Quantity, start: Price, end: Price, steps: Int32 = 10) -> JITAnswer? {
        let oracle = context.lastValidOracle
        let o = AuctionOffer(order: OrderId(0), takerAccount: AccountId(UInt32.max - 1), takerSide: takerSide, size: size,
                             startPrice: start, endPrice: end, steps: steps, oracle: oracle, time: context.time)
        return strategy.quote(for: o, context)
    }

    /// Moves time to `time` and fires the timers due by then (earliest first).
    public mutating func advance(to time: Timestamp) {
        context.time = time
        while let (id, at) = timers.filter({ $0.value <= time }).min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
            _ = at
            timers[id] = nil
            var o = out
            strategy.onTimer(id, context, &o)
            apply(&o)
        }
    }

    /// Re-parameterises the running strategy (live keys only).
    public mutating func update(_ pairs: [String: String]) -> ParameterError? {
        let inputs = Self.inputs(pairs)
        switch S.descriptor.parameters(inputs, over: parameters, liveOnly: true) {
        case .failure(let e): return e
        case .success(let p):
            parameters = p
            var o = out
            strategy.update(p, context, &o)
            apply(&o)
            return nil
        }
    }

    /// Stops the strategy (its orders are then cancelled, as the runtime does).
    public mutating func stop() {
        var o = out
        strategy.stop(context, &o)
        apply(&o)
        context.openOrders.removeAll()
    }

    /// Open orders on `side`, best price first.
    public func orders(_ side: Side) -> [OpenOrder] {
        context.openOrders.filter { $0.side == side }.sorted { side == .buy ? $0.price > $1.price : $0.price < $1.price }
    }

    mutating func deliver(_ f: OwnFill) {
        let signed = Quantity(raw: f.side.sign * f.size.raw)
        let (pos, entry, realised) = Self.applyFill(position: context.position, entry: context.entryPrice, signed: signed, price: f.price)
        context.position = pos
        context.entryPrice = entry
        context.realisedPnl = context.realisedPnl + realised - f.fee
        markToOracle()
        var o = out
        strategy.onFill(f, context, &o)
        apply(&o)
    }

    mutating func markToOracle() {
        let mark = context.lastValidOracle
        guard mark.raw > 0, context.position.raw != 0 else { context.unrealisedPnl = .zero; return }
        let diff = Int128(mark.raw - context.entryPrice.raw) * Int128(context.position.raw)
        context.unrealisedPnl = Amount(raw: Int64(diff / Int128(Quantity.scale)))
    }

    /// New position, entry and realised PnL after a signed fill (entry rounded down; a model, not the venue's rule).
    static func applyFill(position: Quantity, entry: Price, signed: Quantity, price: Price) -> (Quantity, Price, Amount) {
        let p = position.raw, d = signed.raw
        let new = p + d
        if p == 0 || (p > 0) == (d > 0) {
            let cost = Int128(entry.raw) * Int128(p.magnitude) + Int128(price.raw) * Int128(d.magnitude)
            return (Quantity(raw: new), Price(raw: new == 0 ? 0 : Int64(cost / Int128(new.magnitude))), .zero)
        }
        let closed = Swift.min(p.magnitude, d.magnitude)
        let pnl = Int128(price.raw - entry.raw) * Int128(closed) * Int128(p > 0 ? 1 : -1) / Int128(Quantity.scale)
        let entryAfter: Price = new == 0 ? .zero : ((new > 0) == (p > 0) ? entry : price)
        return (Quantity(raw: new), entryAfter, Amount(raw: Int64(pnl)))
    }

    mutating func apply(_ o: inout Intents) {
        last = Array(o.items)
        log.append(contentsOf: o.items)
        for intent in o.items {
            switch intent {
            case .place(let order):
                context.openOrders.append(OpenOrder(key: order.key, side: order.side, price: order.price, remaining: order.size))
            case .cancel(let key):
                context.openOrders.removeAll { $0.key == key }
            case .replace(let key, let order):
                context.openOrders.removeAll { $0.key == key }
                context.openOrders.append(OpenOrder(key: order.key, side: order.side, price: order.price, remaining: order.size))
            case .cancelAll:
                context.openOrders.removeAll()
            case .setTimer(let id, let at):
                timers[id] = at
            case .hedge:
                break  // filled by the test with fillHedge
            }
        }
        o.removeAll()
        out = o
    }
}
