import MarketCore
import Matching
import Testing

/// Self-trade prevention and one-cancels-other links (plain book, tick 0.01, step 0.001, no fees).
@Suite struct SelfTradeOcoTests {
    @Test func cancelRestingPolicyCancelsOwnMakerAndKeepsMatching() {
        var e = MatchingEngine(config: T.plain)   // default policy: .cancelResting
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.00", "1"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 2, .sell, "100.01", "1"), at: T.ts(2), events: &ev)
        ev.removeAll()
        // Account 1 buys 1 @ 100.01: its own o1 is cancelled (self_trade, 1 left), then o2 fills
        // 1 @ 100.01 = 100.010000.
        e.place(T.limit(3, 1, .buy, "100.01", "1"), at: T.ts(3), events: &ev)
        #expect(T.cancels(ev) == [T.cancel(1, "1", .selfTrade)])
        let f = T.fills(ev)
        #expect(f.map(\.maker) == [.order(T.oid(2), T.acc(2))])
        #expect(f.map(\.notional) == [T.amt(100_010_000)])
        #expect(e.account(T.acc(1)).base == 1_000_000_000)
        #expect(e.book.bestAsk == nil && e.book.bestBid == nil)
        T.checkAll(e)
    }

    @Test func cancelTakerPolicyStopsTheIncomingOrder() {
        var c = T.plain
        c.selfTrade = .cancelTaker
        var e = MatchingEngine(config: c)
        var ev = EventBuffer()
        e.place(T.limit(1, 2, .sell, "99.99", "0.5"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 1, .sell, "100.00", "1"), at: T.ts(2), events: &ev)
        ev.removeAll()
        // Account 1 buys 1 @ 100.00 (GTC): 0.5 @ 99.99 from o1 (49.995000), then meets its own o2 →
        // the other 0.5 of the taker is cancelled (self_trade) instead of resting; o2 stays.
        e.place(T.limit(3, 1, .buy, "100.00", "1"), at: T.ts(3), events: &ev)
        #expect(T.fills(ev).map(\.notional) == [T.amt(49_995_000)])
        #expect(T.cancels(ev) == [T.cancel(3, "0.5", .selfTrade)])
        #expect(e.book.order(T.oid(2))?.remaining == T.q("1"))
        #expect(!e.book.contains(T.oid(3)))
        #expect(e.account(T.acc(1)).base == 500_000_000)
        T.checkAll(e)
    }

