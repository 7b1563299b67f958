import MarketCore
import Matching
import Testing

/// Maker/taker fees, tiers, insurance share (plain book without auction; tick 0.01, step 0.000001 so
/// notionals need rounding). Default schedule: taker 0.1% (1_000 ppm), maker −0.02% (−200 ppm rebate),
/// 10% of each net fee to the insurance fund.
@Suite struct FeeTests {
    static func config(_ fees: FeeSchedule = FeeSchedule()) -> MarketConfig {
        MarketConfig(tick: T.p("0.01"), step: T.q("0.000001"), minSize: T.q("0.000001"), fees: fees,
                     auction: AuctionConfig(duration: 0), amm: nil, breaker: nil)
    }

    @Test func buyerTakerPaysRoundedUpMakerRebateRoundsTowardZero() {
        var e = MatchingEngine(config: Self.config())
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.03", "0.123457"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 2, .buy, "100.03", "0.123457"), at: T.ts(2), events: &ev)
        let f = T.fills(ev)
        // notional = ceil(100_030_000 × 123_457_000 / 1e9) = 100.03 × 0.123457 = 12.34940371 → ceil(12_349_403.71) = 12_349_404 (buyer pays the ceiling)
        // taker fee = ceil(12_349_404 × 1_000 / 1e6) = ceil(12_349.404) = 12_350
        // maker fee = ceil(12_349_404 × −200 / 1e6) = ceil(−2_469.88) = −2_469 (rebate toward zero)
        #expect(f.map(\.notional) == [T.amt(12_349_404)])
        #expect(f.map(\.takerFee) == [T.amt(12_350)])
        #expect(f.map(\.makerFee) == [T.amt(-2_469)])
        // net = 12_350 − 2_469 = 9_881; insurance = floor(9_881 × 0.1) = 988; pool = 9_881 − 988 = 8_893
        #expect(e.insuranceFund == 988)
        #expect(e.feePool == 8_893)
        // taker quote = −(12_349_404 + 12_350) = −12_361_754; maker quote = 12_349_404 + 2_469 = 12_351_873
        #expect(e.account(T.acc(2)).quote == -12_361_754)
        #expect(e.account(T.acc(1)).quote == 12_351_873)
        #expect(e.account(T.acc(2)).fees == 12_350)
        #expect(e.account(T.acc(1)).fees == -2_469)
        #expect(e.account(T.acc(1)).volume == 12_349_404 && e.account(T.acc(2)).volume == 12_349_404)
        T.checkAll(e)
    }

