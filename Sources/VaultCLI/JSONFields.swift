import Foundation
import MarketCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Bad input: names where (file, line, field) and what was expected. Exit code 2.
struct InputError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

// MARK: - JSON

/// One parsed JSON value. Numbers keep their text, so integers and decimals are read exactly
/// (never through a `Double`).
indirect enum JSONValue {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

/// A strict JSON (RFC 8259) parser for the CLI readers. Unlike `JSONSerialization` it refuses
/// an object that repeats a key (`{"price":"-5","price":"100"}` must not quietly mean 100) and
/// nesting deeper than ``maxDepth`` (so hostile input cannot exhaust the stack).
struct JSONParser {
    enum Failure: Error {
        case invalid
        case tooDeep
        /// `path` is where the object sits, e.g. `": amm"` or `": providers[0]"` (empty at the top).
        case duplicateKey(path: String, key: String)
    }

    static let maxDepth = 64

    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0
    /// Keys and indices of the containers being read (rendered only for a duplicate-key error).
    private var path: [PathStep] = []

    private enum PathStep {
        case key(String)
        case index(Int)
    }

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Parses `text` as exactly one JSON value (surrounding whitespace allowed).
    static func parse(_ text: Substring) throws(Failure) -> JSONValue {
        var text = text
        let result: Result<JSONValue, Failure> = text.withUTF8 { buf in
            var p = JSONParser(buf)
            do throws(Failure) {
                let v = try p.value()
                p.skipWhitespace()
                guard p.i == buf.count else { throw .invalid }
                return .success(v)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private var renderedPath: String {
        var s = ""
        for step in path {
            switch step {
            case .key(let k): s += ": " + k
            case .index(let n): s += "[\(n)]"
            }
        }
        return s
    }

    private mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private mutating func value() throws(Failure) -> JSONValue {
        skipWhitespace()
        guard i < bytes.count else { throw .invalid }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw .invalid
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let n = word.utf8CodeUnitCount
        guard bytes.count - i >= n else { throw .invalid }
        for k in 0..<n where bytes[i + k] != word.utf8Start[k] { throw .invalid }
        i += n
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= Self.maxDepth else { throw .tooDeep }
    }

    /// Whether the next value (after whitespace) is an object or an array.
    private mutating func nextIsContainer() -> Bool {
        skipWhitespace()
        return i < bytes.count && (bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "["))
    }

    private mutating func object() throws(Failure) -> JSONValue {
        try enter()
        i += 1  // {
        var out: [String: JSONValue] = [:]
        skipWhitespace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            return .object(out)
        }
        while true {
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw .invalid }
            let key = try string()
            if out[key] != nil { throw .duplicateKey(path: renderedPath, key: key) }
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw .invalid }
            i += 1
            if nextIsContainer() {
                path.append(.key(key))
                out[key] = try value()
                path.removeLast()
            } else {
                out[key] = try value()
            }
            skipWhitespace()
            guard i < bytes.count else { throw .invalid }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; break }
            throw .invalid
        }
        depth -= 1
        return .object(out)
    }

    private mutating func array() throws(Failure) -> JSONValue {
        try enter()
        i += 1  // [
        var out: [JSONValue] = []
        skipWhitespace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "]") {
            i += 1
            depth -= 1
            return .array(out)
        }
        while true {
            if nextIsContainer() {
                path.append(.index(out.count))
                out.append(try value())
                path.removeLast()
            } else {
                out.append(try value())
            }
            skipWhitespace()
            guard i < bytes.count else { throw .invalid }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; break }
            throw .invalid
        }
        depth -= 1
        return .array(out)
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as text.
    private mutating func number() throws(Failure) -> String {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, isDigit(bytes[i]) else { throw .invalid }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < bytes.count && isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard i < bytes.count, isDigit(bytes[i]) else { throw .invalid }
            while i < bytes.count && isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < bytes.count, isDigit(bytes[i]) else { throw .invalid }
            while i < bytes.count && isDigit(bytes[i]) { i += 1 }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private mutating func string() throws(Failure) -> String {
        i += 1  // opening quote
        let start = i
        // Fast path: no escapes.
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                i += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw .invalid }
            i += 1
        }
        guard i < bytes.count else { throw .invalid }
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if b < 0x20 { throw .invalid }
            if b != UInt8(ascii: "\\") {
                out.append(b)
                i += 1
                continue
            }
            i += 1
            guard i < bytes.count else { throw .invalid }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard bytes.count - i >= 6, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { throw .invalid }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw .invalid }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw .invalid
                }
                guard let u = Unicode.Scalar(scalar) else { throw .invalid }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw .invalid
            }
        }
        throw .invalid
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard bytes.count - i >= 4 else { throw .invalid }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw .invalid
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }
}

