import Foundation
import GRDB
import Synchronization
import MarketCore
import VaultLedger

/// How hard SQLite pushes each commit to disk (WAL mode).
public enum SynchronousMode: String, Sendable {
    /// `PRAGMA synchronous = FULL`: each commit syncs the WAL; survives power loss.
    case full
    /// `PRAGMA synchronous = NORMAL`: syncs at checkpoints only; survives a process crash
    /// (SIGKILL), may lose the last commits on power loss or an OS crash.
    case normal
}

/// The SQLite store of vault ledgers (GRDB, WAL).
///
/// Each vault is a row of `vault` (its snapshot), its hash-chained log in `vault_event` and its
/// accounts in `vault_account` (see `Schema`). The log is the source of truth: on open (and on
/// ``verify(vault:)``) every vault is rebuilt with `Vault.replay` from its stored events and the
/// snapshot and account rows are compared with the result.
///
/// Each ledger action is exactly one write transaction: the event, the snapshot and the touched
/// accounts are committed together or not at all; a refused action writes nothing.
///
/// ```swift
/// let db = try VaultDatabase(path: "vaults.sqlite")
/// try db.createVault(name: "alpha", terms: VaultTerms(), manager: "mgr", at: Timestamp(seconds: 0))
/// let receipt = try db.apply(vault: "alpha", .deposit(depositor: "alice", amount: Amount("100")!), at: Timestamp(seconds: 1))
/// ```
///
/// The current `Vault` of each name is kept in memory after its first load and reused while the
/// stored last sequence and hash still match it (so another process writing the same file is
/// seen at once, at the cost of one replay). ``apply(vault:_:at:)`` changes that vault in place
/// (no copy of its depositors) and caches it again only after its transaction committed.
public struct VaultDatabase: Sendable {
    private let dbWriter: any DatabaseWriter
    private let cache = VaultCache()

