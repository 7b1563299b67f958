import Backtesting
import Foundation
import Testing
@testable import VaultCLI

/// `mmvault sweep` on a small scenario written here: the grid, shards and merge.
struct SweepTests {
    /// A grid scenario over two minutes of a price swinging between 99.5 and 100.5 (a quote and a
    /// trade every second, the trade on the side of the move).
    static func scenario() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mmvault-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var quotes = "timestamp,bid,bid_size,ask,ask_size\n", trades = "timestamp,price,size,side\n"
        for k in 0..<120 {
            let mid = 1000 + [0, 3, 5, 3, 0, -3, -5, -3][k % 8]  // tenths: 99.5 … 100.5
            let t = 1_000 * (k + 1)
            quotes += "\(t),\(Double(mid - 1) / 10),1,\(Double(mid + 1) / 10),1\n"
            trades += "\(t),\(Double(mid) / 10),0.5,\(k % 8 < 4 ? "buy" : "sell")\n"
        }
        try Data(quotes.utf8).write(to: dir.appendingPathComponent("quotes.csv"))
        try Data(trades.utf8).write(to: dir.appendingPathComponent("trades.csv"))
        try Data(#"{"tick": "0.1", "step": "0.001", "minSize": "0.001", "fees": {"tiers": [{"taker": "0.0005", "maker": "-0.0001"}]}}"#.utf8)
            .write(to: dir.appendingPathComponent("market.json"))
        let scenario = """
        {"name": "tiny-grid", "market": "market.json",
         "data": [{"path": "quotes.csv", "format": "quotes", "role": "oracle"}, {"path": "trades.csv", "format": "trades", "role": "flow"}],
         "flowShare": "1", "oracleIntervalMs": 0, "samplingIntervalSeconds": 5,
         "vault": {"deposits": [{"depositor": "alice", "amount": "10000"}]},
         "strategies": [{"strategy": "grid", "allocation": "1",
                         "parameters": {"lower": "99", "upper": "101", "levels": 5, "orderSize": "0.1", "takeProfit": "0"}}]}
        """
        try Data(scenario.utf8).write(to: dir.appendingPathComponent("scenario.json"))
        return dir
    }

    @Test func axesAreExactAndNamed() throws {
        let dir = try Self.scenario()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try ScenarioFile.load(dir.path)
        let a = try Sweep.axis("orderSize=0.1:0.3:0.1", config: c)
        #expect(a.values == ["0.1", "0.2", "0.3"])  // exact decimals, no 0.30000000000000004
        #expect(a.label == "grid.orderSize")
        #expect(try Sweep.axis("grid.levels=3:9:3", config: c).values == ["3", "6", "9"])
        #expect(throws: BacktestError.self) { try Sweep.axis("spacing=1:2:1", config: c) }   // a choice
        #expect(throws: BacktestError.self) { try Sweep.axis("nope=1:2:1", config: c) }
        #expect(throws: BacktestError.self) { try Sweep.axis("levels=5:3:1", config: c) }
        #expect(throws: BacktestError.self) { try Sweep.axis("levels=3:5", config: c) }
    }

    @Test func shardsMergeIntoTheUnshardedSweep() throws {
        let dir = try Self.scenario()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try ScenarioFile.load(dir.path)
        let axes = [try Sweep.axis("levels=3:6:1", config: c), try Sweep.axis("orderSize=0.1:0.2:0.1", config: c)]
        #expect(Sweep.count(axes) == 8)
        let rows = try Sweep.run(c, axes: axes, jobs: 2)
        // Every set ran and the grid traded in each.
        #expect(rows.allSatisfy { $0.error == nil && ($0.metrics?.fills ?? 0) > 0 })
        let whole = Sweep.csv(rows, axes: axes)
        // Set k: levels = 3 + k / 2, orderSize = 0.1 × (1 + k % 2) (the first axis varies slowest).
        let lines = whole.split(separator: "\n")
        #expect(lines.count == 9)
        #expect(lines[1].hasPrefix("0,3,0.1,") && lines[2].hasPrefix("1,3,0.2,") && lines[8].hasPrefix("7,6,0.2,"))
        let shards = try (1...3).map { i in (name: "shard \(i)", text: Sweep.csv(try Sweep.run(c, axes: axes, jobs: 1, shard: (i, 3)), axes: axes)) }
        #expect(shards.map { $0.text.split(separator: "\n").count - 1 } == [3, 3, 2])   // indices ≡ 0, 1, 2 mod 3
        #expect(try Sweep.merge(shards) == whole)
        #expect(try Sweep.merge(shards.reversed()) == whole)
        // A set in two files, or another sweep's file, is refused.
        #expect(throws: BacktestError.self) { try Sweep.merge([shards[0], shards[0]]) }
        #expect(throws: BacktestError.self) { try Sweep.merge([shards[0], (name: "other", text: "index,x\n9,1\n")]) }
    }

    @Test func theBacktestCommandWritesTheFourFiles() throws {
        let dir = try Self.scenario()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        var command = try MMVaultCommand.parseAsRoot(["backtest", dir.path, "--out", out.path, "--quiet"])
        try command.run()
        let expected = try Backtest.run(try ScenarioFile.load(dir.path))
        func read(_ name: String) throws -> String { String(decoding: try Data(contentsOf: out.appendingPathComponent(name)), as: UTF8.self) }
        // fills.csv was streamed during the run: the same bytes as from the in-memory run.
        #expect(try read("fills.csv") == BacktestReport.fillsCSV(expected))
        #expect(try read("equity.csv") == BacktestReport.equityCSV(expected))
        #expect(try read("report.json") == BacktestReport.json(expected))
        #expect(try read("report.html").hasPrefix("<!doctype html>"))
        #expect(expected.fills.count > 0)
        // Nothing temporary is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["equity.csv", "fills.csv", "report.html", "report.json"])
    }

    @Test func aBadScenarioFieldExitsTwoNamingIt() throws {
        let dir = try Self.scenario()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOf: dir.appendingPathComponent("scenario.json"), encoding: .utf8)
        try Data(text.replacingOccurrences(of: #""flowShare": "1""#, with: #""flowShare": "1.5""#).utf8)
            .write(to: dir.appendingPathComponent("scenario.json"))
        #expect {
            try ScenarioFile.load(dir.path)
        } throws: { e in
            let m = (e as? InputError)?.message ?? ""
            return m.contains("scenario.json") && m.contains("flowShare")
        }
    }

    @Test func oneJobAndTwoJobsGiveTheSameRows() throws {
        let dir = try Self.scenario()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try ScenarioFile.load(dir.path)
        let axes = [try Sweep.axis("levels=3:5:1", config: c)]
        let one = try Sweep.run(c, axes: axes, jobs: 1), two = try Sweep.run(c, axes: axes, jobs: 2)
        #expect(Sweep.csv(one, axes: axes) == Sweep.csv(two, axes: axes))
        #expect(one.allSatisfy { ($0.metrics?.fills ?? 0) > 0 })
    }
}
