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
        markets.withUnsafeBufferPointer { $0[m].marginInputs(account) }
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
    func passesInitialMargin(market m: Int, _ r: OrderRequest) -> Bool {
        let s = inputs(m, r.account)
        let openBuy = s.openBuy
        let openSell = s.openSell
        let before = Swift.max(abs(s.base + openBuy), abs(s.base - openSell))
        let after = r.side == .buy ? Swift.max(abs(s.base + openBuy + r.size.raw), abs(s.base - openSell))
                                   : Swift.max(abs(s.base + openBuy), abs(s.base - openSell - r.size.raw))
        if after <= before { return true }
        let summary = margin(r.account, initialOnly: true)
        let oracle = s.price
        guard oracle > 0 else { return false }
        let one = Int64(1_000_000)
        let worstPrice: Int64
        if r.type == .limit {
            worstPrice = r.price.raw
        } else {
            let off = endOffset[m]
            worstPrice = r.side == .buy ? mulDiv(oracle, one + off, one, .up) : mulDiv(oracle, one - off, one, .down)
        }
        // Filling away from the oracle loses the difference at once; the taker fee is paid too.
        let adverse = r.side == .buy ? worstPrice - oracle : oracle - worstPrice
        let slippage = Swift.max(adverse, 0) == 0 ? 0 : mulDiv(r.size.raw, adverse, 1_000_000_000, .up)
        let maxTaker = maxTakerFee[m]
        let fee = mulDiv(mulDiv(r.size.raw, Swift.max(worstPrice, oracle), 1_000_000_000, .up), maxTaker, one, .up)
        // Requirement with this market's worst case replaced by `after`.
        let risk = risks[m]
        let beforeReq = mulDiv(mulDiv(before, oracle, 1_000_000_000, .up), risk.ratio(risk.initialMargin, base: before), one, .up)
        let afterReq = mulDiv(mulDiv(after, oracle, 1_000_000_000, .up), risk.ratio(risk.initialMargin, base: after), one, .up)
        let requirement = summary.initialRequirement - beforeReq + afterReq
        return summary.initialEquity - slippage - fee >= requirement
    }
}
