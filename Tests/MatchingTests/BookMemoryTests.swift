@testable import Matching
import MarketCore
import Testing

/// The book's raw memory (``BookMemory``) keeps value semantics and survives growth:
/// - a copy of a book never sees the other's later inserts, removals, reductions or OCO links,
///   and a view taken before a mutation keeps showing the state it was taken from;
/// - a book started at the smallest capacity grows its slots, id map and both level arrays many
///   times over and still holds exactly what an independent model (a dictionary of orders) says.
/// Each check walks the whole book through `checkInvariants` (links, aggregates, id map).
@Suite struct BookMemoryTests {
    /// Independent model: id → (side, price, qty), and the expected depth per (side, price).
    struct Model {
        var orders: [UInt32: (side: Side, price: Int64, qty: Int64)] = [:]
        func depth(_ side: Side, _ price: Int64) -> Int64 {
            orders.values.filter { $0.side == side && $0.price == price }.reduce(0) { $0 + $1.qty }
        }
    }

    static func expectMatches(_ book: OrderBook, _ model: Model) {
        book.checkInvariants()
        #expect(book.count == model.orders.count)
        for (id, o) in model.orders {
            let r = book.order(OrderId(id))
            #expect(r?.side == o.side && r?.price.raw == o.price && r?.remaining.raw == o.qty, "order \(id)")
        }
        let prices = Set(model.orders.values.map { "\($0.side)|\($0.price)" })
        for key in prices {
            let parts = key.split(separator: "|")
            let side: Side = parts[0] == "buy" ? .buy : .sell
            let price = Int64(parts[1])!
            #expect(book.depth(side, at: Price(raw: price)).raw == model.depth(side, price))
        }
        #expect(book.levels(.buy).count + book.levels(.sell).count == prices.count)
    }

    @Test func copiesNeverSeeEachOthersWrites() {
        var a = OrderBook(capacity: 16)
        var model = Model()
        for i in 0..<40 {
            let side: Side = i % 2 == 0 ? .buy : .sell
            let price: Int64 = side == .buy ? 100 - Int64(i % 7) : 200 + Int64(i % 5)
            a.insert(id: OrderId(UInt32(i)), account: AccountId(UInt32(i % 3)), side: side, price: price, qty: 10 + Int64(i),
                     reduceOnly: false, postOnly: false, oco: kNil)
            model.orders[UInt32(i)] = (side, price, 10 + Int64(i))
        }
        let b = a  // shares the memory until one side writes
        let bidsBefore = a.bids  // a view: keeps the memory it was taken from alive
        let bidCountBefore = bidsBefore.count
        let frozen = model
        // Every kind of write on `a`: remove, reduce, insert (new level and growth), OCO link.
        a.remove(OrderId(0)); model.orders[0] = nil
        a.reduce(OrderId(1), by: 5); model.orders[1]!.qty -= 5
        for i in 40..<300 {  // past the first slot, id and level capacities
            let side: Side = i % 2 == 0 ? .buy : .sell
            let price: Int64 = side == .buy ? 1 + Int64(i % 93) : 10_000 + Int64(i)  // bids stay below 94: never crossed
            a.insert(id: OrderId(UInt32(3 * i)), account: AccountId(1), side: side, price: price, qty: 1,
                     reduceOnly: false, postOnly: false, oco: kNil)
            model.orders[UInt32(3 * i)] = (side, price, 1)
        }
        a.setOco(OrderId(2), 3)
        Self.expectMatches(a, model)
        Self.expectMatches(b, frozen)
        #expect(b.order(OrderId(2))?.ocoWith == nil)
        #expect(a.order(OrderId(2))?.ocoWith == OrderId(3))
        #expect(bidsBefore.count == bidCountBefore)
        #expect(Array(bidsBefore.map(\.key)) == Array(b.bids.map(\.key)))
        // And the other way round: writes on the copy leave the original alone.
        var c = a
        let snapshot = model
        c.remove(OrderId(3))
        c.insert(id: OrderId(5_000), account: AccountId(2), side: .sell, price: 150, qty: 7, reduceOnly: false, postOnly: false, oco: kNil)
        Self.expectMatches(a, snapshot)
        var cModel = snapshot
        cModel.orders[3] = nil
        cModel.orders[5_000] = (.sell, 150, 7)
        Self.expectMatches(c, cModel)
    }

    @Test func growsFromTheSmallestCapacityAndMatchesTheModel() {
        var book = OrderBook(capacity: 1)
        var model = Model()
        var rng = SplitMix64(seed: 0xB00C)
        var live: [UInt32] = []
        var nextId: UInt32 = 0
        for step in 0..<20_000 {
            let r = rng.next() % 10
            if r < 6 || live.isEmpty {
                let side: Side = rng.next() & 1 == 0 ? .buy : .sell
                // Bids below 5,000, asks above it: never crossed, up to ~2,000 levels a side.
                let price = side == .buy ? 3_000 + Int64(rng.next() % 2_000) : 5_001 + Int64(rng.next() % 2_000)
                let qty = 1 + Int64(rng.next() % 50)
                nextId += 1 + UInt32(rng.next() % 3)  // sparse ids: the map grows past the live count
                book.insert(id: OrderId(nextId), account: AccountId(UInt32(rng.next() % 8)), side: side, price: price, qty: qty,
                            reduceOnly: false, postOnly: false, oco: kNil)
                model.orders[nextId] = (side, price, qty)
                live.append(nextId)
            } else {
                let k = Int(rng.next() % UInt64(live.count))
                let id = live[k]
                if r < 9 || model.orders[id]!.qty == 1 {
                    live.swapAt(k, live.count - 1)
                    live.removeLast()
                    #expect(book.remove(OrderId(id)) == model.orders[id]!.qty)
                    model.orders[id] = nil
                } else {
                    book.reduce(OrderId(id), by: 1)
                    model.orders[id]!.qty -= 1
                }
            }
            if step % 5_000 == 4_999 { Self.expectMatches(book, model) }
        }
        Self.expectMatches(book, model)
        #expect(book.slotCapacity >= book.slotsUsed && book.slotsUsed > 1_000)
        #expect(book.bidLevels.count > 256 || book.askLevels.count > 256)  // a level array grew too
        #expect(book.idCapacity > Int(nextId))
    }
}