    /// o1: acct 1 sell 1 @ 101; o2: acct 1 buy 1 @ 99, OCO with o1.
    func ocoPair() -> (MatchingEngine, EventBuffer) {
        var e = MatchingEngine(config: T.plain)
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "101.00", "1"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 1, .buy, "99.00", "1", oco: 1), at: T.ts(2), events: &ev)
        ev.removeAll()
        return (e, ev)
    }

    @Test func ocoLinksBothWays() {
        let (e, _) = ocoPair()
        #expect(e.book.order(T.oid(1))?.ocoWith == T.oid(2))
        #expect(e.book.order(T.oid(2))?.ocoWith == T.oid(1))
    }

    @Test func ocoFillOnOneLegCancelsTheOther() {
        var (e, ev) = ocoPair()
        // A partial fill (0.5 of o1) is enough to cancel o2 (its full 1).
        e.place(T.limit(3, 2, .buy, "101.00", "0.5"), at: T.ts(3), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("0.5")])
        #expect(T.cancels(ev) == [T.cancel(2, "1", .ocoSibling)])
        #expect(e.book.order(T.oid(1))?.remaining == T.q("0.5"))
        #expect(e.book.bestBid == nil)
        T.checkAll(e)
    }

    @Test func ocoUserCancelCancelsTheOther() {
        var (e, ev) = ocoPair()
        e.cancel(T.oid(2), at: T.ts(3), events: &ev)
        #expect(T.cancels(ev) == [T.cancel(2, "1", .requested), T.cancel(1, "1", .ocoSibling)])
        #expect(e.book.count == 0)
        T.checkAll(e)
    }

    @Test func ocoIncomingOrderThatFillsCancelsItsSibling() {
        var (e, ev) = ocoPair()
        // Here the new OCO leg is itself the taker.
        e.cancel(T.oid(2), at: T.ts(3), events: &ev)   // drop the pair, o1 goes too
        e.place(T.limit(10, 1, .sell, "105.00", "1"), at: T.ts(4), events: &ev)
        e.place(T.limit(11, 2, .sell, "100.00", "0.2"), at: T.ts(5), events: &ev)
        ev.removeAll()
        // o12 (acct 1) buys 1 @ 100 with OCO o10: takes 0.2 from o11, so o10 is cancelled; the other 0.8 rests unlinked.
        e.place(T.limit(12, 1, .buy, "100.00", "1", oco: 10), at: T.ts(6), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("0.2")])
        #expect(T.cancels(ev) == [T.cancel(10, "1", .ocoSibling)])
        #expect(e.book.order(T.oid(12))?.remaining == T.q("0.8"))
        #expect(e.book.order(T.oid(12))?.ocoWith == nil)
        T.checkAll(e)
    }

    @Test func ocoUnknownOrTakenSiblingRefused() {
        var (e, ev) = ocoPair()
        e.place(T.limit(3, 1, .buy, "98.00", "1", oco: 77), at: T.ts(3), events: &ev)   // no such order
        e.place(T.limit(4, 1, .buy, "98.00", "1", oco: 1), at: T.ts(4), events: &ev)    // o1 already linked to o2
        e.place(T.limit(5, 1, .buy, "98.00", "1", oco: 5), at: T.ts(5), events: &ev)    // itself
        #expect(T.rejects(ev) == [T.reject(3, .ocoUnknownSibling), T.reject(4, .ocoUnknownSibling), T.reject(5, .ocoUnknownSibling)])
        #expect(e.book.count == 2)
        T.checkAll(e)
    }

    @Test func ocoWithAnotherAccountsOrderIsRefused() {
        var e = MatchingEngine(config: T.plain)
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "101.00", "1"), at: T.ts(1), events: &ev)
        ev.removeAll()
        // Account 2 tries to link its order to account 1's o1. If that were accepted, account 2 could
        // cancel o1 by cancelling its own order.
        e.place(T.limit(2, 2, .buy, "99.00", "1", oco: 1), at: T.ts(2), events: &ev)
        e.cancel(T.oid(2), at: T.ts(3), events: &ev)
        #expect(T.rejects(ev) == [T.reject(2, .ocoUnknownSibling), T.reject(2, .unknownOrder)])
        #expect(e.book.order(T.oid(1))?.remaining == T.q("1"))
        T.checkAll(e)
    }

    @Test func ocoLinkClearedAfterSiblingCancelledByPartialFill() {
        var (e, ev) = ocoPair()
        // 0.5 of o1 fills → o2 cancelled (oco_sibling). o1 (0.5 left) no longer has a sibling.
        e.place(T.limit(3, 2, .buy, "101.00", "0.5"), at: T.ts(3), events: &ev)
        #expect(T.cancels(ev) == [T.cancel(2, "1", .ocoSibling)])
        // The id 2 is free again: account 5 places an unrelated bid with it.
        e.place(T.limit(2, 5, .buy, "98.00", "1"), at: T.ts(4), events: &ev)
        ev.removeAll()
        // Another 0.1 of o1 fills. Nothing else should happen to account 5's unrelated order.
        e.place(T.limit(4, 3, .buy, "101.00", "0.1"), at: T.ts(5), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("0.1")])
        #expect(e.book.order(T.oid(1))?.ocoWith == nil)
        #expect(T.cancels(ev).isEmpty)
        #expect(e.book.order(T.oid(2))?.account == T.acc(5))
        T.checkAll(e)
    }

    @Test func ocoStaleLinkBlocksNewPairing() {
        var (e, ev) = ocoPair()
        e.place(T.limit(3, 2, .buy, "101.00", "0.5"), at: T.ts(3), events: &ev)   // o2 cancelled as sibling
        ev.removeAll()
        // o1 is alone now; pairing a new order with it should be allowed.
        e.place(T.limit(5, 1, .buy, "98.00", "1", oco: 1), at: T.ts(4), events: &ev)
        #expect(T.rejects(ev).isEmpty)
        #expect(e.book.order(T.oid(1))?.ocoWith == T.oid(5))
        T.checkAll(e)
    }

    @Test func fokWithCancelTakerNeverFillsPartially() {
        var c = T.plain
        c.selfTrade = .cancelTaker
        var e = MatchingEngine(config: c)
        var ev = EventBuffer()
        e.place(T.limit(1, 2, .sell, "100.00", "1"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 1, .sell, "100.50", "1"), at: T.ts(2), events: &ev)   // the taker's own ask
        e.place(T.limit(3, 3, .sell, "101.00", "1"), at: T.ts(3), events: &ev)
        ev.removeAll()
        // FOK buy 2 @ 101 from account 1: the estimate counts o1 + o3 = 2 (own o2 excluded), but the
        // sweep stops at o2 (cancel-taker) after filling o1 → 1 filled, 1 cancelled. FOK must be all
        // or nothing: expected no fill and one fok_unfillable cancel of 2.
        e.place(T.limit(4, 1, .buy, "101.00", "2", tif: .fok), at: T.ts(4), events: &ev)
        #expect(T.fills(ev).isEmpty)
        #expect(T.cancels(ev) == [T.cancel(4, "2", .fillOrKill)])
        T.checkAll(e)
    }

    @Test func fokNeverFillsPartiallyWhenAnOcoSiblingVanishes() {
        var e = MatchingEngine(config: T.plain)
        var ev = EventBuffer()
        // Account 2 offers 1 @ 100 OR 1 @ 100.50 (OCO): at most 1 of the 2 can ever trade.
        e.place(T.limit(1, 2, .sell, "100.00", "1"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 2, .sell, "100.50", "1", oco: 1), at: T.ts(2), events: &ev)
        ev.removeAll()
        // FOK buy 2 @ 100.50: estimate 1 + 1 = 2, but filling o1 cancels o2 → 1 filled, 1 cancelled.
        e.place(T.limit(3, 3, .buy, "100.50", "2", tif: .fok), at: T.ts(3), events: &ev)
        #expect(T.fills(ev).isEmpty)
        #expect(T.cancels(ev) == [T.cancel(3, "2", .fillOrKill)])
        T.checkAll(e)
    }
    @Test func amendKeepsTheOcoLink() {
        var (e, ev) = ocoPair()
        // Re-price o1 101 → 102 (re-queued): still linked both ways; cancelling o2 still takes o1 with it.
        e.amend(T.oid(1), price: T.p("102.00"), size: nil, at: T.ts(3), events: &ev)
        #expect(e.book.order(T.oid(1))?.ocoWith == T.oid(2))
        #expect(e.book.order(T.oid(2))?.ocoWith == T.oid(1))
        ev.removeAll()
        e.cancel(T.oid(2), at: T.ts(4), events: &ev)
        #expect(T.cancels(ev) == [T.cancel(2, "1", .requested), T.cancel(1, "1", .ocoSibling)])
        T.checkAll(e)
    }

    @Test func selfTradeCancelOfALegAlsoCancelsItsSibling() {
        var (e, ev) = ocoPair()
        // Account 1 sells into its own bid o2 (cancel-resting): o2 goes (self_trade), and so does o1 (oco_sibling);
        // the incoming sell then rests at 99.
        e.place(T.limit(3, 1, .sell, "99.00", "0.5"), at: T.ts(3), events: &ev)
        #expect(T.cancels(ev) == [T.cancel(2, "1", .selfTrade), T.cancel(1, "1", .ocoSibling)])
        #expect(T.fills(ev).isEmpty)
        #expect(e.book.bestAsk == T.p("99.00"))
        T.checkAll(e)
    }
}
