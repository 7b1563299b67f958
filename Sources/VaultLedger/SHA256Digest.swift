#if canImport(CCryptoBoringSSL)
import CCryptoBoringSSL
#else
import Crypto
#endif

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
    /// - Complexity: O(n); for a sequence that is not contiguous, allocates a copy of the bytes.
    public init(hashing bytes: some Sequence<UInt8>) {
        let contiguous = bytes.withContiguousStorageIfAvailable { SHA256Digest(hashing: UnsafeRawBufferPointer($0)) }
        self = contiguous ?? Array(bytes).withUnsafeBytes { SHA256Digest(hashing: $0) }
    }

    /// The SHA-256 of the bytes in `buffer`, in one `update` call.
    /// - Complexity: O(n); no allocation (see ``SHA256Hasher``).
    public init(hashing buffer: UnsafeRawBufferPointer) {
        var hasher = SHA256Hasher()
        hasher.update(buffer)
        self = hasher.finalize()
    }
}

/// The ledger's one SHA-256 hasher (every event hash and every stored-bytes check goes through
/// it): swift-crypto's SHA-256, FIPS 180-4.
///
/// Why not `Crypto.SHA256`: on Linux it keeps its BoringSSL context in a heap object
/// (`DigestContext`), so every hasher costs a `malloc` and a `free` (one per event when the log
/// is hashed as each action is applied), plus a zeroing of the context and of the digest meant
/// for secret data. The log's hashes are public, so here the same BoringSSL functions that
/// `Crypto.SHA256` calls (`SHA256_Init`, `_Update`, `_Final`, from swift-crypto's own
/// `CCryptoBoringSSL` module) run on a `SHA256_CTX` held inline in this struct: on the stack,
/// no allocation. Where that module is not available (Apple platforms, where swift-crypto wraps
/// CryptoKit), `Crypto.SHA256` is used as before. ``SHA256Tests`` pins both paths to the
/// FIPS 180-4 vectors (one, several and 15,625 blocks; updates split at every offset).
struct SHA256Hasher {
    #if canImport(CCryptoBoringSSL)
    private var context = SHA256_CTX()

    init() {
        // Always returns 1 (BoringSSL's documented contract).
        _ = CCryptoBoringSSL_SHA256_Init(&context)
    }

    /// Adds the bytes of `buffer`.
    mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        // Safe: BoringSSL reads exactly `buffer.count` bytes from `base`, which `buffer` covers,
        // and writes only `context`, which `&context` points at for the call's duration.
        _ = CCryptoBoringSSL_SHA256_Update(&context, base, buffer.count)
    }

    /// The digest of everything added (the hasher is spent: call once).
    mutating func finalize() -> SHA256Digest {
        var out: DigestBytes = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &out) { raw in
            // Safe: `out` is 32 bytes (four UInt64s, no padding), exactly SHA256_DIGEST_LENGTH,
            // which is all `SHA256_Final` writes; `raw` is valid for the closure's duration.
            _ = CCryptoBoringSSL_SHA256_Final(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), &context)
        }
        return SHA256Digest(UInt64(bigEndian: out.0), UInt64(bigEndian: out.1), UInt64(bigEndian: out.2), UInt64(bigEndian: out.3))
    }

    /// A digest's 32 bytes in memory order.
    private typealias DigestBytes = (UInt64, UInt64, UInt64, UInt64)
    #else
    private var hasher = SHA256()

    init() {}

    /// Adds the bytes of `buffer`.
    mutating func update(_ buffer: UnsafeRawBufferPointer) { hasher.update(bufferPointer: buffer) }

    /// The digest of everything added (the hasher is spent: call once).
    mutating func finalize() -> SHA256Digest {
        hasher.finalize().withUnsafeBytes { raw in
            // A SHA-256 digest is 32 bytes, so the four 8-byte loads stay inside `raw`.
            precondition(raw.count == 32, "a SHA-256 digest is 32 bytes")
            return SHA256Digest(
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
        }
    }
    #endif
}
