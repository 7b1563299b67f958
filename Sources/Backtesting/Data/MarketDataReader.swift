import MarketCore

/// Reads one market-data file as a stream of ``StampedRecord``s, in file order, in constant memory.
///
/// The file is read in chunks of ``ReadOptions/bufferSize`` bytes and each row is parsed from the
/// bytes (no `String` per row). The header is read and checked when the reader is created. Rows must
/// not go back in time; depth files follow the snapshot rules of docs/data-formats.md.
///
/// ```swift
/// let reader = try MarketDataReader(path: "backtests/data/x/trades.csv", format: .trades)
/// while let r = try reader.next() { … }
/// ```
///
/// The per-row state is `@exclusivity(unchecked)`: a reader is used from one place at a time and
/// never re-entered, and the runtime access checks cost several nanoseconds per row.
public final class MarketDataReader {
    /// The path as given.
    public let path: String
    /// The file's layout.
    public let format: DataFormat
    /// The index stamped on every record (``StampedRecord/source``).
    public let source: Int
    /// How bad rows are treated.
    public let options: ReadOptions
    /// What has been read so far.
    @exclusivity(unchecked) public internal(set) var statistics = ReadStatistics()

    let lines: LineBuffer
    /// The current line's number (1-based, the header is 1).
    @exclusivity(unchecked) var lineNumber = 0
    /// Fields per row: the header's count, or the first row's in a headerless file.
    let fieldCount: Int
    /// Whether the file has no header (a Binance layout whose first line is data).
    let headerless: Bool
    /// Where each required column sits in a row.
    private let columnAt: UnsafeMutablePointer<Int>
    /// `fieldEnds[k]` is the offset just past field `k` of the current row.
    private let fieldEnds: UnsafeMutablePointer<Int>
    /// The first line of a headerless file, still to be returned as data.
    @exclusivity(unchecked) private var pendingFirstLine: UnsafeBufferPointer<UInt8>?
    /// Time and line of the last record returned.
    @exclusivity(unchecked) private var lastTime = Int64.min
    @exclusivity(unchecked) private var lastLine = 0
    @exclusivity(unchecked) var depth = DepthState()

    /// Opens `path` and reads its header (a Binance layout may have none).
    /// - Parameters:
    ///   - path: the file.
    ///   - format: its layout.
    ///   - source: the index stamped on its records (its position among a stream's files).
    ///   - options: bad-row handling and buffer size.
    /// - Throws: ``DataReadError`` when the file cannot be opened, is empty, or its header lacks a
    ///   required column (line 1).
    public init(path: String, format: DataFormat, source: Int = 0, options: ReadOptions = ReadOptions()) throws(DataReadError) {
        self.path = path
        self.format = format
        self.source = source
        self.options = options
        do throws(LineBufferError) {
            lines = try LineBuffer(path: path, capacity: options.bufferSize)
        } catch {
            throw Self.fileError(path, error)
        }
        let firstLine: UnsafeBufferPointer<UInt8>?
        do throws(LineBufferError) {
            firstLine = try lines.nextLine()
        } catch {
            throw Self.fileError(path, error, line: 1)
        }
        guard let firstLine else {
            throw DataReadError(file: path, line: 1, column: nil,
                                message: "empty file: expected a header row \(format.requiredColumns.joined(separator: ","))")
        }
        let first = Self.droppingBOM(firstLine)
        lineNumber = 1
        let layout = try Self.layout(of: first, format: format, path: path)
        fieldCount = layout.fieldCount
        columnAt = .allocate(capacity: layout.columns.count)
        columnAt.initialize(from: layout.columns, count: layout.columns.count)
        fieldEnds = .allocate(capacity: fieldCount)
        headerless = layout.headerless
        if headerless { pendingFirstLine = first }
    }

    deinit {
        columnAt.deallocate()
        fieldEnds.deallocate()
    }

    /// The read buffer's size in bytes: fixed for the reader's life, whatever the file's length.
    public var bufferCapacity: Int { lines.capacity }

    /// How far through the file the reader is, 0 … 1, by bytes (1 for an empty or unsized file).
    public var progress: Double {
        guard lines.fileSize > 0 else { return 1 }
        return min(1, Double(lines.offsetAfterLastLine) / Double(lines.fileSize))
    }

