import MarketCore

/// An account's margin, across every market and collateral asset (quote raw).
public struct MarginSummary: Sendable, Hashable {
    /// USDC + other collateral at its initial weight + unrealised PnL (funding included).
    public var initialEquity: Int64
    /// The same with maintenance weights.
    public var maintenanceEquity: Int64
    /// Σ |worst-case position incl. open orders| × oracle × initial ratio.
    public var initialRequirement: Int64
    /// Σ |position| × oracle × maintenance ratio.
    public var maintenanceRequirement: Int64
    /// Σ |position| × oracle.
    public var notional: Int64
    /// What may still be withdrawn or used to open positions.
    public var freeCollateral: Int64 { initialEquity - initialRequirement }
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

    /// The price positions in `market` are marked at: the oracle, or the mark before any oracle.
    func markFor(_ m: Int) -> Int64 {
        let o = markets[m].oracle
        return o.hasValue && o.price > 0 ? o.price : markets[m].markPrice
    }

    /// One market's margin inputs, read in place (`markets[m].method()` copied the whole engine).
    func inputs(_ m: Int, _ account: AccountId) -> MarginInputs {
        markets.withUnsafeBufferPointer { MatchingEngine.marginInputs($0.baseAddress! + m, account) }
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
        return MarginSummary(initialEquity: initial, maintenanceEquity: maintenance, initialRequirement: ir,
                             maintenanceRequirement: mr, notional: notional)
    }

    /// Whether `request` keeps the account within initial margin if it fills in full at its
    /// worst price. An order that does not grow the worst-case position always passes.
    ///
    /// Computed exactly, with no division: both sides are scaled to quote × 1e21 (base 1e9 ×
    /// price 1e6 × ratio 1e6) in `Int128`, so there is no rounding to choose and nothing to favour.
    /// - Complexity: O(markets + assets).
    func passesInitialMargin(market m: Int, _ r: OrderRequest) -> Bool {
        let s = inputs(m, r.account)
        let before = Swift.max(abs(s.base + s.openBuy), abs(s.base - s.openSell))
        let after = r.side == .buy ? Swift.max(abs(s.base + s.openBuy + r.size.raw), abs(s.base - s.openSell))
                                   : Swift.max(abs(s.base + s.openBuy), abs(s.base - s.openSell - r.size.raw))
        if after <= before { return true }
        let oracle = s.price
        guard oracle > 0 else { return false }
        let one: Int128 = 1_000_000
        let quoteScale: Int128 = 1_000_000_000 * 1_000_000  // quote raw → 1e21 units (base 1e9 × ratio 1e6)
        // Equity (initial weights), in 1e21 units: collateral + Σ (cash − unsettled funding + base × price).
        let i = Int(r.account.raw)
        var equity = Int128(i < usdc.count ? usdc[i] : 0) * quoteScale
        for k in assets.indices where i < usdc.count {
            let amount = assetBalances[i * assets.count + k]
            if amount != 0 { equity += Int128(amount) * Int128(assetPrices[k]) * Int128(assets[k].initialWeight.raw) }
        }
        var requirement: Int128 = 0
        for mk in markets.indices {
            let x = mk == m ? s : inputs(mk, r.account)
            if x.base == 0 && x.quote == 0 && x.openBuy == 0 && x.openSell == 0 && mk != m { continue }
            equity += Int128(x.quote - x.pendingFunding) * quoteScale + Int128(x.base) * Int128(x.price) * one
            let worst = mk == m ? after : Swift.max(abs(x.base + x.openBuy), abs(x.base - x.openSell))
            requirement += Int128(worst) * Int128(x.price) * Int128(risks[mk].ratio(risks[mk].initialMargin, base: worst))
        }
        // Filling away from the oracle loses the difference at once; the largest fee is paid too.
        let worstPrice: Int64
        if r.type == .limit {
            worstPrice = r.price.raw
        } else {
            let off = Int128(endOffset[m])
            worstPrice = Int64(r.side == .buy ? mulDiv128(Int128(oracle) * (one + off), one, .up)
                                              : mulDiv128(Int128(oracle) * (one - off), one, .down))
        }
        let adverse = Int128(Swift.max(r.side == .buy ? worstPrice - oracle : oracle - worstPrice, 0))
        let size = Int128(r.size.raw)
        let cost = size * adverse * one + size * Int128(Swift.max(worstPrice, oracle)) * Int128(maxTakerFee[m])
        return equity - cost >= requirement
    }
}
