import Benchmark
import MarketCore
import Matching

/// The taker path of issue #2's target (b): a market with a 10-step JIT auction, 4 providers,
/// a resting book on both sides and the DAMM backstop; takers alternate sides so inventories
/// stay bounded and the run is in steady state.
struct AuctionBench {
    var engine: MatchingEngine
    var providers: [FixedEdgeProvider]
    var events = EventBuffer()
    var n: UInt32 = 1_000_000
    var oracle: Int64 = 100_000_000

    init() {
        var c = MarketConfig()
        c.auction = AuctionConfig(duration: 10)
        c.amm = AMMConfig(sqrtK: Quantity(raw: 1_000_000_000_000))
        c.breaker = BreakerConfig(maxPriceMove: Ppm(raw: 100_000), maxVolume: Quantity(raw: Int64.max / 4))
        engine = MatchingEngine(config: c, capacity: 4096)
        events.reserveCapacity(64)
        providers = (0..<4).map { i in
            FixedEdgeProvider(id: ProviderId(UInt32(i)), account: AccountId(UInt32(10 + i)), edge: Ppm(raw: 200 + 150 * Int64(i)),
                              maxSize: Quantity(raw: 10_000_000), latency: Int32(i))
        }
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
    mutating func taker(_ i: Int) {
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

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
                                           warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)

    // (a) The C++ reference book's op stream (10M ops, seed 42), on a fresh plain-book engine.
    // One iteration = the whole stream; ns/op = wall clock / 10M.
    let stream = ReferenceStream(count: 10_000_000)
    Benchmark("book: reference stream 10M ops (add/cancel/market)",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 0, maxIterations: 5)) { b in
        var engine = MatchingEngine(config: ReferenceStream.config, capacity: Int(stream.maxId) + 1)
        var events = EventBuffer()
        events.reserveCapacity(256)
        var fills = 0
        b.startMeasurement()
        for op in stream.ops {
            events.removeAll(keepingCapacity: true)
            ReferenceStream.apply(op, to: &engine, events: &events)
            fills &+= events.count
        }
        b.stopMeasurement()
        blackHole(fills)
        blackHole(engine)
    }

    // (c) Steady state: the same stream's second million ops on an engine already warmed by the first.
    Benchmark("book: steady-state allocations, 1M ops after 1M warm-up",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 0, maxIterations: 5)) { b in
        var engine = MatchingEngine(config: ReferenceStream.config, capacity: Int(stream.maxId) + 1)
        var events = EventBuffer()
        events.reserveCapacity(256)
        for op in stream.ops[0..<1_000_000] {
            events.removeAll(keepingCapacity: true)
            ReferenceStream.apply(op, to: &engine, events: &events)
        }
        b.startMeasurement()
        for op in stream.ops[1_000_000..<2_000_000] {
            events.removeAll(keepingCapacity: true)
            ReferenceStream.apply(op, to: &engine, events: &events)
        }
        b.stopMeasurement()
        blackHole(engine)
    }

    // (b) + (c) Taker orders through auction + 4 providers + book + DAMM; 100k takers per iteration.
    Benchmark("auction: 100k takers, 4 JIT providers + book + DAMM",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 1, maxIterations: 10)) { b in
        var bench = AuctionBench()
        for i in 0..<20_000 { bench.taker(i) }  // warm: arrays reach their steady sizes
        b.startMeasurement()
        for i in 20_000..<120_000 { bench.taker(i) }
        b.stopMeasurement()
        blackHole(bench.engine)
    }
}
