import Foundation
import MarketCore

/// `report.html`: one self-contained page (no scripts, no external files) with inline SVG charts:
/// equity, drawdown, inventory, NAV per share after fees, and the fills on the price.
enum HTMLReport {
    static func page(_ r: BacktestResult) -> String {
        let t = r.samples.map { Double($0.time.milliseconds - r.start.milliseconds) / 1000 }
        let equity = r.samples.map { Double($0.equity.raw) / 1e6 }
        var peak = -Double.infinity
        let drawdown = equity.map { e -> Double in peak = Swift.max(peak, e); return peak > 0 ? -(1 - e / peak) * 100 : 0 }
        let nav = r.samples.map { Double($0.navPerShare.raw) / 1e6 }
        let inventory = r.samples.map(\.inventory)
        let price = r.samples.map { Double($0.price.raw) / 1e6 }
        // Fills on price: the run's chart sample (at most 4,096, evenly spread), buys green, sells red.
        let total = r.metrics.fills
        let stride = Swift.max(1, total / Swift.max(1, r.chartFills.count))
        var buys: [(Double, Double)] = [], sells: [(Double, Double)] = []
        for f in r.chartFills {
            let p = (Double(f.time.milliseconds - r.start.milliseconds) / 1000, Double(f.price.raw) / 1e6)
            if f.side == .buy { buys.append(p) } else { sells.append(p) }
        }
        let summary = BacktestReport.summary(r)
            .replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        var html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>MMVault backtest: \(esc(r.name))</title>
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem auto;max-width:980px;padding:0 1rem;color:#1d2430;background:#fff}
        h1{font-size:1.4rem}h2{font-size:1.05rem;margin:1.4rem 0 .3rem}
        pre{background:#f4f6f8;padding:.8rem;overflow-x:auto;border-radius:6px}
        svg{width:100%;height:auto;background:#fbfcfd;border:1px solid #e3e7ec;border-radius:6px}
        .axis{font-size:11px;fill:#5b6573}.legend{font-size:12px}
        @media (prefers-color-scheme: dark){body{background:#12161c;color:#dde3ea}pre,svg{background:#1a2028;border-color:#2b333d}.axis{fill:#9aa5b1}}
        </style></head><body>
        <h1>Backtest: \(esc(r.name))</h1>
        <pre>\(summary)</pre>

        """
        html += section("Vault equity (USDC)", chart(t, [(equity, "#2563eb", "equity")]))
        html += section("Drawdown (%)", chart(t, [(drawdown, "#dc2626", "drawdown")]))
        html += section("Inventory: Σ |position| (base)", chart(t, [(inventory, "#7c3aed", "inventory")]))
        html += section("NAV per share after fees", chart(t, [(nav, "#059669", "NAV per share")]))
        html += section("Fills on the oracle price (▲ buy, ▼ sell\(stride > 1 ? ", about every \(stride)th of \(total) fills" : ""))",
                        chart(t, [(price, "#64748b", "oracle")], markers: [(buys, "#16a34a", true), (sells, "#dc2626", false)]))
        html += "<h2>Model</h2><ul>" + r.model.map { "<li><b>\(esc($0.0))</b>: \(esc($0.1))</li>" }.joined() + "</ul>\n"
        html += "</body></html>\n"
        return html
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func section(_ title: String, _ svg: String) -> String { "<h2>\(esc(title))</h2>\n\(svg)\n" }

    /// A line chart of `series` over `x` (seconds from the start), with optional point markers.
    /// At most ~1,000 points per line (min and max of each bucket kept, so spikes stay visible).
    static func chart(_ x: [Double], _ series: [([Double], String, String)],
                      markers: [([(Double, Double)], String, Bool)] = []) -> String {
        let w = 960.0, h = 260.0, l = 70.0, rgt = 12.0, top = 12.0, bot = 28.0
        guard let x0 = x.first, let x1 = x.last else { return "<p>(no samples)</p>" }
        var lo = Double.infinity, hi = -Double.infinity
        for (ys, _, _) in series { for y in ys where y.isFinite { lo = Swift.min(lo, y); hi = Swift.max(hi, y) } }
        for (ps, _, _) in markers { for p in ps where p.1.isFinite { lo = Swift.min(lo, p.1); hi = Swift.max(hi, p.1) } }
        if !lo.isFinite { lo = 0; hi = 1 }
        if hi - lo < 1e-12 { hi = lo + Swift.max(1e-6, abs(lo) * 1e-6); lo -= (hi - lo) }
        let span = Swift.max(x1 - x0, 1e-9)
        func px(_ v: Double) -> Double { l + (v - x0) / span * (w - l - rgt) }
        func py(_ v: Double) -> Double { top + (hi - v) / (hi - lo) * (h - top - bot) }
        var s = "<svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4
            let y = py(v)
            s += "<line x1=\"\(l)\" x2=\"\(w - rgt)\" y1=\(q(y)) y2=\(q(y)) stroke=\"#cbd5e1\" stroke-width=\"0.5\"/>"
            s += "<text class=\"axis\" x=\"\(l - 6)\" y=\(q(y + 4)) text-anchor=\"end\">\(label(v, hi - lo))</text>"
        }
        for k in 0...4 {
            let v = x0 + span * Double(k) / 4
            s += "<text class=\"axis\" x=\(q(px(v))) y=\"\(h - 8)\" text-anchor=\"middle\">\(timeLabel(v))</text>"
        }
        for (ys, color, _) in series {
            let n = Swift.min(x.count, ys.count)
            let bucket = Swift.max(1, n / 500)
            var d = ""
            var i = 0
            while i < n {
                let end = Swift.min(n, i + bucket)
                var mn = i, mx = i
                for j in i..<end { if ys[j] < ys[mn] { mn = j }; if ys[j] > ys[mx] { mx = j } }
                for j in (mn <= mx ? [mn, mx] : [mx, mn]) where ys[j].isFinite {
                    d += (d.isEmpty ? "M" : "L") + "\(f1(px(x[j]))),\(f1(py(ys[j])))"
                }
                i = end
            }
            s += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.4\"/>"
        }
        for (ps, color, up) in markers {
            for (mx, my) in ps {
                let cx = px(mx), cy = py(my)
                let pts = up ? "\(f1(cx - 3)),\(f1(cy + 3)) \(f1(cx + 3)),\(f1(cy + 3)) \(f1(cx)),\(f1(cy - 3))"
                    : "\(f1(cx - 3)),\(f1(cy - 3)) \(f1(cx + 3)),\(f1(cy - 3)) \(f1(cx)),\(f1(cy + 3))"
                s += "<polygon points=\"\(pts)\" fill=\"\(color)\" fill-opacity=\"0.7\"/>"
            }
        }
        return s + "</svg>"
    }

    static func q(_ v: Double) -> String { "\"\(f1(v))\"" }
    static func f1(_ v: Double) -> String { String(format: "%.1f", v) }

    static func label(_ v: Double, _ range: Double) -> String {
        let digits = range >= 100 ? 0 : range >= 1 ? 2 : range >= 0.01 ? 4 : 6
        return String(format: "%.\(digits)f", v)
    }

    static func timeLabel(_ seconds: Double) -> String {
        if seconds >= 172_800 { return String(format: "%.1f d", seconds / 86_400) }
        if seconds >= 7_200 { return String(format: "%.1f h", seconds / 3_600) }
        if seconds >= 120 { return String(format: "%.1f min", seconds / 60) }
        return String(format: "%.0f s", seconds)
    }
}
