import MarketCore

/// A registered keeper.
public struct Keeper: Sendable, Hashable {
    /// The account that receives rewards and liquidated positions.
    public var account: AccountId
    /// Stake (quote raw), held by the network; slashed on a missed job.
    public var stake: Int64
    /// Performance score (1e6 = best); cut on a miss, raised on success.
    public var score: Int64
    /// Whether the keeper answers its jobs (a keeper that does not misses them).
    public var online: Bool
    public var done = 0
    public var missed = 0
}

/// Keepers and the deterministic job assignment: a job goes to a keeper drawn with weight
/// stake × score from a generator seeded by (seed, job number), so a run replays exactly.
public struct KeeperNetwork: Sendable {
    public internal(set) var keepers: [Keeper] = []
    var seed: UInt64 = 1
    var jobs: UInt64 = 0

    public init() {}

    /// Sum of stakes (part of the venue's conserved quote).
    public var totalStake: Int64 { keepers.reduce(0) { $0 + $1.stake } }

    /// Draws a keeper among those not yet tried for this job, or nil if none is left.
    mutating func pick(excluding tried: [Bool]) -> Int? {
        var total: Int128 = 0
        for (i, k) in keepers.enumerated() where !tried[i] && k.stake > 0 && k.score > 0 {
            total += Int128(k.stake) * Int128(k.score)
        }
        guard total > 0 else { return nil }
        jobs &+= 1
        var x = seed ^ (jobs &* 0x9E37_79B9_7F4A_7C15)
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        x ^= x >> 31
        var r = Int128(x) % total
        for (i, k) in keepers.enumerated() where !tried[i] && k.stake > 0 && k.score > 0 {
            let w = Int128(k.stake) * Int128(k.score)
            if r < w { return i }
            r -= w
        }
        return nil
    }
}

/// A stop or take-profit order held until its oracle condition holds; fired by a keeper.
public struct TriggerOrder: Sendable, Hashable {
    public var market: Int
    public var request: OrderRequest
    public var triggerPrice: Int64
    /// Fires when the oracle is at or above the trigger price (else at or below).
    public var fireWhenAbove: Bool
    /// A resting order this trigger is one-cancels-other with (a bracket's take-profit leg).
    public var linked: OrderId?
}

/// A bracket waiting for its entry to finish: then a reduce-only take-profit limit rests and a
/// reduce-only stop-loss trigger is linked to it, one cancelling the other.
struct PendingBracket: Sendable, Hashable {
    var market: Int
    var entry: OrderId
    var account: AccountId
    var side: Side
    var filled: Int64 = 0
    var takeProfit: OrderId
    var takeProfitPrice: Int64
    var stopLoss: OrderId
    var stopLossPrice: Int64
}

/// A job the vault layer schedules (fee crystallisation, matured withdrawal); a keeper runs it
/// and the host performs it, identified by `reference`.
public struct ExternalJob: Sendable, Hashable {
    public var kind: KeeperJobKind
    public var reference: UInt64
    public var dueAt: Int64
    public init(kind: KeeperJobKind, reference: UInt64, dueAt: Int64) {
        self.kind = kind
        self.reference = reference
        self.dueAt = dueAt
    }
}
