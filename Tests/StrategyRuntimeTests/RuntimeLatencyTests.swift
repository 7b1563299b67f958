import MarketCore
import Matching
import StrategyKit
@testable import StrategyRuntime
import Testing
import VaultLedger

/// Order latency (docs/runtime.md, "Order latency"): a strategy's orders and cancels reach the
/// venue at the first input at or after their send time + the latency. Times in ms after t0.
struct RuntimeLatencyTests {
    /// Bids 0.1 at 59,990 when timer 1 fires (t0 + 2); cancels it when timer 2 fires (t0 + 15).
    struct BidThenCancel: Strategy {
        static let descriptor = StrategyDescriptor(name: "test-bid-cancel", summary: "bid, then cancel", parameters: [])
        var fills: [OwnFill] = []
        var done: [OrderDone] = []
        init(parameters: ParameterSet, market: MarketInfo) {}
        mutating func start(_ c: StrategyContext, _ o: inout Intents) {
            o.setTimer(1, at: RB.ts(2))
            o.setTimer(2, at: RB.ts(15))
        }
        mutating func onTimer(_ id: UInt32, _ c: StrategyContext, _ o: inout Intents) {
            if id == 1 { o.place(StrategyOrder(key: 1, side: .buy, price: RB.p("59990"), size: RB.q("0.1"), postOnly: true)) }
            if id == 2 { o.cancel(1) }
        }
        mutating func onFill(_ f: OwnFill, _ c: StrategyContext, _ o: inout Intents) { fills.append(f) }
        mutating func onOrderDone(_ d: OrderDone, _ c: StrategyContext, _ o: inout Intents) { done.append(d) }
        mutating func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) {}
        mutating func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) {}
    }

    /// Records the oracle prices and trades it hears, with the time it heard them.
    struct Listener: Strategy {
        static let descriptor = StrategyDescriptor(name: "test-listener", summary: "records market data", parameters: [])
        var heard: [(data: MarketData, at: Int64, contextOracle: Price)] = []
        init(parameters: ParameterSet, market: MarketInfo) {}
        mutating func start(_ c: StrategyContext, _ o: inout Intents) {}
        mutating func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) {
            heard.append((d, c.time.milliseconds - RB.t0, c.oracle))
        }
        mutating func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) {}
    }

    @Test func marketDataArrivesAfterTheFeedLatency() {
        var rt = StrategyRuntime(markets: [RT.btcSpec()], config: RuntimeConfig(markIntervalMs: 1_000, feedLatencyMs: 10))
        let v = try! rt.addVault(terms: VaultTerms(), manager: "mgr", at: RB.ts(0))
        _ = try! rt.addStrategy(Listener.self, parameters: Listener.descriptor.defaults,
                                placement: StrategyPlacement(name: "s0", vault: v, allocation: .zero))
        var out = RuntimeEvents()
        rt.start(at: RB.ts(0), into: &out)
        _ = RB.run(&rt, 0, .oracle(market: 0, price: RB.p("60000"), confidence: RB.p("6")))
        _ = RB.run(&rt, 5, .oracle(market: 0, price: RB.p("60100"), confidence: RB.p("6")))
        // At t0+5 nothing has arrived: the context still has no oracle.
        #expect((rt.strategy(0) as! Listener).heard.isEmpty)
        #expect(rt.context(0).oracle == .zero)
        _ = RB.run(&rt, 10, .tick)   // the t0+0 update arrives (due t0+10), not the t0+5 one
        #expect((rt.strategy(0) as! Listener).heard.map(\.at) == [10])
        #expect(rt.context(0).oracle == RB.p("60000") && rt.context(0).lastValidOracle == RB.p("60000"))
        _ = RB.run(&rt, 40, .tick)   // the t0+5 update (due t0+15) arrives at the next input
        let heard = (rt.strategy(0) as! Listener).heard
        #expect(heard.map(\.at) == [10, 40])
        #expect(heard.map(\.contextOracle) == [RB.p("60000"), RB.p("60100")])
        if case .oracle(_, _, _, let t) = heard[1].data { #expect(t == RB.ts(5)) } else { Issue.record("expected an oracle") }
    }

    /// RB.make with an order latency.
    static func make(latency: Int64) -> StrategyRuntime {
        var rt = StrategyRuntime(markets: [RT.btcSpec()], config: RuntimeConfig(markIntervalMs: 1_000, orderLatencyMs: latency))
        let v = try! rt.addVault(terms: VaultTerms(), manager: "mgr", at: RB.ts(0))
        _ = try! rt.addStrategy(BidThenCancel.self, parameters: BidThenCancel.descriptor.defaults,
                                placement: StrategyPlacement(name: "s0", vault: v, allocation: Ppm.one))
        var out = RuntimeEvents()
        rt.handle(.oracle(market: 0, price: RB.p("60000"), confidence: RB.p("6")), at: RB.ts(0), into: &out)
        rt.handle(.vault(0, .deposit(depositor: "alice", amount: RB.a("10000"))), at: RB.ts(0), into: &out)
        rt.start(at: RB.ts(0), into: &out)
        return rt
    }

    static let sell = RuntimeInput.taker(market: 0, side: .sell, size: RB.q("0.05"), limit: RB.p("59990"))

    @Test func anOrderRestsOnlyAfterTheLatency() {
        var rt = Self.make(latency: 10)
        let account = rt.report(0).account
        _ = RB.run(&rt, 2, .tick)          // timer 1: the bid is sent at t0+2, due at t0+12
        #expect(rt.venue.orders(of: account, market: 0).isEmpty)
        #expect(rt.context(0).openOrder(1) != nil)   // open as the strategy sees it (in flight)
        _ = RB.run(&rt, 5, Self.sell)      // nothing at 59,990 yet: the taker finds no bid
        #expect((rt.strategy(0) as! BidThenCancel).fills.isEmpty)
        _ = RB.run(&rt, 12, .tick)         // arrives: rests
        #expect(rt.venue.orders(of: account, market: 0).map(\.remaining) == [RB.q("0.1")])
        _ = RB.run(&rt, 13, Self.sell)     // now it fills 0.05
        #expect((rt.strategy(0) as! BidThenCancel).fills.map { $0.time.milliseconds - RB.t0 } == [13])
    }

    @Test func aCancelInFlightCanStillBeFilled() {
        var rt = Self.make(latency: 10)
        let account = rt.report(0).account
        _ = RB.run(&rt, 2, .tick)          // bid sent, due t0+12
        _ = RB.run(&rt, 12, .tick)         // rests
        _ = RB.run(&rt, 15, .tick)         // timer 2: the cancel is sent, due t0+25
        #expect(rt.venue.orders(of: account, market: 0).count == 1)
        _ = RB.run(&rt, 20, Self.sell)     // the bid is still there: 0.05 fills
        _ = RB.run(&rt, 25, .tick)         // the cancel arrives: the remaining 0.05 is cancelled
        let s = rt.strategy(0) as! BidThenCancel
        #expect(s.fills.map { $0.time.milliseconds - RB.t0 } == [20])
        #expect(s.done.isEmpty)            // a cancel it asked for is not reported back
        #expect(rt.venue.orders(of: account, market: 0).isEmpty)
        #expect(rt.context(0).openOrders.isEmpty)
        #expect(rt.venue.position(account, market: 0).base == RB.q("0.05"))
    }

    @Test func withoutLatencyTheSameBidFillsAtOnce() {
        var rt = Self.make(latency: 0)
        _ = RB.run(&rt, 2, .tick)
        _ = RB.run(&rt, 5, Self.sell)
        #expect((rt.strategy(0) as! BidThenCancel).fills.map { $0.time.milliseconds - RB.t0 } == [5])
    }

    @Test func pullingOrdersDropsThoseStillInFlight() {
        var rt = Self.make(latency: 10)
        let account = rt.report(0).account
        _ = RB.run(&rt, 2, .tick)          // bid sent, due t0+12
        _ = RB.run(&rt, 3, .strategy(0, .stop))
        _ = RB.run(&rt, 12, .tick)         // nothing arrives: it was dropped with the stop
        #expect(rt.venue.orders(of: account, market: 0).isEmpty)
        #expect(rt.context(0).openOrders.isEmpty)
    }
}

