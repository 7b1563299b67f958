import Analytics
import Foundation
import Testing

/// The scalar metrics on hand-computed examples and their edge cases (docs/metrics.md).
/// Tolerance: 1e-12 relative unless stated.
@Suite struct MetricsTests {
    // Equity 100 → 110 → 99 → 121 sampled every 10 512 000 s (121⅔ days), so 3 intervals are exactly
    // one 365-day year and periodsPerYear = 31 536 000 / 10 512 000 = 3.
    static let equity: [Double] = [100, 110, 99, 121]
    static let interval = 10_512_000.0

    @Test func handExampleEquityCurve() {
        let s = EquityStatistics(equity: Self.equity, intervalSeconds: Self.interval)
        // total return = 121/100 − 1 = 0.21; elapsed = 3 × 10 512 000 = 31 536 000 s = 1 year,
        // so CAGR = 1.21^1 − 1 = 0.21.
        #expect(close(s.totalReturn, 0.21))
        #expect(close(s.cagr, 0.21))
        // running peaks 100, 110, 110, 121: drawdowns 0, 0, 1 − 99/110 = 0.1, 0 → max 0.1.
        #expect(close(s.maxDrawdown, 0.1))
        // peak 110 at t1 is regained at t3 (121 ≥ 110): 2 intervals = 21 024 000 s.
        #expect(s.maxDrawdownDurationSeconds == 21_024_000)
        // Calmar = 0.21 / 0.1 = 2.1.
        #expect(close(s.calmar, 2.1))
    }

    @Test func handExampleReturns() {
        let r = ReturnStatistics.simpleReturns(equity: Self.equity)
        // 110/100 − 1 = 1/10, 99/110 − 1 = −1/10, 121/99 − 1 = 2/9.
        #expect(r.count == 3)
        #expect(close(r[0], 0.1) && close(r[1], -0.1) && close(r[2], 2.0 / 9))
        let s = ReturnStatistics(returns: r, periodsPerYear: 3)
        // mean = (1/10 − 1/10 + 2/9)/3 = 2/27.
        #expect(close(s.mean, 2.0 / 27))
        // deviations 7/270, −47/270, 40/270; Σ² = (49 + 2209 + 1600)/72 900 = 3858/72 900;
        // variance = Σ²/2 = 1929/72 900, sd = √1929 / 270 ≈ 0.162668.
        let sd = 1929.0.squareRoot() / 270
        #expect(close(s.standardDeviation, sd))
        // volatility = sd · √3 ≈ 0.281749.
        #expect(close(s.volatility, sd * 3.0.squareRoot()))
        #expect(close(s.volatility, 0.2817493851801326))
        // Sharpe = (2/27)/(√1929/270) · √3 = 20/√1929 · √3 ≈ 0.788723.
        #expect(close(s.sharpe, 20 / 1929.0.squareRoot() * 3.0.squareRoot()))
        #expect(close(s.sharpe, 0.7887230067250989))
        // downside deviation = √((−1/10)²/3) = 1/√300; Sortino = (2/27)·√300·√3 = (2/27)·30 = 20/9.
        #expect(close(s.downsideDeviation, 1 / 300.0.squareRoot()))
        #expect(close(s.sortino, 20.0 / 9))
    }

    @Test func dailySamplingAnnualisesByTheDayCount() {
        // The same curve sampled daily: 3 days elapsed, CAGR = 1.21^(365/3) − 1 ≈ 1.18092e10;
        // volatility and Sharpe scale by √365 instead of √3.
        let m = Metrics(equity: Self.equity, intervalSeconds: 86_400, closedTradePnL: [], activity: TradingActivity())
        #expect(close(m.cagr, pow(1.21, 365.0 / 3) - 1, relative: 1e-10))
        #expect(close(m.cagr, 11_809_188_505.447784, relative: 1e-10))
        #expect(close(m.volatility, 1929.0.squareRoot() / 270 * 365.0.squareRoot()))
        #expect(close(m.sharpe, 20 / 1929.0.squareRoot() * 365.0.squareRoot()))
        #expect(close(m.sortino, 2.0 / 27 * 300.0.squareRoot() * 365.0.squareRoot()))
        #expect(close(m.calmar, m.cagr / 0.1, relative: 1e-10))
        #expect(m.maxDrawdownDurationSeconds == 2 * 86_400)
    }

