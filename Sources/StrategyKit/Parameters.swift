import MarketCore

/// The type and allowed range of a strategy parameter. Decimals are exact fixed-point (no
/// floating point in parameter values): `decimals` digits after the point, bounds inclusive.
public enum ParameterKind: Sendable, Hashable {
    /// A decimal with at most `decimals` digits after the point, `min...max` in raw units (`10^-decimals`).
    case decimal(decimals: Int, min: Int64, max: Int64)
    /// A whole number in `min...max`.
    case integer(min: Int64, max: Int64)
    /// true or false.
    case flag
    /// One of the listed words.
    case choice([String])

    /// How the type is written in errors and listings (`decimal`, `integer`, `boolean`, `one of a|b`).
    public var typeName: String {
        switch self {
        case .decimal: return "decimal"
        case .integer: return "integer"
        case .flag: return "boolean"
        case .choice(let words): return "one of " + words.joined(separator: "|")
        }
    }

    /// The allowed range as text (`0.0001...1`), empty for flags.
    public var rangeText: String {
        switch self {
        case .decimal(let d, let lo, let hi): return "\(formatFixed(lo, d))...\(formatFixed(hi, d))"
        case .integer(let lo, let hi): return "\(lo)...\(hi)"
        case .flag: return "true|false"
        case .choice(let words): return words.joined(separator: "|")
        }
    }
}

/// A parameter value, in the units of its ``ParameterKind``.
public enum ParameterValue: Sendable, Hashable {
    /// Raw units of `10^-decimals` of the spec.
    case decimal(Int64)
    case integer(Int64)
    case flag(Bool)
    case choice(String)
}

/// One declared parameter of a strategy.
public struct ParameterSpec: Sendable, Hashable {
    public var name: String
    public var kind: ParameterKind
    public var defaultValue: ParameterValue
    /// Unit shown to users: `price`, `base`, `fraction` (0.01 = 1%), `s`, `ms`, `levels`, ….
    public var unit: String
    /// Whether it may change while the strategy runs.
    public var live: Bool
    /// One line: what it does.
    public var doc: String

    public init(_ name: String, _ kind: ParameterKind, default value: ParameterValue, unit: String, live: Bool, doc: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = value
        self.unit = unit
        self.live = live
        self.doc = doc
    }

    /// A price parameter (6 decimals) in `min...max`, given as decimal text.
    public static func price(_ name: String, default value: String, min: String = "0", max: String = "1000000",
                             live: Bool, doc: String) -> ParameterSpec {
        fixed(name, decimals: Price.decimals, default: value, min: min, max: max, unit: "price", live: live, doc: doc)
    }

    /// A base quantity parameter (9 decimals).
    public static func quantity(_ name: String, default value: String, min: String = "0", max: String = "1000000",
                                live: Bool, doc: String) -> ParameterSpec {
        fixed(name, decimals: Quantity.decimals, default: value, min: min, max: max, unit: "base", live: live, doc: doc)
    }

    /// A fraction (6 decimals, read as ``Ppm``): 0.01 = 1%.
    public static func fraction(_ name: String, default value: String, min: String = "0", max: String = "1",
                                live: Bool, doc: String) -> ParameterSpec {
        fixed(name, decimals: Ppm.decimals, default: value, min: min, max: max, unit: "fraction", live: live, doc: doc)
    }

    /// A decimal with `decimals` digits and a free unit.
    public static func fixed(_ name: String, decimals: Int, default value: String, min: String, max: String, unit: String,
                             live: Bool, doc: String) -> ParameterSpec {
        // Literals in the strategy's own source: a malformed one is a programming error caught by its tests.
        let lo = parseFixed(min, decimals)!, hi = parseFixed(max, decimals)!, v = parseFixed(value, decimals)!
        return ParameterSpec(name, .decimal(decimals: decimals, min: lo, max: hi), default: .decimal(v), unit: unit, live: live, doc: doc)
    }

    /// A whole-number parameter.
    public static func integer(_ name: String, default value: Int64, min: Int64, max: Int64, unit: String, live: Bool,
                               doc: String) -> ParameterSpec {
        ParameterSpec(name, .integer(min: min, max: max), default: .integer(value), unit: unit, live: live, doc: doc)
    }

    /// A boolean parameter.
    public static func flag(_ name: String, default value: Bool, live: Bool, doc: String) -> ParameterSpec {
        ParameterSpec(name, .flag, default: .flag(value), unit: "", live: live, doc: doc)
    }

    /// A parameter taking one of `words`.
    public static func choice(_ name: String, _ words: [String], default value: String, live: Bool, doc: String) -> ParameterSpec {
        ParameterSpec(name, .choice(words), default: .choice(value), unit: "", live: live, doc: doc)
    }

