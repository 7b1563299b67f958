import MarketCore
import Matching
import Testing

/// Order types on a plain book (tick 0.01, step 0.001, no fees): limit, market, IOC, FOK,
/// post-only, reduce-only. Every number below is worked out by hand.
@Suite struct OrderTypeTests {
    /// Two asks: o1 0.4 @ 100.00 (acct 1), o2 0.5 @ 100.10 (acct 2).
    func twoAsks() -> (MatchingEngine, EventBuffer) {
        var e = MatchingEngine(config: T.plain)
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.00", "0.4"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 2, .sell, "100.10", "0.5"), at: T.ts(2), events: &ev)
        ev.removeAll()
        return (e, ev)
    }

    @Test func limitRestsWhenItDoesNotCross() {
        var (e, ev) = twoAsks()
        // A bid at 99.99 is below the best ask 100.00: nothing trades, the bid rests.
        e.place(T.limit(3, 3, .buy, "99.99", "1"), at: T.ts(3), events: &ev)
        #expect(Array(ev) == [.accepted(T.oid(3), T.acc(3), T.ts(3))])
        #expect(e.book.bestBid == T.p("99.99"))
        #expect(e.book.bestAsk == T.p("100.00"))
        #expect(e.book.order(T.oid(3))?.remaining == T.q("1"))
        T.checkAll(e)
    }

    @Test func marketSweepsThenCancelsRemainder() {
        var (e, ev) = twoAsks()
        // Market buy 1.2: 0.4 @ 100.00 (notional 40.000000), 0.5 @ 100.10 (50.050000),
        // book exhausted → 1.2 − 0.9 = 0.3 cancelled as market_remainder.
        e.place(T.market(3, 3, .buy, "1.2"), at: T.ts(3), events: &ev)
        let f = T.fills(ev)
        #expect(f.map(\.price) == [T.p("100.00"), T.p("100.10")])
        #expect(f.map(\.size) == [T.q("0.4"), T.q("0.5")])
        #expect(f.map(\.notional) == [T.amt(40_000_000), T.amt(50_050_000)])
        #expect(T.cancels(ev) == [T.cancel(3, "0.3", .marketRemainder)])
        // Buyer: base +0.9 = 900_000_000; quote −(40.00 + 50.05) = −90_050_000.
        #expect(e.account(T.acc(3)).base == 900_000_000)
        #expect(e.account(T.acc(3)).quote == -90_050_000)
        #expect(e.account(T.acc(1)).quote == 40_000_000)
        #expect(e.account(T.acc(2)).base == -500_000_000)
        #expect(e.book.bestAsk == nil)
        #expect(!e.book.contains(T.oid(3)))
        T.checkAll(e)
    }

