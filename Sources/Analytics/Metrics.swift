/// The performance metrics of one run, as `report.json` holds them under `metrics` (the JSON keys
/// are exactly these property names). Every value is finite; docs/metrics.md defines each one and
/// its edge cases.
public struct Metrics: Codable, Sendable, Equatable {
    /// Seconds in the year every annualisation uses: 365 days × 86 400 s = 31 536 000.
    public static let secondsPerYear: Double = 31_536_000

    /// How many sampling intervals of `intervalSeconds` make a year: `31 536 000 / intervalSeconds`.
    public static func periodsPerYear(intervalSeconds: Double) -> Double {
        precondition(intervalSeconds > 0 && intervalSeconds.isFinite, "sampling interval must be positive and finite")
        return secondsPerYear / intervalSeconds
    }

    public var totalReturn: Double
    public var cagr: Double
    public var volatility: Double
    public var sharpe: Double
    public var sortino: Double
    public var calmar: Double
    public var maxDrawdown: Double
    public var maxDrawdownDurationSeconds: Double
    public var winRate: Double
    public var profitFactor: Double
    public var expectancy: Double
    public var turnover: Double
    public var feesPaid: Double
    public var feesEarned: Double
    public var funding: Double
    public var fills: Int
    public var auctionsWon: Int

    public init(totalReturn: Double, cagr: Double, volatility: Double, sharpe: Double, sortino: Double,
                calmar: Double, maxDrawdown: Double, maxDrawdownDurationSeconds: Double, winRate: Double,
                profitFactor: Double, expectancy: Double, turnover: Double, feesPaid: Double,
                feesEarned: Double, funding: Double, fills: Int, auctionsWon: Int) {
        self.totalReturn = totalReturn
        self.cagr = cagr
        self.volatility = volatility
        self.sharpe = sharpe
        self.sortino = sortino
        self.calmar = calmar
        self.maxDrawdown = maxDrawdown
        self.maxDrawdownDurationSeconds = maxDrawdownDurationSeconds
        self.winRate = winRate
        self.profitFactor = profitFactor
        self.expectancy = expectancy
        self.turnover = turnover
        self.feesPaid = feesPaid
        self.feesEarned = feesEarned
        self.funding = funding
        self.fills = fills
        self.auctionsWon = auctionsWon
    }

    /// All the metrics of one run.
    /// - Parameters:
    ///   - equity: equity sampled every `intervalSeconds` (oldest first; finite).
    ///   - intervalSeconds: the sampling interval (`samplingIntervalSeconds` in `report.json`), > 0.
    ///   - closedTradePnL: the realised PnL of each closed trade, net of its fees.
    ///   - activity: the run's counters, carried as given (`tradedNotional` feeds `turnover`).
    public init(equity: [Double], intervalSeconds: Double, closedTradePnL: [Double], activity: TradingActivity) {
        let curve = EquityStatistics(equity: equity, intervalSeconds: intervalSeconds)
        let returns = ReturnStatistics(returns: ReturnStatistics.simpleReturns(equity: equity),
                                       periodsPerYear: Metrics.periodsPerYear(intervalSeconds: intervalSeconds))
        let trades = TradeStatistics(closedTradePnL: closedTradePnL)
        self.init(totalReturn: curve.totalReturn, cagr: curve.cagr,
                  volatility: returns.volatility, sharpe: returns.sharpe, sortino: returns.sortino,
                  calmar: curve.calmar, maxDrawdown: curve.maxDrawdown,
                  maxDrawdownDurationSeconds: curve.maxDrawdownDurationSeconds,
                  winRate: trades.winRate, profitFactor: trades.profitFactor, expectancy: trades.expectancy,
                  turnover: Metrics.turnover(tradedNotional: activity.tradedNotional, equity: equity),
                  feesPaid: finite(activity.feesPaid), feesEarned: finite(activity.feesEarned),
                  funding: finite(activity.funding), fills: activity.fills, auctionsWon: activity.auctionsWon)
    }

    /// Turnover: traded notional over the arithmetic mean of the equity samples (not annualised);
    /// 0 when there are no samples or the mean equity is ≤ 0.
    public static func turnover(tradedNotional: Double, equity: [Double]) -> Double {
        guard !equity.isEmpty else { return 0 }
        var sum = 0.0
        for e in equity { sum += e }
        let mean = sum / Double(equity.count)
        return mean > 0 ? finite(tradedNotional / mean) : 0
    }
}

/// The counters of a run that the metrics carry (fees, funding, fills, auctions) plus the traded
/// notional behind `turnover`. Signs are the caller's: docs/metrics.md states the convention.
public struct TradingActivity: Codable, Sendable, Equatable {
    /// Σ |notional| of the run's own fills (quote currency).
    public var tradedNotional: Double
    /// Fees the run paid (taker fees, positive maker fees): a non-negative amount.
    public var feesPaid: Double
    /// Fees the run earned (maker rebates and other fees received): a non-negative amount.
    public var feesEarned: Double
    /// Net funding: received positive, paid negative.
    public var funding: Double
    /// Number of the run's fills.
    public var fills: Int
    /// Number of JIT auctions in which the run's quote was filled.
    public var auctionsWon: Int

