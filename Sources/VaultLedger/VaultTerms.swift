import MarketCore

/// How a hurdle rate gates the performance fee (DESIGN §6).
public enum HurdleKind: UInt8, Hashable, Sendable, CaseIterable {
    /// Once the profit clears the hurdle, the fee is charged on the whole profit.
    case soft = 0
    /// The fee is charged only on the profit in excess of the hurdle.
    case hard = 1
}

/// The fee schedule of a vault. Every rate is in parts per million (1e6 = 100%).
///
/// Changing it goes through ``VaultAction/setFees(_:)``: a change that is nowhere worse for
/// depositors applies at once; any raise waits ``VaultTerms/feeTimelockSeconds``.
public struct FeeTerms: Hashable, Sendable {
    /// Annual management fee on depositor equity (the manager's and protocol's own shares are
    /// exempt), accrued per second, linear within a year and compounding yearly across longer
    /// gaps, paid by minting shares to the manager that dilute depositor shares only.
    public var managementFee: Ppm
    /// Share of each depositor's profit above its high-water mark paid to the manager.
    public var performanceFee: Ppm
    /// Annual hurdle rate, prorated over time since the depositor's mark was last reset.
    public var hurdleRate: Ppm
    /// Whether a cleared hurdle charges the whole profit (`soft`) or only the excess (`hard`).
    public var hurdle: HurdleKind
    /// Annual protocol fee on depositor equity, charged like the management fee (on the same
    /// depositor equity) and minted to the protocol account.
    public var protocolFee: Ppm
    /// Share of each depositor's profit above its mark paid to the protocol account.
    public var protocolProfitShare: Ppm

    /// Creates a fee schedule; every rate defaults to zero, the hurdle to `soft`.
    public init(
        managementFee: Ppm = .zero, performanceFee: Ppm = .zero, hurdleRate: Ppm = .zero,
        hurdle: HurdleKind = .soft, protocolFee: Ppm = .zero, protocolProfitShare: Ppm = .zero
    ) {
        self.managementFee = managementFee
        self.performanceFee = performanceFee
        self.hurdleRate = hurdleRate
        self.hurdle = hurdle
        self.protocolFee = protocolFee
        self.protocolProfitShare = protocolProfitShare
    }

    /// No fees at all.
    public static let none = FeeTerms()

    /// Whether `self` is worse for depositors than `old` in any term: a higher management,
    /// performance, protocol fee or profit share, a lower hurdle rate, or `hard` → `soft`.
    /// - Parameter old: the terms in force.
    /// - Returns: true when the change must wait the timelock.
    public func isRaise(from old: FeeTerms) -> Bool {
        managementFee > old.managementFee || performanceFee > old.performanceFee
            || protocolFee > old.protocolFee || protocolProfitShare > old.protocolProfitShare
            || hurdleRate < old.hurdleRate || (old.hurdle == .hard && hurdle == .soft)
    }

    /// Why these terms are not acceptable, or nil.
    public var problem: String? {
        for (name, rate) in [
            ("management fee", managementFee), ("performance fee", performanceFee), ("hurdle rate", hurdleRate),
            ("protocol fee", protocolFee), ("protocol profit share", protocolProfitShare),
        ] where rate.raw < 0 || rate.raw > Ppm.scale {
            return "\(name) \(rate.formatted()) is outside 0...1 (1 = 100%)"
        }
        if managementFee.raw + protocolFee.raw >= Ppm.scale {
            return "management fee plus protocol fee must stay below 100% a year"
        }
        if performanceFee.raw + protocolProfitShare.raw >= Ppm.scale {
            return "performance fee plus protocol profit share must stay below 100%"
        }
        return nil
    }
}

/// A fee change waiting for its timelock.
public struct PendingFeeUpdate: Hashable, Sendable {
    /// The terms that will apply.
    public var fees: FeeTerms
    /// The first instant at which they apply.
    public var effectiveAt: Timestamp

    /// Creates a pending update.
    public init(fees: FeeTerms, effectiveAt: Timestamp) {
        self.fees = fees
        self.effectiveAt = effectiveAt
    }
}

