import Analytics

/// The tests' own generator (xorshift64*, independent of the library's SplitMix64) for seeded data.
struct TestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x1234_5678_9ABC_DEF1 : seed }
    mutating func nextUInt64() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(nextUInt64() >> 11) * 0x1p-53 }
    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unit() }
}

/// `|a − b| ≤ absolute + relative · max(|a|, |b|)`.
func close(_ a: Double, _ b: Double, relative: Double = 1e-12, absolute: Double = 0) -> Bool {
    abs(a - b) <= absolute + relative * max(abs(a), abs(b))
}

/// A `rows × cols` matrix of return-like values: column j has drift `0.001·(j − 1)` and spread
/// `0.01·(j + 1)`, plus an offset so that some columns are mostly positive.
func randomReturns(rows: Int, cols: Int, seed: UInt64) -> Matrix {
    var rng = TestRNG(seed: seed)
    var m = Matrix(rows: rows, cols: cols)
    for j in 0..<cols {
        for i in 0..<rows {
            m[i, j] = 0.001 * Double(j - 1) + 0.01 * Double(j + 1) * rng.uniform(-1, 1)
        }
    }
    return m
}

/// Column j of `m` as an array.
func col(_ m: Matrix, _ j: Int) -> [Double] { Array(m.column(j)) }

/// The awkward shapes every BLAS result is checked on.
let rowCounts = [0, 1, 2, 7, 257]
let colCounts = [1, 3, 5]
