import MarketCore
import StrategyKit

/// Avellaneda–Stoikov market making: two-sided quotes around a reservation price that leans
/// against the inventory, with an optimal spread from risk aversion γ, volatility σ and the
/// order-flow depth κ. σ and κ are estimated online over fixed windows (or fixed by parameters).
///
/// Units (absolute prices, so the formulas stay dimensionally consistent):
/// - s: the last valid oracle (price); q: inventory in lots of `orderSize` (dimensionless);
/// - σ: price per √second, so σ²·(T−t) is a price²; γ: 1/price; κ: 1/price;
/// - r = s − q·γ·σ²·(T−t) (price); δ = γ·σ²·(T−t) + (2/γ)·ln(1 + γ/κ) (price).
///
/// See README.md for the exact rules, rounding and parameters.
public struct LiquidityProvision: Strategy {
    public static let maxLevels = 10
    static let maxWindow: Int64 = 2_000

    public static let descriptor = StrategyDescriptor(
        name: "liquidity-provision",
        summary: "Avellaneda–Stoikov quotes: reservation price skewed by inventory, optimal spread from γ, σ, κ (σ and κ estimated online)",
        parameters: [
            .fixed("gamma", decimals: 6, default: "0.1", min: "0.000001", max: "1000", unit: "1/price", live: true,
                   doc: "Risk aversion γ: how strongly inventory shifts the reservation price and widens the spread"),
            .fixed("kappa", decimals: 6, default: "0", min: "0", max: "1000000", unit: "1/price", live: true,
                   doc: "Order-flow depth κ of λ(δ) = A·e^(−κδ); 0 = estimate online from trades' distance to the oracle"),
            .fixed("kappaFallback", decimals: 6, default: "0", min: "0", max: "1000000", unit: "1/price", live: true,
                   doc: "κ used while the estimate has fewer than kappaMinSamples trades; 0 = do not quote until then"),
            .integer("kappaWindow", default: 200, min: 2, max: maxWindow, unit: "trades", live: false,
                     doc: "Number of most recent trades the κ estimate uses (κ̂ = n / Σ|trade − oracle|)"),
            .integer("kappaMinSamples", default: 50, min: 1, max: maxWindow, unit: "trades", live: true,
                     doc: "Trades needed before the κ estimate is used"),
            .fixed("sigma", decimals: 6, default: "0", min: "0", max: "1000000", unit: "price/√s", live: true,
                   doc: "Volatility σ; 0 = estimate online from valid oracle changes"),
            .integer("volatilityWindow", default: 100, min: 2, max: maxWindow, unit: "samples", live: false,
                     doc: "Number of most recent valid-oracle changes the σ estimate uses (σ² = ΣΔs² / ΣΔt)"),
            .integer("volatilityMinSamples", default: 20, min: 1, max: maxWindow, unit: "samples", live: true,
                     doc: "Oracle changes needed before the σ estimate is used (no quotes before)"),
            .fixed("horizon", decimals: 3, default: "60", min: "0", max: "86400", unit: "s", live: true,
                   doc: "T − t of the model, held constant (rolling horizon): how long inventory risk is carried"),
            .quantity("orderSize", default: "1", min: "0.000000001", live: true,
                      doc: "Size of each quote level; also the lot that measures inventory q"),
            .quantity("inventoryTarget", default: "0", min: "-1000000", live: true,
                      doc: "Position the quotes lean toward: q = (position − inventoryTarget) / orderSize"),
            .quantity("maxPosition", default: "0", live: true,
                      doc: "Largest |position| the quotes may reach; 0 = the risk gate's maxPosition (the smaller applies)"),
            .integer("levels", default: 1, min: 1, max: Int64(maxLevels), unit: "levels", live: true,
                     doc: "Quote levels per side"),
            .fixed("levelSpacing", decimals: 6, default: "0.5", min: "0", max: "1000000", unit: "fraction of spread | price",
                   live: true, doc: "Distance between levels: a fraction of the level-0 spread, or a price (levelSpacingUnit)"),
            .choice("levelSpacingUnit", ["spread", "price"], default: "spread", live: true,
                    doc: "How levelSpacing reads: spread = fraction of the level-0 total spread, price = absolute price"),
            .fraction("refreshTolerance", default: "0.0005", live: true,
                      doc: "No cancel/replace while the desired price is within this fraction of the oracle of the resting one"),
            .fraction("minSpread", default: "0.0002", min: "0.000001", live: true,
                      doc: "Smallest total spread as a fraction of the oracle: each side stays at least half of it from s"),
            .fraction("maxSpread", default: "0.05", min: "0.000001", live: true,
                      doc: "Largest total spread as a fraction of the oracle: each side stays at most half of it from s"),
            .flag("jit", default: true, live: true,
                  doc: "Answer JIT auctions at the level-0 quote (reservation ± half spread)"),
        ],
        check: { p in
            if p.raw("minSpread") > p.raw("maxSpread") {
                return "minSpread (\(formatFixed(p.raw("minSpread"), 6))) must not exceed maxSpread (\(formatFixed(p.raw("maxSpread"), 6)))"
            }
            if p.raw("kappaMinSamples") > p.raw("kappaWindow") {
                return "kappaMinSamples (\(p.raw("kappaMinSamples"))) must not exceed kappaWindow (\(p.raw("kappaWindow")))"
            }
            if p.raw("volatilityMinSamples") > p.raw("volatilityWindow") {
                return "volatilityMinSamples (\(p.raw("volatilityMinSamples"))) must not exceed volatilityWindow (\(p.raw("volatilityWindow")))"
            }
            if p.raw("levels") > 1 && p.raw("levelSpacing") == 0 {
                return "levelSpacing must be > 0 when levels (\(p.raw("levels"))) > 1"
            }
            if p.choice("levelSpacingUnit") == "spread" && p.raw("levelSpacing") > 10_000_000 {
                return "levelSpacing (\(formatFixed(p.raw("levelSpacing"), 6))) must be within 0...10 when levelSpacingUnit is spread"
            }
            return nil
        })

