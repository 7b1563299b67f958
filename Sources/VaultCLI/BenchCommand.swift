import ArgumentParser
import Foundation
import MarketCore
import Matching
import MatchingWorkloads
import RuntimeWorkloads
import StrategyRuntime
import VaultLedger
import VaultWorkloads

/// `mmvault bench`: release-mode throughput of the matching core on fixed workloads.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure matching throughput (build with -c release). Allocation counts: see BENCHMARKS.md.",
        discussion: """
        book:    the C++ reference book's op stream (xoshiro256**, 55% add / 35% cancel / 10% market),
                 replayed through a plain-book engine; prints ns/op comparable to shared/bench/book_limit.
        auction: market takers through a 10-step JIT auction with 4 providers, a resting book and the DAMM.
        margin:  the auction workload through a venue, without and with the initial-margin check per order
                 (interleaved runs; the ratio is the check's cost).
        liquidation: a keeper scan over --accounts accounts after a 10% price move (all of them liquidatable).
        ledger:  in-memory vault ledger, 10,000 depositors, --ledger-ops mixed deposit / withdraw (request + payout)
                 / mark / crystallize actions; log hashed on demand (buffered) and on every action.
        runtime: the strategy runtime with the four built-ins live on one vault over the bundled real BTC data
                 (backtests/data, looped with time shifted to --inputs inputs); inputs/s.
        dispatch: the runtime's cost per input with four strategies that do nothing, minus the same runtime
                 with none (interleaved runs): the host's dispatch overhead.
        backtest: a whole backtest over make_feed.py's synthetic L2 feed (--feed DIR; depth as the external
                 book, trades as oracle and flow) with --strategy touch|liquidity-provision|four; events/s
                 including CSV parsing, and peak memory.
        sweep:   --sets mean-reversion parameter sets over the bundled 45,031 one-minute bars, with --jobs 1
                 and with all cores; bars × sets per second.
        blas:    GFLOP/s of the covariance and bootstrap kernels against a 2000³ dgemm.
        """
    )

    enum Workload: String, ExpressibleByArgument, CaseIterable {
        case book, auction, margin, liquidation, ledger, runtime, dispatch, backtest, sweep, blas, all
    }

    @Option(help: "Which workload: book, auction, margin, liquidation, ledger, runtime, dispatch, backtest, sweep, blas or all (all: the first seven).")
    var workload: Workload = .all
    @Option(help: "backtest: the folder make_feed.py wrote (depth.csv, trades.csv).")
    var feed: String?
    @Option(help: "backtest: touch (a cancel/replace quoter at the touch), liquidity-provision or four.")
    var strategy: String = "touch"
    @Option(help: "sweep: parameter sets.")
    var sets: Int = 1_000
    @Option(help: "sweep: parallel backtests (default: the number of cores).")
    var jobs: Int?
    @Option(help: "Ops in the book stream.")
    var ops: Int = 10_000_000
    @Option(help: "Taker orders in the auction workload.")
    var takers: Int = 1_000_000
    @Option(help: "Accounts in the liquidation scan.")
    var accounts: Int = 100_000
    @Option(help: "Actions in the ledger workload.")
    var ledgerOps: Int = 1_000_000
    @Option(help: "ledger: which sealing modes to run: both, on-demand or every-action (one mode alone is for profiles).")
    var ledgerSealing: String = "both"
    @Option(help: "Inputs in the runtime and dispatch workloads.")
    var inputs: Int = 10_000_000
    @Option(help: "The repository root (where backtests/data is) for the runtime workloads.")
    var dataRoot: String = "."
    @Option(help: "Seed of the book stream.")
    var seed: UInt64 = 42
    @Option(name: .customLong("repeat"), help: "Timed repetitions (the median is reported).")
    var repeats: Int = 3

    func validate() throws {
        // Upper bounds keep the loop arithmetic (20_000 + takers, ledgerOps + 1, …) far from overflow
        // and the generated streams within memory.
        for (name, value, max) in [("--ops", ops, 100_000_000), ("--takers", takers, 100_000_000), ("--accounts", accounts, 10_000_000),
                                   ("--ledger-ops", ledgerOps, 100_000_000), ("--repeat", repeats, 1_000),
                                   ("--inputs", inputs, 1_000_000_000), ("--sets", sets, 1_000_000)] {
            guard value > 0 else { throw ValidationError("\(name) must be positive, got \(value)") }
            guard value <= max else { throw ValidationError("\(name): \(value) exceeds the maximum \(max)") }
        }
    }

    func run() throws {
        switch workload {
        case .backtest: return try runBacktestBench()
        case .sweep: return try runSweepBench()
        case .blas: return try runBLASBench()
        default: break
        }
        let clock = ContinuousClock()
        if workload == .runtime || workload == .all {
            let base = try RuntimeWorkload.realInputs(root: URL(fileURLWithPath: dataRoot))
            print("runtime: \(base.count) real inputs, looped to \(inputs)")
            var times: [Double] = []
            for _ in 0..<repeats {
                var rt = try RuntimeWorkload.fourOnOneVault()
                var out = RuntimeEvents()
                out.market.reserveCapacity(4_096)
                out.runtime.reserveCapacity(256)
                rt.start(at: base[0].0, into: &out)
                rt.handle(.vault(0, .deposit(depositor: "alice", amount: Amount(raw: 1_000_000_000_000))), at: base[0].0, into: &out)
                var events = 0
                let start = clock.now
                for (t, input) in RuntimeWorkload.Looped(base, count: inputs) {
                    out.removeAll()
                    rt.handle(input, at: t, into: &out)
                    events &+= out.market.count
                }
                let d = clock.now - start
                times.append(Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9)
                guard rt.venue.quoteSupply == rt.venue.netDeposits else { throw ValidationError("venue conservation broken") }
                let fills = (0..<rt.strategyCount).reduce(0) { $0 + rt.report($1).fills }
                print("  run: \(fmt(times.last! / Double(inputs))) ns/input, \(events) venue events, \(fills) strategy fills")
                for i in 0..<rt.strategyCount {
                    let r = rt.report(i)
                    print("    \(r.name): \(r.state), \(r.fills) fills, \(r.ordersPlaced) orders, \(r.auctionsWon) auctions won, equity \(r.equity), position \(r.position)")
                }
            }
            let med = times.sorted()[times.count / 2] / Double(inputs)
            print("runtime: \(inputs) inputs, four strategies on one vault, median \(fmt(med)) ns/input = \(fmt(1e3 / med)) M inputs/s")
        }
        if workload == .dispatch || workload == .all {
            let base = try RuntimeWorkload.realInputs(root: URL(fileURLWithPath: dataRoot))
            var none: [Double] = [], four: [Double] = []
            for _ in 0..<repeats {
                for count in [0, 4] {
                    var rt = try RuntimeWorkload.idle(count: count)
                    var out = RuntimeEvents()
                    out.market.reserveCapacity(4_096)
                    rt.start(at: base[0].0, into: &out)
                    let start = clock.now
                    for (t, input) in RuntimeWorkload.Looped(base, count: inputs) {
                        out.removeAll()
                        rt.handle(input, at: t, into: &out)
                    }
                    let d = clock.now - start
                    let ns = (Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9) / Double(inputs)
                    if count == 0 { none.append(ns) } else { four.append(ns) }
                }
                print("  run: no strategies \(fmt(none.last!)) ns/input, four idle strategies \(fmt(four.last!)) ns/input")
            }
            let a = none.sorted()[none.count / 2], b = four.sorted()[four.count / 2]
            print("dispatch: \(inputs) inputs, median \(fmt(a)) → \(fmt(b)) ns/input; four idle strategies add \(fmt(b - a)) ns/input")
        }
        if workload == .margin || workload == .all {
            var off: [Double] = []
            var on: [Double] = []
            for _ in 0..<repeats {
                for enforce in [false, true] {
                    var w = VenueAuctionWorkload(enforceMargin: enforce)
                    for i in 0..<20_000 { w.taker(i) }
                    let start = clock.now
                    for i in 20_000..<(20_000 + takers) { w.taker(i) }
                    let d = clock.now - start
                    let ns = (Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9) / Double(takers)
                    if enforce { on.append(ns) } else { off.append(ns) }
                    guard w.venue.quoteSupply == w.venue.netDeposits else { throw ValidationError("venue conservation broken") }
                }
                print("  run: without margin \(fmt(off.last!)) ns/taker, with \(fmt(on.last!)) ns/taker")
            }
            let a = off.sorted()[off.count / 2]
            let b = on.sorted()[on.count / 2]
            print("margin: \(takers) takers via venue, median \(fmt(a)) → \(fmt(b)) ns/taker; the check adds \(fmt((b / a - 1) * 100))%")
        }
        if workload == .liquidation || workload == .all {
            print("building \(accounts) accounts…")
            let w = LiquidationScanWorkload(accounts: accounts)
            var times: [Double] = []
            var found = 0
            for _ in 0..<Swift.max(repeats, 5) {
                let start = clock.now
                found = w.scan()
                let d = clock.now - start
                times.append(Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
            }
            guard found == accounts else { throw ValidationError("scan found \(found) of \(accounts) liquidatable accounts") }
            print("liquidation: scan of \(accounts) accounts after a 10% move, median \(fmt(times.sorted()[times.count / 2])) ms (\(found) below maintenance)")
        }
        if workload == .ledger || workload == .all {
            let modes: [LogSealing]
            switch ledgerSealing {
            case "both": modes = [.onDemand, .everyAction]
            case "on-demand": modes = [.onDemand]
            case "every-action": modes = [.everyAction]
            default: throw ValidationError("--ledger-sealing must be both, on-demand or every-action, got \(ledgerSealing)")
            }
            for sealing in modes {
                var times: [Double] = []
                var applied = 0
                for _ in 0..<repeats {
                    var w = try LedgerWorkload(sealing: sealing)
                    w.vault.reserveEventCapacity(ledgerOps + 1)
                    applied = 0
                    let start = clock.now
                    for i in 0..<ledgerOps { if w.step(i) { applied += 1 } }
                    let d = clock.now - start
                    times.append(Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9)
                    w.vault.checkInvariants()
                    w.checkEquity()
                }
                let med = times.sorted()[times.count / 2] / Double(ledgerOps)
                print("ledger (\(sealing == .onDemand ? "log hashed on demand" : "log hashed every action")): \(ledgerOps) actions (\(applied) applied), 10,000 depositors, median \(fmt(med)) ns/action = \(fmt(1e3 / med)) M actions/s")
            }
        }
        if workload == .book || workload == .all {
            print("generating \(ops) ops (seed \(seed))…")
            let stream = ReferenceStream(count: ops, seed: seed)
            var times: [Double] = []
            for _ in 0..<repeats {
                var engine = MatchingEngine(config: ReferenceStream.config, capacity: Int(stream.maxId) + 1)
                var events = EventBuffer()
                events.reserveCapacity(256)
                var fills = 0
                let start = clock.now
                for op in stream.ops {
                    events.removeAll(keepingCapacity: true)
                    ReferenceStream.apply(op, to: &engine, events: &events)
                    fills &+= events.fillCount
                }
                let d = clock.now - start
                times.append(Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9)
                guard fills == stream.generatorFills else {
                    throw ValidationError("replay made \(fills) fills, the generator \(stream.generatorFills)")
                }
                engine.book.checkInvariants()
                print("  run: \(fmt(times.last! / Double(ops))) ns/op, \(fills) fills, \(engine.book.count) resting")
            }
            let med = times.sorted()[times.count / 2] / Double(ops)
            print("book: \(ops) ops, median \(fmt(med)) ns/op = \(fmt(1e3 / med)) M ops/s (peak live \(stream.peakLive))")
        }
        if workload == .auction || workload == .all {
            var times: [Double] = []
            for _ in 0..<repeats {
                var w = AuctionWorkload()
                for i in 0..<20_000 { w.taker(i) }
                let start = clock.now
                for i in 20_000..<(20_000 + takers) { w.taker(i) }
                let d = clock.now - start
                times.append(Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9)
                let c = w.engine.conservation
                guard c.base == 0 && c.quote == 0 else { throw ValidationError("conservation broken: \(c)") }
                print("  run: \(fmt(times.last! / Double(takers))) ns/taker")
            }
            let med = times.sorted()[times.count / 2] / Double(takers)
            print("auction: \(takers) takers, median \(fmt(med)) ns/taker = \(fmt(1e3 / med)) M takers/s")
        }
    }

    /// A vault with fees and 10,000 depositors of 1,000 each.
    func fmt(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return String(r)
    }
}
