import Analytics
import Dispatch
import Foundation
import MarketCore
import StrategyKit

/// One swept parameter: `strategy.key` over `values` (exact decimal text).
public struct SweepAxis: Sendable, Hashable {
    /// Index of the strategy in the scenario.
    public var strategy: Int
    public var key: String
    /// The column name: `<strategy>.<key>`.
    public var label: String
    public var values: [String]
    public init(strategy: Int, key: String, label: String, values: [String]) {
        self.strategy = strategy
        self.key = key
        self.label = label
        self.values = values
    }
}

/// One parameter set's result.
public struct SweepRow: Sendable {
    /// The set's index in the whole grid (the first axis varies slowest).
    public var index: Int
    /// The value of each axis.
    public var values: [String]
    public var metrics: Metrics?
    public var equityEnd: String
    /// Simple returns at the sampling interval (for the report; not written to `sweep.csv`).
    public var returns: [Double]
    /// Why the set did not run (its parameters contradict each other, or the run failed).
    public var error: String?
}

/// Parameter sweeps (docs/backtesting.md, "Sweeps").
public enum Sweep {
    public static let maxSets = 1_000_000

    /// Parses `KEY=LO:HI:STEP`. KEY is `param` when the scenario has one strategy, else
    /// `strategy.param` (a strategy's name, or its index from 0). Values are LO, LO + STEP, … ≤ HI,
    /// exact at the parameter's decimals; only numeric parameters can be swept.
    public static func axis(_ text: String, config: BacktestConfig) throws -> SweepAxis {
        guard let eq = text.firstIndex(of: "=") else { throw BacktestError("--param \(text): expected KEY=LO:HI:STEP") }
        let key = String(text[..<eq]), range = text[text.index(after: eq)...].split(separator: ":", omittingEmptySubsequences: false)
        guard range.count == 3 else { throw BacktestError("--param \(text): expected KEY=LO:HI:STEP (three numbers)") }
        var strategy = 0
        var name = key
        if let dot = key.firstIndex(of: ".") {
            let s = String(key[..<dot])
            name = String(key[key.index(after: dot)...])
            if let i = Int(s), i >= 0, i < config.strategies.count {
                strategy = i
            } else if let i = config.strategies.firstIndex(where: { $0.type.descriptor.name == s }) {
                strategy = i
            } else {
                throw BacktestError("--param \(text): no strategy '\(s)' in the scenario (it has \(config.strategies.map { $0.type.descriptor.name }.joined(separator: ", ")))")
            }
        } else if config.strategies.count > 1 {
            throw BacktestError("--param \(text): the scenario has \(config.strategies.count) strategies; write STRATEGY.\(key)")
        }
        let d = config.strategies[strategy].type.descriptor
        guard let spec = d.parameters.first(where: { $0.name == name }) else {
            throw BacktestError("--param \(text): \(d.name) has no parameter '\(name)' (it has \(d.parameters.map(\.name).joined(separator: ", ")))")
        }
        let decimals: Int
        switch spec.kind {
        case .decimal(let dd, _, _): decimals = dd
        case .integer: decimals = 0
        default: throw BacktestError("--param \(text): '\(name)' is \(spec.kind.typeName); only decimal and integer parameters can be swept")
        }
        guard let lo = parseFixed(String(range[0]), decimals), let hi = parseFixed(String(range[1]), decimals),
              let step = parseFixed(String(range[2]), decimals) else {
            throw BacktestError("--param \(text): LO, HI and STEP must be numbers with at most \(decimals) decimals")
        }
        guard step > 0, hi >= lo else { throw BacktestError("--param \(text): expected LO ≤ HI and STEP > 0") }
        let count = (hi - lo) / step + 1
        guard count <= Int64(maxSets) else { throw BacktestError("--param \(text): \(count) values; at most \(maxSets)") }
        let values = (0..<count).map { formatFixed(lo + $0 * step, decimals) }
        return SweepAxis(strategy: strategy, key: name, label: "\(d.name).\(name)", values: values)
    }

    /// Number of sets in the grid.
    public static func count(_ axes: [SweepAxis]) -> Int { axes.reduce(1) { $0 * $1.values.count } }

    /// The value index of each axis for set `index` (the first axis varies slowest).
    static func coordinates(_ index: Int, _ axes: [SweepAxis]) -> [Int] {
        var rest = index
        var out = [Int](repeating: 0, count: axes.count)
        for a in axes.indices.reversed() {
            out[a] = rest % axes[a].values.count
            rest /= axes[a].values.count
        }
        return out
    }

