import Foundation
import GRDB
import GRDBSQLite
import VaultLedger

/// The verifier's fast reader of `vault_event` rows, in two steps that run on different threads:
/// ``RawEventRows/append(_:)`` copies the current row's columns straight out of SQLite's own
/// buffers into one flat batch (no `Row` values, no `Data`, no `String`s), and
/// ``RawEventRows/decode(into:)`` then checks each stored hash against the SHA-256 of the stored
/// bytes, decodes the event from the bytes and checks the columns copied out of it.
///
/// It only ever *accepts or gives up*: every check here is at least as strict as the check the
/// authoritative path (``EventRows/decodeForVerification(_:vault:)`` then `Vault.replay`) makes
/// on the same row, so a row accepted here is accepted there; on anything unusual (a column of
/// another storage class, a length, a decoding error, a disagreeing column, a bad hash) it
/// gives up and the verifier reruns the authoritative path, which names the problem with the
/// usual error.
///
/// Why hashing the stored bytes is the check `Vault.replay` makes (`isHashValid`: the SHA-256 of
/// the decoded event's canonical encoding equals the stored hash): the decoder is one-to-one
/// (``CanonicalReader``), so the canonical encoding of the event decoded from `bytes` *is*
/// `bytes`. `StoredEventReaderTests` checks that property on mutated encodings.
enum StoredEventReader {
    /// The columns read, by index.
    static let sql = """
        SELECT sequence, time, kind, actor, equity_after, bytes, previous_hash, hash
        FROM vault_event WHERE vault_id = ? ORDER BY sequence
        """
}

/// A batch of `vault_event` rows as read from SQLite, not yet decoded: the byte columns of each
/// row laid end to end in ``data``, the rest in ``rows``; and, once decoded, their events.
/// (A struct, worked on as a local variable by each stage: a class's stored properties would
/// cost a dynamic exclusivity check per access, several per row.)
struct RawEventRows: Sendable {
    struct Row: Sendable {
        var sequence: Int64, time: Int64, equityAfter: Int64
        var hash: SHA256Digest
        /// Where the event bytes, then the `actor` text, then the `kind` text lie in ``data``.
        var start: Int32, bytesCount: Int32, actorCount: Int32, kindCount: Int32
    }

    private(set) var rows: [Row] = []
    private(set) var data: [UInt8] = []
    /// The decoded events (``decode()``).
    var events: [VaultEvent] = []

    init(capacity: Int) {
        rows.reserveCapacity(capacity)
        data.reserveCapacity(capacity * 384)
        events.reserveCapacity(capacity)
    }

    var count: Int { rows.count }

    /// Empties the batch, keeping its storage.
    mutating func removeAll() {
        rows.removeAll(keepingCapacity: true)
        data.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
    }

    /// Copies the statement's current row.
    /// - Precondition: `statement` is positioned on a row of ``StoredEventReader/sql`` (its last
    ///   `sqlite3_step` returned `SQLITE_ROW`).
    /// - Returns: false when the row is not as the store writes it (the verifier gives up).
    mutating func append(_ statement: SQLiteStatement) -> Bool {
        // One `sqlite3_column_value` per column, then the cheap `sqlite3_value_*` accessors on
        // it. (Every `sqlite3_column_*` call enters and leaves the connection's mutex and checks
        // for a failed malloc: with a type, a pointer and a length per column that was 22 such
        // calls a row; now 8.) The values are the statement's own result cells, "unprotected"
        // in SQLite's terms: usable with the `sqlite3_value_*` readers on the thread that steps
        // the statement, until it is stepped, reset or finalized (the caller holds the
        // connection on this thread and steps only after this function returns).
        let s = statement
        guard let seqV = sqlite3_column_value(s, 0), let timeV = sqlite3_column_value(s, 1),
            let kindV = sqlite3_column_value(s, 2), let actorV = sqlite3_column_value(s, 3),
            let equityV = sqlite3_column_value(s, 4), let bytesV = sqlite3_column_value(s, 5),
            let previousV = sqlite3_column_value(s, 6), let hashV = sqlite3_column_value(s, 7)
        else { return false }
        // Storage classes exactly as the store writes them. (A conversion would make the pointers
        // below refer to converted copies; with these classes none happens.)
        guard sqlite3_value_type(seqV) == SQLITE_INTEGER, sqlite3_value_type(timeV) == SQLITE_INTEGER,
            sqlite3_value_type(kindV) == SQLITE_TEXT, sqlite3_value_type(actorV) == SQLITE_TEXT,
            sqlite3_value_type(equityV) == SQLITE_INTEGER, sqlite3_value_type(bytesV) == SQLITE_BLOB,
            sqlite3_value_type(previousV) == SQLITE_BLOB, sqlite3_value_type(hashV) == SQLITE_BLOB
        else { return false }
        // SAFETY (every pointer below): SQLite keeps a value's bytes valid until the statement
        // is stepped, reset or finalized, or that value is converted to another type. This
        // function reads each value once, only as its own storage class (checked above), copies
        // it into `data` and returns before the caller steps again. Each length comes from
        // `sqlite3_value_bytes` of the same value, called after the pointer, as SQLite
        // documents; every read below stays inside the length it was given. `TamperTests` and
        // `StoredEventReaderTests` run this on rows of every shape the store writes and on
        // truncated, edited and retyped ones (`readerGivesUpOnEveryRetypedColumn` retypes each
        // of the eight columns in turn).
        guard let hashBase = sqlite3_value_blob(hashV), sqlite3_value_bytes(hashV) == 32,
            let previousBase = sqlite3_value_blob(previousV), sqlite3_value_bytes(previousV) == 32,
            let bytesBase = sqlite3_value_blob(bytesV)
        else { return false }
        let count = Int(sqlite3_value_bytes(bytesV))
        // The version byte, then the previous hash: at least 33 bytes before any other field.
        guard count > 33, count < Int(Int32.max) else { return false }
        // The copied `previous_hash` column equals the bytes' own copy (bytes 1–32).
        guard previousBase.loadUnaligned(as: DigestWords.self) == (bytesBase + 1).loadUnaligned(as: DigestWords.self),
            let hash = SHA256Digest(blob: UnsafeRawBufferPointer(start: hashBase, count: 32)),
            let actorBase = sqlite3_value_text(actorV), let kindBase = sqlite3_value_text(kindV)
        else { return false }
        let actorCount = Int(sqlite3_value_bytes(actorV)), kindCount = Int(sqlite3_value_bytes(kindV))
        // Names are at most 64 bytes and kinds are short: anything longer is not the store's.
        guard actorCount <= 4096, kindCount <= 4096, data.count < Int(Int32.max) - count - 8192 else { return false }
        let start = Int32(data.count)
        data.append(contentsOf: UnsafeRawBufferPointer(start: bytesBase, count: count))
        data.append(contentsOf: UnsafeBufferPointer(start: actorBase, count: actorCount))
        data.append(contentsOf: UnsafeBufferPointer(start: kindBase, count: kindCount))
        rows.append(
            Row(
                sequence: sqlite3_value_int64(seqV), time: sqlite3_value_int64(timeV),
                equityAfter: sqlite3_value_int64(equityV), hash: hash, start: start, bytesCount: Int32(count),
                actorCount: Int32(actorCount), kindCount: Int32(kindCount)))
        return true
    }

