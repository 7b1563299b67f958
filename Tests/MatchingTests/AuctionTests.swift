import MarketCore
import Matching
import Testing

/// The JIT auction (DESIGN §4, item 1). Market: tick 0.01, step 0.001, no fees, no AMM, no breakers,
/// auction of 3 steps, end offset 0.5%; oracle 100.00 (confidence 0) at t = 0.
///
/// Path of a market BUY: limit = floor(100_000_000 × 1_005_000 / 1e6) = 100_500_000 (100.50),
/// start = oracle = 100.00; price(s) = start + ceil(500_000 × s / 3), then ceil onto the 10_000 tick:
///   s0: 100_000_000                                   → 100.00
///   s1: 100_000_000 + ceil(166_666.67) = 100_166_667 → 100.17
///   s2: 100_000_000 + ceil(333_333.33) = 100_333_334 → 100.34
///   s3: end                                            → 100.50
@Suite struct AuctionTests {
    static var config: MarketConfig {
        MarketConfig(tick: T.p("0.01"), step: T.q("0.001"), minSize: T.q("0.001"), fees: .free,
                     auction: AuctionConfig(duration: 3, endOffset: Ppm(raw: 5_000)), amm: nil, breaker: nil)
    }

    func engine(oracle: String = "100.00") -> (MatchingEngine, EventBuffer) {
        var e = MatchingEngine(config: Self.config)
        var ev = EventBuffer()
        e.updateOracle(price: T.p(oracle), confidence: .zero, at: T.ts(0), events: &ev)
        ev.removeAll()
        return (e, ev)
    }

    @Test func buyPathEachStepAtItsOwnPrice() {
        var (e, ev) = engine()
        // Three providers that can each fill exactly one step: latency pins P1 to step 1 and P2 to
        // step 2 (their worst price 100.00 is crossed from step 0); P3's worst 100.45 is first crossed at
        // step 3 (100.34 < 100.45 ≤ 100.50).
        var providers = [StubProvider(1, account: 1, worst: "100.00", size: "0.1", latency: 1),
                         StubProvider(2, account: 2, worst: "100.00", size: "0.1", latency: 2),
                         StubProvider(3, account: 3, worst: "100.45", size: "0.1", latency: 0)]
        e.place(T.market(9, 9, .buy, "0.3"), at: T.ts(1), providers: &providers, events: &ev)
        let f = T.fills(ev)
        #expect(f.map(\.maker) == [.provider(ProviderId(1), T.acc(1)), .provider(ProviderId(2), T.acc(2)), .provider(ProviderId(3), T.acc(3))])
        #expect(f.map(\.step) == [1, 2, 3])
        #expect(f.map(\.price) == [T.p("100.17"), T.p("100.34"), T.p("100.50")])
        // Notionals: 0.1 × 100.17 = 10.017, 0.1 × 100.34 = 10.034, 0.1 × 100.50 = 10.050.
        #expect(f.map(\.notional) == [T.amt(10_017_000), T.amt(10_034_000), T.amt(10_050_000)])
        #expect(ev.contains(.auctionStart(T.oid(9), side: .buy, start: T.p("100.00"), end: T.p("100.50"), steps: 3, T.ts(1))))
        #expect(ev.last == .auctionEnd(T.oid(9), filled: T.q("0.3"), T.ts(1)))
        // Taker: +0.3 base, −(10.017 + 10.034 + 10.050) = −30.101000 quote. P2: −0.1 base, +10.034.
        #expect(e.account(T.acc(9)).base == 300_000_000)
        #expect(e.account(T.acc(9)).quote == -30_101_000)
        #expect(e.account(T.acc(2)).base == -100_000_000)
        #expect(e.account(T.acc(2)).quote == 10_034_000)
        T.checkAll(e)
    }