    // MARK: Configuration (decoded once per parameter set)

    struct Config {
        var gamma: Double
        /// Fixed κ (1/price) or 0.
        var kappa: Double
        var kappaFallback: Double
        var kappaMinSamples: Int
        /// Fixed σ (price/√s) or 0.
        var sigma: Double
        var volatilityMinSamples: Int
        /// T − t in seconds.
        var horizon: Double
        var orderSize: Quantity
        var inventoryTarget: Quantity
        var maxPosition: Quantity
        var levels: Int
        var levelSpacing: Double
        var spacingIsPrice: Bool
        var refreshTolerance: Ppm
        var minSpread: Ppm
        var maxSpread: Ppm
        var jit: Bool

        init(_ p: ParameterSet) {
            gamma = Double(p.raw("gamma")) / 1e6
            kappa = Double(p.raw("kappa")) / 1e6
            kappaFallback = Double(p.raw("kappaFallback")) / 1e6
            kappaMinSamples = Int(p.integer("kappaMinSamples"))
            sigma = Double(p.raw("sigma")) / 1e6
            volatilityMinSamples = Int(p.integer("volatilityMinSamples"))
            horizon = Double(p.raw("horizon")) / 1e3
            orderSize = p.quantity("orderSize")
            inventoryTarget = p.quantity("inventoryTarget")
            maxPosition = p.quantity("maxPosition")
            levels = Int(p.integer("levels"))
            levelSpacing = Double(p.raw("levelSpacing")) / 1e6
            spacingIsPrice = p.choice("levelSpacingUnit") == "price"
            refreshTolerance = p.ppm("refreshTolerance")
            minSpread = p.ppm("minSpread")
            maxSpread = p.ppm("maxSpread")
            jit = p.flag("jit")
        }
    }

    var config: Config
    let market: MarketInfo

    // MARK: Estimators

