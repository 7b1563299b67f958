import MarketCore
import Testing

@testable import VaultLedger

/// The 256-bit `mulDivChecked` (64-bit limbs, hardware division, Knuth D) against the standard
/// library's generic `multipliedFullWidth` / `dividingFullWidth`, computed independently here.
@Suite struct WideArithmeticTests {
    /// Reference: `a × b / c` rounded as asked, nil when it does not fit `Int128`.
    func reference(_ a: Int128, _ b: Int128, _ c: Int128, _ rounding: Rounding) -> Int128? {
        let wide = UInt128(a).multipliedFullWidth(by: UInt128(b))
        let d = UInt128(c)
        guard wide.high < d else { return nil }
        var (q, r) = d.dividingFullWidth(wide)
        if rounding == .up && r != 0 {
            guard q < UInt128.max else { return nil }
            q += 1
        }
        return q <= UInt128(Int128.max) ? Int128(q) : nil
    }

    /// A value of `bits` random bits (0...127), non-negative.
    func value(_ bits: Int, _ rng: inout SplitMix64) -> Int128 {
        let raw = UInt128(rng.next()) << 64 | UInt128(rng.next())
        return bits == 0 ? 0 : Int128(raw >> UInt128(128 - bits))
    }

    @Test func randomOperandsOfEveryWidth() {
        var rng = SplitMix64(seed: 2026)
        var checked = 0
        for _ in 0..<200_000 {
            let a = value(Int(rng.next() % 128), &rng), b = value(Int(rng.next() % 128), &rng)
            let c = max(1, value(Int(rng.next() % 127) + 1, &rng))
            for rounding in [Rounding.down, .up] {
                let got = mulDivChecked(a, b, c, rounding), want = reference(a, b, c, rounding)
                #expect(got == want, "\(a) × \(b) / \(c) \(rounding)")
                if got != nil { checked += 1 }
            }
        }
        #expect(checked > 100_000)  // most draws fit: the check is not vacuous
    }

    @Test func edgeOperands() {
        let edges: [Int128] = [
            0, 1, 2, 3, (1 << 63) - 1, 1 << 63, (1 << 64) - 1, 1 << 64, (1 << 64) + 1, (1 << 100) + 12345, (1 << 126),
            Int128.max - 1, Int128.max, 1_000_000_007, 31_536_000_000_000,
        ]
        for a in edges {
            for b in edges {
                for c in edges where c > 0 {
                    for rounding in [Rounding.down, .up] {
                        #expect(mulDivChecked(a, b, c, rounding) == reference(a, b, c, rounding), "\(a) × \(b) / \(c) \(rounding)")
                    }
                }
            }
        }
    }

    @Test func knuthCorrectionSteps() {
        // Divisors with the top bit set after normalisation and dividends just below q × d, where
        // the first quotient-digit estimate is too large and must be corrected.
        var rng = SplitMix64(seed: 7)
        for _ in 0..<50_000 {
            let d = UInt128(rng.next() | 1 << 63) << 64 | UInt128(rng.next() & 0xFF)  // ≥ 2^127, low digit small
            let q = UInt128(rng.next()) << 64 | UInt128(rng.next())
            let product = d.multipliedFullWidth(by: q)
            // product − 1 divided by d: quotient q − 1, remainder d − 1 (when q ≥ 1).
            guard q > 0 else { continue }
            let (borrowLow, underflow) = product.low.subtractingReportingOverflow(1)
            let high = underflow ? product.high - 1 : product.high
            let (quotient, remainder) = divFull(high, borrowLow, by: d)
            #expect(quotient == q - 1 && remainder == d - 1)
            let exact = divFull(product.high, product.low, by: d)
            #expect(exact.quotient == q && exact.remainder == 0)
        }
    }
}
