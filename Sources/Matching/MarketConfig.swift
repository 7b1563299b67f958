import MarketCore

/// One fee tier: accounts whose traded notional is at least `minVolume` pay these rates.
public struct FeeTier: Sendable, Hashable {
    public var minVolume: Amount
    /// Taker fee (≥ 0).
    public var taker: Ppm
    /// Maker fee; negative is a rebate, never larger than the taker fee.
    public var maker: Ppm
    public init(minVolume: Amount = .zero, taker: Ppm, maker: Ppm) {
        self.minVolume = minVolume
        self.taker = taker
        self.maker = maker
    }
}

/// Maker/taker fees with volume tiers, and the share of net fees that goes to the insurance fund.
public struct FeeSchedule: Sendable, Hashable {
    /// Ascending by `minVolume`; the first tier must start at zero.
    public var tiers: [FeeTier]
    /// Share of each fill's net fee (taker fee + maker fee) credited to the insurance fund; the
    /// rest stays in the market's fee pool, which pays maker rebates and AMM repegs.
    public var insuranceShare: Ppm
    public init(tiers: [FeeTier] = [FeeTier(taker: Ppm(raw: 1000), maker: Ppm(raw: -200))],
                insuranceShare: Ppm = Ppm(raw: 100_000)) {
        self.tiers = tiers
        self.insuranceShare = insuranceShare
    }
    /// No fees at all.
    public static let free = FeeSchedule(tiers: [FeeTier(taker: .zero, maker: .zero)], insuranceShare: .zero)
}

/// The JIT auction's shape.
public struct AuctionConfig: Sendable, Hashable {
    /// Number of steps from start to end price; 0 disables the auction (a plain book).
    public var duration: Int32
    /// End price offset from the oracle for orders without a limit (DESIGN: ±0.5%).
    public var endOffset: Ppm
    public init(duration: Int32 = 10, endOffset: Ppm = Ppm(raw: 5_000)) {
        self.duration = duration
        self.endOffset = endOffset
    }
}

/// Oracle guards (DESIGN §4): when the oracle is not valid, no taker fills or auctions.
public struct OracleGuardConfig: Sendable, Hashable {
    /// An oracle older than this is stale.
    public var maxStalenessMs: Int64
    /// Confidence interval over price above this is too uncertain.
    public var maxConfidence: Ppm
    /// |oracle − TWAP| / TWAP above this is too volatile.
    public var maxTwapDivergence: Ppm
    /// |mark − oracle| / oracle above this is divergent (mark = last trade price).
    public var maxMarkDivergence: Ppm
    /// The TWAP's window.
    public var twapWindowMs: Int64
    public init(maxStalenessMs: Int64 = 60_000, maxConfidence: Ppm = Ppm(raw: 20_000),
                maxTwapDivergence: Ppm = Ppm(raw: 500_000), maxMarkDivergence: Ppm = Ppm(raw: 100_000),
                twapWindowMs: Int64 = 300_000) {
        self.maxStalenessMs = maxStalenessMs
        self.maxConfidence = maxConfidence
        self.maxTwapDivergence = maxTwapDivergence
        self.maxMarkDivergence = maxMarkDivergence
        self.twapWindowMs = twapWindowMs
    }
}

/// Circuit breakers of one market. A nil threshold disables that breaker.
public struct BreakerConfig: Sendable, Hashable {
    /// Trip when the oracle moves more than this within `priceWindowMs`.
    public var maxPriceMove: Ppm?
    public var priceWindowMs: Int64
    /// Trip when traded base volume within `volumeWindowMs` exceeds this.
    public var maxVolume: Quantity?
    public var volumeWindowMs: Int64
    /// Trip when an oracle update is not valid.
    public var tripOnInvalidOracle: Bool
    /// How long a tripped breaker stays tripped. The oracle breaker then also waits for a valid
    /// oracle; the price and volume breakers reset (a new move or surge trips them again).
    public var cooldownMs: Int64
    public init(maxPriceMove: Ppm? = Ppm(raw: 100_000), priceWindowMs: Int64 = 60_000, maxVolume: Quantity? = nil,
                volumeWindowMs: Int64 = 60_000, tripOnInvalidOracle: Bool = true, cooldownMs: Int64 = 30_000) {
        self.maxPriceMove = maxPriceMove
        self.priceWindowMs = priceWindowMs
        self.maxVolume = maxVolume
        self.volumeWindowMs = volumeWindowMs
        self.tripOnInvalidOracle = tripOnInvalidOracle
        self.cooldownMs = cooldownMs
    }
}

/// What happens when a taker meets its own account's resting order.
public enum SelfTradePrevention: UInt8, Sendable, Hashable {
    /// Cancel the resting order and keep matching (default).
    case cancelResting
    /// Cancel the rest of the incoming order.
    case cancelTaker
}

/// Everything that defines one perpetual market's matching rules.
public struct MarketConfig: Sendable, Hashable {
    public var tick: Price
    public var step: Quantity
    public var minSize: Quantity
    public var fees: FeeSchedule
    public var auction: AuctionConfig
    public var amm: AMMConfig?
    public var oracle: OracleGuardConfig
    public var breaker: BreakerConfig?
    public var selfTrade: SelfTradePrevention
    public var funding: FundingConfig

