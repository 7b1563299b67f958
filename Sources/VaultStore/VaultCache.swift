import Synchronization
import VaultLedger

/// The current `Vault` of each name this process has loaded, so an action does not replay the
/// whole log. Never trusted blindly: every use first compares the cached vault's event count
/// and last hash with the `vault` row read in the same transaction, and reloads (replays) on
/// any difference, so writes by another process or connection are always seen.
///
/// Cached vaults are drained (`Vault.drainEvents()`): they hold the state, not the log.
///
/// A writer ``take(matching:)``s the vault out for the length of its transaction and changes it
/// in place, then ``offer(_:_:)``s it back after the commit. Holding the only reference is what
/// lets the ledger update one depositor without copying the whole depositor table
/// (copy-on-write): a cached vault must never be left shared by the store itself. While a vault
/// is out, a reader of the same name on another thread finds no entry and reloads it.
final class VaultCache: Sendable {
    private let vaults = Mutex<[String: Vault]>([:])

    func get(_ name: String) -> Vault? { vaults.withLock { $0[name] } }

    /// The cached vault if it is the one `row` describes.
    func get(matching row: VaultRow) -> Vault? {
        guard let vault = get(row.name), Self.matches(vault, row) else { return nil }
        return vault
    }

    /// Removes the cached vault of `row`'s name and returns it if it is the one `row` describes
    /// (a stale one is dropped). The caller then holds the cache's reference: unless someone
    /// else still holds a copy, the returned vault is uniquely referenced.
    func take(matching row: VaultRow) -> Vault? {
        guard let vault = vaults.withLock({ $0.removeValue(forKey: row.name) }), Self.matches(vault, row) else {
            return nil
        }
        return vault
    }

    private static func matches(_ vault: Vault, _ row: VaultRow) -> Bool {
        vault.eventCount == row.lastSequence + 1 && row.lastDigest == vault.lastHash
    }

    /// Stores a vault just read from the database (authoritative as of that read).
    func set(_ name: String, _ vault: Vault) {
        vaults.withLock { $0[name] = vault }
    }

    /// Stores a vault just committed, unless a later one is already cached (two writers of this
    /// process finishing out of order).
    func offer(_ name: String, _ vault: Vault) {
        vaults.withLock { cache in
            if let cached = cache[name], cached.eventCount > vault.eventCount { return }
            cache[name] = vault
        }
    }

    func remove(_ name: String) {
        _ = vaults.withLock { $0.removeValue(forKey: name) }
    }

    /// Test support: the address of the cached vault's depositor table, which stays the same
    /// while actions change it in place and moves when the table is copied (or outgrows its
    /// capacity). nil when nothing is cached or the table has never had storage.
    func depositorStorage(_ name: String) -> UInt? {
        vaults.withLock { cache -> UInt? in
            guard let vault = cache[name], vault.depositorCount > 0 else { return nil }
            return vault.depositorAccounts.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        }
    }
}
