import MarketCore
import Matching

/// The auction workload routed through a `PerpVenue`, with or without the initial-margin check
/// on every order: the difference is the margin check's cost on the taker path.
public struct VenueAuctionWorkload: Sendable {
    public var venue: PerpVenue
    /// A concrete pool (``FixedEdgeProviders``), as a host would use: not a generic array.
    var providers: FixedEdgeProviders
    var events = EventBuffer()
    var n: UInt32 = 1_000_000
    var oracle: Int64 = 100_000_000

    public init(enforceMargin: Bool) {
        var c = MarketConfig()
        c.auction = AuctionConfig(duration: 10)
        c.amm = AMMConfig(sqrtK: Quantity(raw: 1_000_000_000_000))
        c.breaker = BreakerConfig(maxPriceMove: Ppm(raw: 100_000), maxVolume: Quantity(raw: Int64.max / 4))
        venue = PerpVenue(markets: [MarketSpec(matching: c)], enforceMargin: enforceMargin)
        events.reserveCapacity(64)
        providers = FixedEdgeProviders((0..<4).map { i in
            FixedEdgeProvider(id: ProviderId(UInt32(i)), account: AccountId(UInt32(10 + i)), edge: Ppm(raw: 200 + 150 * Int64(i)),
                              maxSize: Quantity(raw: 10_000_000), latency: Int32(i))
        })
        for p in providers.providers { _ = venue.registerProvider(p.id, account: p.account) }
        for a in 0..<22 { _ = venue.deposit(AccountId(UInt32(a)), amount: Amount(raw: 1_000_000_000_000_000), at: .zero, events: &events) }
        venue.updateOracle(market: 0, price: Price(raw: oracle), confidence: Price(raw: 10_000), at: .zero, events: &events)
        for i in 0..<20 {
            let off = Int64(3 + i) * 10_000
            venue.place(market: 0, OrderRequest(id: OrderId(UInt32(2 * i)), account: AccountId(20), side: .sell,
                                                price: Price(raw: oracle + off), size: Quantity(raw: 1_000_000_000_000)),
                        at: .zero, events: &events)
            venue.place(market: 0, OrderRequest(id: OrderId(UInt32(2 * i + 1)), account: AccountId(21), side: .buy,
                                                price: Price(raw: oracle - off), size: Quantity(raw: 1_000_000_000_000)),
                        at: .zero, events: &events)
        }
    }

    /// One taker through margin check (if on), auction, providers, book and DAMM.
    public mutating func taker(_ i: Int) {
        events.removeAll(keepingCapacity: true)
        let ts = Timestamp(milliseconds: Int64(i))
        if i % 1000 == 0 {
            oracle += i % 2000 == 0 ? 10_000 : -10_000
            venue.updateOracle(market: 0, price: Price(raw: oracle), confidence: Price(raw: 10_000), at: ts, events: &events)
        }
        n += 1
        let side: Side = i & 1 == 0 ? .buy : .sell
        let r = OrderRequest(id: OrderId(n), account: AccountId(UInt32(i & 3)), side: side, type: .market, price: .zero,
                             size: Quantity(raw: 50_000_000), tif: .ioc)
        venue.place(market: 0, r, at: ts, providers: &providers, events: &events)
    }
}

/// `accounts` accounts, each long 1 base at 100 with 12 quote of collateral (8.3× leverage,
/// 5% maintenance): a 10% fall puts every one of them below maintenance.
public struct LiquidationScanWorkload: Sendable {
    public var venue: PerpVenue
    public let accounts: Int
    var events = EventBuffer()

    public init(accounts: Int) {
        self.accounts = accounts
        var c = MarketConfig.plainBook(tick: Price(raw: 10_000), step: Quantity(raw: 1_000_000))
        c.fees = .free
        venue = PerpVenue(markets: [MarketSpec(matching: c)], enforceMargin: false)
        let maker = AccountId(UInt32(accounts))
        _ = venue.deposit(maker, amount: Amount(raw: Int64(accounts) * 1_000_000_000), at: .zero, events: &events)
        venue.updateOracle(market: 0, price: Price(raw: 100_000_000), confidence: .zero, at: .zero, events: &events)
        venue.place(market: 0, OrderRequest(id: OrderId(0), account: maker, side: .sell, price: Price(raw: 100_000_000),
                                            size: Quantity(raw: Int64(accounts) * 1_000_000_000)), at: .zero, events: &events)
        for a in 0..<accounts {
            events.removeAll(keepingCapacity: true)
            _ = venue.deposit(AccountId(UInt32(a)), amount: Amount(raw: 12_000_000), at: .zero, events: &events)
            venue.place(market: 0, OrderRequest(id: OrderId(UInt32(a + 1)), account: AccountId(UInt32(a)), side: .buy, type: .market,
                                                price: .zero, size: Quantity(raw: 1_000_000_000), tif: .ioc), at: .zero, events: &events)
        }
        events.removeAll(keepingCapacity: true)
        // The 10% move (no keepers registered yet, so nothing is liquidated here).
        venue.updateOracle(market: 0, price: Price(raw: 90_000_000), confidence: .zero, at: Timestamp(milliseconds: 1), events: &events)
    }

    /// The keepers' scan: accounts below maintenance.
    public func scan() -> Int { venue.liquidatable().count }
}
