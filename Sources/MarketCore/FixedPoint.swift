/// The direction a division rounds, written at every call site that divides money.
///
/// The project rule (DESIGN §3): rounding never favours the party acting. Each call names
/// which way it goes so a reader can check that rule without running the code.
public enum Rounding: Sendable {
    /// Toward negative infinity.
    case down
    /// Toward positive infinity.
    case up
}

/// A signed integer fixed-point value with a decimal scale of `10^decimals`.
///
/// All money in MMVault is one of these: `Price` (1e6), `Quantity` (1e9 base units),
/// `Amount` (1e6 quote units, USDC) and `Ppm` (1e6 = 100%). Products go through `Int128`
/// with the rounding written at the call (see ``mulDiv(_:_:_:_:)``).
public protocol FixedPoint: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Number of decimal digits after the point.
    static var decimals: Int { get }
    /// The raw integer, in units of `10^-decimals`.
    var raw: Int64 { get }
    /// Creates a value from its raw integer.
    init(raw: Int64)
}

extension FixedPoint {
    /// `10^decimals`.
    @inlinable public static var scale: Int64 { pow10(decimals) }
    /// The zero value.
    @inlinable public static var zero: Self { Self(raw: 0) }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.raw < b.raw }
    @inlinable public static func + (a: Self, b: Self) -> Self { Self(raw: a.raw + b.raw) }
    @inlinable public static func - (a: Self, b: Self) -> Self { Self(raw: a.raw - b.raw) }
    @inlinable public static prefix func - (a: Self) -> Self { Self(raw: -a.raw) }
    @inlinable public static func += (a: inout Self, b: Self) { a = Self(raw: a.raw + b.raw) }
    @inlinable public static func -= (a: inout Self, b: Self) { a = Self(raw: a.raw - b.raw) }
    /// The absolute value.
    @inlinable public var magnitude: Self { Self(raw: raw < 0 ? -raw : raw) }
    /// Whether the value is strictly positive.
    @inlinable public var isPositive: Bool { raw > 0 }
    /// Canonical decimal text (trailing zeros trimmed, no exponent).
    public var description: String { formatted() }
}

/// `10^n` for `0 ≤ n ≤ 18`.
@inlinable public func pow10(_ n: Int) -> Int64 {
    precondition(n >= 0 && n <= 18, "pow10 out of range")
    var r: Int64 = 1
    for _ in 0..<n { r &*= 10 }
    return r
}

/// `a × b / c` computed through `Int128`, rounded as stated. Traps if the result does not fit
/// `Int64` (inputs are validated before they reach here, so that is a bug) or if `c == 0`.
@inlinable @inline(__always)
public func mulDiv(_ a: Int64, _ b: Int64, _ c: Int64, _ rounding: Rounding) -> Int64 {
    // Fast path: when the product fits 64 bits, one hardware division gives the same result.
    let (p, overflow) = a.multipliedReportingOverflow(by: b)
    if _fastPath(!overflow && c > 0) {
        let (q, r) = p.quotientAndRemainder(dividingBy: c)
        if r == 0 { return q }
        switch rounding {
        case .down: return r < 0 ? q &- 1 : q
        case .up: return r < 0 ? q : q &+ 1
        }
    }
    return mulDivWide(a, b, c, rounding)
}

/// The `Int128` path of ``mulDiv(_:_:_:_:)`` (kept out of line).
@inline(never)
public func mulDivWide(_ a: Int64, _ b: Int64, _ c: Int64, _ rounding: Rounding) -> Int64 {
    Int64(mulDiv128Wide(Int128(a) * Int128(b), Int128(c), rounding))  // reached when the product overflows 64 bits (or c ≤ 0)
}

/// `n / d` on `Int128`, rounded as stated (floor or ceiling, for either sign). When
/// `0 ≤ n < 2^63` and `0 < d < 2^63` (the usual magnitudes: fee and funding amounts, indexes over
/// rates) one 64-bit division, where truncation is the floor and the ceiling is one more when the
/// division is inexact; otherwise ``mulDiv128Wide(_:_:_:)``. The same result for every input
/// (`WideDivisionTests`), and the same trap on a zero divisor (the fast path needs `d ≠ 0`, so a
/// zero divisor reaches the wide path's precondition).
@inlinable @inline(__always)
public func mulDiv128(_ n: Int128, _ d: Int128, _ rounding: Rounding) -> Int128 {
    if (n | d) &>> 63 == 0 && d != 0 {
        let n64 = Int64(truncatingIfNeeded: n), d64 = Int64(truncatingIfNeeded: d)
        let q = n64 / d64
        return Int128(rounding == .up && q &* d64 != n64 ? q &+ 1 : q)
    }
    return mulDiv128Wide(n, d, rounding)
}

/// ``mulDiv128(_:_:_:)`` by the `Int128` library division, for any operands.
@inlinable public func mulDiv128Wide(_ n: Int128, _ d: Int128, _ rounding: Rounding) -> Int128 {
    precondition(d != 0, "division by zero")
    let q = n / d
    let r = n &- q &* d  // one 128-bit division instead of two
    if r == 0 { return q }
    // Swift division truncates toward zero; fix up to floor / ceiling.
    let negative = (r < 0) != (d < 0)
    switch rounding {
    case .down: return negative ? q - 1 : q
    case .up: return negative ? q : q + 1
    }
}

/// `v` as the nearest `Double` (ties to even), the value `Double(v)` gives, without the standard
/// library's unspecialised generic `Int128` conversion (witness-table calls, several percent of a
/// venue taker's and of the runtime benchmark's time where it sat on a hot path). Values within
/// ±2^63 convert from `Int64`; larger magnitudes keep their top 64 bits with every lower bit
/// folded into the last one (a sticky bit: it lies below the rounding position, so it only breaks
/// what would be a tie, as the bits it stands for do), convert, and scale by the exact power of
/// two. Checked against `Double(v)` in `WideDivisionTests`.
@inlinable public func nearestDouble(_ v: Int128) -> Double {
    if v >= Int128(Int64.min) && v <= Int128(Int64.max) { return Double(Int64(truncatingIfNeeded: v)) }
    let m = v.magnitude  // > 2^63 here
    let shift = 64 - m.leadingZeroBitCount  // 0...64: m >> shift fits 64 bits
    let top = UInt64(truncatingIfNeeded: m >> shift) | (m & ((1 << shift) - 1) != 0 ? 1 : 0)
    let d = Double(top) * Double(bitPattern: UInt64(1023 + shift) << 52)  // × 2^shift, exact
    return v < 0 ? -d : d
}