    public init(tradedNotional: Double = 0, feesPaid: Double = 0, feesEarned: Double = 0, funding: Double = 0,
                fills: Int = 0, auctionsWon: Int = 0) {
        self.tradedNotional = tradedNotional
        self.feesPaid = feesPaid
        self.feesEarned = feesEarned
        self.funding = funding
        self.fills = fills
        self.auctionsWon = auctionsWon
    }
}

/// The equity-curve metrics: total return, CAGR, max drawdown and its duration, Calmar.
public struct EquityStatistics: Sendable, Equatable {
    /// `last / first − 1`; 0 with fewer than 2 samples or `first ≤ 0`.
    public var totalReturn: Double
    /// `(last / first)^(31 536 000 / elapsed) − 1` with `elapsed = (n − 1) · interval`; 0 with fewer
    /// than 2 samples or `first ≤ 0`; −1 when `last ≤ 0`.
    public var cagr: Double
    /// `max_t (1 − e_t / max_{s≤t} e_s)`; a sample whose running peak is ≤ 0 contributes 0.
    public var maxDrawdown: Double
    /// The longest time from a running peak to the first later sample at or above it (or to the last
    /// sample when equity never gets back), in seconds.
    public var maxDrawdownDurationSeconds: Double
    /// `cagr / maxDrawdown`; 0 when `maxDrawdown` is 0.
    public var calmar: Double

    public init(equity: [Double], intervalSeconds: Double) {
        precondition(intervalSeconds > 0 && intervalSeconds.isFinite, "sampling interval must be positive and finite")
        precondition(equity.allSatisfy(\.isFinite), "equity samples must be finite")
        let n = equity.count
        guard n >= 2 else {
            self.totalReturn = 0
            self.cagr = 0
            self.maxDrawdown = 0
            self.maxDrawdownDurationSeconds = 0
            self.calmar = 0
            return
        }
        let first = equity[0], last = equity[n - 1]
        if first > 0 {
            totalReturn = finite(last / first - 1)
            if last > 0 {
                let elapsed = Double(n - 1) * intervalSeconds
                cagr = finite(power(last / first, Metrics.secondsPerYear / elapsed) - 1)
            } else {
                cagr = -1
            }
        } else {
            totalReturn = 0
            cagr = 0
        }
        var peak = first
        var peakIndex = 0
        var worst = 0.0
        var longest = 0
        for i in 1..<n {
            let e = equity[i]
            if e >= peak {
                // Every sample strictly between peakIndex and i was below the peak.
                if i - peakIndex >= 2 { longest = max(longest, i - peakIndex) }
                peak = e
                peakIndex = i
            } else if peak > 0 {
                worst = max(worst, 1 - e / peak)
            }
        }
        if peakIndex < n - 1 { longest = max(longest, n - 1 - peakIndex) }
        maxDrawdown = finite(worst)
        maxDrawdownDurationSeconds = finite(Double(longest) * intervalSeconds)
        calmar = maxDrawdown > 0 ? finite(cagr / maxDrawdown) : 0
    }
}

/// Statistics of a series of simple returns at a fixed interval (the scalar reference that the BLAS
/// batch in `BatchStatistics` reproduces for many series at once).
public struct ReturnStatistics: Sendable, Equatable {
    public var count: Int
    /// Arithmetic mean; 0 for no returns.
    public var mean: Double
    /// Sample standard deviation (divisor n − 1); 0 with fewer than 2 returns, and 0 when it is at
    /// most `zeroSpreadTolerance × max|r|` (rounding noise of a constant series, not spread).
    public var standardDeviation: Double
    /// `sqrt(Σ min(r_i, 0)² / n)` (target 0, every return counted in n); 0 for no returns, and 0 when
    /// it is at most `zeroSpreadTolerance × max|r|`.
    public var downsideDeviation: Double
    /// `standardDeviation · sqrt(periodsPerYear)`.
    public var volatility: Double
    /// `mean / standardDeviation · sqrt(periodsPerYear)` (zero risk-free rate); 0 with fewer than 2
    /// returns or a zero standard deviation.
    public var sharpe: Double
    /// `mean / downsideDeviation · sqrt(periodsPerYear)`; 0 with fewer than 2 returns or no negative
    /// return.
    public var sortino: Double

