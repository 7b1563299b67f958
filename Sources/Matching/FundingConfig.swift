import MarketCore

/// Funding of a perpetual market (DESIGN §5, `reference/drift.md` §2).
///
/// Each period the rate is the time-weighted average premium of the mark over the oracle,
/// divided by the oracle, clamped to ±`maxRate`; the cumulative index moves by
/// `rate × oracle` (quote per base) and every position pays `base × Δindex` when next touched.
public struct FundingConfig: Sendable, Hashable {
    public var periodMs: Int64
    /// Clamp on the per-period rate (1e6 = 100%).
    public var maxRate: Ppm
    /// The impact notional: the book's side of the mark is the average price to fill this much
    /// quote (as Binance's premium index), so orders smaller than it cannot move funding.
    public var impactNotional: Amount
    public init(periodMs: Int64 = 3_600_000, maxRate: Ppm = Ppm(raw: 1_000), impactNotional: Amount = Amount(raw: 1_000_000_000)) {
        self.periodMs = periodMs
        self.maxRate = maxRate
        self.impactNotional = impactNotional
    }
}

/// Funding state of one market.
public struct FundingState: Sendable, Hashable {
    /// Cumulative index in 1e-9 quote per whole base (1e9 raw): a position of `b` raw base
    /// owes `b × (index − its last index) / 1e12` quote raw.
    public internal(set) var index: Int64 = 0
    /// Rate of the last period (1e9 = 100%).
    public internal(set) var lastRate: Int64 = 0
    public internal(set) var periodStart: Int64 = .min
    /// A rate given from outside (historical funding in a backtest, 1e9 = 100%): used by the next
    /// period's update instead of the premium rate, then cleared (``MatchingEngine/setExternalFundingRate(_:)``).
    public internal(set) var externalRate: Int64? = nil
    var premiumTime: Int64 = .min
    /// Σ premium × dt over the period (price raw × ms).
    var premiumIntegral: Int128 = 0
    var oracleIntegral: Int128 = 0
    var lastPremium: Int64 = 0
    var lastOracle: Int64 = 0
    /// The price of the last fill whose notional reached the impact notional (0: none yet).
    public internal(set) var lastImpactTrade: Int64 = 0
    /// Funding collected but not yet paid out (positions settle lazily): Σ of payments booked.
    /// Rounding dust beyond one unit is swept to the insurance fund, so once every position has
    /// settled it is 0 or 1.
    public internal(set) var clearing: Int64 = 0
    /// Σ of the exact payments booked (quote raw × 1e12); `clearing` stays at its rounded-up value.
    var exactClearing: Int128 = 0
    public init() {}
}