// MARK: - Typed fields

/// The lower end of a bounded decimal field.
enum LowerBound {
    /// Greater than zero ("must be positive").
    case positive
    /// Zero or more ("must not be negative").
    case nonNegative
    /// No lower bound.
    case none
}

/// Reads typed fields out of one JSON object and names the field in every error.
/// Unknown keys are refused so a typo never silently falls back to a default.
struct JSONFields {
    let object: [String: JSONValue]
    let context: String  // e.g. "line 3" or "market.json: amm"
    var used: Set<String> = []

    init(_ object: [String: JSONValue], context: String) {
        self.object = object
        self.context = context
    }

    /// Parses one JSON object. Invalid JSON, a repeated key (at any depth) and anything but an
    /// object at the top are errors naming `context`.
    static func parseObject(_ text: Substring, context: String) throws -> JSONFields {
        let any: JSONValue
        do {
            any = try JSONParser.parse(text)
        } catch {
            switch error {
            case .invalid: throw InputError(message: "\(context): not valid JSON")
            case .tooDeep: throw InputError(message: "\(context): not valid JSON (nested more than \(JSONParser.maxDepth) levels deep)")
            case .duplicateKey(let path, let key): throw InputError(message: "\(context)\(path): duplicate field '\(key)'")
            }
        }
        guard case .object(let obj) = any else { throw InputError(message: "\(context): expected a JSON object") }
        return JSONFields(obj, context: context)
    }

    func fail(_ key: String, _ what: String) -> InputError {
        InputError(message: "\(context): field '\(key)': \(what)")
    }

    /// The value of `key`, or nil when it is absent or `null`.
    private mutating func lookup(_ key: String) -> JSONValue? {
        used.insert(key)
        guard let v = object[key] else { return nil }
        if case .null = v { return nil }
        return v
    }

    mutating func has(_ key: String) -> Bool { lookup(key) != nil }

    mutating func string(_ key: String) throws -> String {
        guard let v = lookup(key) else { throw fail(key, "missing") }
        guard case .string(let s) = v else { throw fail(key, "expected a string") }
        return s
    }

    mutating func optionalString(_ key: String) throws -> String? {
        has(key) ? try string(key) : nil
    }

    /// A decimal value written as a JSON string (exact), e.g. "100.5", checked against
    /// `lower` and `max`: below → "must be positive" / "must not be negative"; above →
    /// "TEXT exceeds the maximum MAX". Digits too many for 64 bits count as beyond the bound
    /// on their side.
    mutating func decimal<T: FixedPoint>(_ key: String, _ type: T.Type, lower: LowerBound = .none, max: T? = nil) throws -> T {
        guard let v = lookup(key) else { throw fail(key, "missing") }
        guard case .string(let text) = v else { throw fail(key, "expected a decimal string such as \"100.5\"") }
        let x: T
        switch T.parse(text) {
        case .success(let parsed): x = parsed
        case .failure(.overflow):
            if text.hasPrefix("-") {
                if let e = lowerError(key, lower) { throw e }
            } else if let max {
                throw fail(key, "\(text) exceeds the maximum \(max.formatted())")
            }
            throw fail(key, "\(DecimalParseError.overflow) in \"\(text)\"")
        case .failure(let e): throw fail(key, "\(e) in \"\(text)\"")
        }
        switch lower {
        case .positive where x.raw <= 0, .nonNegative where x.raw < 0: throw lowerError(key, lower)!
        default: break
        }
        if let max, x > max { throw fail(key, "\(text) exceeds the maximum \(max.formatted())") }
        return x
    }

    private func lowerError(_ key: String, _ lower: LowerBound) -> InputError? {
        switch lower {
        case .positive: return fail(key, "must be positive")
        case .nonNegative: return fail(key, "must not be negative")
        case .none: return nil
        }
    }