    @Test func trades() {
        // PnLs 10, −5, 0, 20, −15: wins 10 and 20 (the zero trade is neither), losses −5 and −15.
        let t = TradeStatistics(closedTradePnL: [10, -5, 0, 20, -15])
        #expect(t.count == 5 && t.wins == 2 && t.losses == 2)
        #expect(t.grossProfit == 30 && t.grossLoss == 20)
        #expect(t.winRate == 0.4)          // 2 / 5
        #expect(t.profitFactor == 1.5)     // 30 / 20
        #expect(t.expectancy == 2)         // (10 − 5 + 0 + 20 − 15) / 5
    }

    @Test func tradeEdgeCases() {
        let none = TradeStatistics(closedTradePnL: [])
        #expect(none.winRate == 0 && none.profitFactor == 0 && none.expectancy == 0)
        // No losing trade: the profit factor's denominator is 0, so it is 0 (the stated rule).
        let allWins = TradeStatistics(closedTradePnL: [1, 2])
        #expect(allWins.winRate == 1 && allWins.profitFactor == 0 && allWins.expectancy == 1.5)
        let allLosses = TradeStatistics(closedTradePnL: [-1, -3])
        #expect(allLosses.winRate == 0 && allLosses.profitFactor == 0 && allLosses.expectancy == -2)
        let flat = TradeStatistics(closedTradePnL: [0, 0])
        #expect(flat.winRate == 0 && flat.profitFactor == 0 && flat.expectancy == 0)
    }

    @Test func fullMetricsAndCounters() {
        let activity = TradingActivity(tradedNotional: 857.5, feesPaid: 1.25, feesEarned: 0.5, funding: -0.75,
                                       fills: 12, auctionsWon: 3)
        let m = Metrics(equity: Self.equity, intervalSeconds: Self.interval, closedTradePnL: [10, -5, 0, 20, -15],
                        activity: activity)
        #expect(close(m.totalReturn, 0.21) && close(m.cagr, 0.21) && close(m.calmar, 2.1))
        #expect(close(m.maxDrawdown, 0.1) && m.maxDrawdownDurationSeconds == 21_024_000)
        #expect(close(m.sharpe, 0.7887230067250989) && close(m.sortino, 20.0 / 9))
        #expect(m.winRate == 0.4 && m.profitFactor == 1.5 && m.expectancy == 2)
        // mean equity = (100 + 110 + 99 + 121)/4 = 107.5; turnover = 857.5 / 107.5 = 7.976744…
        #expect(close(m.turnover, 857.5 / 107.5))
        #expect(m.feesPaid == 1.25 && m.feesEarned == 0.5 && m.funding == -0.75)
        #expect(m.fills == 12 && m.auctionsWon == 3)
    }

    @Test func jsonKeysAreExactlyTheReportNames() throws {
        let m = Metrics(equity: Self.equity, intervalSeconds: Self.interval, closedTradePnL: [1, -1],
                        activity: TradingActivity(fills: 2))
        let data = try JSONEncoder().encode(m)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let expected: Set<String> = [
            "totalReturn", "cagr", "volatility", "sharpe", "sortino", "calmar", "maxDrawdown",
            "maxDrawdownDurationSeconds", "winRate", "profitFactor", "expectancy", "turnover", "feesPaid",
            "feesEarned", "funding", "fills", "auctionsWon",
        ]
        #expect(Set(object.keys) == expected)
        #expect(object["fills"] as? Int == 2)
        #expect(try JSONDecoder().decode(Metrics.self, from: data) == m)
    }

