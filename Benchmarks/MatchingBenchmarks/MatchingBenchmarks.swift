import Benchmark
import MarketCore
import Matching
import MatchingWorkloads
import VaultLedger
import VaultWorkloads

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
        var bench = AuctionWorkload()
        for i in 0..<20_000 { bench.taker(i) }  // warm: arrays reach their steady sizes
        b.startMeasurement()
        for i in 20_000..<120_000 { bench.taker(i) }
        b.stopMeasurement()
        blackHole(bench.engine)
    }

    // Issue 13, item 4: allocations per ledger action in steady state. The `mmvault bench
    // --workload ledger` loop (10,000 depositors; deposit, request, payout, mark, crystallise),
    // its second 100k actions measured after the first 100k, for both sealing modes.
    for sealing in [LogSealing.onDemand, .everyAction] {
        Benchmark("ledger: 100k actions after 100k warm-up, 10,000 depositors, \(sealing == .onDemand ? "hashed on demand" : "hashed every action")",
                  configuration: .init(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 0, maxIterations: 5)) { b in
            var w = try LedgerWorkload(sealing: sealing)
            w.vault.reserveEventCapacity(200_001)
            for i in 0..<100_000 { _ = w.step(i) }
            b.startMeasurement()
            for i in 100_000..<200_000 { _ = w.step(i) }
            b.stopMeasurement()
            blackHole(w.vault)
        }
    }
}