    /// Realised variance of the valid oracle over the last `volatilityWindow` changes, in exact
    /// integers: Δs in raw price units (1e-6), Δt in ms.
    var volDs: ContiguousArray<Int64>
    var volDt: ContiguousArray<Int64>
    var volHead = 0
    var volCount = 0
    var volSumSq: Int128 = 0
    var volSumDt: Int128 = 0
    var lastOraclePrice: Price = .zero
    var lastOracleTime: Timestamp = .zero

    /// |trade − oracle| of the last `kappaWindow` trades, raw price units.
    var kapDist: ContiguousArray<Int64>
    var kapHead = 0
    var kapCount = 0
    var kapSum: Int128 = 0

    // MARK: Quote slots: slot = level·2 + (buy 0 | sell 1)

    /// Key of the order resting in each slot (0: none).
    var slotKey: ContiguousArray<UInt32>
    var slotPrice: ContiguousArray<Price>
    var slotRemaining: ContiguousArray<Quantity>
    /// Desired price and size per slot for the current computation (size zero: no order).
    var wantPrice: ContiguousArray<Price>
    var wantSize: ContiguousArray<Quantity>
    var generation: UInt16 = 0

    public init(parameters: ParameterSet, market: MarketInfo) {
        config = Config(parameters)
        self.market = market
        let vw = Int(parameters.integer("volatilityWindow")), kw = Int(parameters.integer("kappaWindow"))
        volDs = ContiguousArray(repeating: 0, count: vw)
        volDt = ContiguousArray(repeating: 0, count: vw)
        kapDist = ContiguousArray(repeating: 0, count: kw)
        let slots = 2 * Self.maxLevels
        slotKey = ContiguousArray(repeating: 0, count: slots)
        slotPrice = ContiguousArray(repeating: .zero, count: slots)
        slotRemaining = ContiguousArray(repeating: .zero, count: slots)
        wantPrice = ContiguousArray(repeating: .zero, count: slots)
        wantSize = ContiguousArray(repeating: .zero, count: slots)
    }

    // MARK: Strategy callbacks

    public mutating func start(_ context: StrategyContext, _ out: inout Intents) {
        // A (re)start begins with no orders of ours (the runtime cancelled them on stop).
        for i in 0..<slotKey.count { slotKey[i] = 0 }
        if context.lastValidOracle.raw > 0 && lastOraclePrice.raw == 0 {
            lastOraclePrice = context.lastValidOracle
            lastOracleTime = context.time
        }
        requote(context, force: true, &out)
    }

    public mutating func onMarketData(_ data: MarketData, _ context: StrategyContext, _ out: inout Intents) {
        switch data {
        case .oracle(let price, _, let status, let time):
            guard status == .valid || status == .markDivergent, price.raw > 0 else {
                // An invalid oracle values nothing: pull the quotes until a valid one arrives.
                pullAll(context, &out)
                return
            }
            recordOracle(price, time)
            requote(context, force: false, &out)
        case .trade(let price, _, _, _):
            // A trade is a κ sample only against a currently valid oracle (its distance to s).
            let s = context.lastValidOracle
            let valid = context.oracleStatus == .valid || context.oracleStatus == .markDivergent
            if valid && s.raw > 0 && price.raw > 0 { recordTrade(distance: (price.raw - s.raw).magnitude) }
            requote(context, force: false, &out)
        case .top:
            requote(context, force: false, &out)
        case .funding, .reference:
            break
        }
    }

    public mutating func onFill(_ fill: OwnFill, _ context: StrategyContext, _ out: inout Intents) {
        // Inventory changed: every level moves (reservation price), so refresh regardless of tolerance.
        requote(context, force: true, &out)
    }

    public mutating func onOrderDone(_ done: OrderDone, _ context: StrategyContext, _ out: inout Intents) {
        // Forget the order; a refused or cancelled slot is quoted again at the next event (not now,
        // so a venue that keeps refusing cannot make us loop).
        for i in 0..<slotKey.count where slotKey[i] == done.key { slotKey[i] = 0 }
    }

