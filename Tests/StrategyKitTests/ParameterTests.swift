import MarketCore
import StrategyKit
import Testing

/// A tiny descriptor with one parameter of each kind, declared here so these tests do not depend
/// on any strategy.
private let demo = StrategyDescriptor(
    name: "demo", summary: "parameter validation fixture",
    parameters: [
        .price("lower", default: "90", min: "0.000001", live: true, doc: "lowest price"),
        .price("upper", default: "110", min: "0.000001", live: true, doc: "highest price"),
        .fraction("share", default: "0.1", live: true, doc: "a fraction in 0...1"),
        .quantity("size", default: "0.5", min: "0.000000001", max: "1000", live: true, doc: "order size"),
        .integer("levels", default: 5, min: 2, max: 200, unit: "levels", live: false, doc: "not live"),
        .choice("spacing", ["arithmetic", "geometric"], default: "arithmetic", live: true, doc: "a choice"),
        .flag("enabled", default: true, live: true, doc: "a flag"),
    ],
    check: { p in
        p.price("lower") < p.price("upper")
            ? nil : "parameter 'lower' (\(p.price("lower"))) must be below 'upper' (\(p.price("upper")))"
    })

private func validate(_ pairs: [(String, ParameterInput)], over base: ParameterSet? = nil, liveOnly: Bool = false)
    -> Result<ParameterSet, ParameterError>
{
    demo.parameters(pairs.map { (key: $0.0, value: $0.1) }, over: base, liveOnly: liveOnly)
}

private func error(_ r: Result<ParameterSet, ParameterError>) -> ParameterError? {
    if case .failure(let e) = r { return e }
    return nil
}

private func set(_ r: Result<ParameterSet, ParameterError>) -> ParameterSet? {
    if case .success(let s) = r { return s }
    return nil
}

@Suite struct ParameterTests {
    @Test func defaultsAreTheDeclaredValues() {
        let d = demo.defaults
        #expect(d.price("lower").raw == 90_000_000)
        #expect(d.ppm("share").raw == 100_000)          // 0.1 × 1e6
        #expect(d.quantity("size").raw == 500_000_000)  // 0.5 × 1e9
        #expect(d.integer("levels") == 5)
        #expect(d.choice("spacing") == "arithmetic")
        #expect(d.flag("enabled"))
        #expect(d.texts.map(\.value) == ["90", "110", "0.1", "0.5", "5", "arithmetic", "true"])
    }

    @Test func decimalsParseExactly() throws {
        // "0.1" with 6 decimals is exactly 100000 raw (no binary floating point in between).
        let a = try #require(set(validate([("share", .number("0.1"))])))
        #expect(a.ppm("share").raw == 100_000)
        // A JSON string holding a decimal reads the same.
        let b = try #require(set(validate([("share", .string("0.1"))])))
        #expect(b.ppm("share").raw == 100_000)
        // 9 decimals for a quantity: 0.000000001 is one raw unit.
        let c = try #require(set(validate([("size", .number("0.000000001"))])))
        #expect(c.quantity("size").raw == 1)
        // Bounds are inclusive: 0 and 1 are both accepted for a fraction.
        #expect(set(validate([("share", .number("0"))]))?.ppm("share").raw == 0)
        #expect(set(validate([("share", .number("1"))]))?.ppm("share").raw == 1_000_000)
        // Trailing zeros within the precision are fine.
        #expect(set(validate([("share", .number("0.250000"))]))?.ppm("share").raw == 250_000)
    }

    @Test func tooManyDecimalsIsRefused() {
        let e = error(validate([("share", .number("0.1234567"))]))
        #expect(e == .tooPrecise(key: "share", value: "0.1234567", decimals: 6))
        #expect(e?.description == "parameter 'share': 0.1234567 has more than 6 decimal places")
        // Even a zero beyond the precision: text must be exact at the declared precision.
        #expect(error(validate([("share", .number("0.1000000"))])) == .tooPrecise(key: "share", value: "0.1000000", decimals: 6))
        #expect(error(validate([("size", .number("1.0000000001"))])) == .tooPrecise(key: "size", value: "1.0000000001", decimals: 9))
    }

