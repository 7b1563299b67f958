import Dispatch
import GRDB
import MarketCore
import Synchronization
import VaultLedger

/// What ``VaultDatabase/verify(vault:)`` checked.
public struct VerifyReport: Sendable, Hashable {
    /// One entry per vault, sorted by name.
    public var vaults: [VaultVerification]
    /// Wall time of the whole verification.
    public var duration: Duration

    /// Events across all vaults.
    public var eventCount: Int64 { vaults.reduce(0) { $0 + $1.eventCount } }
}

/// One vault's verification.
public struct VaultVerification: Sendable, Hashable {
    /// The vault.
    public var name: String
    /// Events in its log (the last sequence plus one).
    public var eventCount: Int64
    /// Hash of its last event.
    public var lastHash: SHA256Digest
    /// Time spent on it (reading, decoding, replaying, comparing).
    public var duration: Duration
}

/// Rebuilds vaults from their stored logs and checks the stored rows against them.
enum Verifier {
    /// Replays `row`'s vault from its event rows and compares the snapshot and account rows.
    /// - Returns: the replayed vault, drained.
    /// - Throws: ``VaultStoreError/corrupt(vault:sequence:reason:)``; `DatabaseError`.
    static func load(_ row: VaultRow, _ db: Database) throws -> Vault {
        guard let id = row.id else { preconditionFailure("fetched vault row has no id") }
        let vault = try OneHashReplay.run(vaultID: id, db) ?? authoritativeReplay(of: row.name, id: id, db)
        try compare(row, with: vault, id: id, db)
        return vault
    }

    /// Rebuilds the vault with `Vault.replay`, the authority, from rows decoded by
    /// ``EventRows/decodeForVerification(_:vault:)``: run when the fast path gave up, to name the
    /// first bad event.
    /// - Returns: the drained vault when the authority accepts the log (the fast path gives up
    ///   on some rows it does not read itself, such as a column of another storage class whose
    ///   value still converts to the right one).
    private static func authoritativeReplay(of name: String, id: Int64, _ db: Database) throws -> Vault {
        let events = DecodedEvents(
            cursor: try Row.fetchCursor(db, sql: EventRows.verifySQL, arguments: [id]), vault: name)
        var vault: Vault
        do {
            vault = try Vault.replay(events)
        } catch {
            if let failure = events.failure.error, error == .missingGenesis { throw failure }
            throw VaultStoreError.corrupt(name, error)
        }
        if let failure = events.failure.error { throw failure }
        _ = vault.drainEvents()
        return vault
    }

    /// Checks the snapshot row and every account row against the replayed vault.
    private static func compare(_ row: VaultRow, with vault: Vault, id: Int64, _ db: Database) throws {
        let last = vault.eventCount - 1
        if row.lastSequence != last {
            throw VaultStoreError.corrupt(
                vault: row.name, sequence: min(row.lastSequence, last),
                reason: "the snapshot says the last event is \(row.lastSequence) but the log ends at \(last)")
        }
        let expected = VaultRow(id: id, name: row.name, vault: vault)
        let differing = try row.differingColumns(from: expected)
        if !differing.isEmpty {
            throw VaultStoreError.corrupt(
                vault: row.name, sequence: last,
                reason: "the snapshot's \(differing.joined(separator: ", ")) differ\(differing.count == 1 ? "s" : "") from the replayed log")
        }
        var stored: [String: AccountRow] = [:]
        do {
            for account in try AccountRow.fetchAll(db, sql: "SELECT * FROM vault_account WHERE vault_id = ?", arguments: [id]) {
                stored[account.name] = account
            }
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw VaultStoreError.corrupt(vault: row.name, sequence: last, reason: "an account row cannot be read: \(error)")
        }
        var seen = 0
        for account in [vault.manager, vault.protocolAccount] + vault.depositorAccounts {
            seen += 1
            let want = AccountRow(vaultID: id, account: account)
            guard let have = stored[account.name] else {
                throw VaultStoreError.corrupt(
                    vault: row.name, sequence: last, reason: "account \(account.name) is missing from the account rows")
            }
            let differing = try have.differingColumns(from: want)
            if !differing.isEmpty {
                throw VaultStoreError.corrupt(
                    vault: row.name, sequence: last,
                    reason: "account \(account.name)'s \(differing.joined(separator: ", ")) differ\(differing.count == 1 ? "s" : "") from the replayed log")
            }
        }
        if stored.count != seen {
            let extra = stored.keys.filter { vault.account($0) == nil }.sorted()
            throw VaultStoreError.corrupt(
                vault: row.name, sequence: last,
                reason: "account rows \(extra.joined(separator: ", ")) have no account in the replayed log")
        }
    }
}