    /// The next record, or nil at the end of the file.
    ///
    /// Blank lines are skipped. With ``ReadOptions/skipBadRows`` a bad row is counted in
    /// ``statistics`` and skipped; otherwise it is thrown.
    /// - Throws: ``DataReadError`` naming the file, line and column.
    public func next() throws(DataReadError) -> StampedRecord? {
        while true {
            let line: UnsafeBufferPointer<UInt8>
            if let first = pendingFirstLine {
                pendingFirstLine = nil
                line = first
            } else {
                do throws(LineBufferError) {
                    guard let l = try lines.nextLine() else { return nil }
                    line = l
                } catch {
                    throw Self.fileError(path, error, line: lineNumber + 1)
                }
                lineNumber += 1
            }
            if line.count == 0 { continue }
            statistics.rows += 1
            do throws(RowFailure) {
                if let record = try readRow(line.baseAddress!, line.count) {
                    statistics.records += 1
                    return record
                }
            } catch {
                try reject(error)
            }
        }
    }

    /// Parses one non-empty row; nil when a depth rule drops it.
    @inline(__always)
    private func readRow(_ p: UnsafePointer<UInt8>, _ count: Int) throws(RowFailure) -> StampedRecord? {
        try split(p, count)
        let row: (time: Timestamp, record: MarketRecord)
        switch format {
        case .trades: row = try trade(p)
        case .binanceAggTrades: row = try aggTrade(p)
        case .quotes: row = try quote(p)
        case .candles, .binanceKlines: row = try candle(p)
        case .funding: row = try funding(p)
        case .depth:
            guard let r = try depthRow(p) else { return nil }
            row = r
        }
        try checkOrder(row.time)
        lastTime = row.time.milliseconds
        lastLine = lineNumber
        return StampedRecord(time: row.time, source: source, line: lineNumber, record: row.record)
    }

    /// Rows of one file never go back in time.
    @inline(__always)
    func checkOrder(_ time: Timestamp) throws(RowFailure) {
        if _slowPath(time.milliseconds < lastTime) {
            throw RowFailure(column: 0, message: "time goes backwards: \(time.milliseconds) is before "
                             + "\(lastTime) on line \(lastLine)")
        }
    }

    /// Finds the row's field boundaries (``SWAR/commas(_:)``, a word at a time; the line buffer is
    /// padded, so the last word may run past the row and its extra bytes are masked). The row must
    /// have exactly ``fieldCount`` fields.
    @inline(__always)
    private func split(_ p: UnsafePointer<UInt8>, _ count: Int) throws(RowFailure) {
        var k = 0
        let last = fieldCount - 1
        var i = 0
        while i < count {
            var commas = SWAR.commas(SWAR.load(p + i))
            let remaining = count &- i
            if remaining < 8 { commas &= SWAR.firstBytes(remaining) }
            while commas != 0 {
                if _slowPath(k == last) { throw wrongFieldCount(p, count) }
                fieldEnds[k] = i &+ (commas.trailingZeroBitCount >> 3)
                k &+= 1
                commas &= commas &- 1
            }
            i &+= 8
        }
        if _slowPath(k != last) { throw wrongFieldCount(p, count) }
        fieldEnds[k] = count
    }

    private func wrongFieldCount(_ p: UnsafePointer<UInt8>, _ count: Int) -> RowFailure {
        let found = UnsafeBufferPointer(start: p, count: count).reduce(1) { $0 + ($1 == 0x2C ? 1 : 0) }
        let what = headerless ? "the first row has" : "the header has"
        return RowFailure(column: nil, message: "expected \(fieldCount) fields (as \(what)), found \(found)")
    }

    /// Required column `j` of the current row.
    @inline(__always)
    func field(_ p: UnsafePointer<UInt8>, _ j: Int) -> Field {
        let c = columnAt[j]
        let start = c == 0 ? 0 : fieldEnds[c - 1] + 1
        return Field(base: p + start, count: fieldEnds[c] - start)
    }

    /// Where required column `j` sits in a row.
    func position(ofColumn j: Int) -> Int { columnAt[j] }

    /// Throws the row's error, or counts and keeps it when skipping bad rows.
    private func reject(_ failure: RowFailure) throws(DataReadError) {
        let error = DataReadError(file: path, line: failure.line ?? lineNumber,
                                  column: failure.column.map { format.requiredColumns[$0] }, message: failure.message)
        guard options.skipBadRows else { throw error }
        statistics.badRows += 1
        if statistics.badRowSamples.count < options.keptBadRows { statistics.badRowSamples.append(error) }
    }

    static func fileError(_ path: String, _ error: LineBufferError, line: Int = 0) -> DataReadError {
        switch error {
        case .system(let text):
            return DataReadError(file: path, line: 0, column: nil, message: text)
        case .lineTooLong(let capacity):
            return DataReadError(file: path, line: line, column: nil,
                                 message: "line longer than the \(capacity)-byte read buffer")
        }
    }
}