    @Test func sellerTakerGetsTheFloor() {
        var e = MatchingEngine(config: Self.config())
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .buy, "100.03", "0.123457"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 2, .sell, "100.03", "0.123457"), at: T.ts(2), events: &ev)
        // notional = floor(12_349_403.71) = 12_349_403; taker fee = ceil(12_349.403) = 12_350;
        // maker fee = ceil(−2_469.8806) = −2_469; net 9_881 → insurance 988, pool 8_893.
        let f = T.fills(ev)
        #expect(f.map(\.notional) == [T.amt(12_349_403)])
        #expect(f.map(\.takerFee) == [T.amt(12_350)])
        #expect(f.map(\.makerFee) == [T.amt(-2_469)])
        // seller: 12_349_403 − 12_350 = 12_337_053; maker (buyer): −12_349_403 + 2_469 = −12_346_934
        #expect(e.account(T.acc(2)).quote == 12_337_053)
        #expect(e.account(T.acc(1)).quote == -12_346_934)
        #expect(e.insuranceFund == 988 && e.feePool == 8_893)
        T.checkAll(e)
    }

    @Test func positiveMakerFeeRoundsUp() {
        let fees = FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: 1_000), maker: Ppm(raw: 100))], insuranceShare: Ppm(raw: 250_000))
        var e = MatchingEngine(config: Self.config(fees))
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.03", "0.123457"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 2, .buy, "100.03", "0.123457"), at: T.ts(2), events: &ev)
        // maker fee = ceil(12_349_404 × 100 / 1e6) = ceil(1_234.94) = 1_235; taker 12_350
        // net = 13_585; insurance = floor(13_585 × 0.25) = floor(3_396.25) = 3_396; pool = 10_189
        #expect(T.fills(ev).map(\.makerFee) == [T.amt(1_235)])
        #expect(e.insuranceFund == 3_396)
        #expect(e.feePool == 10_189)
        #expect(e.account(T.acc(1)).quote == 12_349_404 - 1_235)
        T.checkAll(e)
    }

    @Test func tiersSwitchOnTradedVolumePerAccount() {
        // Tier 1 from 10 USDC of traded notional: taker 0.05%, maker −0.01%.
        let fees = FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: 1_000), maker: Ppm(raw: -200)),
                                       FeeTier(minVolume: T.amt(10_000_000), taker: Ppm(raw: 500), maker: Ppm(raw: -100))],
                               insuranceShare: Ppm(raw: 100_000))
        var e = MatchingEngine(config: Self.config(fees))
        var ev = EventBuffer()
        // Trade 1: acct 1 makes, acct 2 takes 0.1 @ 100 = 10.000000 exactly. Both at tier 0.
        // taker 10_000, maker −2_000, net 8_000 → insurance 800, pool 7_200.
        e.place(T.limit(1, 1, .sell, "100.00", "0.1"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 2, .buy, "100.00", "0.1"), at: T.ts(2), events: &ev)
        // Trade 2: acct 1 (volume 10 → tier 1) makes, acct 3 (volume 0 → tier 0) takes 0.1 @ 100.
        // taker 10_000 (tier 0), maker −1_000 (tier 1): net 9_000 → insurance 900, pool 8_100.
        e.place(T.limit(3, 1, .sell, "100.00", "0.1"), at: T.ts(3), events: &ev)
        e.place(T.limit(4, 3, .buy, "100.00", "0.1"), at: T.ts(4), events: &ev)
        // Trade 3: acct 4 (tier 0) makes, acct 2 (volume exactly 10 → tier 1) takes 0.1 @ 100.
        // taker 5_000 (tier 1), maker −2_000 (tier 0): net 3_000 → insurance 300, pool 2_700.
        e.place(T.limit(5, 4, .sell, "100.00", "0.1"), at: T.ts(5), events: &ev)
        e.place(T.limit(6, 2, .buy, "100.00", "0.1"), at: T.ts(6), events: &ev)
        let f = T.fills(ev)
        #expect(f.map(\.takerFee) == [T.amt(10_000), T.amt(10_000), T.amt(5_000)])
        #expect(f.map(\.makerFee) == [T.amt(-2_000), T.amt(-1_000), T.amt(-2_000)])
        #expect(e.insuranceFund == 800 + 900 + 300)
        #expect(e.feePool == 7_200 + 8_100 + 2_700)
        // acct 2: −(10_000_000 + 10_000) − (10_000_000 + 5_000) = −20_015_000
        #expect(e.account(T.acc(2)).quote == -20_015_000)
        T.checkAll(e)
    }

    @Test func tierNotReachedJustBelowTheThreshold() {
        let fees = FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: 1_000), maker: Ppm(raw: -200)),
                                       FeeTier(minVolume: T.amt(10_000_000), taker: Ppm(raw: 500), maker: Ppm(raw: -100))],
                               insuranceShare: .zero)
        var e = MatchingEngine(config: Self.config(fees))
        var ev = EventBuffer()
        // 0.0999 × 100 = 9.990000 < 10 → still tier 0 for the next trade.
        e.place(T.limit(1, 1, .sell, "100.00", "0.0999"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 2, .buy, "100.00", "0.0999"), at: T.ts(2), events: &ev)
        e.place(T.limit(3, 3, .sell, "100.00", "0.1"), at: T.ts(3), events: &ev)
        e.place(T.limit(4, 2, .buy, "100.00", "0.1"), at: T.ts(4), events: &ev)
        // fees: ceil(9_990_000 × 0.001) = 9_990; then 10_000 (tier 0 again)
        #expect(T.fills(ev).map(\.takerFee) == [T.amt(9_990), T.amt(10_000)])
        // with no insurance share the pool keeps all: (9_990 − 1_998) + (10_000 − 2_000) = 15_992
        #expect(e.feePool == 15_992 && e.insuranceFund == 0)
        T.checkAll(e)
    }

    @Test func feesOnAMultiLevelSweepAreChargedPerFill() {
        var e = MatchingEngine(config: Self.config())
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.00", "0.000007"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 3, .sell, "100.01", "0.000003"), at: T.ts(2), events: &ev)
        e.place(T.market(3, 2, .buy, "0.00001"), at: T.ts(3), events: &ev)
        // Fill 1: 0.000007 × 100 = 700 (0.000700); taker ceil(0.7) = 1; maker ceil(−0.14) = 0; net 1 → insurance floor(0.1) = 0, pool 1.
        // Fill 2: 0.000003 × 100.01 = ceil(300.03) = 301; taker ceil(0.301) = 1; maker ceil(−0.0602) = 0 → pool 1.
        let f = T.fills(ev)
        #expect(f.map(\.notional) == [T.amt(700), T.amt(301)])
        #expect(f.map(\.takerFee) == [T.amt(1), T.amt(1)])
        #expect(f.map(\.makerFee) == [T.amt(0), T.amt(0)])
        #expect(e.feePool == 2 && e.insuranceFund == 0)
        #expect(e.account(T.acc(2)).quote == -(700 + 1 + 301 + 1))
        T.checkAll(e)
    }
    @Test func netFeeNeverNegativeAcrossTiers() {
        // Each tier on its own has rebate ≤ taker fee: tier 0 taker 0.1% / maker −0.1%,
        // tier 1 (from 10 USDC) taker 0.05% / maker −0.05%. But a tier-1 taker (0.05%) can meet a
        // tier-0 maker (−0.1%): on 10 USDC that is 5_000 in and 10_000 out, a net fee of −5_000.
        // So the configuration is refused: the largest rebate (0.001) exceeds the smallest taker fee (0.0005).
        let fees = FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: 1_000), maker: Ppm(raw: -1_000)),
                                       FeeTier(minVolume: T.amt(10_000_000), taker: Ppm(raw: 500), maker: Ppm(raw: -500))],
                               insuranceShare: Ppm(raw: 100_000))
        #expect(Self.config(fees).validate() == ["fees.tiers: the largest maker rebate (0.001) exceeds the smallest taker fee (0.0005)"])
        // With the tier-0 rebate at −0.05% the schedule is valid and every fill's net fee is ≥ 0:
        // trade 1 (both tier 0): taker 10_000, maker −5_000 → +5_000; trade 2 (taker tier 1, maker tier 0):
        // taker 5_000, maker −5_000 → 0. Insurance floor(10% × 5_000) = 500, pool 4_500.
        let ok = FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: 1_000), maker: Ppm(raw: -500)),
                                     FeeTier(minVolume: T.amt(10_000_000), taker: Ppm(raw: 500), maker: Ppm(raw: -500))],
                             insuranceShare: Ppm(raw: 100_000))
        #expect(Self.config(ok).validate().isEmpty)
        var e = MatchingEngine(config: Self.config(ok))
        var ev = EventBuffer()
        e.place(T.limit(1, 2, .sell, "100.00", "0.1"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 1, .buy, "100.00", "0.1"), at: T.ts(2), events: &ev)
        e.place(T.limit(3, 3, .sell, "100.00", "0.1"), at: T.ts(3), events: &ev)
        e.place(T.limit(4, 1, .buy, "100.00", "0.1"), at: T.ts(4), events: &ev)
        let f = T.fills(ev)
        #expect(f.map(\.takerFee) == [T.amt(10_000), T.amt(5_000)])
        #expect(f.map(\.makerFee) == [T.amt(-5_000), T.amt(-5_000)])
        #expect(e.insuranceFund == 500)
        #expect(e.feePool == 4_500)
        T.checkAll(e)
    }
}
