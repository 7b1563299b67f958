import Testing

@testable import VaultLedger

/// `PackedLog.sameBytes` compares the two strings' UTF-8 buffers through pointers, 8 bytes at a
/// time then byte by byte: checked here against comparing `Array(utf8)`, on small (inline) and
/// heap strings of every length around the 8-byte steps, differing at every position.
@Suite struct SameBytesTests {
    static func strings() -> [String] {
        var out: [String] = ["", "*", "K", "\u{212A}", "é", "e\u{301}", "ü", "u\u{308}", "manager", "d0001", "d0002"]
        for length in [1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 63, 64] {
            let base = String(repeating: "ab", count: 40).prefix(length)
            out.append(String(base))
            // The same bytes built another way (a separate buffer, not a copy of the first).
            out.append(String(decoding: Array(base.utf8), as: UTF8.self))
            // One byte different, at the first, a middle and the last position.
            for at in Set([0, length / 2, length - 1]) {
                var bytes = Array(base.utf8)
                bytes[at] = UInt8(ascii: "z")
                out.append(String(decoding: bytes, as: UTF8.self))
            }
            out.append(String(base) + "é")
            out.append("é" + String(base.dropFirst()))
        }
        return out
    }

    @Test func sameBytesComparesUTF8() {
        let all = Self.strings()
        var equalPairs = 0
        for a in all {
            for b in all {
                let expected = Array(a.utf8) == Array(b.utf8)
                #expect(PackedLog.sameBytes(a, b) == expected, "\(a.debugDescription) vs \(b.debugDescription)")
                if expected { equalPairs += 1 }
            }
        }
        // Every string equals itself, and the rebuilt copies add more: the equal side is exercised.
        #expect(equalPairs > all.count)
        // Canonically equivalent but different bytes: not the same (`==` would say equal).
        #expect(!PackedLog.sameBytes("K", "\u{212A}"))
        #expect(!PackedLog.sameBytes("é", "e\u{301}"))
        #expect("é" == "e\u{301}")
    }
}
