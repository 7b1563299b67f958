import Foundation
import MarketCore
import Testing
@testable import VaultCLI

/// SplitMix64: a tiny deterministic generator, so every seed gives the same lines everywhere.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in `0..<n`.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    /// True with probability `percent` / 100.
    mutating func percent(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
}

/// A field value as JSON text, whether the reader must accept it, and whether it is large
/// (a price ≥ 1000 or a size ≥ 1000; see `HostileLines`).
struct Hostile {
    var json: String
    var ok: Bool
    var large = false

    static func good(_ s: String, large: Bool = false) -> Hostile { Hostile(json: jsonString(s), ok: true, large: large) }
    static func bad(_ s: String) -> Hostile { Hostile(json: jsonString(s), ok: false) }
    static func badJSON(_ raw: String) -> Hostile { Hostile(json: raw, ok: false) }
    /// `null`: a missing required field, or an optional field left out.
    var isNull: Bool { json == "null" }
    /// The value for an optional field (where `null` means absent, which is fine).
    var optional: Hostile { isNull ? Hostile(json: json, ok: true) : self }
}

/// Generates `mmvault match` lines mixing ordinary values with out-of-range and adversarial ones
/// (huge, tiny, negative, zero, one raw unit either side of every bound, malformed numbers, wrong
/// JSON types, repeated and unknown keys, broken JSON, deep nesting, odd strings), and says for
/// each line whether the reader must accept it.
///
/// Large prices are paired with large sizes (the engine bounds positions, trading cash and the
/// venue's total, so their totals cannot overflow). Every value at or beyond a bound is generated.
struct HostileLines {
    var rng: SplitMix64
    var lastTs: Int64 = 0
    var line = 0
    /// Ids of recent valid `place` lines (the targets of cancel and amend).
    var placed: [String] = []
    static let maxTs = Bounds.maxTimestamp.milliseconds

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func price() -> Hostile {
        if rng.percent(22) {
            return rng.pick([.bad("0"), .bad("-0"), .bad("-1"), .bad("-0.01"), .bad("1000000.000001"), .bad("1000000.01"), .bad("1000001"),
                             .bad("2000000"), .bad("9223372036854.775807"), .bad("9223372036854.775808"), .bad("99999999999999999999"),
                             .bad("-99999999999999999999"), .bad("1e5"), .bad("1E-2"), .bad(""), .bad(" 1"), .bad("abc"), .bad("0.0000001"),
                             .bad("1."), .bad(".5"), .bad("+"), .bad("0x10"), .badJSON("100"), .badJSON("100.5"), .badJSON("true"),
                             .badJSON("{}"), .badJSON("[]"), .badJSON("null")])
        }
        if rng.percent(15) {
            return rng.pick([.good("0.01"), .good("0.000001"), .good("+5"), .good("1000000", large: true), .good("999999.99", large: true),
                             .good("999999.999999", large: true), .good("1")])
        }
        let cents = 1 + rng.below(rng.percent(5) ? 100_000_000 : 20_000)
        return .good("\(cents / 100).\(String(format: "%02d", cents % 100))", large: cents >= 100_000)
    }

    mutating func size() -> Hostile {
        if rng.percent(20) {
            return rng.pick([.bad("0"), .bad("-0"), .bad("-1"), .bad("1000000.000000001"), .bad("1000001"), .bad("9223372036.854775808"),
                             .bad("18446744073709551616"), .bad("-18446744073709551616"), .bad("1e3"), .bad(""), .bad("0.0000000001"),
                             .badJSON("1.5"), .badJSON("null"), .badJSON("false")])
        }
        if rng.percent(10) {
            return rng.pick([.good("0.001"), .good("0.000000001"), .good("1000000", large: true), .good("999999.999", large: true), .good("0.01")])
        }
        let milli = 1 + rng.below(50_000)
        return .good("\(milli / 1000).\(String(format: "%03d", milli % 1000))")
    }


    mutating func confidence() -> Hostile {
        if rng.percent(15) {
            return rng.pick([.bad("-0.000001"), .bad("-1"), .bad("1000000.000001"), .bad("99999999999999999999"), .bad("1e2"), .bad("x"),
                             .badJSON("0"), .badJSON("-0.5")])
        }
        return rng.pick([.good("0"), .good("-0"), .good("0.01"), .good("5"), .good("1000000"), .good("999999.999999"),
                         Hostile(json: "null", ok: true), .good("0.05")])
    }

