import MarketCore
import Matching
import Testing

/// Hand-computed margin: collateral haircuts, unrealised PnL, initial/maintenance requirements,
/// size premium, free collateral, order-entry checks and withdrawals (issue items 1–2).
@Suite struct PerpMarginTests {
    static let weth = CollateralAsset(name: "WETH", initialWeight: PV.ppm(800_000), maintenanceWeight: PV.ppm(900_000))

    @Test func collateralCountsAtItsWeights() {
        var v = PV.venue(assets: [Self.weth])
        var ev = EventBuffer()
        v.updateAssetPrice(asset: 1, price: T.p("1500"), at: T.ts(0), events: &ev)
        PV.deposit(&v, 1, "1000")
        PV.deposit(&v, 1, "2", asset: 1)
        #expect(v.balance(PV.a(1)).raw == 1_000_000_000)
        #expect(v.collateral(PV.a(1), asset: 1).raw == 2_000_000_000)
        let m = v.margin(PV.a(1))
        // initial: 1000 + 2 × 1500 × 0.8 = 1000 + 2400 = 3400
        #expect(m.initialEquity.raw == 3_400_000_000)
        // maintenance: 1000 + 2 × 1500 × 0.9 = 1000 + 2700 = 3700
        #expect(m.maintenanceEquity.raw == 3_700_000_000)
        // no position: no requirement, everything is free
        #expect(m.initialRequirement.raw == 0 && m.maintenanceRequirement.raw == 0 && m.notional.raw == 0)
        #expect(m.freeCollateral.raw == 3_400_000_000)
        // Only USDC counts toward net deposits (the conserved quote).
        #expect(v.netDeposits.raw == 1_000_000_000)

        // Rounding goes against the account: 0.333333333 WETH at 1500.000001:
        // 333_333_333 × 1_500_000_001 = 499_999_999_833_333_333 → / 1e9 = 499_999_999.83 → floor 499_999_999
        // initial × 0.8 = 399_999_999.2 → 399_999_999; maintenance × 0.9 = 449_999_999.1 → 449_999_999
        v.updateAssetPrice(asset: 1, price: Price(raw: 1_500_000_001), at: T.ts(1), events: &ev)
        PV.deposit(&v, 2, "0.333333333", asset: 1, at: 1)
        let m2 = v.margin(PV.a(2))
        #expect(m2.initialEquity.raw == 399_999_999)
        #expect(m2.maintenanceEquity.raw == 449_999_999)
        // A price drop reprices it: 2 × 1000 × 0.8 = 1600, × 0.9 = 1800 (+ 1000 USDC)
        v.updateAssetPrice(asset: 1, price: T.p("1000"), at: T.ts(2), events: &ev)
        #expect(v.margin(PV.a(1)).initialEquity.raw == 2_600_000_000)
        #expect(v.margin(PV.a(1)).maintenanceEquity.raw == 2_800_000_000)
    }

