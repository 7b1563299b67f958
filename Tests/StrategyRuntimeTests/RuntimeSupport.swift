import Foundation
import MarketCore
import Matching
import StrategyCatalog
import StrategyKit
import StrategyRuntime
import Testing
import VaultLedger

/// Inputs and setups shared by the runtime tests.
enum RT {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A BTC perpetual like Binance's: tick 0.1, step 0.001, a 10-step JIT auction, maker rebate
    /// 0.01%, taker 0.05%, price-move breaker at 10% a minute.
    static func btcSpec() -> MarketSpec {
        let m = MarketConfig(tick: Price("0.1")!, step: Quantity("0.001")!, minSize: Quantity("0.001")!,
                             fees: FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: 500), maker: Ppm(raw: -100))]),
                             auction: AuctionConfig(duration: 10, endOffset: Ppm(raw: 2_000)))
        return MarketSpec(matching: m, risk: RiskConfig())
    }

    /// Parameters of `name` from text pairs over its defaults (a bad set fails the test).
    static func params(_ name: String, _ pairs: [String: String]) -> ParameterSet {
        let type = StrategyCatalog.named(name)!
        let inputs: [(key: String, value: ParameterInput)] = pairs.sorted { $0.key < $1.key }.map { k, v in
            (k, v == "true" || v == "false" ? .bool(v == "true") : (Double(v) != nil ? .number(v) : .string(v)))
        }
        switch type.descriptor.parameters(inputs) {
        case .success(let p): return p
        case .failure(let e): fatalError("\(name): \(e)")
        }
    }

    /// The four built-ins tuned for BTC around 61,800 (five minutes of 2024-08-08), 25% each of one vault.
    static func fourStrategies() -> [(String, ParameterSet)] {
        [
            ("grid", params("grid", ["lower": "61500", "upper": "62100", "levels": "13", "orderSize": "0.01",
                                     "takeProfit": "0.5", "stopOutBuffer": "0.01"])),
            ("mean-reversion", params("mean-reversion", ["lookback": "30", "sampleIntervalMs": "2000", "entryZ": "1.5",
                                                         "exitZ": "0.3", "orderSize": "0.01", "maxPosition": "0.05",
                                                         "cooldown": "10", "maxHoldingTime": "120"])),
            ("arbitrage", params("arbitrage", ["minEdge": "0.0002", "orderSize": "0.01", "maxPosition": "0.05",
                                               "maxLegNotional": "5000", "hedgeFee": "0.0001", "latencyBuffer": "0.0001",
                                               "maxReferenceDeviation": "0.01"])),
            ("liquidity-provision", params("liquidity-provision", ["gamma": "0.001", "kappa": "0.5", "sigma": "2",
                                                                   "horizon": "10", "orderSize": "0.01", "levels": "2",
                                                                   "refreshTolerance": "0.0001", "minSpread": "0.0001",
                                                                   "maxSpread": "0.002"])),
        ]
    }

    static let limits = RiskLimits(maxPosition: Quantity("0.2")!, maxNotional: Amount("20000")!, maxOpenOrders: 16,
                                   maxOrdersPerSecond: 200, maxDrawdown: Ppm(raw: 500_000))

    /// A runtime with one BTC market, one vault (manager "mgr", no fees beyond the defaults) and the four strategies.
    static func fourOnOneVault(config: RuntimeConfig = RuntimeConfig(markIntervalMs: 1_000)) -> StrategyRuntime {
        var rt = StrategyRuntime(markets: [btcSpec()], config: config)
        let v = try! rt.addVault(terms: VaultTerms(), manager: "mgr", at: Timestamp(milliseconds: 1_723_161_250_000))
        for (name, p) in fourStrategies() {
            _ = try! rt.addStrategy(StrategyCatalog.named(name)!, parameters: p,
                                    placement: StrategyPlacement(name: name, vault: v, allocation: Ppm(raw: 250_000), limits: limits))
        }
        return rt
    }

    /// Real data as runtime inputs, time-ordered: USD-M quotes → oracle (mid; one per 100 ms at
    /// most), spot trades → the reference quote (price ± 0.01), USD-M trades → taker flow at 10%
    /// of their size (rounded down to the step; below it, skipped). Same timestamp: file order.
    static func realInputs(limit: Int = .max) -> [(Timestamp, RuntimeInput)] {
        var out: [(Int64, Int, Int, RuntimeInput)] = []
        var lastOracle: Int64 = 0
        for row in csv("backtests/data/binance-usdm-btcusdt-2024-08-08/quotes.csv") {
            let t = Int64(row[0])!
            guard t - lastOracle >= 100 else { continue }
            lastOracle = t
            let bid = Price(row[1])!, ask = Price(row[3])!
            let mid = Price(raw: (bid.raw + ask.raw) / 2 / 100_000 * 100_000)
            out.append((t, 0, out.count, .oracle(market: 0, price: mid, confidence: Price(raw: (ask.raw - bid.raw) / 2))))
        }
        for row in csv("backtests/data/binance-spot-btcusdt-2024-08-08/trades.csv") {
            let t = Int64(row[0])!
            let p = Price(String(row[1].prefix(while: { $0 != "." })) + "." + String(row[1].split(separator: ".")[1].prefix(6)))!
            out.append((t, 1, out.count, .reference(ReferenceQuote(bid: Price(raw: p.raw - 10_000), ask: Price(raw: p.raw + 10_000),
                                                        time: Timestamp(milliseconds: t)))))
        }
        for row in csv("backtests/data/binance-usdm-btcusdt-2024-08-08/trades.csv") {
            let t = Int64(row[0])!
            let size = Quantity(row[2])!.raw / 10 / 1_000_000 * 1_000_000
            guard size > 0 else { continue }
            out.append((t, 2, out.count, .taker(market: 0, side: row[3] == "buy" ? .buy : .sell, size: Quantity(raw: size), limit: .zero)))
        }
        out.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        return out.prefix(limit).map { (Timestamp(milliseconds: $0.0), $0.3) }
    }

    static func csv(_ path: String) -> [[String]] {
        let text = try! String(contentsOf: repo.appendingPathComponent(path), encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }
}
