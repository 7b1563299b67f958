extension MarketDataReader {
    /// Where the required columns sit, and how many fields a row has.
    struct Layout {
        var columns: [Int]
        var fieldCount: Int
        var headerless: Bool
    }

    /// The line without a leading UTF-8 byte-order mark.
    static func droppingBOM(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF else { return line }
        return UnsafeBufferPointer(rebasing: line[3...])
    }

    /// Reads the first line: a header (names matched ignoring ASCII case and surrounding spaces,
    /// in any order, extra columns ignored) or, for a Binance layout whose first field starts with
    /// a digit, the first data row (columns by their published positions).
    static func layout(of first: UnsafeBufferPointer<UInt8>, format: DataFormat, path: String) throws(DataReadError) -> Layout {
        let fields = first.split(separator: 0x2C, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        if let positions = format.headerlessPositions, let byte = first.first, byte &- 48 <= 9 {
            let needed = positions.max()! + 1
            guard fields.count >= needed else {
                throw DataReadError(file: path, line: 1, column: nil,
                                    message: "a headerless \(format.rawValue) file has at least \(needed) fields "
                                        + "(\(format.binanceColumns!.joined(separator: ","))), found \(fields.count)")
            }
            return Layout(columns: positions, fieldCount: fields.count, headerless: true)
        }
        let names = fields.map { $0.trimmingASCIISpaces().lowercased() }
        var columns: [Int] = []
        for name in format.requiredColumns {
            let hits = names.indices.filter { names[$0] == name }
            guard hits.count == 1 else {
                let problem = hits.isEmpty
                    ? "missing from the header (a \(format.rawValue) file needs \(format.requiredColumns.joined(separator: ","));"
                        + " found \(names.joined(separator: ",")))"
                    : "appears \(hits.count) times in the header"
                throw DataReadError(file: path, line: 1, column: name, message: problem)
            }
            columns.append(hits[0])
        }
        return Layout(columns: columns, fieldCount: names.count, headerless: false)
    }
}

extension String {
    /// The text without leading and trailing spaces and tabs.
    fileprivate func trimmingASCIISpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
