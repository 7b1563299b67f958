import MarketCore

extension PerpVenue {
    /// Liquidates `account` (which must be below maintenance): cancels its orders, then moves its
    /// largest position to the keeper's account at the oracle in steps of at most
    /// `liquidationStep`, each sized to restore maintenance plus the buffer, until it does; the
    /// account pays the liquidator and insurance fees. An account left with no position and
    /// negative equity is bankrupt: the insurance fund pays, then the fee pool, then the loss is
    /// socialised over open positions.
    mutating func liquidate(_ account: AccountId, keeper k: Int, events: inout EventBuffer) {
        guard margin(account).belowMaintenance else { return }
        ensureAccount(account)  // a JIT provider's account may have traded without a deposit
        let ts = Timestamp(milliseconds: now)
        let keeperAccount = keepers.keepers[k].account
        for m in markets.indices { markets[m].cancelAll(of: account, at: ts, events: &events) }
        // Its triggers and brackets go too: a stop must not fire on a position already taken over.
        triggers.removeAll { $0.request.account == account }
        brackets.removeAll { $0.account == account }
        var lastMarket = 0
        // Steps are sized on the position when the liquidation began, so it ends in a few steps.
        let initialBase = markets.map { $0.account(account).base }
        for _ in 0..<64 {
            let s = margin(account)
            // Pick the largest position (by notional).
            var best = -1
            var bestNotional: Int64 = 0
            for m in markets.indices {
                let b = markets[m].account(account).base
                let n = mulDiv(abs(b), markFor(m), 1_000_000_000, .up)
                if b != 0 && n >= bestNotional { best = m; bestNotional = n }
            }
            guard best >= 0 else { break }
            let risk = risks[best]
            let target = s.maintenanceRequirement.raw + mulDiv(s.notional.raw, risk.liquidationBuffer.raw, 1_000_000, .up)
            if s.maintenanceEquity.raw >= target { break }
            lastMarket = best
            let price = markFor(best)
            let b = markets[best].account(account).base
            let stepSize = markets[best].config.step.raw
            // The smallest step multiple whose transfer restores maintenance + buffer, size premium
            // included: the requirement is not linear in size (√|base|), so the size is solved for,
            // not divided out. Surplus grows with q (the fees, below the maintenance ratio, free
            // less than the requirement does), so a binary search over step multiples finds it.
            let solvent = s.maintenanceEquity.raw > 0
            let feeRate = solvent ? risk.liquidatorFee.raw + risk.insuranceFee.raw : 0
            let absB = abs(b)
            let nowN = mulDiv(absB, price, 1_000_000_000, .up)
            let nowR = mulDiv(nowN, risk.ratio(risk.maintenanceMargin, base: b), 1_000_000, .up)
            func restores(_ q: Int64) -> Bool {
                let left = absB - q
                let n = mulDiv(left, price, 1_000_000_000, .up)
                let r = mulDiv(n, risk.ratio(risk.maintenanceMargin, base: left), 1_000_000, .up)
                let fee = mulDiv(mulDiv(q, price, 1_000_000_000, .up), feeRate, 1_000_000, .up)
                let equity = s.maintenanceEquity.raw - fee
                let notional = s.notional.raw - nowN + n
                return equity >= s.maintenanceRequirement.raw - nowR + r + mulDiv(notional, risk.liquidationBuffer.raw, 1_000_000, .up)
            }
            var lo: Int64 = 1, hi = (absB + stepSize - 1) / stepSize  // in steps; hi closes it all
            if !restores(Swift.min(hi * stepSize, absB)) {
                lo = hi
            } else {
                while lo < hi {
                    let mid = lo + (hi - lo) / 2
                    if restores(Swift.min(mid * stepSize, absB)) { hi = mid } else { lo = mid + 1 }
                }
            }
            var q = Swift.min(lo * stepSize, absB)
            let cap = Swift.max(mulDiv(abs(initialBase[best]), risk.liquidationStep.raw, 1_000_000, .up), stepSize)
            // An account with no equity left cannot be cured by steps: close it at once.
            if solvent { q = Swift.min(q, cap) } else { q = absB }
            q = Swift.min(((q + stepSize - 1) / stepSize) * stepSize, absB)
            let signed = b > 0 ? q : -q
            // Fees come from the account's equity; an account with none left pays none (they would
            // only move its hole onto the insurance fund and the other traders).
            let r = markets[best].transferPosition(from: account, to: keeperAccount, qty: signed, price: price,
                                                   fee: solvent ? risk.liquidatorFee : .zero,
                                                   insurance: solvent ? risk.insuranceFee : .zero)
            let after = margin(account)
            events.append(.liquidation(LiquidationStep(
                account: account, keeper: UInt32(k), keeperAccount: keeperAccount, size: Quantity(raw: signed),
                price: Price(raw: price), liquidatorFee: Amount(raw: r.fee), insuranceFee: Amount(raw: r.insurance),
                marginBefore: s.maintenanceEquity, marginAfter: after.maintenanceEquity,
                requirement: after.maintenanceRequirement, time: ts, market: UInt16(best))), market: UInt16(best))
        }
        sellCollateral(account, to: keeperAccount, risk: risks[lastMarket], events: &events)
        resolveBankruptcy(account, market: lastMarket, events: &events)
    }

