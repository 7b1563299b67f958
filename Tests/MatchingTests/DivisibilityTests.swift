@testable import Matching
import Testing

/// The division-free multiple test agrees with `%` for every divisor shape (odd, powers of two,
/// mixed, 1, huge) on multiples, neighbours of multiples, and random values up to `Int64.max`.
@Suite struct DivisibilityTests {
    @Test func agreesWithRemainder() {
        var rng = SplitMix64(seed: 0xD1_71DE)
        var divisors: [Int64] = [1, 2, 3, 7, 10, 16, 1_000, 10_000, 1_000_000, 1_000_000_000, 123_457, 1 << 40, 3 << 40,
                                 Int64.max, Int64.max - 1, (1 << 62) + 1]
        for _ in 0..<300 { divisors.append(Int64(1 + rng.next() % UInt64(Int64.max))) }
        for _ in 0..<300 { divisors.append(Int64(1 + rng.next() % 1_000_000)) }
        var multiples = 0
        for d in divisors {
            let t = DivisibilityTest(d)
            var values: [Int64] = [0, 1, d, Int64.max]
            if d > 1 { values.append(d - 1) }
            if d < Int64.max { values.append(d + 1) }
            for _ in 0..<50 {
                let k = Int64(rng.next() % (UInt64(Int64.max / d) + 1))  // k × d ≤ Int64.max
                let m = k * d
                values += [m, m == 0 ? 0 : m - 1, m == Int64.max ? m : m + 1]
                values.append(Int64(rng.next() >> 1))
            }
            for n in values {
                let expected = n % d == 0
                if expected { multiples += 1 }
                #expect(t.divides(n) == expected, "\(n) % \(d)")
            }
        }
        #expect(multiples > 30_000)  // not vacuous: most drawn values are multiples
    }
}
