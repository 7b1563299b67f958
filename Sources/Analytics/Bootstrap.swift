import CBLAS

/// SplitMix64 (Steele, Lea, Flood 2014; Vigna's reference `splitmix64.c`): a 64-bit state advanced
/// by 0x9E3779B97F4A7C15 and mixed. Implemented here, not taken from the standard library, so a
/// seed gives the same resamples on every platform and Swift version.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` by Lemire's multiply-and-reject method (unbiased): the high
    /// word of `x · bound`, redrawing `x` while the low word is below `2⁶⁴ mod bound`.
    @inlinable
    public mutating func next(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        var (high, low) = next().multipliedFullWidth(by: b)
        if low < b {
            let threshold = (0 &- b) % b
            while low < threshold {
                (high, low) = next().multipliedFullWidth(by: b)
            }
        }
        return Int(high)
    }
}

/// A point estimate and its percentile bootstrap interval.
public struct BootstrapInterval: Sendable, Equatable, Codable {
    /// The statistic on the original sample.
    public var estimate: Double
    /// The `(1 − level)/2` and `(1 + level)/2` quantiles of the resampled statistic.
    public var lower: Double
    public var upper: Double
    /// The confidence level, e.g. 0.95.
    public var level: Double

    public init(estimate: Double, lower: Double, upper: Double, level: Double) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
        self.level = level
    }
}

/// One series' bootstrap intervals for its mean return (per period) and its Sharpe ratio
/// (annualised by the `periodsPerYear` the kernel ran with).
public struct BootstrapSummary: Sendable, Equatable, Codable {
    public var mean: BootstrapInterval
    public var sharpe: BootstrapInterval

    public init(mean: BootstrapInterval, sharpe: BootstrapInterval) {
        self.mean = mean
        self.sharpe = sharpe
    }
}

/// The bootstrap of mean return and Sharpe ratio for `k` series of `n` returns, `B` resamples:
///
/// - `weights` is `n × B`: column `b` holds how often each of the `n` returns is drawn in resample
///   `b` (n draws with replacement, so each column sums to n);
/// - the returns are centred, `C = R − 1·μᵀ`, and put beside their squares: `A = [C | C∘C]` (`n × 2k`);
/// - one `cblas_dgemm`, `M = Wᵀ·A / n` (`B × 2k`), gives every resample's first and second
///   centred moments of every series;
/// - resample `b`'s mean is `μⱼ + M[b, j]`, its sample variance
///   `max(0, M[b, k+j] − M[b, j]²) · n/(n − 1)`, and its Sharpe `mean / sd · sqrt(periodsPerYear)`
///   (0 when n < 2 or sd ≤ `ReturnStatistics.zeroSpreadTolerance` × the series' largest |r|) —
///   the same definitions as `ReturnStatistics`.
///
/// Centring first keeps the second-moment difference free of the cancellation a raw `E[r²] − E[r]²`
/// suffers when the mean is large against the spread. All buffers live in the kernel, so repeated
/// `run` calls on one shape allocate nothing.
public struct BootstrapKernel: Sendable {
    public let resamples: Int
    public let rows: Int
    public let cols: Int
    /// `rows × resamples`: resample counts, column per resample.
    public private(set) var weights: Matrix
    /// `resamples × cols`: each resample's mean return (per period).
    public private(set) var means: Matrix
    /// `resamples × cols`: each resample's Sharpe ratio (annualised).
    public private(set) var sharpes: Matrix
    /// The original sample's mean and Sharpe per series (the interval estimates).
    public private(set) var estimateMean: [Double]
    public private(set) var estimateSharpe: [Double]
    private var augmented: Matrix
    private var moments: Matrix
    private var noiseFloor: [Double]

