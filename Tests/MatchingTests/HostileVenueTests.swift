import MarketCore
@testable import Matching
import Testing

/// Hostile input through the venue (issue 10, item 8): seeded random commands whose values are
/// drawn from the edges — zero, one unit, the documented bounds and one past them, `Int64`-sized
/// values, invalid oracles (too uncertain, non-positive, out of range) between commands, amends,
/// JIT providers with huge sizes, orders before any oracle. The process must never trap (a trap
/// fails the whole run), and after every command quote is conserved against net deposits and base
/// nets to zero in every market. A tally shows the runs reached fills, liquidations and refusals.
@Suite struct HostileVenueTests {
    static func specs() -> [MarketSpec] {
        let m0 = PV.plainSpec(fees: PV.fees(taker: 1_000, maker: -200))
        var c1 = MarketConfig(tick: T.p("0.01"), step: T.q("0.001"), minSize: T.q("0.001"), fees: PV.fees(taker: 500),
                              auction: AuctionConfig(duration: 5), amm: AMMConfig(sqrtK: T.q("1000")), breaker: BreakerConfig())
        c1.funding = FundingConfig(periodMs: 60_000, maxRate: Ppm(raw: 1_000))
        return [m0, MarketSpec(matching: c1, risk: RiskConfig(sizePremium: Ppm(raw: 1_000)))]
    }

    struct Gen {
        var rng: SplitMix64
        mutating func int(_ r: ClosedRange<Int64>) -> Int64 { Int64.random(in: r, using: &rng) }
        mutating func pick<X>(_ xs: [X]) -> X { xs[Int(int(0...Int64(xs.count - 1)))] }
        mutating func chance(_ p: Int64) -> Bool { int(1...100) <= p }
        /// A price: mostly near 100 on the tick, otherwise from the edges.
        mutating func price() -> Int64 {
            if chance(70) { return int(50_00...150_00) * 10_000 }
            return pick([0, 1, 10_000, Bounds.maxPrice.raw, Bounds.maxPrice.raw + 10_000, Bounds.maxPrice.raw - 10_000,
                         Int64.max / 2, Int64.max, -10_000, 9_223_372_036_854_770_000, int(1...Int64.max)])
        }
        mutating func size() -> Int64 {
            if chance(70) { return int(1...50_000) * 1_000_000 }
            return pick([0, 1, 1_000_000, Bounds.maxQuantity.raw, Bounds.maxQuantity.raw + 1_000_000,
                         Bounds.maxQuantity.raw / 2 + 1_000_000, Bounds.maxQuantity.raw / 2 + 1_000_000,
                         Bounds.maxOpenInterest.raw, 5_000_000_000 * 1_000_000_000, Int64.max, -1_000_000, int(1...Int64.max)])
        }
        mutating func amount() -> Int64 {
            if chance(70) { return int(1...100_000) * 1_000_000 }
            return pick([0, 1, Bounds.maxAmount.raw, Bounds.maxAmount.raw + 1, Bounds.maxTotal.raw, Int64.max, -1, int(1...Int64.max)])
        }
        mutating func confidence(for p: Int64) -> Int64 {
            if chance(60) { return 0 }
            return pick([1, p / 10, p, Bounds.maxConfidence.raw, Bounds.maxConfidence.raw + 1, Int64.max, -1])
        }
    }

    struct Pool: JITProviderPool {
        var providers: [FixedEdgeProvider]
        mutating func collectQuotes(for offer: AuctionOffer, into quotes: inout ContiguousArray<JITQuote>) {
            providers.collectQuotes(for: offer, into: &quotes)
        }
    }