    @Test func sellPathRoundsDownTowardTheEnd() {
        var (e, ev) = engine()
        // Market SELL: limit = ceil(100_000_000 × 995_000 / 1e6) = 99_500_000 (99.50).
        //   s1: 100_000_000 + floor(−500_000 / 3 = −166_666.67) = 99_833_333 → floor tick → 99.83
        //   s2: 100_000_000 + floor(−333_333.33) = 99_666_666 → 99.66;  s3: 99.50
        // Providers buy: worst 100.00 is accepted from step 0 (price ≤ worst), latency pins the step.
        var providers = [StubProvider(1, account: 1, worst: "100.00", size: "0.1", latency: 1),
                         StubProvider(2, account: 2, worst: "100.00", size: "0.1", latency: 2),
                         StubProvider(3, account: 3, worst: "99.55", size: "0.1", latency: 0)]
        e.place(T.market(9, 9, .sell, "0.3"), at: T.ts(1), providers: &providers, events: &ev)
        let f = T.fills(ev)
        #expect(f.map(\.step) == [1, 2, 3])
        #expect(f.map(\.price) == [T.p("99.83"), T.p("99.66"), T.p("99.50")])
        #expect(ev.contains(.auctionStart(T.oid(9), side: .sell, start: T.p("100.00"), end: T.p("99.50"), steps: 3, T.ts(1))))
        // Seller receives 9.983 + 9.966 + 9.950 = 29.899000.
        #expect(e.account(T.acc(9)).quote == 29_899_000)
        #expect(e.account(T.acc(9)).base == -300_000_000)
        T.checkAll(e)
    }

    @Test func startRoundsOntoTickAgainstTheTaker() {
        // Oracle 100.004 (off tick). Market buy: start = ceil(100_004_000 / 10_000) × 10_000 = 100.01;
        // limit = floor(100_004_000 × 1.005) = 100_504_020 → end snapped down = 100.50; diff 490_000:
        //   s1: 100_010_000 + ceil(163_333.33) = 100_173_334 → 100.18
        //   s2: 100_010_000 + ceil(326_666.67) = 100_336_667 → 100.34
        var (e, ev) = engine(oracle: "100.004")
        var providers = [StubProvider(1, account: 1, worst: "100.00", size: "0.1", latency: 0),
                         StubProvider(2, account: 2, worst: "100.00", size: "0.1", latency: 1),
                         StubProvider(3, account: 3, worst: "100.00", size: "0.1", latency: 2)]
        e.place(T.market(9, 9, .buy, "0.3"), at: T.ts(1), providers: &providers, events: &ev)
        #expect(ev.contains(.auctionStart(T.oid(9), side: .buy, start: T.p("100.01"), end: T.p("100.50"), steps: 3, T.ts(1))))
        #expect(T.fills(ev).map(\.price) == [T.p("100.01"), T.p("100.18"), T.p("100.34")])
        #expect(T.fills(ev).map(\.step) == [0, 1, 2])
        T.checkAll(e)
    }

    @Test func limitOrderPathEndsAtItsLimit() {
        var (e, ev) = engine()
        // Limit buy 100.10: start 100.00, end 100.10; s1: ceil(100_000/3) = 33_334 → 100_033_334 → 100.04;
        // s2: ceil(66_666.67) = 66_667 → 100_066_667 → 100.07; s3: 100.10.
        var providers = [StubProvider(1, account: 1, worst: "100.05", size: "0.1", latency: 0),
                         StubProvider(2, account: 2, worst: "100.00", size: "0.1", latency: 1),
                         StubProvider(3, account: 3, worst: "100.08", size: "0.1", latency: 0),
                         StubProvider(4, account: 4, worst: "100.11", size: "0.1", latency: 0)]   // never crossed
        e.place(T.limit(9, 9, .buy, "100.10", "0.5", tif: .ioc), at: T.ts(1), providers: &providers, events: &ev)
        // P2 @ s1 100.04; P1 @ s2 100.07 (100.04 < 100.05); P3 @ s3 100.10 (100.07 < 100.08); P4 never.
        #expect(T.fills(ev).map(\.maker) == [.provider(ProviderId(2), T.acc(2)), .provider(ProviderId(1), T.acc(1)), .provider(ProviderId(3), T.acc(3))])
        #expect(T.fills(ev).map(\.price) == [T.p("100.04"), T.p("100.07"), T.p("100.10")])
        #expect(T.cancels(ev) == [T.cancel(9, "0.2", .immediateOrCancel)])
        T.checkAll(e)
    }

