import MarketCore
import Matching
import Testing

/// Cancel and amend on a plain book (tick 0.01, step 0.001, no fees).
@Suite struct AmendCancelTests {
    /// o1 (acct 1) and o2 (acct 2), each 1 @ 100.00, in that time order; o3 bid 1 @ 99.90 (acct 3).
    func book() -> (MatchingEngine, EventBuffer) {
        var e = MatchingEngine(config: T.plain)
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.00", "1"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 2, .sell, "100.00", "1"), at: T.ts(2), events: &ev)
        e.place(T.limit(3, 3, .buy, "99.90", "1"), at: T.ts(3), events: &ev)
        ev.removeAll()
        return (e, ev)
    }

    @Test func cancelUnknownIsRejected() {
        var (e, ev) = book()
        e.cancel(T.oid(42), at: T.ts(10), events: &ev)
        #expect(Array(ev) == [.rejected(T.oid(42), .unknownOrder, T.ts(10))])
        T.checkAll(e)
    }

    @Test func cancelRemovesAndSecondCancelIsUnknown() {
        var (e, ev) = book()
        e.cancel(T.oid(1), at: T.ts(10), events: &ev)
        e.cancel(T.oid(1), at: T.ts(11), events: &ev)
        #expect(Array(ev) == [.cancelled(T.oid(1), remaining: T.q("1"), reason: .requested, T.ts(10)),
                              .rejected(T.oid(1), .unknownOrder, T.ts(11))])
        // Level 100.00 keeps only o2: 1 order, size 1.
        #expect(e.book.queue(.sell, at: T.p("100.00")) == [T.oid(2)])
        #expect(e.book.levels(.sell).first?.size == T.q("1"))
        T.checkAll(e)
    }

    @Test func cancelAfterPartialFillReportsTheRest() {
        var (e, ev) = book()
        // Buy 0.25 lifts o1 (first in time) → o1 has 0.75 left; cancel reports remaining 0.75.
        e.place(T.limit(4, 4, .buy, "100.00", "0.25"), at: T.ts(10), events: &ev)
        ev.removeAll()
        e.cancel(T.oid(1), at: T.ts(11), events: &ev)
        #expect(T.cancels(ev) == [T.cancel(1, "0.75", .requested)])
        T.checkAll(e)
    }

    @Test func amendSizeDownKeepsPriority() {
        var (e, ev) = book()
        e.amend(T.oid(1), price: nil, size: T.q("0.4"), at: T.ts(10), events: &ev)
        #expect(Array(ev) == [.amended(T.oid(1), price: T.p("100.00"), size: T.q("0.4"), keptPriority: true, T.ts(10))])
        #expect(e.book.queue(.sell, at: T.p("100.00")) == [T.oid(1), T.oid(2)])
        // Level size 0.4 + 1 = 1.4.
        #expect(e.book.levels(.sell).first?.size == T.q("1.4"))
        ev.removeAll()
        // Buy 0.5: o1 first (0.4), then o2 (0.1).
        e.place(T.limit(4, 4, .buy, "100.00", "0.5"), at: T.ts(11), events: &ev)
        let f = T.fills(ev)
        #expect(f.map(\.maker) == [.order(T.oid(1), T.acc(1)), .order(T.oid(2), T.acc(2))])
        #expect(f.map(\.size) == [T.q("0.4"), T.q("0.1")])
        T.checkAll(e)
    }

    @Test func amendSizeUpRequeuesToTail() {
        var (e, ev) = book()
        e.amend(T.oid(1), price: nil, size: T.q("2"), at: T.ts(10), events: &ev)
        #expect(Array(ev) == [.amended(T.oid(1), price: T.p("100.00"), size: T.q("2"), keptPriority: false, T.ts(10))])
        #expect(e.book.queue(.sell, at: T.p("100.00")) == [T.oid(2), T.oid(1)])
        // Level size 1 + 2 = 3.
        #expect(e.book.levels(.sell).first?.size == T.q("3"))
        ev.removeAll()
        // Buy 0.5 now hits o2 first.
        e.place(T.limit(4, 4, .buy, "100.00", "0.5"), at: T.ts(11), events: &ev)
        #expect(T.fills(ev).map(\.maker) == [.order(T.oid(2), T.acc(2))])
        T.checkAll(e)
    }

    @Test func amendPriceRequeuesToTail() {
        var (e, ev) = book()
        // Away to 100.01 and back to 100.00: o1 is now behind o2.
        e.amend(T.oid(1), price: T.p("100.01"), size: nil, at: T.ts(10), events: &ev)
        #expect(e.book.queue(.sell, at: T.p("100.01")) == [T.oid(1)])
        e.amend(T.oid(1), price: T.p("100.00"), size: nil, at: T.ts(11), events: &ev)
        #expect(T.cancels(ev).isEmpty)
        #expect(ev.last == .amended(T.oid(1), price: T.p("100.00"), size: T.q("1"), keptPriority: false, T.ts(11)))
        #expect(e.book.queue(.sell, at: T.p("100.00")) == [T.oid(2), T.oid(1)])
        #expect(e.book.queue(.sell, at: T.p("100.01")) == [])
        T.checkAll(e)
    }

    @Test func amendThatCrossesTrades() {
        var (e, ev) = book()
        // o1 (sell 1 @ 100.00) amended to 99.90 crosses o3 (bid 1 @ 99.90): it trades as a taker
        // at the maker's price: 1 × 99.90 = 99.900000 (seller gets the floor; exact here).
        e.amend(T.oid(1), price: T.p("99.90"), size: nil, at: T.ts(10), events: &ev)
        #expect(ev.first == .amended(T.oid(1), price: T.p("99.90"), size: T.q("1"), keptPriority: false, T.ts(10)))
        let f = T.fills(ev)
        #expect(f.count == 1)
        #expect(f.first?.taker == T.oid(1))
        #expect(f.first?.takerSide == .sell)
        #expect(f.first?.maker == .order(T.oid(3), T.acc(3)))
        #expect(f.first?.price == T.p("99.90"))
        #expect(f.first?.notional == T.amt(99_900_000))
        #expect(!e.book.contains(T.oid(1)))
        #expect(e.book.bestBid == nil)
        #expect(e.account(T.acc(1)).base == -1_000_000_000)
        T.checkAll(e)
    }

    @Test func amendCrossingPartlyRestsTheRest() {
        var (e, ev) = book()
        // o1 amended to sell 1.5 @ 99.90: 1 fills against o3, 0.5 rests at 99.90 as the new best ask.
        e.amend(T.oid(1), price: T.p("99.90"), size: T.q("1.5"), at: T.ts(10), events: &ev)
        #expect(T.fills(ev).map(\.size) == [T.q("1")])
        #expect(e.book.order(T.oid(1))?.remaining == T.q("0.5"))
        #expect(e.book.bestAsk == T.p("99.90"))
        T.checkAll(e)
    }

    @Test func amendUnknownOrInvalidIsRejectedAndLeavesTheOrder() {
        var (e, ev) = book()
        e.amend(T.oid(42), price: T.p("100.00"), size: nil, at: T.ts(10), events: &ev)
        e.amend(T.oid(1), price: T.p("100.005"), size: nil, at: T.ts(11), events: &ev)   // off tick
        e.amend(T.oid(1), price: nil, size: T.q("0.0005"), at: T.ts(12), events: &ev)     // off step (size down path)
        e.amend(T.oid(1), price: nil, size: T.q("1.0005"), at: T.ts(13), events: &ev)     // off step (size up path)
        #expect(T.rejects(ev) == [T.reject(42, .unknownOrder), T.reject(1, .offTick), T.reject(1, .offStep), T.reject(1, .offStep)])
        #expect(e.book.queue(.sell, at: T.p("100.00")) == [T.oid(1), T.oid(2)])
        #expect(e.book.order(T.oid(1))?.remaining == T.q("1"))
        T.checkAll(e)
    }

    @Test
    func amendToSameValuesKeepsPriority() {
        var (e, ev) = book()
        e.amend(T.oid(1), price: T.p("100.00"), size: T.q("1"), at: T.ts(10), events: &ev)
        #expect(e.book.queue(.sell, at: T.p("100.00")) == [T.oid(1), T.oid(2)])
    }
}
