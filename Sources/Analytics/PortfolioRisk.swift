import CBLAS

/// The risk of a vault's allocation across its strategies: weights `w` (capital fractions, any
/// sign) against the covariance `Σ` of the strategies' returns.
///
/// - `marginal = Σ·w` (`cblas_dsymv`, upper triangle of Σ);
/// - `variance = max(0, wᵀ·Σ·w)` (`cblas_ddot`; a covariance that is not positive semi-definite
///   can give a slightly negative product, reported as 0);
/// - `volatility = sqrt(variance)` (σ_p, in the units and at the interval of Σ);
/// - `contributions[i] = w_i · (Σw)_i / σ_p` (each strategy's risk contribution; they sum to σ_p),
///   all 0 when σ_p is 0.
public struct PortfolioRisk: Sendable, Equatable {
    public var variance: Double
    public var volatility: Double
    public var marginal: [Double]
    public var contributions: [Double]

    public init(weights: [Double], covariance: Matrix) {
        variance = 0
        volatility = 0
        marginal = []
        contributions = []
        compute(weights: weights, covariance: covariance)
    }

    /// Recomputes in place, reusing `marginal` and `contributions` (no allocation once sized).
    public mutating func compute(weights: [Double], covariance: Matrix) {
        let k = weights.count
        precondition(covariance.rows == k && covariance.cols == k, "covariance must be \(k)×\(k)")
        if marginal.count != k { marginal = [Double](repeating: 0, count: k) }
        if contributions.count != k { contributions = [Double](repeating: 0, count: k) }
        guard k > 0 else {
            variance = 0
            volatility = 0
            return
        }
        var quadratic = 0.0
        weights.withUnsafeBufferPointer { pw in
            covariance.values.withUnsafeBufferPointer { ps in
                marginal.withUnsafeMutableBufferPointer { pm in
                    cblas_dsymv(CblasColMajor, CblasUpper, blasInt(k), 1, ps.baseAddress, blasInt(k),
                                pw.baseAddress, 1, 0, pm.baseAddress, 1)
                    quadratic = cblas_ddot(blasInt(k), pw.baseAddress, 1, pm.baseAddress, 1)
                }
            }
        }
        variance = finite(max(0, quadratic))
        volatility = variance.squareRoot()
        for i in 0..<k {
            contributions[i] = volatility > 0 ? finite(weights[i] * marginal[i] / volatility) : 0
        }
    }
}