    /// Once its positions are gone and it is still below maintenance, a liquidated account's other
    /// collateral is sold to the keeper at oracle × (1 − liquidator fee) (rounded down: against the
    /// account), as far as the keeper's USDC pays for, so the hole can be resolved in USDC.
    mutating func sellCollateral(_ account: AccountId, to keeper: AccountId, risk: RiskConfig, events: inout EventBuffer) {
        guard !assets.isEmpty, markets.allSatisfy({ $0.account(account).base == 0 }), margin(account).belowMaintenance else { return }
        let i = Int(account.raw)
        let k = Int(keeper.raw)
        for asset in assets.indices {
            let amount = assetBalances[i * assets.count + asset]
            let price = assetPrices[asset]
            guard amount > 0, price > 0 else { continue }
            let value = mulDiv(mulDiv(amount, price, 1_000_000_000, .down), 1_000_000 - risk.liquidatorFee.raw, 1_000_000, .down)
            guard value <= usdc[k] else { continue }
            assetBalances[i * assets.count + asset] = 0
            assetBalances[k * assets.count + asset] += amount
            usdc[k] -= value
            usdc[i] += value
            let ts = Timestamp(milliseconds: now)
            events.append(.collateral(account, asset: UInt16(asset + 1), delta: -amount, balance: 0, ts), market: EventBuffer.venueWide)
            events.append(.collateral(keeper, asset: UInt16(asset + 1), delta: amount,
                                      balance: assetBalances[k * assets.count + asset], ts), market: EventBuffer.venueWide)
        }
    }

    /// If `account` holds no position, no other collateral and negative equity, covers the hole:
    /// insurance fund, then fee pool, then a loss socialised over open positions in `market`.
    mutating func resolveBankruptcy(_ account: AccountId, market: Int, events: inout EventBuffer) {
        let i = Int(account.raw)
        guard markets.allSatisfy({ $0.account(account).base == 0 }) else { return }
        guard assets.indices.allSatisfy({ assetBalances[i * assets.count + $0] == 0 }) else { return }
        // Fold every market's trading balance into the USDC collateral.
        for m in markets.indices {
            markets[m].settleFunding(account)
            let q = markets[m].account(account).quote
            if q != 0 {
                markets[m].adjustQuote(account, by: -q)
                usdc[i] += q
            }
        }
        guard usdc[i] < 0 else { return }
        let bad = -usdc[i]
        let fromInsurance = markets[market].drawInsurance(bad)
        let fromPool = markets[market].drawFeePool(bad - fromInsurance)
        let rest = bad - fromInsurance - fromPool
        let charged = markets[market].socializeLoss(rest, excluding: account)
        // What the other positions were charged beyond `rest` (per-position rounding up) went to insurance.
        let socialized = Swift.min(charged, rest)
        usdc[i] += fromInsurance + fromPool + socialized
        events.append(.bankruptcy(Bankruptcy(
            market: UInt16(market), account: account, badDebt: Amount(raw: bad), insurance: Amount(raw: fromInsurance),
            feePool: Amount(raw: fromPool), socialized: Amount(raw: socialized), unresolved: Amount(raw: rest - socialized),
            time: Timestamp(milliseconds: now))), market: UInt16(market))
    }
}
