import ArgumentParser
import Foundation
import StrategyCatalog
import StrategyKit

/// `mmvault strategies`: the built-in strategies, their parameters, and parameter files.
struct StrategiesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategies",
        abstract: "List the built-in strategies and their parameters, or check a strategy parameter file.",
        discussion: """
        Every strategy declares its parameters: type, default, allowed range, unit, whether it may change while the strategy runs (live), and what it does. A parameter file names one strategy and sets any of its parameters; the rest keep their defaults (strategies/<name>/defaults.json sets them all).

        Examples:
          mmvault strategies list
          mmvault strategies list --json
          mmvault strategies describe grid
          mmvault strategies validate strategies/grid/defaults.json
        """,
        subcommands: [StrategiesListCommand.self, StrategiesDescribeCommand.self, StrategiesValidateCommand.self]
    )
}

struct StrategiesListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every built-in strategy with its parameters (type, default, range, unit, live, doc).",
        discussion: """
        One table per strategy, in catalog order: name, type, default, range, unit, live, doc. LIVE yes means the parameter may change while the strategy runs; any other change needs a stop and a start.

        With --json, prints one stable document (keys in a fixed order, decimals as exact strings, integers as numbers): {"strategies": [{"name", "summary", "parameters": [{"name", "type", "default", …, "unit", "live", "doc"}]}]}. "type" is "decimal" (with "min", "max" and "decimals"), "integer" (with "min" and "max"), "boolean", or "choice" (with "choices"). For example:
          {"name": "levels", "type": "integer", "default": 11, "min": 2,
           "max": 200, "unit": "levels", "live": true, "doc": "…"}

        Example:
          mmvault strategies list --json
        """
    )

    @Flag(name: .long, help: "Print JSON instead of tables.")
    var json = false

    func run() throws {
        let descriptors = StrategyCatalog.all.map { $0.descriptor }
        if json {
            print(StrategyListing.json(descriptors))
        } else {
            print(descriptors.map(StrategyListing.table).joined(separator: "\n\n"))
        }
    }
}

struct StrategiesDescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Describe one built-in strategy and each of its parameters in detail.",
        discussion: """
        NAME is a strategy's name as in parameter files (see 'mmvault strategies list'). An unknown name exits with code 2 and lists the known ones. With --json, prints the strategy's object from 'mmvault strategies list --json'.

        Example:
          mmvault strategies describe mean-reversion
        """
    )

    @Argument(help: "The strategy's name: grid, mean-reversion, arbitrage, liquidity-provision, ….")
    var name: String

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        guard let type = StrategyCatalog.named(name) else {
            writeError("error: \(ParameterError.unknownStrategy(name, known: StrategyCatalog.names))")
            throw ExitCode(2)
        }
        let d = type.descriptor
        print(json ? StrategyListing.jsonObject(d, indent: "") : StrategyListing.detail(d))
    }
}

struct StrategiesValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a strategy parameter file and print the full parameter set it resolves to.",
        discussion: """
        FILE is one JSON object, {"strategy": NAME, "parameters": {KEY: VALUE, …}}: the shape of strategies/<name>/defaults.json. Decimals may be written as strings ("0.25") or as JSON numbers (read from their exact text, never rounded); integers as numbers; booleans as true or false; choices as strings. Parameters left out keep their defaults, and "parameters" itself may be left out. CRLF line endings and a UTF-8 byte-order mark are accepted.

        On success, prints 'FILE: ok (NAME, N parameters)', N being the parameters the file sets, then every parameter's resolved value, marking with (default) those the file leaves out.

        Any problem exits with code 2 and one error naming the file, the key, the value and what is allowed: malformed JSON (with its line), a repeated key, anything but an object, an unknown top-level field, a missing or unknown strategy, an unknown parameter, a wrong type, a value out of range or with too many decimal places, or parameters that contradict each other.

        Example:
          $ cat my-grid.json
          {"strategy": "grid", "parameters": {"lower": "95", "upper": "105",
                                              "levels": 21}}
          $ mmvault strategies validate my-grid.json
          my-grid.json: ok (grid, 3 parameters)
            lower         = 95
            upper         = 105
            levels        = 21
            spacing       = arithmetic  (default)
            orderSize     = 0.1  (default)
            takeProfit    = 0.1  (default)
            stopOutBuffer = 0.02  (default)
          $ mmvault strategies validate bad.json
          error: bad.json: parameter 'levels': 12.5 is not an integer
        """
    )

    @Argument(help: "The parameter file (JSON).")
    var file: String

    func run() throws {
        do {
            let f = try StrategyFile.load(file)
            print(f.report(name: file))
        } catch let e as InputError {
            writeError("error: \(e.message)")
            throw ExitCode(2)
        }
    }
}

