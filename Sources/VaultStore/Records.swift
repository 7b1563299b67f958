import Foundation
import GRDB
import MarketCore
import VaultLedger

// Database records, kept apart from the ledger's domain values: each is built from a `Vault`
// or `VaultAccount` and compared column by column with what replaying the log produces.

/// A row of `vault`: the snapshot of one vault after its last event.
struct VaultRow: Hashable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "vault"

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    var id: Int64?
    var name: String
    var manager: String
    var protocolName: String
    var lastSequence: Int64
    var lastHash: Data
    var lastActionAt: Int64
    var equity: Int64
    var markValid: Bool
    var totalShares: String
    var depositorShares: String
    var sharePrice: Int64
    var withdrawRequested: Int64
    var managementFees: Int64
    var protocolFees: Int64
    var performanceFees: Int64
    var protocolProfitShare: Int64
    var depositorCount: Int64

    /// The snapshot of `vault` as it stands.
    init(id: Int64?, name: String, vault: Vault) {
        self.id = id
        self.name = name
        manager = vault.managerName
        protocolName = vault.protocolAccount.name
        lastSequence = vault.eventCount - 1
        lastHash = vault.lastHash.blob
        lastActionAt = vault.lastActionAt.milliseconds
        equity = vault.equity.raw
        markValid = vault.isMarkValid
        totalShares = vault.totalShares.description
        depositorShares = vault.depositorShares.description
        sharePrice = vault.sharePrice.raw
        withdrawRequested = vault.totalWithdrawRequested.raw
        let fees = vault.feeTotals
        managementFees = fees.managementFee.raw
        protocolFees = fees.protocolFee.raw
        performanceFees = fees.performanceFee.raw
        protocolProfitShare = fees.protocolProfitShare.raw
        depositorCount = Int64(vault.depositorCount)
    }

    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        name = try row.decode(forColumn: "name")
        manager = try row.decode(forColumn: "manager")
        protocolName = try row.decode(forColumn: "protocol_name")
        lastSequence = try row.decode(forColumn: "last_sequence")
        lastHash = try row.decode(forColumn: "last_hash")
        lastActionAt = try row.decode(forColumn: "last_action_at")
        equity = try row.decode(forColumn: "equity")
        markValid = try row.decode(forColumn: "mark_valid")
        totalShares = try row.decode(forColumn: "total_shares")
        depositorShares = try row.decode(forColumn: "depositor_shares")
        sharePrice = try row.decode(forColumn: "share_price")
        withdrawRequested = try row.decode(forColumn: "withdraw_requested")
        managementFees = try row.decode(forColumn: "management_fees")
        protocolFees = try row.decode(forColumn: "protocol_fees")
        performanceFees = try row.decode(forColumn: "performance_fees")
        protocolProfitShare = try row.decode(forColumn: "protocol_profit_share")
        depositorCount = try row.decode(forColumn: "depositor_count")
    }

    /// The snapshot columns, in the order of ``values`` (not `id` and `name`, which never change).
    static let columns = [
        "manager", "protocol_name", "last_sequence", "last_hash", "last_action_at", "equity", "mark_valid",
        "total_shares", "depositor_shares", "share_price", "withdraw_requested", "management_fees", "protocol_fees",
        "performance_fees", "protocol_profit_share", "depositor_count",
    ]

    var values: [DatabaseValue] {
        [
            manager.databaseValue, protocolName.databaseValue, lastSequence.databaseValue, lastHash.databaseValue,
            lastActionAt.databaseValue, equity.databaseValue, markValid.databaseValue, totalShares.databaseValue,
            depositorShares.databaseValue, sharePrice.databaseValue, withdrawRequested.databaseValue,
            managementFees.databaseValue, protocolFees.databaseValue, performanceFees.databaseValue,
            protocolProfitShare.databaseValue, depositorCount.databaseValue,
        ]
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["name"] = name
        for (column, value) in zip(Self.columns, values) { container[column] = value }
    }

    static let updateSQL =
        "UPDATE vault SET " + columns.map { "\($0) = ?" }.joined(separator: ", ") + " WHERE id = ?"

    /// Writes the snapshot over the row with this id (one cached statement).
    func updateSnapshot(_ db: Database) throws {
        guard let id else { preconditionFailure("updating a vault row without an id") }
        let statement = try db.cachedStatement(sql: Self.updateSQL)
        statement.setUncheckedArguments(StatementArguments(values + [id.databaseValue]))
        try statement.execute()
    }

    /// The stored hash of the last event (nil if the BLOB is not 32 bytes).
    var lastDigest: SHA256Digest? { lastHash.withUnsafeBytes { SHA256Digest(blob: $0) } }

    static func named(_ name: String, _ db: Database) throws -> VaultRow? {
        let statement = try db.cachedStatement(sql: "SELECT * FROM vault WHERE name = ?")
        return try VaultRow.fetchOne(statement, arguments: [name])
    }
}

