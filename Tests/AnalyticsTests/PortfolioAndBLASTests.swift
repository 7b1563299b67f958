import Analytics
import Testing

/// Portfolio risk (dsymv + ddot) and the plain dgemm against scalar loops. Tolerance 1e-12 relative.
@Suite struct PortfolioAndBLASTests {
    @Test(arguments: [1, 2, 3, 5, 17])
    func portfolioRiskMatchesScalarLoops(strategies k: Int) {
        var rng = TestRNG(seed: UInt64(k) * 13)
        // A positive semi-definite covariance: Σ = AᵀA / m for a random m × k matrix A.
        let m = 9
        let a = (0..<(m * k)).map { _ in rng.uniform(-0.02, 0.02) }
        var sigma = Matrix(rows: k, cols: k)
        for i in 0..<k {
            for j in 0..<k {
                var s = 0.0
                for r in 0..<m { s += a[r + i * m] * a[r + j * m] }
                sigma[i, j] = s / Double(m)
            }
        }
        let w = (0..<k).map { _ in rng.uniform(-0.5, 1) }
        let risk = PortfolioRisk(weights: w, covariance: sigma)
        var marginal = [Double](repeating: 0, count: k)
        var quadratic = 0.0
        for i in 0..<k {
            for j in 0..<k { marginal[i] += sigma[i, j] * w[j] }
            quadratic += w[i] * marginal[i]
        }
        let vol = quadratic.squareRoot()
        let scale = (0..<k).map { sigma[$0, $0] }.max()! * w.map(abs).max()!
        for i in 0..<k {
            #expect(close(risk.marginal[i], marginal[i], absolute: 1e-12 * scale))
            #expect(close(risk.contributions[i], w[i] * marginal[i] / vol, relative: 1e-10, absolute: 1e-12 * vol))
        }
        #expect(close(risk.variance, quadratic))
        #expect(close(risk.volatility, vol))
        #expect(close(risk.contributions.reduce(0, +), vol, relative: 1e-10))
        // Reusing the buffers gives the same answer.
        var again = risk
        again.compute(weights: w, covariance: sigma)
        #expect(again == risk)
    }

    @Test func portfolioOfTwoKnownStrategies() {
        // σ1 = 0.1, σ2 = 0.2, ρ = 0.5: Σ = [[0.01, 0.01], [0.01, 0.04]]; w = (0.5, 0.5).
        // Σw = (0.01, 0.025); wᵀΣw = 0.005 + 0.0125 = 0.0175; σ_p = √0.0175 ≈ 0.132288.
        // contributions 0.005/σ_p, 0.0125/σ_p.
        let sigma = Matrix(rows: 2, cols: 2, columnMajor: [0.01, 0.01, 0.01, 0.04])
        let r = PortfolioRisk(weights: [0.5, 0.5], covariance: sigma)
        #expect(close(r.marginal[0], 0.01) && close(r.marginal[1], 0.025))
        #expect(close(r.variance, 0.0175) && close(r.volatility, 0.0175.squareRoot()))
        #expect(close(r.contributions[0], 0.005 / 0.0175.squareRoot()) && close(r.contributions[1], 0.0125 / 0.0175.squareRoot()))
    }

    @Test func portfolioEdgeCases() {
        let zero = PortfolioRisk(weights: [1, 2], covariance: Matrix(rows: 2, cols: 2))
        #expect(zero.variance == 0 && zero.volatility == 0 && zero.contributions == [0, 0])
        let none = PortfolioRisk(weights: [], covariance: Matrix(rows: 0, cols: 0))
        #expect(none.volatility == 0 && none.contributions.isEmpty)
        // Not positive semi-definite: wᵀΣw = −0.01 → reported as 0.
        let bad = PortfolioRisk(weights: [1, 1], covariance: Matrix(rows: 2, cols: 2, columnMajor: [0.01, -0.02, -0.02, 0.01]))
        #expect(bad.variance == 0 && bad.volatility == 0 && bad.contributions == [0, 0])
    }

    @Test func portfolioFromMeasuredCovariance() {
        let returns = randomReturns(rows: 257, cols: 4, seed: 77)
        var batch = BatchStatistics()
        let cov = batch.covariance(of: returns)
        let w = [0.4, 0.3, 0.2, 0.1]
        // The portfolio's own return series has variance wᵀΣw (sample variance is bilinear).
        var p = [Double](repeating: 0, count: 257)
        for i in 0..<257 { for j in 0..<4 { p[i] += w[j] * returns[i, j] } }
        let direct = ReturnStatistics(returns: p, periodsPerYear: 1).standardDeviation
        #expect(close(PortfolioRisk(weights: w, covariance: cov).volatility, direct, relative: 1e-10))
    }

    @Test(arguments: [(1, 1, 1), (2, 3, 1), (7, 5, 3), (33, 17, 65), (1, 257, 2)])
    func dgemmMatchesTripleLoop(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var rng = TestRNG(seed: UInt64(m * 10_000 + n * 100 + k))
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            var a = ta ? Matrix(rows: k, cols: m) : Matrix(rows: m, cols: k)
            var b = tb ? Matrix(rows: n, cols: k) : Matrix(rows: k, cols: n)
            for i in a.values.indices { a.withUnsafeMutableBufferPointer { $0[i] = rng.uniform(-1, 1) } }
            for i in b.values.indices { b.withUnsafeMutableBufferPointer { $0[i] = rng.uniform(-1, 1) } }
            var c = Matrix(rows: m, cols: n)
            for i in c.values.indices { c.withUnsafeMutableBufferPointer { $0[i] = rng.uniform(-1, 1) } }
            let c0 = c
            BLAS.dgemm(a, b, into: &c, transposeA: ta, transposeB: tb, alpha: 0.5, beta: 2)
            for i in 0..<m {
                for j in 0..<n {
                    var s = 0.0
                    for l in 0..<k { s += (ta ? a[l, i] : a[i, l]) * (tb ? b[j, l] : b[l, j]) }
                    #expect(close(c[i, j], 0.5 * s + 2 * c0[i, j], absolute: 1e-13 * Double(k)), "(\(i),\(j)) ta=\(ta) tb=\(tb)")
                }
            }
        }
        #expect(BLAS.dgemmFlops(m: m, n: n, k: k) == Double(2 * m * n * k))
    }

    @Test func flopCounts() {
        #expect(BootstrapKernel.flops(resamples: 1000, rows: 250, cols: 4) == 2 * 1000 * 250 * 8)
        // 2nk + nk + n·k·(k + 1) for n = 100, k = 3: 600 + 300 + 1200.
        #expect(BatchStatistics.covarianceFlops(rows: 100, cols: 3) == 2100)
    }

    @Test func reportsTheLinkedLibrary() {
        let name = BLAS.implementation
        #expect(!name.isEmpty)
        print("BLAS: \(name); threads: \(BLAS.threadCount.map(String.init) ?? "n/a")")
    }
}
