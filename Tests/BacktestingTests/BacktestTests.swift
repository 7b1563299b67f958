import Analytics
import Backtesting
import Foundation
import MarketCore
import Matching
import StrategyKit
import StrategyRuntime
import Testing
import VaultLedger

/// A whole backtest small enough to follow by hand (values worked out in the comments).
struct BacktestTests {
    /// Bids 0.2 at 99.5 (post-only) on its first oracle.
    struct OneBid: Strategy {
        static let descriptor = StrategyDescriptor(name: "test-one-bid", summary: "one bid on the first oracle", parameters: [])
        var placed = false
        init(parameters: ParameterSet, market: MarketInfo) {}
        mutating func start(_ c: StrategyContext, _ o: inout Intents) {}
        mutating func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) {
            guard case .oracle = d, !placed else { return }
            placed = true
            o.place(StrategyOrder(key: 1, side: .buy, price: Price("99.5")!, size: Quantity("0.2")!, postOnly: true))
        }
        mutating func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) {}
    }

    static func write(_ dir: URL, _ name: String, _ text: String) -> String {
        let url = dir.appendingPathComponent(name)
        try! Data(text.utf8).write(to: url)
        return url.path
    }

    static func config(_ dir: URL) -> BacktestConfig {
        // Quotes → oracle: t=1 s mid 100.0, t=3 s mid 101.0. One trade at t=2 s: a taker sells 0.5.
        let quotes = write(dir, "quotes.csv", "timestamp,bid,bid_size,ask,ask_size\r\n1000,99.9,1,100.1,1\r\n3000,100.9,1,101.1,1\r\n")
        let trades = write(dir, "trades.csv", "timestamp,price,size,side\r\n2000,99.5,0.5,sell\r\n")
        var m = MarketConfig.plainBook(tick: Price("0.1")!, step: Quantity("0.001")!)
        m.minSize = Quantity("0.001")!
        m.fees = FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: 500), maker: Ppm(raw: -100))])
        return BacktestConfig(name: "by-hand", market: MarketSpec(matching: m),
                              data: [DataSource(file: DataFile(path: quotes, format: .quotes), role: .oracle),
                                     DataSource(file: DataFile(path: trades, format: .trades), role: .flow)],
                              flowShare: Ppm.one, samplingIntervalSeconds: 1,
                              deposits: [("alice", Amount("1000")!)],
                              strategies: [StrategySetup(type: OneBid.self, parameters: OneBid.descriptor.defaults,
                                                         allocation: Ppm.one, limits: RiskLimits())])
    }

    @Test func aBacktestByHand() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mmvault-bt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Backtest.run(Self.config(dir))
        // t=1 s: the vault is set up, alice's 1,000 goes to the strategy; the oracle 100.0 comes and
        // it bids 0.2 at 99.5. t=2 s: the taker sells 0.5 with no auction: 0.2 fills the bid at
        // 99.5 (maker rebate 0.01% × 19.9 = 0.00199), the rest (0.3) finds nothing and is cancelled.
        #expect(r.fills == [FillRow(time: Timestamp(milliseconds: 2_000), strategy: "test-one-bid", kind: .maker, side: .buy,
                                    price: Price("99.5")!, size: Quantity("0.2")!, fee: Amount("-0.00199")!)])
        // Equity = 1,000 + rebate + 0.2 × (oracle − 99.5), each sample after every input up to its
        // instant: at 1 s 1,000 (no fill yet); at 2 s 1,000.00199 + 0.2 × 0.5 = 1,000.10199; at 3 s
        // 1,000.00199 + 0.2 × 1.5 = 1,000.30199.
        #expect(r.samples.map(\.time.milliseconds) == [1_000, 2_000, 3_000])
        #expect(r.samples.map(\.equity) == [Amount("1000")!, Amount("1000.10199")!, Amount("1000.30199")!])
        // Metrics from that series at 1 s: total return 0.00030199; one fill, 0.00199 earned,
        // nothing paid; no closed trade (the position was never reduced), so win rate 0.
        #expect(abs(r.metrics.totalReturn - 0.00030199) < 1e-12)
        #expect(r.metrics.fills == 1)
        #expect(abs(r.metrics.feesEarned - 0.00199) < 1e-12)
        #expect(r.metrics.feesPaid == 0)
        #expect(r.metrics.winRate == 0)
        // Turnover: 19.9 traded over the mean equity (1,000 + 1,000.10199 + 1,000.30199) / 3.
        #expect(abs(r.metrics.turnover - 19.9 / ((3_000.40398) / 3)) < 1e-12)
        #expect(r.records == 3)
        // NAV per share (no fees, 1,000 shares' worth at 1): equity / 1,000 at the mark of each
        // instant, to the ledger's 6 decimals: 1, 1.000101(99), 1.000301(99).
        #expect(r.samples.map(\.navPerShare) == [Amount("1")!, Amount("1.000101")!, Amount("1.000301")!])
        // The files: the CSVs by hand.
        #expect(BacktestReport.equityCSV(r) == "timestamp,equity,nav_per_share\n1000,1000.00,\(nav(r, 0))\n2000,1000.10199,\(nav(r, 1))\n3000,1000.30199,\(nav(r, 2))\n")
        #expect(BacktestReport.fillsCSV(r) == "timestamp,strategy,kind,side,price,size,fee\n2000,test-one-bid,maker,buy,99.5,0.2,-0.00199\n")
    }

    @Test func fillsStreamedToASinkAreTheSameAndNotKept() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mmvault-bt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let kept = try Backtest.run(Self.config(dir))
        var streamed: [FillRow] = []
        let r = try Backtest.run(Self.config(dir), fillSink: { streamed.append($0) })
        #expect(streamed == kept.fills && streamed.count == 1)
        #expect(r.fills.isEmpty)
        #expect(r.chartFills == kept.fills)
        #expect(r.metrics == kept.metrics)
    }

    func nav(_ r: BacktestResult, _ k: Int) -> String { r.samples[k].navPerShare.formatted(minimumDecimals: 6) }

    @Test func aBadRowNamesTheFileLineAndColumn() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mmvault-bt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = Self.config(dir)
        let bad = Self.write(dir, "trades.csv", "timestamp,price,size,side\n2000,99.5,0.5,sell\n2500,abc,0.1,buy\n")
        c.data[1] = DataSource(file: DataFile(path: bad, format: .trades), role: .flow)
        #expect {
            try Backtest.run(c)
        } throws: { e in
            let text = "\(e)"
            return text.contains("trades.csv") && text.contains(":3") && text.contains("price")
        }
        // With skip-bad-rows the run goes on and counts it.
        c.readOptions = ReadOptions(skipBadRows: true)
        let r = try Backtest.run(c)
        #expect(r.readStatistics[1].badRows == 1)
        #expect(r.fills.count == 1)
    }
}
