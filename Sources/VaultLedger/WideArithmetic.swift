import MarketCore

/// `a × b / c` for non-negative `a`, `b` and positive `c`, through a 256-bit intermediate,
/// rounded as stated; nil when the quotient does not fit `Int128`.
///
/// The ledger multiplies shares (up to `10^30`) by equity (up to `2^62`), and fee sizing by
/// `2^64`-scaled equity, which can exceed `Int128`: the product is formed exactly in 256 bits
/// from 64-bit limbs (``mulFull(_:_:)``) and divided by ``divFull(_:_:by:)``, which uses the
/// hardware's 128-by-64-bit division when it can.
///
/// Inlined at each call for the ledger's usual operands (all three below 2^64: a holding's
/// value, a deposit's shares), which need one 64×64→128-bit multiplication and one
/// 128-by-64-bit division; the general case is out of line (``mulDivCheckedGeneral(_:_:_:_:)``).
/// Both give the same result for every input (`WideArithmeticTests` checks both against an
/// independent reference; `HotPathTests.mulDivSixtyFourBitPathMatchesTheGeneralOne` checks the
/// inlined path against the general one at its edges).
/// - Complexity: O(1).
@inlinable @inline(__always) func mulDivChecked(_ a: Int128, _ b: Int128, _ c: Int128, _ rounding: Rounding) -> Int128? {
    precondition(a >= 0 && b >= 0 && c > 0, "mulDivChecked takes non-negative factors and a positive divisor")
    if (a | b | c) &>> 64 == 0 {
        // 0 ≤ a, b < 2^64 and 1 ≤ c < 2^64: the product is exact in 128 bits (below 2^128 − 2^65 + 2),
        // so the quotient and remainder are those of the 256-bit path with a zero high half, and
        // q + 1 below cannot overflow UInt128.
        let p = UInt64(truncatingIfNeeded: a).multipliedFullWidth(by: UInt64(truncatingIfNeeded: b))
        let product = UInt128(p.high) &<< 64 | UInt128(p.low)
        let divisor = UInt128(truncatingIfNeeded: c)
        var q: UInt128
        let remainderIsZero: Bool
        if p.high == 0 {
            // Both below 2^64: one 64-bit division.
            let d64 = UInt64(truncatingIfNeeded: c)
            let q64 = p.low / d64
            q = UInt128(q64)
            remainderIsZero = p.low &- q64 &* d64 == 0
        } else {
            q = product / divisor
            remainderIsZero = product &- q &* divisor == 0
        }
        if rounding == .up && !remainderIsZero { q &+= 1 }
        return fittingInt128(q)
    }
    return mulDivCheckedGeneral(a, b, c, rounding)
}

/// ``mulDivChecked(_:_:_:_:)`` for any operands (non-negative factors, positive divisor): the
/// 256-bit product and ``divFull(_:_:by:)``. Out of line: the ledger's fee sizing and large
/// holdings take it, the usual conversions do not.
@inlinable @inline(never) func mulDivCheckedGeneral(_ a: Int128, _ b: Int128, _ c: Int128, _ rounding: Rounding) -> Int128? {
    // Non-negative (checked by the caller), so the bit patterns are the values.
    let (high, low) = mulFull(UInt128(truncatingIfNeeded: a), UInt128(truncatingIfNeeded: b))
    let divisor = UInt128(truncatingIfNeeded: c)
    // The quotient fits UInt128 iff the high half is below the divisor.
    guard high < divisor else { return nil }
    var (q, remainder) = divFull(high, low, by: divisor)
    if rounding == .up && remainder != 0 {
        guard q < UInt128.max else { return nil }
        q &+= 1
    }
    return fittingInt128(q)
}

/// `q` as an `Int128`, or nil when it is above `Int128.max` (its top bit set). The same as
/// `q <= UInt128(Int128.max) ? Int128(q) : nil`, whose generic conversions the compiler leaves
/// as calls (about 60 instructions).
@inlinable @inline(__always) func fittingInt128(_ q: UInt128) -> Int128? {
    q &>> 127 == 0 ? Int128(truncatingIfNeeded: q) : nil
}

