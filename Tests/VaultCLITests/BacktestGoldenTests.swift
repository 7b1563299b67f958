import Backtesting
import Foundation
import Testing
@testable import VaultCLI

/// Every scenario under `backtests/` against its `expected.json` (docs/backtesting.md, "Golden
/// results"): strings (fixed-point values: equity, NAV, positions) and integers (counts) exactly,
/// other numbers (the `Double` metrics) within a relative 1e-9. `model` (prose) and file paths are
/// not compared. `MMVAULT_UPDATE_GOLDEN=1 swift test --filter BacktestGoldenTests` rewrites the
/// expected files; a changed expected file is reviewed like code.
struct BacktestGoldenTests {
    static let tolerance = 1e-9

    static var scenarios: [String] {
        let root = repoRoot.appendingPathComponent("backtests")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/scenario.json").path) }.sorted()
    }

    @Test func everyStrategyHasAScenarioAndOneRunsAllFour() throws {
        var seen = Set<String>()
        var together = false
        for s in Self.scenarios {
            let c = try ScenarioFile.load(repoRoot.appendingPathComponent("backtests/\(s)").path)
            let names = Set(c.strategies.map { $0.type.descriptor.name })
            seen.formUnion(names)
            if names.count == 4 { together = true }
        }
        #expect(seen == ["grid", "mean-reversion", "arbitrage", "liquidity-provision"])
        #expect(together)
    }

    @Test(arguments: scenarios)
    func matchesExpected(_ name: String) throws {
        let dir = repoRoot.appendingPathComponent("backtests/\(name)")
        let result = try Backtest.run(try ScenarioFile.load(dir.path))
        let json = BacktestReport.json(result)
        let expectedURL = dir.appendingPathComponent("expected.json")
        if ProcessInfo.processInfo.environment["MMVAULT_UPDATE_GOLDEN"] == "1" {
            try Data(json.utf8).write(to: expectedURL)
        }
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: expectedURL))
        let actual = try JSONSerialization.jsonObject(with: Data(json.utf8))
        var differences: [String] = []
        Self.compare(expected, actual, "", &differences)
        #expect(differences.isEmpty, "\(name): \(differences.prefix(10).joined(separator: "; "))")
        // With several strategies, the allocation risk (covariance of the strategies' returns on
        // BLAS, weighted by the allocations) agrees with the vault's own volatility (the vault is
        // idle cash plus the strategies) to within 5%.
        if let p = BacktestReport.portfolio(result) {
            #expect(abs(p.volatility - result.metrics.volatility) <= 0.05 * result.metrics.volatility, "\(p.volatility) vs \(result.metrics.volatility)")
        }
        // The run did something: strategies traded and every file row was read.
        #expect(result.fills.count > 0)
        #expect(result.readStatistics.allSatisfy { $0.rows > 0 })
    }

    /// Same scenario, same seed: byte-identical files.
    @Test func sameSeedSameBytes() throws {
        let dir = repoRoot.appendingPathComponent("backtests/arbitrage-btc-spot-perp").path
        let a = try Backtest.run(try ScenarioFile.load(dir)), b = try Backtest.run(try ScenarioFile.load(dir))
        #expect(BacktestReport.json(a) == BacktestReport.json(b))
        #expect(BacktestReport.equityCSV(a) == BacktestReport.equityCSV(b))
        #expect(BacktestReport.fillsCSV(a) == BacktestReport.fillsCSV(b))
        #expect(BacktestReport.html(a) == BacktestReport.html(b))
        #expect(a.fills.count > 1_000)
    }

    static func compare(_ e: Any, _ a: Any, _ path: String, _ out: inout [String]) {
        switch (e, a) {
        case (let e as [String: Any], let a as [String: Any]):
            for key in Set(e.keys).union(a.keys).sorted() where key != "model" && key != "path" {
                guard let ev = e[key], let av = a[key] else { out.append("\(path).\(key): present in only one"); continue }
                compare(ev, av, "\(path).\(key)", &out)
            }
        case (let e as [Any], let a as [Any]):
            guard e.count == a.count else { out.append("\(path): \(e.count) items expected, \(a.count) found"); return }
            for k in e.indices { compare(e[k], a[k], "\(path)[\(k)]", &out) }
        case (let e as String, let a as String):
            if e != a { out.append("\(path): expected \(e), found \(a)") }
        case (let e as NSNumber, let a as NSNumber):
            let x = e.doubleValue, y = a.doubleValue
            if abs(x - y) > tolerance * Swift.max(1, abs(x), abs(y)) { out.append("\(path): expected \(x), found \(y)") }
        case (is NSNull, is NSNull):
            break
        default:
            out.append("\(path): expected \(e), found \(a)")
        }
    }
}
