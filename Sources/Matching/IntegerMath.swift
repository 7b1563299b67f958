import MarketCore

/// Integer square root of a non-negative `Int128`, rounded as stated.
///
/// A floating-point estimate (`Double` square root, within about 2^10 of the root for the largest
/// inputs), one Newton step (which leaves it at the floor or one above), then an exact correction
/// with overflow-checked squares: one or two 128-bit divisions instead of a Newton descent from a
/// power of two (about ten, ~1,000 instructions, on every margin check with a size premium).
/// Checked against that descent in `IntegerSqrtTests`.
func isqrt(_ n: Int128, _ rounding: Rounding) -> Int128 {
    precondition(n >= 0, "isqrt of a negative number")
    if n < 2 { return n }
    // The estimate through `nearestDouble`: `Double(n)` and `Int128(Double)` go through the
    // standard library's unspecialised generic conversions (witness-table calls, about 8% of a
    // venue taker's time in `perf`).
    let estimate = nearestDouble(n).squareRoot()
    // n < 2^127, so the root is < 2^63.5 (with the error, still far below 2^64): UInt64 holds it.
    var x = Int128(UInt64(estimate))
    if x < 1 { x = 1 }
    x = (x + n / x) >> 1  // Newton from any positive start lands at or above the floor root
    while squareExceeds(x, n) { x -= 1 }
    while !squareExceeds(x + 1, n) { x += 1 }
    if rounding == .up && x * x < n { x += 1 }
    return x
}

/// Whether `x²` is greater than `n` (an overflowing square is).
@inline(__always) func squareExceeds(_ x: Int128, _ n: Int128) -> Bool {
    let (sq, overflow) = x.multipliedReportingOverflow(by: x)
    return overflow || sq > n
}

/// `a + b`, clamped to `Int64.max` (traded volume for fee tiers: past the top tier its size no longer matters).
@inline(__always) func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
    let (s, o) = a.addingReportingOverflow(b)
    return o ? Int64.max : s
}

/// Whether a non-negative `Int64` is a multiple of a fixed positive divisor, without a hardware
/// division (the order-entry checks of tick and step run on every order; a 64-bit `div` costs tens
/// of cycles). Exact, by the modular-inverse test (Granlund & Montgomery 1994; Lemire et al. 2019):
/// with `d = d₀ × 2^k`, `d₀` odd and `inv` its inverse modulo 2^64, `n` is a multiple of `d`
/// exactly when `rotr(n × inv, k) ≤ ⌊(2^64 − 1) / d⌋` (wrapping multiplication). Checked against
/// `%` in `DivisibilityTests`.
struct DivisibilityTest: Sendable {
    let inverse: UInt64
    let shift: UInt64
    let limit: UInt64

    init(_ divisor: Int64) {
        precondition(divisor > 0, "divisor must be positive")
        let d = UInt64(divisor)
        let k = UInt64(d.trailingZeroBitCount)
        let odd = d >> k
        // Newton's iteration doubles the correct low bits: 5 → 10 → 20 → 40 → 80 ≥ 64.
        var x = odd &* 3 ^ 2  // correct to 5 bits for any odd number
        for _ in 0..<4 { x = x &* (2 &- odd &* x) }
        inverse = x
        shift = k
        limit = UInt64.max / d
    }

    /// Whether `n` (≥ 0) is a multiple of the divisor.
    @inline(__always) func divides(_ n: Int64) -> Bool {
        let m = UInt64(bitPattern: n) &* inverse
        let rotated = (m &>> shift) | (shift == 0 ? 0 : m &<< (64 &- shift))
        return rotated <= limit
    }
}

/// `a × b × c`, exact, in `Int128`: the margin rule's products (a size × a price × a ratio or a
/// scale). When `b × c` fits `Int64` (a price up to ``Bounds/maxPrice`` times a ratio up to 1e6
/// always does) the result is one 64 × 64 → 128-bit multiply, which cannot overflow
/// (|a × bc| ≤ 2^126); otherwise the overflow-checked 128-bit product, exactly as before. The
/// checked three-factor `Int128` product cost about 25 instructions a multiply in the margin check.
@inline(__always) func wideProduct(_ a: Int64, _ b: Int64, _ c: Int64) -> Int128 {
    let (bc, overflow) = b.multipliedReportingOverflow(by: c)
    if !overflow { return Int128(a) &* Int128(bc) }
    return Int128(a) * Int128(b) * Int128(c)
}

/// Whether `⌊a × 10⁶ / b⌋ > limit` (a ratio in ppm, rounded down, past a limit: the oracle
/// guards and the price-move breaker), with the result of `mulDiv(a, 1_000_000, b, .down) > limit`
/// but without its division in the usual case: for `b > 0`, `a ≥ 0` and `limit ≥ 0`,
/// `⌊a × 10⁶ / b⌋ > limit ⟺ ⌊a × 10⁶ / b⌋ ≥ limit + 1 ⟺ a × 10⁶ ≥ (limit + 1) × b` (`limit + 1` is
/// an integer), exact while neither product overflows; otherwise the division (`PpmRatioTests`).
@inline(__always) func ppmExceeds(_ a: Int64, over b: Int64, _ limit: Int64) -> Bool {
    if b > 0 && a >= 0 && limit >= 0 && limit < Int64.max {
        let (x, o1) = a.multipliedReportingOverflow(by: 1_000_000)
        let (y, o2) = (limit &+ 1).multipliedReportingOverflow(by: b)
        if !o1 && !o2 { return x >= y }
    }
    return mulDiv(a, 1_000_000, b, .down) > limit
}
