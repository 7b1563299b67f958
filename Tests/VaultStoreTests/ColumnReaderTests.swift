import Foundation
import GRDB
import Testing
import VaultLedger

@testable import VaultStore

/// `RawEventRows.append` reads each column through the pointer and length SQLite gives for the
/// column's value: these tests compare what it copied with the same columns read through GRDB,
/// and check that it gives up on a row whose column has another storage class than the store
/// writes (its pointers would then be to converted copies, and the checks assume the classes).
@Suite struct ColumnReaderTests {
    /// The fast reader over vault `name`'s rows: per row, whether it took the row, and the batch.
    static func readAll(_ db: VaultDatabase, stored: Bool = true) throws -> (taken: [Bool], batch: RawEventRows, rows: [Stored]) {
        try db.unsafeRead { gdb in
            let id = try Int64.fetchOne(gdb, sql: "SELECT id FROM vault ORDER BY id LIMIT 1")!
            let rows = stored ? try Row.fetchAll(gdb, sql: StoredEventReader.sql, arguments: [id]).map(Stored.init) : []
            let statement = try gdb.makeStatement(sql: StoredEventReader.sql)
            let cursor = try Row.fetchCursor(statement, arguments: [id])
            var batch = RawEventRows(capacity: 16)
            var taken: [Bool] = []
            while try cursor.next() != nil { taken.append(batch.append(statement.sqliteStatement)) }
            return (taken, batch, rows)
        }
    }

    /// A row's columns as GRDB reads them.
    struct Stored {
        var sequence: Int64, time: Int64, equityAfter: Int64, bytes: [UInt8], actor: [UInt8], kind: [UInt8], hash: [UInt8]
        init(_ row: Row) {
            sequence = row["sequence"]
            time = row["time"]
            equityAfter = row["equity_after"]
            bytes = Array(row["bytes"] as Data)
            actor = Array((row["actor"] as String).utf8)
            kind = Array((row["kind"] as String).utf8)
            hash = Array(row["hash"] as Data)
        }
    }

    @Test func copiedColumnsEqualTheStoredOnes() throws {
        let events = try ReplayEquivalenceTests.log(seed: 3, count: 300)
        let db = try VaultDatabase.inMemory()
        try db.importVault(name: "columns", events: events)
        let (taken, batch, rows) = try Self.readAll(db)
        #expect(taken.count == events.count && taken.allSatisfy { $0 })
        #expect(batch.count == rows.count)
        for (row, stored) in zip(batch.rows, rows) {
            let start = Int(row.start), bytesEnd = start + Int(row.bytesCount)
            let actorEnd = bytesEnd + Int(row.actorCount), kindEnd = actorEnd + Int(row.kindCount)
            #expect(row.sequence == stored.sequence)
            #expect(row.time == stored.time)
            #expect(row.equityAfter == stored.equityAfter)
            #expect(Array(batch.data[start..<bytesEnd]) == stored.bytes)
            #expect(Array(batch.data[bytesEnd..<actorEnd]) == stored.actor)
            #expect(Array(batch.data[actorEnd..<kindEnd]) == stored.kind)
            let hash = stored.hash.withUnsafeBytes { SHA256Digest(blob: $0) }
            #expect(row.hash == hash)
        }
        var decoded = batch
        let ok = decoded.decode()
        #expect(ok)
        #expect(decoded.events == events)
    }

    /// Each of the eight columns given another storage class, on one row: the reader refuses
    /// that row only.
    @Test(arguments: [
        "sequence = 'x' || sequence", "time = time + 0.25", "kind = CAST(kind AS BLOB)",
        "actor = CAST(actor AS BLOB)", "equity_after = equity_after + 0.5", "bytes = CAST(bytes AS TEXT)",
        "previous_hash = CAST(previous_hash AS TEXT)", "hash = CAST(hash AS TEXT)",
    ])
    func readerGivesUpOnEveryRetypedColumn(_ edit: String) throws {
        let events = try ReplayEquivalenceTests.log(seed: 4, count: 40)
        let db = try VaultDatabase.inMemory()
        try db.importVault(name: "retyped", events: events)
        try db.unsafeExecute(sql: allowEventEdits + "UPDATE vault_event SET \(edit) WHERE sequence = 7")
        let (taken, _, _) = try Self.readAll(db, stored: false)
        #expect(taken.count == events.count)
        // The retyped row is the one refused (rows are in sequence order; a text sequence sorts last).
        let refused = taken.indices.filter { !taken[$0] }
        #expect(refused.count == 1)
        #expect(refused == [edit.hasPrefix("sequence") ? events.count - 1 : 7])
    }
}

/// The decoder returns the action's own name as the actor when the stored actor bytes are
/// exactly that name (`CanonicalReader.string(reusing:)`); any other bytes are read as usual.
@Suite struct EventDecodingTests {
    @Test func reusedActorIsOnlyTakenOnEqualBytes() throws {
        let events = try ReplayEquivalenceTests.log(seed: 5, count: 200)
        var edited = 0
        for event in events {
            guard case .applied(let action) = event.entry, case .deposit(let name, _) = action else { continue }
            let bytes = event.canonicalBytes
            let decoded = try bytes.withUnsafeBytes { try VaultEvent.decode(canonical: $0, hash: event.hash) }
            #expect(decoded == event)
            #expect(Array(decoded.actor.utf8) == Array(event.actor.utf8))
            // The actor's stored bytes: the last occurrence of the name (length-prefixed) in the
            // encoding, after the action's. Edit its first, a middle, and its last byte.
            let field = Array(name.utf8)
            guard let at = Self.lastIndex(of: field, in: bytes), !field.isEmpty else { continue }
            for k in Set([0, field.count / 2, field.count - 1]) {
                var mutated = bytes
                mutated[at + k] = mutated[at + k] == UInt8(ascii: "q") ? UInt8(ascii: "r") : UInt8(ascii: "q")
                let other = try mutated.withUnsafeBytes { try VaultEvent.decode(canonical: $0, hash: event.hash) }
                #expect(Array(other.actor.utf8) == Array(mutated[at..<(at + field.count)]))
                #expect(other.actor != name)
                #expect(other.canonicalBytes == mutated)
                edited += 1
            }
            // A truncated actor still fails as before.
            let cut = Array(bytes[..<(at + field.count - 1)])
            #expect(throws: MalformedEvent.self) {
                try cut.withUnsafeBytes { try VaultEvent.decode(canonical: $0, hash: event.hash) }
            }
        }
        #expect(edited > 0)
    }

    static func lastIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var i = haystack.count - needle.count
        while i >= 0 {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i -= 1
        }
        return nil
    }
}
