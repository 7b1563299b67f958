import MarketCore
@testable import Matching
import Testing

/// Issue 10's reproducers, hand-computed: the oracle action matrix, margin on amend and on a
/// market order's protection, liquidation sized with the size premium, and the input bounds.
/// Defaults: initial margin 10%, maintenance 5%, staleness 60 s, max confidence 2%.
@Suite struct HardeningTests {
    // MARK: - Oracle validity per action

    @Test func tooUncertainOracleNeverLiquidates() {
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 1, "150")
        PV.deposit(&v, 2, "10000")
        PV.deposit(&v, 9, "10000")
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "10", at: "100", ids: (1, 2))
        ev.removeAll()
        // 60 ± 40: confidence 67% > 2% → too uncertain. At 60 the account (150 − 400 = −250) would be
        // bankrupt; the update is recorded and reported but values nothing.
        v.updateOracle(market: 0, price: T.p("60"), confidence: T.p("40"), at: T.ts(1), events: &ev)
        #expect(ev.contains(.oracle(price: T.p("60"), status: .tooUncertain, T.ts(1))))
        #expect(PV.liquidations(ev).isEmpty)
        #expect(PV.bankruptcies(ev).isEmpty)
        // Still valued at the last valid oracle (100): equity 150, maintenance 10 × 100 × 5% = 50.
        #expect(v.margin(PV.a(1)).maintenanceEquity.raw == PV.usd("150"))
        #expect(v.margin(PV.a(1)).maintenanceRequirement.raw == PV.usd("50"))
        #expect(v.liquidatable().isEmpty)
        // A valid 90 (mark 100 is 11% away: mark divergent, a usable price): equity 150 − 100 = 50 ≥ 45.
        ev.removeAll()
        PV.oracle(&v, "90", at: 2, events: &ev)
        #expect(PV.liquidations(ev).isEmpty)
        #expect(v.margin(PV.a(1)).maintenanceEquity.raw == PV.usd("50"))
        // A valid 86: equity 150 − 140 = 10 < 43 → liquidated now.
        ev.removeAll()
        PV.oracle(&v, "86", at: 3, events: &ev)
        #expect(!PV.liquidations(ev).isEmpty)
        PV.checkConservation(v)
    }

    @Test func riskIncreasingOrdersWaitOnceTheLastValidOracleIsTooOld() {
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 1, "1000")
        // Before any oracle: nothing to value a new position at.
        v.place(market: 0, T.limit(1, 1, .buy, "100", "1"), at: T.ts(0), events: &ev)
        #expect(T.rejects(ev) == [T.reject(1, .noOracle)])
        ev.removeAll()
        PV.oracle(&v, "100", at: 0, events: &ev)
        v.updateOracle(market: 0, price: T.p("100"), confidence: T.p("50"), at: T.ts(1_000), events: &ev)  // too uncertain
        // 60 s after the last valid oracle: still fresh.
        v.place(market: 0, T.limit(2, 1, .buy, "99", "1"), at: T.ts(60_000), events: &ev)
        #expect(PV.accepted(ev) == [OrderId(2)])
        ev.removeAll()
        // 60.001 s: stale → risk-increasing orders and withdrawals refused; cutting risk still goes.
        v.place(market: 0, T.limit(3, 1, .buy, "99", "1"), at: T.ts(60_001), events: &ev)
        #expect(T.rejects(ev) == [T.reject(3, .oracleInvalid)])
        #expect(v.withdraw(PV.a(1), amount: Amount(raw: PV.usd("1")), at: T.ts(60_001), events: &ev) == .oracleInvalid)
        ev.removeAll()
        v.cancel(market: 0, OrderId(2), at: T.ts(60_002), events: &ev)
        #expect(T.cancels(ev).map(\.reason) == [.requested])
        // With no exposure left, collateral may leave whatever the oracle says.
        #expect(v.withdraw(PV.a(1), amount: Amount(raw: PV.usd("1")), at: T.ts(60_003), events: &ev) == nil)
    }

    @Test func invalidOracleDoesNotFireTriggers() {
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 1, "1000")
        PV.deposit(&v, 2, "10000")
        PV.deposit(&v, 9, "10000")
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "1", at: "100", ids: (1, 2))
        v.placeTrigger(market: 0, OrderRequest(id: OrderId(7), account: PV.a(1), side: .sell, type: .market, price: .zero,
                                               size: T.q("1"), tif: .ioc, reduceOnly: true),
                       triggerPrice: T.p("95"), above: false)
        ev.removeAll()
        v.updateOracle(market: 0, price: T.p("90"), confidence: T.p("10"), at: T.ts(1), events: &ev)  // 11%: too uncertain
        #expect(PV.triggerFired(ev).isEmpty)
        PV.oracle(&v, "94", at: 2, events: &ev)
        #expect(PV.triggerFired(ev).map(\.0) == [OrderId(7)])
    }

    // MARK: - Margin on every path

    @Test func amendGoesThroughTheMarginAndOwnershipChecks() {
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 1, "1000")
        PV.deposit(&v, 2, "1000000")
        PV.oracle(&v, "100", at: 0, events: &ev)
        v.place(market: 0, T.limit(10, 2, .sell, "100.05", "1000"), at: T.ts(0), events: &ev)
        ev.removeAll()
        // 1,000 at 101 needs 1000 × 100 × 10% = 10,000 of initial margin (+ 1,000 adverse): refused.
        v.place(market: 0, T.limit(1, 1, .buy, "101", "1000"), at: T.ts(1), events: &ev)
        #expect(T.rejects(ev) == [T.reject(1, .insufficientMargin)])
        ev.removeAll()
        // 0.01 at 90 rests; amending it to the same 1,000 at 101 is refused the same way and leaves it resting.
        v.place(market: 0, T.limit(2, 1, .buy, "90", "0.01"), at: T.ts(2), events: &ev)
        #expect(PV.accepted(ev) == [OrderId(2)])
        ev.removeAll()
        v.amend(market: 0, OrderId(2), account: PV.a(1), price: T.p("101"), size: T.q("1000"), at: T.ts(3), events: &ev)
        #expect(T.rejects(ev) == [T.reject(2, .insufficientMargin)])
        #expect(T.fills(ev).isEmpty)
        #expect(v.markets[0].book.order(OrderId(2))?.remaining == T.q("0.01"))
        #expect(v.markets[0].account(PV.a(1)).base == 0)
        // Another account may not touch it.
        ev.removeAll()
        v.amend(market: 0, OrderId(2), account: PV.a(2), price: nil, size: T.q("0.005"), at: T.ts(4), events: &ev)
        v.cancel(market: 0, OrderId(2), account: PV.a(2), at: T.ts(4), events: &ev)
        #expect(T.rejects(ev) == [T.reject(2, .notOwner), T.reject(2, .notOwner)])
        // Within margin: 50 at 100.05 needs 500 + 2.5 adverse ≤ 1000 → amended, fills at the maker's 100.05.
        ev.removeAll()
        v.amend(market: 0, OrderId(2), account: PV.a(1), price: T.p("100.05"), size: T.q("50"), at: T.ts(5), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("50")])
        #expect(v.orders(of: PV.a(2), market: 0).map(\.remaining) == [T.q("950")])
        PV.checkConservation(v)
    }

    @Test func marketOrderMarginUsesItsProtectionPrice() {
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 1, "100")
        PV.deposit(&v, 2, "100000")
        PV.oracle(&v, "100", at: 0, events: &ev)
        v.place(market: 0, T.limit(10, 2, .sell, "100", "20"), at: T.ts(0), events: &ev)
        ev.removeAll()
        // No protection: worst price 100 × 1.005 = 100.5 → 100 − 9.9 × 0.5 = 95.05 < 9.9 × 100 × 10% = 99.
        v.place(market: 0, T.marketOrder(1, 1, .buy, "9.9"), at: T.ts(1), events: &ev)
        #expect(T.rejects(ev) == [T.reject(1, .insufficientMargin)])
        ev.removeAll()
        // Protection 100: worst price 100 → 100 ≥ 99, accepted like the IOC limit at 100.
        v.place(market: 0, T.marketOrder(2, 1, .buy, "9.9", protection: "100"), at: T.ts(2), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("9.9")])
        #expect(MatchingEngine.worstPrice(side: .buy, type: .market, price: 0, oracle: T.p("100").raw, endOffset: 5_000) == T.p("100.5").raw)
        #expect(MatchingEngine.worstPrice(side: .sell, type: .market, price: 0, oracle: T.p("100").raw, endOffset: 5_000) == T.p("99.5").raw)
        #expect(MatchingEngine.worstPrice(side: .buy, type: .market, price: 0, oracle: 0, endOffset: 5_000) == nil)
    }

    // MARK: - JIT providers through the venue

    @Test func jitQuotesAreCheckedForRegistrationAndMargin() {
        let c = MarketConfig(tick: T.p("0.01"), step: T.q("0.001"), minSize: T.q("0.001"), fees: .free,
                             auction: AuctionConfig(duration: 10), amm: nil, breaker: nil)
        var v = PV.venue([MarketSpec(matching: c)])
        var ev = EventBuffer()
        PV.deposit(&v, 1, "100000")
        PV.deposit(&v, 5, "100")
        PV.deposit(&v, 6, "100000")
        PV.deposit(&v, 7, "100000")
        PV.deposit(&v, 8, "100000")
        #expect(v.registerProvider(ProviderId(1), account: PV.a(5)) == nil)
        #expect(v.registerProvider(ProviderId(3), account: PV.a(7)) == nil)
        #expect(v.registerProvider(ProviderId(3), account: PV.a(8)) == .providerRegistered(account: PV.a(7)))
        PV.oracle(&v, "100", at: 0, events: &ev)
        var pool = [
            // Registered, but its 100 USDC carries only 100 / (100 × 10%) = 10 lots at its worst price 100.
            FixedEdgeProvider(id: ProviderId(1), account: PV.a(5), edge: .zero, maxSize: T.q("1000"), latency: 0),
            // Never registered: dropped.
            FixedEdgeProvider(id: ProviderId(2), account: PV.a(6), edge: .zero, maxSize: T.q("1000"), latency: 0),
            // Registered for account 7, quoting for account 8: dropped.
            FixedEdgeProvider(id: ProviderId(3), account: PV.a(8), edge: .zero, maxSize: T.q("1000"), latency: 0),
        ]
        ev.removeAll()
        v.place(market: 0, T.marketOrder(1, 1, .buy, "50"), at: T.ts(1), providers: &pool, events: &ev)
        let fills = T.fills(ev)
        #expect(fills.map(\.size) == [T.q("10")])
        #expect(fills.map(\.price) == [T.p("100")])
        #expect(fills.map(\.maker) == [.provider(ProviderId(1), PV.a(5))])
        #expect(v.markets[0].account(PV.a(5)).base == -T.q("10").raw)
        #expect(v.margin(PV.a(5)).freeCollateral.raw == 0)
        PV.checkConservation(v)
    }

    // MARK: - Liquidation sizing with the size premium

    @Test func liquidationStepSolvesForTheSizePremium() {
        // Maintenance ratio 5% + 1% × √|base|; no fees, no buffer.
        let risk = RiskConfig(sizePremium: Ppm(raw: 10_000), liquidatorFee: .zero, insuranceFee: .zero, liquidationBuffer: .zero)
        var v = PV.venue([PV.plainSpec(risk: risk)])
        var ev = EventBuffer()
        PV.deposit(&v, 1, "2100")
        PV.deposit(&v, 2, "100000")
        PV.deposit(&v, 9, "100000")
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        // Initial: 100 × 100 × (10% + 1% × 10) = 2000 ≤ 2100.
        PV.openLong(&v, taker: 1, maker: 2, "100", at: "100", ids: (1, 2))
        ev.removeAll()
        // At 90: equity 2100 − 1000 = 1100 < 9000 × 15% = 1350. The smallest x left with
        // x × 90 × (0.05 + 0.01 √x) ≤ 1100 is x = 85.71909 (q = 14.28091); on the 0.001 step, 14.281
        // leaves 85.719 whose requirement rounds up to 1100.001926 > 1100, so the step is 14.282
        // (requirement 1099.989093). A linear estimate ignoring the premium moved 250 / 4.5 = 55.56.
        PV.oracle(&v, "90", at: 1, events: &ev)
        let steps = PV.liquidations(ev)
        #expect(steps.map(\.size) == [T.q("14.282")])
        #expect(steps.first?.marginAfter == Amount("1100"))
        #expect(steps.first?.requirement == Amount("1099.989093"))
        #expect(v.liquidatable().isEmpty)
        PV.checkConservation(v)
    }

    // MARK: - Funding mark

    @Test func minimumSizeOrdersFarFromTheOracleDoNotMoveFunding() {
        // The default impact notional: 1,000 USDC a side.
        var v = PV.venue([PV.plainSpec(funding: FundingConfig())])
        var ev = EventBuffer()
        PV.deposit(&v, 1, "10000")
        PV.deposit(&v, 2, "10000")
        PV.oracle(&v, "100", at: 0, events: &ev)
        // Two 0.001-lot orders 5% above the oracle (0.1 USDC each): under the old top-of-book mid
        // the mark would be (105 + 106) / 2 = 105.5, a 5.5% premium for the whole hour.
        v.place(market: 0, T.limit(1, 1, .buy, "105", "0.001"), at: T.ts(0), events: &ev)
        v.place(market: 0, T.limit(2, 2, .sell, "106", "0.001"), at: T.ts(0), events: &ev)
        #expect(v.markets[0].markPrice == T.p("100").raw)
        // Even trading them against each other (0.105 USDC) leaves funding alone.
        v.place(market: 0, T.limit(3, 2, .sell, "105", "0.001"), at: T.ts(1), events: &ev)
        #expect(T.fills(ev).count == 1)
        ev.removeAll()
        v.withMarket(0) { $0.updateFunding(at: T.ts(3_600_000), events: &ev) }
        #expect(PV.fundingEvents(ev).map(\.rate) == [0])
        // Depth of impact size moves it: 10 lots a side (≥ 1,000 USDC) at 100.2 / 100.4 → mark 100.3.
        PV.oracle(&v, "100", at: 3_600_000, events: &ev)
        v.place(market: 0, T.limit(4, 1, .buy, "100.2", "10"), at: T.ts(3_600_000), events: &ev)
        v.place(market: 0, T.limit(5, 2, .sell, "100.4", "10"), at: T.ts(3_600_000), events: &ev)
        #expect(v.markets[0].markPrice == T.p("100.3").raw)
    }

    @Test func impactPriceAveragesTheLevelsItNeeds() {
        var e = MatchingEngine(config: .plainBook(tick: T.p("0.01"), step: T.q("0.001")))
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100", "5"), at: T.ts(0), events: &ev)   // 500 USDC
        e.place(T.limit(2, 1, .sell, "110", "10"), at: T.ts(0), events: &ev)  // 1,100 USDC
        // 1,000 USDC: 5 at 100 (500) + 500 / 110 = 4.5454… at 110 → base 9.5454… = 105 / 11;
        // average = 1000 × 11 / 105 = 104.761904… → 104.761904 (toward zero).
        #expect(MatchingEngine.impactPrice(e.book.asks, notional: 1_000_000_000) == 104_761_904)
        // Within the best level the average is that level's price exactly.
        #expect(MatchingEngine.impactPrice(e.book.asks, notional: 1) == 100_000_000)
        #expect(MatchingEngine.impactPrice(e.book.asks, notional: 2_000_000_000) == nil)
        #expect(MatchingEngine.impactPrice(e.book.bids, notional: 1) == nil)
    }

    // MARK: - FOK and breakers

    @Test func fillOrKillThatWouldTripTheVolumeBreakerIsRefusedUpFront() {
        var c = MarketConfig.plainBook(tick: T.p("0.01"), step: T.q("0.001"))
        c.breaker = BreakerConfig(maxVolume: T.q("10"))
        var e = MatchingEngine(config: c)
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100", "6"), at: T.ts(0), events: &ev)
        e.place(T.limit(2, 1, .sell, "101", "6"), at: T.ts(0), events: &ev)
        ev.removeAll()
        // 12 > 10: the second level's fill would trip the breaker and stop the order half-way.
        e.place(T.limit(3, 2, .buy, "101", "12", tif: .fok), at: T.ts(1), events: &ev)
        #expect(T.rejects(ev) == [T.reject(3, .wouldTripBreaker)])
        #expect(T.fills(ev).isEmpty)
        // Exactly 10 does not trip (the breaker needs more than 10): filled whole.
        ev.removeAll()
        e.place(T.limit(4, 2, .buy, "101", "10", tif: .fok), at: T.ts(2), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("6"), T.q("4")])
        #expect(!e.breakers.isTripped)
        T.checkAll(e)
    }

    // MARK: - Bounds

    @Test func ordersOutsideTheBoundsAreRefusedNotTrapped() {
        var e = MatchingEngine(config: .plainBook(tick: T.p("0.01"), step: T.q("0.001")))
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "1", "5000000000"), at: T.ts(0), events: &ev)
        e.place(T.limit(2, 1, .buy, "2000000", "1"), at: T.ts(0), events: &ev)
        e.place(OrderRequest(id: OrderId(UInt32.max), account: PV.a(1), side: .buy, price: T.p("1"), size: T.q("1")), at: T.ts(0), events: &ev)
        #expect(T.rejects(ev) == [T.reject(1, .sizeOutOfRange), T.reject(2, .priceOutOfRange), Reject(id: OrderId(UInt32.max), reason: .invalidOrderId)])
        ev.removeAll()
        // Position plus open orders on a side ≤ 1,000,000.
        e.place(T.limit(3, 1, .sell, "1", "600000"), at: T.ts(0), events: &ev)
        e.place(T.limit(4, 1, .sell, "1", "400000"), at: T.ts(0), events: &ev)
        e.place(T.limit(5, 1, .sell, "1", "0.001"), at: T.ts(0), events: &ev)
        #expect(PV.accepted(ev) == [OrderId(3), OrderId(4)])
        #expect(T.rejects(ev) == [T.reject(5, .positionLimit)])
        ev.removeAll()
        // A side's resting size ≤ 100,000,000: 99 more accounts fill it exactly, the next order is refused.
        for a in UInt32(2)...100 { e.place(T.limit(10 + a, a, .sell, "1", "1000000"), at: T.ts(0), events: &ev) }
        #expect(T.rejects(ev).isEmpty)
        #expect(e.book.restingSize(.sell) == Bounds.maxOpenInterest.raw)
        e.place(T.limit(200, 101, .sell, "1", "0.001"), at: T.ts(0), events: &ev)
        #expect(T.rejects(ev) == [T.reject(200, .openInterestLimit)])
        T.checkAll(e)
    }

    @Test func oracleOutsideTheBoundsIsRefusedNotTrapped() {
        var c = MarketConfig()
        c.amm = AMMConfig()
        var e = MatchingEngine(config: c)
        var ev = EventBuffer()
        // confidence / price = 10,000,000 / 0.000001 would not fit 64 bits: refused at entry.
        #expect(!e.updateOracle(price: T.p("0.000001"), confidence: T.p("10000000"), at: T.ts(1), events: &ev))
        #expect(Array(ev) == [.oracle(price: T.p("0.000001"), status: .outOfRange, T.ts(1))])
        #expect(!e.oracle.hasValue)
        #expect(!e.updateOracle(price: T.p("9223372036854.775807"), confidence: .zero, at: T.ts(2), events: &ev))
        // The largest allowed values are recorded and merely invalid.
        ev.removeAll()
        #expect(e.updateOracle(price: T.p("0.000001"), confidence: Bounds.maxConfidence, at: T.ts(3), events: &ev))
        #expect(ev.contains(.oracle(price: T.p("0.000001"), status: .tooUncertain, T.ts(3))))
        #expect(e.updateOracle(price: Bounds.maxPrice, confidence: .zero, at: T.ts(4), events: &ev))
    }

    @Test func depositsOutsideTheBoundsAreRefused() {
        var v = PV.venue()
        var ev = EventBuffer()
        #expect(v.deposit(PV.a(1), amount: Amount(raw: PV.usd("9000000000000")), at: T.ts(0), events: &ev) == .amountOutOfRange(max: Bounds.maxAmount))
        for a in UInt32(1)...10 { #expect(v.deposit(PV.a(a), amount: Amount(raw: Bounds.maxAmount.raw), at: T.ts(0), events: &ev) == nil) }
        #expect(v.deposit(PV.a(11), amount: Amount(raw: 1), at: T.ts(0), events: &ev) == .totalOutOfRange(max: Bounds.maxTotal))
        #expect(v.netDeposits.raw == Bounds.maxTotal.raw)
        // Other collateral: the same bound on the asset's total over all accounts (a withdrawal frees room).
        var w = PV.venue(assets: [CollateralAsset(name: "WETH", initialWeight: Ppm(raw: 800_000), maintenanceWeight: Ppm(raw: 900_000))])
        for a in UInt32(1)...10 { #expect(w.deposit(PV.a(a), asset: 1, units: Quantity(raw: Bounds.maxAmount.raw), at: T.ts(0), events: &ev) == nil) }
        #expect(w.deposit(PV.a(11), asset: 1, units: Quantity(raw: 1), at: T.ts(0), events: &ev) == .totalOutOfRange(max: Bounds.maxTotal))
        #expect(w.withdraw(PV.a(3), asset: 1, units: Quantity(raw: 5), at: T.ts(0), events: &ev) == nil)
        #expect(w.deposit(PV.a(11), asset: 1, units: Quantity(raw: 5), at: T.ts(0), events: &ev) == nil)
        #expect(w.deposit(PV.a(11), asset: 1, units: Quantity(raw: 1), at: T.ts(0), events: &ev) == .totalOutOfRange(max: Bounds.maxTotal))
    }

    @Test func hugeSqrtKIsRefusedByValidationNotTrapped() {
        let a = AMMConfig(sqrtK: Quantity(raw: 9_000_000_000_000_000_000))
        var c = MarketConfig()
        c.amm = a
        #expect(c.validate().contains { $0.hasPrefix("amm.sqrtK") })
    }
}