    @Test func fewerThanTwoSamples() {
        for equity in [[Double](), [100]] {
            let m = Metrics(equity: equity, intervalSeconds: 60, closedTradePnL: [], activity: TradingActivity())
            #expect(m.totalReturn == 0 && m.cagr == 0 && m.volatility == 0 && m.sharpe == 0 && m.sortino == 0)
            #expect(m.calmar == 0 && m.maxDrawdown == 0 && m.maxDrawdownDurationSeconds == 0)
        }
        // One sample: turnover still uses its mean equity (200 / 100).
        #expect(Metrics.turnover(tradedNotional: 200, equity: [100]) == 2)
        #expect(Metrics.turnover(tradedNotional: 200, equity: []) == 0)
        #expect(Metrics.turnover(tradedNotional: 200, equity: [0, 0]) == 0)
    }

    @Test func oneReturnHasNoDispersion() {
        // Two samples, one return of 0.1: mean 0.1, but sd, Sharpe, Sortino need 2 returns → 0.
        let s = ReturnStatistics(returns: [0.1], periodsPerYear: 365)
        #expect(s.mean == 0.1 && s.standardDeviation == 0 && s.volatility == 0 && s.sharpe == 0 && s.sortino == 0)
        let e = EquityStatistics(equity: [100, 110], intervalSeconds: 86_400 * 365)
        #expect(close(e.totalReturn, 0.1) && close(e.cagr, 0.1) && e.maxDrawdown == 0 && e.calmar == 0)
    }

    @Test func flatEquity() {
        let m = Metrics(equity: [100, 100, 100, 100], intervalSeconds: 3600, closedTradePnL: [],
                        activity: TradingActivity())
        #expect(m.totalReturn == 0 && m.cagr == 0 && m.volatility == 0)
        #expect(m.sharpe == 0 && m.sortino == 0)  // zero standard / downside deviation → 0
        #expect(m.maxDrawdown == 0 && m.maxDrawdownDurationSeconds == 0 && m.calmar == 0)
    }

    @Test func equalReturnsHaveZeroSpreadNotANoiseSharpe() {
        // 257 returns of exactly 0.002: the summed mean is 0.002 + 1.3e-18 (rounding), so every
        // deviation is ~1e-18 and the computed sd ~1e-18 would give a Sharpe of ~1e15. The
        // zero-spread rule (sd ≤ 1e-9 × max|r|) reports sd 0, volatility 0 and Sharpe 0.
        let r = [Double](repeating: 0.002, count: 257)
        var sum = 0.0
        for v in r { sum += v }
        #expect(sum / 257 != 0.002)  // the rounding really happens
        let s = ReturnStatistics(returns: r, periodsPerYear: 365)
        #expect(s.standardDeviation == 0 && s.volatility == 0 && s.sharpe == 0 && s.sortino == 0)
        #expect(close(s.mean, 0.002))
    }

    @Test func risingEquityHasNoDrawdownAndNoSortino() {
        let e = EquityStatistics(equity: [100, 101, 103, 106], intervalSeconds: 60)
        #expect(e.maxDrawdown == 0 && e.maxDrawdownDurationSeconds == 0 && e.calmar == 0)
        let r = ReturnStatistics(returns: ReturnStatistics.simpleReturns(equity: [100, 101, 103, 106]), periodsPerYear: 1)
        #expect(r.sharpe > 0 && r.downsideDeviation == 0 && r.sortino == 0)
    }

