import StrategyKit
import Testing

/// `StrategyMath.double(_:)` (an `Int128` to `Double` without the standard library's generic
/// conversion) gives exactly `Double(v)` — the standard library's conversion is the model:
/// small values, every power of two and its neighbours, exact ties between two doubles (a 54-bit
/// odd significand shifted up: ties to even) and one above and below them, values with one far
/// low bit set (the sticky bit must break the tie), random values of every magnitude, both signs,
/// and the extremes.
@Suite struct StrategyMathTests {
    /// A 64-bit linear congruential generator (Knuth's MMIX constants), high bits used.
    struct LCG {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }
    }

    @Test func int128ToDoubleEqualsTheStandardLibrary() {
        var values: [Int128] = [0, 1, -1, 2, Int128(Int64.max), Int128(Int64.min), Int128(Int64.max) + 1, Int128(Int64.min) - 1,
                                Int128(UInt64.max), Int128.max, Int128.min, Int128.min + 1]
        for k in 0..<127 {
            let p = Int128(1) << k
            values += [p, p - 1, p + 1, -p, -(p - 1), -(p + 1)]
        }
        var rng = LCG(state: 0x5EED_D0B1)
        var ties = 0
        for _ in 0..<20_000 {
            // A tie: 54 significant bits ending in 1, shifted so the value needs more than 53 bits.
            let significand = Int128((rng.next() >> 10) | (1 << 53) | 1)  // 2^53 ≤ s < 2^54, odd
            let shift = Int(rng.next() % 73)  // s << 73 < 2^127
            let tie = significand << shift
            values += [tie, tie + 1, tie - 1, -tie, -tie + 1]
            if shift < 72 { values.append(tie | (Int128(1) << 0)) }  // a far low bit: not a tie any more
            ties += 1
            // Random magnitudes.
            let hi = Int128(Int64(bitPattern: rng.next()))
            let lo = Int128(rng.next())
            values.append(((hi << 64) | lo) >> Int128(rng.next() % 127))
        }
        var checked = 0
        for v in values {
            let got = StrategyMath.double(v)
            let expected = Double(v)
            #expect(got.bitPattern == expected.bitPattern, "v = \(v): \(got) vs \(expected)")
            checked += 1
        }
        #expect(ties == 20_000)
        #expect(checked > 140_000)
    }
}