/// Everything a vault is created with. The fees and `permissioned` can change later through
/// actions; the rest is fixed for the life of the vault.
public struct VaultTerms: Hashable, Sendable {
    /// The fee schedule in force at creation.
    public var fees: FeeTerms
    /// δ of the virtual offset: `10^δ` virtual shares and 1 virtual quote unit (DESIGN §6), `0...12`.
    public var shareOffsetDigits: Int
    /// Smallest deposit accepted (after the capacity clamp); zero means no minimum (as in
    /// Drift), though a deposit must still be positive and mint at least one raw share.
    public var minDeposit: Amount
    /// Capacity: deposits are clamped so equity stays at or below this; nil or zero = no cap (as
    /// in Drift's `max_tokens == 0`), leaving only the ledger's own bound ``Vault/maxEquity``.
    public var maxTokens: Amount?
    /// When true, only names on the access list may deposit or receive shares.
    public var permissioned: Bool
    /// Seconds after a deposit during which that depositor may not request a withdrawal or transfer out.
    public var lockUpSeconds: Int64
    /// Seconds between a withdrawal request and its payout (below 90 days).
    public var redeemPeriodSeconds: Int64
    /// Fraction of all shares the manager must keep (counting only shares it has not asked to withdraw).
    public var managerMinimumStake: Ppm
    /// Name of the account that receives the protocol fee and profit share.
    public var protocolName: String
    /// Points emitted per second, shared pro rata among depositor shares (`0...1_000_000`).
    public var pointsPerSecond: Int64

    /// Creates terms; defaults: no fees, δ = 3, minimum deposit 1 raw unit, no cap, open,
    /// no lock-up, no redeem period, no manager stake, protocol account "protocol", no points.
    public init(
        fees: FeeTerms = .none, shareOffsetDigits: Int = 3, minDeposit: Amount = Amount(raw: 1),
        maxTokens: Amount? = nil, permissioned: Bool = false, lockUpSeconds: Int64 = 0,
        redeemPeriodSeconds: Int64 = 0, managerMinimumStake: Ppm = .zero, protocolName: String = "protocol",
        pointsPerSecond: Int64 = 0
    ) {
        self.fees = fees
        self.shareOffsetDigits = shareOffsetDigits
        self.minDeposit = minDeposit
        self.maxTokens = maxTokens
        self.permissioned = permissioned
        self.lockUpSeconds = lockUpSeconds
        self.redeemPeriodSeconds = redeemPeriodSeconds
        self.managerMinimumStake = managerMinimumStake
        self.protocolName = protocolName
        self.pointsPerSecond = pointsPerSecond
    }

    /// One week, the floor of the fee timelock.
    public static let oneWeekSeconds: Int64 = 604_800
    /// 365 days: the year used to prorate annual rates.
    public static let secondsPerYear: Int64 = 31_536_000

    /// How long a fee raise waits: `max(1 week, 2 × redeemPeriod)`.
    public var feeTimelockSeconds: Int64 { max(Self.oneWeekSeconds, 2 * redeemPeriodSeconds) }

    /// The capacity in force: ``maxTokens`` unless it is nil or zero (no cap).
    public var capacity: Amount? {
        guard let cap = maxTokens, cap.raw > 0 else { return nil }
        return cap
    }

    /// `10^δ`, the virtual share count.
    var virtualShares: Int128 {
        var v: Int128 = 1
        for _ in 0..<shareOffsetDigits { v *= 10 }
        return v
    }

    /// Why these terms are not acceptable, or nil.
    public var problem: String? {
        if let p = fees.problem { return p }
        if !(0...12).contains(shareOffsetDigits) { return "share offset digits must be 0...12" }
        if minDeposit.raw < 0 || minDeposit > Vault.maxAmount {
            return "minimum deposit must be 0 (none) to \(Vault.maxAmount.formatted(minimumDecimals: 2))"
        }
        if let cap = maxTokens, cap.raw < 0 || cap > Vault.maxEquity {
            return "max tokens must be 0 (no cap) to \(Vault.maxEquity.formatted(minimumDecimals: 2))"
        }
        if !(0...(365 * 86_400)).contains(lockUpSeconds) { return "lock-up must be 0 to 365 days" }
        if !(0..<(90 * 86_400)).contains(redeemPeriodSeconds) { return "redeem period must be 0 to under 90 days" }
        if managerMinimumStake.raw < 0 || managerMinimumStake.raw >= Ppm.scale {
            return "manager minimum stake must be in 0..<1"
        }
        if !(0...1_000_000).contains(pointsPerSecond) { return "points per second must be 0...1000000" }
        if let p = Vault.nameProblem(protocolName) { return "protocol name: \(p)" }
        return nil
    }
}