    @Test func drawdownDurationIsTheLongestUnderwaterStretch() {
        // 100, 90, 100 | 105, 104, 103, 102, 106: the deepest drawdown is the first (10%, 2 intervals),
        // the longest is the second (peak 105 at t3, regained at t7: 4 intervals).
        let e = EquityStatistics(equity: [100, 90, 100, 105, 104, 103, 102, 106], intervalSeconds: 10)
        #expect(close(e.maxDrawdown, 0.1))
        #expect(e.maxDrawdownDurationSeconds == 40)
        // Equal to the peak counts as regained: 100, 95, 100, 95 → 0→2 (2 intervals), then 2→end (1).
        let f = EquityStatistics(equity: [100, 95, 100, 95], intervalSeconds: 1)
        #expect(f.maxDrawdownDurationSeconds == 2 && close(f.maxDrawdown, 0.05))
    }

    @Test func drawdownNeverRegainedRunsToTheEnd() {
        // Peak 100 at t0, never regained: 2 intervals; drawdown 1 − 80/100 = 0.2.
        let e = EquityStatistics(equity: [100, 90, 80], intervalSeconds: 5)
        #expect(close(e.maxDrawdown, 0.2) && e.maxDrawdownDurationSeconds == 10)
        // total return −0.2 over 10 s: CAGR = 0.8^(3 153 600) − 1 underflows to −1.
        #expect(e.cagr == -1)
        #expect(close(e.calmar, -5))
    }

    @Test func nonPositiveEquity() {
        // Wiped out: last equity 0 → total return −1, CAGR −1, drawdown 1; the return after a zero
        // sample is 0 (no capital, no return).
        let e = EquityStatistics(equity: [100, 50, 0, 0], intervalSeconds: 86_400)
        #expect(e.totalReturn == -1 && e.cagr == -1 && e.maxDrawdown == 1)
        #expect(ReturnStatistics.simpleReturns(equity: [100, 50, 0, 0]) == [-0.5, -1, 0])
        // A first sample ≤ 0 has no return base: total return and CAGR 0; a running peak ≤ 0 has no drawdown.
        let z = EquityStatistics(equity: [0, -5, 10], intervalSeconds: 86_400)
        #expect(z.totalReturn == 0 && z.cagr == 0 && z.maxDrawdown == 0)
        #expect(ReturnStatistics.simpleReturns(equity: [0, -5, 10]) == [0, 0])
        // A tiny positive sample: 100 / 5e-324 overflows; the return is clamped, not infinite.
        #expect(ReturnStatistics.simpleReturns(equity: [.leastNonzeroMagnitude, 100]) == [.greatestFiniteMagnitude])
    }

    @Test func overflowingMetricsStayFinite() throws {
        // Doubling in one second annualises to 2^31 536 000: reported as the largest finite Double.
        let m = Metrics(equity: [100, 200], intervalSeconds: 1, closedTradePnL: [], activity: TradingActivity())
        #expect(m.cagr == .greatestFiniteMagnitude)
        #expect(m.calmar == 0)  // no drawdown
        // A drawdown too: Calmar = huge / 0.5 overflows as well and is clamped.
        let d = Metrics(equity: [100, 50, 400], intervalSeconds: 1, closedTradePnL: [], activity: TradingActivity())
        #expect(d.cagr == .greatestFiniteMagnitude && d.calmar == .greatestFiniteMagnitude)
        _ = try JSONEncoder().encode(d)  // finite, so it encodes
    }

    @Test func inventory() {
        // samples 1, −3, 2: mean 0, mean |x| = 2, min −3, max 2, max |x| = 3.
        let s = InventoryStatistics(samples: [1, -3, 2])
        #expect(s.mean == 0 && s.meanAbsolute == 2 && s.minimum == -3 && s.maximum == 2 && s.maxAbsolute == 3)
        let e = InventoryStatistics(samples: [])
        #expect(e.mean == 0 && e.maxAbsolute == 0)
    }

    @Test func periodsPerYearUsesA365DayYear() {
        #expect(Metrics.secondsPerYear == 31_536_000)
        #expect(Metrics.periodsPerYear(intervalSeconds: 86_400) == 365)
        #expect(Metrics.periodsPerYear(intervalSeconds: 3600) == 8760)
    }
}