    public init(resamples: Int, rows: Int, cols: Int) {
        precondition(resamples >= 1, "at least one resample")
        precondition(rows >= 0 && cols >= 0, "dimensions must be non-negative")
        self.resamples = resamples
        self.rows = rows
        self.cols = cols
        weights = Matrix(rows: rows, cols: resamples)
        means = Matrix(rows: resamples, cols: cols)
        sharpes = Matrix(rows: resamples, cols: cols)
        estimateMean = [Double](repeating: 0, count: cols)
        estimateSharpe = [Double](repeating: 0, count: cols)
        augmented = Matrix(rows: rows, cols: 2 * cols)
        moments = Matrix(rows: resamples, cols: 2 * cols)
        noiseFloor = [Double](repeating: 0, count: cols)
    }

    /// Floating-point operations of `run`'s matrix product, as a benchmark counts them:
    /// `2 · B · n · 2k` (the centring and finishing passes, O(nk + Bk), are not counted).
    public static func flops(resamples: Int, rows: Int, cols: Int) -> Double {
        BLAS.dgemmFlops(m: resamples, n: 2 * cols, k: rows)
    }

    /// Draws the resample counts from `SplitMix64(seed:)`: for resample b = 0, 1, …, n draws of
    /// `next(below: n)`, each adding 1 to that row of column b. The same seed gives the same weights.
    public mutating func drawWeights(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let n = rows
        guard n > 0 else { return }
        weights.withUnsafeMutableBufferPointer { pw in
            for b in 0..<resamples {
                let base = b * n
                for i in base..<(base + n) { pw[i] = 0 }
                for _ in 0..<n { pw[base + rng.next(below: n)] += 1 }
            }
        }
    }

    /// Uses the given `rows × resamples` weights instead of drawn ones (any non-negative counts; the
    /// moments are still divided by n, so each column should sum to n).
    public mutating func setWeights(_ w: Matrix) {
        precondition(w.rows == rows && w.cols == resamples, "weights must be \(rows)×\(resamples)")
        weights = w
    }