    public mutating func update(_ parameters: ParameterSet, _ context: StrategyContext, _ out: inout Intents) {
        config = Config(parameters)  // window sizes are not live: the buffers keep their capacity
        requote(context, force: true, &out)
    }

    public mutating func quote(for offer: AuctionOffer, _ context: StrategyContext) -> JITAnswer? {
        guard config.jit, let m = model(context) else { return nil }
        // A taker buy: we sell at no less than the level-0 ask (r + δ/2 after the spread clamp),
        // rounded up to the tick; a taker sell: we buy at no more than the level-0 bid, rounded down.
        let mySide = offer.takerSide.opposite
        let px: Price?
        switch mySide {
        case .sell: px = Price(approximating: m.ask0, .up).map { market.rounded($0, for: .sell) }  // never sell below the model
        case .buy: px = Price(approximating: m.bid0, .down).map { market.rounded($0, for: .buy) }  // never pay above the model
        }
        guard let worst = px, worst.raw > 0 else { return nil }
        var size = Swift.min(config.orderSize, offer.size, room(mySide, context))
        size = market.rounded(size)  // down to the step: never more than the room
        guard size.raw > 0, size >= market.minSize else { return nil }
        return JITAnswer(worstPrice: worst, maxSize: size, latency: 0)
    }

    // MARK: Estimators

    mutating func recordOracle(_ price: Price, _ time: Timestamp) {
        defer { lastOraclePrice = price; lastOracleTime = time }
        guard lastOraclePrice.raw > 0 else { return }
        let ds = price.raw - lastOraclePrice.raw
        // Out-of-order times count as no time (never negative); Int128 so no input can overflow.
        let dt = Int64(clamping: Swift.max(0, Int128(time.milliseconds) - Int128(lastOracleTime.milliseconds)))
        let cap = volDs.count
        if volCount == cap {
            let old = volDs[volHead]
            volSumSq -= Int128(old) * Int128(old)
            volSumDt -= Int128(volDt[volHead])
        } else {
            volCount += 1
        }
        volDs[volHead] = ds
        volDt[volHead] = dt
        volSumSq += Int128(ds) * Int128(ds)
        volSumDt += Int128(dt)
        volHead = volHead + 1 == cap ? 0 : volHead + 1
    }

    mutating func recordTrade(distance: UInt64) {
        let d = Int64(clamping: distance)
        let cap = kapDist.count
        if kapCount == cap { kapSum -= Int128(kapDist[kapHead]) } else { kapCount += 1 }
        kapDist[kapHead] = d
        kapSum += Int128(d)
        kapHead = kapHead + 1 == cap ? 0 : kapHead + 1
    }

    /// σ² in price² per second: ΣΔs² / ΣΔt over the window (raw Δs² is 1e-12 price², Δt is ms);
    /// nil before `volatilityMinSamples` changes or when no time has passed.
    var varianceEstimate: Double? {
        guard volCount >= config.volatilityMinSamples, volSumDt > 0 else { return nil }
        return Double(volSumSq) / 1e12 / (Double(volSumDt) / 1e3)
    }

    /// κ̂ = n / Σ|trade − oracle| (the maximum-likelihood rate of an exponential), in 1/price;
    /// nil before `kappaMinSamples` trades or when every trade printed at the oracle.
    var kappaEstimate: Double? {
        guard kapCount >= config.kappaMinSamples, kapSum > 0 else { return nil }
        return Double(kapCount) / (Double(kapSum) / 1e6)
    }

    // MARK: The model

    struct Model {
        var s: Double
        var reservation: Double
        /// Total optimal spread δ before the clamp.
        var spread: Double
        /// Level-0 bid and ask after the min/max spread clamp (not yet rounded).
        var bid0: Double
        var ask0: Double
    }

