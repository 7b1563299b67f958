import MarketCore

/// Parameters of the DAMM backstop (DESIGN §4, `reference/drift.md` §2.4).
public struct AMMConfig: Sendable, Hashable {
    /// √k in base units: the depth of the curve (both reserves start here).
    public var sqrtK: Quantity
    /// Full spread when calm (half on each side).
    public var baseSpread: Ppm
    /// Cap on bid + ask spread.
    public var maxSpread: Ppm
    /// A fill may not move the curve's mid price more than this; larger fills are cut.
    public var priceImpactThreshold: Ppm
    /// Multiplier on inventory / depth applied to the risky side's spread (1e6 = ×1).
    public var inventoryWeight: Ppm
    /// A loss of this size since the last k update widens the risky side by one base spread.
    public var lossUnit: Amount
    /// k moves by at most this per adjustment, within [minSqrtK, maxSqrtK].
    public var maxKChange: Ppm
    public var minSqrtK: Quantity
    public var maxSqrtK: Quantity
    /// How often k is reviewed (on oracle updates).
    public var kIntervalMs: Int64

    public init(sqrtK: Quantity = Quantity(raw: 1_000 * 1_000_000_000), baseSpread: Ppm = Ppm(raw: 1_000),
                maxSpread: Ppm = Ppm(raw: 50_000), priceImpactThreshold: Ppm = Ppm(raw: 10_000),
                inventoryWeight: Ppm = Ppm(raw: 10_000_000), lossUnit: Amount = Amount(raw: 25_000_000),
                maxKChange: Ppm = Ppm(raw: 1_000), minSqrtK: Quantity? = nil, maxSqrtK: Quantity? = nil,
                kIntervalMs: Int64 = 3_600_000) {
        self.sqrtK = sqrtK
        self.baseSpread = baseSpread
        self.maxSpread = maxSpread
        self.priceImpactThreshold = priceImpactThreshold
        self.inventoryWeight = inventoryWeight
        self.lossUnit = lossUnit
        self.maxKChange = maxKChange
        self.minSqrtK = minSqrtK ?? Quantity(raw: sqrtK.raw / 2)
        // Saturating: an out-of-range sqrtK is refused by validate(), never trapped on here.
        self.maxSqrtK = maxSqrtK ?? Quantity(raw: sqrtK.raw > Int64.max / 2 ? Int64.max : sqrtK.raw * 2)
        self.kIntervalMs = kIntervalMs
    }

    func validate() -> [String] {
        var p: [String] = []
        if sqrtK.raw <= 0 || sqrtK.raw > 100_000 * 1_000_000_000 { p.append("sqrtK: must be within (0, 100000]") }
        if baseSpread.raw < 0 || baseSpread.raw > maxSpread.raw { p.append("baseSpread: must be within 0...maxSpread") }
        if maxSpread.raw <= 0 || maxSpread.raw >= 500_000 { p.append("maxSpread: must be within (0, 0.5)") }
        if priceImpactThreshold.raw <= 0 || priceImpactThreshold.raw >= 500_000 { p.append("priceImpactThreshold: must be within (0, 0.5)") }
        if inventoryWeight.raw < 0 || inventoryWeight.raw > 1_000 * 1_000_000 { p.append("inventoryWeight: must be within 0...1000") }
        if lossUnit.raw <= 0 { p.append("lossUnit: must be positive") }
        if maxKChange.raw < 0 || maxKChange.raw > 100_000 { p.append("maxKChange: must be within 0...0.1") }
        if minSqrtK > sqrtK || maxSqrtK < sqrtK || maxSqrtK.raw > 100_000 * 1_000_000_000 || minSqrtK.raw <= 0 {
            p.append("minSqrtK/maxSqrtK: must bracket sqrtK (max 100000)")
        }
        if kIntervalMs <= 0 { p.append("kIntervalMs: must be positive") }
        return p
    }
}

