import MarketCore

/// `a × b / c` for non-negative `a`, `b` and positive `c`, through a 256-bit intermediate,
/// rounded as stated; nil when the quotient does not fit `Int128`.
///
/// The ledger multiplies shares (up to `10^30`) by equity (up to `2^62`), which can exceed
/// `Int128`; the fast path uses `Int128` when the product fits, the slow path
/// `UInt128.multipliedFullWidth` and `dividingFullWidth`.
/// - Complexity: O(1).
@inlinable func mulDivChecked(_ a: Int128, _ b: Int128, _ c: Int128, _ rounding: Rounding) -> Int128? {
    precondition(a >= 0 && b >= 0 && c > 0, "mulDivChecked takes non-negative factors and a positive divisor")
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    if !overflow { return mulDiv128(product, c, rounding) }
    let wide = UInt128(a).multipliedFullWidth(by: UInt128(b))
    let divisor = UInt128(c)
    // The quotient fits UInt128 iff the high half is below the divisor.
    guard wide.high < divisor else { return nil }
    let (quotient, remainder) = divisor.dividingFullWidth(wide)
    var q = quotient
    if rounding == .up && remainder != 0 {
        guard q < UInt128.max else { return nil }
        q += 1
    }
    guard q <= UInt128(Int128.max) else { return nil }
    return Int128(q)
}

/// `a × b / c` like ``mulDivChecked(_:_:_:_:)``, trapping when the quotient does not fit.
/// Every caller has bounded its inputs first, so a trap here is a bug.
/// - Complexity: O(1).
@inlinable func mulDivWide(_ a: Int128, _ b: Int128, _ c: Int128, _ rounding: Rounding) -> Int128 {
    guard let q = mulDivChecked(a, b, c, rounding) else { preconditionFailure("ledger arithmetic overflow") }
    return q
}

/// Clamps an `Int128` to the `Int64` range (used only by read-only views whose inputs are unbounded).
@inlinable func saturatingInt64(_ x: Int128) -> Int64 {
    x > Int128(Int64.max) ? .max : (x < Int128(Int64.min) ? .min : Int64(x))
}

/// `a + b` clamped to the `Int64` range. Used only for cumulative statistics (fee totals, fees
/// paid, deposits and payouts summed over a vault's life), which no action reads back, so that a
/// long life at the largest amounts saturates them instead of trapping.
@inlinable func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? (b > 0 ? .max : .min) : sum
}
