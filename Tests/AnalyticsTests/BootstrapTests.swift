import Analytics
import Testing

/// The bootstrap: its generator, its weights, the one-dgemm moments against plain loops over the
/// explicit resamples, the percentile rule, and a hand-computed interval.
@Suite struct BootstrapTests {
    @Test func splitMix64KnownAnswers() {
        // Vigna's splitmix64.c reference outputs.
        var a = SplitMix64(seed: 0)
        #expect(a.next() == 0xE220_A839_7B1D_CDAF && a.next() == 0x6E78_9E6A_A1B9_65F4 && a.next() == 0x06C4_5D18_8009_454F)
        var b = SplitMix64(seed: 1_234_567)
        #expect(b.next() == 6_457_827_717_110_365_317 && b.next() == 3_203_168_211_198_807_973
                && b.next() == 9_817_491_932_198_370_423)
    }

    @Test func boundedDrawsStayInRangeAndCoverIt() {
        var rng = SplitMix64(seed: 42)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[rng.next(below: 7)] += 1 }
        // 10 000 expected each; 5σ ≈ 460.
        #expect(counts.allSatisfy { abs($0 - 10_000) < 460 })
        #expect(rng.next(below: 1) == 0)
    }

    @Test(arguments: [1, 2, 7, 257])
    func weightsAreCountsThatSumToN(rows: Int) {
        var k = BootstrapKernel(resamples: 33, rows: rows, cols: 1)
        k.drawWeights(seed: 7)
        for b in 0..<33 {
            let column = col(k.weights, b)
            #expect(column.reduce(0, +) == Double(rows))
            #expect(column.allSatisfy { $0 >= 0 && $0 == $0.rounded() })
        }
        var same = BootstrapKernel(resamples: 33, rows: rows, cols: 1)
        same.drawWeights(seed: 7)
        #expect(same.weights == k.weights)
        if rows >= 7 {
            var other = BootstrapKernel(resamples: 33, rows: rows, cols: 1)
            other.drawWeights(seed: 8)
            #expect(other.weights != k.weights)
        }
    }

    @Test(arguments: [1, 2, 7, 257], [1, 3, 5])
    func resampleMomentsMatchExplicitResamples(rows: Int, cols: Int) {
        let returns = randomReturns(rows: rows, cols: cols, seed: 99 + UInt64(rows * cols))
        let resamples = 41
        let ppy = 365.0
        var k = BootstrapKernel(resamples: resamples, rows: rows, cols: cols)
        k.drawWeights(seed: UInt64(rows))
        k.run(returns: returns, periodsPerYear: ppy)
        for j in 0..<cols {
            let r = col(returns, j)
            let scale = r.map(abs).max() ?? 0
            // The original sample's estimates.
            let original = ReturnStatistics(returns: r, periodsPerYear: ppy)
            #expect(close(k.estimateMean[j], original.mean, absolute: 1e-13 * scale))
            #expect(close(k.estimateSharpe[j], original.sharpe, relative: 1e-10, absolute: 1e-12))
            for b in 0..<resamples {
                // Scalar model: expand resample b (return i repeated w_ib times), then two-pass
                // mean and sample sd of that list.
                var sample: [Double] = []
                for i in 0..<rows { sample += repeatElement(r[i], count: Int(k.weights[i, b])) }
                #expect(sample.count == rows)
                var s = 0.0
                for v in sample { s += v }
                let m = s / Double(rows)
                var ss = 0.0
                for v in sample { ss += (v - m) * (v - m) }
                var sd = rows >= 2 ? (ss / Double(rows - 1)).squareRoot() : 0
                if sd <= 1e-9 * scale { sd = 0 }  // the zero-spread rule (a resample of one repeated value)
                let sharpe = sd > 0 ? m / sd * ppy.squareRoot() : 0
                #expect(close(k.means[b, j], m, absolute: 1e-13 * scale), "mean b=\(b) j=\(j)")
                #expect(close(k.sharpes[b, j], sharpe, relative: 1e-9), "sharpe b=\(b) j=\(j)")
            }
        }
    }

    @Test func sameSeedSameIntervals() {
        let returns = randomReturns(rows: 257, cols: 3, seed: 5)
        let a = BootstrapKernel.intervals(returns: returns, resamples: 500, seed: 11, level: 0.9, periodsPerYear: 365)
        let b = BootstrapKernel.intervals(returns: returns, resamples: 500, seed: 11, level: 0.9, periodsPerYear: 365)
        #expect(a == b)
        for s in a {
            #expect(s.mean.lower <= s.mean.upper && s.sharpe.lower <= s.sharpe.upper && s.mean.level == 0.9)
            // 257 returns, 500 resamples: the original estimate lies inside its 90% interval.
            #expect(s.mean.lower <= s.mean.estimate && s.mean.estimate <= s.mean.upper)
            #expect(s.sharpe.lower <= s.sharpe.estimate && s.sharpe.estimate <= s.sharpe.upper)
        }
    }

    @Test func quantileInterpolatesBetweenClosestRanks() {
        let x: [Double] = [1, 2, 3, 4]
        // h = 3p: p = 0 → x0; 0.25 → h 0.75 → 1 + 0.75·1 = 1.75; 0.5 → h 1.5 → 2.5; 1 → x3.
        #expect(BootstrapKernel.quantile(sorted: x, 0) == 1)
        #expect(BootstrapKernel.quantile(sorted: x, 0.25) == 1.75)
        #expect(BootstrapKernel.quantile(sorted: x, 0.5) == 2.5)
        #expect(BootstrapKernel.quantile(sorted: x, 1) == 4)
        #expect(BootstrapKernel.quantile(sorted: [7], 0.3) == 7)
        #expect(BootstrapKernel.quantile(sorted: [Double](), 0.5) == 0)
    }

    @Test func handComputedInterval() {
        // Returns 0.01, 0.02, 0.06 (n = 3), four resamples given as counts:
        //   b0 (3,0,0) mean 0.01   b1 (1,1,1) mean 0.03   b2 (0,1,2) mean 0.14/3   b3 (0,0,3) mean 0.06
        // Sorted means 0.01, 0.03, 0.04667, 0.06; level 0.5 → quantiles 0.25 and 0.75 (h = 0.75, 2.25):
        //   lower = 0.01 + 0.75·0.02 = 0.025, upper = 0.14/3 + 0.25·(0.06 − 0.14/3) = 0.05.
        // Sharpe (periodsPerYear 1): b0, b3 have sd 0 → 0; b1 = 0.03/0.026458 (sd of 0.01,0.02,0.06:
        //   √(((−0.02)² + (−0.01)² + 0.03²)/2) = √0.0007); b2 = (0.14/3)/sd(0.02,0.06,0.06).
        let returns = Matrix(columns: [[0.01, 0.02, 0.06]])
        var k = BootstrapKernel(resamples: 4, rows: 3, cols: 1)
        k.setWeights(Matrix(rows: 3, cols: 4, columnMajor: [3, 0, 0, 1, 1, 1, 0, 1, 2, 0, 0, 3]))
        k.run(returns: returns, periodsPerYear: 1)
        #expect(close(k.means[0, 0], 0.01) && close(k.means[1, 0], 0.03) && close(k.means[2, 0], 0.14 / 3)
                && close(k.means[3, 0], 0.06))
        #expect(abs(k.sharpes[0, 0]) < 1e-6 || k.sharpes[0, 0] == 0)
        #expect(close(k.sharpes[1, 0], 0.03 / 0.0007.squareRoot(), relative: 1e-10))
        // b2: values 0.02, 0.06, 0.06, mean 0.14/3, deviations −0.08/3, 0.04/3, 0.04/3:
        //   Σ² = (0.0064 + 0.0016 + 0.0016)/9 = 0.0096/9, variance = 0.0096/18.
        #expect(close(k.sharpes[2, 0], (0.14 / 3) / (0.0096 / 18).squareRoot(), relative: 1e-10))
        let ci = k.intervals(level: 0.5)[0]
        #expect(close(ci.mean.lower, 0.025) && close(ci.mean.upper, 0.05))
        #expect(close(ci.mean.estimate, 0.03))
    }

    @Test func constantResampleHasZeroSharpe() {
        // Equal returns: every resample has sd 0 exactly (centred values are 0), so every Sharpe is 0.
        let returns = Matrix(columns: [[0.01, 0.01, 0.01, 0.01]])
        var k = BootstrapKernel(resamples: 10, rows: 4, cols: 1)
        k.drawWeights(seed: 3)
        k.run(returns: returns, periodsPerYear: 365)
        #expect(k.sharpes.values.allSatisfy { $0 == 0 })
        #expect(k.means.values.allSatisfy { close($0, 0.01) })
        #expect(k.estimateSharpe[0] == 0)
    }

    @Test func noReturns() {
        var k = BootstrapKernel(resamples: 5, rows: 0, cols: 2)
        k.drawWeights(seed: 1)
        k.run(returns: Matrix(rows: 0, cols: 2), periodsPerYear: 365)
        #expect(k.means.values.allSatisfy { $0 == 0 } && k.sharpes.values.allSatisfy { $0 == 0 })
        let ci = k.intervals(level: 0.95)
        #expect(ci.count == 2 && ci[0].mean.lower == 0 && ci[0].sharpe.upper == 0)
    }
}
