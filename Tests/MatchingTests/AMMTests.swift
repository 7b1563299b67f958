import MarketCore
import Matching
import Testing

/// The DAMM backstop (DESIGN §4, item 3). A small curve so the constant-product arithmetic can be
/// done by hand: √k = 10 base → B = Q = 10_000_000_000 (1e9 units), k = 1e20; base spread 0.1%
/// (500 ppm each side). Market: tick 0.01, step 0.001, no fees unless stated, no breakers.
@Suite struct AMMTests {
    static func config(sqrtK: String = "10", impact: Int64 = 400_000, maxSpread: Int64 = 50_000,
                       fees: FeeSchedule = .free, duration: Int32 = 0) -> MarketConfig {
        let amm = AMMConfig(sqrtK: T.q(sqrtK), baseSpread: Ppm(raw: 1_000), maxSpread: Ppm(raw: maxSpread),
                            priceImpactThreshold: Ppm(raw: impact))
        // Mark divergence widened to 40% so the curve's own post-trade prices do not invalidate the oracle.
        let guards = OracleGuardConfig(maxMarkDivergence: Ppm(raw: 400_000))
        return MarketConfig(tick: T.p("0.01"), step: T.q("0.001"), minSize: T.q("0.001"), fees: fees,
                            auction: AuctionConfig(duration: duration), amm: amm, oracle: guards, breaker: nil)
    }

