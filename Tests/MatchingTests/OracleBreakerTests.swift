import MarketCore
import Matching
import Testing

/// Oracle guards (staleness 60 s, confidence 2%, TWAP divergence 50% over a 300 s window, mark
/// divergence 10%) and circuit breakers (price move 10% / 60 s, volume 1 base / 60 s, invalid oracle,
/// manual; cooldown 30 s). Tick 0.01, step 0.001, no fees.
@Suite struct OracleBreakerTests {
    /// A market with a 3-step auction (so taker flow needs a valid oracle) and no breakers.
    static var guarded: MarketConfig {
        MarketConfig(tick: T.p("0.01"), step: T.q("0.001"), minSize: T.q("0.001"), fees: .free,
                     auction: AuctionConfig(duration: 3), amm: nil, breaker: nil)
    }

    /// A book without auction/AMM (no oracle needed to trade) but with every breaker.
    static var breakerBook: MarketConfig {
        MarketConfig(tick: T.p("0.01"), step: T.q("0.001"), minSize: T.q("0.001"), fees: .free,
                     auction: AuctionConfig(duration: 0), amm: nil,
                     breaker: BreakerConfig(maxPriceMove: Ppm(raw: 100_000), priceWindowMs: 60_000, maxVolume: T.q("1"),
                                            volumeWindowMs: 60_000, tripOnInvalidOracle: true, cooldownMs: 30_000))
    }

    // MARK: Oracle guards

    @Test func noOracleRefusesTakersButLetsMakersRest() {
        var e = MatchingEngine(config: Self.guarded)
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.00", "1"), at: T.ts(1), events: &ev)    // nothing to cross: rests
        e.place(T.market(2, 2, .buy, "1"), at: T.ts(2), events: &ev)
        e.place(T.limit(3, 2, .buy, "100.00", "1"), at: T.ts(3), events: &ev)      // crosses the book
        #expect(T.rejects(ev) == [T.reject(2, .noOracle), T.reject(3, .noOracle)])
        #expect(e.oracleStatus == .missing)
        #expect(e.book.bestAsk == T.p("100.00"))
        T.checkAll(e)
    }

    @Test func plainBookNeedsNoOracle() {
        var e = MatchingEngine(config: T.plain)
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.00", "1"), at: T.ts(1), events: &ev)
        e.place(T.market(2, 2, .buy, "1"), at: T.ts(2), events: &ev)
        #expect(T.rejects(ev).isEmpty)
        #expect(T.fills(ev).map(\.notional) == [T.amt(100_000_000)])
        #expect(e.oracleStatus == .missing)
        T.checkAll(e)
    }