/// The dynamic AMM: a virtual constant-product curve (`base × quote = k`) pegged to the oracle.
///
/// Reserves are in base units (1e9); `peg` is a price (1e6). The curve's mid price is
/// `quote × peg / base`. A taker buying `Δb` pays `peg × (k/(B−Δb) − Q)` widened by the ask
/// spread; every division rounds against the taker. The AMM is a counterparty with its own
/// inventory (`base`) and cash (`quote`); repegs move cash between it and the fee pool.
public struct DAMM: Sendable {
    public let config: AMMConfig
    var baseReserve: Int128
    var quoteReserve: Int128
    /// Peg multiplier (price, 1e6). Zero until the first valid oracle.
    public internal(set) var peg: Int64 = 0
    /// The AMM's own position (base, 1e9): minus the users' net position against it.
    public internal(set) var base: Int64 = 0
    /// The AMM's cash from trading and repegs (quote, 1e6).
    public internal(set) var quote: Int64 = 0
    /// Spreads per side (ppm) applied to the next fills.
    public internal(set) var askSpread: Int64
    public internal(set) var bidSpread: Int64
    /// EWMA of |oracle return| (ppm).
    public internal(set) var volatility: Int64 = 0
    var lastOracle: Int64 = 0
    var lastConfidence: Int64 = 0
    var valueAtKReview: Int64 = 0
    var lastKReview: Int64 = .min
    /// The prices the state above implies (``bestPrice(for:)`` and ``midPriceRaw``), recomputed
    /// by ``refreshPrices()`` at the end of every mutation (`init`, ``execute(takerSide:qty:)``,
    /// ``onOracle(price:confidence:time:feePool:)``): the taker path reads them many times per
    /// order, and each costs 128-bit divisions.
    var cachedAsk: Int64 = 0
    var cachedBid: Int64 = 0
    var cachedMid: Int64 = 0

    public init(config: AMMConfig) {
        self.config = config
        baseReserve = Int128(config.sqrtK.raw)
        quoteReserve = Int128(config.sqrtK.raw)
        askSpread = config.baseSpread.raw / 2
        bidSpread = config.baseSpread.raw - config.baseSpread.raw / 2
        refreshPrices()
    }

    /// Recomputes the cached prices from the reserves, peg and spreads.
    mutating func refreshPrices() {
        cachedMid = isLive ? Int64(quoteReserve * Int128(peg) / baseReserve) : 0
        let mid = quoteReserve * Int128(peg)
        cachedAsk = Int64(mulDiv128(mulDiv128(mid, baseReserve, .up) * Int128(1_000_000 + askSpread), 1_000_000, .up))
        cachedBid = Int64(mulDiv128(mulDiv128(mid, baseReserve, .down) * Int128(1_000_000 - bidSpread), 1_000_000, .down))
    }

    var k: Int128 { baseReserve * quoteReserve }
    /// Whether the AMM has a peg and can quote.
    public var isLive: Bool { peg > 0 }

    /// √k now (base units).
    public var sqrtK: Quantity { Quantity(raw: Int64(isqrt(k, .down))) }

    /// The curve's mid price.
    public var midPrice: Price { Price(raw: midPriceRaw) }
    /// `quote × peg / base`, toward zero (0 until the first valid oracle); cached.
    var midPriceRaw: Int64 { cachedMid }

    /// The marginal price a taker on `side` meets first: the ask for a buyer (rounded up), the
    /// bid for a seller (rounded down): `ceil(ceil(Q × peg / B) × (1 + ask))` and
    /// `floor(floor(Q × peg / B) × (1 − bid))`; cached (see ``refreshPrices()``).
    public func bestPrice(for takerSide: Side) -> Price {
        Price(raw: takerSide == .buy ? cachedAsk : cachedBid)
    }

