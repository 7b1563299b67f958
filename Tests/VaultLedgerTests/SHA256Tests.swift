import Testing

import VaultLedger

/// FIPS 180-4 / NIST CAVP example vectors for SHA-256.
@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func standardVectors(message: String, hex: String) {
        #expect(SHA256.hash(Array(message.utf8)).description == hex)
    }

    @Test func oneMillionA() {
        // FIPS 180-4 long-message vector: 1,000,000 repetitions of 'a', fed as whole blocks.
        var hasher = SHA256()
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        chunk.withUnsafeBytes { buffer in
            for _ in 0..<1000 { hasher.update(buffer) }
        }
        #expect(hasher.finalize().description == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func bytewiseAndBufferedAgreeAcrossBlockBoundaries() {
        // Lengths around the 55/56/64-byte padding boundaries, hashed byte by byte and in one buffer.
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 129] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var buffered = SHA256()
            bytes.withUnsafeBytes { buffered.update($0) }
            #expect(SHA256.hash(bytes) == buffered.finalize(), "length \(length)")
        }
    }

    @Test func digestHexRoundTrips() {
        let d = SHA256.hash(Array("abc".utf8))
        #expect(SHA256Digest(hex: d.description) == d)
        #expect(SHA256Digest(hex: d.description.uppercased()) == d)
        #expect(SHA256Digest(hex: "xyz") == nil)
        #expect(d.bytes.count == 32 && d.bytes[0] == 0xba && d.bytes[31] == 0xad)
    }
}