    @Test func unrealisedPnlAndRequirements() {
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 1, "1000")
        PV.deposit(&v, 2, "10000")
        PV.deposit(&v, 3, "10000")
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "10", at: "100", ids: (1, 2))
        #expect(v.markets[0].account(PV.a(1)).base == 10_000_000_000)
        PV.oracle(&v, "95", at: 1, events: &ev)
        let m1 = v.margin(PV.a(1))
        // upnl = −1000 + 10 × 95 = −50; equity = 1000 − 50 = 950
        #expect(m1.initialEquity.raw == 950_000_000)
        #expect(m1.maintenanceEquity.raw == 950_000_000)
        // notional = 10 × 95 = 950; IR = 950 × 10% = 95; MR = 950 × 5% = 47.5
        #expect(m1.notional.raw == 950_000_000)
        #expect(m1.initialRequirement.raw == 95_000_000)
        #expect(m1.maintenanceRequirement.raw == 47_500_000)
        // free = 950 − 95 = 855
        #expect(m1.freeCollateral.raw == 855_000_000)
        #expect(!m1.belowMaintenance)
        // The short gains 50: 10000 + 1000 − 950 = 10050, same requirements.
        let m2 = v.margin(PV.a(2))
        #expect(m2.initialEquity.raw == 10_050_000_000)
        #expect(m2.initialRequirement.raw == 95_000_000 && m2.maintenanceRequirement.raw == 47_500_000)
        let s = v.markets[0].account(PV.a(1))
        // quote entry −1000, nothing realised, upnl at 95 = −1000 + 950 = −50
        #expect(s.quoteEntry == -1_000_000_000 && s.realizedPnl == 0)
        #expect(s.unrealizedPnl(at: 95_000_000) == -50_000_000)

        // Close 4 at 96 to account 3: closed entry share = −1000 × 4/10 = −400; realised = −400 + 4 × 96 = −16;
        // entry left −600; quote = −1000 + 384 = −616.
        v.place(market: 0, T.limit(3, 3, .buy, "96", "4"), at: T.ts(2), events: &ev)
        v.place(market: 0, T.limit(4, 1, .sell, "96", "4"), at: T.ts(2), events: &ev)
        let s2 = v.markets[0].account(PV.a(1))
        #expect(s2.base == 6_000_000_000)
        #expect(s2.realizedPnl == -16_000_000)
        #expect(s2.quoteEntry == -600_000_000)
        #expect(s2.quote == -616_000_000)
        // equity at 95: 1000 − 616 + 6 × 95 = 954; IR = 570 × 10% = 57
        #expect(v.margin(PV.a(1)).initialEquity.raw == 954_000_000)
        #expect(v.margin(PV.a(1)).initialRequirement.raw == 57_000_000)
        PV.checkConservation(v)
    }

    @Test func sizePremiumGrowsTheRatio() {
        // 1% × √(whole base units) on top of both ratios.
        var v = PV.venue([PV.plainSpec(risk: RiskConfig(sizePremium: PV.ppm(10_000)))])
        var ev = EventBuffer()
        PV.deposit(&v, 1, "1000")
        PV.deposit(&v, 2, "10000")
        PV.deposit(&v, 3, "1000")
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "4", at: "100", ids: (1, 2))
        let m = v.margin(PV.a(1))
        // √4 = 2 → IMR = 10% + 2 × 1% = 12%, MMR = 5% + 2% = 7%; notional 400 → IR 48, MR 28
        #expect(m.initialRequirement.raw == 48_000_000)
        #expect(m.maintenanceRequirement.raw == 28_000_000)
        PV.openLong(&v, taker: 3, maker: 2, "2", at: "100", ids: (3, 4))
        let m3 = v.margin(PV.a(3))
        // √2 × 1e9 = 1_414_213_562.37 → up 1_414_213_563; extra = 10_000 × 1_414_213_563 / 1e9 = 14_142.1 → up 14_143
        // IMR 114_143 → 200 × 0.114143 = 22.8286; MMR 64_143 → 12.8286
        #expect(m3.initialRequirement.raw == 22_828_600)
        #expect(m3.maintenanceRequirement.raw == 12_828_600)
        // A resting buy of 5 makes the worst case 4 + 5 = 9 long: √9 = 3 → IMR 13% on 900 = 117; MR unchanged.
        v.place(market: 0, T.limit(5, 1, .buy, "90", "5"), at: T.ts(1), events: &ev)
        #expect(v.margin(PV.a(1)).initialRequirement.raw == 117_000_000)
        #expect(v.margin(PV.a(1)).maintenanceRequirement.raw == 28_000_000)
    }

    @Test func orderEntryRejectsBreachOfInitialMargin() {
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 1, "1000")
        PV.deposit(&v, 2, "100000")
        PV.oracle(&v, "100", at: 0, events: &ev)
        v.place(market: 0, T.limit(1, 2, .sell, "100", "300"), at: T.ts(0), events: &ev)
        ev.removeAll()
        // 100.001 × 100 × 10% = 1000.01 > 1000 equity → rejected, nothing else happens
        v.place(market: 0, T.limit(2, 1, .buy, "100", "100.001"), at: T.ts(1), events: &ev)
        #expect(Array(ev) == [.rejected(OrderId(2), .insufficientMargin, T.ts(1))])
        #expect(RejectReason.insufficientMargin.description == "insufficient_margin")
        #expect(v.markets[0].account(PV.a(1)).base == 0)
        // 100 × 100 × 10% = 1000 ≤ 1000 → accepted and filled
        ev.removeAll()
        v.place(market: 0, T.limit(3, 1, .buy, "100", "100"), at: T.ts(2), events: &ev)
        #expect(T.rejects(ev).isEmpty)
        #expect(v.markets[0].account(PV.a(1)).base == 100_000_000_000)
        #expect(v.margin(PV.a(1)).freeCollateral.raw == 0)
        // Any growth now fails, even 0.001.
        ev.removeAll()
        v.place(market: 0, T.limit(4, 1, .buy, "100", "0.001"), at: T.ts(3), events: &ev)
        #expect(T.rejects(ev) == [T.reject(4, .insufficientMargin)])
    }

    @Test func orderEntryCountsSlippageAndFees() {
        // A buy limit above the oracle loses (limit − oracle) × size at once.
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 1, "1000")
        PV.deposit(&v, 2, "100000")
        PV.oracle(&v, "100", at: 0, events: &ev)
        v.place(market: 0, T.limit(1, 2, .sell, "101", "300"), at: T.ts(0), events: &ev)
        ev.removeAll()
        // size 91 @ 101: slippage 91 × 1 = 91, IR 91 × 100 × 10% = 910 → 1000 − 91 = 909 < 910 → rejected
        v.place(market: 0, T.limit(2, 1, .buy, "101", "91"), at: T.ts(1), events: &ev)
        #expect(T.rejects(ev) == [T.reject(2, .insufficientMargin)])
        // size 90.9: slippage 90.9, IR 909 → 909.1 ≥ 909 → accepted
        ev.removeAll()
        v.place(market: 0, T.limit(3, 1, .buy, "101", "90.9"), at: T.ts(1), events: &ev)
        #expect(T.rejects(ev).isEmpty)
        #expect(v.markets[0].account(PV.a(1)).base == 90_900_000_000)

        // Market orders are checked at oracle ± the auction end offset (0.5%).
        var w = PV.venue()
        PV.deposit(&w, 1, "1000")
        PV.deposit(&w, 2, "100000")
        PV.oracle(&w, "100", at: 0, events: &ev)
        w.place(market: 0, T.limit(1, 2, .sell, "100", "300"), at: T.ts(0), events: &ev)
        ev.removeAll()
        // 99 at 100.5: slippage 49.5, IR 990 → 950.5 < 990 → rejected
        w.place(market: 0, T.market(2, 1, .buy, "99"), at: T.ts(1), events: &ev)
        #expect(T.rejects(ev) == [T.reject(2, .insufficientMargin)])
        // 95: slippage 47.5, IR 950 → 952.5 ≥ 950 → accepted, fills at 100
        ev.removeAll()
        w.place(market: 0, T.market(3, 1, .buy, "95"), at: T.ts(1), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("95")])

        // The worst taker fee counts: 0.1% taker.
        var f = PV.venue([PV.plainSpec(fees: PV.fees(taker: 1_000))])
        PV.deposit(&f, 1, "1000")
        PV.deposit(&f, 2, "100000")
        PV.oracle(&f, "100", at: 0, events: &ev)
        f.place(market: 0, T.limit(1, 2, .sell, "100", "300"), at: T.ts(0), events: &ev)
        ev.removeAll()
        // 99.1 @ 100: fee 9.91, IR 991 → 990.09 < 991 → rejected
        f.place(market: 0, T.limit(2, 1, .buy, "100", "99.1"), at: T.ts(1), events: &ev)
        #expect(T.rejects(ev) == [T.reject(2, .insufficientMargin)])
        // 99 @ 100: fee 9.9, IR 990 → 990.1 ≥ 990 → accepted; pays 9.9 fee
        ev.removeAll()
        f.place(market: 0, T.limit(3, 1, .buy, "100", "99"), at: T.ts(1), events: &ev)
        #expect(T.fills(ev).map(\.takerFee) == [T.amt(9_900_000)])
        // equity 1000 − 9.9 = 990.1, IR 990
        #expect(f.margin(PV.a(1)).freeCollateral.raw == 100_000)
        PV.checkConservation(f)
    }

    @Test func reduceOnlyAndReducingOrdersAlwaysPass() {
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 1, "100")
        PV.deposit(&v, 2, "10000")
        PV.deposit(&v, 3, "10000")
        PV.oracle(&v, "100", at: 0, events: &ev)
        // 10 × 100 × 10% = 100: exactly the equity
        PV.openLong(&v, taker: 1, maker: 2, "10", at: "100", ids: (1, 2))
        PV.oracle(&v, "95.5", at: 1, events: &ev)
        // equity 100 − 45 = 55 < IR 95.5 (but ≥ MR 47.75): under initial margin
        #expect(v.margin(PV.a(1)).freeCollateral.raw == 55_000_000 - 95_500_000)
        v.place(market: 0, T.limit(3, 3, .buy, "95.5", "30"), at: T.ts(2), events: &ev)
        ev.removeAll()
        // Growing is refused.
        v.place(market: 0, T.limit(4, 1, .buy, "90", "1"), at: T.ts(2), events: &ev)
        // Flipping to short 15 grows the worst case (15 > 10): IR 15 × 95.5 × 10% = 143.25 > 55 → refused.
        v.place(market: 0, T.limit(5, 1, .sell, "95.5", "25"), at: T.ts(2), events: &ev)
        #expect(T.rejects(ev) == [T.reject(4, .insufficientMargin), T.reject(5, .insufficientMargin)])
        // A plain sell of 4 only reduces: passes, fills 4.
        ev.removeAll()
        v.place(market: 0, T.limit(6, 1, .sell, "95.5", "4"), at: T.ts(3), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("4")])
        // The same 25 as reduce-only passes and is cut to the 6 left.
        ev.removeAll()
        v.place(market: 0, T.limit(7, 1, .sell, "95.5", "25", reduceOnly: true), at: T.ts(3), events: &ev)
        #expect(T.rejects(ev).isEmpty)
        #expect(T.fills(ev).map(\.size) == [T.q("6")])
        #expect(v.markets[0].account(PV.a(1)).base == 0)
        // 100 − 10 × 4.5 = 55 left in the account
        #expect(v.margin(PV.a(1)).initialEquity.raw == 55_000_000)
        PV.checkConservation(v)
    }

    @Test func withdrawRefusedBeyondFreeCollateral() {
        var v = PV.venue(assets: [Self.weth])
        var ev = EventBuffer()
        v.updateAssetPrice(asset: 1, price: T.p("1500"), at: T.ts(0), events: &ev)
        PV.deposit(&v, 1, "1000")
        PV.deposit(&v, 2, "100000")
        PV.deposit(&v, 4, "1", asset: 1)
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "10", at: "100", ids: (1, 2))
        // free = 1000 − 100 = 900
        #expect(v.withdraw(PV.a(1), amount: Amount(raw: 900_000_001), at: T.ts(1), events: &ev) == .insufficientMargin(free: Amount(raw: 900_000_000)))
        #expect(v.withdraw(PV.a(1), amount: Amount(raw: 2_000_000_000), at: T.ts(1), events: &ev) == .insufficientBalance(have: 1_000_000_000))
        #expect(v.withdraw(PV.a(1), amount: Amount(raw: 0), at: T.ts(1), events: &ev) == .invalidAmount)
        #expect(v.withdraw(PV.a(1), asset: 2, units: Quantity(raw: 1), at: T.ts(1), events: &ev) == .unknownAsset)
        ev.removeAll()
        #expect(v.withdraw(PV.a(1), amount: Amount(raw: 900_000_000), at: T.ts(1), events: &ev) == nil)
        #expect(Array(ev) == [.collateral(PV.a(1), asset: 0, delta: -900_000_000, balance: 100_000_000, T.ts(1))])
        #expect(v.margin(PV.a(1)).freeCollateral.raw == 0)
        // 101_000 deposited − 900 withdrawn
        #expect(v.netDeposits.raw == 100_100_000_000)
        PV.checkConservation(v)

        // Account 4: 1 WETH only (initial value 1200), long 10 @ 100 → IR 100 → free 1100.
        v.place(market: 0, T.limit(3, 2, .sell, "100", "10"), at: T.ts(2), events: &ev)
        v.place(market: 0, T.limit(4, 4, .buy, "100", "10"), at: T.ts(2), events: &ev)
        #expect(v.margin(PV.a(4)).freeCollateral.raw == 1_100_000_000)
        // 0.92 WETH = 1380 × 0.8 = 1104 > 1100 → refused; 0.9 WETH = 1350 × 0.8 = 1080 → allowed
        #expect(v.withdraw(PV.a(4), asset: 1, units: Quantity(raw: 920_000_000), at: T.ts(3), events: &ev) == .insufficientMargin(free: Amount(raw: 1_100_000_000)))
        #expect(v.withdraw(PV.a(4), asset: 1, units: Quantity(raw: 900_000_000), at: T.ts(3), events: &ev) == nil)
        #expect(v.collateral(PV.a(4), asset: 1).raw == 100_000_000)
        // 0.1 × 1500 × 0.8 = 120 − 100 = 20
        #expect(v.margin(PV.a(4)).freeCollateral.raw == 20_000_000)
    }

    /// The fee allowance of the margin check is the largest fee the order can pay, as taker or as (positive) maker:
    /// here the maker fee 0.1% exceeds the taker fee 0.05%, and a resting buy pays it when it fills.
    @Test func orderEntryCountsAPositiveMakerFee() {
        var v = PV.venue([PV.plainSpec(fees: PV.fees(taker: 500, maker: 1_000))])
        var ev = EventBuffer()
        PV.deposit(&v, 1, "1000")
        PV.deposit(&v, 2, "100000")
        PV.oracle(&v, "100", at: 0, events: &ev)
        ev.removeAll()
        // 99.1 @ 100: fee allowance 9910 × 0.1% = 9.91 (the taker rate would give only 4.955), IR 991
        // → 1000 − 9.91 = 990.09 < 991 → rejected
        v.place(market: 0, T.limit(1, 1, .buy, "100", "99.1"), at: T.ts(1), events: &ev)
        #expect(T.rejects(ev) == [T.reject(1, .insufficientMargin)])
        // 99 @ 100: allowance 9.9, IR 990 → 990.1 ≥ 990 → accepted; it rests (no asks)
        ev.removeAll()
        v.place(market: 0, T.limit(2, 1, .buy, "100", "99"), at: T.ts(1), events: &ev)
        #expect(T.rejects(ev).isEmpty)
        #expect(v.markets[0].book.order(OrderId(2))?.remaining == T.q("99"))
        // Account 2 sells into it: account 1 pays the maker fee 9900 × 0.1% = 9.9, account 2 the taker fee 4.95.
        ev.removeAll()
        v.place(market: 0, T.limit(3, 2, .sell, "100", "99"), at: T.ts(2), events: &ev)
        #expect(T.fills(ev).map(\.makerFee) == [T.amt(9_900_000)])
        #expect(T.fills(ev).map(\.takerFee) == [T.amt(4_950_000)])
        // equity 1000 − 9.9 = 990.1, IR 990 → free 0.1
        #expect(v.margin(PV.a(1)).freeCollateral.raw == 100_000)
        PV.checkConservation(v)
    }

    /// Plain-book market orders are checked as if they filled within oracle ± 0.5%, and (with an oracle) the engine
    /// bounds them there too: the part of the book beyond the bound is not taken and the remainder is cancelled.
    @Test func marketOrderOnPlainBookCannotBreachInitialMargin() {
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 1, "100")
        PV.deposit(&v, 2, "100000")
        PV.oracle(&v, "100", at: 0, events: &ev)
        v.place(market: 0, T.limit(1, 2, .sell, "100.4", "5"), at: T.ts(0), events: &ev)
        v.place(market: 0, T.limit(3, 2, .sell, "120", "10"), at: T.ts(0), events: &ev)
        ev.removeAll()
        // check: worst 100.5 → slippage 9 × 0.5 = 4.5, IR 90 → 95.5 ≥ 90 passes. It takes the 5 at 100.4 (≤ 100.5);
        // the ask at 120 is beyond the bound, so the other 4 are cancelled (formerly they filled at 120:
        // equity 100 − 2 − 4 × 20 = 18 < IR 90).
        v.place(market: 0, T.market(2, 1, .buy, "9"), at: T.ts(1), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("5")])
        #expect(T.fills(ev).map(\.price) == [T.p("100.4")])
        #expect(T.cancels(ev) == [T.cancel(2, "4", .marketRemainder)])
        #expect(v.markets[0].book.order(OrderId(3))?.remaining == T.q("10"))
        // equity 100 − 502 + 5 × 100 = 98, IR 5 × 100 × 10% = 50 → free 48
        #expect(v.margin(PV.a(1)).freeCollateral.raw == 48_000_000)
        PV.checkConservation(v)
    }
}