/// Regressions from review: a replace after unrouted fills, a stale cancel and a reused id, a
/// depth cut below the minimum size.
struct RuntimeReviewRegressionTests {
    /// Bids A (key 1, 0.05 at 59,990) and B (key 2, 0.05 at 59,980) at start; when A fills, it
    /// replaces B by C (key 3, 0.05 at 59,970).
    struct Ladder: Strategy {
        static let descriptor = StrategyDescriptor(name: "test-ladder", summary: "two bids, a replace on a fill", parameters: [])
        var done: [OrderDone] = []
        var replaced = false
        init(parameters: ParameterSet, market: MarketInfo) {}
        mutating func start(_ c: StrategyContext, _ o: inout Intents) {
            o.place(StrategyOrder(key: 1, side: .buy, price: RB.p("59990"), size: RB.q("0.05")))
            o.place(StrategyOrder(key: 2, side: .buy, price: RB.p("59980"), size: RB.q("0.05")))
        }
        mutating func onFill(_ f: OwnFill, _ c: StrategyContext, _ o: inout Intents) {
            guard f.key == 1, !replaced else { return }
            replaced = true
            o.replace(2, with: StrategyOrder(key: 3, side: .buy, price: RB.p("59970"), size: RB.q("0.05")))
        }
        mutating func onOrderDone(_ d: OrderDone, _ c: StrategyContext, _ o: inout Intents) { done.append(d) }
        mutating func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) {}
        mutating func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) {}
    }

    @Test func aReplaceCountsTheOldOrdersUnroutedFills() {
        // Max position 0.1. A taker sells 0.1 down to 59,980: it fills A, then B, in one go. When
        // A's fill is routed (position 0.05), the strategy replaces B — but B has filled already
        // (not routed). Counting it, the room is 0.1 − 0.05 − 0.05 = 0: C is dropped and reported
        // (refusedByGate); the strategy is not stopped; position 0.1, nothing open.
        var m = RB.Member(type: Ladder.self, parameters: Ladder.descriptor.defaults, allocation: 1_000_000)
        m.limits = RiskLimits(maxPosition: RB.q("0.1"))
        var (rt, _) = RB.make([m])
        let account = rt.report(0).account
        _ = RB.run(&rt, 1, .taker(market: 0, side: .sell, size: RB.q("0.1"), limit: RB.p("59980")))
        #expect(rt.report(0).state == .running)
        #expect(rt.venue.position(account, market: 0).base == RB.q("0.1"))
        #expect(rt.venue.orders(of: account, market: 0).isEmpty)
        #expect(rt.context(0).openOrders.isEmpty)
        let done = (rt.strategy(0) as! Ladder).done
        #expect(done.map(\.key) == [3] && done.first?.reason == .refusedByGate)
    }

    /// Timers: 1 at t0+2 bids A (key 1, 0.1 at 59,990); 2 at t0+15 cancels it; 3 at t0+21 bids B (key 2, 0.1 at 59,980).
    struct Reuser: Strategy {
        static let descriptor = StrategyDescriptor(name: "test-reuser", summary: "bid, cancel, bid", parameters: [])
        var done: [OrderDone] = []
        init(parameters: ParameterSet, market: MarketInfo) {}
        mutating func start(_ c: StrategyContext, _ o: inout Intents) {
            o.setTimer(1, at: RB.ts(2)); o.setTimer(2, at: RB.ts(15)); o.setTimer(3, at: RB.ts(21))
        }
        mutating func onTimer(_ id: UInt32, _ c: StrategyContext, _ o: inout Intents) {
            if id == 1 { o.place(StrategyOrder(key: 1, side: .buy, price: RB.p("59990"), size: RB.q("0.1"))) }
            if id == 2 { o.cancel(1) }
            if id == 3 { o.place(StrategyOrder(key: 2, side: .buy, price: RB.p("59980"), size: RB.q("0.1"))) }
        }
        mutating func onOrderDone(_ d: OrderDone, _ c: StrategyContext, _ o: inout Intents) { done.append(d) }
        mutating func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) {}
        mutating func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) {}
    }

    @Test func aStaleCancelNeverReachesTheOrderThatReusesTheId() {
        // Latency 10. A is sent at 2 (rests at 12); its cancel is sent at 15 (due 25); a taker fills
        // A whole at 20 (its id is free from the next input); B is sent at 21 and may get that id.
        // The stale cancel is dropped with the id: B rests at 31 and stays open, unreported.
        var rt = StrategyRuntime(markets: [RT.btcSpec()], config: RuntimeConfig(markIntervalMs: 1_000, orderLatencyMs: 10))
        let v = try! rt.addVault(terms: VaultTerms(), manager: "mgr", at: RB.ts(0))
        _ = try! rt.addStrategy(Reuser.self, parameters: Reuser.descriptor.defaults,
                                placement: StrategyPlacement(name: "s0", vault: v, allocation: Ppm.one))
        var out = RuntimeEvents()
        rt.handle(.oracle(market: 0, price: RB.p("60000"), confidence: RB.p("6")), at: RB.ts(0), into: &out)
        rt.handle(.vault(0, .deposit(depositor: "alice", amount: RB.a("10000"))), at: RB.ts(0), into: &out)
        rt.start(at: RB.ts(0), into: &out)
        let account = rt.report(0).account
        for (ms, input) in [(Int64(2), RuntimeInput.tick), (12, .tick), (15, .tick),
                            (20, .taker(market: 0, side: .sell, size: RB.q("0.1"), limit: RB.p("59990"))),
                            (21, .tick), (25, .tick), (31, .tick), (40, .tick)] {
            _ = RB.run(&rt, ms, input)
        }
        #expect(rt.venue.position(account, market: 0).base == RB.q("0.1"))
        #expect(rt.venue.orders(of: account, market: 0).map(\.remaining) == [RB.q("0.1")])
        #expect(rt.context(0).openOrders.map(\.key) == [2])
        #expect((rt.strategy(0) as! Reuser).done.isEmpty)
    }

    @Test func aDepthCutBelowTheMinimumSizeTakesTheWholeOrder() {
        // Step 0.001, minimum size 0.005. External 0.01 → 0.007 (a cut, kept priority) → 0.003: a
        // cut would leave 0.003 < 0.005, so the order goes, and 0.003 cannot rest (below the
        // minimum): skipped. The venue and the runtime agree: nothing rests.
        var spec = RT.btcSpec()
        spec.matching.minSize = RB.q("0.005")
        var rt = StrategyRuntime(markets: [spec])
        var out = RuntimeEvents()
        rt.handle(.oracle(market: 0, price: RB.p("60000"), confidence: RB.p("6")), at: RB.ts(0), into: &out)
        let level = { (size: String) in RuntimeInput.depth(market: 0, side: .buy, price: RB.p("59990"), size: RB.q(size)) }
        _ = RB.run(&rt, 1, level("0.01"))
        _ = RB.run(&rt, 2, level("0.007"))
        #expect(rt.venue.orders(of: AccountId(2), market: 0).map(\.remaining) == [RB.q("0.007")])
        _ = RB.run(&rt, 3, level("0.003"))
        #expect(rt.venue.orders(of: AccountId(2), market: 0).isEmpty)
        #expect(rt.externalSize(market: 0, side: .buy, price: RB.p("59990")) == .zero)
        #expect(rt.externalSkipped == 1)
    }
}
