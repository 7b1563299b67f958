import MarketCore

/// Integer square root of a non-negative `Int128`, rounded as stated.
func isqrt(_ n: Int128, _ rounding: Rounding) -> Int128 {
    precondition(n >= 0, "isqrt of a negative number")
    if n < 2 { return n }
    // Newton's method from a power of two above the root; it descends to floor(sqrt(n)).
    let bits = 128 - n.leadingZeroBitCount
    var x = Int128(1) << ((bits + 1) / 2)
    while true {
        let y = (x + n / x) >> 1
        if y >= x { break }
        x = y
    }
    if rounding == .up && x * x < n { x += 1 }
    return x
}

/// `a + b`, clamped to `Int64.max` (traded volume for fee tiers: past the top tier its size no longer matters).
@inline(__always) func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
    let (s, o) = a.addingReportingOverflow(b)
    return o ? Int64.max : s
}
