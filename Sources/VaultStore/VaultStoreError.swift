import VaultLedger

/// Why a ``VaultDatabase`` call failed. SQLite and file errors are thrown as GRDB's
/// `DatabaseError` unchanged; everything the store itself decides is one of these.
public enum VaultStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No vault has this name.
    case unknownVault(String)
    /// A vault with this name already exists.
    case vaultExists(String)
    /// The stored state does not match the event log: an edited or missing event, a broken hash
    /// chain, a log that does not replay, or snapshot/account rows that differ from the replay.
    /// `sequence` names the first bad event (or, for a snapshot or account row, the last event
    /// it claims to reflect); nil when no event can be named.
    case corrupt(vault: String, sequence: Int64?, reason: String)
    /// The ledger refused to create the vault (bad terms, name or time).
    case invalid(VaultError)

    /// A sentence for a person.
    public var description: String {
        switch self {
        case .unknownVault(let name): return "no vault named \"\(name)\""
        case .vaultExists(let name): return "a vault named \"\(name)\" already exists"
        case .corrupt(let vault, let sequence, let reason):
            if let sequence { return "vault \"\(vault)\" is corrupt at event \(sequence): \(reason)" }
            return "vault \"\(vault)\" is corrupt: \(reason)"
        case .invalid(let error): return "cannot create the vault: \(error)"
        }
    }
}

extension VaultStoreError {
    /// Maps a replay failure to ``corrupt(vault:sequence:reason:)`` naming the first bad event.
    static func corrupt(_ vault: String, _ error: VaultLogError) -> VaultStoreError {
        let sequence: Int64?
        switch error {
        case .missingGenesis, .invalidGenesis: sequence = 0
        case .brokenChain(let s), .hashMismatch(let s), .refusedOnReplay(let s, _), .divergence(let s): sequence = s
        case .sequenceGap(let expected, _): sequence = expected
        }
        return .corrupt(vault: vault, sequence: sequence, reason: error.description)
    }
}
