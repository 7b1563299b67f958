import Foundation
import MarketCore

/// Bad input: names where (file, line, field) and what was expected. Exit code 2.
struct InputError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Reads typed fields out of one JSON object and names the field in every error.
/// Unknown keys are refused so a typo never silently falls back to a default.
struct JSONFields {
    let object: [String: Any]
    let context: String  // e.g. "line 3" or "market.json: amm"
    var used: Set<String> = []

    init(_ object: [String: Any], context: String) {
        self.object = object
        self.context = context
    }

    static func parseObject(_ text: Substring, context: String) throws -> JSONFields {
        guard let data = text.data(using: .utf8),
              let any = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw InputError(message: "\(context): not valid JSON")
        }
        guard let obj = any as? [String: Any] else { throw InputError(message: "\(context): expected a JSON object") }
        return JSONFields(obj, context: context)
    }

    func fail(_ key: String, _ what: String) -> InputError {
        InputError(message: "\(context): field '\(key)': \(what)")
    }

    mutating func has(_ key: String) -> Bool {
        used.insert(key)
        if let v = object[key], !(v is NSNull) { return true }
        return false
    }

    mutating func string(_ key: String) throws -> String {
        used.insert(key)
        guard let v = object[key], !(v is NSNull) else { throw fail(key, "missing") }
        guard let s = v as? String else { throw fail(key, "expected a string") }
        return s
    }

    mutating func optionalString(_ key: String) throws -> String? {
        has(key) ? try string(key) : nil
    }

    /// A decimal value written as a JSON string (exact), e.g. "100.5".
    mutating func decimal<T: FixedPoint>(_ key: String, _ type: T.Type) throws -> T {
        used.insert(key)
        guard let v = object[key], !(v is NSNull) else { throw fail(key, "missing") }
        let text: String
        if let s = v as? String { text = s } else { throw fail(key, "expected a decimal string such as \"100.5\"") }
        switch T.parse(text) {
        case .success(let x): return x
        case .failure(let e): throw fail(key, "\(e) in \"\(text)\"")
        }
    }

    mutating func optionalDecimal<T: FixedPoint>(_ key: String, _ type: T.Type) throws -> T? {
        has(key) ? try decimal(key, type) : nil
    }

    mutating func int(_ key: String) throws -> Int64 {
        used.insert(key)
        guard let v = object[key], !(v is NSNull) else { throw fail(key, "missing") }
        guard let n = v as? NSNumber, !isBool(n), String(cString: n.objCType) != "d" || n.doubleValue == n.doubleValue.rounded() else { throw fail(key, "expected an integer") }
        let d = n.doubleValue
        guard d == d.rounded(), abs(d) < 9.0e15 else { throw fail(key, "expected an integer") }
        return n.int64Value
    }

    mutating func optionalInt(_ key: String) throws -> Int64? {
        has(key) ? try int(key) : nil
    }

    mutating func bool(_ key: String, default value: Bool) throws -> Bool {
        guard has(key) else { return value }
        guard let n = object[key] as? NSNumber, isBool(n) else { throw fail(key, "expected true or false") }
        return n.boolValue
    }

    mutating func nested(_ key: String) throws -> JSONFields? {
        guard has(key) else { return nil }
        guard let o = object[key] as? [String: Any] else { throw fail(key, "expected an object") }
        return JSONFields(o, context: "\(context): \(key)")
    }

    mutating func array(_ key: String) throws -> [JSONFields]? {
        guard has(key) else { return nil }
        guard let a = object[key] as? [Any] else { throw fail(key, "expected an array") }
        return try a.enumerated().map { i, e in
            guard let o = e as? [String: Any] else { throw fail("\(key)[\(i)]", "expected an object") }
            return JSONFields(o, context: "\(context): \(key)[\(i)]")
        }
    }

    /// Refuses keys that were never read.
    func rejectUnknown() throws {
        let unknown = Set(object.keys).subtracting(used).sorted()
        if let k = unknown.first { throw InputError(message: "\(context): unknown field '\(k)'") }
    }
}

/// Whether a JSON number is really `true`/`false` (Foundation boxes booleans as NSNumber).
func isBool(_ n: NSNumber) -> Bool { String(describing: type(of: n)).contains("Boolean") || String(cString: n.objCType) == "c" }

/// Buffered standard output (one write per 64 KiB).
struct OutputBuffer {
    var buffer: [UInt8] = []
    /// When set, lines are kept here instead of written (for tests).
    var captured: [String]?
    init(capture: Bool = false) {
        buffer.reserveCapacity(1 << 16)
        captured = capture ? [] : nil
    }
    mutating func line(_ s: String) {
        if captured != nil { captured!.append(s); return }
        buffer.append(contentsOf: s.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }
    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Reads input lines from a file path or '-' (stdin).
func readLines(_ path: String) throws -> AnySequence<Substring> {
    if path == "-" {
        return AnySequence(AnyIterator { readLine(strippingNewline: true).map { Substring($0) } })
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw InputError(message: "\(path): cannot read file")
    }
    guard let text = String(data: data, encoding: .utf8) else { throw InputError(message: "\(path): not UTF-8 text") }
    return AnySequence(text.split(separator: "\n", omittingEmptySubsequences: false))
}

/// JSON string escaping for ids.
func jsonString(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if c.value < 0x20 { out += String(format: "\\u%04x", c.value) } else { out.unicodeScalars.append(c) }
        }
    }
    return out + "\""
}