    /// Checks and decodes every row into ``events``.
    /// - Returns: false at the first row whose hash, bytes or copied columns are not right (the
    ///   verifier gives up).
    mutating func decode() -> Bool {
        var events: [VaultEvent] = []
        swap(&events, &self.events)
        defer { swap(&events, &self.events) }
        events.removeAll(keepingCapacity: true)
        return data.withUnsafeBytes { all in
            for row in rows {
                let start = Int(row.start), bytesEnd = start + Int(row.bytesCount)
                let actorEnd = bytesEnd + Int(row.actorCount), kindEnd = actorEnd + Int(row.kindCount)
                // SAFETY: `append` wrote each row's bytes, actor and kind contiguously from `start`
                // (all counts non-negative), so the three slices below lie inside `data`; slicing
                // an unsafe buffer is not bounds-checked in release builds, hence this check.
                precondition(start >= 0 && start <= bytesEnd && bytesEnd <= actorEnd && actorEnd <= kindEnd && kindEnd <= all.count)
                let bytes = UnsafeRawBufferPointer(rebasing: all[start..<bytesEnd])
                // The one SHA-256 per event, of the stored bytes themselves.
                guard SHA256Digest(hashing: bytes) == row.hash,
                    let event = try? VaultEvent.decode(canonical: bytes, hash: row.hash),
                    event.sequence == row.sequence, event.time.milliseconds == row.time,
                    event.equityAfter.raw == row.equityAfter,
                    Self.text(all[bytesEnd..<actorEnd], is: event.actor),
                    Self.text(all[actorEnd..<kindEnd], is: event.kindName)
                else { return false }
                events.append(event)
            }
            return true
        }
    }

    /// Whether a TEXT column's bytes are exactly `string`'s UTF-8 and hold no NUL byte (the
    /// authoritative path reads text as a C string, which a NUL would cut short).
    private static func text(_ column: Slice<UnsafeRawBufferPointer>, is string: String) -> Bool {
        let column = UnsafeRawBufferPointer(rebasing: column)
        let count = column.count
        guard string.utf8.count == count else { return false }
        // The string's own UTF-8 buffer, without copying the string first (`withUTF8` needs a
        // `var`); a string without contiguous UTF-8 (none on Linux) is compared element-wise.
        let same =
            string.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
                // SAFETY: both buffers hold `count` bytes (checked above); memcmp reads `count`.
                guard count > 0, let mine = utf8.baseAddress, let theirs = column.baseAddress else { return true }
                return memcmp(mine, theirs, count) == 0
            } ?? column.elementsEqual(string.utf8)
        return same && (count == 0 || memchr(column.baseAddress!, 0, count) == nil)
    }
}

/// A digest's 32 bytes as four words, to compare two unaligned digests with four loads each.
typealias DigestWords = (UInt64, UInt64, UInt64, UInt64)

/// One batch on its way through the verifier's pipeline, and back to its ``BatchPool``: lets the
/// stages hand a batch on and reuse its storage (capacity kept) instead of allocating fresh
/// megabytes for every batch.
///
/// `@unchecked Sendable`: the pipeline gives a box to one stage at a time (reader, then decoder,
/// then replayer, then the pool), each hand-over going through a dispatch queue, a semaphore or
/// a lock, which orders the memory accesses.
final class RawEventBox: @unchecked Sendable {
    private var batch = RawEventRows(capacity: 0)

    /// Moves the batch out (leaving an empty one), so the caller holds its only reference.
    func take() -> RawEventRows {
        var out = RawEventRows(capacity: 0)
        swap(&out, &batch)
        return out
    }

    /// Moves `batch` in.
    func put(_ batch: consuming RawEventRows) { self.batch = batch }

    /// The decoded events, to read in place.
    var events: [VaultEvent] { batch.events }
}
