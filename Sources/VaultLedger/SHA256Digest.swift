import Crypto

/// A SHA-256 digest (32 bytes), held as four big-endian 64-bit words so it is a cheap value.
@frozen public struct SHA256Digest: Hashable, Sendable, CustomStringConvertible {
    /// Bytes 0–7, 8–15, 16–23 and 24–31, each read big-endian.
    public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// Creates a digest from its four words.
    @inlinable public init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// All zero bytes: the "previous hash" of the first event in a log.
    public static let zero = SHA256Digest(0, 0, 0, 0)

    /// The 32 bytes in order.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return out
    }

    /// Lower-case hex, 64 characters.
    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses 64 hex digits (either case).
    /// - Returns: nil for any other text.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (i, c) in utf8.enumerated() {
            let v: UInt8
            switch c {
            case 0x30...0x39: v = c - 0x30
            case 0x61...0x66: v = c - 0x61 + 10
            case 0x41...0x46: v = c - 0x41 + 10
            default: return nil
            }
            words[i / 16] = words[i / 16] << 4 | UInt64(v)
        }
        self.init(words[0], words[1], words[2], words[3])
    }
}

extension SHA256Digest {
    /// The SHA-256 of `bytes` (swift-crypto; FIPS 180-4).
    /// - Complexity: O(n); allocates swift-crypto's hashing context (one small object) and, for
    ///   a sequence that is not contiguous, a copy of the bytes.
    public init(hashing bytes: some Sequence<UInt8>) {
        let contiguous = bytes.withContiguousStorageIfAvailable { SHA256Digest(hashing: UnsafeRawBufferPointer($0)) }
        self = contiguous ?? Array(bytes).withUnsafeBytes { SHA256Digest(hashing: $0) }
    }

    /// The SHA-256 of the bytes in `buffer`, in one `update` call.
    /// - Complexity: O(n); allocates swift-crypto's hashing context (one small object).
    public init(hashing buffer: UnsafeRawBufferPointer) {
        var hasher = SHA256()
        hasher.update(bufferPointer: buffer)
        self.init(hasher.finalize())
    }

    /// The four big-endian words of a swift-crypto digest.
    init(_ digest: Crypto.SHA256Digest) {
        self = digest.withUnsafeBytes { raw in
            // A SHA-256 digest is 32 bytes, so the four 8-byte loads stay inside `raw`.
            precondition(raw.count == 32, "a SHA-256 digest is 32 bytes")
            return SHA256Digest(
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
        }
    }
}