    @Test func outOfRangeNamesKeyAndRange() {
        let e = error(validate([("share", .number("1.5"))]))
        #expect(e == .outOfRange(key: "share", value: "1.5", range: "0...1", unit: "fraction"))
        #expect(e?.description == "parameter 'share': 1.5 is out of range; expected 0...1 (fraction)")

        let lv = error(validate([("levels", .number("300"))]))
        #expect(lv?.description == "parameter 'levels': 300 is out of range; expected 2...200 (levels)")
        #expect(error(validate([("levels", .number("1"))])) == .outOfRange(key: "levels", value: "1", range: "2...200", unit: "levels"))

        let neg = error(validate([("lower", .number("-1"))]))
        #expect(neg?.description == "parameter 'lower': -1 is out of range; expected 0.000001...1000000 (price)")
        // Below the minimum by one raw unit.
        #expect(error(validate([("size", .number("0"))])) == .outOfRange(key: "size", value: "0", range: "0.000000001...1000", unit: "base"))
        // A plain decimal too large for 64 bits is out of range, not a type error.
        let huge = error(validate([("share", .number("99999999999999999999"))]))
        #expect(huge == .outOfRange(key: "share", value: "99999999999999999999", range: "0...1", unit: "fraction"))
        let hugeInt = error(validate([("levels", .number("99999999999999999999"))]))
        #expect(hugeInt == .outOfRange(key: "levels", value: "99999999999999999999", range: "2...200", unit: "levels"))
    }

