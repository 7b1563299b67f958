import MarketCore

/// Cumulative fees the vault has charged since creation, in quote units (the amounts charged;
/// the shares moved or minted for them are worth at most these amounts).
public struct FeeTotals: Hashable, Sendable {
    /// Management fee charged to depositors for the manager.
    public var managementFee: Amount
    /// Protocol (annual) fee charged to depositors.
    public var protocolFee: Amount
    /// Performance fee charged for the manager.
    public var performanceFee: Amount
    /// Profit share charged for the protocol.
    public var protocolProfitShare: Amount

    /// Creates totals; all zero by default.
    public init(
        managementFee: Amount = .zero, protocolFee: Amount = .zero, performanceFee: Amount = .zero,
        protocolProfitShare: Amount = .zero
    ) {
        self.managementFee = managementFee
        self.protocolFee = protocolFee
        self.performanceFee = performanceFee
        self.protocolProfitShare = protocolProfitShare
    }

    /// No fees yet.
    public static let zero = FeeTotals()

    /// The sum of all four.
    public var total: Amount { managementFee + protocolFee + performanceFee + protocolProfitShare }
}

/// What an applied action did. Also embedded in its ``VaultEvent``.
///
/// Meaning of ``amount`` and ``shares`` per action:
///
/// | action | amount | shares |
/// |---|---|---|
/// | deposit | quote taken (after the capacity clamp) | shares minted |
/// | requestWithdraw | value locked by the request | shares requested |
/// | cancelWithdraw | value the request had locked | shares forfeited |
/// | withdraw | payout | shares burned |
/// | transfer | value of the shares moved (floor) | shares moved |
/// | mark | new equity | 0 |
/// | crystallize | performance fee charged | fee shares moved |
/// | others | 0 | 0 |
public struct VaultReceipt: Hashable, Sendable {
    /// Position of the action's event in the log.
    public var sequence: Int64
    /// See the table above.
    public var amount: Amount
    /// See the table above.
    public var shares: Shares
    /// Performance fee plus protocol profit share crystallised by this action, in quote.
    public var performanceFee: Amount
    /// Shares moved from depositors to the manager and protocol for that fee.
    public var performanceFeeShares: Shares
    /// Management plus protocol fee charged by the time accrual at the start of this action.
    public var managementFee: Amount
    /// For `setFees`: when the new terms apply (the action's time if applied at once).
    public var feesEffectiveAt: Timestamp?

    /// Creates a receipt.
    public init(
        sequence: Int64 = 0, amount: Amount = .zero, shares: Shares = .zero, performanceFee: Amount = .zero,
        performanceFeeShares: Shares = .zero, managementFee: Amount = .zero, feesEffectiveAt: Timestamp? = nil
    ) {
        self.sequence = sequence
        self.amount = amount
        self.shares = shares
        self.performanceFee = performanceFee
        self.performanceFeeShares = performanceFeeShares
        self.managementFee = managementFee
        self.feesEffectiveAt = feesEffectiveAt
    }
}
