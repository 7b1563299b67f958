import MarketCore
import Matching
import Testing

/// Hand-computed liquidations by keepers (issue item 4): steps sized to restore maintenance plus the
/// buffer, capped at `liquidationStep` × the position held when the liquidation began (at least one lot,
/// rounded up to the lot), fees to the keeper and the insurance fund, transfer at the oracle, orders and
/// triggers cancelled first; an account with maintenance equity ≤ 0 is closed at once and pays no fees;
/// other collateral is sold to the keeper before a bankruptcy is paid by insurance, then fee pool, then socialised.
/// Default risk: IMR 10%, MMR 5%, liquidator fee 0.5%, insurance fee 0.5%, buffer 2%, step 25%.
@Suite struct PerpLiquidationTests {
    /// Account 1 (100 USDC) long 10 @ 100 against account 2; keeper 0 = account 9 (10 000 USDC, stake 100).
    static func longTen(deposit: String = "100", fees: FeeSchedule = .free, assets: [CollateralAsset] = []) -> PerpVenue {
        var v = PV.venue([PV.plainSpec(fees: fees)], assets: assets)
        var ev = EventBuffer()
        PV.deposit(&v, 1, deposit)
        PV.deposit(&v, 2, "10000")
        PV.deposit(&v, 9, "10000")
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "10", at: "100", ids: (1, 2))
        return v
    }

    @Test func stepsRestoreMaintenancePlusBuffer() {
        var v = Self.longTen()
        var ev = EventBuffer()
        PV.oracle(&v, "94.7", at: 1, events: &ev)
        let steps = PV.liquidations(ev)
        // Before: equity 100 + 10 × (94.7 − 100) = 47 < MR 947 × 5% = 47.35.
        // Step 1: target = 47.35 + 947 × 2% = 66.29, shortfall 19.29; closing q frees q × 94.7 × (5% + 2% − 0.5% − 0.5%)
        //   → q = 19.29 / (94.7 × 0.06) = 3.3949… > cap 25% × 10 = 2.5 → q = 2.5.
        //   notional 2.5 × 94.7 = 236.75; fees 236.75 × 0.5% = 1.18375 each.
        //   equity after = 100 + (−1000 + 236.75 − 2.3675) + 7.5 × 94.7 = 44.6325; MR = 710.25 × 5% = 35.5125
        // Step 2: target = 35.5125 + 710.25 × 2% = 49.7175, shortfall 5.085 → q = 5.085 / 5.682 = 0.894931… → step up 0.895
        //   (cap: 25% of the starting 10 = 2.5 again). notional 0.895 × 94.7 = 84.7565; fees 0.4237825 → up 0.423783 each.
        //   quote −765.6175 + 84.7565 − 0.847566 = −681.708566; equity = 100 − 681.708566 + 6.605 × 94.7 = 43.784934
        //   MR = 625.4935 × 5% = 31.274675; target = 31.274675 + 12.50987 = 43.784545 ≤ 43.784934 → done.
        #expect(Array(steps) == [
            LiquidationStep(account: PV.a(1), keeper: 0, keeperAccount: PV.a(9), size: T.q("2.5"), price: T.p("94.7"),
                            liquidatorFee: T.amt(1_183_750), insuranceFee: T.amt(1_183_750), marginBefore: T.amt(47_000_000),
                            marginAfter: T.amt(44_632_500), requirement: T.amt(35_512_500), time: T.ts(1)),
            LiquidationStep(account: PV.a(1), keeper: 0, keeperAccount: PV.a(9), size: T.q("0.895"), price: T.p("94.7"),
                            liquidatorFee: T.amt(423_783), insuranceFee: T.amt(423_783), marginBefore: T.amt(44_632_500),
                            marginAfter: T.amt(43_784_934), requirement: T.amt(31_274_675), time: T.ts(1)),
        ])
        // The keeper holds 3.395 bought at the oracle and earned 1.18375 + 0.423783 = 1.607533.
        let k = v.markets[0].account(PV.a(9))
        #expect(k.base == 3_395_000_000)
        // −236.75 − 84.7565 + 1.607533
        #expect(k.quote == -319_898_967)
        #expect(v.markets[0].insuranceFund == 1_607_533)
        #expect(v.markets[0].account(PV.a(1)).base == 6_605_000_000)
        #expect(v.liquidatable().isEmpty)
        #expect(PV.bankruptcies(ev).isEmpty)
        #expect(v.keepers.keepers[0].done == 1)
        PV.checkConservation(v)
    }

    @Test func noLiquidationAtExactlyMaintenance() {
        var v = Self.longTen()
        var ev = EventBuffer()
        // 94.736843: equity 100 − 10 × 5.263157 = 47.36843; MR = 947.36843 × 5% = 47.3684215 → up 47.368422 → not below
        PV.oracle(&v, "94.736843", at: 1, events: &ev)
        #expect(!v.margin(PV.a(1)).belowMaintenance)
        #expect(PV.liquidations(ev).isEmpty)
        #expect(v.liquidatable().isEmpty)
        // 94.736842: equity 47.36842 < MR 947.36842 × 5% = 47.368421 → liquidated
        ev.removeAll()
        PV.oracle(&v, "94.736842", at: 2, events: &ev)
        #expect(PV.liquidations(ev).first?.marginBefore == T.amt(47_368_420))
        #expect(PV.liquidations(ev).first?.account == PV.a(1))
    }

    @Test func ordersAreCancelledFirst() {
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 1, "100")
        PV.deposit(&v, 2, "10000")
        PV.deposit(&v, 9, "10000")
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        // long 9 (IR 90) plus a resting buy of 1 at 80: worst case 10 → IR 100 = equity
        PV.openLong(&v, taker: 1, maker: 2, "9", at: "100", ids: (1, 2))
        v.place(market: 0, T.limit(3, 1, .buy, "80", "1"), at: T.ts(0), events: &ev)
        #expect(v.markets[0].book.contains(OrderId(3)))
        ev.removeAll()
        // 93: equity 100 − 63 = 37 < MR 837 × 5% = 41.85
        PV.oracle(&v, "93", at: 1, events: &ev)
        let firstCancel = ev.firstIndex { if case .cancelled(OrderId(3), _, .requested, _) = $0 { return true } else { return false } }
        let firstLiq = ev.firstIndex { if case .liquidation = $0 { return true } else { return false } }
        #expect(firstCancel != nil && firstLiq != nil)
        if let c = firstCancel, let l = firstLiq { #expect(c < l) }
        #expect(!v.markets[0].book.contains(OrderId(3)))
        // Every step moves at the oracle and at most 25% of the position held when the liquidation began:
        // 25% × 9 = 2.25 (already on the 0.001 lot). Step 1: target 41.85 + 837 × 2% = 58.59, shortfall 21.59
        // → q = 21.59 / (93 × 6%) = 3.869… > 2.25 → 2.25.
        let steps = PV.liquidations(ev)
        #expect(steps.first?.size == T.q("2.25"))
        var base: Int64 = 9_000_000_000
        for s in steps {
            #expect(s.price == T.p("93"))
            #expect(s.size.raw > 0 && s.size.raw <= 2_250_000_000)
            base -= s.size.raw
        }
        #expect(v.markets[0].account(PV.a(1)).base == base)
        #expect(!v.margin(PV.a(1)).belowMaintenance)
        PV.checkConservation(v)
    }

    @Test func bankruptcyPaidByInsuranceThenFeePoolThenSocialised() {
        // 0.1% taker fee, 10% of it to insurance. Opening: taker fee 1000 × 0.1% = 1 → insurance 0.1, pool 0.9.
        var v = Self.longTen(deposit: "101", fees: PV.fees(taker: 1_000))
        #expect(v.markets[0].insuranceFund == 100_000)
        #expect(v.markets[0].feePool == 900_000)
        var ev = EventBuffer()
        // 85: maintenance equity 101 − 1001 + 850 = −50 ≤ 0: the whole 10 moves at once, with no fees
        // (they would only deepen the hole that insurance and the others pay).
        PV.oracle(&v, "85", at: 1, events: &ev)
        let steps = PV.liquidations(ev)
        // after: quote −1001 + 850 = −151, USDC 101 → −50, no position → requirement 0
        #expect(Array(steps) == [
            LiquidationStep(account: PV.a(1), keeper: 0, keeperAccount: PV.a(9), size: T.q("10"), price: T.p("85"),
                            liquidatorFee: .zero, insuranceFee: .zero, marginBefore: T.amt(-50_000_000),
                            marginAfter: T.amt(-50_000_000), requirement: .zero, time: T.ts(1)),
        ])
        // Account: 101 − 1000 − 1 + 850 = −50 bad debt.
        // Insurance 0.1, then pool 0.9 → 1.0 covered; 49 socialised over |−10| (account 2) and |+10| (keeper 9):
        // 49 × 10 / 20 = 24.5 each.
        let b = PV.bankruptcies(ev)
        #expect(b.count == 1)
        #expect(b.first.map { [$0.1, $0.2, $0.3] } == [50_000_000, 1_000_000, 49_000_000])
        #expect(b.first?.0 == PV.a(1))
        // The event says who paid what: insurance 0.1, fee pool 0.9, positions 49, nothing unresolved.
        #expect(PV.bankruptcyDetails(ev).map { [$0.insurance.raw, $0.feePool.raw, $0.socialized.raw, $0.unresolved.raw] }
                == [[100_000, 900_000, 49_000_000, 0]])
        #expect(v.markets[0].insuranceFund == 0)
        #expect(v.markets[0].feePool == 0)
        #expect(v.balance(PV.a(1)).raw == 0)
        #expect(v.margin(PV.a(1)).maintenanceEquity.raw == 0)
        // account 2: sold 10 @ 100 → quote +1000 (maker, no fee), minus 24.5
        #expect(v.markets[0].account(PV.a(2)).quote == 975_500_000)
        #expect(v.markets[0].account(PV.a(2)).realizedPnl == -24_500_000)
        // keeper: bought 10 @ 85 (−850), no fee earned, − 24.5
        #expect(v.markets[0].account(PV.a(9)).quote == -874_500_000)
        #expect(v.markets[0].account(PV.a(9)).base == 10_000_000_000)
        #expect(v.liquidatable().isEmpty)
        PV.checkConservation(v)
    }

    @Test func bankruptcyFullyCoveredByInsurance() {
        // 10% taker fee, all of it to insurance: account 2 sells 10 @ 100 as taker into account 1's bid → insurance 100.
        var v = PV.venue([PV.plainSpec(fees: PV.fees(taker: 100_000, insuranceShare: 1_000_000))])
        var ev = EventBuffer()
        PV.deposit(&v, 1, "200")
        PV.deposit(&v, 2, "10000")
        PV.deposit(&v, 9, "10000")
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        v.place(market: 0, T.limit(1, 1, .buy, "100", "10"), at: T.ts(0), events: &ev)
        v.place(market: 0, T.limit(2, 2, .sell, "100", "10"), at: T.ts(0), events: &ev)
        #expect(v.markets[0].insuranceFund == 100_000_000)
        ev.removeAll()
        // 75: equity 200 − 250 = −50 ≤ 0 → closed at once (10 @ 75), no fees → bad debt 50; insurance 100 pays it all.
        PV.oracle(&v, "75", at: 1, events: &ev)
        #expect(PV.liquidations(ev).map { [$0.size.raw, $0.liquidatorFee.raw, $0.insuranceFee.raw] } == [[10_000_000_000, 0, 0]])
        let b = PV.bankruptcies(ev)
        #expect(b.map { [$0.1, $0.2, $0.3] } == [[50_000_000, 50_000_000, 0]])
        // 100 − 50 = 50 left; nobody else is charged (the fee pool keeps its 0)
        #expect(v.markets[0].insuranceFund == 50_000_000)
        #expect(v.markets[0].feePool == 0)
        #expect(v.markets[0].account(PV.a(9)).realizedPnl == 0)
        #expect(v.markets[0].account(PV.a(2)).realizedPnl == 0)
        #expect(v.balance(PV.a(1)).raw == 0)
        PV.checkConservation(v)
    }

    @Test func crossCollateralLiquidationUsesMaintenanceWeight() {
        // Account 1 holds only 2 WETH (initial 0.8, maintenance 0.9) and goes long 100 @ 100.
        let weth = CollateralAsset(name: "WETH", initialWeight: PV.ppm(800_000), maintenanceWeight: PV.ppm(900_000))
        var v = PV.venue(assets: [weth])
        var ev = EventBuffer()
        v.updateAssetPrice(asset: 1, price: T.p("1500"), at: T.ts(0), events: &ev)
        PV.deposit(&v, 1, "2", asset: 1)
        PV.deposit(&v, 2, "100000")
        PV.deposit(&v, 9, "100000")
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        // IR 10 000 × 10% = 1000 ≤ 2 × 1500 × 0.8 = 2400
        PV.openLong(&v, taker: 1, maker: 2, "100", at: "100", ids: (1, 2))
        #expect(v.markets[0].account(PV.a(1)).base == 100_000_000_000)
        ev.removeAll()
        // WETH → 200: maintenance collateral 2 × 200 × 0.9 = 360 < MR 500 → liquidated.
        v.updateAssetPrice(asset: 1, price: T.p("200"), at: T.ts(1), events: &ev)
        // Cap: 25% of the starting 100 = 25 at every step.
        // Step 1: target 500 + 200 = 700, shortfall 340 → q = 340 / (100 × 6%) = 56.67 → cap 25; fees 2500 × 0.5% = 12.5 × 2 → 335
        // Step 2: 75 left: MR 375, target 375 + 150 = 525, shortfall 190 → 31.67 → cap 25; fees 12.5 × 2 → 310
        // Step 3: 50 left: MR 250, target 250 + 100 = 350, shortfall 40 → 40 / 6 = 6.6666…67 → step up 6.667;
        //   notional 666.7, fees 3.3335 × 2 → 310 − 6.667 = 303.333;
        //   then 43.333 left: MR 216.665 + 2% × 4333.3 = 86.666 → 303.331 ≤ 303.333 → done
        let steps = PV.liquidations(ev)
        #expect(steps.map(\.size) == [T.q("25"), T.q("25"), T.q("6.667")])
        #expect(steps.map(\.liquidatorFee) == [T.amt(12_500_000), T.amt(12_500_000), T.amt(3_333_500)])
        #expect(steps.map(\.insuranceFee) == steps.map(\.liquidatorFee))
        #expect(steps.map(\.marginBefore) == [T.amt(360_000_000), T.amt(335_000_000), T.amt(310_000_000)])
        #expect(steps.last?.marginAfter == T.amt(303_333_000))
        #expect(steps.last?.requirement == T.amt(216_665_000))
        #expect(v.markets[0].account(PV.a(1)).base == 43_333_000_000)
        // Still solvent with a position: the WETH is not sold.
        #expect(v.collateral(PV.a(1), asset: 1).raw == 2_000_000_000)
        #expect(PV.bankruptcies(ev).isEmpty)
        #expect(v.liquidatable().isEmpty)
        PV.checkConservation(v)
    }

    /// A keeper whose own account falls under maintenance is never drawn for its own liquidation: the job goes
    /// to another keeper (formerly `transferPosition(from: a, to: a)` moved nothing for 64 steps).
    @Test func keeperIsNotAssignedItsOwnLiquidation() {
        var v = PV.venue(seed: 3)
        var ev = EventBuffer()
        PV.deposit(&v, 9, "200")
        PV.deposit(&v, 8, "100000")
        PV.deposit(&v, 2, "10000")
        #expect(PV.keeper(&v, 9) == 0)  // account 9 keeps 100 USDC
        #expect(PV.keeper(&v, 8) == 1)
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 9, maker: 2, "10", at: "100", ids: (1, 2))
        ev.removeAll()
        // 94: equity 100 − 60 = 40 < MR 940 × 5% = 47. Keeper 0 is account 9 itself: only keeper 1 (account 8) may take it.
        // Step 1: target 47 + 940 × 2% = 65.8, shortfall 25.8 → q = 25.8 / (94 × 6%) = 4.57… → cap 25% × 10 = 2.5;
        //   notional 235, fees 1.175 each → equity 40 − 2.35 = 37.65; 7.5 left: MR 705 × 5% = 35.25.
        // Step 2: target 35.25 + 705 × 2% = 49.35, shortfall 11.7 → q = 11.7 / 5.64 = 2.07446… → step up 2.075 (≤ cap 2.5);
        //   notional 2.075 × 94 = 195.05, fees 0.97525 each → equity 37.65 − 1.9505 = 35.6995;
        //   5.425 left: MR 509.95 × 5% = 25.4975, target 25.4975 + 10.199 = 35.6965 ≤ 35.6995 → done.
        PV.oracle(&v, "94", at: 1, events: &ev)
        #expect(PV.liquidations(ev) == [
            LiquidationStep(account: PV.a(9), keeper: 1, keeperAccount: PV.a(8), size: T.q("2.5"), price: T.p("94"),
                            liquidatorFee: T.amt(1_175_000), insuranceFee: T.amt(1_175_000), marginBefore: T.amt(40_000_000),
                            marginAfter: T.amt(37_650_000), requirement: T.amt(35_250_000), time: T.ts(1)),
            LiquidationStep(account: PV.a(9), keeper: 1, keeperAccount: PV.a(8), size: T.q("2.075"), price: T.p("94"),
                            liquidatorFee: T.amt(975_250), insuranceFee: T.amt(975_250), marginBefore: T.amt(37_650_000),
                            marginAfter: T.amt(35_699_500), requirement: T.amt(25_497_500), time: T.ts(1)),
        ])
        #expect(v.markets[0].account(PV.a(9)).base == 5_425_000_000)
        #expect(v.markets[0].account(PV.a(8)).base == 4_575_000_000)
        // keeper 1 earned 1.175 + 0.97525 = 2.15025; bought 4.575 @ 94 = 430.05
        #expect(v.markets[0].account(PV.a(8)).quote == -430_050_000 + 2_150_250)
        #expect(v.keepers.keepers.map(\.done) == [0, 1])
        #expect(v.liquidatable().isEmpty)
        PV.checkConservation(v)
    }

    /// An account that ends with no position, a hole in USDC and some haircut collateral has the collateral sold to
    /// the keeper at oracle × (1 − liquidator fee); the rest of the hole is then resolved in USDC.
    @Test func bankruptWithOtherCollateralIsResolved() {
        let weth = CollateralAsset(name: "WETH", initialWeight: PV.ppm(800_000), maintenanceWeight: PV.ppm(900_000))
        var v = PV.venue(assets: [weth])
        var ev = EventBuffer()
        v.updateAssetPrice(asset: 1, price: T.p("1500"), at: T.ts(0), events: &ev)
        PV.deposit(&v, 1, "1", asset: 1)
        PV.deposit(&v, 2, "100000")
        PV.deposit(&v, 9, "100000")
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        // IR 1000 ≤ 1 × 1500 × 0.8 = 1200
        PV.openLong(&v, taker: 1, maker: 2, "100", at: "100", ids: (1, 2))
        ev.removeAll()
        // 80: maintenance equity 1350 − 2000 = −650 ≤ 0 → the 100 move at once, no fees → perp cash −10000 + 8000 = −2000.
        PV.oracle(&v, "80", at: 1, events: &ev)
        #expect(PV.liquidations(ev) == [
            LiquidationStep(account: PV.a(1), keeper: 0, keeperAccount: PV.a(9), size: T.q("100"), price: T.p("80"),
                            liquidatorFee: .zero, insuranceFee: .zero, marginBefore: T.amt(-650_000_000),
                            marginAfter: T.amt(-650_000_000), requirement: .zero, time: T.ts(1)),
        ])
        #expect(v.markets[0].account(PV.a(1)).base == 0)
        // Still below maintenance (−650 < 0) with no position: the 1 WETH goes to keeper account 9 for
        // ⌊1 × 1500⌋ × (1 − 0.5%) = 1492.5 USDC (the keeper holds 100000 − 100 stake = 99900, enough).
        let wethMoves = ev.compactMap { e -> [Int64]? in
            if case .collateral(let a, 1, let d, let b, _) = e { return [Int64(a.raw), d, b] } else { return nil }
        }
        #expect(Array(wethMoves) == [[1, -1_000_000_000, 0], [9, 1_000_000_000, 1_000_000_000]])
        #expect(v.collateral(PV.a(1), asset: 1).raw == 0)
        #expect(v.collateral(PV.a(9), asset: 1).raw == 1_000_000_000)
        // 99900 − 1492.5
        #expect(v.balance(PV.a(9)).raw == 98_407_500_000)
        // Hole: 1492.5 − 2000 = −507.5; insurance 0 and fee pool 0 (free fees, no liquidation fees) → all socialised
        // over |−100| (account 2) and |+100| (keeper 9): 507.5 × 100 / 200 = 253.75 each.
        #expect(PV.bankruptcies(ev).map { [Int64($0.0.raw), $0.1, $0.2, $0.3] } == [[1, 507_500_000, 0, 507_500_000]])
        #expect(v.balance(PV.a(1)).raw == 0)
        #expect(v.markets[0].account(PV.a(1)).quote == 0)
        #expect(v.margin(PV.a(1)).maintenanceEquity.raw == 0)
        // account 2: +10000 from the sale − 253.75; keeper: −8000 − 253.75
        #expect(v.markets[0].account(PV.a(2)).quote == 9_746_250_000)
        #expect(v.markets[0].account(PV.a(9)).quote == -8_253_750_000)
        #expect(v.markets[0].insuranceFund == 0)
        #expect(v.liquidatable().isEmpty)
        PV.checkConservation(v)
    }

    /// Liquidation cancels the account's book orders and drops its pending trigger orders: a stop that the
    /// liquidated account placed does not fire later on a position it no longer has. Other accounts' triggers stay.
    @Test func liquidationDropsTheAccountsTriggers() {
        var v = Self.longTen()
        var ev = EventBuffer()
        // An entry-style stop: buy 5 more if the price rises to 120 (not reduce-only).
        v.placeTrigger(market: 0, T.market(50, 1, .buy, "5"), triggerPrice: T.p("120"), above: true)
        // Account 2 (short 10, not liquidated): a reduce-only stop buying 1 at ≥ 120.
        v.placeTrigger(market: 0, T.marketOrder(51, 2, .buy, "1", reduceOnly: true), triggerPrice: T.p("120"), above: true)
        PV.oracle(&v, "94.7", at: 1, events: &ev)
        #expect(!PV.liquidations(ev).isEmpty)
        #expect(v.triggers.allSatisfy { $0.request.account != PV.a(1) })
        #expect(v.triggers.map(\.request.id) == [OrderId(51)])
        // At 120 only account 2's trigger fires.
        ev.removeAll()
        PV.oracle(&v, "120", at: 2, events: &ev)
        #expect(PV.triggerFired(ev).map(\.0) == [OrderId(51)])
        #expect(!PV.accepted(ev).contains(OrderId(50)))
        PV.checkConservation(v)
    }

    /// An insolvent position in a market with a fine step (1e-9) is closed in one step: with no equity left the
    /// whole position moves at once (no 25% steps, no 64-step cap), and the bad debt is resolved in the same round.
    @Test func insolventAccountIsClosedOutInOneRound() {
        var spec = PV.plainSpec()
        spec.matching = MarketConfig.plainBook(tick: T.p("0.01"), step: Quantity(raw: 1))
        var v = PV.venue([spec])
        var ev = EventBuffer()
        PV.deposit(&v, 1, "100")
        PV.deposit(&v, 2, "10000")
        PV.deposit(&v, 9, "10000")
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "10", at: "100", ids: (1, 2))
        ev.removeAll()
        // 85: equity 100 − 150 = −50 ≤ 0: one step of the whole 10, no fees.
        PV.oracle(&v, "85", at: 1, events: &ev)
        #expect(PV.liquidations(ev).map { [$0.size.raw, $0.liquidatorFee.raw, $0.insuranceFee.raw] } == [[10_000_000_000, 0, 0]])
        #expect(v.markets[0].account(PV.a(1)).base == 0)
        // bad debt 50: no insurance, no fee pool → socialised 25 each over account 2 (−10) and keeper 9 (+10)
        #expect(PV.bankruptcies(ev).map { [$0.1, $0.2, $0.3] } == [[50_000_000, 0, 50_000_000]])
        #expect(v.markets[0].account(PV.a(2)).realizedPnl == -25_000_000)
        #expect(v.balance(PV.a(1)).raw == 0)
        #expect(v.liquidatable().isEmpty)
        PV.checkConservation(v)
    }

    /// A bankruptcy later in the scan socialises its loss over open positions and pushes account 1, scanned
    /// earlier, under maintenance: the keeper round scans again and liquidates it in the same round.
    @Test func socialisedLossDoesNotLeaveAccountsBelowMaintenance() {
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 1, "193")
        PV.deposit(&v, 2, "10000")
        PV.deposit(&v, 3, "10000")
        PV.deposit(&v, 5, "100")
        PV.deposit(&v, 9, "10000")
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 5, maker: 2, "10", at: "100", ids: (1, 2))
        PV.openLong(&v, taker: 1, maker: 3, "10", at: "100", ids: (3, 4))
        ev.removeAll()
        // 85: account 1 has 193 − 150 = 43 ≥ MR 42.5 → left alone in the first pass; account 5 has −50 → closed out
        // at once with no fees: bad debt 50; insurance and pool are empty → 50 socialised over
        // |+10| (account 1), |−10| (2), |−10| (3), |+10| (keeper 9) = 12.5 each.
        PV.oracle(&v, "85", at: 1, events: &ev)
        #expect(PV.bankruptcies(ev).map { [$0.1, $0.2, $0.3] } == [[50_000_000, 0, 50_000_000]])
        // Second pass: account 1 has 43 − 12.5 = 30.5 < 42.5 → liquidated (cap 25% × 10 = 2.5, price 85, 5.1 per unit).
        // Step 1: target 42.5 + 17 = 59.5, shortfall 29 → 5.69 → 2.5; fees 212.5 × 0.5% = 1.0625 each → 28.375
        // Step 2: 7.5 left: MR 31.875, target 31.875 + 12.75 = 44.625, shortfall 16.25 → 3.19 → 2.5; fees 1.0625 × 2 → 26.25
        // Step 3: 5 left: MR 21.25, target 21.25 + 8.5 = 29.75, shortfall 3.5 → 3.5 / 5.1 = 0.68627… → 0.687;
        //   notional 58.395, fees 0.291975 each → 26.25 − 0.58395 = 25.66605;
        //   4.313 left: MR 366.605 × 5% = 18.33025, target 18.33025 + 7.3321 = 25.66235 ≤ 25.66605 → done.
        let steps = PV.liquidations(ev)
        #expect(steps.map(\.account) == [PV.a(5), PV.a(1), PV.a(1), PV.a(1)])
        #expect(steps.map(\.size) == [T.q("10"), T.q("2.5"), T.q("2.5"), T.q("0.687")])
        #expect(steps.map(\.liquidatorFee) == [.zero, T.amt(1_062_500), T.amt(1_062_500), T.amt(291_975)])
        #expect(steps.map(\.marginBefore) == [T.amt(-50_000_000), T.amt(30_500_000), T.amt(28_375_000), T.amt(26_250_000)])
        #expect(steps.last?.marginAfter == T.amt(25_666_050))
        #expect(steps.last?.requirement == T.amt(18_330_250))
        // account 1: −12.5 socialised + 5.687 × (85 − 100) = −85.305 realised
        #expect(v.markets[0].account(PV.a(1)).realizedPnl == -97_805_000)
        #expect(v.margin(PV.a(1)).maintenanceEquity.raw == 25_666_050)
        #expect(v.markets[0].account(PV.a(9)).base == 15_687_000_000)
        // insurance: 0 after the bankruptcy (50 charged exactly), then 1.0625 + 1.0625 + 0.291975
        #expect(v.markets[0].insuranceFund == 2_416_975)
        #expect(v.liquidatable().isEmpty)
        PV.checkConservation(v)
    }
}
