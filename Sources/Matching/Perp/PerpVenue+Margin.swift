import MarketCore

/// An account's margin, across every market and collateral asset.
public struct MarginSummary: Sendable, Hashable {
    /// USDC + other collateral at its initial weight + unrealised PnL (funding included).
    public var initialEquity: Amount
    /// The same with maintenance weights.
    public var maintenanceEquity: Amount
    /// Σ |worst-case position incl. open orders| × oracle × initial ratio.
    public var initialRequirement: Amount
    /// Σ |position| × oracle × maintenance ratio.
    public var maintenanceRequirement: Amount
    /// Σ |position| × oracle.
    public var notional: Amount
    /// What may still be withdrawn or used to open positions.
    public var freeCollateral: Amount { initialEquity - initialRequirement }
    /// Whether the account is below maintenance (liquidatable).
    public var belowMaintenance: Bool { maintenanceEquity < maintenanceRequirement }
}

extension PerpVenue {
    /// Value of `amount` of collateral `asset` at its oracle and `weight`, rounded down (against the account).
    func collateralValue(asset: Int, amount: Int64, weight: Int64) -> Int64 {
        let price = assetPrices[asset - 1]
        guard amount > 0, price > 0 else { return 0 }
        let v = mulDiv(amount, price, 1_000_000_000, .down)
        return mulDiv(v, weight, 1_000_000, .down)
    }

    /// The price positions in `market` are valued at: the last valid oracle (0 before the first).
    /// An invalid oracle never becomes this price (docs/matching.md, "Oracle action matrix").
    func markFor(_ m: Int) -> Int64 { markets[m].oracle.lastValidPrice }

    /// One market's margin inputs, read in place (`markets[m].method()` copied the whole engine).
    func inputs(_ m: Int, _ account: AccountId) -> MarginInputs {
        markets.withUnsafeBufferPointer { MatchingEngine.marginInputs($0.baseAddress! + m, account, now: now) }
    }

    /// Margin of `account`. Every rounding goes against the account.
    /// - Complexity: O(markets + assets).
    public func margin(_ account: AccountId) -> MarginSummary { margin(account, initialOnly: false) }

    /// The margin computation; `initialOnly` skips the maintenance side (the order-entry check).
    func margin(_ account: AccountId, initialOnly: Bool) -> MarginSummary {
        let i = Int(account.raw)
        var initial: Int64 = i < usdc.count ? usdc[i] : 0
        var maintenance = initial
        for k in assets.indices where i < usdc.count {
            let amount = assetBalances[i * assets.count + k]
            guard amount != 0 else { continue }
            initial += collateralValue(asset: k + 1, amount: amount, weight: assets[k].initialWeight.raw)
            if !initialOnly { maintenance += collateralValue(asset: k + 1, amount: amount, weight: assets[k].maintenanceWeight.raw) }
        }
        var ir: Int64 = 0
        var mr: Int64 = 0
        var notional: Int64 = 0
        for m in markets.indices {
            let s = inputs(m, account)
            let openBuy = s.openBuy
            let openSell = s.openSell
            if s.base == 0 && s.quote == 0 && openBuy == 0 && openSell == 0 { continue }
            let price = s.price
            let pnl = s.quote - s.pendingFunding + mulDiv(s.base, price, 1_000_000_000, .down)
            initial += pnl
            maintenance += pnl
            let risk = risks[m]
            let worst = Swift.max(abs(s.base + openBuy), abs(s.base - openSell))
            let wn = mulDiv(worst, price, 1_000_000_000, .up)
            ir += mulDiv(wn, risk.ratio(risk.initialMargin, base: worst), 1_000_000, .up)
            if !initialOnly {
                let n = mulDiv(abs(s.base), price, 1_000_000_000, .up)
                notional += n
                mr += mulDiv(n, risk.ratio(risk.maintenanceMargin, base: s.base), 1_000_000, .up)
            }
        }
        return MarginSummary(initialEquity: Amount(raw: initial), maintenanceEquity: Amount(raw: maintenance),
                             initialRequirement: Amount(raw: ir), maintenanceRequirement: Amount(raw: mr), notional: Amount(raw: notional))
    }

