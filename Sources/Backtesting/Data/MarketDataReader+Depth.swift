import MarketCore

/// Where a depth file stands relative to its snapshots (docs/data-formats.md, "Depth").
struct DepthState {
    /// A snapshot row has been returned: updates may now be applied.
    var seenSnapshot = false
    /// The last accepted row was a snapshot row: the next snapshot row continues the same block.
    var inSnapshotBlock = false
    /// The time of the latest snapshot block (its last row's time); older updates are dropped.
    var snapshotTime = Timestamp.zero
    /// The timestamp found by reading ahead for empty-timestamp snapshot rows, and its line.
    var aheadTime: Timestamp? = nil
    var aheadLine = 0
    /// Reading ahead found no later timestamp.
    var aheadExhausted = false
}

extension MarketDataReader {
    /// A snapshot row at `time` has been accepted: it starts a new block after an update, or
    /// continues the current one.
    @inline(__always)
    func beginOrContinueSnapshot(at time: Timestamp) {
        depth.seenSnapshot = true
        depth.inSnapshotBlock = true
        depth.snapshotTime = time
    }

    /// Whether an update row at `time` is returned: never before the first snapshot row, never when
    /// older than the snapshot before it. Dropped updates are counted.
    @inline(__always)
    func keepUpdate(at time: Timestamp) -> Bool {
        depth.inSnapshotBlock = false
        guard depth.seenSnapshot else {
            statistics.depthUpdatesBeforeSnapshot += 1
            return false
        }
        if time < depth.snapshotTime {
            statistics.depthUpdatesOlderThanSnapshot += 1
            return false
        }
        return true
    }

    /// The time of a snapshot row with an empty timestamp: that of the next row in the file that
    /// has one (a later snapshot row or the first update after the block). The file is scanned
    /// ahead once per block with a second buffer, so memory stays bounded; rows are not parsed
    /// beyond their timestamp.
    /// - Throws: when no later row has a timestamp, or (unless skipping bad rows) the first later
    ///   timestamp is malformed (that row's error).
    func readAheadTime() throws(RowFailure) -> Timestamp {
        if let t = depth.aheadTime, depth.aheadLine > lineNumber { return t }
        let none = RowFailure(column: 0, message: "a snapshot row has an empty timestamp and no later row has one")
        if depth.aheadExhausted { throw none }
        let ahead: LineBuffer
        do throws(LineBufferError) {
            ahead = try LineBuffer(path: path, capacity: options.bufferSize, offset: lines.offsetAfterLastLine)
        } catch {
            throw RowFailure(column: 0, message: "cannot read ahead for the snapshot's time: \(Self.fileError(path, error).message)")
        }
        let column = position(ofColumn: 0)
        var line = lineNumber
        while true {
            let next: UnsafeBufferPointer<UInt8>?
            do throws(LineBufferError) {
                next = try ahead.nextLine()
            } catch {
                throw RowFailure(column: 0, message: "cannot read ahead for the snapshot's time: \(Self.fileError(path, error).message)")
            }
            guard let text = next else { break }
            line += 1
            guard let stamp = Self.field(column, of: text), stamp.count > 0 else { continue }
            do throws(RowFailure) {
                let t = try TimestampParsing.parse(stamp, column: 0)
                depth.aheadTime = t
                depth.aheadLine = line
                return t
            } catch {
                if options.skipBadRows { continue }
                throw RowFailure(column: 0, message: error.message, line: line)
            }
        }
        depth.aheadExhausted = true
        throw none
    }

    /// Field `index` of a line, or nil when the line has fewer fields (read-ahead only).
    private static func field(_ index: Int, of line: UnsafeBufferPointer<UInt8>) -> Field? {
        guard let base = line.baseAddress else { return nil }
        var start = 0
        var k = 0
        for i in 0...line.count where i == line.count || line[i] == 0x2C {
            if k == index { return Field(base: base + start, count: i - start) }
            k += 1
            start = i + 1
        }
        return nil
    }
}