    @Test func wrongTypeNamesKeyAndExpectedType() {
        // A boolean for a decimal.
        let b = error(validate([("share", .bool(true))]))
        #expect(b == .wrongType(key: "share", value: "true", expected: "decimal"))
        #expect(b?.description == "parameter 'share': true is not a decimal")
        // A word for an integer.
        let w = error(validate([("levels", .string("ten"))]))
        #expect(w == .wrongType(key: "levels", value: "\"ten\"", expected: "integer"))
        #expect(w?.description == "parameter 'levels': \"ten\" is not an integer")
        // A fractional number for an integer.
        #expect(error(validate([("levels", .number("2.5"))])) == .wrongType(key: "levels", value: "2.5", expected: "integer"))
        // An exponent is not a plain decimal.
        #expect(error(validate([("share", .number("1e-1"))])) == .wrongType(key: "share", value: "1e-1", expected: "decimal"))
        // A word for a flag, a number for a choice, null for a decimal.
        #expect(error(validate([("enabled", .string("yes"))])) == .wrongType(key: "enabled", value: "\"yes\"", expected: "boolean"))
        #expect(error(validate([("spacing", .number("1"))]))
            == .wrongType(key: "spacing", value: "1", expected: "one of arithmetic|geometric"))
        #expect(error(validate([("share", .other("null"))])) == .wrongType(key: "share", value: "null", expected: "decimal"))
    }

    @Test func unknownKeyListsTheKnownOnes() {
        let e = error(validate([("levelz", .number("5"))]))
        let known = ["lower", "upper", "share", "size", "levels", "spacing", "enabled"]
        #expect(e == .unknownKey("levelz", known: known))
        #expect(e?.description == "unknown parameter 'levelz'; expected one of lower, upper, share, size, levels, spacing, enabled")
    }

    @Test func choiceAcceptsOnlyItsWords() {
        #expect(set(validate([("spacing", .string("geometric"))]))?.choice("spacing") == "geometric")
        let e = error(validate([("spacing", .string("fibonacci"))]))
        #expect(e == .outOfRange(key: "spacing", value: "\"fibonacci\"", range: "arithmetic|geometric", unit: ""))
        #expect(e?.description == "parameter 'spacing': \"fibonacci\" is out of range; expected arithmetic|geometric")
        // Case matters: the words are exact.
        #expect(error(validate([("spacing", .string("Geometric"))])) != nil)
    }

    @Test func flagsTakeBooleans() {
        #expect(set(validate([("enabled", .bool(false))]))?.flag("enabled") == false)
        #expect(error(validate([("enabled", .number("1"))])) == .wrongType(key: "enabled", value: "1", expected: "boolean"))
    }

    @Test func liveOnlyRefusesANonLiveChangeButAcceptsTheSameValue() throws {
        let base = try #require(set(validate([("levels", .number("7"))])))
        #expect(base.integer("levels") == 7)
        // Changing a non-live key while running is refused, naming the key.
        let e = error(validate([("levels", .number("9"))], over: base, liveOnly: true))
        #expect(e == .notLive(key: "levels"))
        #expect(e?.description.hasPrefix("parameter 'levels' cannot change while the strategy runs") == true)
        // The same value (the running one, not the default) passes.
        let same = try #require(set(validate([("levels", .number("7")), ("share", .number("0.3"))], over: base, liveOnly: true)))
        #expect(same.integer("levels") == 7)
        #expect(same.ppm("share").raw == 300_000)
        // Without liveOnly (a restart) the change is fine.
        #expect(set(validate([("levels", .number("9"))], over: base))?.integer("levels") == 9)
        // A live key changes freely under liveOnly.
        #expect(set(validate([("spacing", .string("geometric"))], over: base, liveOnly: true))?.choice("spacing") == "geometric")
    }

    @Test func crossCheckRunsOnTheMergedSet() throws {
        // lower 120 over the default upper 110: refused with the check's message.
        let e = error(validate([("lower", .number("120"))]))
        #expect(e == .inconsistent("parameter 'lower' (120) must be below 'upper' (110)"))
        #expect(e?.description.contains("'lower'") == true && e?.description.contains("'upper'") == true)
        // Equal bounds are refused too (strict).
        #expect(error(validate([("lower", .number("110"))])) != nil)
        // Moving both at once is judged after both are applied, whatever the order of the keys.
        let both = try #require(set(validate([("lower", .number("120")), ("upper", .number("130"))])))
        #expect(both.price("lower").raw == 120_000_000 && both.price("upper").raw == 130_000_000)
        let reversed = try #require(set(validate([("upper", .number("130")), ("lower", .number("120"))])))
        #expect(reversed == both)
    }

    @Test func allOrNothing() throws {
        let base = try #require(set(validate([("share", .number("0.2"))])))
        // A good key then a bad one: the whole set is refused with the bad key's error…
        let r1 = validate([("share", .number("0.5")), ("levels", .number("999"))], over: base)
        #expect(error(r1) == .outOfRange(key: "levels", value: "999", range: "2...200", unit: "levels"))
        // …a bad one first, then good ones: refused as well.
        let r2 = validate([("spacing", .string("x")), ("share", .number("0.5")), ("levels", .number("6"))], over: base)
        #expect(error(r2) != nil)
        // Individually valid keys that fail the cross check: refused, nothing applied.
        let r3 = validate([("share", .number("0.5")), ("lower", .number("200"))], over: base)
        #expect(error(r3) == .inconsistent("parameter 'lower' (200) must be below 'upper' (110)"))
        // The base is untouched by any of these (a value, and no partial set escapes).
        #expect(base.ppm("share").raw == 200_000)
        #expect(base.integer("levels") == 5)
        #expect(base.price("lower").raw == 90_000_000)
        // The good keys alone apply together.
        let ok = try #require(set(validate([("share", .number("0.5")), ("levels", .number("6"))], over: base)))
        #expect(ok.ppm("share").raw == 500_000 && ok.integer("levels") == 6)
    }

    @Test func specTextsAndRanges() {
        let share = demo.parameters[2]
        #expect(share.text(.decimal(100_000)) == "0.1")
        #expect(share.kind.rangeText == "0...1")
        #expect(share.kind.typeName == "decimal")
        #expect(demo.parameters[4].kind.rangeText == "2...200")
        #expect(demo.parameters[5].kind.typeName == "one of arithmetic|geometric")
        #expect(demo.parameters[6].text(.flag(false)) == "false")
        #expect(demo.parameters[3].text(.decimal(1)) == "0.000000001")
    }

    @Test(arguments: [
        ("0.1", 6, Int64(100_000)),
        ("-0.1", 6, -100_000),
        ("-0.000001", 6, -1),
        ("12.5", 9, 12_500_000_000),
        ("-12.5", 9, -12_500_000_000),
        ("0", 6, 0),
        ("61800.3", 6, 61_800_300_000),
        ("42", 0, 42),
        ("-42", 0, -42),
        ("9223372036854.775807", 6, Int64.max),
        ("-9223372036854.775807", 6, -Int64.max),
        ("-9223372036854.775808", 6, Int64.min),
    ])
    func fixedRoundTrips(text: String, decimals: Int, raw: Int64) {
        #expect(parseFixed(text, decimals) == raw)
        #expect(formatFixed(raw, decimals) == text)
        #expect(parseFixed(formatFixed(raw, decimals), decimals) == raw)
    }

    @Test func parseFixedNormalisesAndRefuses() {
        // Accepted spellings that format back canonically (trailing zeros trimmed, sign dropped).
        #expect(parseFixed("100.000", 6) == 100_000_000)
        #expect(formatFixed(100_000_000, 6) == "100")
        #expect(parseFixed("+1.5", 6) == 1_500_000)
        #expect(parseFixed("-0", 6) == 0)
        #expect(formatFixed(0, 6) == "0")
        #expect(formatFixed(-500_000_000, 9) == "-0.5")
        // Overflow → nil: one raw unit past Int64.max, a huge whole part, a whole part that overflows once scaled.
        #expect(parseFixed("9223372036854.775808", 6) == nil)
        #expect(parseFixed("99999999999999999999", 0) == nil)
        #expect(parseFixed("10000000000000", 6) == nil)     // 1e13 × 1e6 = 1e19 > 9.22e18
        #expect(parseFixed("-10000000000000", 6) == nil)
        // Too many decimals, not a decimal, or an unsupported scale → nil.
        #expect(parseFixed("1.5", 0) == nil)
        #expect(parseFixed("0.0000001", 6) == nil)
        #expect(parseFixed("", 6) == nil)
        #expect(parseFixed("-", 6) == nil)
        #expect(parseFixed("1e5", 6) == nil)
        #expect(parseFixed("1.2.3", 6) == nil)
        // A point needs digits on both sides, as FixedPoint parsing requires.
        #expect(parseFixed(".5", 6) == nil)
        #expect(parseFixed("5.", 6) == nil)
        #expect(parseFixed("-.5", 6) == nil)
        #expect(parseFixed("abc", 6) == nil)
        #expect(parseFixed("1", 19) == nil)
        #expect(parseFixed("1", -1) == nil)
    }

    @Test func marketRoundingFavoursTheStrategy() {
        let m = MarketInfo(tick: Price(raw: 10_000), step: Quantity(raw: 1_000_000), minSize: Quantity(raw: 1_000_000))
        // tick 0.01: 100.005 → a bid rounds down to 100.00, an ask up to 100.01.
        #expect(m.rounded(Price(raw: 100_005_000), for: .buy).raw == 100_000_000)
        #expect(m.rounded(Price(raw: 100_005_000), for: .sell).raw == 100_010_000)
        // Already on the tick: unchanged either way.
        #expect(m.rounded(Price(raw: 100_010_000), for: .buy).raw == 100_010_000)
        #expect(m.rounded(Price(raw: 100_010_000), for: .sell).raw == 100_010_000)
        // One raw unit above a tick: the bid drops to the tick, the ask goes to the next one.
        #expect(m.rounded(Price(raw: 100_000_001), for: .buy).raw == 100_000_000)
        #expect(m.rounded(Price(raw: 100_000_001), for: .sell).raw == 100_010_000)
        // Negative prices still floor/ceil: −0.005 → bid −0.01, ask 0.
        #expect(m.rounded(Price(raw: -5_000), for: .buy).raw == -10_000)
        #expect(m.rounded(Price(raw: -5_000), for: .sell).raw == 0)
        // step 0.001: 1.2345 → 1.234 (down, never more than asked); exact stays; ≤ 0 → 0.
        #expect(m.rounded(Quantity(raw: 1_234_500_000)).raw == 1_234_000_000)
        #expect(m.rounded(Quantity(raw: 1_234_000_000)).raw == 1_234_000_000)
        #expect(m.rounded(Quantity(raw: 999_999)).raw == 0)
        #expect(m.rounded(Quantity(raw: -1_234_500_000)).raw == 0)
        // A market without tick/step leaves values alone (a negative size still becomes zero).
        let free = MarketInfo(tick: .zero, step: .zero, minSize: .zero)
        #expect(free.rounded(Price(raw: 123_456_789), for: .sell).raw == 123_456_789)
        #expect(free.rounded(Quantity(raw: 7)).raw == 7)
        #expect(free.rounded(Quantity(raw: -7)).raw == 0)
    }
}
