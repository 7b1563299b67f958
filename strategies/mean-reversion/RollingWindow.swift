import MarketCore
import StrategyKit

/// The last `capacity` sampled prices in a fixed ring buffer, with exact running sums.
///
/// Samples are raw prices (units of 1e-6). The sum and the sum of squares are kept in `Int128`,
/// so an update is O(1) (add the new sample, subtract the evicted one) and never drifts: no
/// periodic recomputation is needed, and a constant window has a spread of exactly zero.
/// Bounds: a price is at most 1e12 raw (``Bounds/maxPrice``), the capacity at most 10,000, so
/// `Σx² ≤ 1e28` and `n·Σx² ≤ 1e32`, far inside `Int128` (1.7e38).
struct RollingWindow: Sendable {
    private(set) var values: ContiguousArray<Int64>
    let capacity: Int
    /// Samples held (≤ capacity).
    private(set) var count = 0
    /// Where the next sample goes (the oldest sample once full).
    private var head = 0
    /// Σx over the window.
    private(set) var sum: Int128 = 0
    /// Σx² over the window.
    private(set) var sumOfSquares: Int128 = 0

    init(capacity: Int) {
        self.capacity = Swift.max(1, capacity)
        values = ContiguousArray(repeating: 0, count: self.capacity)
    }

    var isFull: Bool { count == capacity }

    /// Adds a sample, evicting the oldest when full. O(1), no allocation.
    mutating func push(_ x: Int64) {
        if count == capacity {
            let old = Int128(values[head])
            sum -= old
            sumOfSquares -= old * old
        } else {
            count += 1
        }
        values[head] = x
        let v = Int128(x)
        sum += v
        sumOfSquares += v * v
        head += 1
        if head == capacity { head = 0 }
    }

    /// Forgets every sample (keeps the storage).
    mutating func removeAll() {
        count = 0
        head = 0
        sum = 0
        sumOfSquares = 0
    }

    /// `n·Σx² − (Σx)²`, exactly: `n²` times the population variance. Never negative
    /// (Cauchy–Schwarz), zero exactly when every sample is equal.
    var spread: Int128 { Int128(count) * sumOfSquares - sum * sum }

    /// The statistics of a full window whose samples are not all equal; nil otherwise (so a
    /// z-score is never computed from a zero standard deviation).
    var stats: WindowStats? {
        guard count == capacity, count > 0 else { return nil }
        let d = spread
        guard d > 0 else { return nil }
        return WindowStats(n: Int128(count), sum: sum, root: StrategyMath.double(d).squareRoot())
    }
}

/// Mean and population standard deviation of a full window, in raw price units (1e-6).
///
/// With `S = Σx`, `D = n·Σx² − S²`: mean `= S/n`, std `= √D / n`, so
/// `z(p) = (p − mean) / std = (n·p − S) / √D` (numerator exact in `Int128`, one rounding in the
/// conversion to `Double`, one in the square root) and the level `mean + k·std = (S + k·√D) / n`.
struct WindowStats: Sendable {
    let n: Int128
    let sum: Int128
    /// `√D`, strictly positive.
    let root: Double

    var mean: Double { StrategyMath.double(sum) / StrategyMath.double(n) }
    var standardDeviation: Double { root / StrategyMath.double(n) }

    /// The z-score of `p` against the window.
    func z(_ p: Price) -> Double { StrategyMath.double(n * Int128(p.raw) - sum) / root }

    /// `mean + k·std` in raw price units (a Bollinger band for `k = ±entryZ`).
    func level(_ k: Double) -> Double { (StrategyMath.double(sum) + k * root) / StrategyMath.double(n) }
}
