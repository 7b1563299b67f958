import Analytics
import Foundation
import MarketCore

/// `sweep.html`: the best sets, a heat map over the first two axes, bootstrap intervals of the
/// best sets' mean return and Sharpe, and the correlation of their returns (docs/backtesting.md, "Sweeps").
public enum SweepReport {
    /// How many of the best sets the tables show.
    public static let top = 10
    /// How many of the best sets get bootstrap intervals and a correlation matrix.
    public static let bootstrapTop = 5
    public static let resamples = 2_000

    /// The ran sets, best Sharpe first (ties: lower index).
    public static func ranked(_ rows: [SweepRow]) -> [SweepRow] {
        rows.filter { $0.metrics != nil }.sorted {
            let a = $0.metrics!.sharpe, b = $1.metrics!.sharpe
            return a != b ? a > b : $0.index < $1.index
        }
    }

    /// The bootstrap intervals (95%, percentile) of the best sets' mean return and Sharpe, and the
    /// correlation matrix of their returns, on BLAS. Series are cut to the shortest one.
    public static func statistics(_ best: [SweepRow], seed: UInt64, intervalSeconds: Double) -> (intervals: [BootstrapSummary], correlation: Matrix?) {
        let series = best.prefix(bootstrapTop).map(\.returns)
        guard let n = series.map(\.count).min(), n >= 2 else { return ([], nil) }
        let returns = Matrix(columns: series.map { Array($0.prefix(n)) })
        let intervals = BootstrapKernel.intervals(returns: returns, resamples: resamples, seed: seed, level: 0.95,
                                                  periodsPerYear: Metrics.periodsPerYear(intervalSeconds: intervalSeconds))
        var batch = BatchStatistics(rows: n, cols: series.count)
        let corr = BatchStatistics.correlation(fromCovariance: batch.covariance(of: returns))
        return (intervals, corr)
    }