    func live(_ c: MarketConfig = config()) -> (MatchingEngine, EventBuffer) {
        var e = MatchingEngine(config: c)
        var ev = EventBuffer()
        e.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(0), events: &ev)
        ev.removeAll()
        return (e, ev)
    }

    @Test func quotesOnlyAfterTheFirstValidOracle() {
        var e = MatchingEngine(config: Self.config())
        var ev = EventBuffer()
        #expect(e.amm?.isLive == false)
        e.place(T.market(1, 1, .buy, "1"), at: T.ts(1), events: &ev)
        // Confidence 3.00 / 100 = 30_000 ppm > 20_000 → too uncertain: no peg.
        e.updateOracle(price: T.p("100"), confidence: T.p("3"), at: T.ts(2), events: &ev)
        #expect(e.amm?.isLive == false)
        #expect(e.amm?.peg == 0)
        e.place(T.market(2, 1, .buy, "1"), at: T.ts(3), events: &ev)
        #expect(T.rejects(ev) == [T.reject(1, .noOracle), T.reject(2, .oracleInvalid)])
        e.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(4), events: &ev)
        let amm = e.amm!
        #expect(amm.isLive)
        #expect(amm.peg == 100_000_000)
        #expect(amm.sqrtK == T.q("10"))
        #expect(amm.midPrice == T.p("100"))            // Q × peg / B = 1e10 × 100e6 / 1e10
        // ask = ceil(100_000_000 × 1_000_500 / 1e6) = 100.05; bid = floor(100_000_000 × 999_500 / 1e6) = 99.95
        #expect(amm.bestPrice(for: .buy) == T.p("100.05"))
        #expect(amm.bestPrice(for: .sell) == T.p("99.95"))
        T.checkAll(e)
    }

    @Test func buyFollowsConstantProductRoundedAgainstTheTaker() {
        var (e, ev) = live()
        e.place(T.limit(1, 1, .buy, "200.00", "1", tif: .ioc), at: T.ts(1), events: &ev)
        // B' = 1e10 − 1e9 = 9e9; Q' = ceil(1e20 / 9e9) = ceil(11_111_111_111.1) = 11_111_111_112
        // mid cost = ceil((Q' − Q) × peg / 1e9) = ceil(1_111_111_112 × 100_000_000 / 1e9) = ceil(111_111_111.2) = 111_111_112
        // with ask spread: ceil(111_111_112 × 1_000_500 / 1e6) = ceil(111_166_667.556) = 111_166_668
        // average price = ceil(111_166_668 × 1e9 / 1e9) = 111.166668
        let f = T.fills(ev)
        #expect(f.map(\.maker) == [.amm])
        #expect(f.map(\.size) == [T.q("1")])
        #expect(f.map(\.notional) == [T.amt(111_166_668)])
        #expect(f.map(\.price) == [T.p("111.166668")])
        #expect(e.amm!.base == -1_000_000_000)
        #expect(e.amm!.quote == 111_166_668)
        // New mid = floor(11_111_111_112 × 100e6 / 9e9) = floor(123_456_790.2) = 123.456790
        #expect(e.amm!.midPrice == T.p("123.45679"))
        // √k' = floor(√(9e9 × 11_111_111_112)) = floor(√1.00000000008e20) = 10_000_000_000
        #expect(e.amm!.sqrtK == T.q("10"))
        #expect(e.account(T.acc(1)).base == 1_000_000_000)
        #expect(e.account(T.acc(1)).quote == -111_166_668)
        T.checkAll(e)
    }

    @Test func sellFollowsConstantProductRoundedAgainstTheTaker() {
        var (e, ev) = live()
        e.place(T.limit(1, 1, .sell, "50.00", "1", tif: .ioc), at: T.ts(1), events: &ev)
        // B' = 11e9; Q' = ceil(1e20 / 11e9) = ceil(9_090_909_090.9) = 9_090_909_091 (rounded up → less for the seller)
        // mid proceeds = floor((1e10 − 9_090_909_091) × 100e6 / 1e9) = floor(909_090_909 × 0.1) = 90_909_090
        // with bid spread: floor(90_909_090 × 999_500 / 1e6) = floor(90_863_635.455) = 90_863_635
        let f = T.fills(ev)
        #expect(f.map(\.maker) == [.amm])
        #expect(f.map(\.notional) == [T.amt(90_863_635)])
        #expect(f.map(\.price) == [T.p("90.863635")])
        #expect(e.amm!.base == 1_000_000_000)
        #expect(e.amm!.quote == -90_863_635)
        #expect(e.account(T.acc(1)).quote == 90_863_635)
        T.checkAll(e)
    }

    @Test func fillStopsAtTheLimit() {
        var (e, ev) = live()
        e.place(T.limit(1, 1, .buy, "105.00", "2", tif: .ioc), at: T.ts(1), events: &ev)
        // Post-fill mid may not exceed 105 / 1.0005: floor(105e6 × 1e6 / 1_000_500) = 104_947_526
        // (impact cap 100 × 1.4 = 140 is looser).
        // B'² ≥ k × peg / mid: ceil(1e20 / 104_947_526) = 952_857_145_008; × 1e8 = 95_285_714_500_800_000_000;
        // B' = ceil(√…) = 9_761_440_186; room = 1e10 − 9_761_440_186 = 238_559_814 → step-floored 0.238
        // Q' = ceil(1e20 / 9_762_000_000) = 10_243_802_500; (Q' − Q) × peg / 1e9 = 24_380_250 exactly;
        // × 1.0005 → ceil(24_392_440.125) = 24_392_441; avg = ceil(24_392_441e9 / 238e6) = 102.489248
        let f = T.fills(ev)
        #expect(f.map(\.size) == [T.q("0.238")])
        #expect(f.map(\.notional) == [T.amt(24_392_441)])
        #expect(f.map(\.price) == [T.p("102.489248")])
        #expect(T.cancels(ev) == [T.cancel(1, "1.762", .immediateOrCancel)])
        // The marginal ask after the fill is still ≤ the limit: 105.009471 would be the ask after 0.239,
        // after 0.238 it is below 105.
        #expect(e.amm!.bestPrice(for: .buy) <= T.p("105"))
        T.checkAll(e)
    }

    @Test func fillCutAtThePriceImpactThreshold() {
        var (e, ev) = live(Self.config(impact: 10_000))   // 1%
        e.place(T.limit(1, 1, .buy, "200.00", "2", tif: .ioc), at: T.ts(1), events: &ev)
        // Mid may not pass 100 × 1.01 = 101_000_000: ceil(1e20 / 101e6) = 990_099_009_901;
        // B' = ceil(√(990_099_009_901 × 1e8)) = 9_950_371_903; room 49_628_097 → 0.049
        // Q' = ceil(1e20 / 9_951e6) = 10_049_241_283; ceil(49_241_283 × 0.1) = 4_924_129;
        // × 1.0005 → ceil(4_926_591.06) = 4_926_592; avg = ceil(4_926_592e9 / 49e6) = 100.542694
        let f = T.fills(ev)
        #expect(f.map(\.size) == [T.q("0.049")])
        #expect(f.map(\.notional) == [T.amt(4_926_592)])
        #expect(f.map(\.price) == [T.p("100.542694")])
        #expect(T.cancels(ev) == [T.cancel(1, "1.951", .immediateOrCancel)])
        // Mid after: floor(10_049_241_283 × 1e8 / 9_951e6) = 100.987250 ≤ 101.
        #expect(e.amm!.midPrice == T.p("100.98725"))
        T.checkAll(e)
    }

    @Test func spreadWidensWithOracleConfidence() {
        var e = MatchingEngine(config: Self.config())
        var ev = EventBuffer()
        // conf ppm = ceil(0.5 × 1e6 / 100) = 5_000 → each side 500 + 5_000 = 5_500
        e.updateOracle(price: T.p("100"), confidence: T.p("0.5"), at: T.ts(0), events: &ev)
        #expect(e.amm!.askSpread == 5_500 && e.amm!.bidSpread == 5_500)
        // ask = 100 × 1.0055 = 100.55; bid = 100 × 0.9945 = 99.45
        #expect(e.amm!.bestPrice(for: .buy) == T.p("100.55"))
        #expect(e.amm!.bestPrice(for: .sell) == T.p("99.45"))
    }

    @Test func spreadWidensWithVolatility() {
        var (e, ev) = live()
        e.updateOracle(price: T.p("101"), confidence: .zero, at: T.ts(1_000), events: &ev)
        // |return| = ceil(1e6 × 1e6 / 100e6) = 10_000 ppm; vol = (0 × 7 + 10_000) / 8 = 1_250
        // each side 500 + 1_250 = 1_750; no position → the repeg to 101 is free.
        #expect(e.amm!.volatility == 1_250)
        #expect(e.amm!.askSpread == 1_750 && e.amm!.bidSpread == 1_750)
        #expect(e.amm!.peg == 101_000_000)
        // ask = ceil(101e6 × 1.00175) = 101.17675; bid = floor(101e6 × 0.99825) = 100.82325
        #expect(e.amm!.bestPrice(for: .buy) == T.p("101.17675"))
        #expect(e.amm!.bestPrice(for: .sell) == T.p("100.82325"))
        #expect(e.feePool == 0)
        T.checkAll(e)
    }

    @Test func spreadCappedAtMaxSpread() {
        var e = MatchingEngine(config: Self.config(maxSpread: 5_000))
        var ev = EventBuffer()
        // conf 1% = 10_000 ppm → 10_500 per side, total 21_000 > 5_000:
        // ask = ceil(10_500 × 5_000 / 21_000) = 2_500, bid = 5_000 − 2_500 = 2_500
        e.updateOracle(price: T.p("100"), confidence: T.p("1"), at: T.ts(0), events: &ev)
        #expect(e.amm!.askSpread == 2_500 && e.amm!.bidSpread == 2_500)
        #expect(e.amm!.bestPrice(for: .buy) == T.p("100.25"))
        #expect(e.amm!.bestPrice(for: .sell) == T.p("99.75"))
    }

    @Test func riskySideWidensWithInventoryAndLoss() {
        var (e, ev) = live(Self.config(maxSpread: 400_000))
        e.place(T.limit(1, 1, .buy, "200.00", "1", tif: .ioc), at: T.ts(1), events: &ev)   // AMM now short 1
        // Oracle at the curve's new mid: o = ceil(100e6 × 11_111_111_112 / 9e9) = 123_456_791;
        // target peg = floor(o × 9e9 / 11_111_111_112) = 100_000_000 = peg → no repeg.
        e.updateOracle(price: T.p("123.456791"), confidence: .zero, at: T.ts(1_000), events: &ev)
        #expect(e.amm!.peg == 100_000_000)
        // vol = ceil(23_456_791 × 1e6 / 100e6) / 8 = 234_568 / 8 = 29_321
        // inventory = ceil(1e9 × 1e6 / 9e9) = 111_112 ppm; widen = ceil(111_112 × 10) = 1_111_120
        // ask = ceil((500 + 29_321) × 2_111_120 / 1e6) = ceil(62_955.71) = 62_956
        // loss = 0 − (111_166_668 − 123_456_791) = 12_290_123 → + min(5_000, ceil(1_000 × 12_290_123 / 25e6)) = + 492
        // ask = 63_448; bid (not the risky side) = 500 + 29_321 = 29_821; total 93_269 < 400_000 (no cap)
        #expect(e.amm!.volatility == 29_321)
        #expect(e.amm!.askSpread == 63_448)
        #expect(e.amm!.bidSpread == 29_821)
        T.checkAll(e)
    }

    @Test func repegPaidFromTheFeePool() {
        // 10% taker fee, no insurance share: the pool holds ceil(111_166_668 × 0.1) = 11_116_667 after the buy.
        let fees = FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: 100_000), maker: .zero)], insuranceShare: .zero)
        var (e, ev) = live(Self.config(fees: fees))
        e.place(T.limit(1, 1, .buy, "200.00", "1", tif: .ioc), at: T.ts(1), events: &ev)
        #expect(e.feePool == 11_116_667)
        e.updateOracle(price: T.p("130"), confidence: .zero, at: T.ts(2), events: &ev)
        // target = floor(130e6 × 9e9 / 11_111_111_112) = 105_299_999
        // users' long 1 closes at B = 1e10: Q_T = ceil(k / 1e10) with k = 9e9 × 11_111_111_112 → 10_000_000_001
        // cost = ceil((11_111_111_112 − 10_000_000_001) × (105_299_999 − 100_000_000) / 1e9)
        //      = ceil(1_111_111_111 × 5_299_999 / 1e9) = ceil(5_888_887.77) = 5_888_888 ≤ pool → full repeg
        #expect(e.amm!.peg == 105_299_999)
        #expect(e.feePool == 11_116_667 - 5_888_888)
        #expect(e.amm!.quote == 111_166_668 + 5_888_888)
        T.checkAll(e)
    }

    @Test func repegPartialWhenThePoolIsShort() {
        // 0.1% taker fee: pool = ceil(111_166_668 × 1_000 / 1e6) = ceil(111_166.668) = 111_167.
        let fees = FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: 1_000), maker: .zero)], insuranceShare: .zero)
        var (e, ev) = live(Self.config(fees: fees))
        e.place(T.limit(1, 1, .buy, "200.00", "1", tif: .ioc), at: T.ts(1), events: &ev)
        #expect(e.feePool == 111_167)
        e.updateOracle(price: T.p("130"), confidence: .zero, at: T.ts(2), events: &ev)
        // full cost 5_888_888 > 111_167: move budget/cost of the way, rounded toward the old peg:
        // delta = floor(5_299_999 × 111_167 / 5_888_888) = 100_050 → peg 100_100_050;
        // cost = ceil(1_111_111_111 × 100_050 / 1e9) = ceil(111_166.67) = 111_167 ≤ budget → pool empties.
        #expect(e.amm!.peg == 100_100_050)
        #expect(e.feePool == 0)
        #expect(e.amm!.quote == 111_166_668 + 111_167)
        T.checkAll(e)
    }

    @Test func ammFillsOnlyOnceTheAuctionCrossesItsAskAndAfterMakers() {
        // √k = 100 (B = Q = 1e11), 3-step auction. Ask = 100.05.
        var (e, ev) = live(Self.config(sqrtK: "100", duration: 3))
        e.place(T.limit(1, 5, .sell, "100.05", "0.001"), at: T.ts(1), events: &ev)   // a maker at the AMM's ask
        ev.removeAll()
        // Limit buy 100.10 IOC: path 100.00, 100.04, 100.07, 100.10 (see AuctionTests). Nothing at s0, s1.
        e.place(T.limit(9, 9, .buy, "100.10", "1", tif: .ioc), at: T.ts(2), events: &ev)
        // s2 (100.07): the maker (same price as the AMM) first: 0.001 @ 100.05.
        //   Then the AMM up to ask ≤ 100.07: mid ≤ floor(100.07e12 / 1_000_500) = 100_019_990;
        //   ceil(1e22 / 100_019_990) = 99_980_013_995_203; B' = ceil(√(… × 1e8)) = 99_990_006_499; room 9_993_501 → 0.009
        //   Q' = ceil(1e22 / 99_991e6) = 100_009_000_811; ceil(9_000_811 × 0.1) = 900_082; ceil(900_082 × 1.0005) = 900_533
        // s3 (100.10): mid ≤ floor(100.1e12 / 1_000_500) = 100_049_975; k' = 99_991e6 × 100_009_000_811;
        //   B' = 99_975_021_863 → room 15_978_137 → 0.015; Q' = ceil(k' / 99_976e6) = 100_024_005_763;
        //   ceil(15_004_952 × 0.1) = 1_500_496; ceil(1_500_496 × 1.0005) = 1_501_247
        let f = T.fills(ev)
        #expect(f.map(\.maker) == [.order(T.oid(1), T.acc(5)), .amm, .amm])
        #expect(f.map(\.step) == [2, 2, 3])
        #expect(f.map(\.size) == [T.q("0.001"), T.q("0.009"), T.q("0.015")])
        #expect(f.map(\.notional) == [T.amt(100_050), T.amt(900_533), T.amt(1_501_247)])
        // 1 − 0.025 = 0.975 cancelled.
        #expect(T.cancels(ev) == [T.cancel(9, "0.975", .immediateOrCancel)])
        T.checkAll(e)
    }
    @Test func fokMarketOrderAgainstTheAMMIsAllOrNothing() {
        // Default-depth curve (√k = 1000, 1% impact), default 10-step auction; oracle 100.00995.
        var c = Self.config(sqrtK: "1000", impact: 10_000, duration: 10)
        c.oracle = OracleGuardConfig()
        var e = MatchingEngine(config: c)
        var ev = EventBuffer()
        e.updateOracle(price: T.p("100.00995"), confidence: .zero, at: T.ts(0), events: &ev)
        ev.removeAll()
        // Market buy: limit = floor(100_009_950 × 1_005_000 / 1e6) = 100_509_999; the auction ends at the
        // tick below it, 100.50, so the AMM can never be filled past an ask of 100.50.
        // The estimate now uses the snapped end 100.50 (below); before the fix it used 100.509999: mid ≤ floor(100_509_999e6 / 1_000_500) = 100_459_769,
        //   B' = ceil(√(ceil(1e24 / 100_459_769) × 100_009_950)) = 997_758_686_574 → room 2.241313426 → 2.241,
        //   minus slack 0.001 × (10 + 1 + 0) = 0.011 → 2.230 ≥ 2.230 → passes.
        // Reachable: capacity to 100.50: mid ≤ 100_449_775, B' = 997_808_320_096 → room 2.191679904 → 2.191 < 2.230.
        // All or nothing ⇒ expected: killed whole, no fill.
        e.place(T.market(1, 1, .buy, "2.23", tif: .fok), at: T.ts(1), events: &ev)
        #expect(T.fills(ev).isEmpty)
        #expect(T.cancels(ev) == [T.cancel(1, "2.23", .fillOrKill)])
        T.checkAll(e)
    }
}
