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