    mutating func amount() -> Hostile {
        if rng.percent(15) {
            return rng.pick([.bad("0"), .bad("-5"), .bad("100000000000.000001"), .bad("9223372036854.775808"), .bad("1e11"),
                             .bad("0.0000001"), .badJSON("10")])
        }
        if rng.percent(2) { return .good("100000000000") }
        return rng.pick([.good("0.000001"), .good("1"), .good("1000"), .good("250000.5"), .good("99999.999999")])
    }

    /// The `ts` field; a valid one advances `next` (committed only when the whole line is valid).
    mutating func ts(_ next: inout Int64) -> Hostile {
        if rng.percent(8) {
            var bad: [Hostile] = [.badJSON("-1"), .badJSON("\(Self.maxTs + 1)"), .badJSON("9223372036854775807"), .badJSON("99999999999999999999"),
                                  .badJSON("-99999999999999999999"), .badJSON("1.5"), .badJSON("1e3"), .badJSON("\"5\""), .badJSON("true"),
                                  .badJSON("null"), .badJSON("-9223372036854775808")]
            if lastTs > 0 { bad.append(.badJSON("\(lastTs - 1)")) }
            return rng.pick(bad)
        }
        if lastTs == 0 && rng.percent(10) { next = 0; return Hostile(json: "-0", ok: true) }
        let r = rng.below(1000)
        if r == 0 { next = Self.maxTs }  // rare: the last millisecond, after which time stays there
        else if r < 10 { next = Swift.min(Self.maxTs, lastTs + Int64(rng.below(1_000_000_000)) * 1000) }
        else if r < 500 { next = Swift.min(Self.maxTs, lastTs + Int64(rng.below(100_000))) }
        else { next = lastTs }
        return Hostile(json: "\(next)", ok: true)
    }

    /// One line and whether the reader must accept it.
    mutating func next() -> (text: String, ok: Bool) {
        let (text, ok, op) = generate()
        if ok && op == "place" {
            placed.append("o\(line)")
            if placed.count > 20 { placed.removeFirst() }
        }
        return (text, ok)
    }

    /// An order id to cancel or amend: mostly a recent order, sometimes any.
    mutating func target() -> String {
        placed.isEmpty || rng.percent(20) ? "o\(1 + rng.below(line))" : rng.pick(placed)
    }

