import MarketCore
import Matching
import Testing

/// Entry validation and pauses (tick 0.01, step 0.001, min size 0.01 unless stated).
@Suite struct ValidationTests {
    func engine() -> MatchingEngine {
        var c = T.plain
        c.minSize = T.q("0.01")   // 10 steps
        return MatchingEngine(config: c)
    }

    @Test func priceAndSizeRules() {
        var e = engine()
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .buy, "100.005", "1"), at: T.ts(1), events: &ev)   // 100_005_000 % 10_000 = 5_000 → off tick
        e.place(T.limit(2, 1, .buy, "100.00", "1.0005"), at: T.ts(1), events: &ev) // 1_000_500_000 % 1_000_000 = 500_000 → off step
        e.place(T.limit(3, 1, .buy, "100.00", "0.009"), at: T.ts(1), events: &ev)  // on step but 0.009 < 0.01
        e.place(T.limit(4, 1, .buy, "100.00", "0"), at: T.ts(1), events: &ev)
        e.place(T.limit(5, 1, .buy, "100.00", "-1"), at: T.ts(1), events: &ev)
        e.place(T.limit(6, 1, .buy, "0", "1"), at: T.ts(1), events: &ev)
        e.place(T.limit(7, 1, .buy, "-100.00", "1"), at: T.ts(1), events: &ev)
        e.place(T.marketOrder(8, 1, .buy, "1", protection: "-1.00"), at: T.ts(1), events: &ev)
        e.place(T.marketOrder(9, 1, .buy, "1", protection: "100.005"), at: T.ts(1), events: &ev)
        #expect(T.rejects(ev) == [T.reject(1, .offTick), T.reject(2, .offStep), T.reject(3, .belowMinSize),
                                  T.reject(4, .invalidSize), T.reject(5, .invalidSize), T.reject(6, .invalidPrice),
                                  T.reject(7, .invalidPrice), T.reject(8, .invalidPrice), T.reject(9, .offTick)])
        #expect(e.book.count == 0)
        // Exactly the minimum (0.01) is fine.
        ev.removeAll()
        e.place(T.limit(10, 1, .buy, "100.00", "0.01"), at: T.ts(2), events: &ev)
        #expect(Array(ev) == [.accepted(T.oid(10), T.acc(1), T.ts(2))])
        T.checkAll(e)
    }

    @Test func duplicateLiveIdRejectedButReusableOnceGone() {
        var e = engine()
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .buy, "99.00", "1"), at: T.ts(1), events: &ev)
        e.place(T.limit(1, 2, .sell, "101.00", "1"), at: T.ts(2), events: &ev)
        #expect(T.rejects(ev) == [T.reject(1, .duplicateId)])
        #expect(e.book.order(T.oid(1))?.side == .buy)
        e.cancel(T.oid(1), at: T.ts(3), events: &ev)
        ev.removeAll()
        e.place(T.limit(1, 2, .sell, "101.00", "1"), at: T.ts(4), events: &ev)
        #expect(Array(ev) == [.accepted(T.oid(1), T.acc(2), T.ts(4))])
        T.checkAll(e)
    }

    @Test func marketPauseAndResume() {
        var e = engine()
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.00", "1"), at: T.ts(1), events: &ev)
        ev.removeAll()
        e.setPaused(true, global: false, at: T.ts(2), events: &ev)
        e.place(T.limit(2, 2, .buy, "100.00", "1"), at: T.ts(3), events: &ev)
        e.place(T.limit(3, 2, .buy, "90.00", "1"), at: T.ts(3), events: &ev)   // even a passive order
        // Cancels still work while paused.
        e.cancel(T.oid(1), at: T.ts(4), events: &ev)
        #expect(Array(ev) == [.paused(global: false, T.ts(2)),
                              .rejected(T.oid(2), .marketPaused, T.ts(3)),
                              .rejected(T.oid(3), .marketPaused, T.ts(3)),
                              .cancelled(T.oid(1), remaining: T.q("1"), reason: .requested, T.ts(4))])
        ev.removeAll()
        e.setPaused(false, global: false, at: T.ts(5), events: &ev)
        e.place(T.limit(3, 2, .buy, "90.00", "1"), at: T.ts(6), events: &ev)
        #expect(Array(ev) == [.resumed(global: false, T.ts(5)), .accepted(T.oid(3), T.acc(2), T.ts(6))])
        T.checkAll(e)
    }

    @Test func globalPauseIsIndependentOfMarketPause() {
        var e = engine()
        var ev = EventBuffer()
        e.setPaused(true, global: true, at: T.ts(1), events: &ev)
        e.setPaused(true, global: false, at: T.ts(2), events: &ev)
        e.setPaused(false, global: false, at: T.ts(3), events: &ev)
        // Still globally paused.
        e.place(T.limit(1, 1, .buy, "99.00", "1"), at: T.ts(4), events: &ev)
        e.setPaused(false, global: true, at: T.ts(5), events: &ev)
        e.place(T.limit(2, 1, .buy, "99.00", "1"), at: T.ts(6), events: &ev)
        #expect(Array(ev) == [.paused(global: true, T.ts(1)), .paused(global: false, T.ts(2)), .resumed(global: false, T.ts(3)),
                              .rejected(T.oid(1), .marketPaused, T.ts(4)), .resumed(global: true, T.ts(5)),
                              .accepted(T.oid(2), T.acc(1), T.ts(6))])
        #expect(e.paused == false && e.globallyPaused == false)
        T.checkAll(e)
    }

    @Test func amendRefusedWhilePausedExceptPureSizeReduction() {
        var e = engine()
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.00", "1"), at: T.ts(1), events: &ev)
        e.setPaused(true, global: false, at: T.ts(2), events: &ev)
        ev.removeAll()
        e.amend(T.oid(1), price: T.p("100.10"), size: nil, at: T.ts(3), events: &ev)
        #expect(T.rejects(ev) == [T.reject(1, .marketPaused)])
        #expect(e.book.order(T.oid(1))?.price == T.p("100.00"))
        T.checkAll(e)
    }
}