    @Test func sellLimitPath() {
        var (e, ev) = engine()
        // Limit sell 99.90: s1: floor(−33_333.33) = −33_334 → 99_966_666 → floor tick 99.96;
        // s2: floor(−66_666.67) = −66_667 → 99_933_333 → 99.93; s3: 99.90.
        var providers = [StubProvider(1, account: 1, worst: "100.00", size: "0.1", latency: 1),
                         StubProvider(2, account: 2, worst: "100.00", size: "0.1", latency: 2),
                         StubProvider(3, account: 3, worst: "100.00", size: "0.1", latency: 3)]
        e.place(T.limit(9, 9, .sell, "99.90", "0.3", tif: .ioc), at: T.ts(1), providers: &providers, events: &ev)
        #expect(T.fills(ev).map(\.price) == [T.p("99.96"), T.p("99.93"), T.p("99.90")])
        T.checkAll(e)
    }

    @Test func earlierCrossingWinsOverListingOrderAndPrice() {
        var (e, ev) = engine()
        // Listed first but crossed only at s2 (100.34 ≥ 100.30); the second is crossed at s1 (100.17 ≥ 100.10).
        var providers = [StubProvider(1, account: 1, worst: "100.30", size: "1", latency: 0),
                         StubProvider(2, account: 2, worst: "100.10", size: "1", latency: 0)]
        e.place(T.market(9, 9, .buy, "0.5"), at: T.ts(1), providers: &providers, events: &ev)
        #expect(T.fills(ev).map(\.maker) == [.provider(ProviderId(2), T.acc(2))])
        #expect(T.fills(ev).map(\.price) == [T.p("100.17")])
        #expect(T.fills(ev).map(\.size) == [T.q("0.5")])
        T.checkAll(e)
    }

    @Test func latencyDelaysAProviderPastACrossing() {
        var (e, ev) = engine()
        // P1 crosses at s0 (worst 99.00) but needs 2 steps → fills at s2 (100.34); P2 (worst 100.10,
        // latency 0) is first crossed at s1 → fills first at 100.17.
        var providers = [StubProvider(1, account: 1, worst: "99.00", size: "0.1", latency: 2),
                         StubProvider(2, account: 2, worst: "100.10", size: "0.1", latency: 0)]
        e.place(T.market(9, 9, .buy, "0.2"), at: T.ts(1), providers: &providers, events: &ev)
        #expect(T.fills(ev).map(\.maker) == [.provider(ProviderId(2), T.acc(2)), .provider(ProviderId(1), T.acc(1))])
        #expect(T.fills(ev).map(\.price) == [T.p("100.17"), T.p("100.34")])
        T.checkAll(e)
    }

