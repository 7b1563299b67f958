import Foundation
import MarketCore
import Testing
import VaultLedger
import VaultWorkloads

@testable import VaultStore

/// The verifier's fast reader (`StoredEventReader`, `RawEventRows`) checks each stored hash
/// against the SHA-256 of the stored bytes, reads SQLite's buffers in place, and gives up to the
/// authoritative path on anything unusual. These tests pin the properties that makes safe.
@Suite struct StoredEventReaderTests {
    /// Lower-case hex of `bytes`, for SQL `x'…'` literals.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The decoder is one-to-one: whatever byte string it accepts is the canonical encoding of
    /// what it decodes to. (Hashing the stored bytes is then the same check as hashing the
    /// decoded event, `isHashValid`; if this failed, the fast reader could accept an event whose
    /// stored hash is not the hash of its canonical encoding.)
    @Test(arguments: 1...4 as ClosedRange<Int64>)
    func everyAcceptedEncodingIsCanonical(seed: Int64) throws {
        var rng = SplitMix64(seed: seed)
        let events = try ReplayEquivalenceTests.log(seed: seed, count: 120)
        var accepted = 0
        for event in events {
            let bytes = event.canonicalBytes
            let same = try bytes.withUnsafeBytes { try VaultEvent.decode(canonical: $0, hash: event.hash) }
            #expect(same == event)
            #expect(same.canonicalBytes == bytes)
            for _ in 0..<40 {
                var mutated = bytes
                let k = Int(rng.next() % UInt64(mutated.count))
                switch rng.next() % 4 {
                case 0: mutated[k] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                case 1: mutated[k] = [0, 1, 2, 0x7f, 0x80, 0xff][Int(rng.next() % 6)]
                case 2: mutated.removeSubrange(k...)
                default: mutated.insert(UInt8(truncatingIfNeeded: rng.next()), at: k)
                }
                guard let decoded = try? mutated.withUnsafeBytes({ try VaultEvent.decode(canonical: $0, hash: event.hash) })
                else { continue }
                accepted += 1
                #expect(decoded.canonicalBytes == mutated, "seed \(seed), event \(event.sequence), byte \(k)")
            }
        }
        #expect(accepted > 0)  // some edits (amounts, times) still decode
    }

    /// A log whose creation event carries a wrong hash, with every later event re-chained (and
    /// re-hashed) onto it and the snapshot's last hash updated: only the hash check of event 0
    /// can tell. (The former fast path did not hash event 0.)
    @Test func aWrongCreationHashIsCaughtEvenWhenTheChainIsRebuiltOnIt() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (path, db) = try scriptedDatabase(in: dir)
        var events = try db.events(vault: "v")
        events[0].hash = SHA256Digest(1, 2, 3, 4)
        for i in 1..<events.count {
            events[i].previousHash = events[i - 1].hash
            events[i].hash = events[i].computeHash()
        }
        var sql = allowEventEdits
        for e in events {
            sql += "UPDATE vault_event SET bytes = x'\(Self.hex(e.canonicalBytes))', previous_hash = x'\(Self.hex(e.previousHash.bytes))', hash = x'\(Self.hex(e.hash.bytes))' WHERE sequence = \(e.sequence);"
        }
        sql += "UPDATE vault SET last_hash = x'\(Self.hex(events[events.count - 1].hash.bytes))';"
        try db.unsafeExecute(sql: sql)
        for verify in [{ _ = try VaultDatabase(path: path) }, { _ = try db.verify() }] as [() throws -> Void] {
            do {
                try verify()
                Issue.record("a log with a wrong creation hash verified")
            } catch VaultStoreError.corrupt(let vault, let sequence, let reason) {
                #expect(vault == "v")
                #expect(sequence == 0)
                #expect(reason.contains("does not match its hash"), "\(reason)")
            }
        }
        // And the one-hash replay alone refuses it too.
        #expect(OneHashReplay.refuses(events))
    }

    /// Rows the fast reader does not read itself (a column of another storage class, text with
    /// a NUL byte) go to the authoritative path, which decides as it always has: here it
    /// accepts, because the values still read back the same.
    @Test(arguments: [
        "UPDATE vault_event SET kind = CAST(kind AS BLOB) WHERE sequence = 4",
        "UPDATE vault_event SET actor = actor || char(0) || 'junk' WHERE sequence = 4",
        "UPDATE vault_event SET time = time + 0.25 WHERE sequence = 6",
    ])
    func rowsTheFastReaderSkipsAreJudgedByTheAuthority(_ edit: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (path, db) = try scriptedDatabase(in: dir)
        let before = try db.verify()
        try db.unsafeExecute(sql: allowEventEdits + edit)
        let after = try db.verify()
        #expect(after.vaults.map(\.eventCount) == before.vaults.map(\.eventCount))
        #expect(after.vaults.map(\.lastHash) == before.vaults.map(\.lastHash))
        #expect(try VaultDatabase(path: path).verify().eventCount == before.eventCount)
    }

    /// Logs longer than a batch (several batches through the pipeline, one partial) verify, and
    /// a hash edited in a late batch is named.
    @Test func severalBatchesVerifyAndALateEditIsNamed() throws {
        let count = OneHashReplay.batch * 2 + 123
        let events = try ReplayEquivalenceTests.log(seed: 9, count: count)
        let db = try VaultDatabase.inMemory()
        try db.importVault(name: "long", events: events)
        let report = try db.verify()
        #expect(report.eventCount == Int64(events.count))
        #expect(report.vaults[0].lastHash == events[events.count - 1].hash)
        let late = Int64(OneHashReplay.batch * 2 + 50)
        try db.unsafeExecute(sql: allowEventEdits + "UPDATE vault_event SET hash = zeroblob(32) WHERE sequence = \(late)")
        #expect(throws: VaultStoreError.self) { try db.verify() }
        do {
            _ = try db.verify()
        } catch VaultStoreError.corrupt(_, let sequence, let reason) {
            #expect(sequence == late)
            #expect(reason.contains("does not match its hash"), "\(reason)")
        }
    }
}

extension OneHashReplay {
    /// Whether feeding `events` (hashes checked by ``feed(_:hashesChecked:)``) is refused.
    static func refuses(_ events: [VaultEvent]) -> Bool {
        let replay = OneHashReplay()
        replay.feed(events)
        return replay.result == nil
    }
}
