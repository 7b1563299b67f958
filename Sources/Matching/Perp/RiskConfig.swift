import MarketCore

/// Margin and liquidation parameters of one perpetual market.
public struct RiskConfig: Sendable, Hashable {
    /// Initial margin ratio: opening or growing a position needs equity ≥ notional × this.
    public var initialMargin: Ppm
    /// Maintenance margin ratio: below notional × this an account is liquidated.
    public var maintenanceMargin: Ppm
    /// Size premium: the ratio grows by this × √(|position| in whole base units) (large positions need more).
    public var sizePremium: Ppm
    /// Paid by the liquidated account to the keeper, on the notional moved.
    public var liquidatorFee: Ppm
    /// Paid by the liquidated account to the insurance fund, on the notional moved.
    public var insuranceFee: Ppm
    /// Liquidation continues until equity ≥ maintenance + this × notional.
    public var liquidationBuffer: Ppm
    /// At most this share of the position moves per liquidation step.
    public var liquidationStep: Ppm

    public init(initialMargin: Ppm = Ppm(raw: 100_000), maintenanceMargin: Ppm = Ppm(raw: 50_000),
                sizePremium: Ppm = .zero, liquidatorFee: Ppm = Ppm(raw: 5_000), insuranceFee: Ppm = Ppm(raw: 5_000),
                liquidationBuffer: Ppm = Ppm(raw: 20_000), liquidationStep: Ppm = Ppm(raw: 250_000)) {
        self.initialMargin = initialMargin
        self.maintenanceMargin = maintenanceMargin
        self.sizePremium = sizePremium
        self.liquidatorFee = liquidatorFee
        self.insuranceFee = insuranceFee
        self.liquidationBuffer = liquidationBuffer
        self.liquidationStep = liquidationStep
    }

    public func validate() -> [String] {
        var p: [String] = []
        if maintenanceMargin.raw <= 0 || maintenanceMargin > initialMargin || initialMargin.raw > 1_000_000 {
            p.append("risk: need 0 < maintenanceMargin ≤ initialMargin ≤ 1")
        }
        if sizePremium.raw > 1_000_000 || liquidationBuffer.raw > 1_000_000 {
            p.append("risk.sizePremium/liquidationBuffer: must be at most 1")
        }
        if liquidatorFee.raw < 0 || insuranceFee.raw < 0 || liquidatorFee.raw > 1_000_000 || insuranceFee.raw > 1_000_000
            || liquidatorFee.raw + insuranceFee.raw >= maintenanceMargin.raw {
            p.append("risk: liquidatorFee + insuranceFee must be non-negative and below maintenanceMargin")
        }
        if sizePremium.raw < 0 { p.append("risk.sizePremium: must be non-negative") }
        if liquidationBuffer.raw < 0 { p.append("risk.liquidationBuffer: must be non-negative") }
        if liquidationStep.raw <= 0 || liquidationStep.raw > 1_000_000 { p.append("risk.liquidationStep: must be within (0, 1]") }
        return p
    }

    /// The margin ratio for a position of `base` (raw, signed) given the base ratio: size premium
    /// added (rounded up: against the account), capped at 100%.
    func ratio(_ baseRatio: Ppm, base: Int64) -> Int64 {
        Self.ratio(baseRatio, sizePremium: sizePremium, base: base)
    }

    /// ``ratio(_:base:)`` from the size premium alone (what a margin snapshot keeps of the config).
    static func ratio(_ baseRatio: Ppm, sizePremium: Ppm, base: Int64) -> Int64 {
        guard sizePremium.raw > 0, base != 0 else { return baseRatio.raw }
        // √(|base| / 1e9) × 1e9 = √(|base| × 1e9)
        let root = isqrt(Int128(abs(base)) * 1_000_000_000, .up)
        let extra = mulDiv128(Int128(sizePremium.raw) * root, 1_000_000_000, .up)
        return Int64(Swift.min(Int128(baseRatio.raw) + extra, 1_000_000))
    }
}

/// A collateral asset other than USDC: counted at its oracle price times a weight (the haircut).
public struct CollateralAsset: Sendable, Hashable {
    public var name: String
    /// Weight for initial margin (e.g. 0.8 = 20% haircut).
    public var initialWeight: Ppm
    /// Weight for maintenance margin (≥ the initial weight).
    public var maintenanceWeight: Ppm
    public init(name: String, initialWeight: Ppm, maintenanceWeight: Ppm) {
        self.name = name
        self.initialWeight = initialWeight
        self.maintenanceWeight = maintenanceWeight
    }
}

/// The keeper network's rules.
public struct KeeperConfig: Sendable, Hashable {
    /// Reward for a funding or trigger job, paid from the market's fee pool when it holds enough.
    public var jobReward: Amount
    /// Share of stake slashed (to the insurance fund) when a keeper misses its job.
    public var slash: Ppm
    /// Score multiplier on a miss (e.g. 0.8) and score added on success (capped at 1).
    public var missPenalty: Ppm
    public var successBonus: Ppm
    /// Minimum stake to register.
    public var minStake: Amount
    public init(jobReward: Amount = Amount(raw: 10_000), slash: Ppm = Ppm(raw: 50_000), missPenalty: Ppm = Ppm(raw: 800_000),
                successBonus: Ppm = Ppm(raw: 20_000), minStake: Amount = Amount(raw: 100_000_000)) {
        self.jobReward = jobReward
        self.slash = slash
        self.missPenalty = missPenalty
        self.successBonus = successBonus
        self.minStake = minStake
    }
}