    static func run(seed: UInt64, commands: Int, tally: inout [String: Int]) {
        var g = Gen(rng: SplitMix64(seed: seed))
        var v = PerpVenue(markets: specs(), seed: seed)
        var ev = EventBuffer()
        var now: Int64 = 0
        for k in UInt32(20)...21 {
            _ = v.deposit(AccountId(k), amount: Amount(raw: 1_000_000 * 1_000_000), at: .zero, events: &ev)
            _ = v.registerKeeper(account: AccountId(k), stake: Amount(raw: 1_000 * 1_000_000), at: .zero, events: &ev)
        }
        var pool = Pool(providers: [
            FixedEdgeProvider(id: ProviderId(1), account: AccountId(30), edge: Ppm(raw: 1_000), maxSize: Quantity(raw: Int64.max), latency: 0),
            FixedEdgeProvider(id: ProviderId(2), account: AccountId(31), edge: Ppm(raw: 0), maxSize: Bounds.maxQuantity, latency: 2),
        ])
        // Traders start funded (account 8 with the largest single deposit, so it can reach the position bound).
        for a in UInt32(1)...7 { _ = v.deposit(AccountId(a), amount: Amount(raw: 100_000 * 1_000_000), at: .zero, events: &ev) }
        _ = v.deposit(AccountId(8), amount: Amount(raw: Bounds.maxAmount.raw), at: .zero, events: &ev)
        for p in pool.providers { _ = v.registerProvider(p.id, account: p.account) }
        var nextId: UInt32 = 1
        for _ in 0..<commands {
            now += g.chance(95) ? g.pick([0, 1, 1_000, 5_000]) : g.pick([30_000, 60_001, 3_600_000])
            let ts = Timestamp(milliseconds: now)
            let account = AccountId(UInt32(g.int(1...8)))
            let market = Int(g.int(0...1))
            ev.removeAll(keepingCapacity: true)
            switch g.int(0...99) {
            case 0..<8:
                _ = v.deposit(account, amount: Amount(raw: g.amount()), at: ts, events: &ev)
            case 8..<12:
                _ = v.withdraw(account, amount: Amount(raw: g.amount()), at: ts, events: &ev)
            case 12..<30:
                let p = g.chance(85) ? 100_000_000 + g.int(-3_000...3_000) * 10_000 : g.price()
                v.updateOracle(market: market, price: Price(raw: p), confidence: Price(raw: g.confidence(for: p)), at: ts, events: &ev)
            case 30..<75:
                let type: OrderType = g.chance(20) ? .market : .limit
                let tif: TimeInForce = type == .market ? .ioc : g.pick([.gtc, .gtc, .ioc, .fok])
                let id: UInt32 = g.chance(3) ? UInt32.max : nextId
                nextId += 1
                let r = OrderRequest(id: OrderId(id), account: account, side: g.chance(50) ? .buy : .sell, type: type,
                                     price: Price(raw: type == .market && g.chance(50) ? 0 : g.price()), size: Quantity(raw: g.size()),
                                     tif: tif, postOnly: tif == .gtc && g.chance(10), reduceOnly: g.chance(10))
                v.place(market: market, r, at: ts, providers: &pool, events: &ev)
            case 75..<85:
                let id = OrderId(UInt32(g.int(1...Int64(nextId))))
                v.amend(market: market, id, account: g.chance(80) ? nil : account,
                        price: g.chance(50) ? Price(raw: g.price()) : nil, size: Quantity(raw: g.size()), at: ts, events: &ev)
            case 85..<92:
                v.cancel(market: market, OrderId(UInt32(g.int(1...Int64(nextId)))), account: g.chance(50) ? account : nil, at: ts, events: &ev)
            case 92..<95:
                v.cancelAll(of: account, market: g.chance(50) ? market : nil, at: ts, events: &ev)
            default:
                v.advance(to: ts, events: &ev)
            }
            for e in ev {
                switch e {
                case .fill: tally["fill", default: 0] += 1
                case .liquidation: tally["liquidation", default: 0] += 1
                case .rejected(_, let why, _): tally["rejected \(why)", default: 0] += 1
                case .oracle(_, let status, _): tally["oracle \(status)", default: 0] += 1
                case .amended: tally["amended", default: 0] += 1
                default: break
                }
            }
            #expect(v.quoteSupply.raw == v.netDeposits.raw, "seed \(seed): quote not conserved")
            for m in v.markets.indices { #expect(v.markets[m].conservation.base == 0, "seed \(seed): base not conserved in \(m)") }
            #expect(v.netDeposits.raw <= Bounds.maxTotal.raw)
        }
    }

    @Test func hostileCommandsNeverTrapAndConserveValue() {
        var tally: [String: Int] = [:]
        for seed in UInt64(1)...200 { Self.run(seed: seed, commands: 500, tally: &tally) }
        // Not vacuous: the runs traded, amended, liquidated, and refused at every bound.
        for key in ["fill", "amended", "liquidation", "rejected price_out_of_range", "rejected size_out_of_range",
                    "rejected position_limit", "rejected invalid_order_id", "rejected insufficient_margin",
                    "oracle out_of_range", "oracle too_uncertain"] {
            #expect(tally[key, default: 0] > 0, "never reached: \(key) — tally \(tally)")
        }
    }
}
