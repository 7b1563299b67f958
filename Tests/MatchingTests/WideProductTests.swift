@testable import Matching
import MarketCore
import Testing

/// `wideProduct(a, b, c)` (one 64 × 64 → 128-bit multiply when `b × c` fits `Int64`, the checked
/// 128-bit product otherwise) equals the product computed independently: as a magnitude in two
/// 64-bit halves from `UInt64.multipliedFullWidth`, with the sign applied afterwards.
@Suite struct WideProductTests {
    /// a × b × c by hand: |a| × |b| as a 128-bit magnitude, then × |c| in two 64-bit limbs;
    /// nil when it does not fit `Int128` (such inputs are not asked of the function).
    static func model(_ a: Int64, _ b: Int64, _ c: Int64) -> Int128? {
        let ab = a.magnitude.multipliedFullWidth(by: b.magnitude)  // (high, low)
        let lowC = ab.low.multipliedFullWidth(by: c.magnitude)
        let highC = ab.high.multipliedFullWidth(by: c.magnitude)
        // magnitude = highC × 2^64 + lowC; it must stay below 2^127.
        guard highC.high == 0 else { return nil }
        let (mid, carry) = highC.low.addingReportingOverflow(lowC.high)
        guard !carry, mid < 1 << 63 else { return nil }
        let magnitude = (Int128(mid) << 64) | Int128(lowC.low)
        let negative = ((a < 0) != (b < 0)) != (c < 0)
        return magnitude == 0 ? 0 : (negative ? -magnitude : magnitude)
    }

    @Test func agreesWithTheModel() {
        var rng = SplitMix64(seed: 0x3A17)
        let edges: [Int64] = [0, 1, -1, 2, -2, 999_999, 1_000_000, 1_000_000_000_000, -1_000_000_000_000,
                              1_000_000_000_000_000, Int64.max, Int64.min + 1, Int64.max / 1_000_000, 3_037_000_499, 3_037_000_500]
        var checked = 0
        var fast = 0
        var unrepresentable = 0  // products beyond Int128: not asked of the function (it would trap)
        func run(_ a: Int64, _ b: Int64, _ c: Int64) {
            if let expected = Self.model(a, b, c) {
                #expect(wideProduct(a, b, c) == expected, "\(a) × \(b) × \(c)")
                checked += 1
                if !b.multipliedReportingOverflow(by: c).overflow { fast += 1 }
            } else {
                unrepresentable += 1
            }
        }
        for a in edges { for b in edges { for c in edges { run(a, b, c) } } }
        for _ in 0..<100_000 {
            // Every magnitude, both signs: shift a random word right by a random amount.
            func draw() -> Int64 {
                let v = Int64(bitPattern: rng.next() >> (rng.next() % 64))
                return v == Int64.min ? 0 : v
            }
            run(draw(), draw(), draw())
        }
        // Both paths ran on many inputs (the fast one and the checked fallback).
        #expect(checked + unrepresentable == edges.count * edges.count * edges.count + 100_000)
        #expect(checked > 2 * unrepresentable)  // most inputs are checked, not skipped
        #expect(fast > 50_000)
        #expect(checked - fast > 1_000)
    }
}
