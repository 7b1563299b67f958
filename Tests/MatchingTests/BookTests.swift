import MarketCore
import Matching
import Testing

/// Helpers shared by the matching tests.
enum T {
    static func p(_ s: String) -> Price { Price(s)! }
    static func q(_ s: String) -> Quantity { Quantity(s)! }
    static func ts(_ ms: Int64) -> Timestamp { Timestamp(milliseconds: ms) }
    static func limit(_ id: UInt32, _ account: UInt32, _ side: Side, _ price: String, _ size: String,
                      tif: TimeInForce = .gtc, postOnly: Bool = false, reduceOnly: Bool = false, oco: UInt32? = nil) -> OrderRequest {
        OrderRequest(id: OrderId(id), account: AccountId(account), side: side, type: .limit, price: p(price), size: q(size),
                     tif: tif, postOnly: postOnly, reduceOnly: reduceOnly, ocoWith: oco.map(OrderId.init))
    }
    static func market(_ id: UInt32, _ account: UInt32, _ side: Side, _ size: String, tif: TimeInForce = .ioc) -> OrderRequest {
        OrderRequest(id: OrderId(id), account: AccountId(account), side: side, type: .market, price: .zero, size: q(size), tif: tif)
    }
    static func fills(_ events: EventBuffer) -> [Fill] {
        events.compactMap { if case .fill(let f) = $0 { return f } else { return nil } }
    }
}

@Suite struct BookTests {
    @Test func priceTimePriority() {
        var e = MatchingEngine(config: .plainBook())
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100.50", "1"), at: T.ts(1), events: &ev)
        e.place(T.limit(2, 2, .sell, "100.50", "1"), at: T.ts(2), events: &ev)
        e.place(T.limit(3, 3, .sell, "100.40", "1"), at: T.ts(3), events: &ev)
        ev.removeAll()
        // Buy 2.5 at 100.50: best price first (o3 at 100.40), then time order at 100.50 (o1, then half of o2).
        e.place(T.limit(4, 4, .buy, "100.50", "2.5"), at: T.ts(4), events: &ev)
        let f = T.fills(ev)
        #expect(f.map(\.maker) == [.order(OrderId(3), AccountId(3)), .order(OrderId(1), AccountId(1)), .order(OrderId(2), AccountId(2))])
        #expect(f.map(\.price) == [T.p("100.40"), T.p("100.50"), T.p("100.50")])
        #expect(f.map(\.size) == [T.q("1"), T.q("1"), T.q("0.5")])
        #expect(e.book.order(OrderId(2))?.remaining == T.q("0.5"))
        #expect(!e.book.contains(OrderId(4)))
        e.book.checkInvariants()
    }
}
