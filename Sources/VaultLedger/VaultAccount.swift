import MarketCore

/// A withdrawal waiting for its redeem period. Its shares stay with the holder (and at risk)
/// until the payout.
public struct WithdrawRequest: Hashable, Sendable {
    /// Shares that will be burned.
    public var shares: Shares
    /// Their value when requested: the most the payout can be.
    public var value: Amount
    /// When the request was made.
    public var requestedAt: Timestamp

    /// Creates a request.
    public init(shares: Shares, value: Amount, requestedAt: Timestamp) {
        self.shares = shares
        self.value = value
        self.requestedAt = requestedAt
    }
}

/// The role of an account in a vault.
public enum AccountRole: UInt8, Hashable, Sendable {
    /// Pays fees and has a high-water mark.
    case depositor = 0
    /// Receives the management and performance fees; pays none.
    case manager = 1
    /// Receives the protocol fee and profit share; pays none.
    case protocolAccount = 2
}

/// One holder's record. Read it through ``Vault/account(_:)``.
///
/// The running statistics (`netDeposits`, `totalDeposited`, `totalWithdrawn`,
/// `performanceFeesPaid`) are `Int64` quote: a deposit or incoming transfer that would overflow
/// one is refused; payouts, outgoing transfers and fees saturate them at the `Int64` limits
/// (about 9.2 × 10^12 USDC cumulative, which no real vault reaches) rather than trap.
///
/// The high-water mark is a quote amount (DESIGN §6: net deposits plus profit already charged):
/// deposits raise it one for one, a crystallisation that charges a fee sets it to the value after
/// the fee (a net-of-fee mark), and a payout or an outgoing transfer lowers it by the quote that
/// left (never below zero), scaling the accrued hurdle with it; an account left with no shares
/// starts again from zero.
public struct VaultAccount: Hashable, Sendable {
    /// The account's name.
    public internal(set) var name: String
    /// Depositor, manager or protocol.
    public internal(set) var role: AccountRole
    /// Shares held (including any requested for withdrawal).
    public internal(set) var shares: Shares
    /// Performance-fee high-water mark in quote (depositors only; zero when no shares are held).
    public internal(set) var highWaterMark: Amount
    /// Hurdle accrued since the mark was last reset, in units of `1 / (1e6 × secondsPerYear)` quote:
    /// Σ mark × rate(ppm) × seconds. The threshold is its ceiling in quote.
    public internal(set) var hurdleAccrued: Int128
    /// The vault's cumulative hurdle index when ``hurdleAccrued`` was last brought up to date.
    public internal(set) var hurdleIndexSnapshot: Int128
    /// Deposits minus payouts, plus transfers in minus transfers out at value (statistics).
    public internal(set) var netDeposits: Amount
    /// Sum of deposits.
    public internal(set) var totalDeposited: Amount
    /// Sum of payouts.
    public internal(set) var totalWithdrawn: Amount
    /// Performance fees (manager plus protocol) this depositor has paid.
    public internal(set) var performanceFeesPaid: Amount
    /// Time of the last deposit (lock-up runs from here).
    public internal(set) var lastDepositAt: Timestamp?
    /// The pending withdrawal, if any.
    public internal(set) var withdrawRequest: WithdrawRequest?
    /// On the access list (only consulted when the vault is permissioned).
    public internal(set) var isAllowed: Bool
    /// Points settled so far (see ``Vault/points(of:at:)`` for the live figure).
    public internal(set) var points: Int128
    /// The vault's points-per-share index when ``points`` was last settled.
    public internal(set) var pointsIndexSnapshot: Int128

    init(name: String, role: AccountRole, pointsIndex: Int128, hurdleIndex: Int128) {
        self.name = name
        self.role = role
        shares = .zero
        highWaterMark = .zero
        hurdleAccrued = 0
        hurdleIndexSnapshot = hurdleIndex
        netDeposits = .zero
        totalDeposited = .zero
        totalWithdrawn = .zero
        performanceFeesPaid = .zero
        lastDepositAt = nil
        withdrawRequest = nil
        isAllowed = false
        points = 0
        pointsIndexSnapshot = pointsIndex
    }
}
