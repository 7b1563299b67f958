import Foundation
import Testing
import VaultCLI

/// The fuzz entry points (driven by `.ci/fuzz`, outside CI) run here on the examples, so they keep
/// compiling and keep reaching the engines: every example line is applied, none refused.
@Suite struct FuzzEntryTests {
    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: repoRoot.appendingPathComponent("docs/examples/\(name)")))
    }

    static func opLines(_ name: String) throws -> Int {
        try String(decoding: bytes(name), as: UTF8.self).split(separator: "\n").count
    }

    @Test func examplesRunThroughEveryEntryPoint() throws {
        let market = try Self.bytes("market.json")
        let perp = try Self.bytes("perp-market.json")
        #expect(FuzzEntry.marketFile(market))
        #expect(FuzzEntry.marketFile(perp))
        #expect(FuzzEntry.match(try Self.bytes("book.jsonl")) == (try Self.opLines("book.jsonl")))
        #expect(FuzzEntry.match(try Self.bytes("auction.jsonl"), market: market) == (try Self.opLines("auction.jsonl")))
        #expect(FuzzEntry.match(try Self.bytes("liquidation.jsonl"), market: perp) == (try Self.opLines("liquidation.jsonl")))
        #expect(FuzzEntry.replay(try Self.bytes("vault-replay.jsonl")) == (try Self.opLines("vault-replay.jsonl")))
    }

    @Test func refusedInputIsAnAnswerNotATrap() {
        #expect(FuzzEntry.marketFile(Array(#"{"tick":"0"}"#.utf8)) == false)
        #expect(FuzzEntry.match([], market: Array("{".utf8)) == nil)
        // Stops at the first malformed line; CRLF and a byte-order mark read as in a file.
        let lines = "\u{FEFF}" + #"{"op":"advance","ts":1}"# + "\r\n" + #"{"op":"advance","ts":0}"# + "\n" + #"{"op":"advance","ts":2}"#
        #expect(FuzzEntry.match(Array(lines.utf8)) == 1)
        #expect(FuzzEntry.match([0xFF, 0x0A]) == 0)
        #expect(FuzzEntry.replay(Array(#"{"op":"deposit","ts":0}"#.utf8)) == 0)
    }
}