    /// Every resample's mean and Sharpe of every column of `returns` (`rows × cols`) into `means` and
    /// `sharpes`, and the original sample's into `estimateMean` / `estimateSharpe`.
    public mutating func run(returns: Matrix, periodsPerYear: Double) {
        precondition(returns.rows == rows && returns.cols == cols, "returns must be \(rows)×\(cols)")
        precondition(periodsPerYear > 0 && periodsPerYear.isFinite, "periods per year must be positive and finite")
        let n = rows, k = cols, bCount = resamples
        guard k > 0 else { return }
        guard n > 0 else {
            means.scale(by: 0)
            sharpes.scale(by: 0)
            for j in 0..<k { estimateMean[j] = 0; estimateSharpe[j] = 0 }
            return
        }
        let annualiser = periodsPerYear.squareRoot()
        let correction = n >= 2 ? Double(n) / Double(n - 1) : 0
        // A = [C | C∘C] and the original sample's statistics.
        returns.values.withUnsafeBufferPointer { pr in
            augmented.withUnsafeMutableBufferPointer { pa in
                for j in 0..<k {
                    let base = j * n
                    var sum = 0.0
                    for i in base..<(base + n) { sum += pr[i] }
                    let mu = sum / Double(n)
                    var ss = 0.0
                    let sq = (k + j) * n
                    for i in 0..<n {
                        let c = pr[base + i] - mu
                        pa[base + i] = c
                        pa[sq + i] = c * c
                        ss += c * c
                    }
                    var sd = n >= 2 ? (ss / Double(n - 1)).squareRoot() : 0
                    var largest = 0.0
                    for i in base..<(base + n) { largest = max(largest, abs(pr[i])) }
                    let noise = ReturnStatistics.zeroSpreadTolerance * largest
                    noiseFloor[j] = noise
                    if sd <= noise { sd = 0 }
                    estimateMean[j] = finite(mu)
                    estimateSharpe[j] = sd > 0 ? finite(mu / sd * annualiser) : 0
                }
            }
        }
        // M = Wᵀ · A / n: every resample's centred first and second moments in one product.
        weights.values.withUnsafeBufferPointer { pw in
            augmented.values.withUnsafeBufferPointer { pa in
                moments.withUnsafeMutableBufferPointer { pm in
                    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans,
                                blasInt(bCount), blasInt(2 * k), blasInt(n), 1 / Double(n),
                                pw.baseAddress, blasInt(n), pa.baseAddress, blasInt(n), 0,
                                pm.baseAddress, blasInt(bCount))
                }
            }
        }
        moments.values.withUnsafeBufferPointer { pm in
            means.withUnsafeMutableBufferPointer { pmean in
                sharpes.withUnsafeMutableBufferPointer { ps in
                    for j in 0..<k {
                        let mu = estimateMean[j]
                        let noise = noiseFloor[j]
                        let first = j * bCount, second = (k + j) * bCount
                        for b in 0..<bCount {
                            let m1 = pm[first + b]
                            let mean = mu + m1
                            let variance = max(0, pm[second + b] - m1 * m1) * correction
                            var sd = variance.squareRoot()
                            if sd <= noise { sd = 0 }
                            pmean[first + b] = finite(mean)
                            ps[first + b] = sd > 0 ? finite(mean / sd * annualiser) : 0
                        }
                    }
                }
            }
        }
    }

    /// Percentile intervals at `level` (e.g. 0.95) for every series, from the last `run`: the
    /// `(1 − level)/2` and `(1 + level)/2` quantiles (`BootstrapKernel.quantile(sorted:_:)`, linear interpolation)
    /// of the resampled means and Sharpe ratios.
    public func intervals(level: Double) -> [BootstrapSummary] {
        precondition(level > 0 && level < 1, "confidence level must be in (0, 1)")
        let pLow = (1 - level) / 2, pHigh = (1 + level) / 2
        var scratch = [Double](repeating: 0, count: resamples)
        var out: [BootstrapSummary] = []
        out.reserveCapacity(cols)
        func interval(_ m: Matrix, _ j: Int, _ estimate: Double) -> BootstrapInterval {
            for b in 0..<resamples { scratch[b] = m.values[b + j * resamples] }
            scratch.sort()
            return BootstrapInterval(estimate: estimate, lower: BootstrapKernel.quantile(sorted: scratch, pLow),
                                     upper: BootstrapKernel.quantile(sorted: scratch, pHigh), level: level)
        }
        for j in 0..<cols {
            out.append(BootstrapSummary(mean: interval(means, j, estimateMean[j]),
                                        sharpe: interval(sharpes, j, estimateSharpe[j])))
        }
        return out
    }
}

extension BootstrapKernel {
    /// The `p`-quantile (0 ≤ p ≤ 1) of ascending `sorted` values by linear interpolation between
    /// closest ranks (Hyndman–Fan type 7, numpy's default): `h = (m − 1)·p`, result
    /// `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋])`. 0 for no values.
    public static func quantile(sorted: some RandomAccessCollection<Double>, _ p: Double) -> Double {
        precondition(p >= 0 && p <= 1, "quantile level must be in [0, 1]")
        let m = sorted.count
        guard m > 0 else { return 0 }
        let h = Double(m - 1) * p
        let lo = min(Int(h), m - 1)
        let hi = min(lo + 1, m - 1)
        let xlo = sorted[sorted.index(sorted.startIndex, offsetBy: lo)]
        let xhi = sorted[sorted.index(sorted.startIndex, offsetBy: hi)]
        return xlo + (h - Double(lo)) * (xhi - xlo)
    }

    /// Percentile bootstrap intervals for the mean return and Sharpe ratio of every column of `returns`
    /// (`resamples` resamples drawn from `seed`; `BootstrapKernel` explains the computation).
    public static func intervals(returns: Matrix, resamples: Int, seed: UInt64, level: Double = 0.95,
                          periodsPerYear: Double) -> [BootstrapSummary] {
        var kernel = BootstrapKernel(resamples: resamples, rows: returns.rows, cols: returns.cols)
        kernel.drawWeights(seed: seed)
        kernel.run(returns: returns, periodsPerYear: periodsPerYear)
        return kernel.intervals(level: level)
    }
}