/// The exact 256-bit product `a × b` as (high, low) 128-bit halves, from four 64×64→128-bit
/// multiplications.
@inlinable @inline(__always) func mulFull(_ a: UInt128, _ b: UInt128) -> (high: UInt128, low: UInt128) {
    let a0 = UInt64(truncatingIfNeeded: a), a1 = UInt64(truncatingIfNeeded: a &>> 64)
    let b0 = UInt64(truncatingIfNeeded: b), b1 = UInt64(truncatingIfNeeded: b &>> 64)
    let p00 = a0.multipliedFullWidth(by: b0)
    if a1 == 0 && b1 == 0 { return (0, UInt128(p00.high) &<< 64 | UInt128(p00.low)) }
    let p01 = a0.multipliedFullWidth(by: b1), p10 = a1.multipliedFullWidth(by: b0), p11 = a1.multipliedFullWidth(by: b1)
    // Bits 64–191 of the product: three 64-bit terms, below 3 × 2^64, so no overflow.
    let middle = UInt128(p00.high) &+ UInt128(p01.low) &+ UInt128(p10.low)
    let low = (middle &<< 64) | UInt128(p00.low)
    // The whole product is below 2^256, so the high half cannot overflow either.
    let high = (UInt128(p11.high) &<< 64 | UInt128(p11.low)) &+ UInt128(p01.high) &+ UInt128(p10.high) &+ (middle &>> 64)
    return (high, low)
}

/// `(high × 2^128 + low) / d` and its remainder; requires `high < d` (so the quotient fits).
///
/// Three paths: a 128-bit dividend (one 128-bit division); a divisor below 2^64 (two
/// 128-by-64-bit divisions, long division by 64-bit digits); otherwise Knuth's algorithm D
/// with 64-bit digits (two quotient digits, each estimated from the top digits and corrected
/// at most twice).
@inlinable func divFull(_ high: UInt128, _ low: UInt128, by d: UInt128) -> (quotient: UInt128, remainder: UInt128) {
    precondition(high < d, "the quotient must fit 128 bits")
    if high == 0 {
        if (low | d) &>> 64 == 0 {
            // Both below 2^64 (the ledger's usual case: a holding's value, a deposit's shares):
            // one 64-bit division instead of the 128-bit library routine.
            let l = UInt64(truncatingIfNeeded: low), d64 = UInt64(truncatingIfNeeded: d)
            let q = l / d64
            return (UInt128(q), UInt128(l &- q &* d64))
        }
        let q = low / d
        return (q, low &- q &* d)
    }
    if d &>> 64 == 0 {
        // high < d < 2^64, so each step divides a 128-bit number whose top digit is below d.
        let d64 = UInt64(truncatingIfNeeded: d)
        let (q1, r1) = d64.dividingFullWidth((UInt64(truncatingIfNeeded: high), UInt64(truncatingIfNeeded: low &>> 64)))
        let (q0, r0) = d64.dividingFullWidth((r1, UInt64(truncatingIfNeeded: low)))
        return (UInt128(q1) &<< 64 | UInt128(q0), UInt128(r0))
    }
    // Normalise so the divisor's top bit is set (s < 64 because d ≥ 2^64). high < d keeps the
    // shifted dividend below d × 2^128, so it still fits 256 bits and the quotient 128 bits.
    let s = UInt128(d.leadingZeroBitCount)
    let v = d &<< s
    let uHigh = s == 0 ? high : (high &<< s) | (low &>> (128 &- s))
    let uLow = low &<< s
    let (q1, r1) = divide3by2(top: uHigh, next: UInt64(truncatingIfNeeded: uLow &>> 64), by: v)
    let (q0, r0) = divide3by2(top: r1, next: UInt64(truncatingIfNeeded: uLow), by: v)
    return (UInt128(q1) &<< 64 | UInt128(q0), r0 &>> s)
}

