import Synchronization
import VaultLedger

/// The current `Vault` of each name this process has loaded, so an action does not replay the
/// whole log. Never trusted blindly: every use first compares the cached vault's event count
/// and last hash with the `vault` row read in the same transaction, and reloads (replays) on
/// any difference, so writes by another process or connection are always seen.
///
/// Cached vaults are drained (`Vault.drainEvents()`): they hold the state, not the log.
final class VaultCache: Sendable {
    private let vaults = Mutex<[String: Vault]>([:])

    func get(_ name: String) -> Vault? { vaults.withLock { $0[name] } }

    /// The cached vault if it is the one `row` describes.
    func get(matching row: VaultRow) -> Vault? {
        guard let vault = get(row.name), vault.eventCount == row.lastSequence + 1,
            row.lastDigest == vault.lastHash
        else { return nil }
        return vault
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
}
