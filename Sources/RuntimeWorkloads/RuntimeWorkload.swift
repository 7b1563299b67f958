import Foundation
import MarketCore
import Matching
import StrategyCatalog
import StrategyKit
import StrategyRuntime
import VaultLedger

/// The bundled five minutes of BTCUSDT (2024-08-08, `backtests/data/`) as runtime inputs, and
/// runtimes to drive them through: the four built-ins on one vault, or strategies that do nothing.
public enum RuntimeWorkload {
    /// A BTC perpetual like Binance's: tick 0.1, step 0.001, a 10-step JIT auction (end offset
    /// 0.2%), maker rebate 0.01%, taker 0.05%, the default breakers.
    public static func btcSpec() -> MarketSpec {
        let m = MarketConfig(tick: Price(raw: 100_000), step: Quantity(raw: 1_000_000), minSize: Quantity(raw: 1_000_000),
                             fees: FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: 500), maker: Ppm(raw: -100))]),
                             auction: AuctionConfig(duration: 10, endOffset: Ppm(raw: 2_000)))
        return MarketSpec(matching: m, risk: RiskConfig())
    }

    /// The four built-ins tuned for BTC around 61,800, as `(name, parameter text)` over their defaults.
    public static let fourStrategies: [(String, [String: String])] = [
        ("grid", ["lower": "61500", "upper": "62100", "levels": "13", "orderSize": "0.01", "takeProfit": "0.5",
                  "stopOutBuffer": "0.01"]),
        ("mean-reversion", ["lookback": "30", "sampleIntervalMs": "2000", "entryZ": "1.5", "exitZ": "0.3", "orderSize": "0.01",
                            "maxPosition": "0.05", "cooldown": "10", "maxHoldingTime": "120"]),
        ("arbitrage", ["minEdge": "0.0002", "orderSize": "0.01", "maxPosition": "0.05", "maxLegNotional": "5000",
                       "hedgeFee": "0.0001", "latencyBuffer": "0.0001", "maxReferenceDeviation": "0.01"]),
        ("liquidity-provision", ["gamma": "0.001", "kappa": "0.5", "sigma": "2", "horizon": "10", "orderSize": "0.01",
                                 "levels": "2", "refreshTolerance": "0.0001", "minSpread": "0.0001", "maxSpread": "0.002"]),
    ]

    /// Risk limits used for each of the four.
    public static let limits = RiskLimits(maxPosition: Quantity(raw: 200_000_000), maxNotional: Amount(raw: 20_000_000_000),
                                          maxOpenOrders: 16, maxOrdersPerSecond: 5_000, maxDrawdown: Ppm(raw: 500_000))

    /// Parameters of built-in `name` from text pairs over its defaults.
    public static func parameters(_ name: String, _ pairs: [String: String]) throws -> ParameterSet {
        guard let type = StrategyCatalog.named(name) else { throw ParameterError.unknownStrategy(name, known: StrategyCatalog.names) }
        let inputs: [(key: String, value: ParameterInput)] = pairs.sorted { $0.key < $1.key }.map { k, v in
            (k, v == "true" || v == "false" ? .bool(v == "true") : (Double(v) != nil ? .number(v) : .string(v)))
        }
        return try type.descriptor.parameters(inputs).get()
    }

    /// A runtime with one BTC market, one vault (manager `mgr`) and the four built-ins at 25% each.
    public static func fourOnOneVault(config: RuntimeConfig = RuntimeConfig()) throws -> StrategyRuntime {
        var rt = StrategyRuntime(markets: [btcSpec()], config: config)
        let v = try rt.addVault(terms: VaultTerms(), manager: "mgr", at: Timestamp(milliseconds: 1_723_161_250_000))
        for (name, pairs) in fourStrategies {
            _ = try rt.addStrategy(StrategyCatalog.named(name)!, parameters: try parameters(name, pairs),
                                   placement: StrategyPlacement(name: name, vault: v, allocation: Ppm(raw: 250_000), limits: limits))
        }
        return rt
    }

    /// A runtime with one BTC market, one vault and `count` strategies that do nothing.
    public static func idle(count: Int) throws -> StrategyRuntime {
        var rt = StrategyRuntime(markets: [btcSpec()])
        let v = try rt.addVault(terms: VaultTerms(), manager: "mgr", at: Timestamp(milliseconds: 1_723_161_250_000))
        for i in 0..<count {
            _ = try rt.addStrategy(NoopStrategy.self, parameters: NoopStrategy.descriptor.defaults,
                                   placement: StrategyPlacement(name: "noop-\(i)", vault: v, allocation: .zero))
        }
        return rt
    }

    /// Real data as time-ordered runtime inputs, read from `root` (the repo): USD-M quotes → the
    /// oracle (their mid rounded down to the tick, confidence half the spread; at most one per
    /// 100 ms), spot trades → the reference quote (price ± 0.01), USD-M trades → taker flow at
    /// `flowShare` of their size (rounded down to the step; smaller ones skipped). Same
    /// timestamp: quotes, then spot, then USD-M trades, each in file order.
    public static func realInputs(root: URL, flowShare: Ppm = Ppm(raw: 100_000)) throws -> [(Timestamp, RuntimeInput)] {
        var out: [(Int64, Int, Int, RuntimeInput)] = []
        var lastOracle: Int64? = nil
        for row in try csv(root, "backtests/data/binance-usdm-btcusdt-2024-08-08/quotes.csv") {
            let t = try int(row, 0)
            if let last = lastOracle, t - last < 100 { continue }
            lastOracle = t
            let bid = try price(row, 1), ask = try price(row, 3)
            let mid = Price(raw: (bid.raw + ask.raw) / 2 / 100_000 * 100_000)
            out.append((t, 0, out.count, .oracle(market: 0, price: mid, confidence: Price(raw: (ask.raw - bid.raw) / 2))))
        }
        for row in try csv(root, "backtests/data/binance-spot-btcusdt-2024-08-08/trades.csv") {
            let t = try int(row, 0)
            let p = try price(row, 1)
            out.append((t, 1, out.count, .reference(ReferenceQuote(bid: Price(raw: p.raw - 10_000), ask: Price(raw: p.raw + 10_000),
                                                                   time: Timestamp(milliseconds: t)))))
        }
        for row in try csv(root, "backtests/data/binance-usdm-btcusdt-2024-08-08/trades.csv") {
            let t = try int(row, 0)
            guard let q = Quantity(row[2]) else { throw WorkloadError("bad size '\(row[2])'") }
            let size = mulDiv(q.raw, flowShare.raw, Ppm.scale, .down) / 1_000_000 * 1_000_000
            guard size > 0 else { continue }
            out.append((t, 2, out.count, .taker(market: 0, side: row[3] == "buy" ? .buy : .sell, size: Quantity(raw: size), limit: .zero)))
        }
        out.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        return out.map { (Timestamp(milliseconds: $0.0), $0.3) }
    }

    /// `base` looped: pass `k` shifts every time by `k × (span + 1 s)`, so time keeps moving forward.
    public struct Looped: Sequence, IteratorProtocol {
        let base: [(Timestamp, RuntimeInput)]
        let count: Int
        let span: Int64
        var i = 0
        public init(_ base: [(Timestamp, RuntimeInput)], count: Int) {
            self.base = base
            self.count = count
            span = base.isEmpty ? 0 : base[base.count - 1].0.milliseconds - base[0].0.milliseconds + 1_000
        }
        public mutating func next() -> (Timestamp, RuntimeInput)? {
            guard i < count, !base.isEmpty else { return nil }
            let (t, input) = base[i % base.count]
            let loop = Int64(i / base.count)
            i += 1
            return (Timestamp(milliseconds: t.milliseconds + loop * span), input)
        }
    }

    static func csv(_ root: URL, _ path: String) throws -> [[Substring]] {
        let url = root.appendingPathComponent(path)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw WorkloadError("cannot read \(url.path)") }
        return text.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    }

    static func int(_ row: [Substring], _ i: Int) throws -> Int64 {
        guard i < row.count, let v = Int64(row[i]) else { throw WorkloadError("bad integer in column \(i + 1)") }
        return v
    }

    /// A price column, truncated to 6 decimals (spot prints 8; the core's price scale is 1e6).
    static func price(_ row: [Substring], _ i: Int) throws -> Price {
        guard i < row.count else { throw WorkloadError("missing column \(i + 1)") }
        var text = row[i]
        if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 7 {
            text = text[..<text.index(dot, offsetBy: 7)]
        }
        guard let p = Price(text) else { throw WorkloadError("bad price '\(row[i])'") }
        return p
    }
}