    mutating func generate() -> (text: String, ok: Bool, op: String) {
        line += 1
        var nextTs = lastTs
        var fields: [(String, Hostile)] = []
        let accounts = ["a1", "a2", "a3", "mm1", "mm2"]
        func s(_ x: String) -> Hostile { .good(x) }
        let op: String
        switch rng.below(100) {
        case 0..<40: op = "place"
        case 40..<46: op = "cancel"
        case 46..<54: op = "amend"
        case 54..<68: op = "oracle"
        case 68: op = "pause"
        case 69..<72: op = "resume"
        case 72..<74: op = "breaker"
        case 74..<78: op = "advance"
        case 78..<88: op = "deposit"
        case 88..<92: op = "withdraw"
        case 92..<94: op = "keeper"
        default: op = "trigger"
        }
        fields.append(("op", s(op)))
        switch op {
        case "place":
            fields.append(("id", s("o\(line)")))
            fields.append(("account", s(rng.pick(accounts))))
            fields.append(("side", s(rng.pick(["buy", "sell"]))))
            let market = rng.percent(25)
            if market { fields.append(("type", s("market"))) }
            if !market || rng.percent(30) {
                let p = price()
                fields.append(("price", market ? p.optional : p))
            }
            fields.append(("size", size()))
            if rng.percent(20) { fields.append(("tif", s(rng.pick(["gtc", "ioc", "fok"])))) }
            if rng.percent(5) { fields.append(("postOnly", Hostile(json: "true", ok: true))) }
            if rng.percent(5) { fields.append(("reduceOnly", Hostile(json: "true", ok: true))) }
            if rng.percent(3) { fields.append(("oco", s("o\(Swift.max(1, line - 1 - rng.below(5)))"))) }
            if rng.percent(4) {
                // A bracket needs both prices: one null (absent) without the other is refused.
                let tp = price(), sl = price()
                let okPair = (tp.isNull && sl.isNull) || (tp.ok && sl.ok)
                fields.append(("takeProfit", Hostile(json: tp.json, ok: okPair)))
                fields.append(("stopLoss", Hostile(json: sl.json, ok: okPair)))
            }
        case "cancel":
            fields.append(("id", s(target())))
        case "amend":
            fields.append(("id", s(target())))
            // At least one of price and size; a null one is absent.
            let both = rng.percent(40)
            if both || rng.percent(50) {
                let p = price()
                if both {
                    let z = size()
                    let okPair = (p.ok || p.isNull) && (z.ok || z.isNull) && !(p.isNull && z.isNull)
                    fields.append(("price", Hostile(json: p.json, ok: okPair)))
                    fields.append(("size", Hostile(json: z.json, ok: okPair)))
                } else {
                    fields.append(("price", p))
                }
            } else {
                fields.append(("size", size()))
            }
        case "oracle":
            fields.append(("price", price()))
            if rng.percent(80) { fields.append(("confidence", confidence())) }
        case "pause", "resume":
            fields.append(("scope", s(rng.percent(op == "pause" ? 80 : 50) ? "market" : "global")))
        case "breaker":
            fields.append(("trip", Hostile(json: rng.percent(50) ? "true" : "false", ok: true)))
        case "advance":
            break
        case "deposit", "withdraw":
            fields.append(("account", s(rng.pick(accounts))))
            fields.append(("amount", amount()))
        case "keeper":
            fields.append(("id", s("k\(line)")))  // a new keeper each time: registration takes account and stake
            fields.append(("account", s(rng.pick(accounts))))
            fields.append(("stake", amount()))
        default:  // trigger
            fields.append(("id", s("t\(line)")))
            fields.append(("account", s(rng.pick(accounts))))
            fields.append(("side", s(rng.pick(["buy", "sell"]))))
            let p = price()
            fields.append(("triggerPrice", p))
            fields.append(("size", size()))
            if rng.percent(40) {
                fields.append(("price", price().optional))
            }
        }
        fields.append(("ts", ts(&nextTs)))

        var ok = fields.allSatisfy(\.1.ok)
        // Structural damage, sometimes.
        var text: String
        switch rng.below(40) {
        case 0:  // a repeated key, with a value that would be valid
            let (k, v) = fields[rng.below(fields.count)]
            fields.insert((k, Hostile(json: v.ok ? v.json : "\"1\"", ok: false)), at: rng.below(fields.count + 1))
            ok = false
            text = "{" + fields.map { "\(jsonString($0.0)):\($0.1.json)" }.joined(separator: ",") + "}"
        case 1:  // an unknown field
            fields.append(("bogus", Hostile(json: "1", ok: false)))
            ok = false
            text = "{" + fields.map { "\(jsonString($0.0)):\($0.1.json)" }.joined(separator: ",") + "}"
        case 2:  // truncated (the closing brace is always lost)
            let full = "{" + fields.map { "\(jsonString($0.0)):\($0.1.json)" }.joined(separator: ",") + "}"
            text = String(full.prefix(rng.below(full.count)))
            ok = false
        case 3:  // not an object, or not JSON at all
            text = rng.pick(["[]", "1", "\"op\"", "null", "{", "}", "{\"op\":}", "{\"op\":\"advance\",}", "{\"op\" \"advance\"}",
                             "{'op':'advance'}", "\u{00A0}{}", "{\"op\":\"advance\",\"ts\":1}{}"])
            ok = false
        case 4:  // nested far too deep inside an extra field
            let depth = 60 + rng.below(200)
            fields.append(("deep", Hostile(json: String(repeating: "[", count: depth) + String(repeating: "]", count: depth), ok: false)))
            ok = false
            text = "{" + fields.map { "\(jsonString($0.0)):\($0.1.json)" }.joined(separator: ",") + "}"
        case 5:  // a string with a lone surrogate or a raw control character
            text = rng.percent(50) ? #"{"op":"cancel","id":"\udc00","ts":\#(lastTs)}"# : "{\"op\":\"cancel\",\"id\":\"a\u{01}b\",\"ts\":\(lastTs)}"
            ok = false
            nextTs = lastTs
        case 6:  // legal but unusual: escaped keys, spaces everywhere, long or non-ASCII ids
            let spaced = fields.map { " \(escapedKey($0.0)) :\t\($0.1.json) " }.joined(separator: ",")
            text = "  {" + spaced + "}\t "
        case 7:
            text = #"{"op":"cancel","id":"\#(String(repeating: "x", count: 5000))\ud83d\ude00ü€","ts":\#(nextTs)}"#
            ok = true  // nextTs is the previous ts when the generated one was bad
        default:
            // Shuffle the field order now and then.
            if rng.percent(30) { fields.shuffle(using: &rng) }
            text = "{" + fields.map { "\(jsonString($0.0)):\($0.1.json)" }.joined(separator: ",") + "}"
        }
        if ok { lastTs = nextTs }
        return (text, ok, op)
    }

