import CBLAS

/// Return statistics of many series at once (one per column), as `ReturnStatistics` defines them
/// for one series: column `j` of every array is series `j`.
public struct ColumnStatistics: Sendable, Equatable {
    /// Returns per series (the matrix's rows).
    public var count: Int
    public var mean: [Double]
    public var standardDeviation: [Double]
    public var downsideDeviation: [Double]
    public var volatility: [Double]
    public var sharpe: [Double]
    public var sortino: [Double]

    /// Zeroed statistics for `cols` series (a buffer to pass to `BatchStatistics.statistics`).
    public init(cols: Int) {
        count = 0
        mean = [Double](repeating: 0, count: cols)
        standardDeviation = mean
        downsideDeviation = mean
        volatility = mean
        sharpe = mean
        sortino = mean
    }

    /// Series `j`'s statistics in the scalar type.
    public func series(_ j: Int) -> ReturnStatistics {
        var s = ReturnStatistics(returns: [], periodsPerYear: 1)
        s.count = count
        s.mean = mean[j]
        s.standardDeviation = standardDeviation[j]
        s.downsideDeviation = downsideDeviation[j]
        s.volatility = volatility[j]
        s.sharpe = sharpe[j]
        s.sortino = sortino[j]
        return s
    }

    mutating func resize(_ cols: Int) {
        guard mean.count != cols else { return }
        self = ColumnStatistics(cols: cols)
    }
}

/// The BLAS kernels over a matrix of return series (rows = time, columns = series) with their
/// workspace, so that a sweep calling them repeatedly allocates nothing once the shapes settle:
///
/// - column means: `μ = Xᵀ·1 / n` (`cblas_dgemv` against a ones vector);
/// - centring: `C = X − 1·μᵀ` (one fused copy-and-subtract pass);
/// - covariance: `Σ = Cᵀ·C / (n − 1)` (`cblas_dsyrk`, upper triangle, then mirrored);
/// - per-series variance `cⱼ·cⱼ / (n − 1)` (`cblas_ddot`), hence volatility, Sharpe, Sortino.
///
/// Results match `ReturnStatistics` series by series, its zero-spread rule included (tested
/// against scalar loops).
public struct BatchStatistics: Sendable {
    /// The column means of the last matrix given to `statistics` or `covariance`.
    public private(set) var means: [Double]
    private var ones: [Double]
    private var centred: Matrix
    private var downside: [Double]
    private var largest: [Double]

    /// A workspace sized for `rows × cols` matrices (it grows or shrinks to any other shape it is given).
    public init(rows: Int = 0, cols: Int = 0) {
        means = [Double](repeating: 0, count: cols)
        ones = [Double](repeating: 1, count: rows)
        centred = Matrix(rows: rows, cols: cols)
        downside = [Double](repeating: 0, count: cols)
        largest = downside
    }

    /// Floating-point operations `covariance` performs on an `n × k` matrix, as a benchmark counts
    /// them: `2nk` (means) + `nk` (centring) + `n·k·(k + 1)` (the `dsyrk` triangle, 2n per entry).
    public static func covarianceFlops(rows n: Int, cols k: Int) -> Double {
        let n = Double(n), k = Double(k)
        return 3 * n * k + n * k * (k + 1)
    }

    /// Column means into `means` and the centred copy into the workspace; also Σ min(x, 0)² per column
    /// when `downsideSums` is set.
    private mutating func centre(_ x: Matrix, downsideSums: Bool) {
        let n = x.rows, k = x.cols
        if means.count != k { means = [Double](repeating: 0, count: k) }
        if downside.count != k { downside = [Double](repeating: 0, count: k) }
        if largest.count != k { largest = [Double](repeating: 0, count: k) }
        if ones.count != n { ones = [Double](repeating: 1, count: n) }
        if centred.rows != n || centred.cols != k { centred.reset(rows: n, cols: k) }
        guard k > 0 else { return }
        guard n > 0 else {
            for j in 0..<k { means[j] = 0; downside[j] = 0; largest[j] = 0 }
            return
        }
        x.values.withUnsafeBufferPointer { px in
            ones.withUnsafeBufferPointer { po in
                means.withUnsafeMutableBufferPointer { pm in
                    cblas_dgemv(CblasColMajor, CblasTrans, blasInt(n), blasInt(k), 1 / Double(n),
                                px.baseAddress, blasInt(x.leadingDimension), po.baseAddress, 1, 0,
                                pm.baseAddress, 1)
                }
            }
        }
        x.values.withUnsafeBufferPointer { px in
            centred.values.withUnsafeMutableBufferPointer { pc in
                means.withUnsafeBufferPointer { pm in
                    downside.withUnsafeMutableBufferPointer { pd in
                        largest.withUnsafeMutableBufferPointer { pl in
                            for j in 0..<k {
                                let m = pm[j]
                                let base = j * n
                                var d = 0.0
                                var l = 0.0
                                if downsideSums {
                                    for i in base..<(base + n) {
                                        let v = px[i]
                                        pc[i] = v - m
                                        let neg = min(v, 0)
                                        d += neg * neg
                                        l = max(l, abs(v))
                                    }
                                } else {
                                    for i in base..<(base + n) { pc[i] = px[i] - m }
                                }
                                pd[j] = d
                                pl[j] = l
                            }
                        }
                    }
                }
            }
        }
    }

