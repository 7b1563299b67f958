import MarketCore

/// The scale of a decimal column, and its name in messages.
enum DecimalScale: UInt8 {
    case price, quantity, rate

    /// `Price.decimals`, `Quantity.decimals`, `FundingRate.decimals` as literals: a `static let`
    /// of another module is read through an accessor call on every row (ReaderTests checks that
    /// they agree).
    @inline(__always) var decimals: Int {
        switch self {
        case .price: return 6
        case .quantity: return 9
        case .rate: return 9
        }
    }

    var name: String { ["price", "quantity", "rate"][Int(rawValue)] }
}

/// The scale and bounds of one kind of decimal column. The rules are computed properties so that
/// each call site sees constants.
struct DecimalRule {
    let scale: DecimalScale
    /// Smallest accepted raw value (0 or 1: non-negative or positive; negative for rates).
    let minimum: Int64
    /// Largest accepted raw value.
    let maximum: Int64
    /// Digits beyond the scale are rounded (half up) instead of refused: candle volume only
    /// (docs/data-formats.md, "Decimals").
    var roundsExtraDigits = false

    @inline(__always) var decimals: Int { scale.decimals }

    /// Prices: positive, at most `Bounds.maxPrice`.
    @inline(__always) static var price: DecimalRule { DecimalRule(scale: .price, minimum: 1, maximum: Bounds.maxPrice.raw) }
    /// Trade sizes: positive, at most `Bounds.maxOpenInterest`.
    @inline(__always) static var tradeSize: DecimalRule {
        DecimalRule(scale: .quantity, minimum: 1, maximum: Bounds.maxOpenInterest.raw)
    }
    /// Book sizes (quotes, depth; 0 deletes a level): at most `Bounds.maxOpenInterest`.
    @inline(__always) static var bookSize: DecimalRule {
        DecimalRule(scale: .quantity, minimum: 0, maximum: Bounds.maxOpenInterest.raw)
    }
    /// Candle volume: anything a `Quantity` holds (quote volumes can be large); extra digits rounded.
    @inline(__always) static var volume: DecimalRule {
        DecimalRule(scale: .quantity, minimum: 0, maximum: Int64.max, roundsExtraDigits: true)
    }
    /// Funding rates: |rate| ≤ 1 (100% per period).
    @inline(__always) static var rate: DecimalRule {
        DecimalRule(scale: .rate, minimum: -1_000_000_000, maximum: 1_000_000_000)
    }

    /// The field's raw value under this rule (an unsigned rule: `minimum ≥ 0`).
    ///
    /// Small on purpose, so that it inlines and the rule's constants fold: the digits are read by
    /// one out-of-line function per scale.
    @inline(__always)
    func parse(_ f: Field, column: Int) throws(RowFailure) -> Int64 {
        let raw = scale == .price ? parsePriceDigits(f) : parseQuantityDigits(f)
        if _fastPath(raw >= minimum && raw <= maximum) { return raw }
        return try slowParse(f, raw: raw, column: column)
    }

    /// The failure path of ``parse(_:column:)``, and the rounding of extra digits where allowed.
    @inline(never)
    private func slowParse(_ f: Field, raw: Int64, column: Int) throws(RowFailure) -> Int64 {
        var raw = raw
        if raw == DecimalProblem.extraDigits.rawValue && roundsExtraDigits { raw = roundedDecimal(f, decimals: decimals) }
        if let problem = DecimalProblem(result: raw) { throw failure(f, problem, column: column) }
        guard raw >= minimum && raw <= maximum else { throw outOfBounds(f, raw: raw, column: column) }
        return raw
    }

    /// A signed field (an optional leading `-` or `+`), for rates.
    func parseSigned(_ f: Field, column: Int) throws(RowFailure) -> Int64 {
        var body = f
        var negative = false
        if f.count > 0 && (f[0] == 0x2D || f[0] == 0x2B) {
            negative = f[0] == 0x2D
            body = Field(base: f.base + 1, count: f.count - 1)
        }
        let magnitude = parseUnsignedDecimal(body, decimals: decimals)
        if var problem = DecimalProblem(result: magnitude) {
            if problem == .negative || (problem == .empty && f.count > 0) { problem = .invalid }
            throw failure(f, problem, column: column)
        }
        let raw = negative ? -magnitude : magnitude
        guard raw >= minimum && raw <= maximum else { throw outOfBounds(f, raw: raw, column: column) }
        return raw
    }

    @inline(never)
    private func failure(_ f: Field, _ problem: DecimalProblem, column: Int) -> RowFailure {
        let text = f.quoted
        let message: String
        switch problem {
        case .empty: message = "expected a decimal number, found an empty field"
        case .invalid, .missingDigits: message = "expected a decimal number, found \(text)"
        case .negative: message = "must not be negative, found \(text)"
        case .exponent: message = "exponent forms are not accepted, found \(text); write the digits"
        case .extraDigits: message = "\(text) has more decimals than the \(scale.name) scale (\(decimals))"
        case .overflow: message = "\(text) is out of range"
        }
        return RowFailure(column: column, message: message)
    }

    @inline(never)
    private func outOfBounds(_ f: Field, raw: Int64, column: Int) -> RowFailure {
        if raw < minimum {
            let message = minimum == 1 ? "must be positive, found \(f.quoted)" : "\(f.quoted) is below the minimum \(text(minimum))"
            return RowFailure(column: column, message: message)
        }
        return RowFailure(column: column, message: "\(f.quoted) exceeds the maximum \(text(maximum))")
    }

    /// A raw value at this rule's scale as canonical decimal text.
    func text(_ raw: Int64) -> String {
        let unit = UInt64(powerOfTen(decimals))
        var fraction = raw.magnitude % unit
        var out = (raw < 0 ? "-" : "") + String(raw.magnitude / unit)
        var digits = decimals
        while digits > 0 && fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        if digits > 0 {
            let f = String(fraction)
            out += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return out
    }
}
