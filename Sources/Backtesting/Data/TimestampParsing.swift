import MarketCore

/// Timestamp fields: epoch milliseconds, epoch microseconds, or ISO-8601 (docs/data-formats.md,
/// "Timestamps"). Parsed from the bytes; no formatter, no allocation.
enum TimestampParsing {
    /// Integers from 10^15 up are microseconds (16 digits): no millisecond time that large is
    /// accepted (the latest is 253402300799999, year 9999), and Binance's microsecond stamps have 16.
    static let microsecondsFrom: Int64 = 1_000_000_000_000_000
    /// Integers from 10^16 up are refused.
    static let tooLarge: Int64 = 10_000_000_000_000_000

    /// Parses a timestamp field.
    /// - Throws: a ``RowFailure`` naming `column` when the text is not a timestamp or is out of
    ///   0 … `Bounds.maxTimestamp`.
    @inline(__always)
    static func parse(_ f: Field, column: Int) throws(RowFailure) -> Timestamp {
        let ms = epochDigits(f)
        if _fastPath(ms >= 0) { return Timestamp(milliseconds: ms) }
        return try slowParse(f, column: column)
    }

    /// 9 to 16 digits, read a word at a time, as milliseconds (microseconds from 10^15 on, floored);
    /// -1 for anything else, left to ``slowParse(_:column:)``.
    @inline(never)
    static func epochDigits(_ f: Field) -> Int64 {
        let n = f.count
        guard n > 8 && n <= 16 else { return -1 }
        let first = SWAR.load(f.base)
        let second = SWAR.load(f.base + 8)
        guard SWAR.leadingDigits(first) == 8 && SWAR.leadingDigits(second) >= n &- 8 else { return -1 }
        let value = SWAR.digitsValue(first, count: 8) &* powerOfTen(n &- 8) &+ SWAR.digitsValue(second, count: n &- 8)
        if _fastPath(value <= Bounds.maxTimestamp.milliseconds) { return value }
        return value >= microsecondsFrom ? value / 1000 : -1  // floor: times are not negative
    }

    /// Every other form: short or long integers, ISO-8601, and the errors.
    @inline(never)
    static func slowParse(_ f: Field, column: Int) throws(RowFailure) -> Timestamp {
        let n = f.count
        var value: Int64 = 0
        var i = 0
        while i < n {
            let d = f[i] &- 48
            if d > 9 { break }
            if i == 17 { break }  // more digits than any accepted form; refused below
            value = value &* 10 &+ Int64(d)
            i += 1
        }
        if i == n && n > 0 {
            if value <= Bounds.maxTimestamp.milliseconds { return Timestamp(milliseconds: value) }
            if value >= microsecondsFrom && value < tooLarge {
                return Timestamp(milliseconds: value / 1000)  // floor: times are not negative
            }
            throw outOfRange(f, column: column)
        }
        if n >= 19 && f[4] == 0x2D { return try iso8601(f, column: column) }
        if n > 0 && (0..<n).allSatisfy({ f[$0] &- 48 <= 9 }) { throw outOfRange(f, column: column) }
        throw notATimestamp(f, column: column)
    }

    @inline(never)
    private static func outOfRange(_ f: Field, column: Int) -> RowFailure {
        RowFailure(column: column, message: "\(f.quoted) is out of range: expected epoch milliseconds up to "
                   + "\(Bounds.maxTimestamp.milliseconds) (9999-12-31T23:59:59.999Z) or epoch microseconds (16 digits)")
    }

    @inline(never)
    private static func notATimestamp(_ f: Field, column: Int) -> RowFailure {
        let found = f.count == 0 ? "an empty field" : f.quoted
        return RowFailure(column: column, message: "expected epoch milliseconds or an ISO-8601 time "
                          + "(2024-08-08T23:54:16.298Z), found \(found)")
    }

    /// `YYYY-MM-DD(T| )hh:mm:ss[.fraction][Z | ±hh:mm]`; no zone means UTC; the fraction (1 to 9
    /// digits) is truncated to the millisecond.
    static func iso8601(_ f: Field, column: Int) throws(RowFailure) -> Timestamp {
        let n = f.count
        var i = 0
        var bad = false
        func digits(_ count: Int) -> Int64 {
            var v: Int64 = 0
            for _ in 0..<count {
                guard i < n else { bad = true; return 0 }
                let d = f[i] &- 48
                if d > 9 { bad = true }
                v = v * 10 + Int64(d)
                i += 1
            }
            return v
        }
        func expect(_ byte: UInt8) {
            if i < n && f[i] == byte { i += 1 } else { bad = true }
        }
        let year = digits(4)
        expect(0x2D)
        let month = digits(2)
        expect(0x2D)
        let day = digits(2)
        if i < n && (f[i] == 0x54 || f[i] == 0x74 || f[i] == 0x20) { i += 1 } else { bad = true }  // T t space
        let hour = digits(2)
        expect(0x3A)
        let minute = digits(2)
        expect(0x3A)
        let second = digits(2)
        var millis: Int64 = 0
        if !bad && i < n && f[i] == 0x2E {  // fraction: first three digits count, the rest is dropped
            i += 1
            var count = 0
            while i < n, f[i] &- 48 <= 9 {
                if count < 3 { millis = millis * 10 + Int64(f[i] &- 48) }
                count += 1
                i += 1
            }
            if count == 0 || count > 9 { bad = true }
            for _ in 0..<max(0, 3 - count) { millis *= 10 }
        }
        var offsetMinutes: Int64 = 0
        if !bad && i < n {
            let sign = f[i]
            if (sign == 0x5A || sign == 0x7A) && i == n - 1 {  // Z z
                i += 1
            } else if sign == 0x2B || sign == 0x2D {  // + -
                i += 1
                let oh = digits(2)
                expect(0x3A)
                let om = digits(2)
                if oh > 23 || om > 59 { bad = true }
                offsetMinutes = (oh * 60 + om) * (sign == 0x2D ? -1 : 1)
            } else {
                bad = true
            }
        }
        if bad || i != n { throw notATimestamp(f, column: column) }
        guard year >= 1970, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 59
        else {
            throw RowFailure(column: column, message: "\(f.quoted) is not a valid UTC time from 1970 to 9999")
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let ms = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + millis
        guard ms >= 0 && ms <= Bounds.maxTimestamp.milliseconds else {
            throw RowFailure(column: column, message: "\(f.quoted) is out of range (1970-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z)")
        }
        return Timestamp(milliseconds: ms)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`,
    /// for years ≥ 1).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400  // 0 … 399
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1  // 0 … 365
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // 0 … 146096
        return era * 146_097 + dayOfEra - 719_468
    }
}
