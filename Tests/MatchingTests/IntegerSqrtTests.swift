@testable import Matching
import MarketCore
import Testing

/// `isqrt` (estimate, one Newton step, exact correction) equals an independent model: the plain
/// Newton descent from a power of two above the root, on perfect squares and their neighbours,
/// powers of two, random values of every magnitude up to `Int128.max`, both roundings.
@Suite struct IntegerSqrtTests {
    /// The reference: floor(√n) by Newton's method from 2^⌈bits/2⌉, then the rounding.
    static func model(_ n: Int128, _ rounding: Rounding) -> Int128 {
        if n < 2 { return n }
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

    @Test func agreesWithNewtonDescent() {
        var rng = SplitMix64(seed: 0x5917)
        var values: [Int128] = [0, 1, 2, 3, 4, 5, 8, 9, 10, 15, 16, 17, Int128.max, Int128.max - 1, Int128(Int64.max), Int128(UInt64.max)]
        for k in 0..<127 { let p = Int128(1) << k; values += [p, p - 1, p + 1] }
        // Squares of roots up to about 2^63.5, and their neighbours.
        for _ in 0..<3_000 {
            let r = Int128(rng.next() >> (rng.next() % 64)) & ((Int128(1) << 63) - 1)
            let sq = r * r
            values += [sq, sq + 1, sq > 0 ? sq - 1 : 0]
        }
        // Random magnitudes.
        for _ in 0..<20_000 {
            let hi = Int128(rng.next() >> 1)  // < 2^63
            let lo = Int128(rng.next())
            let v = (hi << 64 | lo) >> Int128(rng.next() % 127)
            values.append(v)
        }
        var exactSquares = 0
        for n in values {
            for rounding in [Rounding.down, .up] {
                let got = isqrt(n, rounding)
                #expect(got == Self.model(n, rounding), "isqrt(\(n), \(rounding))")
            }
            let r = isqrt(n, .down)
            if r * r == n { exactSquares += 1 }
        }
        #expect(exactSquares > 3_000)  // the perfect squares were really exercised
    }
}
