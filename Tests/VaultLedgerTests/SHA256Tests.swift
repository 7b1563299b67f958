import Testing

import VaultLedger

/// FIPS 180-4 / NIST CAVP example vectors for SHA-256, through ``SHA256Digest/init(hashing:)``
/// (swift-crypto underneath).
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
        #expect(SHA256Digest(hashing: Array(message.utf8)).description == hex)
        // A non-contiguous sequence takes the copying path: same digest.
        #expect(SHA256Digest(hashing: message.utf8.lazy.map { $0 }).description == hex)
    }

    @Test func oneMillionA() {
        // FIPS 180-4 long-message vector: 1,000,000 repetitions of 'a'.
        let bytes = [UInt8](repeating: 0x61, count: 1_000_000)
        #expect(SHA256Digest(hashing: bytes).description == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func digestHexRoundTrips() {
        let d = SHA256Digest(hashing: Array("abc".utf8))
        #expect(SHA256Digest(hex: d.description) == d)
        #expect(SHA256Digest(hex: d.description.uppercased()) == d)
        #expect(SHA256Digest(hex: "xyz") == nil)
        #expect(d.bytes.count == 32 && d.bytes[0] == 0xba && d.bytes[31] == 0xad)
    }
}