    @Test func iocRemainderCancelled() {
        var (e, ev) = twoAsks()
        // IOC buy 1 @ 100.05: only the 100.00 level crosses → fill 0.4; 1 − 0.4 = 0.6 cancelled (ioc_remainder).
        e.place(T.limit(3, 3, .buy, "100.05", "1", tif: .ioc), at: T.ts(3), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("0.4")])
        #expect(T.cancels(ev) == [T.cancel(3, "0.6", .immediateOrCancel)])
        #expect(e.book.bestBid == nil)               // nothing rests
        #expect(e.book.bestAsk == T.p("100.10"))     // o2 untouched
        #expect(e.book.order(T.oid(2))?.remaining == T.q("0.5"))
        T.checkAll(e)
    }

    @Test func fokKilledWhenBookTooThin() {
        var (e, ev) = twoAsks()
        // FOK buy 1 @ 100.10: available 0.4 + 0.5 = 0.9 < 1 → killed whole, no fill.
        e.place(T.limit(3, 3, .buy, "100.10", "1", tif: .fok), at: T.ts(3), events: &ev)
        #expect(T.fills(ev).isEmpty)
        #expect(T.cancels(ev) == [T.cancel(3, "1", .fillOrKill)])
        #expect(e.book.order(T.oid(1))?.remaining == T.q("0.4"))
        #expect(e.book.order(T.oid(2))?.remaining == T.q("0.5"))
        T.checkAll(e)
    }

    @Test func fokFillsWhenEnough() {
        var (e, ev) = twoAsks()
        // FOK buy 0.9 @ 100.10: 0.4 @ 100.00 + 0.5 @ 100.10 = 0.9 → all fills, nothing cancelled.
        e.place(T.limit(3, 3, .buy, "100.10", "0.9", tif: .fok), at: T.ts(3), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("0.4"), T.q("0.5")])
        #expect(T.cancels(ev).isEmpty)
        // quote −(40.000000 + 50.050000) = −90_050_000
        #expect(e.account(T.acc(3)).quote == -90_050_000)
        #expect(e.book.bestAsk == nil)
        T.checkAll(e)
    }

    @Test func fokLimitExcludesLevelsBeyondIt() {
        var (e, ev) = twoAsks()
        // FOK buy 0.5 @ 100.00: only 0.4 is at or below 100.00 → 0.4 < 0.5 → killed.
        e.place(T.limit(3, 3, .buy, "100.00", "0.5", tif: .fok), at: T.ts(3), events: &ev)
        #expect(T.fills(ev).isEmpty)
        #expect(T.cancels(ev) == [T.cancel(3, "0.5", .fillOrKill)])
        T.checkAll(e)
    }

    @Test func postOnlyRejectedWhenItWouldCross() {
        var (e, ev) = twoAsks()
        // Buy @ 100.00 touches the best ask 100.00 → would take → rejected.
        e.place(T.limit(3, 3, .buy, "100.00", "1", postOnly: true), at: T.ts(3), events: &ev)
        #expect(T.rejects(ev) == [T.reject(3, .postOnlyWouldCross)])
        #expect(T.fills(ev).isEmpty)
        #expect(e.book.bestBid == nil)
        ev.removeAll()
        // Buy @ 99.99 is one tick below → rests as a maker.
        e.place(T.limit(4, 3, .buy, "99.99", "1", postOnly: true), at: T.ts(4), events: &ev)
        #expect(Array(ev) == [.accepted(T.oid(4), T.acc(3), T.ts(4))])
        #expect(e.book.order(T.oid(4))?.postOnly == true)
        #expect(e.book.bestBid == T.p("99.99"))
        T.checkAll(e)
    }

    @Test func postOnlyRequiresGtcLimit() {
        var (e, ev) = twoAsks()
        e.place(T.limit(3, 3, .buy, "99.00", "1", tif: .ioc, postOnly: true), at: T.ts(3), events: &ev)
        e.place(T.limit(4, 3, .buy, "99.00", "1", tif: .fok, postOnly: true), at: T.ts(4), events: &ev)
        e.place(T.marketOrder(5, 3, .buy, "1", postOnly: true), at: T.ts(5), events: &ev)
        #expect(T.rejects(ev) == [T.reject(3, .postOnlyNotLimit), T.reject(4, .postOnlyNotLimit), T.reject(5, .postOnlyNotLimit)])
        #expect(T.fills(ev).isEmpty)
        #expect(e.book.bestBid == nil)
        T.checkAll(e)
    }

    @Test func reduceOnlyRefusedWithoutPosition() {
        var (e, ev) = twoAsks()
        // Account 3 has no position: either side is refused.
        e.place(T.limit(3, 3, .sell, "100.50", "1", reduceOnly: true), at: T.ts(3), events: &ev)
        e.place(T.limit(4, 3, .buy, "100.00", "1", reduceOnly: true), at: T.ts(4), events: &ev)
        #expect(T.rejects(ev) == [T.reject(3, .reduceOnlyNoPosition), T.reject(4, .reduceOnlyNoPosition)])
        ev.removeAll()
        // Account 1 is short 0.4 after a buyer lifts o1; a reduce-only SELL would add to it → refused.
        e.place(T.limit(5, 5, .buy, "100.00", "0.4"), at: T.ts(5), events: &ev)
        #expect(e.account(T.acc(1)).base == -400_000_000)
        ev.removeAll()
        e.place(T.limit(6, 1, .sell, "101.00", "0.1", reduceOnly: true), at: T.ts(6), events: &ev)
        #expect(T.rejects(ev) == [T.reject(6, .reduceOnlyNoPosition)])
        T.checkAll(e)
    }

    @Test func reduceOnlyCutToPosition() {
        var e = MatchingEngine(config: T.plain)
        var ev = EventBuffer()
        // Account 1 buys 0.3 from account 2 @ 100 → long 0.3.
        e.place(T.limit(1, 2, .sell, "100.00", "0.3"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 1, .buy, "100.00", "0.3"), at: T.ts(2), events: &ev)
        #expect(e.account(T.acc(1)).base == 300_000_000)
        // A deep bid: 2 @ 99.00 from account 3.
        e.place(T.limit(3, 3, .buy, "99.00", "2"), at: T.ts(3), events: &ev)
        ev.removeAll()
        // Reduce-only sell 0.5 → cut to the long 0.3 → fills 0.3 @ 99.00 (notional 29.700000), position 0,
        // nothing left to rest even though it is GTC.
        e.place(T.limit(4, 1, .sell, "99.00", "0.5", reduceOnly: true), at: T.ts(4), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("0.3")])
        #expect(T.fills(ev).map(\.notional) == [T.amt(29_700_000)])
        #expect(T.cancels(ev).isEmpty)
        #expect(!e.book.contains(T.oid(4)))
        #expect(e.account(T.acc(1)).base == 0)
        // quote: −30.000000 (bought 0.3 @ 100) + 29.700000 = −0.300000
        #expect(e.account(T.acc(1)).quote == -300_000)
        #expect(e.book.order(T.oid(3))?.remaining == T.q("1.7"))
        T.checkAll(e)
    }

    @Test func reduceOnlyRestingMakerClampedWhenPositionShrank() {
        var e = MatchingEngine(config: T.plain)
        var ev = EventBuffer()
        // Account 1 buys 1 @ 100 from account 2 → long 1.
        e.place(T.limit(1, 2, .sell, "100.00", "1"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 1, .buy, "100.00", "1"), at: T.ts(2), events: &ev)
        // It rests a reduce-only take-profit: sell 1 @ 101 (accepted: 1 ≤ position 1).
        e.place(T.limit(3, 1, .sell, "101.00", "1", reduceOnly: true), at: T.ts(3), events: &ev)
        #expect(e.book.order(T.oid(3))?.remaining == T.q("1"))
        // It then sells 0.6 elsewhere (to account 3's bid @ 99) → long 0.4.
        e.place(T.limit(4, 3, .buy, "99.00", "0.6"), at: T.ts(4), events: &ev)
        e.place(T.limit(5, 1, .sell, "99.00", "0.6"), at: T.ts(5), events: &ev)
        #expect(e.account(T.acc(1)).base == 400_000_000)
        ev.removeAll()
        // Account 4 buys 1 @ 101 IOC: the reduce-only maker may only sell 0.4 (its position);
        // fill 0.4 @ 101 (notional 40.400000), the maker's other 0.6 is cancelled (reduce_only),
        // the taker's 1 − 0.4 = 0.6 is cancelled (ioc_remainder).
        e.place(T.limit(6, 4, .buy, "101.00", "1", tif: .ioc), at: T.ts(6), events: &ev)
        let f = T.fills(ev)
        #expect(f.map(\.maker) == [.order(T.oid(3), T.acc(1))])
        #expect(f.map(\.size) == [T.q("0.4")])
        #expect(f.map(\.notional) == [T.amt(40_400_000)])
        #expect(T.cancels(ev) == [T.cancel(3, "0.6", .reduceOnlyClamp), T.cancel(6, "0.6", .immediateOrCancel)])
        #expect(e.account(T.acc(1)).base == 0)
        // Account 1 quote: −100.000000 + 59.400000 (0.6 @ 99) + 40.400000 = −0.200000
        #expect(e.account(T.acc(1)).quote == -200_000)
        #expect(e.book.bestAsk == nil)
        T.checkAll(e)
    }

    @Test func reduceOnlyRestingMakerWithNoPositionLeftIsRemovedAndTakerGoesOn() {
        var e = MatchingEngine(config: T.plain)
        var ev = EventBuffer()
        // Account 1 long 0.5, rests reduce-only sell 0.5 @ 101, then closes the whole 0.5 elsewhere.
        e.place(T.limit(1, 2, .sell, "100.00", "0.5"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 1, .buy, "100.00", "0.5"), at: T.ts(2), events: &ev)
        e.place(T.limit(3, 1, .sell, "101.00", "0.5", reduceOnly: true), at: T.ts(3), events: &ev)
        e.place(T.limit(4, 3, .buy, "99.00", "0.5"), at: T.ts(4), events: &ev)
        e.place(T.limit(5, 1, .sell, "99.00", "0.5"), at: T.ts(5), events: &ev)
        // Another ask behind it at 101 from account 5.
        e.place(T.limit(6, 5, .sell, "101.00", "0.2"), at: T.ts(6), events: &ev)
        ev.removeAll()
        // Buy 0.2 @ 101: o3 has nothing to reduce → cancelled whole (0.5, reduce_only); o6 fills 0.2.
        e.place(T.limit(7, 4, .buy, "101.00", "0.2"), at: T.ts(7), events: &ev)
        #expect(T.cancels(ev) == [T.cancel(3, "0.5", .reduceOnlyClamp)])
        #expect(T.fills(ev).map(\.maker) == [.order(T.oid(6), T.acc(5))])
        #expect(e.account(T.acc(1)).base == 0)
        T.checkAll(e)
    }
    @Test func marketProtectionPriceStopsTheSweep() {
        var (e, ev) = twoAsks()
        // Market buy 1 with protection 100.05: takes 0.4 @ 100.00, stops before 100.10; 0.6 cancelled.
        e.place(T.marketOrder(3, 3, .buy, "1", protection: "100.05"), at: T.ts(3), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("0.4")])
        #expect(T.cancels(ev) == [T.cancel(3, "0.6", .marketRemainder)])
        #expect(e.book.bestAsk == T.p("100.10"))
        T.checkAll(e)
    }
}