    /// Whether `request` keeps the account within initial margin if it fills in full at its
    /// worst price (``MatchingEngine/worstPrice(side:type:price:oracle:endOffset:)``, the rule the
    /// engine fills by). See ``MarginSnapshot/check(side:type:price:size:replacing:)``.
    /// - Parameter replacing: the remaining size of the order this one replaces (an amend), on its side.
    /// - Returns: nil if it passes, else the reason.
    /// - Complexity: O(markets + assets).
    /// Mutating only so calls from mutating commands read the venue in place (no copy of `self`).
    mutating func initialMarginCheck(market m: Int, _ r: OrderRequest, replacing: (side: Side, size: Int64)? = nil) -> RejectReason? {
        // Out-of-range values are the engine's to refuse, with the precise reason.
        guard r.size.raw > 0 && r.size.raw <= Bounds.maxQuantity.raw && r.price.raw >= 0 && r.price.raw <= Bounds.maxPrice.raw else {
            return nil
        }
        return marginSnapshot(market: m, account: r.account)
            .check(side: r.side, type: r.type, price: r.price.raw, size: r.size.raw, replacing: replacing)
    }

    /// Everything the initial-margin check needs about `account`, read once: market `m`'s inputs,
    /// and the rest of the account (collateral, other markets) folded into two numbers.
    /// - Complexity: O(markets + assets).
    mutating func marginSnapshot(market m: Int, account: AccountId) -> MarginSnapshot {
        var s = MarginSnapshot()
        marginSnapshot(market: m, account: account, into: &s)
        return s
    }

    /// ``marginSnapshot(market:account:)`` written in place (the provider guards' buffer: no
    /// copies of the snapshot per provider and order).
    mutating func marginSnapshot(market m: Int, account: AccountId, into s: inout MarginSnapshot) {
        // quote raw → 1e21 units (base 1e9 × ratio 1e6): |quote| < 2^63 and 1e15 < 2^50, so the
        // wrapping product cannot overflow.
        let quoteScale: Int128 = 1_000_000_000 * 1_000_000
        // Equity (initial weights), in 1e21 units: collateral + Σ other markets (cash − unsettled funding + base × price).
        let i = Int(account.raw)
        var equity = Int128(i < usdc.count ? usdc[i] : 0) &* quoteScale
        for k in assets.indices where i < usdc.count {
            let amount = assetBalances[i * assets.count + k]
            if amount != 0 { equity += wideProduct(amount, assetPrices[k], assets[k].initialWeight.raw) }
        }
        var requirement: Int128 = 0
        for mk in markets.indices where mk != m {
            let x = inputs(mk, account)
            if x.base == 0 && x.quote == 0 && x.openBuy == 0 && x.openSell == 0 { continue }
            equity += Int128(x.quote - x.pendingFunding) &* quoteScale + wideProduct(x.base, x.price, 1_000_000)
            let worst = Swift.max(abs(x.base + x.openBuy), abs(x.base - x.openSell))
            requirement += wideProduct(worst, x.price, risks[mk].ratio(risks[mk].initialMargin, base: worst))
        }
        s.inputs = inputs(m, account)
        s.otherEquity = equity
        s.otherRequirement = requirement
        s.initialMargin = risks[m].initialMargin
        s.sizePremium = risks[m].sizePremium
        s.maxFee = maxTakerFee[m]
        s.endOffset = endOffset[m]
    }

    /// Whether the account holds a position or open orders in a market whose margin price is not
    /// fresh (then withdrawals wait: ``OracleAction/withdrawal``).
    func hasStaleExposure(_ account: AccountId) -> Bool {
        for m in markets.indices {
            let x = inputs(m, account)
            if (x.base != 0 || x.openBuy != 0 || x.openSell != 0) && !(x.fresh && markets[m].oracleStatus.allows(.withdrawal)) {
                return true
            }
        }
        return false
    }
}

/// One account's initial-margin position, read once (``PerpVenue/marginSnapshot(market:account:)``);
/// ``check(side:type:price:size:replacing:)`` is the one initial-margin rule, used for orders,
/// amends and JIT quotes.
struct MarginSnapshot {
    var inputs = MarginInputs(base: 0, quote: 0, openBuy: 0, openSell: 0, pendingFunding: 0, price: 0, fresh: false)
    /// Collateral + every other market's equity, in quote × 1e21 units.
    var otherEquity: Int128 = 0
    /// Every other market's initial requirement, in the same units.
    var otherRequirement: Int128 = 0
    /// The market's initial margin ratio and size premium (``RiskConfig/ratio(_:base:)``, the one rule).
    var initialMargin: Ppm = .zero
    var sizePremium: Ppm = .zero
    var maxFee: Int64 = 0
    var endOffset: Int64 = 0

