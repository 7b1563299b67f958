import MarketCore

/// How a withdrawal request is sized.
public enum WithdrawUnit: Hashable, Sendable {
    /// A quote amount: the request locks `ceil(amount × (S + 10^δ) / (E + 1))` shares.
    case amount(Amount)
    /// An exact number of shares.
    case shares(Shares)
    /// A fraction of the holder's shares (1e6 = all): `floor(shares × pct / 1e6)`.
    case percent(Ppm)
}

/// Whose performance fee a ``VaultAction/crystallize(_:)`` settles.
public enum CrystallizeTarget: Hashable, Sendable {
    /// One depositor.
    case depositor(String)
    /// Every depositor that holds shares and has no pending withdrawal. O(depositors).
    case all
}

/// An input to the ledger. ``Vault/apply(_:at:)`` either performs it completely (one event,
/// one receipt) or refuses it and changes nothing.
///
/// Names: the manager's name (given at creation) acts as the manager, the terms' protocol name as
/// the protocol account, any other name as a depositor (created on first use). The manager
/// deposits and withdraws with the same actions as depositors, pays no fees, has no lock-up or
/// access check and must keep ``VaultTerms/managerMinimumStake``. The protocol account only
/// receives fees; it may withdraw them.
public enum VaultAction: Hashable, Sendable {
    /// Deposit `amount` (clamped to the room under `maxTokens`); crystallises the depositor's
    /// performance fee first.
    case deposit(depositor: String, amount: Amount)
    /// Ask to withdraw; crystallises first; the shares stay at risk until ``withdraw(depositor:)``.
    case requestWithdraw(depositor: String, WithdrawUnit)
    /// Drop the pending request, forfeiting the gain made since the request.
    case cancelWithdraw(depositor: String)
    /// Pay out a matured request: `min(value at request, value now)`.
    case withdraw(depositor: String)
    /// Move shares between two depositors; crystallises both sides first.
    case transfer(from: String, to: String, shares: Shares)
    /// Set equity from the strategies' marks; makes the mark valid.
    case mark(equity: Amount)
    /// Declare the mark invalid (oracle down): actions that need equity are refused until the next mark.
    case markInvalid
    /// Let time pass: accrue management and protocol fees and points, apply a due fee update.
    case accrue
    /// Crystallise performance fees (manager's or keeper's schedule).
    case crystallize(CrystallizeTarget)
    /// Propose new fees: applied at once if no term gets worse for depositors, otherwise after
    /// the timelock. Replaces any pending proposal.
    case setFees(FeeTerms)
    /// Drop a pending fee proposal.
    case cancelFeeUpdate
    /// Turn the access list on or off.
    case setPermissioned(Bool)
    /// Put a name on the access list or take it off (taking off blocks new deposits and
    /// incoming transfers; it does not force an exit).
    case setAccess(depositor: String, allowed: Bool)
}