    /// Every column's `ReturnStatistics` (mean, standard deviation, downside deviation, volatility,
    /// Sharpe, Sortino) into `out`, which is resized if it has the wrong number of series.
    public mutating func statistics(of returns: Matrix, periodsPerYear: Double, into out: inout ColumnStatistics) {
        precondition(periodsPerYear > 0 && periodsPerYear.isFinite, "periods per year must be positive and finite")
        let n = returns.rows, k = returns.cols
        out.resize(k)
        out.count = n
        centre(returns, downsideSums: true)
        let annualiser = periodsPerYear.squareRoot()
        centred.values.withUnsafeBufferPointer { pc in
            for j in 0..<k {
                let m = means[j]
                var sd = 0.0
                if n >= 2 {
                    let ss = cblas_ddot(blasInt(n), pc.baseAddress! + j * n, 1, pc.baseAddress! + j * n, 1)
                    sd = (ss / Double(n - 1)).squareRoot()
                }
                var dd = n > 0 ? (downside[j] / Double(n)).squareRoot() : 0
                let noise = ReturnStatistics.zeroSpreadTolerance * largest[j]
                if sd <= noise { sd = 0 }
                if dd <= noise { dd = 0 }
                out.mean[j] = finite(m)
                out.standardDeviation[j] = finite(sd)
                out.downsideDeviation[j] = finite(dd)
                out.volatility[j] = finite(sd * annualiser)
                out.sharpe[j] = n >= 2 && sd > 0 ? finite(m / sd * annualiser) : 0
                out.sortino[j] = n >= 2 && dd > 0 ? finite(m / dd * annualiser) : 0
            }
        }
    }

    /// A fresh `ColumnStatistics` (convenience over the buffer-taking form).
    public mutating func statistics(of returns: Matrix, periodsPerYear: Double) -> ColumnStatistics {
        var out = ColumnStatistics(cols: returns.cols)
        statistics(of: returns, periodsPerYear: periodsPerYear, into: &out)
        return out
    }

    /// The sample covariance matrix (divisor n − 1) of the columns of `x` into `cov` (`k × k`, both
    /// triangles; resized if needed). With fewer than 2 rows it is all zeros.
    public mutating func covariance(of x: Matrix, into cov: inout Matrix) {
        let n = x.rows, k = x.cols
        if cov.rows != k || cov.cols != k { cov.reset(rows: k, cols: k) }
        centre(x, downsideSums: false)
        guard k > 0 else { return }
        guard n >= 2 else {
            cov.scale(by: 0)
            return
        }
        centred.values.withUnsafeBufferPointer { pc in
            cov.values.withUnsafeMutableBufferPointer { ps in
                cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, blasInt(k), blasInt(n), 1 / Double(n - 1),
                            pc.baseAddress, blasInt(centred.leadingDimension), 0, ps.baseAddress, blasInt(k))
                for j in 0..<k {
                    for i in 0..<j { ps[j + i * k] = ps[i + j * k] }
                }
            }
        }
    }

    /// A fresh covariance matrix (convenience over the buffer-taking form).
    public mutating func covariance(of x: Matrix) -> Matrix {
        var cov = Matrix(rows: x.cols, cols: x.cols)
        covariance(of: x, into: &cov)
        return cov
    }

    /// Correlation from a covariance matrix into `corr` (resized if needed):
    /// `ρᵢⱼ = Σᵢⱼ / sqrt(Σᵢᵢ Σⱼⱼ)`, clamped to [−1, 1], with `ρᵢᵢ = 1`. A series with zero variance
    /// has its whole row and column 0, its diagonal entry included.
    public static func correlation(fromCovariance cov: Matrix, into corr: inout Matrix) {
        precondition(cov.rows == cov.cols, "a covariance matrix is square")
        let k = cov.rows
        if corr.rows != k || corr.cols != k { corr.reset(rows: k, cols: k) }
        for j in 0..<k {
            let sj = cov[j, j] > 0 ? cov[j, j].squareRoot() : 0
            for i in 0..<k {
                let si = cov[i, i] > 0 ? cov[i, i].squareRoot() : 0
                let value: Double
                if si == 0 || sj == 0 {
                    value = 0
                } else if i == j {
                    value = 1
                } else {
                    value = min(1, max(-1, cov[i, j] / si / sj))
                }
                corr.values[i + j * k] = value
            }
        }
    }

    /// A fresh correlation matrix.
    public static func correlation(fromCovariance cov: Matrix) -> Matrix {
        var corr = Matrix(rows: cov.rows, cols: cov.cols)
        correlation(fromCovariance: cov, into: &corr)
        return corr
    }
}

extension ReturnStatistics {
    /// Simple returns of every column of an equity matrix (`n × k` → `(n − 1) × k`, or `0 × k` for
    /// fewer than 2 rows) into `returns` (resized if needed), by the rule of `simpleReturns(equity: [Double])` for one series.
    public static func simpleReturns(equity: Matrix, into returns: inout Matrix) {
        let n = equity.rows, k = equity.cols
        let m = max(0, n - 1)
        if returns.rows != m || returns.cols != k { returns.reset(rows: m, cols: k) }
        guard m > 0 else { return }
        equity.values.withUnsafeBufferPointer { pe in
            returns.values.withUnsafeMutableBufferPointer { pr in
                for j in 0..<k {
                    for i in 1..<n {
                        let prev = pe[(i - 1) + j * n]
                        pr[(i - 1) + j * m] = prev > 0 ? finite(pe[i + j * n] / prev - 1) : 0
                    }
                }
            }
        }
    }
}
