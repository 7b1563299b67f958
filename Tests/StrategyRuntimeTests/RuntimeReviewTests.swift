import MarketCore
import Matching
import StrategyKit
@testable import StrategyRuntime
import Testing
import VaultLedger

/// Regressions found in review: a cancel inside a batch, capital released for a payout, a timer
/// re-armed for now. Values by hand in the comments.
struct RuntimeReviewTests {
    /// On start: a market buy of 0.05 (key 1), a cancel of key 1, then a resting bid of 0.05 (key 2).
    struct Sweeper: Strategy {
        static let descriptor = StrategyDescriptor(name: "test-sweeper", summary: "buy, cancel, buy again", parameters: [])
        var done: [OrderDone] = []
        init(parameters: ParameterSet, market: MarketInfo) {}
        mutating func start(_ c: StrategyContext, _ o: inout Intents) {
            o.place(StrategyOrder(key: 1, side: .buy, type: .market, price: .zero, size: Quantity(raw: 50_000_000), tif: .ioc))
            o.cancel(1)
            o.place(StrategyOrder(key: 2, side: .buy, price: RB.p("59000"), size: Quantity(raw: 50_000_000)))
        }
        mutating func onOrderDone(_ d: OrderDone, _ c: StrategyContext, _ o: inout Intents) { done.append(d) }
        mutating func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) {}
        mutating func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) {}
    }

    /// Sets timer 1 for "now" on start and again every time it fires.
    struct Ticker: Strategy {
        static let descriptor = StrategyDescriptor(name: "test-ticker", summary: "a timer re-armed for now", parameters: [])
        var fired = 0
        init(parameters: ParameterSet, market: MarketInfo) {}
        mutating func start(_ c: StrategyContext, _ o: inout Intents) { o.setTimer(1, at: c.time) }
        mutating func onTimer(_ id: UInt32, _ c: StrategyContext, _ o: inout Intents) {
            fired += 1
            o.setTimer(1, at: c.time)
        }
        mutating func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) {}
        mutating func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) {}
    }

    @Test func aCancelInsideABatchStillCountsAFillNotRoutedYet() {
        // s0: a quoter asking 0.05 at 60,010. s1: the sweeper, max position 0.05. Its market buy
        // takes the 0.05 (position 0.05, not routed yet), its cancel of key 1 comes too late. As the
        // sweeper saw it (position 0, key 1 cancelled), a second bid of 0.05 is within the limit, so
        // it is not stopped; with the unrouted fill counted the room is 0.05 − 0.05 = 0, so the bid
        // is dropped and reported back as refused by the gate, with its 0.05 unfilled.
        var quoter = RB.Member(type: RB.Quoter.self, parameters: RB.params(RB.Quoter.self, [("size", .number("0.05"))]), allocation: 500_000)
        quoter.limits = RiskLimits(maxPosition: Quantity(raw: 1_000_000_000))
        var sweeper = RB.Member(type: Sweeper.self, parameters: Sweeper.descriptor.defaults, allocation: 500_000)
        sweeper.limits = RiskLimits(maxPosition: Quantity(raw: 50_000_000))
        let (rt, _) = RB.make([quoter, sweeper])
        #expect(rt.report(1).state == .running)
        #expect(rt.venue.position(rt.report(1).account, market: 0).base == Quantity(raw: 50_000_000))
        #expect(rt.venue.orders(of: rt.report(1).account, market: 0).isEmpty)
        let done = (rt.strategy(1) as! Sweeper).done
        #expect(done.map(\.key) == [2])
        #expect(done.first?.reason == .refusedByGate)
        #expect(done.first?.remaining == Quantity(raw: 50_000_000))
    }

    @Test func anOrderBeyondTheLimitAsTheStrategySawItStopsIt() {
        // The same, with a second bid of 0.06: 0 + 0.06 > 0.05 even as the sweeper saw it, so the
        // gate stops it (its fault, not news it missed).
        var quoter = RB.Member(type: RB.Quoter.self, parameters: RB.params(RB.Quoter.self, [("size", .number("0.05"))]), allocation: 500_000)
        quoter.limits = RiskLimits(maxPosition: Quantity(raw: 1_000_000_000))
        struct Greedy: Strategy {
            static let descriptor = StrategyDescriptor(name: "test-greedy", summary: "buy, cancel, buy more", parameters: [])
            init(parameters: ParameterSet, market: MarketInfo) {}
            mutating func start(_ c: StrategyContext, _ o: inout Intents) {
                o.place(StrategyOrder(key: 1, side: .buy, type: .market, price: .zero, size: Quantity(raw: 50_000_000), tif: .ioc))
                o.cancel(1)
                o.place(StrategyOrder(key: 2, side: .buy, price: RB.p("59000"), size: Quantity(raw: 60_000_000)))
            }
            mutating func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) {}
            mutating func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) {}
        }
        var greedy = RB.Member(type: Greedy.self, parameters: Greedy.descriptor.defaults, allocation: 500_000)
        greedy.limits = RiskLimits(maxPosition: Quantity(raw: 50_000_000))
        let (rt, out) = RB.make([quoter, greedy])
        #expect(out.runtime.contains(.strategyStopped(strategy: 1, reason: .maxPosition, RB.ts(0))))
        #expect(rt.venue.position(rt.report(1).account, market: 0).base == Quantity(raw: 50_000_000))
        #expect(rt.venue.orders(of: rt.report(1).account, market: 0).isEmpty)
    }

    @Test func capitalReleasedForAPayoutIsNotADrawdown() {
        // One quoter with all of a 10,000 deposit (equity 10,000 = its peak), max drawdown 50%.
        // Alice asks for 60% (6,000) with no redeem period: the keeper pays it at the next input,
        // releasing 6,000 from the quoter. Its equity 4,000 is not a 60% loss: it keeps running.
        var quoter = RB.Member(type: RB.Quoter.self, parameters: RB.params(RB.Quoter.self), allocation: 1_000_000)
        quoter.limits = RiskLimits(maxDrawdown: Ppm(raw: 500_000))
        var (rt, _) = RB.make([quoter])
        RB.run(&rt, 1_000, .vault(0, .requestWithdraw(depositor: "alice", .percent(Ppm(raw: 600_000)))))
        var all = RB.run(&rt, 2_000, .tick).runtime
        all += RB.run(&rt, 3_000, .tick).runtime
        let paid = all.compactMap { e -> Amount? in
            if case .vaultApplied(_, .withdraw, let r, _) = e { return r.amount } else { return nil }
        }
        #expect(paid == [RB.a("6000")])
        #expect(all.contains { if case .marked = $0 { return true } else { return false } })
        #expect(rt.report(0).state == .running)
    }

    @Test func aTimerReArmedForNowFiresOncePerInput() {
        let ticker = RB.Member(type: Ticker.self, parameters: Ticker.descriptor.defaults, allocation: 0)
        var (rt, _) = RB.make([ticker])
        // Set at t0 during start; each input fires it once (it re-arms for its own time).
        RB.run(&rt, 10, .tick)
        #expect((rt.strategy(0) as! Ticker).fired == 1)
        RB.run(&rt, 20, .tick)
        RB.run(&rt, 20, .tick)
        #expect((rt.strategy(0) as! Ticker).fired == 3)
    }
}