/// The first error met while reading events (a class so the sequence's copies share it).
final class FailureBox {
    var error: (any Error)?
}

/// Event rows decoded lazily, so a long log is never held twice. Iteration stops at the first
/// unreadable row and records why in ``failure``.
struct DecodedEvents: Sequence {
    let cursor: RowCursor
    let vault: String
    let failure = FailureBox()

    struct Iterator: IteratorProtocol {
        let cursor: RowCursor
        let vault: String
        let failure: FailureBox

        mutating func next() -> VaultEvent? {
            if failure.error != nil { return nil }
            do {
                guard let row = try cursor.next() else { return nil }
                return try EventRows.decodeForVerification(row, vault: vault)
            } catch let error as VaultStoreError {
                failure.error = error
            } catch let error as DatabaseError {
                failure.error = error
            } catch {
                failure.error = VaultStoreError.corrupt(vault: vault, sequence: nil, reason: "an event row cannot be read: \(error)")
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(cursor: cursor, vault: vault, failure: failure) }
}

/// Replays a log with the same guarantees as `Vault.replay` while hashing each event once
/// instead of twice, on a second thread while the first reads, decodes and hashes the rows.
///
/// `Vault.replay` checks each stored event's hash, then re-applies its action with the log
/// sealed at every action (a second hash) and compares. Here each stored hash is checked to be
/// the SHA-256 of its event (by the reader, ``StoredEventReader``, from the stored bytes; or by
/// ``feed(_:hashesChecked:)`` itself, ``VaultEvent/isHashValid``) and each event is re-executed
/// by `Vault.reapply`, which buffers and hashes nothing: it checks that the event is the next
/// one, that its `previousHash` is the hash before it, and that re-applying its action gives an
/// event equal to the stored one field for field, then takes the stored hash as the chain's.
/// Together that is exactly what `Vault.replay` checks. On any difference the caller reruns
/// `Vault.replay` to name the first bad event.
///
/// Batches are fed in order from one thread at a time (the verifier's serial queue); the
/// result is read after that queue has drained. ``failed`` may be read from any thread.
final class OneHashReplay: @unchecked Sendable {
    /// Events per batch handed from one stage of the pipeline to the next.
    static let batch = 4096

    private var vault: Vault?
    private var broken = false
    /// Set as soon as a difference is found (the producer may stop reading).
    let failed = Atomic<Bool>(false)

    /// The rebuilt vault (drained), or nil if the stored events are not what re-execution
    /// produces, or the log does not start with a valid creation event.
    var result: Vault? { broken ? nil : vault }

    /// Re-applies the next stored events (in order, from creation on) and compares.
    /// - Parameter hashesChecked: the caller has already checked that each event's `hash` is
    ///   the SHA-256 of its canonical bytes; otherwise this checks it (``VaultEvent/isHashValid``).
    func feed(_ events: [VaultEvent], hashesChecked: Bool = false) {
        if broken || events.isEmpty { return }
        var i = 0
        if vault == nil {
            let first = events[0]
            guard first.sequence == 0, first.previousHash == .zero, hashesChecked || first.isHashValid,
                case .created(let terms, let manager) = first.entry,
                var created = try? Vault(terms: terms, manager: manager, createdAt: first.time, sealing: .onDemand),
                // The creation event buffered by the initialiser must be the stored one; adopting
                // it empties the buffer, which `reapply` needs.
                created.drainEvents(adopting: [first])
            else { return fail() }
            vault = created
            i = 1
        }
        guard var v = vault else { return fail() }
        vault = nil  // keep `v` uniquely referenced: no copy-on-write of the ledger
        defer { vault = v }
        // The events are read in place through the array's buffer: `events[i]` on the array
        // itself copied the whole ~400-byte event (a `memmove`, retaining its strings) before
        // passing it on. SAFETY: the buffer is used only inside the closure, while `events` (a
        // parameter) is alive and unchanged, and only at indices below its `count` (the loop
        // bound); nothing here writes to it. `ReplayEquivalenceTests` (batches of random sizes)
        // and `StoredEventReaderTests` feed batches through this loop.
        let reproduced = events.withUnsafeBufferPointer { events -> Bool in
            while i < events.count {
                // The one SHA-256 per event (unless the reader did it): the stored hash must be
                // the hash of the stored fields. `reapply` checks the rest: the sequence, the
                // chain, and that re-executing the action gives this very event.
                guard hashesChecked || events[i].isHashValid, v.reapply(events[i]) else { return false }
                i += 1
            }
            return true
        }
        if !reproduced { fail() }
    }

