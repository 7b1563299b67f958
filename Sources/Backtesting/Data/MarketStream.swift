import MarketCore

/// A market-data file to read: its path and layout.
public struct DataFile: Sendable, Hashable {
    /// The path, as errors will print it.
    public var path: String
    /// Its layout.
    public var format: DataFormat

    /// Creates a file reference.
    public init(path: String, format: DataFormat) {
        self.path = path
        self.format = format
    }
}

/// Several market-data files merged into one time-ordered stream, in constant memory.
///
/// Records come out by (time, rank, file index): at equal times trades come first, then quotes,
/// candles and funding, then depth (``DataFormat/mergeRank``), and files of equal rank in the order
/// they were given. Within a file, records keep file order. Each reader holds one record ahead.
public final class MarketStream {
    /// The readers, in the order the files were given (their ``MarketDataReader/source``).
    public let readers: [MarketDataReader]
    private let ranks: [Int]
    @exclusivity(unchecked) private var heads: [StampedRecord?]
    @exclusivity(unchecked) private var primed = false
    /// The file whose record was returned last: its next record is read at the next call, so that
    /// a bad row there is thrown after, not instead of, the record before it.
    @exclusivity(unchecked) private var refill = -1

    /// Opens every file (reading each header) with `source` set to its position in `files`.
    /// - Throws: the first file's ``DataReadError`` that cannot be opened or has a bad header.
    public convenience init(_ files: [DataFile], options: ReadOptions = ReadOptions()) throws(DataReadError) {
        var readers: [MarketDataReader] = []
        for (i, file) in files.enumerated() {
            readers.append(try MarketDataReader(path: file.path, format: file.format, source: i, options: options))
        }
        self.init(readers: readers)
    }

    /// Merges readers that are already open; ties between files are broken by their position in
    /// `readers` (their `source` should be that position, as ``init(_:options:)`` makes it).
    public init(readers: [MarketDataReader]) {
        self.readers = readers
        ranks = readers.map(\.format.mergeRank)
        heads = Array(repeating: nil, count: readers.count)
    }

    /// Each file's statistics so far, in the order given.
    public var statistics: [ReadStatistics] { readers.map(\.statistics) }

    /// The next record in time order, or nil when every file is exhausted.
    /// - Throws: the ``DataReadError`` of the file whose row is bad. Every record before the bad row
    ///   in that file has been returned; records of other files at later times may not have been.
    /// - Complexity: O(number of files) per record.
    public func next() throws(DataReadError) -> StampedRecord? {
        if !primed {
            for i in readers.indices { heads[i] = try readers[i].next() }
            primed = true
        } else if refill >= 0 {
            let i = refill
            refill = -1
            heads[i] = try readers[i].next()
        }
        var best = -1
        var bestTime = Int64.max
        var bestRank = Int.max
        for i in heads.indices {
            guard let head = heads[i] else { continue }
            let t = head.time.milliseconds
            if t < bestTime || (t == bestTime && ranks[i] < bestRank) {
                best = i
                bestTime = t
                bestRank = ranks[i]
            }
        }
        guard best >= 0 else { return nil }
        refill = best
        return heads[best]
    }
}