    public init(tick: Price = Price(raw: 10_000), step: Quantity = Quantity(raw: 1_000_000),
                minSize: Quantity = Quantity(raw: 1_000_000), fees: FeeSchedule = FeeSchedule(),
                auction: AuctionConfig = AuctionConfig(), amm: AMMConfig? = nil,
                oracle: OracleGuardConfig = OracleGuardConfig(), breaker: BreakerConfig? = BreakerConfig(),
                selfTrade: SelfTradePrevention = .cancelResting, funding: FundingConfig = FundingConfig()) {
        self.tick = tick
        self.step = step
        self.minSize = minSize
        self.fees = fees
        self.auction = auction
        self.amm = amm
        self.oracle = oracle
        self.breaker = breaker
        self.selfTrade = selfTrade
        self.funding = funding
    }

    /// A plain price-time book: no auction, no AMM, no breakers, no fees.
    public static func plainBook(tick: Price = Price(raw: 10_000), step: Quantity = Quantity(raw: 1_000_000)) -> MarketConfig {
        MarketConfig(tick: tick, step: step, minSize: step, fees: .free, auction: AuctionConfig(duration: 0),
                     amm: nil, breaker: nil)
    }

    /// Problems that make the configuration unusable, each naming the field.
    public func validate() -> [String] {
        var problems: [String] = []
        if tick.raw <= 0 { problems.append("tick: must be positive") }
        if step.raw <= 0 { problems.append("step: must be positive") }
        if minSize.raw < step.raw { problems.append("minSize: must be at least one step") }
        if fees.tiers.isEmpty { problems.append("fees.tiers: at least one tier is required") }
        for (i, t) in fees.tiers.enumerated() {
            if t.taker.raw < 0 || t.taker.raw > 100_000 { problems.append("fees.tiers[\(i)].taker: must be within 0...0.1") }
            if t.maker.raw > 100_000 { problems.append("fees.tiers[\(i)].maker: must be at most 0.1") }
            if t.maker.raw < -t.taker.raw { problems.append("fees.tiers[\(i)].maker: a rebate may not exceed the taker fee") }
            if i > 0 && t.minVolume <= fees.tiers[i - 1].minVolume { problems.append("fees.tiers[\(i)].minVolume: tiers must ascend") }
        }
        if let first = fees.tiers.first, first.minVolume != .zero { problems.append("fees.tiers[0].minVolume: must be 0") }
        // Maker and taker may sit in different tiers: the largest rebate must stay within the smallest taker fee,
        // so no fill ever pays out more than it takes in.
        if let minTaker = fees.tiers.map(\.taker.raw).min(), let minMaker = fees.tiers.map(\.maker.raw).min(), -minMaker > minTaker {
            problems.append("fees.tiers: the largest maker rebate (\(Ppm(raw: -minMaker))) exceeds the smallest taker fee (\(Ppm(raw: minTaker)))")
        }
        if fees.insuranceShare.raw < 0 || fees.insuranceShare.raw > 1_000_000 { problems.append("fees.insuranceShare: must be within 0...1") }
        if auction.duration < 0 || auction.duration > 1000 { problems.append("auction.duration: must be within 0...1000 steps") }
        if auction.endOffset.raw <= 0 || auction.endOffset.raw >= 1_000_000 { problems.append("auction.endOffset: must be within (0, 1)") }
        if let amm { problems += amm.validate().map { "amm." + $0 } }
        if oracle.twapWindowMs <= 0 { problems.append("oracle.twapWindowMs: must be positive") }
        if oracle.maxStalenessMs < 0 { problems.append("oracle.maxStalenessMs: must be non-negative") }
        if oracle.maxConfidence.raw <= 0 || oracle.maxConfidence.raw > 1_000_000 { problems.append("oracle.maxConfidence: must be within (0, 1]") }
        if oracle.maxTwapDivergence.raw <= 0 || oracle.maxTwapDivergence.raw > 10_000_000 {
            problems.append("oracle.maxTwapDivergence: must be within (0, 10]")
        }
        if oracle.maxMarkDivergence.raw <= 0 || oracle.maxMarkDivergence.raw > 10_000_000 {
            problems.append("oracle.maxMarkDivergence: must be within (0, 10]")
        }
        if tick.raw > Bounds.maxPrice.raw { problems.append("tick: must be at most \(Bounds.maxPrice)") }
        if step.raw > Bounds.maxQuantity.raw || minSize.raw > Bounds.maxQuantity.raw {
            problems.append("step/minSize: must be at most \(Bounds.maxQuantity)")
        }
        if let b = breaker, b.priceWindowMs <= 0 || b.volumeWindowMs <= 0 || b.cooldownMs < 0 {
            problems.append("breaker: windows must be positive and cooldown non-negative")
        }
        if funding.periodMs <= 0 { problems.append("funding.periodMs: must be positive") }
        if funding.impactNotional.raw < 0 || funding.impactNotional.raw > Bounds.maxAmount.raw {
            problems.append("funding.impactNotional: must be within 0...\(Bounds.maxAmount)")
        }
        if funding.maxRate.raw < 0 || funding.maxRate.raw > 100_000 { problems.append("funding.maxRate: must be within 0...0.1") }
        return problems
    }

    /// Whether taker flow needs a valid oracle (auction or AMM configured).
    public var needsOracle: Bool { auction.duration > 0 || amm != nil }
}
