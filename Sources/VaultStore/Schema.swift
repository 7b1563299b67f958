import GRDB

/// The database schema, as append-only migrations: a released migration is never edited;
/// a change is a new `registerMigration` at the end.
///
/// Tables (names and columns in snake_case so people can query them with `sqlite3`):
/// - `vault`: one row per vault, the snapshot of its state after its last event;
/// - `vault_event`: the hash-chained log, one row per event, the canonical bytes as a BLOB
///   (the source of truth) plus a few columns copied out of them for queries;
/// - `vault_account`: one row per account (manager, protocol, depositors) as of the last event.
///
/// Hashes are 32-byte BLOBs (`SELECT lower(hex(hash)) …` prints the hex the CLI shows); share
/// counts are decimal TEXT (SQLite integers are 64-bit); amounts are raw `Int64` (1e-6 quote);
/// times are milliseconds since the epoch.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 vaults, events, accounts") { db in
            try db.create(table: "vault") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("manager", .text).notNull()
                t.column("protocol_name", .text).notNull()
                t.column("last_sequence", .integer).notNull()
                t.column("last_hash", .blob).notNull()
                t.column("last_action_at", .integer).notNull()
                t.column("equity", .integer).notNull()
                t.column("mark_valid", .boolean).notNull()
                t.column("total_shares", .text).notNull()
                t.column("depositor_shares", .text).notNull()
                t.column("share_price", .integer).notNull()
                t.column("withdraw_requested", .integer).notNull()
                t.column("management_fees", .integer).notNull()
                t.column("protocol_fees", .integer).notNull()
                t.column("performance_fees", .integer).notNull()
                t.column("protocol_profit_share", .integer).notNull()
                t.column("depositor_count", .integer).notNull()
            }
            try db.create(table: "vault_event", options: [.withoutRowID]) { t in
                t.column("vault_id", .integer).notNull().references("vault", onDelete: .restrict)
                t.column("sequence", .integer).notNull()
                t.primaryKey(["vault_id", "sequence"])
                t.column("time", .integer).notNull()
                t.column("kind", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("equity_after", .integer).notNull()
                t.column("bytes", .blob).notNull()
                t.column("previous_hash", .blob).notNull()
                t.column("hash", .blob).notNull()
            }
            try db.create(index: "vault_event_by_actor", on: "vault_event", columns: ["vault_id", "actor", "sequence"])
            // The log is append-only: the store never updates or deletes an event.
            try db.execute(
                sql: """
                    CREATE TRIGGER vault_event_no_update BEFORE UPDATE ON vault_event
                    BEGIN SELECT RAISE(ABORT, 'vault events are append-only'); END;
                    CREATE TRIGGER vault_event_no_delete BEFORE DELETE ON vault_event
                    BEGIN SELECT RAISE(ABORT, 'vault events are append-only'); END;
                    """)
            try db.create(table: "vault_account", options: [.withoutRowID]) { t in
                t.column("vault_id", .integer).notNull().references("vault", onDelete: .restrict)
                t.column("name", .text).notNull()
                t.primaryKey(["vault_id", "name"])
                t.column("role", .text).notNull()
                t.column("shares", .text).notNull()
                t.column("high_water_mark", .integer).notNull()
                t.column("performance_fees_paid", .integer).notNull()
                t.column("net_deposits", .integer).notNull()
                t.column("total_deposited", .integer).notNull()
                t.column("total_withdrawn", .integer).notNull()
                t.column("last_deposit_at", .integer)
                t.column("withdraw_shares", .text)
                t.column("withdraw_value", .integer)
                t.column("withdraw_requested_at", .integer)
                t.column("allowed", .boolean).notNull()
                t.column("points", .text).notNull()
            }
        }
        return migrator
    }
}
