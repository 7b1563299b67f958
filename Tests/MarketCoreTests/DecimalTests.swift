import MarketCore
import PropertyBased
import Testing

@Suite struct DecimalTests {
    @Test func parsesExactDecimals() throws {
        #expect(Price("61800.30")?.raw == 61_800_300_000)
        #expect(Price("0.000001")?.raw == 1)
        #expect(Quantity("2")?.raw == 2_000_000_000)
        #expect(Quantity("-0.5")?.raw == -500_000_000)
        #expect(Amount("+12.5")?.raw == 12_500_000)
    }

    @Test(arguments: [
        ("", DecimalParseError.empty),
        ("-", .empty),
        ("1e5", .exponentNotAllowed),
        ("1.5E2", .exponentNotAllowed),
        ("1.0000001", .tooManyDecimals(allowed: 6)),
        ("1.", .missingDigits),
        (".5", .missingDigits),
        ("1.2.3", .invalidCharacter(".")),
        ("12a", .invalidCharacter("a")),
        (" 1", .invalidCharacter(" ")),
        ("9223372036854.775808", .overflow),
        ("99999999999999999999", .overflow),
    ])
    func rejectsBadText(text: String, expected: DecimalParseError) {
        #expect(Price.parse(text) == .failure(expected))
    }

    @Test func roundTripsWithTickDecimals() {
        let tick = Price("0.01")!
        #expect(tick.significantDecimals == 2)
        #expect(Price("61800.30")!.formatted(minimumDecimals: tick.significantDecimals) == "61800.30")
        #expect(Price("61800.30")!.description == "61800.3")
        #expect(Quantity("-0.001")!.description == "-0.001")
        #expect(Amount.zero.formatted(minimumDecimals: 2) == "0.00")
    }

    @Test func formatThenParseIsIdentity() async {
        await propertyCheck(count: 2000, input: Gen.int64(in: Int64.min + 1 ... Int64.max)) { raw in
            let q = Quantity(raw: raw)
            #expect(Quantity(q.description) == q)
            let p = Price(raw: raw)
            #expect(Price(p.formatted(minimumDecimals: 3)) == p)
        }
    }

    @Test func mulDivRoundsAsStated() {
        #expect(mulDiv(7, 1, 2, .down) == 3)
        #expect(mulDiv(7, 1, 2, .up) == 4)
        #expect(mulDiv(-7, 1, 2, .down) == -4)
        #expect(mulDiv(-7, 1, 2, .up) == -3)
        #expect(mulDiv(6, 1, 2, .up) == 3)
        // 100.5 × 2.5 = 251.25 quote
        #expect(Amount.notional(Price("100.5")!, Quantity("2.5")!, .down) == Amount("251.25")!)
        // 0.000001 × 0.000000001 rounds to 0 down, 0.000001 up
        #expect(Amount.notional(Price(raw: 1), Quantity(raw: 1), .down).raw == 0)
        #expect(Amount.notional(Price(raw: 1), Quantity(raw: 1), .up).raw == 1)
    }

    @Test func mulDivMatchesExactArithmetic() async {
        await propertyCheck(count: 2000, input: Gen.int64(in: -1_000_000_000_000 ... 1_000_000_000_000),
                            Gen.int64(in: -1_000_000_000 ... 1_000_000_000), Gen.int64(in: 1 ... 1_000_000_000)) { a, b, c in
            let down = mulDiv(a, b, c, .down)
            let up = mulDiv(a, b, c, .up)
            let exact = Int128(a) * Int128(b)
            #expect(Int128(down) * Int128(c) <= exact)
            #expect(Int128(down + 1) * Int128(c) > exact)
            #expect(Int128(up) * Int128(c) >= exact)
            #expect(up - down <= 1)
        }
    }
}