    /// The A–S quote at the current state, or nil when it cannot be trusted (no valid oracle,
    /// the latest oracle invalid, σ or κ not available yet, a non-finite result).
    func model(_ context: StrategyContext) -> Model? {
        let sRaw = context.lastValidOracle
        guard sRaw.raw > 0, context.oracleStatus == .valid || context.oracleStatus == .markDivergent else { return nil }
        let c = config
        let variance: Double
        if c.sigma > 0 { variance = c.sigma * c.sigma } else if let v = varianceEstimate { variance = v } else { return nil }
        let kappa: Double
        if c.kappa > 0 {
            kappa = c.kappa
        } else if let k = kappaEstimate {
            kappa = k
        } else if c.kappaFallback > 0 {
            kappa = c.kappaFallback
        } else {
            return nil
        }
        guard c.orderSize.raw > 0, c.gamma > 0, kappa > 0 else { return nil }
        let s = sRaw.doubleValue
        let q = (Double(context.position.raw) - Double(c.inventoryTarget.raw)) / Double(c.orderSize.raw)
        let risk = c.gamma * variance * c.horizon  // γσ²(T−t), a price
        let r = s - q * risk
        let delta = risk + (2 / c.gamma) * StrategyMath.ln(1 + c.gamma / kappa)
        // Each side's distance from s is clamped to [minSpread·s/2, maxSpread·s/2].
        let minHalf = Double(c.minSpread.raw) / 1e6 * s / 2
        let maxHalf = Double(c.maxSpread.raw) / 1e6 * s / 2
        let bidDist = Swift.min(Swift.max(s - (r - delta / 2), minHalf), maxHalf)
        let askDist = Swift.min(Swift.max((r + delta / 2) - s, minHalf), maxHalf)
        let m = Model(s: s, reservation: r, spread: delta, bid0: s - bidDist, ask0: s + askDist)
        guard r.isFinite, delta.isFinite, m.bid0.isFinite, m.ask0.isFinite else { return nil }
        return m
    }

    /// How much more `side` may trade before |position| passes the max position. Open orders on
    /// that side that no slot holds any more (a cancel still in flight, whose fills may not have
    /// reached the context yet) count against it, as the risk gate counts them; the slots' own
    /// orders do not, as the ladder re-sizes them.
    func room(_ side: Side, _ context: StrategyContext) -> Quantity {
        var cap = context.limits.maxPosition
        if config.maxPosition.raw > 0 && config.maxPosition < cap { cap = config.maxPosition }
        var orphans: Int128 = 0
        for o in context.openOrders where o.side == side && !slotKey.contains(o.key) { orphans += Int128(o.remaining.raw) }
        let pos = Int128(context.position.raw), c = Int128(cap.raw)
        let r = (side == .buy ? c - pos : c + pos) - orphans
        return Quantity(raw: Int64(clamping: Swift.max(0, r)))
    }

    // MARK: Quoting

    /// Computes the desired ladder into `wantPrice`/`wantSize`. Returns false when nothing may be quoted.
    mutating func computeLadder(_ context: StrategyContext) -> Bool {
        for i in 0..<wantSize.count { wantSize[i] = .zero }
        guard let m = model(context) else { return false }
        let c = config
        let step = c.spacingIsPrice ? c.levelSpacing : c.levelSpacing * (m.ask0 - m.bid0)
        var roomBuy = room(.buy, context), roomSell = room(.sell, context)
        var budgetOrders = context.limits.maxOpenOrders
        // Notional budget: |position|·s plus the orders' notional stays within maxNotional
        // (Int128 and rounded up, so the budget is never overstated and no input can overflow).
        var notional = Int128(context.limits.maxNotional.raw) - Self.notional(context.lastValidOracle, context.position)
        for level in 0..<Swift.min(c.levels, Self.maxLevels) {
            for sideIndex in 0..<2 {
                let slot = level * 2 + sideIndex
                let side: Side = sideIndex == 0 ? .buy : .sell
                guard budgetOrders > 0 else { continue }
                let rawPx = side == .buy ? m.bid0 - Double(level) * step : m.ask0 + Double(level) * step
                // A bid rounds down and an ask up (never pay more / sell for less than the model), then onto the tick.
                guard let p0 = Price(approximating: rawPx, side == .buy ? .down : .up) else { continue }
                let px = market.rounded(p0, for: side)
                guard px.raw > 0 else { continue }
                let roomSide = side == .buy ? roomBuy : roomSell
                let size = market.rounded(Swift.min(c.orderSize, roomSide))  // down to the step
                guard size.raw > 0, size >= market.minSize else { continue }
                let n = Self.notional(px, size)
                guard n <= notional else { continue }
                notional -= n
                budgetOrders -= 1
                if side == .buy { roomBuy -= size } else { roomSell -= size }
                wantPrice[slot] = px
                wantSize[slot] = size
            }
        }
        return true
    }