    /// Runs the sets of shard `shard` (1-based `i` of `n`: the sets whose index ≡ i − 1 mod n) on
    /// `jobs` threads. Rows come back in index order whatever the threads did.
    public static func run(_ config: BacktestConfig, axes: [SweepAxis], jobs: Int, shard: (i: Int, n: Int) = (1, 1),
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [SweepRow] {
        let total = count(axes)
        guard total <= maxSets else { throw BacktestError("the grid has \(total) sets; at most \(maxSets)") }
        let mine = stride(from: shard.i - 1, to: total, by: shard.n).map { $0 }
        let state = SweepState(count: mine.count)
        let workers = Swift.max(1, Swift.min(jobs, mine.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let k = state.take() {
                let row = runSet(mine[k], config: config, axes: axes)
                let done = state.put(k, row)
                progress?(done, mine.count)
            }
        }
        return state.rows.map { $0! }
    }

    static func runSet(_ index: Int, config: BacktestConfig, axes: [SweepAxis]) -> SweepRow {
        let at = coordinates(index, axes)
        let values = axes.indices.map { axes[$0].values[at[$0]] }
        var c = config
        c.name = "\(config.name) #\(index)"
        for s in c.strategies.indices {
            let inputs = axes.indices.filter { axes[$0].strategy == s }.map { (key: axes[$0].key, value: ParameterInput.number(values[$0])) }
            guard !inputs.isEmpty else { continue }
            switch c.strategies[s].type.descriptor.parameters(inputs, over: c.strategies[s].parameters) {
            case .success(let p): c.strategies[s].parameters = p
            case .failure(let e): return SweepRow(index: index, values: values, metrics: nil, equityEnd: "", returns: [], error: "\(e)")
            }
        }
        do {
            let r = try Backtest.run(c)
            let equity = r.samples.map { Double($0.equity.raw) / 1e6 }
            return SweepRow(index: index, values: values, metrics: r.metrics,
                            equityEnd: r.samples.last?.equity.formatted(minimumDecimals: 2) ?? "",
                            returns: ReturnStatistics.simpleReturns(equity: equity), error: nil)
        } catch {
            return SweepRow(index: index, values: values, metrics: nil, equityEnd: "", returns: [], error: "\(error)")
        }
    }

    static let metricNames = ["totalReturn", "cagr", "volatility", "sharpe", "sortino", "calmar", "maxDrawdown",
                              "maxDrawdownDurationSeconds", "winRate", "profitFactor", "expectancy", "turnover", "feesPaid",
                              "feesEarned", "funding", "fills", "auctionsWon"]

    static func metricValues(_ m: Metrics) -> [String] {
        [m.totalReturn, m.cagr, m.volatility, m.sharpe, m.sortino, m.calmar, m.maxDrawdown, m.maxDrawdownDurationSeconds,
         m.winRate, m.profitFactor, m.expectancy, m.turnover, m.feesPaid, m.feesEarned, m.funding].map { "\($0)" }
            + ["\(m.fills)", "\(m.auctionsWon)"]
    }

    /// `sweep.csv`: `index`, one column per axis, every metric, `equityEnd`, `error`; one row per set, by index.
    public static func csv(_ rows: [SweepRow], axes: [SweepAxis]) -> String {
        var s = (["index"] + axes.map(\.label) + metricNames + ["equityEnd", "error"]).joined(separator: ",") + "\n"
        for r in rows.sorted(by: { $0.index < $1.index }) {
            let m = r.metrics.map(metricValues) ?? [String](repeating: "", count: metricNames.count)
            let err = (r.error ?? "").replacingOccurrences(of: ",", with: ";").replacingOccurrences(of: "\n", with: " ")
            s += ([String(r.index)] + r.values + m + [r.equityEnd, err]).joined(separator: ",") + "\n"
        }
        return s
    }

    /// Merges shards' `sweep.csv` texts: the same header, no index twice; rows by index.
    public static func merge(_ files: [(name: String, text: String)]) throws -> String {
        var header: String? = nil
        var rows: [(Int, Substring)] = []
        var seen = Set<Int>()
        for (name, text) in files {
            let lines = text.split(whereSeparator: \.isNewline)
            guard let h = lines.first else { throw BacktestError("\(name): empty; expected a sweep.csv") }
            if let header, header != String(h) { throw BacktestError("\(name): its header differs from the first file's (another sweep?)") }
            header = String(h)
            for (k, line) in lines.dropFirst().enumerated() {
                guard let comma = line.firstIndex(of: ","), let i = Int(line[..<comma]) else {
                    throw BacktestError("\(name):\(k + 2): expected a row starting with the set's index")
                }
                guard seen.insert(i).inserted else { throw BacktestError("\(name):\(k + 2): set \(i) is already in another file") }
                rows.append((i, line))
            }
        }
        guard let header else { throw BacktestError("no files to merge") }
        return header + "\n" + rows.sorted { $0.0 < $1.0 }.map { String($0.1) + "\n" }.joined()
    }
}

/// Work queue and results shared by the sweep's threads.
final class SweepState: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var done = 0
    private(set) var rows: [SweepRow?]
    init(count: Int) { rows = [SweepRow?](repeating: nil, count: count) }
    func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < rows.count else { return nil }
        next += 1
        return next - 1
    }
    func put(_ k: Int, _ row: SweepRow) -> Int {
        lock.lock(); defer { lock.unlock() }
        rows[k] = row
        done += 1
        return done
    }
}