    mutating func optionalDecimal<T: FixedPoint>(_ key: String, _ type: T.Type, lower: LowerBound = .none, max: T? = nil) throws -> T? {
        has(key) ? try decimal(key, type, lower: lower, max: max) : nil
    }

    /// An integer written as a JSON number without fraction or exponent, within `range`.
    mutating func int(_ key: String, in range: ClosedRange<Int64> = .min ... .max) throws -> Int64 {
        guard let v = lookup(key) else { throw fail(key, "missing") }
        guard case .number(let text) = v, !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else {
            throw fail(key, "expected an integer")
        }
        let negative = text.hasPrefix("-")
        guard let n = Int64(text) else {
            // More digits than 64 bits hold: beyond the range on its side.
            throw negative ? intBelow(key, text, range) : fail(key, "\(text) exceeds the maximum \(range.upperBound)")
        }
        if n < range.lowerBound { throw intBelow(key, text, range) }
        if n > range.upperBound { throw fail(key, "\(text) exceeds the maximum \(range.upperBound)") }
        return n
    }

    private func intBelow(_ key: String, _ text: String, _ range: ClosedRange<Int64>) -> InputError {
        switch range.lowerBound {
        case 0: return fail(key, "must not be negative")
        case 1: return fail(key, "must be positive")
        default: return fail(key, "\(text) is below the minimum \(range.lowerBound)")
        }
    }

    mutating func optionalInt(_ key: String, in range: ClosedRange<Int64> = .min ... .max) throws -> Int64? {
        has(key) ? try int(key, in: range) : nil
    }

    mutating func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let v = lookup(key) else { return value }
        guard case .bool(let b) = v else { throw fail(key, "expected true or false") }
        return b
    }

    mutating func nested(_ key: String) throws -> JSONFields? {
        guard let v = lookup(key) else { return nil }
        guard case .object(let o) = v else { throw fail(key, "expected an object") }
        return JSONFields(o, context: "\(context): \(key)")
    }

    mutating func array(_ key: String) throws -> [JSONFields]? {
        guard let v = lookup(key) else { return nil }
        guard case .array(let a) = v else { throw fail(key, "expected an array") }
        return try a.enumerated().map { i, e in
            guard case .object(let o) = e else { throw fail("\(key)[\(i)]", "expected an object") }
            return JSONFields(o, context: "\(context): \(key)[\(i)]")
        }
    }

    /// Refuses keys that were never read.
    func rejectUnknown() throws {
        let unknown = Set(object.keys).subtracting(used).sorted()
        if let k = unknown.first { throw InputError(message: "\(context): unknown field '\(k)'") }
    }
}

// MARK: - Bounded fields (MarketCore.Bounds)

extension JSONFields {
    /// A price in (0, `Bounds.maxPrice`].
    mutating func price(_ key: String) throws -> Price {
        try decimal(key, Price.self, lower: .positive, max: Bounds.maxPrice)
    }
    mutating func optionalPrice(_ key: String) throws -> Price? {
        has(key) ? try price(key) : nil
    }
    /// An oracle confidence in [0, `Bounds.maxConfidence`].
    mutating func optionalConfidence(_ key: String) throws -> Price? {
        try optionalDecimal(key, Price.self, lower: .nonNegative, max: Bounds.maxConfidence)
    }
    /// An order size in (0, `Bounds.maxQuantity`].
    mutating func size(_ key: String) throws -> Quantity {
        try decimal(key, Quantity.self, lower: .positive, max: Bounds.maxQuantity)
    }
    mutating func optionalSize(_ key: String) throws -> Quantity? {
        has(key) ? try size(key) : nil
    }
    /// A single amount (deposit, withdrawal, stake) in (0, `Bounds.maxAmount`].
    mutating func amount(_ key: String) throws -> Amount {
        try decimal(key, Amount.self, lower: .positive, max: Bounds.maxAmount)
    }
    /// A time or duration in milliseconds, 0...`Bounds.maxTimestamp`.
    mutating func milliseconds(_ key: String) throws -> Int64 {
        try int(key, in: 0...Bounds.maxTimestamp.milliseconds)
    }
    mutating func optionalMilliseconds(_ key: String) throws -> Int64? {
        has(key) ? try milliseconds(key) : nil
    }
    /// A time in whole seconds, 0...`Bounds.maxSeconds`.
    mutating func seconds(_ key: String) throws -> Int64 {
        try int(key, in: 0...Bounds.maxSeconds)
    }
}

