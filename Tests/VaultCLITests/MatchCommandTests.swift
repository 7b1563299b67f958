import MarketCore
import Foundation
import Testing
@testable import VaultCLI

/// Runs `lines` through a session and returns the output lines, or the input error.
func runMatch(_ lines: [String], market: MarketFile = .default) -> (out: [String], error: String?) {
    var session = MatchSession(file: market)
    var out = OutputBuffer(capture: true)
    for (i, l) in lines.enumerated() {
        do { try session.apply(line: Substring(l), number: i + 1, out: &out) } catch {
            return (out.captured!, "\(error)")
        }
    }
    return (out.captured!, nil)
}

/// The repository root (this file is Tests/VaultCLITests/…).
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct MatchCommandTests {
    @Test func plainBookExampleFromTheReadme() throws {
        let text = try String(contentsOf: repoRoot.appendingPathComponent("docs/examples/book.jsonl"), encoding: .utf8)
        let (out, error) = runMatch(text.split(separator: "\n").map(String.init))
        #expect(error == nil)
        // o3 buys 2 @ 100.50 from o1: notional 201.00, taker fee 10 bps = 0.201, maker rebate 2 bps = −0.0402;
        // then 0.5 @ 100.60 from o2: 50.30, 0.0503, −0.01006.
        #expect(out.contains(#"{"event":"fill","taker":"o3","takerAccount":"a3","side":"buy","maker":"o1","makerAccount":"a1","price":"100.50","size":"2.000","notional":"201.00","takerFee":"0.201","makerFee":"-0.0402","step":0,"ts":3}"#))
        #expect(out.contains(#"{"event":"fill","taker":"o3","takerAccount":"a3","side":"buy","maker":"o2","makerAccount":"a2","price":"100.60","size":"0.500","notional":"50.30","takerFee":"0.0503","makerFee":"-0.01006","step":0,"ts":3}"#))
        // o5 (post-only buy at 100.70) would cross o2's remaining ask at 100.60.
        #expect(out.contains(#"{"event":"rejected","id":"o5","reason":"post_only_would_cross","ts":5}"#))
        #expect(out.contains(#"{"event":"cancelled","id":"o2","remaining":"0.500","reason":"requested","ts":6}"#))
        #expect(out.count == 10)
    }

    @Test(arguments: [
        (#"{"op":"place","id":"x","account":"a","side":"buy","price":"1.1234567","size":"1","ts":5}"#, "line 2: field 'price': too many decimals (at most 6) in \"1.1234567\""),
        (#"{"op":"place","id":"x","account":"a","side":"up","price":"1","size":"1","ts":5}"#, "line 2: field 'side': expected \"buy\" or \"sell\""),
        (#"{"op":"place","id":"x","account":"a","side":"buy","price":1.5,"size":"1","ts":5}"#, "line 2: field 'price': expected a decimal string such as \"100.5\""),
        (#"{"op":"place","id":"x","account":"a","side":"buy","price":"1e3","size":"1","ts":5}"#, "line 2: field 'price': exponent forms like 1e5 are not accepted; write the digits in \"1e3\""),
        (#"{"op":"cancel","ts":5}"#, "line 2: field 'id': missing"),
        (#"{"op":"cancel","id":"o1","ts":5,"extra":true}"#, "line 2: unknown field 'extra'"),
        (#"{"op":"fly","ts":5}"#, "line 2: field 'op': unknown op \"fly\" (expected place, cancel, amend, oracle, pause, resume, breaker, advance, deposit, withdraw, keeper, trigger)"),
        (#"{"op":"advance","ts":0}"#, "line 2: field 'ts': must not decrease (previous 5)"),
        (#"not json"#, "line 2: not valid JSON"),
    ])
    func malformedLineStopsWithLineAndField(bad: String, message: String) {
        let first = #"{"op":"place","id":"o1","account":"a1","side":"sell","price":"100","size":"1","ts":5}"#
        let after = #"{"op":"place","id":"o2","account":"a2","side":"buy","price":"100","size":"1","ts":6}"#
        let (out, error) = runMatch([first, bad, after])
        #expect(error == message)
        // Line 1 ran; nothing after the bad line did.
        #expect(out == [#"{"event":"accepted","id":"o1","account":"a1","ts":5}"#])
    }

    @Test func liquidationExampleConservesAndLiquidates() throws {
        let text = try String(contentsOf: repoRoot.appendingPathComponent("docs/examples/liquidation.jsonl"), encoding: .utf8)
        let market = try MarketFile.load(repoRoot.appendingPathComponent("docs/examples/perp-market.json").path)
        var session = MatchSession(file: market)
        var out = OutputBuffer(capture: true)
        for (i, l) in text.split(separator: "\n").enumerated() { try session.apply(line: l, number: i + 1, out: &out) }
        let lines = out.captured!
        #expect(lines.contains(#"{"event":"rejected","id":"big","reason":"insufficient_margin","ts":13}"#))
        #expect(lines.filter { $0.hasPrefix(#"{"event":"liquidation","account":"alice""#) }.count == 4)
        #expect(lines.contains { $0.hasPrefix(#"{"event":"bankruptcy","account":"alice""#) })
        #expect(lines.contains { $0.hasPrefix(#"{"event":"keeper_missed","keeper":"k2""#) })
        // 1000 + 100000 + 20000 + 20000 deposited; nothing created or lost.
        #expect(session.venue.netDeposits == Amount(raw: 141_000_000_000))
        #expect(session.venue.quoteSupply == session.venue.netDeposits)
        #expect(session.engine.conservation.base == 0)
    }

    @Test func marketFileErrorsNameTheField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mmvault-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("m.json").path
        try #"{"tick":"0.01","fees":{"tiers":[{"taker":"0.001","maker":"-0.002"}]}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        // A load that succeeds must fail the test, so the error text is checked on the thrown value.
        func loadError() -> String? {
            do { _ = try MarketFile.load(path); return nil } catch { return "\(error)" }
        }
        #expect(loadError() == "\(path): fees.tiers[0].maker: a rebate may not exceed the taker fee")
        try #"{"tick":"0.01","auction":{"steps":3}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(loadError() == "\(path): auction: unknown field 'steps'")
    }
}
