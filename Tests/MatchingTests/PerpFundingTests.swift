import MarketCore
@testable import Matching
import Testing

/// Hand-computed funding (issue item 3): premium TWAP → rate, clamp, cumulative index, lazy settlement
/// on touch, the AMM's share at the period, and funding netting to zero (rounding dust swept to insurance).
/// Index unit: 1e-9 quote per whole base; payment = base_raw × Δindex / 1e12, rounded up (payer pays the ceiling);
/// the clearing is kept at ⌈Σ exact payments⌉ and whole units beyond it go to the market's insurance fund at once.
@Suite struct PerpFundingTests {
    static let hour: Int64 = 3_600_000

    static func funded(_ accounts: [UInt32], _ amount: String = "10000") -> PerpVenue {
        var v = PV.venue()
        for a in accounts { PV.deposit(&v, a, amount) }
        return v
    }

    static func settleAll(_ v: inout PerpVenue, market: Int = 0) {
        v.withMarket(market) { e in
            for i in 0..<e.accountCount { e.settleFunding(AccountId(UInt32(i))) }
        }
    }

    @Test func premiumTwapRateIndexAndLazySettlement() {
        var v = Self.funded([1, 2, 3, 9], "1000")
        var ev = EventBuffer()
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "10", at: "100.05", ids: (1, 2))
        // The fill sampled the premium: mark (last trade) 100.05 − oracle 100 = 0.05 from t = 0
        // (an oracle update at the same time changes nothing).
        PV.oracle(&v, "100", at: 0, events: &ev)
        // Half-way, a fresh oracle (margin refuses risk-increasing orders on a stale one), then a
        // trade at 100.00 moves the mark back: premium 0 from then on.
        PV.oracle(&v, "100", at: Self.hour / 2, events: &ev)
        v.place(market: 0, T.limit(3, 3, .buy, "100", "1"), at: T.ts(Self.hour / 2), events: &ev)
        v.place(market: 0, T.limit(4, 2, .sell, "100", "1"), at: T.ts(Self.hour / 2), events: &ev)
        #expect(PV.fundingEvents(ev).isEmpty)
        ev.removeAll()
        // Period end: a keeper updates funding.
        v.advance(to: T.ts(Self.hour), events: &ev)
        // TWAP premium = (0.05 × 1800 s + 0 × 1800 s) / 3600 s = 0.025; rate = 0.025 / 100 = 0.025% = 250_000 (1e9)
        // Δindex = 250_000 × 100 = 25_000_000 (1e-9 quote per base) = 0.025 per base.
        #expect(ev.contains(.funding(rate: 250_000, index: 25_000_000, mark: T.p("100"), oracle: T.p("100"), T.ts(Self.hour))))
        #expect(PV.done(ev).map { [Int64($0.0), Int64($0.1.rawValue), $0.2] } == [[0, Int64(KeeperJobKind.funding.rawValue), 0]])
        #expect(v.markets[0].funding.lastRate == 250_000)
        // Nothing settled yet (lazy): account 1 owes 10 × 0.025 = 0.25, account 2 (short 11) is owed 0.275, account 3 owes 0.025.
        #expect(v.markets[0].account(PV.a(1)).funding == 0)
        #expect(v.markets[0].account(PV.a(1)).quote == -1_000_500_000)
        #expect(v.markets[0].pendingFunding(PV.a(1)) == 250_000)
        #expect(v.markets[0].pendingFunding(PV.a(2)) == -275_000)
        #expect(v.markets[0].pendingFunding(PV.a(3)) == 25_000)
        // Margin counts it: 1000 − 1000.5 − 0.25 + 10 × 100 = 999.25
        #expect(v.margin(PV.a(1)).initialEquity.raw == 999_250_000)
        // Touch accounts 1 and 3 with a trade (after a fresh oracle: margin needs one): both settle,
        // the clearing holds what they paid.
        PV.oracle(&v, "100", at: Self.hour + 1, events: &ev)
        v.place(market: 0, T.limit(5, 3, .buy, "100", "1"), at: T.ts(Self.hour + 1), events: &ev)
        v.place(market: 0, T.limit(6, 1, .sell, "100", "1"), at: T.ts(Self.hour + 1), events: &ev)
        #expect(v.markets[0].account(PV.a(1)).funding == 250_000)
        #expect(v.markets[0].account(PV.a(3)).funding == 25_000)
        #expect(v.markets[0].funding.clearing == 275_000)
        // −1000.5 − 0.25 + 100 (sold 1 @ 100)
        #expect(v.markets[0].account(PV.a(1)).quote == -900_750_000)
        // Account 2 settles: receives 0.275; the clearing is empty.
        v.withMarket(0) { $0.settleFunding(PV.a(2)) }
        #expect(v.markets[0].account(PV.a(2)).funding == -275_000)
        #expect(v.markets[0].funding.clearing == 0)
        PV.checkConservation(v)
    }

    @Test func anExternalRateReplacesThePremiumRateOnceAndIsClamped() {
        // The same period as above (premium rate 0.025%), but a given rate of 0.01% (100_000 at 1e9):
        // Δindex = 100_000 × 100 = 10_000_000; account 1 (long 10) owes 10 × 0.01 = 0.1.
        var v = Self.funded([1, 2, 9], "1000")
        var ev = EventBuffer()
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "10", at: "100.05", ids: (1, 2))
        PV.oracle(&v, "100", at: 0, events: &ev)
        v.setExternalFundingRate(market: 0, FundingRate("0.0001")!)
        ev.removeAll()
        PV.oracle(&v, "100", at: Self.hour, events: &ev)
        #expect(PV.fundingEvents(ev).map(\.rate) == [100_000])
        #expect(v.markets[0].pendingFunding(PV.a(1)) == 100_000)
        #expect(v.markets[0].funding.externalRate == nil)
        // The next period goes back to the premium (mark 100.05 − oracle 100 all period: 0.05%,
        // clamped to maxRate 0.1%: stays 0.05% = 500_000).
        ev.removeAll()
        PV.oracle(&v, "100", at: 2 * Self.hour, events: &ev)
        #expect(PV.fundingEvents(ev).map(\.rate) == [500_000])
        // A given rate beyond maxRate (0.1%) is clamped: 0.5% → 1_000_000.
        v.setExternalFundingRate(market: 0, FundingRate("-0.005")!)
        ev.removeAll()
        PV.oracle(&v, "100", at: 3 * Self.hour, events: &ev)
        #expect(PV.fundingEvents(ev).map(\.rate) == [-1_000_000])
        PV.checkConservation(v)
    }

    @Test func rateIsClampedBothWays() {
        for (price, expectedRate) in [("101", Int64(1_000_000)), ("98", Int64(-1_000_000))] {
            var v = Self.funded([1, 2])
            var ev = EventBuffer()
            PV.oracle(&v, "100", at: 0, events: &ev)
            PV.openLong(&v, taker: 1, maker: 2, "10", at: price, ids: (1, 2))
            PV.oracle(&v, "100", at: 0, events: &ev)
            ev.removeAll()
            v.withMarket(0) { $0.updateFunding(at: T.ts(Self.hour), events: &ev) }
            // premium ±1 / ±2 on 100 = ±1% / ∓2% → clamped to ±maxRate 0.1% = ±1_000_000 (1e9);
            // Δindex = ±1_000_000 × 100 = ±1e8 → the long pays ±10 × 0.1 = ±1.0
            #expect(PV.fundingEvents(ev).map(\.rate) == [expectedRate])
            #expect(PV.fundingEvents(ev).map(\.index) == [expectedRate * 100])
            #expect(v.markets[0].pendingFunding(PV.a(1)) == expectedRate)
            #expect(v.markets[0].pendingFunding(PV.a(2)) == -expectedRate)
        }
    }

    @Test func indexAccumulatesAndOneTouchSettlesEveryPeriod() {
        var v = Self.funded([1, 2])
        var ev = EventBuffer()
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "10", at: "100.05", ids: (1, 2))
        PV.oracle(&v, "100", at: 0, events: &ev)
        ev.removeAll()
        v.withMarket(0) { $0.updateFunding(at: T.ts(Self.hour), events: &ev) }
        // Not due yet half a period later: no event, index unchanged.
        v.withMarket(0) { $0.updateFunding(at: T.ts(Self.hour + Self.hour / 2), events: &ev) }
        v.withMarket(0) { $0.updateFunding(at: T.ts(2 * Self.hour), events: &ev) }
        // Each period: premium 0.05 / 100 = 0.05% = 500_000 → Δindex 5e7; two periods → 1e8
        #expect(PV.fundingEvents(ev).map(\.index) == [50_000_000, 100_000_000])
        #expect(PV.fundingEvents(ev).map(\.rate) == [500_000, 500_000])
        // One settlement pays both periods: 10 × 0.1 = 1.0
        v.withMarket(0) { $0.settleFunding(PV.a(1)) }
        #expect(v.markets[0].account(PV.a(1)).funding == 1_000_000)
        #expect(v.markets[0].account(PV.a(1)).fundingIndex == 100_000_000)
        #expect(v.markets[0].account(PV.a(1)).quote == -1_000_500_000 - 1_000_000)
    }

    @Test func fundingNetsToZeroUpToRoundingDust() {
        var v = Self.funded([1, 2, 3, 4])
        var ev = EventBuffer()
        PV.oracle(&v, "123.45", at: 0, events: &ev)
        v.place(market: 0, T.limit(1, 3, .sell, "123.5", "1.1"), at: T.ts(0), events: &ev)
        v.place(market: 0, T.limit(2, 4, .sell, "123.5", "1.1"), at: T.ts(0), events: &ev)
        v.place(market: 0, T.limit(3, 1, .buy, "123.5", "1.5"), at: T.ts(0), events: &ev)
        v.place(market: 0, T.limit(4, 2, .buy, "123.5", "0.7"), at: T.ts(0), events: &ev)
        PV.oracle(&v, "123.45", at: 0, events: &ev)
        ev.removeAll()
        v.withMarket(0) { $0.updateFunding(at: T.ts(Self.hour), events: &ev) }
        // rate = 0.05 × 1e9 / 123.45 = 405_022.27 → 405_022 (toward zero)
        // Δindex = 405_022 × 123.45 = 49_999_965.9 → 49_999_965
        #expect(PV.fundingEvents(ev).map(\.rate) == [405_022])
        #expect(PV.fundingEvents(ev).map(\.index) == [49_999_965])
        #expect(v.markets[0].insuranceFund == 0)
        Self.settleAll(&v)
        // +1.5 → 74_999.9475 → 75_000; +0.7 → 34_999.9755 → 35_000; −1.1 → −54_999.9615 → −54_999 (twice)
        #expect(v.markets[0].account(PV.a(1)).funding == 75_000)
        #expect(v.markets[0].account(PV.a(2)).funding == 35_000)
        #expect(v.markets[0].account(PV.a(3)).funding == -54_999)
        #expect(v.markets[0].account(PV.a(4)).funding == -54_999)
        // Settled in account order; clearing vs ⌈Σ exact⌉:
        //   1: 75_000 vs ⌈74_999.9475⌉ = 75_000; 2: 110_000 vs ⌈109_999.923⌉ = 110_000 (no dust);
        //   3: 55_001 vs ⌈54_999.9615⌉ = 55_000 → 1 swept; 4: 1 vs ⌈0⌉ = 0 → 1 swept.
        // The 75_000 + 35_000 − 2 × 54_999 = 2 of dust is in the (fee-free) market's insurance fund; clearing 0.
        #expect(v.markets[0].funding.clearing == 0)
        #expect(v.markets[0].insuranceFund == 2)
        PV.checkConservation(v)
    }

    @Test func ammPaysItsShareAtThePeriod() {
        var m = MarketConfig(tick: T.p("0.01"), step: T.q("0.001"), minSize: T.q("0.001"), fees: .free,
                             auction: AuctionConfig(duration: 0), amm: AMMConfig(sqrtK: T.q("50000")), breaker: nil)
        m.funding = FundingConfig(impactNotional: Amount(raw: 1))  // the plain top-of-book mid
        var v = PV.venue([MarketSpec(matching: m)])
        var ev = EventBuffer()
        for a: UInt32 in [1, 3, 4] { PV.deposit(&v, a, "10000") }
        PV.oracle(&v, "100", at: 0, events: &ev)
        // Account 1 buys 1 from the AMM (the AMM goes short 1).
        v.place(market: 0, T.market(1, 1, .buy, "1"), at: T.ts(0), events: &ev)
        #expect(T.fills(ev).map(\.maker) == [.amm])
        #expect(v.markets[0].amm?.base == -1_000_000_000)
        // A book bid 99.90 / ask 100.20 makes the mark their mid, 100.05.
        v.place(market: 0, T.limit(2, 3, .buy, "99.9", "1"), at: T.ts(0), events: &ev)
        v.place(market: 0, T.limit(3, 4, .sell, "100.2", "1"), at: T.ts(0), events: &ev)
        #expect(v.markets[0].markPrice == 100_050_000)
        PV.oracle(&v, "100", at: 0, events: &ev)
        let ammQuote = v.markets[0].amm!.quote
        ev.removeAll()
        v.withMarket(0) { $0.updateFunding(at: T.ts(Self.hour), events: &ev) }
        // rate 0.05% = 500_000, Δindex 5e7: the AMM (short 1) is paid 0.05 at once, the long owes 0.05 lazily.
        #expect(PV.fundingEvents(ev).map(\.index) == [50_000_000])
        #expect(v.markets[0].amm!.quote - ammQuote == 50_000)
        #expect(v.markets[0].funding.clearing == -50_000)
        #expect(v.markets[0].pendingFunding(PV.a(1)) == 50_000)
        v.withMarket(0) { $0.settleFunding(PV.a(1)) }
        #expect(v.markets[0].funding.clearing == 0)
        PV.checkConservation(v)
    }

    /// Each settlement's rounding is swept out of the clearing, so it stays bounded however many periods pass:
    /// 1 unit per period for one long/short pair goes to the insurance fund.
    @Test func fundingDustStaysBoundedOverManyPeriods() {
        var v = Self.funded([1, 2])
        var ev = EventBuffer()
        PV.oracle(&v, "123.45", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "1.5", at: "123.5", ids: (1, 2))
        PV.oracle(&v, "123.45", at: 0, events: &ev)
        for p in 1...5 {
            v.withMarket(0) { $0.updateFunding(at: T.ts(Int64(p) * Self.hour), events: &ev) }
            Self.settleAll(&v)
            // long pays 75_000 (clearing 75_000 = ⌈74_999.9475⌉), short receives 74_999 (clearing 1 vs ⌈0⌉ → 1 swept)
            #expect(v.markets[0].funding.clearing == 0)
            #expect(v.markets[0].insuranceFund == Int64(p))
        }
        // each period: long pays 75_000, short receives 74_999 (see fundingNetsToZeroUpToRoundingDust)
        #expect(PV.fundingEvents(ev).map(\.index) == (1...5).map { Int64($0) * 49_999_965 })
        #expect(v.markets[0].account(PV.a(1)).funding == 5 * 75_000)
        #expect(v.markets[0].account(PV.a(2)).funding == -5 * 74_999)
        // 5 × (75_000 − 74_999) = 5 of dust, all in the insurance fund
        #expect(v.markets[0].funding.clearing == 0)
        #expect(v.markets[0].insuranceFund == 5)
        PV.checkConservation(v)
    }

    /// A fill that moves the mark is folded into the premium at its own time: a mark held at 100.05 for a whole
    /// period counts in full, although no oracle update follows the trade.
    @Test func premiumTwapFollowsTheMarkFromTheFill() {
        var v = Self.funded([1, 2])
        var ev = EventBuffer()
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "10", at: "100.05", ids: (1, 2))
        ev.removeAll()
        v.withMarket(0) { $0.updateFunding(at: T.ts(Self.hour), events: &ev) }
        // mark 100.05 over the whole hour → 0.05 / 100 = 0.05% = 500_000; Δindex 500_000 × 100 = 5e7
        #expect(PV.fundingEvents(ev).map(\.rate) == [500_000])
        #expect(PV.fundingEvents(ev).map(\.index) == [50_000_000])
        // the long owes 10 × 0.05 = 0.5
        #expect(v.markets[0].pendingFunding(PV.a(1)) == 500_000)
    }

    /// An order placed half-way that moves the book mid is folded in at its time (the order command samples).
    @Test func premiumTwapFollowsTheBookMidFromAPlacedOrder() {
        var v = Self.funded([3, 4])
        var ev = EventBuffer()
        PV.oracle(&v, "100", at: 0, events: &ev)
        // bid 99.9 only: no mid, no trade → the mark is the oracle (premium 0) for the first half
        v.place(market: 0, T.limit(1, 3, .buy, "99.9", "1"), at: T.ts(0), events: &ev)
        #expect(v.markets[0].markPrice == 100_000_000)
        // half-way (after a fresh oracle: margin refuses new risk on a stale one) an ask at 100.3 makes
        // the mid (99.9 + 100.3) / 2 = 100.1 → premium 0.1 for the second half
        PV.oracle(&v, "100", at: Self.hour / 2, events: &ev)
        v.place(market: 0, T.limit(2, 4, .sell, "100.3", "1"), at: T.ts(Self.hour / 2), events: &ev)
        #expect(v.markets[0].markPrice == 100_100_000)
        ev.removeAll()
        v.withMarket(0) { $0.updateFunding(at: T.ts(Self.hour), events: &ev) }
        // TWAP (0 × 1800 s + 0.1 × 1800 s) / 3600 s = 0.05 → 0.05% = 500_000
        #expect(PV.fundingEvents(ev).map(\.rate) == [500_000])
    }

    /// Rule: the premium is sampled whenever an order command changes the book mid. Cancelling the ask half-way
    /// drops the mid (the mark falls back to the oracle: premium 0), but `MatchingEngine.cancel` does not sample,
    /// so the period counts the old mid's premium for the whole hour.
    @Test func premiumTwapFollowsTheBookMidAfterACancel() {
        var v = Self.funded([3, 4])
        var ev = EventBuffer()
        PV.oracle(&v, "100", at: 0, events: &ev)
        v.place(market: 0, T.limit(1, 3, .buy, "99.9", "1"), at: T.ts(0), events: &ev)
        v.place(market: 0, T.limit(2, 4, .sell, "100.2", "1"), at: T.ts(0), events: &ev)
        // mid (99.9 + 100.2) / 2 = 100.05 → premium 0.05 from t = 0
        #expect(v.markets[0].markPrice == 100_050_000)
        v.cancel(market: 0, OrderId(2), at: T.ts(Self.hour / 2), events: &ev)
        // one side only, no trade yet → mark = oracle 100 → premium 0 from the half hour
        #expect(v.markets[0].markPrice == 100_000_000)
        ev.removeAll()
        v.withMarket(0) { $0.updateFunding(at: T.ts(Self.hour), events: &ev) }
        // TWAP (0.05 × 1800 s + 0 × 1800 s) / 3600 s = 0.025 → 0.025% = 250_000
        #expect(PV.fundingEvents(ev).map(\.rate) == [250_000])
    }

    /// The same for an amend that moves a resting order (without trading): ask 100.2 → 100.0 half-way makes the
    /// mid 99.95 (premium −0.05), so the period's TWAP is (0.05 − 0.05) / 2 = 0.
    @Test func premiumTwapFollowsTheBookMidAfterAnAmend() {
        var v = Self.funded([3, 4])
        var ev = EventBuffer()
        PV.oracle(&v, "100", at: 0, events: &ev)
        v.place(market: 0, T.limit(1, 3, .buy, "99.9", "1"), at: T.ts(0), events: &ev)
        v.place(market: 0, T.limit(2, 4, .sell, "100.2", "1"), at: T.ts(0), events: &ev)
        v.withMarket(0) { $0.amend(OrderId(2), price: T.p("100"), size: nil, at: T.ts(Self.hour / 2), events: &ev) }
        #expect(v.markets[0].markPrice == 99_950_000)
        ev.removeAll()
        v.withMarket(0) { $0.updateFunding(at: T.ts(Self.hour), events: &ev) }
        #expect(PV.fundingEvents(ev).map(\.rate) == [0])
    }
}
