import Analytics
import Foundation
import MarketCore
import StrategyRuntime

/// The files a backtest writes (docs/backtesting.md, "Outputs").
public enum BacktestReport {
    /// Writes `report.json`, `equity.csv`, `fills.csv` and `report.html` into `directory` (created
    /// if missing). Each file is written whole to a temporary name, then renamed.
    /// With `fillsWritten`, `fills.csv` was streamed by a ``FillsCSVWriter`` and is left alone.
    public static func write(_ r: BacktestResult, to directory: String, fillsWritten: Bool = false) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try save(json(r), directory, "report.json")
        try save(equityCSV(r), directory, "equity.csv")
        if !fillsWritten { try save(fillsCSV(r), directory, "fills.csv") }
        try save(html(r), directory, "report.html")
    }

    /// `report.html` (see ``HTMLReport``).
    public static func html(_ r: BacktestResult) -> String { HTMLReport.page(r) }

    static func save(_ text: String, _ directory: String, _ name: String) throws {
        let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
        let tmp = URL(fileURLWithPath: directory).appendingPathComponent(".\(name).tmp")
        try Data(text.utf8).write(to: tmp)
        _ = try? FileManager.default.removeItem(at: url)
        try FileManager.default.moveItem(at: tmp, to: url)
    }

    /// `timestamp,equity,nav_per_share` (epoch ms; exact decimals).
    public static func equityCSV(_ r: BacktestResult) -> String {
        var s = "timestamp,equity,nav_per_share\n"
        for e in r.samples { s += "\(e.time.milliseconds),\(e.equity.formatted(minimumDecimals: 2)),\(e.navPerShare.formatted(minimumDecimals: 6))\n" }
        return s
    }

    static let fillsHeader = "timestamp,strategy,kind,side,price,size,fee\n"

    static func fillLine(_ f: FillRow) -> String {
        "\(f.time.milliseconds),\(f.strategy),\(f.kind.rawValue),\(f.side == .buy ? "buy" : "sell"),\(f.price.formatted()),\(f.size.formatted()),\(f.fee.formatted())\n"
    }

    /// `timestamp,strategy,kind,side,price,size,fee` (fee negative for a rebate).
    public static func fillsCSV(_ r: BacktestResult) -> String {
        var s = fillsHeader
        for f in r.fills { s += fillLine(f) }
        return s
    }

    /// A number JSON can hold: non-finite values become null.
    static func num(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }

    static func str(_ s: String) -> String {
        var o = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            default: if c.value < 0x20 { o += String(format: "\\u%04x", c.value) } else { o.unicodeScalars.append(c) }
            }
        }
        return o + "\""
    }

    /// `report.json`: the metrics (names as in the README), the vault, each strategy, the data read and every model choice.
    public static func json(_ r: BacktestResult) -> String {
        let m = r.metrics
        let metrics: [(String, String)] = [
            ("totalReturn", num(m.totalReturn)), ("cagr", num(m.cagr)), ("volatility", num(m.volatility)), ("sharpe", num(m.sharpe)),
            ("sortino", num(m.sortino)), ("calmar", num(m.calmar)), ("maxDrawdown", num(m.maxDrawdown)),
            ("maxDrawdownDurationSeconds", num(m.maxDrawdownDurationSeconds)), ("winRate", num(m.winRate)),
            ("profitFactor", num(m.profitFactor)), ("expectancy", num(m.expectancy)), ("turnover", num(m.turnover)),
            ("feesPaid", num(m.feesPaid)), ("feesEarned", num(m.feesEarned)), ("funding", num(m.funding)),
            ("fills", "\(m.fills)"), ("auctionsWon", "\(m.auctionsWon)"),
            ("inventoryMean", num(r.inventoryMean)), ("inventoryMax", num(r.inventoryMax)),
        ]
        var s = "{\n  \"name\": \(str(r.name)),\n  \"samplingIntervalSeconds\": \(r.samplingIntervalSeconds),\n"
        s += "  \"start\": \(r.start.milliseconds),\n  \"end\": \(r.end.milliseconds),\n"
        s += "  \"metrics\": {\n" + metrics.map { "    \(str($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n  },\n"
        let firstS = r.samples.first, lastS = r.samples.last
        s += "  \"vault\": {\"equityStart\": \(str(firstS?.equity.formatted(minimumDecimals: 2) ?? "0")), \"equityEnd\": \(str(lastS?.equity.formatted(minimumDecimals: 2) ?? "0")), "
        s += "\"navPerShareEnd\": \(str(lastS?.navPerShare.formatted(minimumDecimals: 6) ?? "0"))},\n"
        s += "  \"strategies\": [\n" + r.strategies.map { p in
            "    {\"name\": \(str(p.name)), \"state\": \(str("\(p.state)")), \"equity\": \(str(p.equity.formatted(minimumDecimals: 2))), "
                + "\"position\": \(str(p.position.formatted())), \"fills\": \(p.fills), \"auctionsWon\": \(p.auctionsWon), "
                + "\"ordersPlaced\": \(p.ordersPlaced), \"feesPaid\": \(str(p.feesPaid.formatted()))}"
        }.joined(separator: ",\n") + "\n  ],\n"
        if let p = portfolio(r) {
            s += "  \"portfolio\": {\"volatility\": \(num(p.volatility)), \"contributions\": {"
                + zip(r.strategies, p.contributions).map { "\(str($0.name)): \(num($1))" }.joined(separator: ", ") + "}},\n"
        }
        s += "  \"data\": {\"inputs\": \(r.inputs), \"records\": \(r.records), \"files\": [\n" + zip(r.files, r.readStatistics).map { f, st in
            "    {\"path\": \(str(f)), \"rows\": \(st.rows), \"badRowsSkipped\": \(st.badRows), \"depthUpdatesDropped\": \(st.depthUpdatesDropped)}"
        }.joined(separator: ",\n") + "\n  ]},\n"
        s += "  \"model\": {\n" + r.model.map { "    \(str($0.0)): \(str($0.1))" }.joined(separator: ",\n") + "\n  }\n}\n"
        return s
    }

    /// The vault's allocation risk across its strategies (two or more): the covariance of the
    /// strategies' simple returns at the sampling interval (BLAS), the allocations as weights;
    /// σ_p and each strategy's contribution annualised like `volatility` (metrics.md).
    public static func portfolio(_ r: BacktestResult) -> PortfolioRisk? {
        guard r.strategyEquity.count >= 2, let n = r.strategyEquity.map(\.count).min(), n >= 3 else { return nil }
        let returns = r.strategyEquity.map { ReturnStatistics.simpleReturns(equity: Array($0.prefix(n))) }
        var batch = BatchStatistics(rows: n - 1, cols: returns.count)
        let cov = batch.covariance(of: Matrix(columns: returns))
        var p = PortfolioRisk(weights: r.allocations, covariance: cov)
        let annual = Metrics.periodsPerYear(intervalSeconds: Double(r.samplingIntervalSeconds)).squareRoot()
        p.volatility *= annual
        p.contributions = p.contributions.map { $0 * annual }
        return p
    }

    /// The terminal summary table.
    public static func summary(_ r: BacktestResult) -> String {
        let m = r.metrics
        // Large values (an annualised figure over minutes) in scientific notation.
        func f(_ x: Double) -> String { !x.isFinite ? "n/a" : abs(x) >= 1e6 ? String(format: "%.3e", x) : String(format: "%.3f", x) }
        func pct(_ x: Double) -> String { !x.isFinite ? "n/a" : abs(x) >= 1e4 ? String(format: "%.3e%%", x * 100) : String(format: "%.3f%%", x * 100) }
        let secs = Double(r.end.milliseconds - r.start.milliseconds) / 1000
        var rows: [(String, String)] = [
            ("scenario", r.name), ("span", String(format: "%.0f s, %d inputs from %d rows", secs, r.inputs, r.records)),
            ("equity", "\(r.samples.first?.equity.formatted(minimumDecimals: 2) ?? "-") → \(r.samples.last?.equity.formatted(minimumDecimals: 2) ?? "-")"),
            ("NAV per share", r.samples.last?.navPerShare.formatted(minimumDecimals: 6) ?? "-"),
            ("total return", pct(m.totalReturn)), ("CAGR", pct(m.cagr)), ("volatility", pct(m.volatility)),
            ("Sharpe", f(m.sharpe)), ("Sortino", f(m.sortino)), ("Calmar", f(m.calmar)),
            ("max drawdown", "\(pct(m.maxDrawdown)) over \(f(m.maxDrawdownDurationSeconds)) s"),
            ("win rate", pct(m.winRate)), ("profit factor", f(m.profitFactor)), ("expectancy", f(m.expectancy)),
            ("turnover", f(m.turnover)), ("fees paid / earned", "\(f(m.feesPaid)) / \(f(m.feesEarned))"),
            ("fills / auctions won", "\(m.fills) / \(m.auctionsWon)"),
            ("inventory mean / max", "\(f(r.inventoryMean)) / \(f(r.inventoryMax))"),
        ]
        if let p = portfolio(r) {
            rows.append(("allocation risk", "\(pct(p.volatility)) a year (" + zip(r.strategies, p.contributions).map { "\($0.name) \(pct($1))" }.joined(separator: ", ") + ")"))
        }
        for p in r.strategies {
            rows.append(("  \(p.name)", "\(p.state), equity \(p.equity.formatted(minimumDecimals: 2)), position \(p.position.formatted()), \(p.fills) fills, \(p.auctionsWon) auctions won"))
        }
        let w = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: w, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n") + "\n"
    }
}

/// Streams `fills.csv` while a backtest runs (so no fill is kept in memory): rows go to a hidden
/// temporary file in 64 KiB writes, renamed to `fills.csv` by ``finish()``; ``discard()`` removes it.
public final class FillsCSVWriter {
    let handle: FileHandle
    let tmp: URL, url: URL
    var buffer: [UInt8] = []

    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        url = URL(fileURLWithPath: directory).appendingPathComponent("fills.csv")
        tmp = URL(fileURLWithPath: directory).appendingPathComponent(".fills.csv.tmp")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else {
            throw BacktestError("cannot write \(tmp.path)")
        }
        handle = try FileHandle(forWritingTo: tmp)
        buffer.reserveCapacity(1 << 16)
        buffer.append(contentsOf: BacktestReport.fillsHeader.utf8)
    }

    public func append(_ f: FillRow) {
        buffer.append(contentsOf: BacktestReport.fillLine(f).utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    public func finish() throws {
        flush()
        try handle.close()
        _ = try? FileManager.default.removeItem(at: url)
        try FileManager.default.moveItem(at: tmp, to: url)
    }

    public func discard() {
        try? handle.close()
        try? FileManager.default.removeItem(at: tmp)
    }
}