    /// `value` as text in this parameter's units (`0.25`, `12`, `true`, `geometric`).
    public func text(_ value: ParameterValue) -> String {
        switch (kind, value) {
        case (.decimal(let d, _, _), .decimal(let raw)): return formatFixed(raw, d)
        case (_, .integer(let v)): return String(v)
        case (_, .flag(let b)): return b ? "true" : "false"
        case (_, .choice(let w)): return w
        case (_, .decimal(let raw)): return String(raw)
        }
    }
}

/// A parameter as it arrives from a file or a request, before validation.
public enum ParameterInput: Sendable, Hashable {
    /// A JSON number, as its source text (kept exact).
    case number(String)
    case string(String)
    case bool(Bool)
    /// Anything else (null, an array, an object), described for the error.
    case other(String)

    var display: String {
        switch self {
        case .number(let t): return t
        case .string(let s): return "\"\(s)\""
        case .bool(let b): return b ? "true" : "false"
        case .other(let d): return d
        }
    }
}

/// Why a parameter set was refused. Names the key, the value and what was expected; the caller
/// prefixes the file (`grid.json: parameter 'levels': …`).
public enum ParameterError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownStrategy(String, known: [String])
    case unknownKey(String, known: [String])
    case wrongType(key: String, value: String, expected: String)
    case outOfRange(key: String, value: String, range: String, unit: String)
    case tooPrecise(key: String, value: String, decimals: Int)
    case notLive(key: String)
    case inconsistent(String)

    public var description: String {
        switch self {
        case .unknownStrategy(let n, let known):
            return "unknown strategy '\(n)'; expected one of \(known.joined(separator: ", "))"
        case .unknownKey(let k, let known):
            return "unknown parameter '\(k)'; expected one of \(known.joined(separator: ", "))"
        case .wrongType(let k, let v, let e):
            // "is not a decimal", "is not an integer", "is not one of a|b".
            let article = e.hasPrefix("one of") ? "" : e.first.map { "aeiou".contains($0) } == true ? "an " : "a "
            return "parameter '\(k)': \(v) is not \(article)\(e)"
        case .outOfRange(let k, let v, let r, let u):
            return "parameter '\(k)': \(v) is out of range; expected \(r)\(u.isEmpty ? "" : " (\(u))")"
        case .tooPrecise(let k, let v, let d):
            return "parameter '\(k)': \(v) has more than \(d) decimal places"
        case .notLive(let k):
            return "parameter '\(k)' cannot change while the strategy runs; stop it and start it with the new value"
        case .inconsistent(let why):
            return why
        }
    }
}

/// A validated set of parameter values, one per spec, in the spec order.
public struct ParameterSet: Sendable, Hashable {
    public let specs: [ParameterSpec]
    public private(set) var values: [ParameterValue]

    init(specs: [ParameterSpec], values: [ParameterValue]) {
        self.specs = specs
        self.values = values
    }

    private func index(_ name: String) -> Int {
        guard let i = specs.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("strategy reads undeclared parameter '\(name)'")
        }
        return i
    }

    /// The value of `name` (a declared parameter).
    public subscript(_ name: String) -> ParameterValue { values[index(name)] }

    /// A decimal parameter's raw value (units of its spec's `10^-decimals`).
    public func raw(_ name: String) -> Int64 {
        switch self[name] {
        case .decimal(let r), .integer(let r): return r
        case .flag(let b): return b ? 1 : 0
        case .choice: preconditionFailure("parameter '\(name)' is a choice")
        }
    }
    public func price(_ name: String) -> Price { Price(raw: raw(name)) }
    public func quantity(_ name: String) -> Quantity { Quantity(raw: raw(name)) }
    public func ppm(_ name: String) -> Ppm { Ppm(raw: raw(name)) }
    public func integer(_ name: String) -> Int64 { raw(name) }
    public func flag(_ name: String) -> Bool { raw(name) != 0 }
    public func choice(_ name: String) -> String {
        if case .choice(let w) = self[name] { return w }
        preconditionFailure("parameter '\(name)' is not a choice")
    }

    /// `name = value` pairs as text, in spec order.
    public var texts: [(name: String, value: String)] { zip(specs, values).map { ($0.name, $0.text($1)) } }
}

extension StrategyDescriptor {
    /// Validates `inputs` over `base` (the defaults when nil): every key must be declared, of the
    /// declared type, in range and (with `liveOnly`) live-updatable; then the cross-parameter check.
    /// All or nothing: the first error refuses the whole set.
    public func parameters(_ inputs: [(key: String, value: ParameterInput)], over base: ParameterSet? = nil,
                           liveOnly: Bool = false) -> Result<ParameterSet, ParameterError> {
        var set = base ?? defaults
        for (key, input) in inputs {
            guard let i = parameters.firstIndex(where: { $0.name == key }) else {
                return .failure(.unknownKey(key, known: parameters.map(\.name)))
            }
            let spec = parameters[i]
            switch Self.value(of: input, for: spec) {
            case .failure(let e): return .failure(e)
            case .success(let v):
                if liveOnly && !spec.live && v != set.values[i] { return .failure(.notLive(key: key)) }
                set.setValue(v, at: i)
            }
        }
        if let why = check(set) { return .failure(.inconsistent(why)) }
        return .success(set)
    }