    /// Marks the log as not reproduced (the reader gave up, or a batch differed).
    private func fail() {
        broken = true
        failed.store(true, ordering: .relaxed)
    }

    /// Reads vault `id`'s event rows on this thread while a second thread checks and decodes the
    /// batches already read (``RawEventRows``: hash, bytes and copied columns) and a third
    /// re-applies the batches already decoded. On two cores the three stages share them.
    /// - Returns: the rebuilt vault, drained; nil when anything differs (the caller then runs
    ///   the authoritative replay, which names it).
    /// - Throws: `DatabaseError` from SQLite.
    static func run(vaultID id: Int64, _ db: Database) throws -> Vault? {
        let replay = OneHashReplay()
        let decoder = DispatchQueue(label: "VaultStore.verify.decode")
        let replayer = DispatchQueue(label: "VaultStore.verify.replay")
        // At most two batches between each pair of stages, and at most five in all (one being
        // read, two waiting or decoding, two waiting or replaying): memory stays O(batch).
        let rawSlots = DispatchSemaphore(value: 2), decodedSlots = DispatchSemaphore(value: 2)
        let stop = StopFlag()
        let pool = BatchPool()
        var batch = pool.take()
        func send() {
            if batch.count == 0 { return }
            rawSlots.wait()
            let box = RawEventBox()
            box.put(batch)
            batch = pool.take()
            decoder.async {
                var mine = box.take()
                let ok = !stop.isSet && mine.decode()
                box.put(mine)
                rawSlots.signal()
                guard ok else {
                    stop.set()
                    return pool.give(box.take())
                }
                decodedSlots.wait()
                replayer.async {
                    if !stop.isSet { replay.feed(box.events, hashesChecked: true) }
                    if replay.failed.load(ordering: .relaxed) { stop.set() }
                    decodedSlots.signal()
                    pool.give(box.take())
                }
            }
        }
        /// Waits until every batch sent has gone through both stages.
        func drain() {
            decoder.sync {}
            replayer.sync {}
        }
        let statement = try db.makeStatement(sql: StoredEventReader.sql)
        let rows = try Row.fetchCursor(statement, arguments: [id])
        let sqlite = statement.sqliteStatement
        do {
            // `rows.next()` steps the statement; its `Row` is not used: the current row's
            // columns are read from the statement itself.
            while !stop.isSet, try rows.next() != nil {
                guard batch.append(sqlite) else {
                    stop.set()
                    break
                }
                if batch.count == Self.batch { send() }
            }
        } catch {
            drain()
            throw error
        }
        send()
        drain()
        return stop.isSet ? nil : replay.result
    }
}

/// Emptied batches of the verifier's pipeline, for reuse.
final class BatchPool: Sendable {
    private let batches = Mutex<[RawEventRows]>([])

    /// An empty batch: a recycled one, or a new one.
    func take() -> RawEventRows {
        batches.withLock { $0.popLast() } ?? RawEventRows(capacity: OneHashReplay.batch)
    }

    /// Empties `batch` (keeping its storage) for a later ``take()``.
    func give(_ batch: consuming RawEventRows) {
        var emptied = batch
        emptied.removeAll()
        batches.withLock { [emptied] in $0.append(emptied) }
    }
}

/// Set once when any stage of the verifier's pipeline gives up; read by all of them.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