/// Why a workload could not be built.
public struct WorkloadError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// A strategy that does nothing (the dispatch-overhead benchmark).
public struct NoopStrategy: Strategy {
    public static let descriptor = StrategyDescriptor(name: "noop", summary: "Does nothing (benchmarks).", parameters: [])
    public init(parameters: ParameterSet, market: MarketInfo) {}
    public mutating func start(_ context: StrategyContext, _ out: inout Intents) {}
    public mutating func onMarketData(_ data: MarketData, _ context: StrategyContext, _ out: inout Intents) {}
    public mutating func update(_ parameters: ParameterSet, _ context: StrategyContext, _ out: inout Intents) {}
}

/// The plain quoting loop of the backtest benchmark (hftbacktest's cancel/replace market maker at
/// the touch): whenever the book top moves, its bid and ask are replaced at the best bid and ask
/// (post-only, `size` each), as long as |position| stays within `maxPosition`.
public struct TouchQuoter: Strategy {
    public static let descriptor = StrategyDescriptor(
        name: "touch-quoter", summary: "Quotes at the touch, cancel/replace on every top change (benchmarks).",
        parameters: [
            .quantity("size", default: "0.01", min: "0.000000001", live: true, doc: "Size of each quote"),
            .quantity("maxPosition", default: "1", min: "0.000000001", live: true, doc: "Largest |position| it quotes into"),
        ])
    var size: Quantity
    var maxPosition: Quantity
    var bidKey: UInt32 = 0, askKey: UInt32 = 0
    var bidPrice = Price.zero, askPrice = Price.zero
    var next: UInt32 = 1
    public init(parameters: ParameterSet, market: MarketInfo) {
        size = parameters.quantity("size")
        maxPosition = parameters.quantity("maxPosition")
    }
    public mutating func start(_ context: StrategyContext, _ out: inout Intents) {}
    public mutating func update(_ parameters: ParameterSet, _ context: StrategyContext, _ out: inout Intents) {
        size = parameters.quantity("size")
        maxPosition = parameters.quantity("maxPosition")
    }
    public mutating func onMarketData(_ data: MarketData, _ context: StrategyContext, _ out: inout Intents) {
        guard case .top(let top) = data else { return }
        if context.openOrder(bidKey) == nil { bidKey = 0 }
        if context.openOrder(askKey) == nil { askKey = 0 }
        quote(.buy, top.bid, context, &out)
        quote(.sell, top.ask, context, &out)
    }
    mutating func quote(_ side: Side, _ price: Price, _ context: StrategyContext, _ out: inout Intents) {
        let key = side == .buy ? bidKey : askKey
        let current = side == .buy ? bidPrice : askPrice
        let pos = context.position.raw
        let room = side == .buy ? maxPosition.raw - pos : maxPosition.raw + pos
        guard price.raw > 0, room >= size.raw else {
            if key != 0 { out.cancel(key); if side == .buy { bidKey = 0 } else { askKey = 0 } }
            return
        }
        if key != 0 && current == price { return }
        let order = StrategyOrder(key: next, side: side, price: price, size: size, postOnly: true)
        if key != 0 { out.replace(key, with: order) } else { out.place(order) }
        if side == .buy { bidKey = next; bidPrice = price } else { askKey = next; askPrice = price }
        next = next == UInt32.max ? 1 : next + 1
    }
}