/// `(top × 2^64 + next) / v` for a normalised `v` (top bit set) and `top < v`: one 64-bit
/// quotient digit and the 128-bit remainder (Knuth D, step D3–D6).
@inlinable @inline(__always) func divide3by2(top: UInt128, next: UInt64, by v: UInt128) -> (UInt64, UInt128) {
    let v1 = UInt64(truncatingIfNeeded: v &>> 64)
    let u2 = UInt64(truncatingIfNeeded: top &>> 64)
    // Estimate from the top digits: never too small, and at most 2 too large (v1 normalised).
    var qhat: UInt64 = u2 >= v1 ? .max : UInt64(truncatingIfNeeded: top / UInt128(v1))
    // The 192-bit dividend (u2, rest) and product (pTop, pLow) = qhat × v.
    let uLow = (top &<< 64) | UInt128(next)
    let v0 = UInt64(truncatingIfNeeded: v)
    let m0 = qhat.multipliedFullWidth(by: v0), m1 = qhat.multipliedFullWidth(by: v1)
    let middle = UInt128(m0.high) &+ UInt128(m1.low)
    var pLow = (middle &<< 64) | UInt128(m0.low)
    var pTop = m1.high &+ UInt64(truncatingIfNeeded: middle &>> 64)
    // While the product exceeds the dividend, the digit is one too large (at most twice).
    while pTop > u2 || (pTop == u2 && pLow > uLow) {
        qhat &-= 1
        if pLow < v { pTop &-= 1 }
        pLow &-= v
    }
    // Remainder = dividend − product < v, so it fits 128 bits (the top digits cancel).
    return (qhat, uLow &- pLow)
}

/// `a × b / c` like ``mulDivChecked(_:_:_:_:)``, trapping when the quotient does not fit.
/// Every caller has bounded its inputs first, so a trap here is a bug.
/// - Complexity: O(1).
@inlinable @inline(__always) func mulDivWide(_ a: Int128, _ b: Int128, _ c: Int128, _ rounding: Rounding) -> Int128 {
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

/// `a / b` (truncating, as `/`), through a 64-bit division when both are in `0..<2^63` (the
/// ledger's usual magnitudes), which for a constant `b` compiles to a multiplication; the
/// unsigned `Int128` library division when both are non-negative; the signed one otherwise.
/// Same result as `a / b` for every input (traps on a zero `b` like it).
@inlinable @inline(__always) func quotient(_ a: Int128, _ b: Int128) -> Int128 {
    if (a | b) &>> 63 == 0 {
        // 0 ≤ a, b < 2^63: the truncating quotients of Int64 and Int128 agree.
        return Int128(Int64(truncatingIfNeeded: a) / Int64(truncatingIfNeeded: b))
    }
    if a >= 0 && b > 0 {
        // Both non-negative: the bit patterns are the values and the truncating quotient is the
        // unsigned one (the library's unsigned division, without the signed one's sign fix-ups).
        return Int128(truncatingIfNeeded: UInt128(truncatingIfNeeded: a) / UInt128(truncatingIfNeeded: b))
    }
    return a / b
}

/// `a × b` (checked, as `*`), through one 64×64→128-bit multiplication when both are in
/// `0..<2^63` (the product is then below 2^126, so it cannot overflow); the `Int128`
/// library multiplication, with its overflow trap, otherwise. Same result as `a * b` for every
/// input, and a trap exactly where `a * b` traps. (The checked `Int128` multiplication costs
/// about 40 instructions; the fee accrual does several per action.)
@inlinable @inline(__always) func product(_ a: Int128, _ b: Int128) -> Int128 {
    if (a | b) &>> 63 == 0 {
        // 0 ≤ a, b < 2^63: their bit patterns are the values, and the full product is exact.
        let p = UInt64(truncatingIfNeeded: a).multipliedFullWidth(by: UInt64(truncatingIfNeeded: b))
        return Int128(truncatingIfNeeded: UInt128(p.high) &<< 64 | UInt128(p.low))
    }
    return a * b
}