    /// Opens (creating if needed) a WAL database at `path`, runs migrations, and verifies every
    /// vault's stored state against its log (hash chain + replay).
    /// - Parameters:
    ///   - path: the database file.
    ///   - synchronous: `PRAGMA synchronous` for every connection.
    ///   - verifyOnOpen: replay and compare every vault now (O(all events)).
    /// - Throws: ``VaultStoreError/corrupt(vault:sequence:reason:)`` naming the vault and the
    ///   sequence on any mismatch; GRDB's `DatabaseError` on SQLite or file errors.
    public init(path: String, synchronous: SynchronousMode = .full, verifyOnOpen: Bool = true) throws {
        var config = Configuration()
        // GRDB begins write transactions IMMEDIATE (the write lock is taken up front, so two
        // processes never race to upgrade a read); wait for another writer instead of failing.
        config.busyMode = .timeout(30)
        let pool = try DatabasePool(path: path, configuration: config)
        // Set on the writer connection after the pool is open: DatabasePool's WAL setup runs
        // after `prepareDatabase` and sets `synchronous = NORMAL` itself.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous.rawValue.uppercased())")
        }
        try self.init(writer: pool, verifyOnOpen: verifyOnOpen)
    }

    /// A private in-memory database (for tests and dry runs).
    public static func inMemory() throws -> VaultDatabase {
        try VaultDatabase(writer: DatabaseQueue(), verifyOnOpen: true)
    }

    init(writer: any DatabaseWriter, verifyOnOpen: Bool) throws {
        dbWriter = writer
        try Schema.migrator.migrate(writer)
        if verifyOnOpen { _ = try verify() }
    }

    // MARK: Writing

    /// Creates a vault and writes its creation event, in one transaction.
    /// - Parameters:
    ///   - name: the vault's name (1 to 64 bytes, no control characters).
    ///   - terms: its terms.
    ///   - manager: the manager's account name.
    ///   - time: creation time.
    /// - Throws: ``VaultStoreError/vaultExists(_:)``; ``VaultStoreError/invalid(_:)`` when the
    ///   ledger refuses the terms, the manager's name or the time, or the vault name is invalid.
    public func createVault(name: String, terms: VaultTerms, manager: String, at time: Timestamp) throws {
        if Vault.nameProblem(name) != nil { throw VaultStoreError.invalid(.invalidName(name)) }
        var vault: Vault
        do {
            vault = try Vault(terms: terms, manager: manager, createdAt: time)
        } catch {
            throw VaultStoreError.invalid(error)
        }
        let events = vault.drainEvents()
        try dbWriter.write { db in try insertVault(name: name, vault: vault, events: events, db) }
        cache.set(name, vault)
    }

    /// Stores a vault from a complete log (for example a backtest's, or an export), in one
    /// transaction, after checking that the log replays.
    /// - Parameters:
    ///   - name: the new vault's name.
    ///   - events: its whole log, from the creation event on.
    /// - Throws: ``VaultStoreError/vaultExists(_:)``; ``VaultStoreError/corrupt(vault:sequence:reason:)``
    ///   when the log does not replay; ``VaultStoreError/invalid(_:)`` for an invalid vault name.
    /// - Complexity: O(events).
    public func importVault(name: String, events: [VaultEvent]) throws {
        if Vault.nameProblem(name) != nil { throw VaultStoreError.invalid(.invalidName(name)) }
        var vault: Vault
        do {
            vault = try Vault.replay(events)
        } catch {
            throw VaultStoreError.corrupt(name, error)
        }
        _ = vault.drainEvents()
        try dbWriter.write { db in try insertVault(name: name, vault: vault, events: events, db) }
        cache.set(name, vault)
    }

    private func insertVault(name: String, vault: Vault, events: [VaultEvent], _ db: Database) throws {
        if try VaultRow.named(name, db) != nil { throw VaultStoreError.vaultExists(name) }
        var row = VaultRow(id: nil, name: name, vault: vault)
        try row.insert(db)
        guard let id = row.id else { preconditionFailure("inserted vault row has no id") }
        try EventRows.insert(events, vaultID: id, db)
        for account in [vault.manager, vault.protocolAccount] + vault.depositorAccounts {
            try AccountRow(vaultID: id, account: account).save(db)
        }
    }

    /// Loads the vault (state + log) and applies `action` in ONE write transaction: the new
    /// event, the snapshot and the touched account rows are written together or not at all.
    /// A refused action (`.failure`) writes nothing.
    /// - Parameters:
    ///   - name: the vault.
    ///   - action: what to do.
    ///   - time: when (not before the vault's last action).
    /// - Returns: the ledger's receipt, or why it refused the action.
    /// - Throws: ``VaultStoreError/unknownVault(_:)``; ``VaultStoreError/corrupt(vault:sequence:reason:)``
    ///   if the vault had to be reloaded and its log does not verify; `DatabaseError`.
    /// - Complexity: O(1) queries, rows and work (whatever the number of depositors) when this
    ///   process holds the current vault, except `crystallize(.all)`, which is O(depositors);
    ///   otherwise one replay of the log first. The cached vault is taken out of
    ///   the cache and changed in place, so it is not copied, unless the caller still holds a
    ///   `Vault` returned by ``vault(_:)``: then this action copies the depositor table once
    ///   (value semantics: that copy keeps the state it was read at).
    public func apply(vault name: String, _ action: VaultAction, at time: Timestamp) throws
        -> Result<VaultReceipt, VaultError>
    {
        // The vault leaves the cache for the transaction and goes back only once it has committed
        // (or the action was refused, which changes neither the vault nor the file). If anything
        // throws — a statement, or the commit itself — the changed vault is dropped here, and the
        // next use reloads it from the file: memory never runs ahead of the database.
        let (result, vault) = try dbWriter.write { db -> (Result<VaultReceipt, VaultError>, Vault) in
            guard let row = try VaultRow.named(name, db), let id = row.id else {
                throw VaultStoreError.unknownVault(name)
            }
            var vault = try checkOut(row, db)
            let before = AccountsBefore(touchedBy: action, in: vault)
            // Changes `vault` in place (it is uniquely referenced: no copy-on-write of the
            // depositor table); a refusal changes nothing.
            let result = vault.apply(action, at: time)
            guard case .success = result else { return (result, vault) }
            let events = vault.drainEvents()
            try EventRows.insert(events, vaultID: id, db)
            try VaultRow(id: id, name: name, vault: vault).updateSnapshot(db)
            try before.writeChanged(after: vault, vaultID: id, db)
            return (result, vault)
        }
        cache.offer(name, vault)
        return result
    }

    /// The vault `row` describes, taken out of the cache (so this transaction holds the only
    /// reference the store has), or reloaded and verified from the log.
    private func checkOut(_ row: VaultRow, _ db: Database) throws -> Vault {
        if let vault = cache.take(matching: row) { return vault }
        return try Verifier.load(row, db)
    }

    // MARK: Reading

    /// The vault's current state, rebuilt from its log (or this process's copy of it, checked
    /// against the stored last sequence and hash).
    ///
    /// The returned vault's in-memory log is drained (``Vault/eventCount`` and ``Vault/lastHash``
    /// are those of the stored log; its `sealing` mode is unspecified); read the log with
    /// ``events(vault:from:limit:)``. It equals (`==`) `Vault.replay(events)` once drained.
    ///
    /// The returned value shares its storage with the store's copy: while the caller keeps it,
    /// the next ``apply(vault:_:at:)`` copies the depositor table once (O(depositors)) so that
    /// the caller's value keeps the state it was read at. Keep what you need, not the vault.
    /// - Throws: ``VaultStoreError/unknownVault(_:)``, ``VaultStoreError/corrupt(vault:sequence:reason:)``.
    public func vault(_ name: String) throws -> Vault {
        try dbWriter.read { db in
            guard let row = try VaultRow.named(name, db) else { throw VaultStoreError.unknownVault(name) }
            return try current(row, db)
        }
    }

    /// Every vault's name, sorted.
    public func vaultNames() throws -> [String] {
        try dbWriter.read { db in try String.fetchAll(db, sql: "SELECT name FROM vault ORDER BY name") }
    }

    /// Events of a vault's log in sequence order, decoded from their canonical bytes (not
    /// re-verified; see ``verify(vault:)``).
    /// - Parameters:
    ///   - name: the vault.
    ///   - sequence: the first sequence wanted.
    ///   - limit: at most this many events.
    /// - Throws: ``VaultStoreError/unknownVault(_:)``; ``VaultStoreError/corrupt(vault:sequence:reason:)``
    ///   for an event that cannot be decoded.
    public func events(vault name: String, from sequence: Int64 = 0, limit: Int = .max) throws -> [VaultEvent] {
        try dbWriter.read { db in
            guard let row = try VaultRow.named(name, db), let id = row.id else {
                throw VaultStoreError.unknownVault(name)
            }
            let rows = try Row.fetchCursor(db, sql: EventRows.selectSQL, arguments: [id, sequence, Int64(clamping: max(0, limit))])
            var out: [VaultEvent] = []
            while let r = try rows.next() { out.append(try EventRows.decode(r, vault: name)) }
            return out
        }
    }

    /// The cached vault if it matches `row`, else a verified reload (which refreshes the cache).
    private func current(_ row: VaultRow, _ db: Database) throws -> Vault {
        if let vault = cache.get(matching: row) { return vault }
        let vault = try Verifier.load(row, db)
        cache.set(row.name, vault)
        return vault
    }

    // MARK: Verifying

    /// Re-checks one vault or all of them: the hash chain, the replay of every action, the
    /// columns copied out of each event, and the snapshot and account rows against the replay.
    /// Reads one consistent snapshot of the database (writers are not blocked).
    /// - Parameter name: one vault, or nil for all.
    /// - Returns: per-vault event count, last hash and duration.
    /// - Throws: ``VaultStoreError/corrupt(vault:sequence:reason:)`` at the first mismatch;
    ///   ``VaultStoreError/unknownVault(_:)``.
    /// - Complexity: O(events).
    public func verify(vault name: String? = nil) throws -> VerifyReport {
        let clock = ContinuousClock()
        let start = clock.now
        let results = try dbWriter.read { db -> [(VaultVerification, Vault)] in
            let rows: [VaultRow]
            if let name {
                guard let row = try VaultRow.named(name, db) else { throw VaultStoreError.unknownVault(name) }
                rows = [row]
            } else {
                rows = try VaultRow.fetchAll(db, sql: "SELECT * FROM vault ORDER BY name")
            }
            return try rows.map { row in
                let t0 = clock.now
                let vault = try Verifier.load(row, db)
                return (
                    VaultVerification(
                        name: row.name, eventCount: vault.eventCount, lastHash: vault.lastHash, duration: clock.now - t0),
                    vault
                )
            }
        }
        for (report, vault) in results { cache.set(report.name, vault) }
        return VerifyReport(vaults: results.map(\.0), duration: clock.now - start)
    }

    // MARK: Test support

    /// Runs raw SQL outside the store's rules (tests use it to tamper with rows).
    func unsafeExecute(sql: String) throws {
        try dbWriter.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }

    /// Runs `body` on a read-only connection (tests use it to drive the verifier's reader).
    func unsafeRead<T>(_ body: (Database) throws -> T) throws -> T {
        try dbWriter.read(body)
    }

    /// Every row of the store's tables as text, in key order: a fingerprint of the whole store.
    func dump() throws -> [String] {
        try dbWriter.read { db in
            var out: [String] = []
            for (table, order) in [("vault", "id"), ("vault_event", "vault_id, sequence"), ("vault_account", "vault_id, name")] {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(order)") {
                    out.append("\(table) \(row.description)")
                }
            }
            return out
        }
    }

    /// `PRAGMA synchronous` of the writer connection (1 = NORMAL, 2 = FULL).
    func synchronousSetting() throws -> Int {
        try dbWriter.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Rows in each table.
    func rowCounts() throws -> [String: Int] {
        try dbWriter.read { db in
            var out: [String: Int] = [:]
            for table in ["vault", "vault_event", "vault_account"] {
                out[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
            }
            return out
        }
    }

    /// Starts recording every commit of the writer connection with the number of rows it
    /// changed; recording stops when the returned recorder is released.
    func recordCommits() -> CommitRecorder {
        dbWriter.writeWithoutTransaction { db in
            let recorder = CommitRecorder(baseline: db.totalChangesCount)
            db.add(transactionObserver: recorder, extent: .observerLifetime)
            return recorder
        }
    }

    /// Makes the next `count` commits of the writer connection fail (the transaction rolls back
    /// and the write throws ``CommitVeto/Refused``) while the returned veto is alive.
    func vetoCommits(_ count: Int) -> CommitVeto {
        dbWriter.writeWithoutTransaction { db in
            let veto = CommitVeto(count)
            db.add(transactionObserver: veto, extent: .observerLifetime)
            return veto
        }
    }

    /// The address of the cached vault's depositor table (see ``VaultCache/depositorStorage(_:)``).
    func cachedDepositorStorage(_ name: String) -> UInt? { cache.depositorStorage(name) }

    /// The event count of the cached vault, nil when none is cached.
    func cachedEventCount(_ name: String) -> Int64? { cache.get(name)?.eventCount }

    /// The names of the migrations applied to the file.
    func appliedMigrations() throws -> [String] {
        try dbWriter.read { db in try Schema.migrator.appliedIdentifiers(db).sorted() }
    }
}

/// The accounts an action may change, as they stood before it: the manager and the protocol
/// (fee shares), the names in the action, and every depositor for `crystallize(.all)`. Only
/// those are compared and written afterwards, so an action costs O(1) rows and comparisons
/// whatever the number of depositors (`crystallize(.all)`: O(depositors), as in the ledger).
struct AccountsBefore {
    /// Each name the action may change (no repeats) and its account before, nil if none.
    private(set) var named: [(name: String, account: VaultAccount?)] = []
    /// The whole depositor table before a `crystallize(.all)` (holding it makes the ledger's
    /// sweep copy the table once, which that O(depositors) action can afford).
    private(set) var depositors: ContiguousArray<VaultAccount>? = nil

    init(touchedBy action: VaultAction, in vault: Vault) {
        func add(_ name: String) {
            if !named.contains(where: { $0.name == name }) { named.append((name, vault.account(name))) }
        }
        add(vault.managerName)
        add(vault.protocolAccount.name)
        switch action {
        case .deposit(let name, _), .requestWithdraw(let name, _), .cancelWithdraw(let name), .withdraw(let name),
            .crystallize(.depositor(let name)), .setAccess(let name, _):
            add(name)
        case .transfer(let from, let to, _):
            add(from)
            add(to)
        case .crystallize(.all):
            depositors = vault.depositorAccounts
        case .mark, .markInvalid, .accrue, .setFees, .cancelFeeUpdate, .setPermissioned:
            break
        }
    }

    /// Upserts the row of each account that differs in `after` (or is new there).
    func writeChanged(after: Vault, vaultID: Int64, _ db: Database) throws {
        for (name, before) in named {
            guard let account = after.account(name), account != before else { continue }
            try AccountRow(vaultID: vaultID, account: account).save(db)
        }
        if let depositors {
            for (i, account) in after.depositorAccounts.enumerated()
            where i >= depositors.count || account != depositors[i] {
                try AccountRow(vaultID: vaultID, account: account).save(db)
            }
        }
    }
}

/// Test support: the row-change count of each commit (`sqlite3_total_changes` delta, which also
/// counts WITHOUT ROWID tables that SQLite's update hook does not report).
final class CommitRecorder: TransactionObserver, Sendable {
    private let state: Mutex<(commits: [Int], total: Int)>

    init(baseline: Int) { state = Mutex(([], baseline)) }

    /// Rows changed by each commit so far, in order (an empty transaction counts as 0).
    var commits: [Int] { state.withLock { $0.commits } }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseWillCommit() throws {}
    func databaseDidCommit(_ db: Database) {
        let total = db.totalChangesCount
        state.withLock { s in
            s.commits.append(total - s.total)
            s.total = total
        }
    }
    func databaseDidRollback(_ db: Database) {
        let total = db.totalChangesCount
        state.withLock { $0.total = total }
    }
}

/// Test support: fails commits of the writer connection from `databaseWillCommit`, as a full
/// disk or an I/O error at commit would: after every statement of the transaction succeeded.
final class CommitVeto: TransactionObserver, Sendable {
    struct Refused: Error {}
    private let remaining: Mutex<Int>

    init(_ count: Int) { remaining = Mutex(count) }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseWillCommit() throws {
        let refuse = remaining.withLock { n in
            guard n > 0 else { return false }
            n -= 1
            return true
        }
        if refuse { throw Refused() }
    }
    func databaseDidCommit(_ db: Database) {}
    func databaseDidRollback(_ db: Database) {}
}