    /// How much base a taker on `side` can trade before the marginal price passes `limit`,
    /// also cut where the mid would move more than the price-impact threshold away from
    /// `impactReference` (the mid when the taker arrived; 0 = the mid now); a multiple of `step`.
    /// - Complexity: O(1) (one integer square root).
    public func capacity(for takerSide: Side, limit: Price, step: Int64, impactReference: Int64 = 0) -> Int64 {
        guard isLive, limit.raw > 0 else { return 0 }
        let ref = Int128(impactReference > 0 ? impactReference : midPriceRaw)
        let scale: Int128 = 1_000_000
        if takerSide == .buy {
            // Mid after the fill may not exceed limit / (1 + askSpread) nor ref × (1 + impact).
            let lm = mulDiv128(Int128(limit.raw) * scale, scale + Int128(askSpread), .down)
            let impact = mulDiv128(ref * (scale + Int128(config.priceImpactThreshold.raw)), scale, .down)
            let cap = Swift.min(lm, impact)
            guard cap > 0 else { return 0 }
            // B'² ≥ k × peg / cap  →  B' = ceil(sqrt(ceil(ceil(k / cap) × peg)))  (rounded against the taker)
            let bMin = isqrt(mulDiv128(k, cap, .up) * Int128(peg), .up)
            let room = baseReserve - bMin
            guard room > 0 else { return 0 }
            let r = Int64(Swift.min(room, Int128(Int64.max / 2)))
            return r - r % step
        } else {
            // Mid after the fill may not fall below limit / (1 − bidSpread) nor ref × (1 − impact).
            let lm = mulDiv128(Int128(limit.raw) * scale, scale - Int128(bidSpread), .up)
            let impact = mulDiv128(ref * (scale - Int128(config.priceImpactThreshold.raw)), scale, .up)
            let floorMid = Swift.max(lm, impact)
            guard floorMid > 0 else { return 0 }
            let bMax = isqrt(mulDiv128(k, floorMid, .down) * Int128(peg), .down)
            let room = bMax - baseReserve
            guard room > 0 else { return 0 }
            let r = Int64(Swift.min(room, Int128(Int64.max / 2)))
            return r - r % step
        }
    }

    /// Trades `qty` base with a taker on `side` and returns the quote the taker pays (buy) or
    /// receives (sell), spread included, rounded against the taker.
    public mutating func execute(takerSide: Side, qty: Int64) -> Int64 {
        precondition(qty > 0 && isLive)
        let k = self.k
        let scale: Int128 = 1_000_000
        if takerSide == .buy {
            let b1 = baseReserve - Int128(qty)
            precondition(b1 > 0, "AMM reserve exhausted")
            let q1 = mulDiv128(k, b1, .up)
            let mid = mulDiv128((q1 - quoteReserve) * Int128(peg), 1_000_000_000, .up)
            let cost = mulDiv128(mid * (scale + Int128(askSpread)), scale, .up)
            baseReserve = b1
            quoteReserve = q1
            base -= qty
            quote += Int64(cost)
            refreshPrices()
            return Int64(cost)
        } else {
            let b1 = baseReserve + Int128(qty)
            let q1 = mulDiv128(k, b1, .up)
            let mid = mulDiv128((quoteReserve - q1) * Int128(peg), 1_000_000_000, .down)
            let proceeds = Swift.max(0, mulDiv128(mid * (scale - Int128(bidSpread)), scale, .down))
            baseReserve = b1
            quoteReserve = q1
            base += qty
            quote -= Int64(proceeds)
            refreshPrices()
            return Int64(proceeds)
        }
    }

    /// Mark-to-oracle value of the AMM's position and cash.
    func value(at oracle: Int64) -> Int64 {
        quote + mulDiv(base, oracle, 1_000_000_000, .down)
    }

    /// Reacts to a valid oracle: updates volatility, repegs (paid from `feePool`), reviews k on
    /// schedule, and recomputes the spreads.
    mutating func onOracle(price: Int64, confidence: Int64, time: Int64, feePool: inout Int64) {
        if lastOracle > 0 {
            let r = mulDiv(abs(price - lastOracle), 1_000_000, lastOracle, .up)
            volatility = (volatility * 7 + r) / 8
        }
        lastOracle = price
        lastConfidence = confidence
        if peg == 0 {
            peg = price
            valueAtKReview = value(at: price)
            lastKReview = time
        } else {
            repeg(oracle: price, feePool: &feePool)
        }
        if time - lastKReview >= config.kIntervalMs { reviewK(oracle: price, time: time) }
        updateSpreads(oracle: price)
        refreshPrices()
    }