    /// Whether an order of `size` on `side` keeps the account within initial margin if it fills
    /// in full at its worst price. An order that does not grow the worst-case position
    /// (`max(|base + bids|, |base − asks|)`) always passes. Growing it needs a fresh margin price
    /// (`no_oracle` before the first usable oracle, `oracle_invalid` once it is too old), and
    /// equity − (worst price vs oracle) × size − size × max(worst, oracle) × the largest fee ≥ the
    /// requirement. Exact, with no division: both sides in quote × 1e21 (base 1e9 × price 1e6 ×
    /// ratio 1e6) in `Int128`, so there is no rounding to choose and nothing to favour.
    func check(side: Side, type: OrderType, price: Int64, size: Int64, replacing: (side: Side, size: Int64)? = nil) -> RejectReason? {
        let s = inputs
        var openBuy = s.openBuy
        var openSell = s.openSell
        let before = Swift.max(abs(s.base + openBuy), abs(s.base - openSell))
        if let old = replacing {
            if old.side == .buy { openBuy -= old.size } else { openSell -= old.size }
        }
        let after = side == .buy ? Swift.max(abs(s.base + openBuy + size), abs(s.base - openSell))
                                 : Swift.max(abs(s.base + openBuy), abs(s.base - openSell - size))
        if after <= before { return nil }
        let oracle = s.price
        guard oracle > 0 else { return .noOracle }
        guard s.fresh else { return .oracleInvalid }
        guard let worstPrice = MatchingEngine.worstPrice(side: side, type: type, price: price, oracle: oracle, endOffset: endOffset) else {
            return .noOracle
        }
        let quoteScale: Int128 = 1_000_000_000 * 1_000_000  // |quote| < 2^63, 1e15 < 2^50: the wrapping product cannot overflow
        let ratio = RiskConfig.ratio(initialMargin, sizePremium: sizePremium, base: after)
        let equity = otherEquity + Int128(s.quote - s.pendingFunding) &* quoteScale + wideProduct(s.base, oracle, 1_000_000)
        let requirement = otherRequirement + wideProduct(after, oracle, ratio)
        // Filling away from the oracle loses the difference at once; the largest fee is paid too.
        let adverse = Swift.max(side == .buy ? worstPrice - oracle : oracle - worstPrice, 0)
        let cost = wideProduct(size, adverse, 1_000_000) + wideProduct(size, Swift.max(worstPrice, oracle), maxFee)
        return equity - cost >= requirement ? nil : .insufficientMargin
    }

    /// The largest multiple of `step` up to `size` that passes ``check(side:type:price:size:replacing:)``
    /// as a limit at `price` (a JIT quote's worst price): the full size when it passes, else a binary
    /// search (the check is monotone in size: more size only adds requirement and cost).
    func affordable(side: Side, price: Int64, size: Int64, step: Int64) -> Int64 {
        let full = size - size % step
        guard full > 0 else { return 0 }
        if check(side: side, type: .limit, price: price, size: full) == nil { return full }
        var lo: Int64 = 0, hi = full / step  // in steps: lo passes (0 always does), hi fails
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if check(side: side, type: .limit, price: price, size: mid * step) == nil { lo = mid } else { hi = mid }
        }
        return lo * step
    }
}

/// One account's position in one market, as a host or a report reads it.
public struct PositionSummary: Sendable, Hashable {
    /// Signed base position.
    public var base: Quantity
    /// Average entry price of the open position, rounded against the holder (a long's up, a
    /// short's down); zero when flat.
    public var entryPrice: Price
    /// `entry cash + base × last valid oracle`, rounded down (against the holder); zero before the first valid oracle.
    public var unrealizedPnl: Amount
    /// Trading cash realised by closing, before fees and funding.
    public var realizedPnl: Amount
    /// Fees paid (negative: net rebates received).
    public var fees: Amount
    /// Funding paid (negative: received), settled so far.
    public var funding: Amount
    /// Funding accrued since the last settlement (paid if positive).
    public var pendingFunding: Amount
    /// Notional traded (maker and taker).
    public var volume: Amount
}

extension PerpVenue {
    /// `account`'s position in `market`.
    public func position(_ account: AccountId, market: Int) -> PositionSummary {
        let s = markets[market].account(account)
        let b = s.base
        var entry: Int64 = 0
        if b != 0 {
            // quoteEntry is the cash paid for a long (negative) or received for a short (positive).
            entry = mulDiv(s.quoteEntry.magnitude > UInt64(Int64.max) ? Int64.max : abs(s.quoteEntry), Quantity.scale, abs(b),
                           b > 0 ? .up : .down)
        }
        let mark = markFor(market)
        let unrealized = mark > 0 ? s.unrealizedPnl(at: mark) : 0
        return PositionSummary(base: Quantity(raw: b), entryPrice: Price(raw: entry), unrealizedPnl: Amount(raw: unrealized),
                               realizedPnl: Amount(raw: s.realizedPnl), fees: Amount(raw: s.fees), funding: Amount(raw: s.funding),
                               pendingFunding: Amount(raw: markets[market].pendingFunding(account)), volume: Amount(raw: s.volume))
    }
}
