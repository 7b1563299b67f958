import MarketCore

/// Why a row was refused: the column (an index into the format's ``DataFormat/requiredColumns``,
/// nil for the whole row) and the message. Built only on the failure path.
struct RowFailure: Error {
    var column: Int?
    var message: String
    /// The line the failure is about when it is not the row being read (a depth read-ahead).
    var line: Int? = nil
}

/// One field of a row: bytes inside the reader's buffer, valid until the next line is read.
struct Field {
    let base: UnsafePointer<UInt8>
    let count: Int

    @inline(__always) subscript(_ i: Int) -> UInt8 { base[i] }

    /// The field as text for an error message (at most 64 bytes, invalid UTF-8 repaired).
    var quoted: String {
        let shown = min(count, 64)
        let text = String(decoding: UnsafeBufferPointer(start: base, count: shown), as: UTF8.self)
        return "\"" + text + (shown < count ? "…" : "") + "\""
    }

    /// The field's bytes equal `word` ignoring ASCII case (`word` is lowercase).
    @inline(__always) func equalsIgnoringCase(_ word: StaticString) -> Bool {
        guard count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for i in 0..<count where base[i] | 0x20 != w[i] { return false }
        return true
    }
}

/// How a decimal field failed (encoded as a negative result so the fast path returns one `Int64`).
enum DecimalProblem: Int64 {
    case empty = -1, invalid = -2, negative = -3, exponent = -4, extraDigits = -5, overflow = -6, missingDigits = -7

    /// A parse result below zero is a problem.
    @inline(__always) init?(result: Int64) {
        guard result < 0 else { return nil }
        self.init(rawValue: result)
    }
}

/// `10^n` for `0 ≤ n ≤ 18`, without a table lookup for the scales in use (0 … 9).
@inline(__always)
func powerOfTen(_ n: Int) -> Int64 {
    switch n {
    case 0: return 1
    case 1: return 10
    case 2: return 100
    case 3: return 1_000
    case 4: return 10_000
    case 5: return 100_000
    case 6: return 1_000_000
    case 7: return 10_000_000
    case 8: return 100_000_000
    case 9: return 1_000_000_000
    default: return pow10(n)
    }
}

/// Parses an unsigned decimal field into raw units of `10^-decimals`, exactly.
///
/// Digits, optionally `.` and more digits (at least one on each side). Digits beyond `decimals`
/// must be zeros (`61837.63000000` is a 6-decimal price; `61837.6300001` is not). No sign, exponent,
/// spaces or thousands separators. A field of up to 8 bytes is one word; otherwise up to 7 digits
/// before the point and 8 after it are read a word at a time (``SWAR``); longer numbers, and every
/// malformed field, go through ``parseUnsignedDecimalScalar(_:decimals:)``.
/// - Returns: the raw value (≥ 0), or a ``DecimalProblem`` raw value (< 0).
@inline(__always)
func parseUnsignedDecimal(_ f: Field, decimals: Int) -> Int64 {
    let n = f.count
    if _slowPath(n == 0) { return DecimalProblem.empty.rawValue }
    let p = f.base
    let word = SWAR.load(p)
    if n <= 8 {
        // The whole field in one word: digits and at most one ".", neither first nor last.
        let inField = SWAR.firstBytes(n)
        let dots = SWAR.zeroBytes(word ^ 0x2E2E_2E2E_2E2E_2E2E) & SWAR.high1 & inField
        let others = SWAR.nonDigits(word) & inField
        if _fastPath(others == dots && dots & (dots &- 1) == 0 && dots & 0x80 == 0 && dots &>> UInt64(truncatingIfNeeded: n &* 8 &- 8) == 0) {
            if dots == 0 { return SWAR.digitsValue(word, count: n) &* powerOfTen(decimals) }
            let point = dots.trailingZeroBitCount >> 3  // 1 … n-2
            let below = SWAR.firstBytes(point)
            let packed = (word & below) | ((word &>> 8) & ~below)  // the digits without the point
            return SWAR.digitsValue(packed, count: n &- 1) &* powerOfTen(decimals &- (n &- 1 &- point))
        }
    }
    let wholeDigits = min(SWAR.leadingDigits(word), n)
    if _slowPath(wholeDigits == 0 || wholeDigits == 8) { return parseUnsignedDecimalScalar(f, decimals: decimals) }
    let whole = SWAR.digitsValue(word, count: wholeDigits)  // < 10^7: times the scale cannot overflow
    var frac: Int64 = 0
    if wholeDigits < n {
        guard p[wholeDigits] == 0x2E else { return parseUnsignedDecimalScalar(f, decimals: decimals) }  // "."
        let start = wholeDigits + 1
        let remaining = n - start
        let fracWord = SWAR.load(p + start)
        let fracDigits = min(SWAR.leadingDigits(fracWord), remaining)
        // No digit after the point, or something after the digits (a non-digit, or a ninth digit
        // beyond this word): scalar.
        if _slowPath(fracDigits == 0 || fracDigits != remaining) {
            return parseUnsignedDecimalScalar(f, decimals: decimals)
        }
        if fracDigits <= decimals {
            frac = SWAR.digitsValue(fracWord, count: fracDigits) &* powerOfTen(decimals &- fracDigits)
        } else {
            // Digits beyond the scale must all be "0".
            let extra = (fracWord &>> UInt64(truncatingIfNeeded: decimals &* 8)) & SWAR.firstBytes(fracDigits &- decimals)
            if extra != 0x3030_3030_3030_3030 & SWAR.firstBytes(fracDigits &- decimals) {
                return DecimalProblem.extraDigits.rawValue
            }
            frac = decimals == 0 ? 0 : SWAR.digitsValue(fracWord, count: decimals)
        }
    }
    return whole &* powerOfTen(decimals) &+ frac
}