// MARK: - Parameter files

/// A validated strategy parameter file: `{"strategy": NAME, "parameters": {...}}`.
struct StrategyFile {
    var descriptor: StrategyDescriptor
    /// The full set: the file's values over the defaults.
    var parameters: ParameterSet
    /// The parameter names the file sets.
    var given: Set<String>

    static let fields = ["strategy", "parameters"]

    static func load(_ path: String) throws -> StrategyFile {
        try parse(try readFile(path), name: path)
    }

    /// A parameter file's bytes (`name` prefixes every error, e.g. the file's path). A UTF-8
    /// byte-order mark is skipped; CRLF line endings read as LF.
    static func parse(_ bytes: [UInt8], name path: String) throws -> StrategyFile {
        var bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw InputError(message: "\(path): not UTF-8 text") }
        let root: JSONValue
        do {
            root = try JSONParser.parse(Substring(text))
        } catch {
            switch error {
            case .invalid:
                if let offset = JSONSyntax.errorOffset(bytes) {
                    let line = bytes[..<offset].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
                    throw InputError(message: "\(path): line \(line): not valid JSON")
                }
                throw InputError(message: "\(path): not valid JSON")
            case .tooDeep:
                throw InputError(message: "\(path): not valid JSON (nested more than \(JSONParser.maxDepth) levels deep)")
            case .duplicateKey(let at, let key):
                throw InputError(message: "\(path)\(at): duplicate field '\(key)'")
            }
        }
        guard case .object(let object) = root else {
            throw InputError(message: "\(path): expected a JSON object {\"strategy\": NAME, \"parameters\": {...}}")
        }
        return try from(object, name: path)
    }

    /// A parameter object `{"strategy": NAME, "parameters": {...}}` (as scenarios embed it, with
    /// `extra` fields of their own allowed beside them); `path` prefixes every error.
    static func from(_ object: [String: JSONValue], name path: String, extra: [String] = []) throws -> StrategyFile {
        if let unknown = Set(object.keys).subtracting(fields + extra).sorted().first {
            throw InputError(message: "\(path): unknown field '\(unknown)'; expected \((fields + extra).joined(separator: ", "))")
        }
        let known = StrategyCatalog.names.joined(separator: ", ")
        guard let strategy = object["strategy"] else {
            throw InputError(message: "\(path): field 'strategy': missing; expected one of \(known)")
        }
        guard case .string(let name) = strategy else {
            throw InputError(message: "\(path): field 'strategy': \(display(strategy)) is not a strategy name; expected one of \(known)")
        }
        guard let type = StrategyCatalog.named(name) else {
            throw InputError(message: "\(path): \(ParameterError.unknownStrategy(name, known: StrategyCatalog.names))")
        }
        let d = type.descriptor
        var values: [String: JSONValue] = [:]
        switch object["parameters"] {
        case nil: break
        case .object(let o)?: values = o
        case let other?:
            throw InputError(message: "\(path): field 'parameters': expected an object of parameter values, not \(display(other))")
        }
        // The parser keeps no key order: unknown keys first (sorted), then in declaration order, so
        // the error reported for a file with several problems is always the same one.
        let declared = d.parameters.map(\.name)
        let unknownKeys = Set(values.keys).subtracting(declared).sorted()
        let keys = unknownKeys + declared.filter { values[$0] != nil }
        let inputs = keys.map { (key: $0, value: input(values[$0]!)) }
        switch d.parameters(inputs) {
        case .failure(let e): throw InputError(message: "\(path): \(e)")
        case .success(let set): return StrategyFile(descriptor: d, parameters: set, given: Set(values.keys))
        }
    }

    /// A JSON value as the validator takes it: numbers keep their exact text.
    static func input(_ v: JSONValue) -> ParameterInput {
        switch v {
        case .number(let t): return .number(t)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .null: return .other("null")
        case .array: return .other("an array")
        case .object: return .other("an object")
        }
    }

    /// A JSON value as errors show it (`5`, `"x"`, `true`, `null`, `an array`).
    static func display(_ v: JSONValue) -> String {
        switch v {
        case .number(let t): return t
        case .string(let s): return jsonString(s)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// `NAME: ok (strategy, N parameters)` and every parameter's resolved value.
    func report(name: String) -> String {
        let n = given.count
        var lines = ["\(name): ok (\(descriptor.name), \(n) parameter\(n == 1 ? "" : "s"))"]
        let texts = parameters.texts
        let width = texts.map(\.name.count).max() ?? 0
        for (key, value) in texts {
            let pad = String(repeating: " ", count: width - key.count)
            lines.append("  \(key)\(pad) = \(value)\(given.contains(key) ? "" : "  (default)")")
        }
        return lines.joined(separator: "\n")
    }
}

/// Finds where JSON text stops being valid, to name the line of a malformed file (the strict
/// parser above says only *that* the text is invalid). Follows the same grammar as `JSONParser`.
enum JSONSyntax {
    /// The byte offset of the first error (the end of the text when it stops early); nil when the
    /// text is valid JSON.
    static func errorOffset(_ bytes: [UInt8]) -> Int? {
        var s = Scanner(bytes: bytes)
        guard s.value(depth: 0) else { return s.i }
        s.skipWhitespace()
        return s.i == bytes.count ? nil : s.i
    }

    private struct Scanner {
        let bytes: [UInt8]
        var i = 0

        var current: UInt8? { i < bytes.count ? bytes[i] : nil }

        mutating func skipWhitespace() {
            while let b = current, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { i += 1 }
        }

        mutating func eat(_ c: Character) -> Bool {
            guard current == c.asciiValue else { return false }
            i += 1
            return true
        }

        mutating func value(depth: Int) -> Bool {
            skipWhitespace()
            guard let b = current, depth <= JSONParser.maxDepth else { return false }
            switch b {
            case UInt8(ascii: "{"):
                i += 1
                skipWhitespace()
                if eat("}") { return true }
                while true {
                    skipWhitespace()
                    guard current == UInt8(ascii: "\""), string() else { return false }
                    skipWhitespace()
                    guard eat(":"), value(depth: depth + 1) else { return false }
                    skipWhitespace()
                    if eat(",") { continue }
                    return eat("}")
                }
            case UInt8(ascii: "["):
                i += 1
                skipWhitespace()
                if eat("]") { return true }
                while true {
                    guard value(depth: depth + 1) else { return false }
                    skipWhitespace()
                    if eat(",") { continue }
                    return eat("]")
                }
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return false
            }
        }

        mutating func literal(_ word: String) -> Bool {
            for c in word.utf8 {
                guard current == c else { return false }
                i += 1
            }
            return true
        }

        mutating func digits() -> Bool {
            guard let b = current, b >= 0x30 && b <= 0x39 else { return false }
            while let b = current, b >= 0x30 && b <= 0x39 { i += 1 }
            return true
        }

        mutating func number() -> Bool {
            _ = eat("-")
            if eat("0") {
                // A leading zero stands alone.
            } else if !digits() {
                return false
            }
            if eat("."), !digits() { return false }
            if eat("e") || eat("E") {
                if !eat("+") { _ = eat("-") }
                if !digits() { return false }
            }
            return true
        }

        mutating func string() -> Bool {
            i += 1  // opening quote
            while let b = current {
                if b == UInt8(ascii: "\"") { i += 1; return true }
                if b < 0x20 { return false }
                i += 1
                guard b == UInt8(ascii: "\\") else { continue }
                guard let e = current else { return false }
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 1
                case UInt8(ascii: "u"):
                    i += 1
                    // Surrogate pairing is checked by the parser; a broken pair is reported at its escape.
                    for _ in 0..<4 {
                        guard let h = current, (h >= 0x30 && h <= 0x39) || (h | 0x20 >= 0x61 && h | 0x20 <= 0x66) else {
                            return false
                        }
                        i += 1
                    }
                default:
                    return false
                }
            }
            return false
        }
    }
}

