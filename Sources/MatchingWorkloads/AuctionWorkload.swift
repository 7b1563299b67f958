import MarketCore
import Matching

/// The taker path of issue #2's target (b): a market with a 10-step JIT auction, 4 providers,
/// a resting book on both sides and the DAMM backstop; takers alternate sides so inventories
/// stay bounded and the run is in steady state.
public struct AuctionWorkload: Sendable {
    public var engine: MatchingEngine
    /// A concrete pool (``FixedEdgeProviders``), as a host would use: not a generic array.
    var providers: FixedEdgeProviders
    var events = EventBuffer()
    var n: UInt32 = 1_000_000
    var oracle: Int64 = 100_000_000

    public init() {
        var c = MarketConfig()
        c.auction = AuctionConfig(duration: 10)
        c.amm = AMMConfig(sqrtK: Quantity(raw: 1_000_000_000_000))
        c.breaker = BreakerConfig(maxPriceMove: Ppm(raw: 100_000), maxVolume: Quantity(raw: Int64.max / 4))
        engine = MatchingEngine(config: c, capacity: 4096)
        events.reserveCapacity(64)
        providers = FixedEdgeProviders((0..<4).map { i in
            FixedEdgeProvider(id: ProviderId(UInt32(i)), account: AccountId(UInt32(10 + i)), edge: Ppm(raw: 200 + 150 * Int64(i)),
                              maxSize: Quantity(raw: 10_000_000), latency: Int32(i))
        })
        engine.updateOracle(price: Price(raw: oracle), confidence: Price(raw: 10_000), at: .zero, events: &events)
        // Resting makers 3..22 ticks either side, deep enough never to run out.
        for i in 0..<20 {
            let off = Int64(3 + i) * 10_000
            engine.place(OrderRequest(id: OrderId(UInt32(2 * i)), account: AccountId(20), side: .sell, price: Price(raw: oracle + off),
                                      size: Quantity(raw: 1_000_000_000_000_000)), at: .zero, events: &events)
            engine.place(OrderRequest(id: OrderId(UInt32(2 * i + 1)), account: AccountId(21), side: .buy, price: Price(raw: oracle - off),
                                      size: Quantity(raw: 1_000_000_000_000_000)), at: .zero, events: &events)
        }
    }

    /// One taker order through the full path; every 1,000 takers the oracle ticks (repeg, spreads, breakers).
    @inline(__always)
    public mutating func taker(_ i: Int) {
        events.removeAll(keepingCapacity: true)
        let ts = Timestamp(milliseconds: Int64(i))
        if i % 1000 == 0 {
            oracle += i % 2000 == 0 ? 10_000 : -10_000
            engine.updateOracle(price: Price(raw: oracle), confidence: Price(raw: 10_000), at: ts, events: &events)
        }
        n += 1
        let side: Side = i & 1 == 0 ? .buy : .sell
        let r = OrderRequest(id: OrderId(n), account: AccountId(UInt32(i & 3)), side: side, type: .market, price: .zero,
                             size: Quantity(raw: 50_000_000), tif: .ioc)
        engine.place(r, at: ts, providers: &providers, events: &events)
    }
}