/// A row of `vault_account`: one account as of the vault's last event.
struct AccountRow: Hashable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "vault_account"

    var vaultID: Int64
    var name: String
    var role: String
    var shares: String
    var highWaterMark: Int64
    var performanceFeesPaid: Int64
    var netDeposits: Int64
    var totalDeposited: Int64
    var totalWithdrawn: Int64
    var lastDepositAt: Int64?
    var withdrawShares: String?
    var withdrawValue: Int64?
    var withdrawRequestedAt: Int64?
    var allowed: Bool
    var points: String

    init(vaultID: Int64, account a: VaultAccount) {
        self.vaultID = vaultID
        name = a.name
        switch a.role {
        case .depositor: role = "depositor"
        case .manager: role = "manager"
        case .protocolAccount: role = "protocol"
        }
        shares = a.shares.description
        highWaterMark = a.highWaterMark.raw
        performanceFeesPaid = a.performanceFeesPaid.raw
        netDeposits = a.netDeposits.raw
        totalDeposited = a.totalDeposited.raw
        totalWithdrawn = a.totalWithdrawn.raw
        lastDepositAt = a.lastDepositAt?.milliseconds
        withdrawShares = a.withdrawRequest?.shares.description
        withdrawValue = a.withdrawRequest?.value.raw
        withdrawRequestedAt = a.withdrawRequest?.requestedAt.milliseconds
        allowed = a.isAllowed
        points = String(a.points)
    }

    init(row: Row) throws {
        vaultID = try row.decode(forColumn: "vault_id")
        name = try row.decode(forColumn: "name")
        role = try row.decode(forColumn: "role")
        shares = try row.decode(forColumn: "shares")
        highWaterMark = try row.decode(forColumn: "high_water_mark")
        performanceFeesPaid = try row.decode(forColumn: "performance_fees_paid")
        netDeposits = try row.decode(forColumn: "net_deposits")
        totalDeposited = try row.decode(forColumn: "total_deposited")
        totalWithdrawn = try row.decode(forColumn: "total_withdrawn")
        lastDepositAt = try row.decode(forColumn: "last_deposit_at")
        withdrawShares = try row.decode(forColumn: "withdraw_shares")
        withdrawValue = try row.decode(forColumn: "withdraw_value")
        withdrawRequestedAt = try row.decode(forColumn: "withdraw_requested_at")
        allowed = try row.decode(forColumn: "allowed")
        points = try row.decode(forColumn: "points")
    }

    /// Every column, in the order of ``values``.
    static let columns = [
        "vault_id", "name", "role", "shares", "high_water_mark", "performance_fees_paid", "net_deposits",
        "total_deposited", "total_withdrawn", "last_deposit_at", "withdraw_shares", "withdraw_value",
        "withdraw_requested_at", "allowed", "points",
    ]

    var values: [DatabaseValue] {
        [
            vaultID.databaseValue, name.databaseValue, role.databaseValue, shares.databaseValue,
            highWaterMark.databaseValue, performanceFeesPaid.databaseValue, netDeposits.databaseValue,
            totalDeposited.databaseValue, totalWithdrawn.databaseValue, lastDepositAt.databaseValue,
            withdrawShares.databaseValue, withdrawValue.databaseValue, withdrawRequestedAt.databaseValue,
            allowed.databaseValue, points.databaseValue,
        ]
    }

    func encode(to container: inout PersistenceContainer) throws {
        for (column, value) in zip(Self.columns, values) { container[column] = value }
    }

    static let replaceSQL =
        "INSERT OR REPLACE INTO vault_account (" + columns.joined(separator: ", ") + ") VALUES ("
        + columns.map { _ in "?" }.joined(separator: ", ") + ")"

    /// Inserts or replaces the row for this account (one cached statement).
    func save(_ db: Database) throws {
        let statement = try db.cachedStatement(sql: Self.replaceSQL)
        statement.setUncheckedArguments(StatementArguments(values))
        try statement.execute()
    }
}