    /// |price × size| in raw quote units (1e-6 USDC), rounded up.
    static func notional(_ price: Price, _ size: Quantity) -> Int128 {
        mulDiv128(Int128(price.raw) * Int128(size.raw.magnitude), Int128(Quantity.scale), .up)
    }

    /// Brings the resting orders to the desired ladder. Without `force`, a resting order stays while
    /// its price is within `refreshTolerance × s` of the desired one and its size is not too big.
    mutating func requote(_ context: StrategyContext, force: Bool, _ out: inout Intents) {
        reconcile(context)
        guard computeLadder(context) else { pullAll(context, &out); return }
        // Tolerance in raw price units × 1e6, compared exactly: |Δp|·1e6 > tol·s.
        let tolScaled = Int128(config.refreshTolerance.raw) * Int128(context.lastValidOracle.raw)
        // Cancels first (frees order slots), then replaces, then new orders.
        for slot in 0..<slotKey.count where slotKey[slot] != 0 && wantSize[slot].raw == 0 {
            out.cancel(slotKey[slot])
            slotKey[slot] = 0
        }
        // Replaces that shrink an order go before those that grow one, so that at no point do the
        // open orders on a side (as the risk gate counts them) exceed the room the ladder was cut to.
        for shrinking in [true, false] {
            for slot in 0..<slotKey.count where slotKey[slot] != 0 && (wantSize[slot] < slotRemaining[slot]) == shrinking {
                let p = wantPrice[slot], z = wantSize[slot]
                let moved = Int128((p.raw - slotPrice[slot].raw).magnitude) * 1_000_000
                let stale = force ? (p != slotPrice[slot] || z != slotRemaining[slot])
                                  : (moved > tolScaled || z < slotRemaining[slot])
                guard stale else { continue }
                let old = slotKey[slot]
                let order = makeOrder(slot, p, z)
                out.replace(old, with: order)
            }
        }
        for slot in 0..<slotKey.count where slotKey[slot] == 0 && wantSize[slot].raw > 0 {
            out.place(makeOrder(slot, wantPrice[slot], wantSize[slot]))
        }
    }

    /// A post-only GTC limit for `slot` under a fresh key, recorded as the slot's resting order.
    mutating func makeOrder(_ slot: Int, _ price: Price, _ size: Quantity) -> StrategyOrder {
        generation = generation == UInt16.max ? 1 : generation + 1
        let key = UInt32(slot + 1) << 16 | UInt32(generation)
        slotKey[slot] = key
        slotPrice[slot] = price
        slotRemaining[slot] = size
        return StrategyOrder(key: key, side: slot % 2 == 0 ? .buy : .sell, price: price, size: size, postOnly: true)
    }

    /// Drops slots whose order is no longer open and refreshes the resting price and remaining size.
    mutating func reconcile(_ context: StrategyContext) {
        for slot in 0..<slotKey.count where slotKey[slot] != 0 {
            if let o = context.openOrder(slotKey[slot]) {
                slotPrice[slot] = o.price
                slotRemaining[slot] = o.remaining
            } else {
                slotKey[slot] = 0
            }
        }
    }

    mutating func pullAll(_ context: StrategyContext, _ out: inout Intents) {
        reconcile(context)
        for slot in 0..<slotKey.count where slotKey[slot] != 0 {
            out.cancel(slotKey[slot])
            slotKey[slot] = 0
        }
    }
}
