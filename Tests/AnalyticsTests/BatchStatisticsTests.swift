import Analytics
import Testing

/// The BLAS batch (means by dgemv, variances by ddot, covariance by dsyrk) against plain loops
/// written here, on seeded data of awkward shapes. Tolerance: 1e-12 relative to the magnitude of
/// the quantity (for a covariance entry, to √(Σᵢᵢ Σⱼⱼ); for a mean, to the column's largest |x|).
@Suite struct BatchStatisticsTests {
    /// Scalar model: mean, sample sd (n − 1), downside deviation √(Σ min(r,0)²/n).
    static func scalar(_ x: [Double]) -> (mean: Double, sd: Double, dd: Double) {
        let n = x.count
        if n == 0 { return (0, 0, 0) }
        var s = 0.0
        for v in x { s += v }
        let m = s / Double(n)
        var ss = 0.0, ds = 0.0
        for v in x {
            ss += (v - m) * (v - m)
            if v < 0 { ds += v * v }
        }
        // The zero-spread rule: a deviation ≤ 1e-9 × max|x| is 0.
        let noise = 1e-9 * (x.map(abs).max() ?? 0)
        var sd = n >= 2 ? (ss / Double(n - 1)).squareRoot() : 0
        var dd = (ds / Double(n)).squareRoot()
        if sd <= noise { sd = 0 }
        if dd <= noise { dd = 0 }
        return (m, sd, dd)
    }

