import MarketCore
import Matching
import Testing

/// A small deterministic generator (SplitMix64) so every seed replays exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Drives one seeded random stream through an engine and checks, after every command:
/// the book's structural invariants (never crossed, levels sorted, FIFO links and aggregates),
/// FIFO by arrival (each level's queue is in the order the orders joined it), base nets to zero
/// and quote plus fees is conserved, and each fill's own arithmetic.
struct StreamChecker {
    var engine: MatchingEngine
    var rng: SplitMix64
    var providers: [FixedEdgeProvider]
    var nextId: UInt32 = 0
    /// Arrival sequence of each live order (re-queues get a new one).
    var arrival: [UInt32: Int] = [:]
    var seq = 0
    var now: Int64 = 0
    var oracle: Int64 = 100_000_000  // 100.00
    var events = EventBuffer()
    var fills = 0
    /// Tallies so a suite run proves the streams exercised every source and outcome.
    var tally: [String: Int] = [:]

    init(seed: UInt64, config: MarketConfig, providers: [FixedEdgeProvider]) {
        engine = MatchingEngine(config: config)
        rng = SplitMix64(seed: seed)
        self.providers = providers
    }

    mutating func int(_ r: ClosedRange<Int64>) -> Int64 { Int64.random(in: r, using: &rng) }

    mutating func randomPrice() -> Price {
        // Within ±1% of the oracle, on the 0.01 tick.
        let ticks = oracle / 10_000 + int(-100...100)
        return Price(raw: Swift.max(ticks, 1) * 10_000)
    }

    mutating func randomSize() -> Quantity { Quantity(raw: int(1...50) * 1_000_000) }

    mutating func liveIds() -> [UInt32] { Array(arrival.keys) }

    mutating func step() {
        now += int(0...50)
        events.removeAll(keepingCapacity: true)
        let ts = Timestamp(milliseconds: now)
        let roll = int(0...99)
        let account = AccountId(UInt32(int(0...5)))
        let side: Side = int(0...1) == 0 ? .buy : .sell
        switch roll {
        case 0..<5:
            oracle = Swift.max(oracle + int(-200...200) * 10_000, 1_000_000)
            engine.updateOracle(price: Price(raw: oracle), confidence: Price(raw: int(0...50_000)), at: ts, events: &events)
        case 5..<45:
            let id = nextId; nextId += 1
            let tif: TimeInForce = [TimeInForce.gtc, .gtc, .gtc, .ioc, .fok][Int(int(0...4))]
            let postOnly = tif == .gtc && int(0...4) == 0
            let reduceOnly = int(0...9) == 0
            let live = liveIds()
            let oco: OrderId? = (!live.isEmpty && int(0...9) == 0) ? OrderId(live[Int(int(0...Int64(live.count - 1)))]) : nil
            let r = OrderRequest(id: OrderId(id), account: account, side: side, type: .limit, price: randomPrice(),
                                 size: randomSize(), tif: tif, postOnly: postOnly, reduceOnly: reduceOnly, ocoWith: oco)
            engine.place(r, at: ts, providers: &providers, events: &events)
        case 45..<55:
            let id = nextId; nextId += 1
            let r = OrderRequest(id: OrderId(id), account: account, side: side, type: .market, price: .zero,
                                 size: randomSize(), tif: int(0...3) == 0 ? .fok : .ioc, reduceOnly: int(0...5) == 0)
            engine.place(r, at: ts, providers: &providers, events: &events)
        case 55..<80:
            let live = liveIds()
            let id = live.isEmpty ? nextId + 7 : live[Int(int(0...Int64(live.count - 1)))]
            engine.cancel(OrderId(id), at: ts, events: &events)
        case 80..<92:
            let live = liveIds()
            guard !live.isEmpty else { return }
            let id = live[Int(int(0...Int64(live.count - 1)))]
            let cur = engine.book.order(OrderId(id))!
            let newSize = int(0...1) == 0 ? Quantity(raw: Swift.max(cur.remaining.raw - 1_000_000, 1_000_000)) : randomSize()
            let newPrice: Price? = int(0...2) == 0 ? randomPrice() : nil
            engine.amend(OrderId(id), price: newPrice, size: newSize, at: ts, events: &events)
        case 92..<95:
            engine.setManualBreaker(int(0...1) == 0, at: ts, events: &events)
        default:
            engine.advance(to: Timestamp(milliseconds: now + int(0...40_000)), events: &events)
            now = engine.now
        }
        check()
    }