    @Test func sameStepTieBreaks() {
        var (e, ev) = engine()
        // All first cross at s1 (100.17). Order: better worst price (lower, for a taker buy) first;
        // then lower latency; then listing order.
        var providers = [StubProvider(1, account: 1, worst: "100.15", size: "0.1", latency: 0),   // worst price → last
                         StubProvider(2, account: 2, worst: "100.05", size: "0.1", latency: 1),   // latency 1 → third
                         StubProvider(3, account: 3, worst: "100.05", size: "0.1", latency: 0),   // first
                         StubProvider(4, account: 4, worst: "100.05", size: "0.1", latency: 0)]   // second (listed after 3)
        e.place(T.market(9, 9, .buy, "0.35"), at: T.ts(1), providers: &providers, events: &ev)
        let f = T.fills(ev)
        #expect(f.map(\.maker) == [.provider(ProviderId(3), T.acc(3)), .provider(ProviderId(4), T.acc(4)),
                                   .provider(ProviderId(2), T.acc(2)), .provider(ProviderId(1), T.acc(1))])
        // 0.1 + 0.1 + 0.1 + (0.35 − 0.3 = 0.05)
        #expect(f.map(\.size) == [T.q("0.1"), T.q("0.1"), T.q("0.1"), T.q("0.05")])
        #expect(Set(f.map(\.price)) == [T.p("100.17")])
        #expect(Set(f.map(\.step)) == [1])
        T.checkAll(e)
    }

    @Test func sameStepTieBreaksForASeller() {
        var (e, ev) = engine()
        // Taker sells: s1 = 99.83. A buyer's better worst price is the HIGHER one.
        var providers = [StubProvider(1, account: 1, worst: "99.85", size: "0.1", latency: 0),
                         StubProvider(2, account: 2, worst: "99.95", size: "0.1", latency: 0)]
        e.place(T.market(9, 9, .sell, "0.15"), at: T.ts(1), providers: &providers, events: &ev)
        #expect(T.fills(ev).map(\.maker) == [.provider(ProviderId(2), T.acc(2)), .provider(ProviderId(1), T.acc(1))])
        #expect(T.fills(ev).map(\.size) == [T.q("0.1"), T.q("0.05")])
        #expect(Set(T.fills(ev).map(\.price)) == [T.p("99.83")])
        T.checkAll(e)
    }

    @Test func restingMakersFillAtTheirOwnPriceOnceCrossed() {
        var (e, ev) = engine()
        // A resting ask at 100.20 (does not cross the oracle for a seller, so it simply rests).
        e.place(T.limit(1, 5, .sell, "100.20", "0.1"), at: T.ts(1), events: &ev)
        #expect(e.book.bestAsk == T.p("100.20"))
        ev.removeAll()
        var providers = [StubProvider(2, account: 2, worst: "100.10", size: "0.05", latency: 0)]
        e.place(T.market(9, 9, .buy, "0.2"), at: T.ts(2), providers: &providers, events: &ev)
        // s1 (100.17): the provider fills 0.05 @ 100.17; the ask 100.20 is not yet crossed.
        // s2 (100.34 ≥ 100.20): the ask fills 0.1 at ITS price 100.20 (notional 10.020000).
        // s3 (100.50): nothing left → 0.2 − 0.15 = 0.05 cancelled (market_remainder).
        let f = T.fills(ev)
        #expect(f.map(\.maker) == [.provider(ProviderId(2), T.acc(2)), .order(T.oid(1), T.acc(5))])
        #expect(f.map(\.price) == [T.p("100.17"), T.p("100.20")])
        #expect(f.map(\.step) == [1, 2])
        #expect(f.map(\.notional) == [T.amt(5_008_500), T.amt(10_020_000)])
        #expect(ev.contains(.auctionEnd(T.oid(9), filled: T.q("0.15"), T.ts(2))))
        #expect(T.cancels(ev) == [T.cancel(9, "0.05", .marketRemainder)])
        T.checkAll(e)
    }

    @Test func makerBelowTheStartFillsAtStepZero() {
        var (e, ev) = engine()
        e.place(T.limit(1, 5, .sell, "99.90", "0.1"), at: T.ts(1), events: &ev)   // crosses the oracle: opens an empty auction, rests
        ev.removeAll()
        e.place(T.market(9, 9, .buy, "0.1"), at: T.ts(2), events: &ev)
        #expect(T.fills(ev).map(\.price) == [T.p("99.90")])
        #expect(T.fills(ev).map(\.step) == [0])
        T.checkAll(e)
    }

    @Test func providersNeverTradeWithTheirOwnAccount() {
        var (e, ev) = engine()
        // The stub answers for account 9 (the taker's own) with the best quote; the engine must skip it.
        // FixedEdgeProvider (edge 0.3% → worst 100 × 1.003 = 100.30 → crossed at s2 = 100.34) for account 2.
        var stubs = [StubProvider(1, account: 9, worst: "100.00", size: "1", latency: 0)]
        e.place(T.market(9, 9, .buy, "0.1"), at: T.ts(1), providers: &stubs, events: &ev)
        #expect(T.fills(ev).isEmpty)
        #expect(ev.contains(.auctionEnd(T.oid(9), filled: .zero, T.ts(1))))
        #expect(T.cancels(ev) == [T.cancel(9, "0.1", .marketRemainder)])
        ev.removeAll()
        var fixed = [FixedEdgeProvider(id: ProviderId(7), account: T.acc(9), edge: Ppm(raw: 1_000), maxSize: T.q("1"), latency: 0),
                     FixedEdgeProvider(id: ProviderId(8), account: T.acc(2), edge: Ppm(raw: 3_000), maxSize: T.q("1"), latency: 0)]
        e.place(T.market(10, 9, .buy, "0.1"), at: T.ts(2), providers: &fixed, events: &ev)
        #expect(T.fills(ev).map(\.maker) == [.provider(ProviderId(8), T.acc(2))])
        #expect(T.fills(ev).map(\.price) == [T.p("100.34")])
        #expect(e.account(T.acc(9)).base == 100_000_000)
        T.checkAll(e)
    }

    @Test func providerSizeIsCutToTheStep() {
        var (e, ev) = engine()
        // maxSize 0.1234 → 0.123 (step 0.001); a quote below one step is ignored.
        var providers = [StubProvider(1, account: 1, worst: "100.00", size: "0.1234", latency: 0),
                         StubProvider(2, account: 2, worst: "100.00", size: "0.0009", latency: 0)]
        e.place(T.market(9, 9, .buy, "0.2"), at: T.ts(1), providers: &providers, events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("0.123")])
        #expect(T.cancels(ev) == [T.cancel(9, "0.077", .marketRemainder)])
        T.checkAll(e)
    }

    @Test func limitCrossingOnlyTheOracleRunsAnEmptyAuctionThenRests() {
        var (e, ev) = engine()
        e.place(T.limit(9, 9, .buy, "100.10", "0.1"), at: T.ts(1), events: &ev)
        #expect(Array(ev) == [.accepted(T.oid(9), T.acc(9), T.ts(1)),
                              .auctionStart(T.oid(9), side: .buy, start: T.p("100.00"), end: T.p("100.10"), steps: 3, T.ts(1)),
                              .auctionEnd(T.oid(9), filled: .zero, T.ts(1))])
        #expect(e.book.bestBid == T.p("100.10"))
        T.checkAll(e)
    }

    @Test func limitBelowTheOracleDoesNotOpenAnAuction() {
        var (e, ev) = engine()
        e.place(T.limit(9, 9, .buy, "99.99", "0.1"), at: T.ts(1), events: &ev)
        #expect(Array(ev) == [.accepted(T.oid(9), T.acc(9), T.ts(1))])
        T.checkAll(e)
    }

    @Test func providersAreAskedOncePerOrder() {
        var (e, ev) = engine()
        var providers = [StubProvider(1, account: 1, worst: "100.00", size: "1", latency: 0)]
        e.place(T.market(9, 9, .buy, "0.1", tif: .fok), at: T.ts(1), providers: &providers, events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("0.1")])
        #expect(providers[0].offers == 1)
        T.checkAll(e)
    }
}