    static func value(of input: ParameterInput, for spec: ParameterSpec) -> Result<ParameterValue, ParameterError> {
        let key = spec.name
        switch spec.kind {
        case .decimal(let d, let lo, let hi):
            let text: String
            switch input {
            case .number(let t), .string(let t): text = t
            default: return .failure(.wrongType(key: key, value: input.display, expected: "decimal"))
            }
            guard let raw = parseFixed(text, d) else {
                guard isDecimalText(text) else {
                    return .failure(.wrongType(key: key, value: input.display, expected: "decimal"))
                }
                let fraction = text.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first ?? ""
                if fraction.count > d {
                    return .failure(.tooPrecise(key: key, value: input.display, decimals: d))
                }
                // A plain decimal too large for 64 bits.
                return .failure(.outOfRange(key: key, value: input.display, range: spec.kind.rangeText, unit: spec.unit))
            }
            guard raw >= lo && raw <= hi else {
                return .failure(.outOfRange(key: key, value: input.display, range: spec.kind.rangeText, unit: spec.unit))
            }
            return .success(.decimal(raw))
        case .integer(let lo, let hi):
            let text: String
            switch input {
            case .number(let t), .string(let t): text = t
            default: return .failure(.wrongType(key: key, value: input.display, expected: "integer"))
            }
            guard isDecimalText(text), !text.contains(".") else {
                return .failure(.wrongType(key: key, value: input.display, expected: "integer"))
            }
            guard let v = Int64(text), v >= lo && v <= hi else {
                return .failure(.outOfRange(key: key, value: input.display, range: spec.kind.rangeText, unit: spec.unit))
            }
            return .success(.integer(v))
        case .flag:
            guard case .bool(let b) = input else { return .failure(.wrongType(key: key, value: input.display, expected: "boolean")) }
            return .success(.flag(b))
        case .choice(let words):
            guard case .string(let s) = input else {
                return .failure(.wrongType(key: key, value: input.display, expected: spec.kind.typeName))
            }
            guard words.contains(s) else {
                return .failure(.outOfRange(key: key, value: input.display, range: spec.kind.rangeText, unit: ""))
            }
            return .success(.choice(s))
        }
    }
}

extension ParameterSet {
    mutating func setValue(_ v: ParameterValue, at i: Int) { values[i] = v }
}

/// Whether `text` is a plain decimal: an optional sign, digits, and optionally a point followed
/// by digits (`".5"` and `"5."` are refused, as ``FixedPoint`` parsing refuses them).
func isDecimalText(_ text: String) -> Bool {
    var s = Substring(text)
    if s.first == "-" || s.first == "+" { s = s.dropFirst() }
    let parts = s.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty }) else { return false }
    return parts.allSatisfy { $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
}

/// Parses decimal text into raw units of `10^-decimals`, exactly; nil when it is not a plain
/// decimal, has more than `decimals` digits after the point, or does not fit `Int64`
/// (`Int64.min` included: the magnitude is accumulated unsigned).
public func parseFixed(_ text: String, _ decimals: Int) -> Int64? {
    guard decimals >= 0 && decimals <= 18, isDecimalText(text) else { return nil }
    var s = Substring(text)
    var negative = false
    if s.first == "-" { negative = true; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
    let parts = s.split(separator: ".", omittingEmptySubsequences: false)
    let frac = parts.count > 1 ? parts[1] : ""
    guard frac.count <= decimals else { return nil }
    var v: UInt64 = 0
    for c in Array(parts[0].utf8) + Array(frac.utf8) {
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(UInt64(c - 48))
        guard !o1 && !o2 else { return nil }
        v = a
    }
    for _ in frac.count..<decimals {
        let (m, o) = v.multipliedReportingOverflow(by: 10)
        guard !o else { return nil }
        v = m
    }
    if negative {
        guard v <= UInt64(Int64.max) + 1 else { return nil }
        return v == UInt64(Int64.max) + 1 ? Int64.min : -Int64(v)
    }
    guard v <= UInt64(Int64.max) else { return nil }
    return Int64(v)
}

/// `raw` units of `10^-decimals` as decimal text, trailing zeros trimmed.
public func formatFixed(_ raw: Int64, _ decimals: Int) -> String {
    let scale = pow10(decimals)
    let negative = raw < 0
    let m = raw.magnitude
    let whole = m / UInt64(scale), frac = m % UInt64(scale)
    var s = (negative ? "-" : "") + String(whole)
    if frac != 0 {
        var f = String(frac)
        f = String(repeating: "0", count: decimals - f.count) + f
        while f.last == "0" { f.removeLast() }
        s += "." + f
    }
    return s
}