// MARK: - Listings

/// The text and JSON renderings of strategy descriptors.
enum StrategyListing {
    /// `decimal`, `integer`, `boolean` or `choice`.
    static func typeWord(_ kind: ParameterKind) -> String {
        switch kind {
        case .decimal: return "decimal"
        case .integer: return "integer"
        case .flag: return "boolean"
        case .choice: return "choice"
        }
    }

    /// The range column: `min...max`, the choices, or `true|false`.
    static func range(_ kind: ParameterKind) -> String { kind.rangeText }

    /// One strategy as a header line and a table of its parameters.
    static func table(_ d: StrategyDescriptor) -> String {
        let header = ["PARAMETER", "TYPE", "DEFAULT", "RANGE", "UNIT", "LIVE", "DOC"]
        let rows = d.parameters.map { p in
            [p.name, typeWord(p.kind), p.text(p.defaultValue), range(p.kind), p.unit.isEmpty ? "-" : p.unit, p.live ? "yes" : "no", p.doc]
        }
        let all = [header] + rows
        let widths = (0..<header.count - 1).map { c in all.map { $0[c].count }.max() ?? 0 }
        var lines = ["\(d.name): \(d.summary)"]
        for row in all {
            var line = " "
            for (c, cell) in row.enumerated() {
                line += " " + cell
                if c < widths.count { line += String(repeating: " ", count: widths[c] - cell.count + 1) }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// One strategy in detail: each parameter as a block.
    static func detail(_ d: StrategyDescriptor) -> String {
        var lines = [d.name, "  \(d.summary)", "", "Parameters (\(d.parameters.count)):"]
        for p in d.parameters {
            let type: String
            switch p.kind {
            case .decimal(let decimals, _, _): type = "decimal (at most \(decimals) decimal places)"
            case .integer: type = "integer"
            case .flag: type = "boolean"
            case .choice: type = "choice"
            }
            lines.append("  \(p.name)")
            lines.append("    type:    \(type)")
            lines.append("    default: \(p.text(p.defaultValue))")
            lines.append("    range:   \(range(p.kind))")
            lines.append("    unit:    \(p.unit.isEmpty ? "-" : p.unit)")
            lines.append("    live:    \(p.live ? "yes (may change while the strategy runs)" : "no (a change needs a stop and a start)")")
            lines.append("    doc:     \(p.doc)")
        }
        return lines.joined(separator: "\n")
    }

    /// `{"strategies":[…]}`, one parameter per line.
    static func json(_ descriptors: [StrategyDescriptor]) -> String {
        let items = descriptors.map { "    " + jsonObject($0, indent: "    ") }
        return "{\n  \"strategies\": [\n" + items.joined(separator: ",\n") + "\n  ]\n}"
    }

    /// One strategy's object; `indent` prefixes its continuation lines.
    static func jsonObject(_ d: StrategyDescriptor, indent: String) -> String {
        let params = d.parameters.map { "\(indent)    " + jsonParameter($0) }
        return "{\n\(indent)  \"name\": \(jsonString(d.name)),\n\(indent)  \"summary\": \(jsonString(d.summary)),\n"
            + "\(indent)  \"parameters\": [\n" + params.joined(separator: ",\n") + "\n\(indent)  ]\n\(indent)}"
    }

    /// One parameter on one line, keys in a fixed order.
    static func jsonParameter(_ p: ParameterSpec) -> String {
        var fields: [(String, String)] = [("name", jsonString(p.name)), ("type", jsonString(typeWord(p.kind)))]
        switch p.kind {
        case .decimal(let d, let lo, let hi):
            fields += [("default", jsonString(p.text(p.defaultValue))), ("min", jsonString(formatFixed(lo, d))),
                       ("max", jsonString(formatFixed(hi, d))), ("decimals", String(d))]
        case .integer(let lo, let hi):
            fields += [("default", p.text(p.defaultValue)), ("min", String(lo)), ("max", String(hi))]
        case .flag:
            fields += [("default", p.text(p.defaultValue))]
        case .choice(let words):
            fields += [("default", jsonString(p.text(p.defaultValue))),
                       ("choices", "[" + words.map(jsonString).joined(separator: ", ") + "]")]
        }
        fields += [("unit", jsonString(p.unit)), ("live", p.live ? "true" : "false"), ("doc", jsonString(p.doc))]
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }
}
