import Analytics
import ArgumentParser
import Backtesting
import Foundation
import MarketCore
import Matching
import RuntimeWorkloads
import StrategyCatalog
import StrategyKit
import StrategyRuntime
import VaultLedger

/// The backtester's benchmark workloads (`mmvault bench --workload backtest|sweep|blas`).
extension BenchCommand {
    /// Peak resident memory of this process so far, MiB (`getrusage`).
    static func peakMiB() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_maxrss) / 1024
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    /// A market like the synthetic feed's: tick 0.1, step 0.001, a plain book (no auction, no AMM),
    /// maker rebate 0.01%, taker 0.05%.
    static func feedMarket() -> MarketSpec {
        var m = MarketConfig.plainBook(tick: Price(raw: 100_000), step: Quantity(raw: 1_000_000))
        m.minSize = Quantity(raw: 1_000_000)
        m.fees = FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: 500), maker: Ppm(raw: -100))])
        return MarketSpec(matching: m)
    }

    /// The backtest over `make_feed.py`'s feed in `feed`: its trades as the oracle (at most one per
    /// 100 ms) and as taker flow (all of it), its depth as the external book; `strategy` on one vault.
    func backtestConfig(feed: String, strategy: String) throws -> BacktestConfig {
        let trades = (feed as NSString).appendingPathComponent("trades.csv"), depth = (feed as NSString).appendingPathComponent("depth.csv")
        for f in [trades, depth] where !FileManager.default.fileExists(atPath: f) {
            throw ValidationError("\(f): missing; write the feed with python3 ../shared/bench/make_feed.py \(feed) --steps 2000000")
        }
        let limits = RiskLimits(maxPosition: Quantity(raw: 5_000_000_000), maxNotional: Amount(raw: 1_000_000_000_000),
                                maxOpenOrders: 16, maxOrdersPerSecond: 100_000, maxDrawdown: Ppm(raw: 900_000))
        func setup(_ name: String, _ pairs: [String: String], _ allocation: Int64) throws -> StrategySetup {
            let type: any Strategy.Type = name == "touch-quoter" ? TouchQuoter.self : StrategyCatalog.named(name)!
            let inputs = pairs.sorted { $0.key < $1.key }.map { (key: $0.key, value: ParameterInput.number($0.value)) }
            return StrategySetup(type: type, parameters: try type.descriptor.parameters(inputs).get(),
                                 allocation: Ppm(raw: allocation), limits: limits)
        }
        let lp: [String: String] = ["gamma": "0.001", "kappa": "0.5", "sigma": "2", "horizon": "10", "orderSize": "0.01",
                                    "levels": "2", "refreshTolerance": "0.0001", "minSpread": "0.0001", "maxSpread": "0.002"]
        var strategies: [StrategySetup] = []
        switch strategy {
        case "touch": strategies = [try setup("touch-quoter", ["size": "0.01", "maxPosition": "1"], 1_000_000)]
        case "liquidity-provision": strategies = [try setup("liquidity-provision", lp, 1_000_000)]
        case "four":
            strategies = [
                try setup("grid", ["lower": "49000", "upper": "51000", "levels": "41", "orderSize": "0.01", "takeProfit": "0",
                                   "stopOutBuffer": "0.5"], 250_000),
                try setup("mean-reversion", ["lookback": "30", "sampleIntervalMs": "1000", "entryZ": "1.5", "exitZ": "0.3",
                                             "orderSize": "0.01", "maxPosition": "0.05"], 250_000),
                // No reference feed here: the arbitrage strategy waits for one (its cost is its callbacks).
                try setup("arbitrage", ["minEdge": "0.0002", "orderSize": "0.01", "maxPosition": "0.05"], 250_000),
                try setup("liquidity-provision", lp, 250_000),
            ]
        default: throw ValidationError("--strategy \(strategy): expected touch, liquidity-provision or four")
        }
        var config = BacktestConfig(name: "feed-\(strategy)", market: Self.feedMarket(),
                              data: [DataSource(file: DataFile(path: trades, format: .trades), role: .oracle),
                                     DataSource(file: DataFile(path: trades, format: .trades), role: .flow),
                                     DataSource(file: DataFile(path: depth, format: .depth), role: .depth)],
                              flowShare: Ppm.one, oracleIntervalMs: 100, samplingIntervalSeconds: 60,
                              deposits: [("alice", Amount(raw: 10_000_000_000_000))], strategies: strategies)
        config.orderLatencyMs = 10  // as hftbacktest's run: 10 µs there; our clock is in ms, so 10 ms
        return config
    }

    func runBacktestBench() throws {
        guard let feed else { throw ValidationError("--workload backtest needs --feed DIR (python3 ../shared/bench/make_feed.py DIR --steps 2000000)") }
        let config = try backtestConfig(feed: feed, strategy: strategy)
        let clock = ContinuousClock()
        var rates: [Double] = []
        for _ in 0..<repeats {
            let start = clock.now
            // Fills are streamed (here: dropped), as `mmvault backtest` streams them to fills.csv.
            let r = try Backtest.run(config, fillSink: { _ in })
            let s = Self.seconds(clock.now - start)
            // Events: every row of the feed (the trades file is read twice, as oracle and as flow; counted once).
            let rows = r.readStatistics[1].rows + r.readStatistics[2].rows
            rates.append(Double(rows) / s)
            print("  run: \(rows) feed rows (\(r.inputs) runtime inputs) in \(fmt(s)) s = \(fmt(Double(rows) / s / 1e6)) M events/s; "
                  + "\(r.metrics.fills) fills; peak RSS \(fmt(Self.peakMiB())) MiB")
        }
        let med = rates.sorted()[rates.count / 2]
        print("backtest (\(strategy)): median \(fmt(med / 1e6)) M events/s including CSV parsing; peak RSS \(fmt(Self.peakMiB())) MiB")
    }

    /// `sets` mean-reversion parameter sets (lookback × entryZ) over the bundled 45,031-bar candles.
    func runSweepBench() throws {
        let root = URL(fileURLWithPath: dataRoot)
        let candles = root.appendingPathComponent("backtests/data/btc-perp-1m-2022-01/candles.csv").path
        var amm = MarketConfig.plainBook(tick: Price(raw: 100_000), step: Quantity(raw: 1_000_000))
        amm.minSize = Quantity(raw: 1_000_000)
        amm.fees = FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: 500), maker: Ppm(raw: -100))])
        amm.amm = AMMConfig(sqrtK: Quantity(raw: 200_000_000_000))
        let mr = StrategyCatalog.named("mean-reversion")!
        let base = try mr.descriptor.parameters([("sampleIntervalMs", .number("60000")), ("orderSize", .number("0.1")),
                                                 ("maxPosition", .number("0.5"))]).get()
        let config = BacktestConfig(name: "sweep-bench", market: MarketSpec(matching: amm),
                                    data: [DataSource(file: DataFile(path: candles, format: .candles), role: .candles)],
                                    flowShare: Ppm(raw: 10_000), candleVolumeIsQuote: true, samplingIntervalSeconds: 3600,
                                    deposits: [("alice", Amount(raw: 100_000_000_000))],
                                    strategies: [StrategySetup(type: mr, parameters: base, allocation: Ppm.one,
                                                               limits: RiskLimits(maxPosition: Quantity(raw: 1_000_000_000)))])
        // A square-ish grid of `sets` sets: lookback 10, 12, … × entryZ 1.0, 1.1, …
        let side = Int(Double(sets).squareRoot().rounded(.up))
        let axes = [SweepAxis(strategy: 0, key: "lookback", label: "mean-reversion.lookback", values: (0..<side).map { "\(10 + 2 * $0)" }),
                    SweepAxis(strategy: 0, key: "entryZ", label: "mean-reversion.entryZ",
                              values: (0..<((sets + side - 1) / side)).map { formatFixed(Int64(10_000 + 1_000 * $0), 4) })]
        let total = Sweep.count(axes)
        let bars = 45_031.0
        let clock = ContinuousClock()
        for j in [1, jobs ?? ProcessInfo.processInfo.activeProcessorCount] {
            let start = clock.now
            let rows = try Sweep.run(config, axes: axes, jobs: j)
            let s = Self.seconds(clock.now - start)
            let failed = rows.filter { $0.error != nil }.count
            print("sweep: \(total) sets × \(Int(bars)) bars, --jobs \(j): \(fmt(s)) s = \(fmt(Double(total) * bars / s / 1e6)) M bars×sets/s "
                  + "(\(fmt(Double(total) * bars / s / Double(j) / 1e6)) per core)\(failed > 0 ? ", \(failed) refused" : "")")
        }
    }

    /// GFLOP/s of the bootstrap and covariance kernels against a large plain dgemm (the peak reference).
    func runBLASBench() throws {
        let clock = ContinuousClock()
        func time(_ flops: Double, _ body: () -> Void) -> Double {
            var best = Double.infinity
            for _ in 0..<Swift.max(1, repeats) {
                let start = clock.now
                body()
                best = Swift.min(best, Self.seconds(clock.now - start))
            }
            return flops / best / 1e9
        }
        var rng = SplitMix64(seed: seed)
        func random(_ r: Int, _ c: Int) -> Matrix {
            Matrix(rows: r, cols: c, columnMajor: (0..<(r * c)).map { _ in Double(rng.next() >> 11) / Double(1 << 53) - 0.5 })
        }
        print("blas: \(BLAS.implementation), \(BLAS.threadCount.map(String.init) ?? "?") threads")
        let n = 2_000
        let a = random(n, n), b = random(n, n)
        var c = Matrix(rows: n, cols: n)
        let peak = time(BLAS.dgemmFlops(m: n, n: n, k: n)) { BLAS.dgemm(a, b, into: &c) }
        print("  dgemm \(n)×\(n)×\(n): \(fmt(peak)) GFLOP/s (the peak reference)")
        for (rows, cols) in [(20_000, 256), (5_000, 512), (100_000, 64)] {
            let x = random(rows, cols)
            var batch = BatchStatistics(rows: rows, cols: cols)
            var cov = Matrix(rows: cols, cols: cols)
            let g = time(BatchStatistics.covarianceFlops(rows: rows, cols: cols)) { batch.covariance(of: x, into: &cov) }
            print("  covariance \(rows)×\(cols): \(fmt(g)) GFLOP/s = \(fmt(100 * g / peak))% of dgemm")
        }
        for (resamples, rows, cols) in [(4_000, 2_000, 256), (2_000, 8_760, 64), (2_000, 8_760, 4)] {
            let x = random(rows, cols)
            var k = BootstrapKernel(resamples: resamples, rows: rows, cols: cols)
            k.drawWeights(seed: seed)
            let g = time(BootstrapKernel.flops(resamples: resamples, rows: rows, cols: cols)) { k.run(returns: x, periodsPerYear: 8_760) }
            print("  bootstrap \(resamples) resamples × \(rows) returns × \(cols) series: \(fmt(g)) GFLOP/s = \(fmt(100 * g / peak))% of dgemm")
        }
    }
}