    mutating func check() {
        for e in events {
            switch e {
            case let .accepted(id, _, _):
                seq += 1
                arrival[id.raw] = seq
            case let .amended(id, _, _, kept, _):
                if !kept { seq += 1; arrival[id.raw] = seq }
            case let .rejected(_, reason, _):
                tally["rejected.\(reason)", default: 0] += 1
            case let .cancelled(_, _, reason, _):
                tally["cancelled.\(reason)", default: 0] += 1
            case .breakerTrip, .auctionStart:
                tally["\(e)".prefix(12).description, default: 0] += 1
            case let .fill(f):
                fills += 1
                switch f.maker {
                case .amm: tally["fill.amm", default: 0] += 1
                case .provider: tally["fill.provider", default: 0] += 1
                case .order: tally["fill.book", default: 0] += 1
                }
                #expect(f.size.raw > 0 && f.size.raw % engine.config.step.raw == 0)
                if case .amm = f.maker {} else {
                    let exact = Int128(f.price.raw) * Int128(f.size.raw)
                    // Notional rounds against the taker.
                    let n = Int128(f.notional.raw) * 1_000_000_000
                    if f.takerSide == .buy { #expect(n >= exact && n - exact < 1_000_000_000) } else { #expect(n <= exact && exact - n < 1_000_000_000) }
                }
                #expect(f.takerFee.raw >= 0 && f.takerFee.raw + f.makerFee.raw >= 0)
            default: break
            }
        }
        // Orders that left the book no longer have an arrival.
        for id in arrival.keys where !engine.book.contains(OrderId(id)) { arrival[id] = nil }
        engine.book.checkInvariants()
        for side in [Side.buy, .sell] {
            for level in engine.book.levels(side) {
                let q = engine.book.queue(side, at: level.price).map { arrival[$0.raw]! }
                #expect(q == q.sorted(), "FIFO broken at \(level.price)")
            }
        }
        #expect(arrival.count == engine.book.count)
        let c = engine.conservation
        #expect(c.base == 0, "base does not net to zero")
        #expect(c.quote == 0, "quote plus fees not conserved")
    }
}

@Suite struct RandomStreamTests {
    static let fullMarket: MarketConfig = {
        var c = MarketConfig()
        c.fees = FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: 1000), maker: Ppm(raw: -200)),
                                     FeeTier(minVolume: Amount(raw: 50_000_000_000), taker: Ppm(raw: 800), maker: Ppm(raw: -300))],
                             insuranceShare: Ppm(raw: 150_000))
        c.auction = AuctionConfig(duration: 8)
        c.amm = AMMConfig(sqrtK: Quantity(raw: 200_000_000_000), kIntervalMs: 20_000)
        c.breaker = BreakerConfig(maxPriceMove: Ppm(raw: 30_000), priceWindowMs: 5_000,
                                  maxVolume: Quantity(raw: 800_000_000_000), volumeWindowMs: 10_000, cooldownMs: 3_000)
        return c
    }()

    static let providers = [
        FixedEdgeProvider(id: ProviderId(0), account: AccountId(6), edge: Ppm(raw: 1_000), maxSize: Quantity(raw: 5_000_000), latency: 1),
        FixedEdgeProvider(id: ProviderId(1), account: AccountId(7), edge: Ppm(raw: 500), maxSize: Quantity(raw: 3_000_000), latency: 3),
        FixedEdgeProvider(id: ProviderId(2), account: AccountId(2), edge: Ppm(raw: 2_000), maxSize: Quantity(raw: 20_000_000), latency: 0),
    ]

    /// 10,000 seeds per run (5,000 plain-book, 5,000 full-market, in 20 parallel shards each), 400 commands each
    /// (about 200 orders, the rest cancels, amends, oracle moves, breaker toggles and time jumps), invariants after every command.
    @Test(arguments: 0..<20)
    func plainBookStreams(shard: Int) {
        var tally: [String: Int] = [:]
        for seed in UInt64(shard * 250)..<UInt64(shard * 250 + 250) {
            var config = MarketConfig.plainBook()
            config.selfTrade = seed % 2 == 0 ? .cancelResting : .cancelTaker
            config.fees = FeeSchedule()
            var s = StreamChecker(seed: seed, config: config, providers: [])
            for _ in 0..<400 { s.step() }
            tally.merge(s.tally, uniquingKeysWith: +)
        }
        for key in ["fill.book", "cancelled.requested", "cancelled.fok_unfillable", "cancelled.ioc_remainder", "cancelled.self_trade",
                    "cancelled.oco_sibling", "rejected.post_only_would_cross", "rejected.reduce_only_no_position"] {
            #expect(tally[key, default: 0] > 0, "stream never produced \(key)")
        }
    }

    @Test(arguments: 0..<20)
    func fullMarketStreams(shard: Int) {
        var tally: [String: Int] = [:]
        for seed in UInt64(1_000_000 + shard * 250)..<UInt64(1_000_000 + shard * 250 + 250) {
            var s = StreamChecker(seed: seed, config: Self.fullMarket, providers: Self.providers)
            s.step()  // may be an order before any oracle: must be refused, not trap
            s.engine.updateOracle(price: Price(raw: s.oracle), confidence: .zero, at: Timestamp(milliseconds: 0), events: &s.events)
            for _ in 0..<400 { s.step() }
            tally.merge(s.tally, uniquingKeysWith: +)
        }
        for key in ["fill.book", "fill.amm", "fill.provider", "rejected.breaker_tripped", "rejected.oracle_invalid",
                    "cancelled.fok_unfillable", "cancelled.market_remainder"] {
            #expect(tally[key, default: 0] > 0, "stream never produced \(key)")
        }
        if shard == 0 { print("full-market tally (250 seeds):", tally.sorted { $0.key < $1.key }) }
    }
}
