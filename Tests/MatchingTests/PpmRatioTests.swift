@testable import Matching
import MarketCore
import Testing

/// `ppmExceeds(a, over: b, limit)` (the oracle guards' and the price-move breaker's test without a
/// division) answers exactly what `mulDiv(a, 1_000_000, b, .down) > limit` answers, and what the
/// exact ratio in `Int128` answers: at the boundary (a × 10⁶ = (limit + 1) × b and one either
/// side), for ratios drawn at random over the whole range, negative and zero operands, and
/// products that overflow 64 bits (the division path).
@Suite struct PpmRatioTests {
    /// ⌊a × 10⁶ / b⌋ > limit, from the exact floor in `Int128` (an independent model).
    static func model(_ a: Int64, _ b: Int64, _ limit: Int64) -> Bool {
        let n = Int128(a) * 1_000_000
        let d = Int128(b)
        var q = n / d
        if (n % d != 0) && ((n < 0) != (d < 0)) { q -= 1 }  // floor, not truncation
        return q > Int128(limit)
    }

    @Test func agreesWithTheDivisionAndTheModel() {
        var rng = SplitMix64(seed: 0x99_1E)
        var both = 0, boundary = 0
        for k in 0..<200_000 {
            var a: Int64, b: Int64, limit: Int64
            switch k % 4 {
            case 0:  // the boundary: a × 10⁶ = (limit + 1) × b, then one either side
                b = 1 + Int64(rng.next() % 1_000_000_000_000)
                limit = Int64(rng.next() % 1_000_000)
                let exact = Int128(limit + 1) * Int128(b)
                let base = Int64(exact / 1_000_000)
                a = base + Int64(rng.next() % 3) - 1
                boundary += 1
            case 1:  // prices and deviations of the engine's range
                b = 1 + Int64(rng.next() % 1_000_000_000_000_000)
                a = Int64(rng.next() % 1_000_000_000_000_000)
                limit = Int64(rng.next() % 2_000_000)
            case 2:  // anything, signs included (the division path decides)
                a = Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64)
                b = Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64)
                limit = Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64)
                // |b| large enough that the ratio in ppm fits 64 bits (mulDiv's result type).
                let minB = Int64(a.magnitude / 1_000_000_000_000 + 1)
                if b.magnitude < UInt64(minB) { b = b < 0 ? -minB : minB }
            default:  // a × 10⁶ overflows 64 bits (and often (limit + 1) × b too): the division path
                a = Int64.max >> Int64(rng.next() % 10)
                let minB = a / 1_000_000_000_000 + 1
                b = minB + Int64(rng.next() % UInt64(Int64.max - minB))
                limit = [0, 1, Int64.max - 1, Int64.max, Int64(rng.next() % 1_000_000)][Int(rng.next() % 5)]
            }
            let fast = ppmExceeds(a, over: b, limit)
            #expect(fast == (mulDiv(a, 1_000_000, b, .down) > limit), "a \(a) b \(b) limit \(limit)")
            #expect(fast == Self.model(a, b, limit), "a \(a) b \(b) limit \(limit)")
            if fast { both += 1 }
        }
        #expect(boundary == 50_000)
        #expect(both > 20_000 && both < 180_000)  // both answers occur
    }

    @Test func handWorkedBoundary() {
        // 1% of 100: 1 × 10⁶ / 100 = 10,000 ppm exactly: not past 10,000, past 9,999.
        #expect(!ppmExceeds(1, over: 100, 10_000))
        #expect(ppmExceeds(1, over: 100, 9_999))
        // 1 × 10⁶ / 3 = 333,333.3…, floor 333,333: past 333,332, not past 333,333.
        #expect(ppmExceeds(1, over: 3, 333_332))
        #expect(!ppmExceeds(1, over: 3, 333_333))
        #expect(!ppmExceeds(0, over: 7, 0))
    }
}
