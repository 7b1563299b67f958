import MarketCore
import Matching
import StrategyKit
@testable import StrategyRuntime
import Testing
import VaultLedger

/// External depth (docs/runtime.md, "External depth"): queue position from the depth feed, and no
/// trade's size taken twice. Values by hand in the comments.
struct RuntimeDepthTests {
    /// Bids 0.1 at 59,990 (post-only) when its timer fires at t0 + 2 ms.
    struct Bidder: Strategy {
        static let descriptor = StrategyDescriptor(name: "test-bidder", summary: "one bid on a timer", parameters: [])
        var fills: [OwnFill] = []
        init(parameters: ParameterSet, market: MarketInfo) {}
        mutating func start(_ c: StrategyContext, _ o: inout Intents) { o.setTimer(1, at: RB.ts(2)) }
        mutating func onTimer(_ id: UInt32, _ c: StrategyContext, _ o: inout Intents) {
            o.place(StrategyOrder(key: 1, side: .buy, price: RB.p("59990"), size: RB.q("0.1"), postOnly: true))
        }
        mutating func onFill(_ f: OwnFill, _ c: StrategyContext, _ o: inout Intents) { fills.append(f) }
        mutating func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) {}
        mutating func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) {}
    }

    static func level(_ size: String) -> RuntimeInput { .depth(market: 0, side: .buy, price: RB.p("59990"), size: RB.q(size)) }
    static func sell(_ size: String) -> RuntimeInput { .taker(market: 0, side: .sell, size: RB.q(size), limit: RB.p("59990")) }

    /// Runs: the external 1.0 bid at 59,990 arriving before (`behind`) or after (front) the
    /// bidder's order, then four sell takers of 0.3 limited to 59,990 at t0 + 3…6 ms. Returns the
    /// bidder's fill times (ms after t0) and every taker's filled size.
    static func run(behind: Bool) -> (fillTimes: [Int64], filled: [Quantity], rt: StrategyRuntime) {
        let bidder = RB.Member(type: Bidder.self, parameters: Bidder.descriptor.defaults, allocation: 1_000_000)
        var (rt, _) = RB.make([bidder])
        if behind {
            _ = RB.run(&rt, 1, level("1"))   // the external 1.0 rests first
            _ = RB.run(&rt, 2, .tick)        // the timer: the bid joins behind it
        } else {
            _ = RB.run(&rt, 1, .tick)
            _ = RB.run(&rt, 2, level("1"))   // the timer fires first: the bid is ahead of the 1.0
        }
        var filled: [Quantity] = []
        for ms in Int64(3)...6 {
            let out = RB.run(&rt, ms, sell("0.3"))
            var n: Int64 = 0
            for e in out.market { if case .fill(let f) = e, f.takerAccount == AccountId(0) { n += f.size.raw } }
            filled.append(Quantity(raw: n))
        }
        let times = (rt.strategy(0) as! Bidder).fills.map { $0.time.milliseconds - RB.t0 }
        return (times, filled, rt)
    }

    @Test func anOrderBehindTheQueueFillsLaterThanAtTheFront() {
        // At the front: the first taker (t0+3) fills the bid's 0.1, then 0.2 of the external 1.0;
        // the next two take 0.3 each (0.2 left), the last takes that 0.2: 1.1 in all.
        let front = Self.run(behind: false)
        #expect(front.fillTimes == [3])
        #expect(front.filled == [RB.q("0.3"), RB.q("0.3"), RB.q("0.3"), RB.q("0.2")])
        // Behind 1.0: the takers at t0+3, +4, +5 take 0.3 each of the external size (0.1 left);
        // the one at t0+6 takes that 0.1, then the bid's 0.1; its last 0.1 finds nothing at 59,990.
        let behind = Self.run(behind: true)
        #expect(behind.fillTimes == [6])
        #expect(behind.filled == [RB.q("0.3"), RB.q("0.3"), RB.q("0.3"), RB.q("0.2")])
        #expect(behind.rt.externalSize(market: 0, side: .buy, price: RB.p("59990")) == .zero)
        #expect(front.rt.externalSize(market: 0, side: .buy, price: RB.p("59990")) == .zero)
    }

    @Test func aDepthUpdateAfterATradeTakesNothingTwice() {
        // External 1.0; a sell of 0.3 trades 0.3 of it (0.7 left). The feed's update for that trade
        // (0.7, same timestamp, after the trade) finds the level at 0.7 already: nothing moves.
        let bidder = RB.Member(type: Bidder.self, parameters: Bidder.descriptor.defaults, allocation: 0)
        var (rt, _) = RB.make([bidder])
        _ = RB.run(&rt, 1, Self.level("1"))
        let trade = RB.run(&rt, 3, Self.sell("0.3"))
        var traded: Int64 = 0
        for e in trade.market { if case .fill(let f) = e { traded += f.size.raw } }
        #expect(traded == RB.q("0.3").raw)
        #expect(rt.externalSize(market: 0, side: .buy, price: RB.p("59990")) == RB.q("0.7"))
        let update = RB.run(&rt, 3, Self.level("0.7"))
        #expect(!update.market.contains { if case .cancelled = $0 { return true }; if case .amended = $0 { return true }; return false })
        #expect(rt.externalSize(market: 0, side: .buy, price: RB.p("59990")) == RB.q("0.7"))
        // A shrink to 0.4 cuts the newest external order; growth to 0.9 adds one behind.
        _ = RB.run(&rt, 4, Self.level("0.4"))
        #expect(rt.externalSize(market: 0, side: .buy, price: RB.p("59990")) == RB.q("0.4"))
        _ = RB.run(&rt, 5, Self.level("0.9"))
        #expect(rt.externalSize(market: 0, side: .buy, price: RB.p("59990")) == RB.q("0.9"))
        #expect(rt.venue.orders(of: AccountId(2), market: 0).map(\.remaining) == [RB.q("0.4"), RB.q("0.5")])
        // Gone: size 0 cancels both.
        _ = RB.run(&rt, 6, Self.level("0"))
        #expect(rt.venue.orders(of: AccountId(2), market: 0).isEmpty)
    }

    @Test func aLevelThatCannotRestIsSkippedAndCounted() {
        var (rt, _) = RB.make([RB.Member(type: Bidder.self, parameters: Bidder.descriptor.defaults, allocation: 0)])
        // Off the 0.1 tick; and an ask below the external bid (crossing) once a bid rests.
        _ = RB.run(&rt, 1, .depth(market: 0, side: .buy, price: RB.p("59990.05"), size: RB.q("1")))
        _ = RB.run(&rt, 2, Self.level("1"))
        _ = RB.run(&rt, 3, .depth(market: 0, side: .sell, price: RB.p("59980"), size: RB.q("1")))
        #expect(rt.externalSkipped == 2)
        #expect(rt.venue.orders(of: AccountId(2), market: 0).count == 1)
        // A snapshot's clear drops every level.
        _ = RB.run(&rt, 4, .clearDepth(market: 0))
        #expect(rt.venue.orders(of: AccountId(2), market: 0).isEmpty)
    }
}
