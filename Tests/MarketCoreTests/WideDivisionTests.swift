import MarketCore
import Testing

/// `mulDiv128`'s 64-bit path and `nearestDouble`, against the definitions they replace.
@Suite struct WideDivisionTests {
    /// A small xorshift generator (deterministic; this target has no shared one).
    struct XorShift {
        var s: UInt64
        mutating func next() -> UInt64 {
            s ^= s << 13
            s ^= s >> 7
            s ^= s << 17
            return s
        }
        /// A value of random sign and random width (so every magnitude up to 2^127 occurs).
        mutating func wide() -> Int128 {
            let raw = Int128(bitPattern: (UInt128(next()) << 64) | UInt128(next()))
            return raw >> Int128(next() % 128)
        }
    }

    /// Around the 63- and 64-bit edges of the fast path, both signs, and the extremes.
    static let edges: [Int128] = [
        0, 1, 2, 3, 7, 999_999, 1_000_000, 1_000_001, Int128(Int64.max) - 1, Int128(Int64.max), Int128(Int64.max) + 1,
        (1 << 64) - 1, 1 << 64, (1 << 100) + 17, .max, -1, -7, Int128(Int64.min), Int128(Int64.min) - 1, .min + 1,
        31_536_000_000_000, 31_535_999_999_999,
    ]

    /// For a positive divisor, the result is the floor (`.down`) or the ceiling (`.up`) by its
    /// definition, `q·d ≤ n < (q + 1)·d` and `(q − 1)·d < n ≤ q·d`; for every divisor it equals the
    /// `Int128` library path. Both paths are reached (counted).
    @Test func mulDiv128IsTheFloorOrCeilingOnEveryPath() {
        var g = XorShift(s: 0x9E37_79B9_7F4A_7C15)
        var values = Self.edges
        for _ in 0..<400 { values.append(g.wide()) }
        var fast = 0, wide = 0
        for n in values {
            for d in values where d != 0 && !(n == .min && d == -1) {
                if (n | d) >> 63 == 0 { fast += 1 } else { wide += 1 }
                for rounding in [Rounding.down, .up] {
                    let q = mulDiv128(n, d, rounding)
                    #expect(q == mulDiv128Wide(n, d, rounding), "\(n) / \(d) \(rounding)")
                    guard d > 0, n.magnitude < 1 << 125 else { continue }
                    let (lo, hi) = rounding == .down ? (q, q + 1) : (q - 1, q)
                    let loD = lo.multipliedReportingOverflow(by: d), hiD = hi.multipliedReportingOverflow(by: d)
                    #expect(!loD.overflow && !hiD.overflow)
                    if rounding == .down {
                        #expect(loD.partialValue <= n && n < hiD.partialValue, "floor \(n) / \(d)")
                    } else {
                        #expect(loD.partialValue < n && n <= hiD.partialValue, "ceiling \(n) / \(d)")
                    }
                }
            }
        }
        #expect(fast > 1_000 && wide > 1_000, "both paths: \(fast) fast, \(wide) wide")
    }

    /// `nearestDouble(v)` is `Double(v)`: at the 2^63 edge, on exact halves (ties to even) and
    /// just above them (the sticky bit), and at random widths.
    @Test func nearestDoubleIsTheLibraryConversion() {
        var values: [Int128] = [0, 1, -1, Int128(Int64.max), Int128(Int64.max) + 1, Int128(Int64.min), Int128(Int64.min) - 1, .max, .min]
        for k in [64, 80, 100, 126] {
            let base = Int128(1) << Int128(k)
            let half = Int128(1) << Int128(k - 53)  // half an ulp at 2^k
            values += [base + half, base + half + 1, base + 3 * half, base - 1, -(base + half), -(base + half + 1)]
        }
        var g = XorShift(s: 12_345)
        for _ in 0..<5_000 { values.append(g.wide()) }
        for v in values {
            #expect(nearestDouble(v) == Double(v), "\(v)")
        }
    }
}
