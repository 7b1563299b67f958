/// Why a market-data file could not be read, and where.
///
/// Its text is `file:line: column name: message`, e.g.
/// `backtests/x/trades.csv:17: column size: expected a decimal number, found "abc"`.
public struct DataReadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The path as given to the reader.
    public var file: String
    /// The 1-based line (the header is line 1), or 0 when the error is about the whole file
    /// (it cannot be opened or read).
    public var line: Int
    /// The column's header name (for a headerless Binance file, its published name), or nil when
    /// the error is about the whole row or file.
    public var column: String?
    /// What was expected and what was found.
    public var message: String

    /// Creates an error.
    public init(file: String, line: Int, column: String?, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var out = file
        if line > 0 { out += ":\(line)" }
        out += ": "
        if let column { out += "column \(column): " }
        return out + message
    }
}

/// How the readers treat the input.
public struct ReadOptions: Sendable, Hashable {
    /// When true, a bad row is counted (``ReadStatistics/badRows``) and skipped instead of thrown.
    /// Errors about the whole file (cannot open, bad header, a line longer than the buffer) are
    /// still thrown.
    public var skipBadRows: Bool
    /// How many skipped rows' errors each file keeps for the report (``ReadStatistics/badRowSamples``).
    public var keptBadRows: Int
    /// The read buffer of each file, in bytes: the only memory a reader holds that is proportional
    /// to anything, and the longest line it accepts. Default 256 KiB.
    public var bufferSize: Int

    /// Creates options.
    /// - Parameters:
    ///   - skipBadRows: count and skip bad rows instead of throwing (`--skip-bad-rows`).
    ///   - keptBadRows: how many skipped rows' errors to keep per file.
    ///   - bufferSize: the read buffer per file in bytes (at least 64).
    public init(skipBadRows: Bool = false, keptBadRows: Int = 10, bufferSize: Int = 256 * 1024) {
        precondition(bufferSize >= 64, "buffer too small")
        precondition(keptBadRows >= 0, "negative keptBadRows")
        self.skipBadRows = skipBadRows
        self.keptBadRows = keptBadRows
        self.bufferSize = bufferSize
    }
}

/// What a reader has seen so far in one file.
public struct ReadStatistics: Sendable, Hashable {
    /// Data rows read: non-blank lines after the header (every line of a headerless file).
    public var rows = 0
    /// Records returned.
    public var records = 0
    /// Bad rows skipped (only with ``ReadOptions/skipBadRows``).
    public var badRows = 0
    /// The errors of the first ``ReadOptions/keptBadRows`` skipped rows.
    public var badRowSamples: [DataReadError] = []
    /// Depth updates dropped because they came before the first snapshot row of the file.
    public var depthUpdatesBeforeSnapshot = 0
    /// Depth updates dropped because they were older than the snapshot before them.
    public var depthUpdatesOlderThanSnapshot = 0

    /// All depth updates dropped, never applied.
    public var depthUpdatesDropped: Int { depthUpdatesBeforeSnapshot + depthUpdatesOlderThanSnapshot }

    /// Empty statistics.
    public init() {}
}