    /// Moves the peg so the curve's mid equals the oracle. The cost to the AMM of the users'
    /// net position at the new peg is paid from the fee pool; if the pool is short, the peg moves
    /// only as far as the pool pays for. A repeg that earns is taken in full and credited to the pool.
    mutating func repeg(oracle: Int64, feePool: inout Int64) {
        // target peg: oracle × B / Q (rounded to the nearest unit below).
        let target = Int64(mulDiv128(Int128(oracle) * baseReserve, quoteReserve, .down))
        if target == peg || target <= 0 { return }
        // Users' net position N = −base; closing it puts N back into the base reserve.
        let bT = baseReserve - Int128(base)
        guard bT > 0 else { return }
        let qT = mulDiv128(k, bT, .up)
        // cost > 0: the AMM owes more at the new peg.
        func cost(_ newPeg: Int64) -> Int64 {
            Int64(mulDiv128((quoteReserve - qT) * Int128(newPeg - peg), 1_000_000_000, .up))
        }
        var newPeg = target
        var c = cost(newPeg)
        if c > 0 && c > feePool {
            let budget = Swift.max(feePool, 0)
            // Move the fraction budget/c of the way (rounded toward the old peg).
            let delta = mulDiv128(Int128(target - peg) * Int128(budget), Int128(c), target > peg ? .down : .up)
            newPeg = peg + Int64(delta)
            c = cost(newPeg)
            if c > budget || newPeg <= 0 { return }
        }
        peg = newPeg
        feePool -= c
        quote += c
        // A repeg moves money between the pool and the AMM; it is not trading PnL.
        valueAtKReview += c
    }

    /// Every `kIntervalMs`: if the AMM made money since the last review, deepen the curve by
    /// `maxKChange`; if it lost, make it shallower; always within the bounds. Price is kept.
    mutating func reviewK(oracle: Int64, time: Int64) {
        let v = value(at: oracle)
        let pnl = v - valueAtKReview
        let c = Int128(config.maxKChange.raw)
        var factor: Int128 = 1_000_000
        if pnl > 0 { factor += c } else if pnl < 0 { factor -= c }
        if factor != 1_000_000 {
            let b1 = mulDiv128(baseReserve * factor, 1_000_000, .down)
            let q1 = mulDiv128(quoteReserve * factor, 1_000_000, .down)
            let s1 = isqrt(b1 * q1, .down)
            if s1 >= Int128(config.minSqrtK.raw) && s1 <= Int128(config.maxSqrtK.raw) && b1 > Int128(base) {
                baseReserve = b1
                quoteReserve = q1
            }
        }
        valueAtKReview = v
        lastKReview = time
    }

    /// Spread per side = half the base spread + oracle confidence + volatility; the side that
    /// adds to the AMM's risk widens with inventory and with losses since the last k review;
    /// capped so bid + ask ≤ max spread.
    mutating func updateSpreads(oracle: Int64) {
        let half = config.baseSpread.raw / 2
        let conf = oracle > 0 ? mulDiv(lastConfidence, 1_000_000, oracle, .up) : 0
        var ask = half + conf + volatility
        var bid = config.baseSpread.raw - half + conf + volatility
        // Users net long (AMM short, base < 0): selling more to buyers adds risk.
        let inv = Int64(Swift.min(Int128(1_000_000), mulDiv128(Int128(abs(base)) * 1_000_000, baseReserve, .up)))
        let widen = mulDiv(inv, config.inventoryWeight.raw, 1_000_000, .up)
        if base < 0 { ask = mulDiv(ask, 1_000_000 + widen, 1_000_000, .up) }
        if base > 0 { bid = mulDiv(bid, 1_000_000 + widen, 1_000_000, .up) }
        let loss = valueAtKReview - value(at: oracle)
        if loss > 0 {
            // In 128 bits, capped before narrowing: a tiny loss unit cannot overflow the retreat.
            let retreat = Int64(Swift.min(Int128(config.maxSpread.raw / 10),
                                          mulDiv128(Int128(config.baseSpread.raw) * Int128(loss), Int128(config.lossUnit.raw), .up)))
            if base < 0 { ask += retreat } else if base > 0 { bid += retreat } else { ask += retreat / 2; bid += retreat / 2 }
        }
        let total = ask + bid
        let cap = config.maxSpread.raw
        if total > cap {
            let a = mulDiv(ask, cap, total, .up)
            ask = Swift.min(a, cap)
            bid = cap - ask
        }
        askSpread = ask
        bidSpread = bid
    }
}
