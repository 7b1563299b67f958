/// Eight bytes at a time ("SIMD within a register") for the row scanner and number parsers.
///
/// Every row the readers parse lies in a ``LineBuffer`` padded with ``LineBuffer/padding`` bytes,
/// so a word may be loaded at any position up to a row's end; the bytes past the field are masked
/// or ignored by each caller.
enum SWAR {
    static let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    static let high1: UInt64 = 0x8080_8080_8080_8080

    /// The eight bytes at `p`, the first in the lowest byte.
    @inline(__always)
    static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    /// The high bit of each zero byte of `x`, exactly: `(x & 0x7F…) + 0x7F…` carries into a
    /// byte's high bit unless its low seven bits are zero, and never out of the byte.
    @inline(__always)
    static func zeroBytes(_ x: UInt64) -> UInt64 {
        ~(((x & low7) &+ low7) | x | low7)
    }

    /// The high bit of each comma byte of `word`.
    @inline(__always)
    static func commas(_ word: UInt64) -> UInt64 { zeroBytes(word ^ 0x2C2C_2C2C_2C2C_2C2C) }

    /// How many of the word's bytes, from the first, are ASCII digits (0 … 8).
    ///
    /// A byte is a digit when its high nibble is 3 and adding 6 keeps it so (`0x30…0x39`). Adding 6
    /// may carry out of a byte ≥ 0xFA into the next one, but only after a non-digit, which ends
    /// the count anyway.
    @inline(__always)
    static func leadingDigits(_ x: UInt64) -> Int {
        nonDigits(x).trailingZeroBitCount >> 3  // 8 when there is none
    }

    /// The high bit of each byte of `x` that is not an ASCII digit, exact up to the first such
    /// byte (see ``leadingDigits(_:)``) and exact everywhere when no byte is ≥ 0xFA.
    @inline(__always)
    static func nonDigits(_ x: UInt64) -> UInt64 {
        let nibbles = (x & 0xF0F0_F0F0_F0F0_F0F0) | (((x &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) &>> 4)
        return ~zeroBytes(nibbles ^ 0x3333_3333_3333_3333) & high1
    }

    /// The value of the word's first `count` bytes as decimal digits (`1 ≤ count ≤ 8`, all digits).
    ///
    /// The digits are shifted to the top of the word (zeros become leading digits), then pairs,
    /// quads and octets are combined with one multiply each (`10·256 + 1`, `100·65536 + 1`,
    /// `10000·2³² + 1`).
    @inline(__always)
    static func digitsValue(_ x: UInt64, count: Int) -> Int64 {
        var v = (x & 0x0F0F_0F0F_0F0F_0F0F) &<< UInt64(truncatingIfNeeded: (8 &- count) &* 8)
        v = (v &* 2561) &>> 8
        v = ((v & 0x00FF_00FF_00FF_00FF) &* 6_553_601) &>> 16
        v = ((v & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) &>> 32
        return Int64(truncatingIfNeeded: v)
    }

    /// A mask of the word's first `count` bytes (`1 ≤ count ≤ 8`).
    @inline(__always)
    static func firstBytes(_ count: Int) -> UInt64 {
        count >= 8 ? ~0 : (1 &<< UInt64(truncatingIfNeeded: count &* 8)) &- 1
    }
}