@Suite struct AuctionQuoteReuseTests {
    /// A killed fill-or-kill order must not leave its ranked quotes for the next order's auction.
    @Test func killedFokQuotesAreNotReusedByTheNextOrder() {
        var c = MarketConfig()
        c.fees = .free
        c.auction = AuctionConfig(duration: 4)
        c.breaker = nil
        var e = MatchingEngine(config: c)
        var ev = EventBuffer()
        e.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(0), events: &ev)
        // Provider 7 sells up to 1 at oracle + 1% for a buyer: its worst price is 101.
        var providers = [FixedEdgeProvider(id: ProviderId(7), account: AccountId(7), edge: Ppm(raw: 10_000),
                                           maxSize: T.q("1"), latency: 0)]
        // FOK buy 2 at 101: only 1 is available → killed, nothing fills.
        e.place(T.limit(1, 1, .buy, "101", "2", tif: .fok), at: T.ts(1), providers: &providers, events: &ev)
        #expect(T.fills(ev).isEmpty)
        // The next order is a SELL: the provider's quote for a seller is oracle − 1% = 99, a buy at 99.
        // If the killed buy's ranked quote (a sell at 101) were reused, this sell would fill at a
        // price on the wrong side. The sell at limit 99.50 must not fill against a bid at 99.
        ev.removeAll()
        e.place(T.limit(2, 2, .sell, "99.50", "1", tif: .ioc), at: T.ts(2), providers: &providers, events: &ev)
        #expect(T.fills(ev).isEmpty)
        #expect(e.conservation.base == 0 && e.conservation.quote == 0)
    }
}