    @Test(arguments: rowCounts, colCounts)
    func statisticsMatchScalarLoops(rows: Int, cols: Int) {
        var x = randomReturns(rows: rows, cols: cols, seed: UInt64(rows * 31 + cols))
        // Make column 0 constant (sd 0 → Sharpe 0) and, when there are 3+, column 2 non-negative
        // (no downside → Sortino 0).
        for i in 0..<rows { x[i, 0] = 0.002 }
        if cols >= 3 { for i in 0..<rows { x[i, 2] = abs(x[i, 2]) } }
        let ppy = 8760.0
        var batch = BatchStatistics(rows: rows, cols: cols)
        let out = batch.statistics(of: x, periodsPerYear: ppy)
        #expect(out.count == rows)
        for j in 0..<cols {
            let c = col(x, j)
            let (m, sd, dd) = Self.scalar(c)
            let scale = c.map(abs).max() ?? 0
            #expect(close(out.mean[j], m, absolute: 1e-12 * scale), "mean col \(j)")
            #expect(close(out.standardDeviation[j], sd, relative: 1e-12, absolute: 1e-15 * scale), "sd col \(j)")
            #expect(close(out.downsideDeviation[j], dd), "dd col \(j)")
            #expect(close(out.volatility[j], sd * ppy.squareRoot(), relative: 1e-12, absolute: 1e-15 * scale))
            let sharpe = rows >= 2 && sd > 0 ? m / sd * ppy.squareRoot() : 0
            let sortino = rows >= 2 && dd > 0 ? m / dd * ppy.squareRoot() : 0
            #expect(close(out.sharpe[j], sharpe, relative: 1e-10), "sharpe col \(j)")
            #expect(close(out.sortino[j], sortino, relative: 1e-10), "sortino col \(j)")
            // and the library's own scalar definition, series by series
            let ref = ReturnStatistics(returns: c, periodsPerYear: ppy)
            let got = out.series(j)
            #expect(close(got.mean, ref.mean, absolute: 1e-12 * scale) && got.count == ref.count)
            #expect(close(got.sortino, ref.sortino, relative: 1e-10))
        }
        // The constant column: its computed mean is off by rounding, so its centred values are ~1e-19,
        // not 0; the zero-spread rule reports sd 0 and Sharpe 0 (not ~1e16).
        #expect(out.standardDeviation[0] == 0 && out.sharpe[0] == 0)
        if cols >= 3 { #expect(out.sortino[2] == 0) }
    }

    @Test(arguments: rowCounts, colCounts)
    func covarianceAndCorrelationMatchScalarLoops(rows: Int, cols: Int) {
        let x = randomReturns(rows: rows, cols: cols, seed: 1000 + UInt64(rows * 7 + cols))
        var batch = BatchStatistics()
        let cov = batch.covariance(of: x)
        let corr = BatchStatistics.correlation(fromCovariance: cov)
        #expect(cov.rows == cols && cov.cols == cols)
        // Scalar model: two-pass covariance with divisor n − 1 (all zeros for n < 2).
        var means = [Double](repeating: 0, count: cols)
        for j in 0..<cols {
            for i in 0..<rows { means[j] += x[i, j] }
            if rows > 0 { means[j] /= Double(rows) }
        }
        #expect(zip(batch.means, means).allSatisfy { close($0, $1, absolute: 1e-15) })
        var ref = [[Double]](repeating: [Double](repeating: 0, count: cols), count: cols)
        for a in 0..<cols {
            for b in 0..<cols {
                var s = 0.0
                for i in 0..<rows { s += (x[i, a] - means[a]) * (x[i, b] - means[b]) }
                ref[a][b] = rows >= 2 ? s / Double(rows - 1) : 0
            }
        }
        for a in 0..<cols {
            for b in 0..<cols {
                let scale = (ref[a][a] * ref[b][b]).squareRoot()
                #expect(close(cov[a, b], ref[a][b], absolute: 1e-12 * scale), "cov[\(a),\(b)]")
                #expect(cov[a, b] == cov[b, a], "symmetric")
                let rho: Double = ref[a][a] > 0 && ref[b][b] > 0 ? (a == b ? 1 : ref[a][b] / scale) : 0
                #expect(close(corr[a, b], rho, absolute: 1e-12), "corr[\(a),\(b)]")
            }
        }
    }

    @Test func correlationOfKnownSeries() {
        // x = 1, 2, 3, 4; y = 2x (ρ = 1); z = −x (ρ = −1); w constant (row/column 0).
        let x: [Double] = [1, 2, 3, 4]
        let m = Matrix(columns: [x, x.map { 2 * $0 }, x.map { -$0 }, [5, 5, 5, 5]])
        var batch = BatchStatistics()
        let cov = batch.covariance(of: m)
        // var(x) = ((1.5² + 0.5²) · 2)/3 = 5/3; cov(x, 2x) = 10/3; var(2x) = 20/3.
        #expect(close(cov[0, 0], 5.0 / 3) && close(cov[0, 1], 10.0 / 3) && close(cov[1, 1], 20.0 / 3))
        #expect(close(cov[0, 2], -5.0 / 3) && cov[3, 3] == 0 && cov[0, 3] == 0)
        let corr = BatchStatistics.correlation(fromCovariance: cov)
        #expect(corr[0, 0] == 1 && close(corr[0, 1], 1) && close(corr[0, 2], -1) && close(corr[1, 2], -1))
        #expect(corr[3, 3] == 0 && corr[0, 3] == 0 && corr[3, 1] == 0)
        #expect(corr.values.allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    @Test func workspaceIsReusedAcrossShapes() {
        var batch = BatchStatistics(rows: 10, cols: 2)
        var cov = Matrix(rows: 0, cols: 0)
        var stats = ColumnStatistics(cols: 0)
        for (rows, cols) in [(257, 5), (7, 3), (2, 1), (257, 5)] {
            let x = randomReturns(rows: rows, cols: cols, seed: UInt64(rows + cols))
            batch.covariance(of: x, into: &cov)
            batch.statistics(of: x, periodsPerYear: 365, into: &stats)
            var fresh = BatchStatistics()
            #expect(cov == fresh.covariance(of: x))
            #expect(stats == fresh.statistics(of: x, periodsPerYear: 365))
        }
    }

    @Test(arguments: [0, 1, 2, 7, 257])
    func simpleReturnsOfAnEquityMatrix(rows: Int) {
        var rng = TestRNG(seed: UInt64(rows) + 5)
        var equity = Matrix(rows: rows, cols: 3)
        for j in 0..<3 { for i in 0..<rows { equity[i, j] = 100 * rng.uniform(0.5, 1.5) } }
        if rows >= 3 { equity[1, 2] = 0 }  // a zero sample: the next return is 0
        var returns = Matrix(rows: 0, cols: 0)
        ReturnStatistics.simpleReturns(equity: equity, into: &returns)
        #expect(returns.rows == max(0, rows - 1) && returns.cols == 3)
        for j in 0..<3 {
            #expect(col(returns, j) == ReturnStatistics.simpleReturns(equity: col(equity, j)))
        }
    }
}