    /// `key` with some letters written as \u escapes (the same key to a JSON reader).
    mutating func escapedKey(_ key: String) -> String {
        var out = "\""
        for c in key.unicodeScalars {
            if rng.percent(30) { out += String(format: "\\u%04x", c.value) } else { out.unicodeScalars.append(c) }
        }
        return out + "\""
    }
}

extension SplitMix64: RandomNumberGenerator {}

@Suite struct HostileInputTests {
    static let markets: [(name: String, file: MarketFile)] = {
        var m: [(String, MarketFile)] = [("default", .default)]
        for name in ["market.json", "perp-market.json"] {
            m.append((name, try! MarketFile.load(repoRoot.appendingPathComponent("docs/examples/\(name)").path)))
        }
        return m
    }()

    /// Every line either runs (its output is JSON event lines) or is refused with a clean error
    /// naming its line — exactly as the generator predicts — and nothing traps. The session keeps
    /// going after a refused line (the command would stop there; the state is unchanged either way).
    @Test(arguments: [(0, 1 as UInt64), (0, 2), (0, 3), (1, 4), (1, 5), (1, 6), (2, 7), (2, 8), (2, 9)])
    func randomHostileLinesNeverTrap(market: Int, seed: UInt64) throws {
        let lineCount = 4_000
        var gen = HostileLines(seed: seed &* 0x1000_0000_01B3)
        var session = MatchSession(file: Self.markets[market].file)
        var refused = 0
        var events = 0
        for n in 1...lineCount {
            let (text, ok) = gen.next()
            var out = OutputBuffer(capture: true)
            do {
                try session.apply(line: Substring(text), number: n, out: &out)
                #expect(ok, "line \(n) was accepted but should be refused: \(text.prefix(300))")
                for l in out.captured! {
                    let obj = try? JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any]
                    #expect(obj?["event"] is String, "line \(n) wrote a bad event: \(l)")
                    events += 1
                }
            } catch let e as InputError {
                refused += 1
                #expect(!ok, "line \(n) was refused but is valid: \(e.message) — \(text.prefix(300))")
                #expect(e.message.hasPrefix("line \(n): "), "\(e.message)")
                #expect(out.captured!.isEmpty, "a refused line wrote events")
            }
        }
        // Both kinds were exercised.
        #expect(refused > lineCount / 5 && refused < lineCount * 4 / 5, "refused \(refused) of \(lineCount)")
        #expect(events > lineCount / 4, "only \(events) events")
    }

    /// The same generator through the real command and a CRLF/LF-mixed file: the binary writes
    /// exactly what the in-process session wrote for the lines before the first refused one, then
    /// that line's error, and exits with 2 (or 0 when no line was refused).
    @Test(arguments: [0, 1, 2])
    func theCommandStopsAtTheFirstRefusedLineAfterWritingEverythingBefore(market: Int) throws {
        var gen = HostileLines(seed: 0xC0FFEE &+ UInt64(market))
        var rng = SplitMix64(seed: 99)
        var lines: [String] = []
        var session = MatchSession(file: Self.markets[market].file)
        var expectedOut: [String] = []
        var firstError: String?
        // Mostly valid lines, so the first refused one comes late.
        while firstError == nil && lines.count < 3_000 {
            var (text, ok) = gen.next()
            while !ok && rng.below(1000) < 999 { (text, ok) = gen.next() }
            lines.append(text)
            var out = OutputBuffer(capture: true)
            do {
                try session.apply(line: Substring(text), number: lines.count, out: &out)
                expectedOut += out.captured!
            } catch let e as InputError {
                firstError = e.message
            }
        }
        let file = lines.map { $0 + (rng.percent(50) ? "\r\n" : "\n") }.joined()
        let path = try temporaryFile(file)
        #expect(try readAllLines(path) == lines)
        var args = ["match", path]
        if market > 0 { args += ["--market", repoRoot.appendingPathComponent("docs/examples/\(Self.markets[market].name)").path] }
        let r = try runBinary(args)
        #expect(r.code == (firstError == nil ? 0 : 2))
        #expect(r.err == (firstError.map { "error: \($0)\n" } ?? ""))
        let outLines = r.out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(outLines.count == expectedOut.count)
        #expect(outLines == expectedOut)
    }
}