    /// Simple returns of an equity curve: `r_i = e_i / e_{i−1} − 1` for `i = 1…n−1`, with `r_i = 0`
    /// when `e_{i−1} ≤ 0` (no capital, no return); a return that overflows (a tiny positive previous
    /// sample) is clamped by the finite rule. Fewer than 2 samples give no returns.
    public static func simpleReturns(equity: [Double]) -> [Double] {
        guard equity.count >= 2 else { return [] }
        var out = [Double](repeating: 0, count: equity.count - 1)
        for i in 1..<equity.count {
            let prev = equity[i - 1]
            out[i - 1] = prev > 0 ? finite(equity[i] / prev - 1) : 0
        }
        return out
    }

    /// The relative size below which a standard or downside deviation counts as zero:
    /// `1e-9 × max_i |r_i|`. A series of equal returns (e.g. steady geometric growth) computes a
    /// deviation of rounding noise, ~1e-16 of its values, which would otherwise give a Sharpe ratio
    /// of ~1e14; no real return series has a spread a billion times smaller than its largest value.
    public static let zeroSpreadTolerance = 1e-9

    public init(returns: [Double], periodsPerYear: Double) {
        precondition(periodsPerYear > 0 && periodsPerYear.isFinite, "periods per year must be positive and finite")
        precondition(returns.allSatisfy(\.isFinite), "returns must be finite")
        let n = returns.count
        count = n
        guard n > 0 else {
            mean = 0; standardDeviation = 0; downsideDeviation = 0; volatility = 0; sharpe = 0; sortino = 0
            return
        }
        var sum = 0.0
        var downside = 0.0
        var largest = 0.0
        for r in returns {
            sum += r
            if r < 0 { downside += r * r }
            largest = max(largest, abs(r))
        }
        let noise = Self.zeroSpreadTolerance * largest
        let m = sum / Double(n)
        var squares = 0.0
        for r in returns {
            let d = r - m
            squares += d * d
        }
        let annualiser = periodsPerYear.squareRoot()
        var sd = n >= 2 ? (squares / Double(n - 1)).squareRoot() : 0
        var dd = (downside / Double(n)).squareRoot()
        if sd <= noise { sd = 0 }
        if dd <= noise { dd = 0 }
        mean = finite(m)
        standardDeviation = finite(sd)
        downsideDeviation = finite(dd)
        volatility = finite(sd * annualiser)
        sharpe = n >= 2 && sd > 0 ? finite(m / sd * annualiser) : 0
        sortino = n >= 2 && dd > 0 ? finite(m / dd * annualiser) : 0
    }
}

/// Closed-trade statistics.
public struct TradeStatistics: Sendable, Equatable {
    public var count: Int
    /// Trades with PnL > 0.
    public var wins: Int
    /// Trades with PnL < 0 (a zero-PnL trade is neither).
    public var losses: Int
    /// Σ of the positive PnLs.
    public var grossProfit: Double
    /// −Σ of the negative PnLs (a non-negative number).
    public var grossLoss: Double
    /// `wins / count`; 0 with no trades.
    public var winRate: Double
    /// `grossProfit / grossLoss`; 0 when `grossLoss` is 0 (no losing trade).
    public var profitFactor: Double
    /// Mean PnL per closed trade; 0 with no trades.
    public var expectancy: Double

    public init(closedTradePnL pnl: [Double]) {
        precondition(pnl.allSatisfy(\.isFinite), "trade PnLs must be finite")
        count = pnl.count
        var w = 0, l = 0, gp = 0.0, gl = 0.0
        for p in pnl {
            if p > 0 { w += 1; gp += p } else if p < 0 { l += 1; gl -= p }
        }
        wins = w
        losses = l
        grossProfit = finite(gp)
        grossLoss = finite(gl)
        winRate = count > 0 ? Double(w) / Double(count) : 0
        profitFactor = gl > 0 ? finite(gp / gl) : 0
        expectancy = count > 0 ? finite((gp - gl) / Double(count)) : 0
    }
}

/// Inventory (signed position, base units) sampled at the equity interval.
public struct InventoryStatistics: Sendable, Equatable, Codable {
    /// Mean signed inventory; 0 for no samples (as are all the fields).
    public var mean: Double
    /// Mean of |inventory|.
    public var meanAbsolute: Double
    /// Largest |inventory|.
    public var maxAbsolute: Double
    /// Smallest (most short) and largest (most long) inventory.
    public var minimum: Double
    public var maximum: Double

    public init(samples: [Double]) {
        precondition(samples.allSatisfy(\.isFinite), "inventory samples must be finite")
        guard let first = samples.first else {
            mean = 0; meanAbsolute = 0; maxAbsolute = 0; minimum = 0; maximum = 0
            return
        }
        var sum = 0.0, sumAbs = 0.0, lo = first, hi = first
        for s in samples {
            sum += s
            sumAbs += abs(s)
            lo = min(lo, s)
            hi = max(hi, s)
        }
        mean = finite(sum / Double(samples.count))
        meanAbsolute = finite(sumAbs / Double(samples.count))
        minimum = lo
        maximum = hi
        maxAbsolute = max(abs(lo), abs(hi))
    }
}