/// ``parseUnsignedDecimal(_:decimals:)`` at the price scale (6 decimals).
@inline(never)
func parsePriceDigits(_ f: Field) -> Int64 { parseUnsignedDecimal(f, decimals: 6) }

/// ``parseUnsignedDecimal(_:decimals:)`` at the quantity and rate scale (9 decimals).
@inline(never)
func parseQuantityDigits(_ f: Field) -> Int64 { parseUnsignedDecimal(f, decimals: 9) }

/// ``parseUnsignedDecimal(_:decimals:)`` a byte at a time: the same results, for what the
/// word-at-a-time path leaves (8 or more digits before the point, more than 8 after it, and every
/// malformed field).
func parseUnsignedDecimalScalar(_ f: Field, decimals: Int) -> Int64 {
    let n = f.count
    if n == 0 { return DecimalProblem.empty.rawValue }
    let p = f.base
    var i = 0
    var whole: Int64 = 0
    while i < n {
        let d = p[i] &- 48
        if d > 9 { break }
        if i == 18 { return DecimalProblem.overflow.rawValue }  // more than 18 integer digits
        whole = whole &* 10 &+ Int64(d)
        i += 1
    }
    let wholeDigits = i
    var frac: Int64 = 0
    var fracDigits = 0
    if i < n && p[i] == 0x2E {  // "."
        i += 1
        let fracStart = i
        while i < n {
            let d = p[i] &- 48
            if d > 9 { break }
            if fracDigits < decimals {
                frac = frac &* 10 &+ Int64(d)
                fracDigits += 1
            } else if d != 0 {
                return DecimalProblem.extraDigits.rawValue
            }
            i += 1
        }
        if i == fracStart { return i < n ? classify(p[i]) : DecimalProblem.missingDigits.rawValue }
    }
    if i < n { return classify(p[i]) }
    if wholeDigits == 0 { return DecimalProblem.missingDigits.rawValue }
    let (scaled, o1) = whole.multipliedReportingOverflow(by: powerOfTen(decimals))
    let (raw, o2) = scaled.addingReportingOverflow(frac &* powerOfTen(decimals - fracDigits))
    if o1 || o2 { return DecimalProblem.overflow.rawValue }
    return raw
}

/// A decimal with more than `decimals` fraction digits, rounded half up at the scale (the first
/// dropped digit decides). Only called after ``parseUnsignedDecimal(_:decimals:)`` reported
/// `extraDigits`, so the text is otherwise well formed up to its extra digits.
func roundedDecimal(_ f: Field, decimals: Int) -> Int64 {
    var point = -1
    for i in 0..<f.count where f[i] == 0x2E { point = i }
    guard point > 0 else { return DecimalProblem.invalid.rawValue }
    let kept = Field(base: f.base, count: point + 1 + decimals)
    let rest = Field(base: f.base + kept.count, count: f.count - kept.count)
    for i in 0..<rest.count where rest[i] &- 48 > 9 { return classify(rest[i]) }
    let raw = parseUnsignedDecimal(kept, decimals: decimals)
    guard raw >= 0 else { return raw }
    let (up, overflow) = raw.addingReportingOverflow(rest[0] &- 48 >= 5 ? 1 : 0)
    return overflow ? DecimalProblem.overflow.rawValue : up
}

/// What an unexpected byte in a number means.
@inline(__always)
fileprivate func classify(_ byte: UInt8) -> Int64 {
    switch byte {
    case 0x65, 0x45: return DecimalProblem.exponent.rawValue  // e E
    case 0x2D: return DecimalProblem.negative.rawValue  // -
    default: return DecimalProblem.invalid.rawValue
    }
}