    @Test func staleAfterTheStalenessLimit() {
        var e = MatchingEngine(config: Self.guarded)
        var ev = EventBuffer()
        e.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(0), events: &ev)
        // now − time = 60_000 is not > 60_000 → still valid.
        e.place(T.market(1, 1, .buy, "1"), at: T.ts(60_000), events: &ev)
        #expect(T.rejects(ev).isEmpty)
        ev.removeAll()
        // 60_001 > 60_000 → stale.
        e.place(T.market(2, 1, .buy, "1"), at: T.ts(60_001), events: &ev)
        #expect(T.rejects(ev) == [T.reject(2, .oracleInvalid)])
        #expect(e.oracleStatus == .stale)
        // A fresh update makes it valid again.
        e.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(60_002), events: &ev)
        #expect(e.oracleStatus == .valid)
        T.checkAll(e)
    }

    @Test func tooUncertainAboveTheConfidenceLimit() {
        var e = MatchingEngine(config: Self.guarded)
        var ev = EventBuffer()
        // 2.00 / 100 = 20_000 ppm = the limit → valid; 2.01 / 100 = 20_100 ppm → too uncertain.
        e.updateOracle(price: T.p("100"), confidence: T.p("2.00"), at: T.ts(0), events: &ev)
        #expect(e.oracleStatus == .valid)
        #expect(ev.isEmpty)
        e.updateOracle(price: T.p("100"), confidence: T.p("2.01"), at: T.ts(1), events: &ev)
        #expect(Array(ev) == [.oracle(price: T.p("100"), status: .tooUncertain, T.ts(1))])
        e.place(T.market(1, 1, .sell, "1"), at: T.ts(2), events: &ev)
        #expect(T.rejects(ev) == [T.reject(1, .oracleInvalid)])
        // A limit that crosses nothing (a sell above the oracle) still rests.
        e.place(T.limit(2, 1, .sell, "100.50", "1"), at: T.ts(3), events: &ev)
        #expect(e.book.bestAsk == T.p("100.50"))
        T.checkAll(e)
    }

    @Test func tooVolatileAgainstTheTwap() {
        var e = MatchingEngine(config: Self.guarded)
        var ev = EventBuffer()
        e.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(0), events: &ev)
        // 150 at t = 1 s: twap = 100_000_000 + floor(50_000_000 × 1_000 / 300_000) = 100_166_666;
        // |150 − 100.166666| / 100.166666 = floor(49_833_334e6 / 100_166_666) = 497_504 ppm ≤ 500_000 → valid.
        e.updateOracle(price: T.p("150"), confidence: .zero, at: T.ts(1_000), events: &ev)
        #expect(e.oracle.twap == 100_166_666)
        #expect(e.oracleStatus == .valid)
        // 160 at t = 2 s: twap = 100_166_666 + floor(59_833_334 × 1_000 / 300_000) = 100_166_666 + 199_444 = 100_366_110;
        // |160 − 100.36611| / 100.36611 = 594_157 ppm > 500_000 → too volatile.
        e.updateOracle(price: T.p("160"), confidence: .zero, at: T.ts(2_000), events: &ev)
        #expect(e.oracle.twap == 100_366_110)
        #expect(e.oracleStatus == .tooVolatile)
        e.place(T.market(1, 1, .buy, "1"), at: T.ts(2_001), events: &ev)
        #expect(T.rejects(ev) == [T.reject(1, .oracleInvalid)])
        T.checkAll(e)
    }

    @Test func markDivergenceAndItsExpiry() {
        var e = MatchingEngine(config: Self.guarded)
        var ev = EventBuffer()
        e.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(0), events: &ev)
        e.place(T.limit(1, 1, .sell, "100.00", "1"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 2, .buy, "100.00", "0.5", tif: .ioc), at: T.ts(2), events: &ev)   // mark = 100.00
        #expect(T.fills(ev).map(\.price) == [T.p("100.00")])
        // 111: |100 − 111| / 111 = floor(11e12 / 111e6) = 99_099 ppm ≤ 100_000 → valid.
        e.updateOracle(price: T.p("111"), confidence: .zero, at: T.ts(1_000), events: &ev)
        #expect(e.oracleStatus == .valid)
        // 112: 12e12 / 112e6 = 107_142 ppm > 100_000 → mark divergent.
        e.updateOracle(price: T.p("112"), confidence: .zero, at: T.ts(2_000), events: &ev)
        #expect(e.oracleStatus == .markDivergent)
        ev.removeAll()
        e.place(T.market(3, 2, .buy, "0.1"), at: T.ts(2_001), events: &ev)
        #expect(T.rejects(ev) == [T.reject(3, .oracleInvalid)])
        // The mark (set at t = 2) is ignored once older than 60 s: at t = 62_003, 62_001 > 60_000.
        e.updateOracle(price: T.p("112"), confidence: .zero, at: T.ts(62_003), events: &ev)
        #expect(e.oracleStatus == .valid)
        T.checkAll(e)
    }

    // MARK: Breakers

    @Test func priceMoveBreakerTripsHoldsAndResets() {
        var c = Self.breakerBook
        c.breaker?.maxVolume = nil   // only the price-move breaker here (1.4 base trades below)
        var e = MatchingEngine(config: c)
        var ev = EventBuffer()
        // Account 1 gets long 1 before anything trips; account 5 keeps an ask 1 @ 100.20.
        e.place(T.limit(1, 2, .sell, "100.00", "1"), at: T.ts(0), events: &ev)
        e.place(T.limit(2, 1, .buy, "100.00", "1"), at: T.ts(0), events: &ev)
        e.place(T.limit(3, 5, .sell, "100.20", "1"), at: T.ts(0), events: &ev)
        e.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(0), events: &ev)
        // +10.00% exactly = 100_000 ppm, not above → no trip.
        e.updateOracle(price: T.p("110"), confidence: .zero, at: T.ts(1_000), events: &ev)
        #expect(!e.breakers.isTripped)
        ev.removeAll()
        // 110.01 vs the 100 sample: 10_010_000e6 / 100e6 = 100_100 ppm > 100_000 → trip.
        e.updateOracle(price: T.p("110.01"), confidence: .zero, at: T.ts(2_000), events: &ev)
        #expect(T.breakerEvents(ev) == [.breakerTrip(.priceMove, T.ts(2_000))])
        #expect(e.breakers.isTripped(.priceMove))
        ev.removeAll()
        // While tripped: no taker fill; a non-crossing limit rests; reduce-only may close against the book.
        e.place(T.market(4, 3, .buy, "0.1"), at: T.ts(3_000), events: &ev)
        e.place(T.limit(5, 3, .buy, "100.20", "0.1"), at: T.ts(3_000), events: &ev)
        e.place(T.limit(6, 3, .buy, "99.00", "1"), at: T.ts(3_000), events: &ev)          // rests
        e.place(T.limit(7, 1, .sell, "99.00", "0.4"), at: T.ts(3_000), events: &ev)        // not reduce-only → refused
        e.place(T.limit(8, 1, .sell, "99.00", "0.4", tif: .ioc, reduceOnly: true), at: T.ts(3_000), events: &ev)
        #expect(T.rejects(ev) == [T.reject(4, .breakerTripped), T.reject(5, .breakerTripped), T.reject(7, .breakerTripped)])
        // 0.4 @ 99.00 = 39.600000 to account 1; its long 1 → 0.6.
        #expect(T.fills(ev).map(\.maker) == [.order(T.oid(6), T.acc(3))])
        #expect(T.fills(ev).map(\.notional) == [T.amt(39_600_000)])
        #expect(e.account(T.acc(1)).base == 600_000_000)
        #expect(e.book.order(T.oid(6))?.remaining == T.q("0.6"))
        ev.removeAll()
        // Cooldown 30 s from t = 2_000: still tripped at 31_999, reset at 32_000.
        e.advance(to: T.ts(31_999), events: &ev)
        #expect(e.breakers.isTripped(.priceMove))
        e.advance(to: T.ts(32_000), events: &ev)
        #expect(Array(ev) == [.breakerReset(.priceMove, T.ts(32_000))])
        ev.removeAll()
        e.place(T.market(9, 3, .buy, "0.1"), at: T.ts(32_001), events: &ev)
        #expect(T.fills(ev).map(\.price) == [T.p("100.20")])
        T.checkAll(e)
    }

    @Test func priceMoveOnlyWithinTheWindow() {
        var e = MatchingEngine(config: Self.breakerBook)
        var ev = EventBuffer()
        e.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(0), events: &ev)
        // The sample at t = 0 leaves the window once 0 < now − 60_000, i.e. at now = 60_001.
        e.updateOracle(price: T.p("111"), confidence: .zero, at: T.ts(60_001), events: &ev)
        #expect(!e.breakers.isTripped)
        var e2 = MatchingEngine(config: Self.breakerBook)
        e2.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(0), events: &ev)
        e2.updateOracle(price: T.p("111"), confidence: .zero, at: T.ts(60_000), events: &ev)
        #expect(e2.breakers.isTripped(.priceMove))
        #expect(T.breakerEvents(ev) == [.breakerTrip(.priceMove, T.ts(60_000))])
    }

    @Test func volumeBreaker() {
        var e = MatchingEngine(config: Self.breakerBook)
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.00", "3"), at: T.ts(0), events: &ev)
        e.place(T.market(2, 2, .buy, "0.6"), at: T.ts(1_000), events: &ev)
        e.place(T.market(3, 2, .buy, "0.4"), at: T.ts(2_000), events: &ev)   // window total 1.0, not above 1
        #expect(!e.breakers.isTripped)
        e.place(T.market(4, 2, .buy, "0.1"), at: T.ts(3_000), events: &ev)   // 1.1 > 1 → trips on this fill
        #expect(T.breakerEvents(ev) == [.breakerTrip(.volume, T.ts(3_000))])
        #expect(T.fills(ev).map(\.size) == [T.q("0.6"), T.q("0.4"), T.q("0.1")])
        ev.removeAll()
        e.place(T.market(5, 2, .buy, "0.1"), at: T.ts(4_000), events: &ev)
        #expect(T.rejects(ev) == [T.reject(5, .breakerTripped)])
        e.advance(to: T.ts(33_000), events: &ev)
        #expect(T.breakerEvents(ev) == [.breakerReset(.volume, T.ts(33_000))])
        T.checkAll(e)
    }

    @Test func noTakerFillAfterTheVolumeBreakerTripsMidOrder() {
        var e = MatchingEngine(config: Self.breakerBook)
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.00", "0.6"), at: T.ts(0), events: &ev)
        e.place(T.limit(2, 3, .sell, "100.01", "0.6"), at: T.ts(0), events: &ev)
        e.place(T.limit(3, 4, .sell, "100.02", "0.6"), at: T.ts(0), events: &ev)
        ev.removeAll()
        // One buy of 1.8: after 0.6 + 0.6 = 1.2 > 1 the breaker trips; the third 0.6 is a taker fill while tripped.
        e.place(T.market(4, 2, .buy, "1.8"), at: T.ts(1_000), events: &ev)
        #expect(T.breakerEvents(ev) == [.breakerTrip(.volume, T.ts(1_000))])
        #expect(T.fills(ev).map(\.size) == [T.q("0.6"), T.q("0.6")])
        T.checkAll(e)
    }

    @Test func oracleBreakerResetsOnlyOnceTheOracleIsValid() {
        var c = Self.guarded
        c.breaker = BreakerConfig(maxPriceMove: nil, tripOnInvalidOracle: true, cooldownMs: 30_000)
        var e = MatchingEngine(config: c)
        var ev = EventBuffer()
        e.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(0), events: &ev)
        e.updateOracle(price: T.p("100"), confidence: T.p("3"), at: T.ts(1_000), events: &ev)   // 30_000 ppm > 20_000
        #expect(Array(ev) == [.oracle(price: T.p("100"), status: .tooUncertain, T.ts(1_000)), .breakerTrip(.oracle, T.ts(1_000))])
        ev.removeAll()
        e.place(T.market(1, 1, .buy, "0.1"), at: T.ts(2_000), events: &ev)
        #expect(T.rejects(ev) == [T.reject(1, .breakerTripped)])
        ev.removeAll()
        // Cooldown over (31_000 − 1_000 = 30_000) but the oracle is still invalid → stays tripped.
        e.advance(to: T.ts(31_000), events: &ev)
        #expect(ev.isEmpty)
        #expect(e.breakers.isTripped(.oracle))
        // A valid update resets it right away.
        e.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(32_000), events: &ev)
        #expect(Array(ev) == [.breakerReset(.oracle, T.ts(32_000))])
        T.checkAll(e)
    }

    @Test func oracleBreakerWaitsForTheCooldownEvenWhenValid() {
        var c = Self.guarded
        c.breaker = BreakerConfig(maxPriceMove: nil, tripOnInvalidOracle: true, cooldownMs: 30_000)
        var e = MatchingEngine(config: c)
        var ev = EventBuffer()
        e.updateOracle(price: T.p("100"), confidence: T.p("3"), at: T.ts(0), events: &ev)
        e.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(5_000), events: &ev)   // valid, but only 5 s in
        #expect(e.breakers.isTripped(.oracle))
        ev.removeAll()
        e.advance(to: T.ts(29_999), events: &ev)
        #expect(ev.isEmpty)
        e.advance(to: T.ts(30_000), events: &ev)   // 30_000 − 0 ≥ 30_000, oracle (t = 5_000) fresh and valid
        #expect(Array(ev) == [.breakerReset(.oracle, T.ts(30_000))])
    }

    @Test func manualBreakerOnlyResetsByHand() {
        var e = MatchingEngine(config: Self.breakerBook)
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.00", "1"), at: T.ts(0), events: &ev)
        ev.removeAll()
        e.setManualBreaker(true, at: T.ts(1), events: &ev)
        e.place(T.market(2, 2, .buy, "0.1"), at: T.ts(2), events: &ev)
        e.advance(to: T.ts(1_000_000), events: &ev)    // far past the cooldown
        #expect(e.breakers.isTripped(.manual))
        e.setManualBreaker(false, at: T.ts(1_000_001), events: &ev)
        e.place(T.market(3, 2, .buy, "0.1"), at: T.ts(1_000_002), events: &ev)
        #expect(T.breakerEvents(ev) == [.breakerTrip(.manual, T.ts(1)), .breakerReset(.manual, T.ts(1_000_001))])
        #expect(T.rejects(ev) == [T.reject(2, .breakerTripped)])
        #expect(T.fills(ev).map(\.size) == [T.q("0.1")])
        T.checkAll(e)
    }

    @Test func trippedAuctionMarketStillLetsReduceOnlyCloseAgainstTheBookOnly() {
        var c = Self.guarded
        c.breaker = BreakerConfig(maxPriceMove: nil, tripOnInvalidOracle: true, cooldownMs: 30_000)
        var e = MatchingEngine(config: c)
        var ev = EventBuffer()
        e.updateOracle(price: T.p("100"), confidence: .zero, at: T.ts(0), events: &ev)
        // Account 1 buys 1 @ 100 from account 2 (auction fills the resting ask at step 0).
        e.place(T.limit(1, 2, .sell, "100.00", "1"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 1, .buy, "100.00", "1", tif: .ioc), at: T.ts(2), events: &ev)
        #expect(e.account(T.acc(1)).base == 1_000_000_000)
        e.place(T.limit(3, 3, .buy, "99.50", "2"), at: T.ts(3), events: &ev)
        e.setManualBreaker(true, at: T.ts(4), events: &ev)
        ev.removeAll()
        // Reduce-only sell 2 → cut to 1; no auction while tripped; 1 @ 99.50 from the bid.
        var providers = [StubProvider(9, account: 9, worst: "99.90", size: "5", latency: 0)]
        e.place(T.limit(4, 1, .sell, "99.50", "2", tif: .ioc, reduceOnly: true), at: T.ts(5), providers: &providers, events: &ev)
        #expect(T.fills(ev).map(\.maker) == [.order(T.oid(3), T.acc(3))])
        #expect(T.fills(ev).map(\.size) == [T.q("1")])
        #expect(!ev.contains { if case .auctionStart = $0 { return true } else { return false } })
        #expect(providers[0].offers == 0)
        #expect(e.account(T.acc(1)).base == 0)
        T.checkAll(e)
    }
}