    public static func html(name: String, rows: [SweepRow], axes: [SweepAxis], seed: UInt64, intervalSeconds: Double) -> String {
        let best = ranked(rows)
        let failed = rows.filter { $0.error != nil }
        func f(_ x: Double) -> String { !x.isFinite ? "n/a" : abs(x) >= 1e6 ? String(format: "%.3e", x) : String(format: "%.4f", x) }
        var s = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>MMVault sweep: \(HTMLReport.esc(name))</title>
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem auto;max-width:980px;padding:0 1rem;color:#1d2430}
        h1{font-size:1.4rem}h2{font-size:1.05rem;margin:1.4rem 0 .3rem}
        table{border-collapse:collapse;font-variant-numeric:tabular-nums}td,th{padding:.2rem .6rem;border-bottom:1px solid #e3e7ec;text-align:right}
        th:first-child,td:first-child{text-align:left}.axis{font-size:11px;fill:#5b6573}
        svg{width:100%;height:auto;max-width:900px}
        </style></head><body>
        <h1>Sweep: \(HTMLReport.esc(name))</h1>
        <p>\(rows.count) parameter sets (\(rows.count - failed.count) ran, \(failed.count) refused); ranked by Sharpe at \(Int(intervalSeconds)) s.</p>
        <h2>Best \(Swift.min(top, best.count)) sets</h2>
        <table><tr><th>set</th>\(axes.map { "<th>\(HTMLReport.esc($0.label))</th>" }.joined())<th>total return</th><th>Sharpe</th><th>max drawdown</th><th>fills</th></tr>

        """
        for r in best.prefix(top) {
            let m = r.metrics!
            s += "<tr><td>#\(r.index)</td>\(r.values.map { "<td>\($0)</td>" }.joined())<td>\(f(m.totalReturn))</td><td>\(f(m.sharpe))</td><td>\(f(m.maxDrawdown))</td><td>\(m.fills)</td></tr>\n"
        }
        s += "</table>\n"
        if axes.count >= 2 { s += heatMap(rows, axes) }
        let (intervals, corr) = statistics(best, seed: seed, intervalSeconds: intervalSeconds)
        if !intervals.isEmpty {
            s += "<h2>Bootstrap 95% intervals (\(resamples) resamples of the returns, seed \(seed))</h2>\n<table><tr><th>set</th><th>mean return</th><th>interval</th><th>Sharpe</th><th>interval</th></tr>\n"
            for (k, b) in intervals.enumerated() {
                s += "<tr><td>#\(best[k].index)</td><td>\(f(b.mean.estimate))</td><td>\(f(b.mean.lower)) … \(f(b.mean.upper))</td>"
                s += "<td>\(f(b.sharpe.estimate))</td><td>\(f(b.sharpe.lower)) … \(f(b.sharpe.upper))</td></tr>\n"
            }
            s += "</table>\n"
        }
        if let corr, corr.rows >= 2 {
            s += "<h2>Correlation of the best sets' returns</h2>\n<table><tr><th></th>"
            s += (0..<corr.cols).map { "<th>#\(best[$0].index)</th>" }.joined() + "</tr>\n"
            for i in 0..<corr.rows {
                s += "<tr><td>#\(best[i].index)</td>" + (0..<corr.cols).map { "<td>\(String(format: "%.3f", corr[i, $0]))</td>" }.joined() + "</tr>\n"
            }
            s += "</table>\n"
        }
        if !failed.isEmpty {
            s += "<h2>Refused sets</h2><ul>" + failed.prefix(20).map { "<li>#\($0.index) (\($0.values.joined(separator: ", "))): \(HTMLReport.esc($0.error ?? ""))</li>" }.joined() + "</ul>\n"
        }
        return s + "</body></html>\n"
    }

    /// Sharpe over the first two axes (the best over the other axes), red below zero, green above.
    static func heatMap(_ rows: [SweepRow], _ axes: [SweepAxis]) -> String {
        let nx = axes[1].values.count, ny = axes[0].values.count
        var cell = [Double?](repeating: nil, count: nx * ny)
        for r in rows {
            guard let m = r.metrics, m.sharpe.isFinite else { continue }
            let at = Sweep.coordinates(r.index, axes)
            let k = at[0] * nx + at[1]
            cell[k] = Swift.max(cell[k] ?? -.infinity, m.sharpe)
        }
        let scale = Swift.max(1e-12, cell.compactMap { $0 }.map(abs).max() ?? 1)
        let w = 900.0, h = Swift.min(600.0, Swift.max(160.0, Double(ny) * 24 + 60)), l = 110.0, top = 10.0, bot = 50.0
        let cw = (w - l - 10) / Double(nx), ch = (h - top - bot) / Double(ny)
        var s = "<h2>Sharpe: \(HTMLReport.esc(axes[0].label)) (rows) × \(HTMLReport.esc(axes[1].label)) (columns)</h2>\n"
        s += "<svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\">"
        for y in 0..<ny {
            for x in 0..<nx {
                let v = cell[y * nx + x]
                let color: String
                if let v {
                    let t = Swift.min(1, abs(v) / scale)
                    let c = Int(255 - 155 * t)
                    color = v >= 0 ? "rgb(\(c),\(Int(255 - 80 * t)),\(c))" : "rgb(\(Int(255 - 40 * t)),\(c),\(c))"
                } else {
                    color = "#eeeeee"
                }
                let title = v.map { String(format: "%.3f", $0) } ?? "refused"
                s += "<rect x=\"\(HTMLReport.f1(l + Double(x) * cw))\" y=\"\(HTMLReport.f1(top + Double(y) * ch))\" width=\"\(HTMLReport.f1(cw))\" height=\"\(HTMLReport.f1(ch))\" fill=\"\(color)\"><title>\(axes[0].values[y]), \(axes[1].values[x]): \(title)</title></rect>"
            }
            if ny <= 30 || y % (ny / 20 + 1) == 0 {
                s += "<text class=\"axis\" x=\"\(l - 6)\" y=\"\(HTMLReport.f1(top + (Double(y) + 0.6) * ch))\" text-anchor=\"end\">\(axes[0].values[y])</text>"
            }
        }
        for x in 0..<nx where nx <= 30 || x % (nx / 20 + 1) == 0 {
            s += "<text class=\"axis\" x=\"\(HTMLReport.f1(l + (Double(x) + 0.5) * cw))\" y=\"\(HTMLReport.f1(h - bot + 16))\" text-anchor=\"middle\">\(axes[1].values[x])</text>"
        }
        return s + "</svg>\n"
    }
}