extension EncodableRecord {
    /// Names of the columns whose values differ between two records of the same type.
    func differingColumns(from other: Self) throws -> [String] {
        let mine = try databaseDictionary, theirs = try other.databaseDictionary
        return mine.keys.sorted().filter { mine[$0] != theirs[$0] }
    }
}

extension SHA256Digest {
    /// The 32 bytes as a BLOB value.
    var blob: Data { Data(bytes) }
}

/// Writes event rows through one cached statement.
enum EventRows {
    static let insertSQL = """
        INSERT INTO vault_event (vault_id, sequence, time, kind, actor, equity_after, bytes, previous_hash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func insert(_ events: some Sequence<VaultEvent>, vaultID: Int64, _ db: Database) throws {
        let statement = try db.cachedStatement(sql: insertSQL)
        for e in events {
            statement.setUncheckedArguments([
                vaultID, e.sequence, e.time.milliseconds, e.kindName, e.actor, e.equityAfter.raw,
                Data(e.canonicalBytes), e.previousHash.blob, e.hash.blob,
            ])
            try statement.execute()
        }
    }

    static let selectSQL = """
        SELECT sequence, time, kind, actor, equity_after, bytes, previous_hash, hash
        FROM vault_event WHERE vault_id = ? AND sequence >= ? ORDER BY sequence LIMIT ?
        """

    /// The whole log of one vault for verification: like ``selectSQL``, but the event bytes and
    /// the stored hash come as one BLOB (one read instead of two), with the hash's length, and
    /// the copied `previous_hash` column is compared with the bytes' own copy (bytes 2–33) by
    /// SQLite (1 when equal).
    static let verifySQL = """
        SELECT sequence, time, kind, actor, equity_after, bytes || hash, length(hash),
               previous_hash = substr(bytes, 2, 32)
        FROM vault_event WHERE vault_id = ? ORDER BY sequence
        """

    /// Decodes one row of ``verifySQL``: the same checks as ``decode(_:vault:)``, the same errors.
    /// - Throws: ``VaultStoreError/corrupt(vault:sequence:reason:)``.
    static func decodeForVerification(_ row: Row, vault: String) throws -> VaultEvent {
        let sequence: Int64 = try row.decode(atIndex: 0)
        return try readingRow(vault: vault, sequence: sequence) {
            let hashLength: Int64? = try row.decode(atIndex: 6)
            guard hashLength == 32 else {
                throw VaultStoreError.corrupt(vault: vault, sequence: sequence, reason: "stored hash is not 32 bytes")
            }
            let decoded: Result<VaultEvent, MalformedEvent> = try row.withUnsafeData(atIndex: 5) { data in
                guard let data else { return .failure(MalformedEvent(description: "event bytes are missing")) }
                return data.withUnsafeBytes { all in
                    // The hash is the last 32 bytes (its length is checked above); the event bytes the rest.
                    let split = all.count - 32
                    guard split >= 0, let hash = SHA256Digest(blob: UnsafeRawBufferPointer(rebasing: all[split...])) else {
                        return .failure(MalformedEvent(description: "event bytes are missing"))
                    }
                    let bytes = UnsafeRawBufferPointer(rebasing: all[..<split])
                    return Result { () throws(MalformedEvent) in try VaultEvent.decode(canonical: bytes, hash: hash) }
                }
            }
            let event: VaultEvent
            switch decoded {
            case .success(let e): event = e
            case .failure(let m): throw VaultStoreError.corrupt(vault: vault, sequence: sequence, reason: m.description)
            }
            let previousMatches: Int64? = try row.decode(atIndex: 7)
            try checkColumns(event, row, sequence: sequence, vault: vault, previousMatches: previousMatches == 1)
            return event
        }
    }

    /// Runs `body` on one event row: store and database errors pass through, anything else
    /// (a value that cannot be read as its column's type) is reported as a corrupt row.
    private static func readingRow<T>(vault: String, sequence: Int64, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as VaultStoreError {
            throw error
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw VaultStoreError.corrupt(vault: vault, sequence: sequence, reason: "the event row cannot be read: \(error)")
        }
    }

    /// Checks the columns copied out of an event's bytes (`time`, `kind`, `actor`,
    /// `equity_after` at indexes 1–4; `previous_hash` compared by the caller) against the event.
    private static func checkColumns(_ event: VaultEvent, _ row: Row, sequence: Int64, vault: String, previousMatches: Bool) throws {
        var bad: [String] = []
        if event.sequence != sequence { bad.append("sequence") }
        if event.time.milliseconds != (try row.decode(Int64.self, atIndex: 1)) { bad.append("time") }
        if event.kindName != (try row.decode(String.self, atIndex: 2)) { bad.append("kind") }
        if event.actor != (try row.decode(String.self, atIndex: 3)) { bad.append("actor") }
        if event.equityAfter.raw != (try row.decode(Int64.self, atIndex: 4)) { bad.append("equity_after") }
        if !previousMatches { bad.append("previous_hash") }
        if !bad.isEmpty {
            throw VaultStoreError.corrupt(
                vault: vault, sequence: sequence,
                reason: "event column\(bad.count == 1 ? "" : "s") \(bad.joined(separator: ", ")) disagree\(bad.count == 1 ? "s" : "") with the event bytes")
        }
    }

    /// Decodes one row of ``selectSQL`` and checks that the columns copied out of the bytes
    /// agree with them.
    /// - Throws: ``VaultStoreError/corrupt(vault:sequence:reason:)``.
    static func decode(_ row: Row, vault: String) throws -> VaultEvent {
        let sequence: Int64 = try row.decode(atIndex: 0)
        return try readingRow(vault: vault, sequence: sequence) { try decode(row, sequence: sequence, vault: vault) }
    }

    private static func decode(_ row: Row, sequence: Int64, vault: String) throws -> VaultEvent {
        let hash = try row.withUnsafeData(atIndex: 7) { data in data?.withUnsafeBytes { SHA256Digest(blob: $0) } }
        guard let hash else {
            throw VaultStoreError.corrupt(vault: vault, sequence: sequence, reason: "stored hash is not 32 bytes")
        }
        let decoded: Result<VaultEvent, MalformedEvent> = try row.withUnsafeData(atIndex: 5) { data in
            guard let data else { return .failure(MalformedEvent(description: "event bytes are missing")) }
            return data.withUnsafeBytes { buffer in
                Result { () throws(MalformedEvent) in try VaultEvent.decode(canonical: buffer, hash: hash) }
            }
        }
        let event: VaultEvent
        switch decoded {
        case .success(let e): event = e
        case .failure(let m): throw VaultStoreError.corrupt(vault: vault, sequence: sequence, reason: m.description)
        }
        let previous = try row.withUnsafeData(atIndex: 6) { data in data?.withUnsafeBytes { SHA256Digest(blob: $0) } }
        try checkColumns(event, row, sequence: sequence, vault: vault, previousMatches: previous == event.previousHash)
        return event
    }
}
