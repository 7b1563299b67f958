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

/// A streaming SHA-256 (FIPS 180-4).
///
/// Hand-written on purpose: `VaultLedger` is a layer-1 module that may depend on nothing but
/// `MarketCore` (no Foundation, no crypto library), yet its event log must be hash-chained.
/// It is checked against the FIPS test vectors ("", "abc", the 448-bit message and one million
/// 'a') in `SHA256Tests`. It hashes public ledger data; it is not constant-time and needs not be.
///
/// No heap allocation: the state, the partial block and the message schedule live on the stack.
public struct SHA256: Sendable {
    private var h0: UInt32 = 0x6a09_e667, h1: UInt32 = 0xbb67_ae85, h2: UInt32 = 0x3c6e_f372, h3: UInt32 = 0xa54f_f53a
    private var h4: UInt32 = 0x510e_527f, h5: UInt32 = 0x9b05_688c, h6: UInt32 = 0x1f83_d9ab, h7: UInt32 = 0x5be0_cd19
    /// The partial block, 64 bytes.
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// Bytes in `block`.
    private var used = 0
    /// Bytes hashed so far.
    private var length: UInt64 = 0

    /// A fresh hasher.
    public init() {}

    /// The digest of `bytes`.
    /// - Complexity: O(n).
    public static func hash(_ bytes: some Sequence<UInt8>) -> SHA256Digest {
        var h = SHA256()
        for b in bytes { h.update(b) }
        return h.finalize()
    }

    /// Appends one byte.
    @inline(__always) public mutating func update(_ byte: UInt8) {
        let i = used
        withUnsafeMutableBytes(of: &block) { $0[i] = byte }
        used = i + 1
        length &+= 1
        if used == 64 {
            compress()
            used = 0
        }
    }

    /// Appends the bytes of a buffer.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        var rest = buffer[...]
        while !rest.isEmpty {
            if used == 0 && rest.count >= 64 {
                let start = rest.startIndex
                withUnsafeMutableBytes(of: &block) { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: rest[start..<start + 64]))
                }
                length &+= 64
                compress()
                rest = rest[(start + 64)...]
            } else {
                update(rest.first!)
                rest = rest.dropFirst()
            }
        }
    }

    /// Appends a 64-bit word, big-endian.
    @inline(__always) public mutating func update(bigEndian word: UInt64) {
        var shift: UInt64 = 56
        while true {
            update(UInt8(truncatingIfNeeded: word >> shift))
            if shift == 0 { break }
            shift -= 8
        }
    }

    /// Pads, finishes and returns the digest. The hasher must not be used afterwards.
    public mutating func finalize() -> SHA256Digest {
        let bitLength = length &* 8
        update(0x80)
        while used != 56 { update(0) }
        update(bigEndian: bitLength)
        precondition(used == 0, "SHA-256 padding must end on a block boundary")
        return SHA256Digest(
            UInt64(h0) << 32 | UInt64(h1), UInt64(h2) << 32 | UInt64(h3),
            UInt64(h4) << 32 | UInt64(h5), UInt64(h6) << 32 | UInt64(h7))
    }

    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Rotate right; masking shifts so LLVM emits one `ror` (no overshift checks).
    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &>> n) | (x &<< (32 &- n)) }

    /// One compression of the full 64-byte `block` into the state.
    private mutating func compress() {
        var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            withUnsafeBytes(of: &block) { raw in
                for i in 0..<16 { w[i] = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)) }
            }
            for i in 16..<64 {
                let x = w[i &- 15], y = w[i &- 2]
                let s0 = Self.rotr(x, 7) ^ Self.rotr(x, 18) ^ (x >> 3)
                let s1 = Self.rotr(y, 17) ^ Self.rotr(y, 19) ^ (y >> 10)
                w[i] = w[i &- 16] &+ s0 &+ w[i &- 7] &+ s1
            }
            Self.k.withUnsafeBufferPointer { k in
                for i in 0..<64 {
                    let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                    let ch = g ^ (e & (f ^ g))  // = (e & f) ^ (~e & g)
                    let t1 = h &+ s1 &+ ch &+ k[i] &+ w[i]
                    let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                    let maj = (a & b) | (c & (a | b))  // = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ maj
                    h = g
                    g = f
                    f = e
                    e = d &+ t1
                    d = c
                    c = b
                    b = a
                    a = t1 &+ t2
                }
            }
        }
        h0 &+= a
        h1 &+= b
        h2 &+= c
        h3 &+= d
        h4 &+= e
        h5 &+= f
        h6 &+= g
        h7 &+= h
    }
}