// MARK: - Input lines and output

/// Writes all of `bytes` to a file descriptor (retrying short writes and interrupts).
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            return  // nowhere left to report it (a closed pipe ends the process with SIGPIPE first)
        }
        offset += n
    }
}

/// Writes `message` and a newline to standard error at once (unbuffered).
func writeError(_ message: String) {
    var s = message + "\n"
    s.withUTF8 { writeAll(2, UnsafeRawBufferPointer($0)) }
}

/// Standard output for the JSON-lines commands. The commands ``flush()`` after every input
/// line, so the events of each line are written before the next line is read: a later bad
/// line, or a trap inside the engine, never loses output already produced, and a live stdin
/// stream sees its events at once.
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
    }
    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { writeAll(1, $0) }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Input lines from a file path or '-' (stdin), read as bytes: lines end at LF, and a CR right
/// before the LF is dropped, so CRLF files read like LF files (a file and the same bytes on stdin
/// read alike). A UTF-8 byte-order mark at the very start is skipped. Each line must be UTF-8.
struct LineReader {
    private var buffer: [UInt8] = []
    private var start = 0
    /// Bytes after `start` already searched for a LF.
    private var scanned = 0
    /// stdin while it has more to read; nil once everything is in `buffer`.
    private var fd: Int32?
    private let name: String
    /// The number of the line last returned (1-based).
    private(set) var lineNumber = 0

    init(path: String) throws {
        if path == "-" {
            fd = 0
            name = "stdin"
        } else {
            buffer = try readFile(path)
            name = path
        }
    }

    /// Lines from bytes already in memory (the fuzz entry points), read exactly like a file's.
    init(bytes: [UInt8], name: String) {
        buffer = bytes
        self.name = name
    }

    /// The next line without its line ending, or nil at the end of the input.
    mutating func next() throws -> Substring? {
        while true {
            let from = start + scanned
            let lf: Int? = buffer.withUnsafeBufferPointer { b in
                guard from < b.count, let p = memchr(b.baseAddress! + from, 0x0A, b.count - from) else { return nil }
                return b.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
            }
            if let lf {
                let line = start..<lf
                start = lf + 1
                scanned = 0
                return try decode(line)
            }
            scanned = buffer.count - start
            if fd != nil, try fill() { continue }
            guard start < buffer.count else { return nil }
            let line = start..<buffer.count
            start = buffer.count
            scanned = 0
            return try decode(line)
        }
    }

    /// Reads more of stdin; false at its end.
    private mutating func fill() throws -> Bool {
        guard let fd else { return false }
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        let chunk = 1 << 16
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + old, chunk) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                buffer.removeLast(chunk)
                throw InputError(message: "\(name): read error (errno \(errno))")
            }
            buffer.removeLast(chunk - n)
            if n == 0 { self.fd = nil }
            return n > 0
        }
    }

    private mutating func decode(_ range: Range<Int>) throws -> Substring {
        lineNumber += 1
        var r = range
        if r.count > 0 && buffer[r.upperBound - 1] == 0x0D { r = r.lowerBound..<(r.upperBound - 1) }
        if lineNumber == 1 && r.count >= 3 && buffer[r.lowerBound] == 0xEF && buffer[r.lowerBound + 1] == 0xBB
            && buffer[r.lowerBound + 2] == 0xBF {
            r = (r.lowerBound + 3)..<r.upperBound
        }
        guard let s = String(validating: buffer[r], as: UTF8.self) else {
            throw InputError(message: "line \(lineNumber): not UTF-8 text")
        }
        return Substring(s)
    }
}

/// The bytes of a file (a regular file, a device such as /dev/null, or a pipe such as `<(cmd)`).
func readFile(_ path: String) throws -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
          let handle = FileHandle(forReadingAtPath: path) else {
        throw InputError(message: "\(path): cannot read file")
    }
    defer { try? handle.close() }
    do {
        return [UInt8](try handle.readToEnd() ?? Data())
    } catch {
        throw InputError(message: "\(path): cannot read file")
    }
}

/// Whether a line holds only blanks (skipped by the JSON-lines readers).
func isBlank(_ line: Substring) -> Bool {
    line.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
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
