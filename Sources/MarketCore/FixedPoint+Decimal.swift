/// Why a piece of decimal text was not accepted.
public enum DecimalParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case invalidCharacter(Character)
    case exponentNotAllowed
    case tooManyDecimals(allowed: Int)
    case missingDigits
    case overflow

    public var description: String {
        switch self {
        case .empty: return "empty number"
        case .invalidCharacter(let c): return "unexpected character '\(c)' (expected digits with an optional '.')"
        case .exponentNotAllowed: return "exponent forms like 1e5 are not accepted; write the digits"
        case .tooManyDecimals(let n): return "too many decimals (at most \(n))"
        case .missingDigits: return "digits expected on both sides of '.'"
        case .overflow: return "number out of range"
        }
    }
}

extension FixedPoint {
    /// Parses decimal text exactly: an optional sign, digits, and optionally `.` and at most
    /// `decimals` digits. Rejects empty text, exponents, extra decimals and overflow.
    /// - Parameter text: e.g. `"61800.30"`, `"-0.001"`.
    /// - Returns: the value, or why the text was rejected.
    public static func parse(_ text: some StringProtocol) -> Result<Self, DecimalParseError> {
        var utf8 = Array(text.utf8)
        if utf8.isEmpty { return .failure(.empty) }
        var negative = false
        if utf8[0] == UInt8(ascii: "-") || utf8[0] == UInt8(ascii: "+") {
            negative = utf8[0] == UInt8(ascii: "-")
            utf8.removeFirst()
            if utf8.isEmpty { return .failure(.empty) }
        }
        var intPart: Int64 = 0
        var frac: Int64 = 0
        var fracDigits = 0
        var seenPoint = false
        var intDigits = 0
        for b in utf8 {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let d = Int64(b - UInt8(ascii: "0"))
                if seenPoint {
                    fracDigits += 1
                    if fracDigits > decimals {
                        // Trailing zeros beyond the scale carry no value but are still refused:
                        // text must be exact at the stated precision.
                        return .failure(.tooManyDecimals(allowed: decimals))
                    }
                    frac = frac * 10 + d
                } else {
                    intDigits += 1
                    let (m, o1) = intPart.multipliedReportingOverflow(by: 10)
                    let (s, o2) = m.addingReportingOverflow(d)
                    if o1 || o2 { return .failure(.overflow) }
                    intPart = s
                }
            case UInt8(ascii: "."):
                if seenPoint { return .failure(.invalidCharacter(".")) }
                seenPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                return .failure(.exponentNotAllowed)
            default:
                return .failure(.invalidCharacter(Character(Unicode.Scalar(b))))
            }
        }
        if intDigits == 0 || (seenPoint && fracDigits == 0) { return .failure(.missingDigits) }
        let fracScaled = frac * pow10(decimals - fracDigits)
        let (m, o1) = intPart.multipliedReportingOverflow(by: scale)
        let (s, o2) = m.addingReportingOverflow(fracScaled)
        if o1 || o2 { return .failure(.overflow) }
        return .success(Self(raw: negative ? -s : s))
    }

    /// Parses decimal text, or returns nil. See ``parse(_:)``.
    public init?(_ text: some StringProtocol) {
        guard case .success(let v) = Self.parse(text) else { return nil }
        self = v
    }

    /// Decimal text with trailing zeros trimmed but at least `minimumDecimals` digits after the
    /// point (a market prints prices with its tick's decimals, so `"61800.30"` round-trips).
    public func formatted(minimumDecimals: Int = 0) -> String {
        let s = Self.scale
        let mag = raw.magnitude
        let ip = mag / UInt64(s)
        var fp = mag % UInt64(s)
        var digits = Self.decimals
        while digits > minimumDecimals && fp % 10 == 0 && digits > 0 {
            fp /= 10
            digits -= 1
        }
        var out = raw < 0 ? "-" : ""
        out += String(ip)
        if digits > 0 {
            let f = String(fp)
            out += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return out
    }

    /// The number of decimals needed to write this value exactly (e.g. a tick of 0.01 → 2).
    public var significantDecimals: Int {
        var digits = Self.decimals
        var fp = raw.magnitude % UInt64(Self.scale)
        while digits > 0 && fp % 10 == 0 {
            fp /= 10
            digits -= 1
        }
        return digits
    }
}
