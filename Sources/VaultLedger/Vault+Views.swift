import MarketCore

extension Vault {
    /// The terms in force (fees and `permissioned` reflect applied changes).
    public var terms: VaultTerms { core.terms.terms(protocolName: protocolRecord.name) }
    /// A fee raise waiting for its timelock.
    public var pendingFeeUpdate: PendingFeeUpdate? { core.pendingFees }
    /// E: marked equity.
    public var equity: Amount { Amount(raw: core.equity) }
    /// False while the oracle is invalid (equity-dependent actions are refused).
    public var isMarkValid: Bool { core.markValid }
    /// S: every share outstanding.
    public var totalShares: Shares { Shares(raw: core.totalShares) }
    /// Shares held by depositors (excluding the manager and protocol).
    public var depositorShares: Shares { Shares(raw: core.userShares) }
    /// The manager's name.
    public var managerName: String { managerRecord.name }
    /// The manager's account.
    public var manager: VaultAccount { managerRecord }
    /// The protocol's account.
    public var protocolAccount: VaultAccount { protocolRecord }
    /// Every depositor, in order of first appearance.
    public var depositorAccounts: ContiguousArray<VaultAccount> { depositors }
    /// Number of depositor records.
    public var depositorCount: Int { depositors.count }
    /// Σ value of pending withdrawal requests (what strategies must be ready to free).
    public var totalWithdrawRequested: Amount { Amount(raw: core.totalWithdrawRequested) }
    /// Cumulative fees charged.
    public var feeTotals: FeeTotals { core.fees }
    /// Time of the last applied action (the creation time before any).
    public var lastActionAt: Timestamp { core.lastActionAt }
    /// Decimals of one whole share: `6 + δ`.
    public var shareDecimals: Int { 6 + core.terms.shareOffsetDigits }
    /// Cumulative points per raw depositor share × 1e18, as of the last action.
    public var pointsIndex: Int128 { core.pointsIndex }

    /// An account by name (depositor, manager or protocol).
    /// - Complexity: O(1).
    public func account(_ name: String) -> VaultAccount? {
        switch slot(of: name) {
        case .manager: return managerRecord
        case .protocolAccount: return protocolRecord
        case .depositor(let i): return depositors[i]
        case .new: return nil
        }
    }

    /// NAV per whole share (`10^(6+δ)` raw shares), rounded down, as of the last action.
    public var sharePrice: Amount {
        var unit: Int128 = 1
        for _ in 0..<shareDecimals { unit *= 10 }
        return Amount(raw: saturatingInt64(core.assets(forShares: unit, .down) ?? Int128(Int64.max)))
    }

    /// The core as it would be after accruing to `time` (unchanged if the mark is invalid or
    /// `time` is not after the last action).
    func accrued(at time: Timestamp) -> VaultCore {
        var c = core
        if c.markValid && time >= c.lastActionAt && time <= Self.maxTime { _ = c.accrue(to: time) }
        return c
    }

    /// `name`'s record and the core after accruing to `time` (the manager's and protocol's
    /// records include the fee shares that accrual mints).
    func accruedAccount(_ name: String, at time: Timestamp) -> (VaultAccount, VaultCore)? {
        let c = accrued(at: time)
        let slot = slot(of: name)
        if slot == .new { return nil }
        return (account(at: slot, named: name, in: c), c)
    }

    /// What `name`'s shares are worth at `time`, after fee accrual and before any crystallisation.
    /// - Returns: nil for an unknown name.
    public func value(of name: String, at time: Timestamp) -> Amount? {
        guard let (account, c) = accruedAccount(name, at: time) else { return nil }
        return Amount(raw: c.value(ofHeld: account.shares.raw))
    }

    /// The performance fee (manager plus protocol) crystallising `name` at `time` would charge.
    public func performanceFeeDue(of name: String, at time: Timestamp) -> Amount {
        guard var account = account(name), account.role == .depositor else { return .zero }
        let c = accrued(at: time)
        c.touch(&account)
        guard let due = c.performanceFeeDue(account) else { return .zero }
        return Amount(raw: due.manager + due.protocol)
    }

    /// `name`'s points at `time` (settled plus accrued since its last action).
    public func points(of name: String, at time: Timestamp) -> Int128 {
        guard var account = account(name) else { return 0 }
        accrued(at: time).touch(&account)
        return account.points
    }
}
