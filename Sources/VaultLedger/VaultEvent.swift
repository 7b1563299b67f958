import MarketCore

/// One entry of a vault's hash-chained log: the action, its effect on the vault and on the
/// actor, and the chain hashes.
///
/// The log of a vault starts with a ``Entry/created(terms:manager:)`` event (sequence 0) and holds
/// one ``Entry/applied(_:)`` event per applied action. ``hash`` is SHA-256 over
/// ``canonicalBytes`` (which begin with ``previousHash``), so editing any field of any event
/// breaks the chain from that event on; ``Vault/replay(_:)`` re-runs every action and checks it
/// reproduces each event exactly.
public struct VaultEvent: Hashable, Sendable {
    /// What the event records.
    public enum Entry: Hashable, Sendable {
        /// The vault was created.
        /// (Indirect: boxed once per vault, so that every event stays the size of an action.)
        indirect case created(terms: VaultTerms, manager: String)
        /// An action was applied.
        case applied(VaultAction)
    }

    /// Position in the log, from 0.
    public var sequence: Int64
    /// When the action happened.
    public var time: Timestamp
    /// Creation or the action.
    public var entry: Entry
    /// The account that acted (the manager for administrative actions, `*` for crystallising all).
    public var actor: String
    /// Equity before and after (before includes no fee accrual).
    public var equityBefore: Amount, equityAfter: Amount
    /// Total shares before and after.
    public var totalSharesBefore: Shares, totalSharesAfter: Shares
    /// The actor's shares before and after (depositors' total for `*`).
    public var actorSharesBefore: Shares, actorSharesAfter: Shares
    /// The value of the actor's shares before and after (floor).
    public var actorValueBefore: Amount, actorValueAfter: Amount
    /// Cumulative fees before and after.
    public var feesBefore: FeeTotals, feesAfter: FeeTotals
    /// What the action did.
    public var receipt: VaultReceipt
    /// Hash of the event before (zero for the first).
    public var previousHash: SHA256Digest
    /// SHA-256 of ``canonicalBytes``.
    public var hash: SHA256Digest

    /// Creates an event (hashes are filled in when the log is sealed).
    public init(
        sequence: Int64, time: Timestamp, entry: Entry, actor: String, equityBefore: Amount, equityAfter: Amount,
        totalSharesBefore: Shares, totalSharesAfter: Shares, actorSharesBefore: Shares, actorSharesAfter: Shares,
        actorValueBefore: Amount, actorValueAfter: Amount, feesBefore: FeeTotals, feesAfter: FeeTotals,
        receipt: VaultReceipt, previousHash: SHA256Digest = .zero, hash: SHA256Digest = .zero
    ) {
        self.sequence = sequence
        self.time = time
        self.entry = entry
        self.actor = actor
        self.equityBefore = equityBefore
        self.equityAfter = equityAfter
        self.totalSharesBefore = totalSharesBefore
        self.totalSharesAfter = totalSharesAfter
        self.actorSharesBefore = actorSharesBefore
        self.actorSharesAfter = actorSharesAfter
        self.actorValueBefore = actorValueBefore
        self.actorValueAfter = actorValueAfter
        self.feesBefore = feesBefore
        self.feesAfter = feesAfter
        self.receipt = receipt
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The action, for `applied` events.
    public var action: VaultAction? {
        if case .applied(let a) = entry { return a }
        return nil
    }
}
