import MarketCore
import Matching
import StrategyKit
@testable import StrategyRuntime
import Testing
import VaultLedger

// The kernel's behaviour with tiny strategies whose every move is known, so each expected value
// below is worked out by hand (comments) on one BTC market (RT.btcSpec: tick 0.1, step 0.001,
// 10-step auction ending 0.2% from the oracle, taker 0.05%, maker rebate 0.01%, initial margin
// 10%, price-move breaker 10% a minute with a 30 s cooldown, oracle breaker on invalid updates).

/// Namespace for this file's strategies and helpers (other files in the target may define their own).
enum RB {
    /// The base time of every test (ms); `ts(x)` is `t0 + x`.
    static let t0: Int64 = 1_700_000_000_000
    static func ts(_ ms: Int64) -> Timestamp { Timestamp(milliseconds: t0 + ms) }
    static func p(_ s: String) -> Price { Price(s)! }
    static func q(_ s: String) -> Quantity { Quantity(s)! }
    static func a(_ s: String) -> Amount { Amount(s)! }

    // MARK: - Strategies

    /// One bid (key 1) and one ask (key 2) at the last valid oracle ∓ `offset` on start (and on
    /// resume); a live update cancels both and quotes again at the new offset and size. Answers
    /// JIT auctions at the same prices when `jit`. Counts every callback.
    struct Quoter: Strategy, Equatable {
        static let descriptor = StrategyDescriptor(
            name: "test-quoter", summary: "one bid and one ask at oracle ± offset",
            parameters: [
                .price("offset", default: "10", min: "0.1", max: "10000", live: true, doc: "distance from the oracle"),
                .quantity("size", default: "0.01", min: "0.001", max: "100", live: true, doc: "size of each quote"),
                .flag("jit", default: false, live: false, doc: "answer JIT auctions at the quote prices"),
            ])
        var offset: Price
        var size: Quantity
        var jit: Bool
        var starts = 0, stops = 0, updates = 0
        /// onMarketData + onFill + onOrderDone + onTimer calls; `jitAsks`: quote(for:) calls.
        var callbacks = 0, jitAsks = 0
        var fills: [OwnFill] = []

        init(parameters p: ParameterSet, market: MarketInfo) {
            offset = p.price("offset")
            size = p.quantity("size")
            jit = p.flag("jit")
        }

        func orders(_ fair: Int64) -> (StrategyOrder, StrategyOrder) {
            (StrategyOrder(key: 1, side: .buy, price: Price(raw: fair - offset.raw), size: size),
             StrategyOrder(key: 2, side: .sell, price: Price(raw: fair + offset.raw), size: size))
        }

        mutating func start(_ c: StrategyContext, _ o: inout Intents) {
            starts += 1
            let fair = c.lastValidOracle.raw
            guard fair > 0 else { return }
            let (bid, ask) = orders(fair)
            if c.openOrder(1) == nil { o.place(bid) }
            if c.openOrder(2) == nil { o.place(ask) }
        }
        mutating func stop(_ c: StrategyContext, _ o: inout Intents) { stops += 1 }
        mutating func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) { callbacks += 1 }
        mutating func onFill(_ f: OwnFill, _ c: StrategyContext, _ o: inout Intents) { callbacks += 1; fills.append(f) }
        mutating func onOrderDone(_ d: OrderDone, _ c: StrategyContext, _ o: inout Intents) { callbacks += 1 }
        mutating func onTimer(_ id: UInt32, _ c: StrategyContext, _ o: inout Intents) { callbacks += 1 }
        mutating func quote(for offer: AuctionOffer, _ c: StrategyContext) -> JITAnswer? {
            jitAsks += 1
            let fair = c.lastValidOracle.raw
            guard jit, fair > 0 else { return nil }
            let price = offer.takerSide == .buy ? fair + offset.raw : fair - offset.raw
            return JITAnswer(worstPrice: Price(raw: price), maxSize: size)
        }
        mutating func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) {
            updates += 1
            offset = p.price("offset")
            size = p.quantity("size")
            let fair = c.lastValidOracle.raw
            guard fair > 0 else { return }
            let (bid, ask) = orders(fair)
            o.cancelAll()
            o.place(bid)
            o.place(ask)
        }
    }

    /// Quotes like a Quoter (bid 1 / ask 2 at oracle ∓ 10, 0.01 each) from start, then on its
    /// `after`-th oracle callback since start misbehaves according to `mode`:
    /// - `position`: a 10 BTC bid (key 3) far beyond maxPosition;
    /// - `duplicate`: a new order with key 1, which is still open;
    /// - `rate` / `open`: a flood of ten 0.001 bids (keys 100…109) below the market.
    struct Broken: Strategy {
        static let descriptor = StrategyDescriptor(
            name: "test-broken", summary: "misbehaves after a few oracle updates",
            parameters: [
                .choice("mode", ["position", "duplicate", "rate", "open"], default: "position", live: false, doc: "how it breaks"),
                .integer("after", default: 2, min: 1, max: 100, unit: "oracle updates", live: false, doc: "when it breaks"),
            ])
        var mode: String
        var after: Int
        var started = false
        var oracles = 0
        init(parameters p: ParameterSet, market: MarketInfo) {
            mode = p.choice("mode")
            after = Int(p.integer("after"))
        }
        mutating func start(_ c: StrategyContext, _ o: inout Intents) {
            started = true
            let fair = c.lastValidOracle.raw
            o.place(StrategyOrder(key: 1, side: .buy, price: Price(raw: fair - 10_000_000), size: Quantity(raw: 10_000_000)))
            o.place(StrategyOrder(key: 2, side: .sell, price: Price(raw: fair + 10_000_000), size: Quantity(raw: 10_000_000)))
        }
        mutating func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) {
            guard started, case .oracle = d else { return }
            oracles += 1
            guard oracles == after else { return }
            let fair = c.lastValidOracle.raw
            switch mode {
            case "position":
                o.place(StrategyOrder(key: 3, side: .buy, price: Price(raw: fair - 100_000_000), size: Quantity(raw: 10_000_000_000)))
            case "duplicate":
                o.place(StrategyOrder(key: 1, side: .buy, price: Price(raw: fair - 50_000_000), size: Quantity(raw: 10_000_000)))
            default:
                for k in 0..<10 {
                    o.place(StrategyOrder(key: UInt32(100 + k), side: .buy, price: Price(raw: fair - Int64(100 + k) * 1_000_000),
                                          size: Quantity(raw: 1_000_000)))
                }
            }
        }
        mutating func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) {}
    }

    /// One ask (key 1) at oracle + `offset` on start; every own fill on the venue is hedged on
    /// the reference venue (the opposite side, same size) after `latency` ms at `fee`.
    struct Hedger: Strategy {
        static let descriptor = StrategyDescriptor(
            name: "test-hedger", summary: "hedges each fill on the reference venue",
            parameters: [
                .price("offset", default: "10", live: false, doc: "ask distance from the oracle"),
                .quantity("size", default: "0.01", live: false, doc: "ask size"),
                .integer("latency", default: 200, min: 0, max: 60_000, unit: "ms", live: false, doc: "hedge latency"),
                .fraction("fee", default: "0.0001", live: false, doc: "hedge fee"),
            ])
        var offset: Price, size: Quantity, latency: Int64, fee: Ppm
        var fills: [OwnFill] = []
        init(parameters p: ParameterSet, market: MarketInfo) {
            offset = p.price("offset")
            size = p.quantity("size")
            latency = p.integer("latency")
            fee = p.ppm("fee")
        }
        mutating func start(_ c: StrategyContext, _ o: inout Intents) {
            o.place(StrategyOrder(key: 1, side: .sell, price: Price(raw: c.lastValidOracle.raw + offset.raw), size: size))
        }
        mutating func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) {}
        mutating func onFill(_ f: OwnFill, _ c: StrategyContext, _ o: inout Intents) {
            fills.append(f)
            if f.kind != .hedge { o.hedge(f.side.opposite, f.size, latencyMs: latency, fee: fee) }
        }
        mutating func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) {}
    }

    // MARK: - Setup

    static func params<S: Strategy>(_ type: S.Type, _ pairs: [(key: String, value: ParameterInput)] = []) -> ParameterSet {
        switch S.descriptor.parameters(pairs) {
        case .success(let p): return p
        case .failure(let e): fatalError("\(S.descriptor.name): \(e)")
        }
    }

    struct Member {
        var type: any Strategy.Type
        var parameters: ParameterSet
        /// Share of each deposit, ppm.
        var allocation: Int64
        var limits = RiskLimits()
    }

    /// One BTC market, one fee-free vault (manager "mgr", `terms`), the members in order; at t0:
    /// oracle 60,000 (confidence 6 = 0.01%), `alice` deposits `deposit`, every strategy starts.
    static func make(_ members: [Member], terms: VaultTerms = VaultTerms(), deposit: String = "10000") -> (StrategyRuntime, RuntimeEvents) {
        var rt = StrategyRuntime(markets: [RT.btcSpec()], config: RuntimeConfig(markIntervalMs: 1_000))
        let v = try! rt.addVault(terms: terms, manager: "mgr", at: ts(0))
        for (k, m) in members.enumerated() {
            _ = try! rt.addStrategy(m.type, parameters: m.parameters,
                                    placement: StrategyPlacement(name: "s\(k)", vault: v, allocation: Ppm(raw: m.allocation), limits: m.limits))
        }
        var out = RuntimeEvents()
        rt.handle(.oracle(market: 0, price: p("60000"), confidence: p("6")), at: ts(0), into: &out)
        rt.handle(.vault(0, .deposit(depositor: "alice", amount: a(deposit))), at: ts(0), into: &out)
        rt.start(at: ts(0), into: &out)
        return (rt, out)
    }

    static func quoter(_ rt: StrategyRuntime, _ i: Int) -> Quoter { rt.strategy(i) as! Quoter }

    /// `input` at `t0 + ms` into a fresh event buffer.
    @discardableResult
    static func run(_ rt: inout StrategyRuntime, _ ms: Int64, _ input: RuntimeInput) -> RuntimeEvents {
        var out = RuntimeEvents()
        rt.handle(input, at: ts(ms), into: &out)
        return out
    }

    static func taker(_ side: Side, _ size: String) -> RuntimeInput { .taker(market: 0, side: side, size: q(size), limit: .zero) }

    /// Ids the venue reported cancelled in `out`.
    static func cancelled(_ out: RuntimeEvents) -> Set<OrderId> {
        var ids = Set<OrderId>()
        for e in out.market { if case .cancelled(let id, _, _, _) = e { ids.insert(id) } }
        return ids
    }

    static func resting(_ rt: StrategyRuntime, _ i: Int) -> [(Side, Price, Quantity)] {
        rt.venue.orders(of: rt.report(i).account, market: 0).sorted { $0.price < $1.price }.map { ($0.side, $0.price, $0.remaining) }
    }

    static func same(_ a: [(Side, Price, Quantity)], _ b: [(Side, Price, Quantity)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 && $0.2 == $1.2 }
    }

    /// A venue command the runtime has no input for yet (pause, manual breaker), applied to its
    /// venue and routed as `handle` would route it (see the reply: the input we would want).
    static func venueCommand(_ rt: inout StrategyRuntime, _ body: (inout PerpVenue, Timestamp, inout EventBuffer) -> Void) -> RuntimeEvents {
        var out = RuntimeEvents()
        body(&rt.venue, Timestamp(milliseconds: rt.now), &out.market)
        rt.cursor = 0
        rt.route(from: 0, &out)
        rt.settle(&out)
        return out
    }
}

struct RuntimeBehaviourTests {
    typealias Q = RB.Quoter

    // MARK: - 1. A broken strategy is stopped; the others keep trading

    struct BrokenCase: Sendable, CustomStringConvertible {
        var mode: String
        var reason: StopReason
        /// Orders the venue cancels when it stops: its 2 quotes + what it placed before the refusal.
        var cancels: Int
        var description: String { mode }
    }

    @Test(arguments: [
        // 10 BTC bid: |0 + 0.01 open + 10| = 10.01 > maxPosition 0.2.
        BrokenCase(mode: "position", reason: .maxPosition, cancels: 2),
        // key 1 (its bid) is still open.
        BrokenCase(mode: "duplicate", reason: .invalidIntent("order key 1 is already open"), cancels: 2),
        // 5 per second: the window of the start (t0) is over at t0+2000, so flood orders 1…5 pass and the 6th stops it: 2 + 5 cancelled.
        BrokenCase(mode: "rate", reason: .maxOrderRate, cancels: 7),
        // 4 open at most: 2 quotes + keys 100, 101; key 102 would be the 5th: 2 + 2 cancelled.
        BrokenCase(mode: "open", reason: .maxOpenOrders, cancels: 4),
    ])
    func brokenStrategyIsStoppedAndOthersKeepTrading(_ c: BrokenCase) {
        let limits = RiskLimits(maxPosition: RB.q("0.2"), maxOpenOrders: c.mode == "open" ? 4 : 64,
                                maxOrdersPerSecond: c.mode == "rate" ? 5 : 1_000)
        var (rt, _) = RB.make([
            RB.Member(type: RB.Broken.self, parameters: RB.params(RB.Broken.self, [("mode", .string(c.mode)), ("after", .number("2"))]),
                      allocation: 400_000, limits: limits),
            RB.Member(type: Q.self, parameters: RB.params(Q.self), allocation: 400_000),
        ])
        let brokenAccount = rt.report(0).account
        let startIds = Set(rt.venue.orders(of: brokenAccount, market: 0).map(\.id))
        #expect(startIds.count == 2)
        // First oracle after start: nothing yet.
        var out = RB.run(&rt, 1_000, .oracle(market: 0, price: RB.p("60000"), confidence: RB.p("6")))
        #expect(rt.report(0).state == .running)
        // Second: it breaks, and is stopped with the exact reason at that input's time.
        out = RB.run(&rt, 2_000, .oracle(market: 0, price: RB.p("60000"), confidence: RB.p("6")))
        let stops = out.runtime.filter { if case .strategyStopped = $0 { return true } else { return false } }
        #expect(stops == [.strategyStopped(strategy: 0, reason: c.reason, RB.ts(2_000))])
        #expect(rt.report(0).state == .stopped(c.reason))
        // Every order it had in the venue was cancelled there (its start quotes among them), none left.
        let cancelled = RB.cancelled(out)
        #expect(cancelled.count == c.cancels)
        #expect(startIds.isSubset(of: cancelled))
        #expect(rt.venue.orders(of: brokenAccount, market: 0).isEmpty)
        #expect(rt.context(0).openOrders.isEmpty)
        // The Quoter was not touched: bid 59,990 and ask 60,010 still rest.
        #expect(RB.same(RB.resting(rt, 1), [(.buy, RB.p("59990"), RB.q("0.01")), (.sell, RB.p("60010"), RB.q("0.01"))]))
        #expect(rt.report(1).state == .running)
        // After the stop the Quoter still trades: a 0.01 market sell meets its bid 59,990 (the
        // broken bid at the same price is gone), maker fill at the maker's price.
        out = RB.run(&rt, 2_100, RB.taker(.sell, "0.01"))
        let fills = RB.quoter(rt, 1).fills
        #expect(fills.count == 1)
        if let f = fills.first {
            #expect(f.kind == .maker && f.side == .buy && f.price == RB.p("59990") && f.size == RB.q("0.01") && f.time == RB.ts(2_100))
        }
        #expect(rt.report(1).fills == 1)
        #expect(rt.report(0).fills == 0)
        // The stopped one hears nothing more.
        let before = (rt.strategy(0) as! RB.Broken).oracles
        RB.run(&rt, 3_000, .oracle(market: 0, price: RB.p("60000"), confidence: RB.p("6")))
        #expect((rt.strategy(0) as! RB.Broken).oracles == before)
        #expect(before == 2)
    }

    // MARK: - 2. Vault flow: allocation, payouts from idle, releases, waiting payouts

    @Test func depositAllocatesAndPayoutsComeFromIdleThenFromStrategies() {
        // A 30%, B 45%: 10,000 × 0.3 = 3,000; 10,000 × 0.45 = 4,500; idle 10,000 − 7,500 = 2,500.
        var (rt, out) = RB.make([
            RB.Member(type: Q.self, parameters: RB.params(Q.self), allocation: 300_000),
            RB.Member(type: Q.self, parameters: RB.params(Q.self, [("offset", .number("20"))]), allocation: 450_000),
        ])
        let allocations = out.runtime.filter { if case .allocation = $0 { return true } else { return false } }
        #expect(allocations == [.allocation(vault: 0, strategy: 0, amount: RB.a("3000"), RB.ts(0)),
                                .allocation(vault: 0, strategy: 1, amount: RB.a("4500"), RB.ts(0))])
        #expect(rt.idle[0] == RB.a("2500"))
        #expect(rt.venue.balance(rt.report(0).account) == RB.a("3000"))

        // 10% of alice's shares. Shares minted: 10,000 USDC × 10^3 virtual = 10^13 raw; 10% = 10^12;
        // value = floor(10^12 × (E + 1) / (S + 10^3)) with E = 10^10, S = 10^13: exactly 1,000 USDC.
        out = RB.run(&rt, 100, .vault(0, .requestWithdraw(depositor: "alice", .percent(Ppm(raw: 100_000)))))
        let requested = out.runtime.compactMap { e -> Amount? in
            if case .vaultApplied(_, .requestWithdraw, let r, _) = e { return r.amount } else { return nil }
        }
        #expect(requested == [RB.a("1000")])
        // Not paid yet: the keeper takes the job (due now, redeem period 0) on the next input.
        #expect(!out.runtime.contains { if case .vaultApplied(_, .withdraw, _, _) = $0 { return true } else { return false } })
        #expect(rt.idle[0] == RB.a("2500"))
        out = RB.run(&rt, 200, .tick)
        // Paid from idle (2,500 ≥ 1,000): no allocation moves; idle 1,500; receipt = value at request.
        #expect(out.runtime.filter { if case .allocation = $0 { return true } else { return false } }.isEmpty)
        #expect(out.runtime.contains(.vaultApplied(vault: 0, action: .withdraw(depositor: "alice"),
                                                   receipt: paidReceipt(out), RB.ts(200))))
        #expect(paidReceipt(out).amount == RB.a("1000"))
        #expect(rt.idle[0] == RB.a("1500"))

        // 50% of what is left: 9×10^12 shares, E = 9,000 → 4.5×10^12 shares worth exactly 4,500.
        out = RB.run(&rt, 300, .vault(0, .requestWithdraw(depositor: "alice", .percent(Ppm(raw: 500_000)))))
        out = RB.run(&rt, 400, .tick)
        // Idle 1,500 is short by 3,000: released pro rata to equity (3,000 : 4,500), rounded up:
        // A ceil(3,000 × 3,000 / 7,500) = 1,200, B ceil(3,000 × 4,500 / 7,500) = 1,800 — both
        // within their free collateral (≈ 3,000 − 60 and 4,500 − 60). Then 4,500 is paid.
        let moves = out.runtime.filter {
            if case .allocation = $0 { return true }
            if case .vaultApplied(_, .withdraw, _, _) = $0 { return true }
            return false
        }
        #expect(moves.count == 3)
        #expect(Array(moves.prefix(2)) == [.allocation(vault: 0, strategy: 0, amount: RB.a("-1200"), RB.ts(400)),
                                           .allocation(vault: 0, strategy: 1, amount: RB.a("-1800"), RB.ts(400))])
        #expect(paidReceipt(out).amount == RB.a("4500"))
        #expect(rt.idle[0] == .zero)
        #expect(rt.venue.balance(rt.report(0).account) == RB.a("1800"))
        #expect(rt.venue.balance(rt.report(1).account) == RB.a("2700"))
        #expect(rt.vaults[0].equity == RB.a("4500"))
    }

    func paidReceipt(_ out: RuntimeEvents) -> VaultReceipt {
        for e in out.runtime { if case .vaultApplied(_, .withdraw, let r, _) = e { return r } }
        return VaultReceipt(amount: Amount(raw: -1))
    }

    @Test func payoutWaitsWhileMarginIsInUseAndIsRetried() {
        // All of 1,000 USDC to one Quoter quoting 0.15 each side: worst case 0.15 × 60,000 × 10% =
        // 900 of initial margin, so free collateral is 100 and idle is 0.
        var (rt, out) = RB.make([RB.Member(type: Q.self, parameters: RB.params(Q.self, [("size", .number("0.15"))]),
                                           allocation: 1_000_000)], deposit: "1000")
        #expect(out.runtime.contains(.allocation(vault: 0, strategy: 0, amount: RB.a("1000"), RB.ts(0))))
        #expect(rt.idle[0] == .zero)
        #expect(rt.venue.margin(rt.report(0).account).freeCollateral == RB.a("100"))
        // Half: 10^12 shares → 5×10^11, worth exactly 500.
        out = RB.run(&rt, 100, .vault(0, .requestWithdraw(depositor: "alice", .percent(Ppm(raw: 500_000)))))
        out = RB.run(&rt, 200, .tick)
        // Release: its share is all 500 but only 100 is free → −100; 400 still needed → waiting.
        #expect(out.runtime.contains(.allocation(vault: 0, strategy: 0, amount: RB.a("-100"), RB.ts(200))))
        #expect(out.runtime.contains(.payoutWaiting(vault: 0, depositor: "alice", needed: RB.a("400"), RB.ts(200))))
        #expect(paidReceipt(out).amount.raw == -1)
        #expect(rt.idle[0] == RB.a("100"))
        // The manager pauses the strategy: its orders go, its margin is free.
        out = RB.run(&rt, 300, .strategy(0, .pause))
        #expect(RB.resting(rt, 0).isEmpty)
        // The retry is due one mark interval after the wait (t0+1,200): not before.
        out = RB.run(&rt, 1_199, .tick)
        #expect(paidReceipt(out).amount.raw == -1)
        out = RB.run(&rt, 1_200, .tick)
        #expect(out.runtime.contains(.allocation(vault: 0, strategy: 0, amount: RB.a("-400"), RB.ts(1_200))))
        #expect(paidReceipt(out).amount == RB.a("500"))
        #expect(rt.idle[0] == .zero)
        #expect(rt.venue.balance(rt.report(0).account) == RB.a("500"))
    }

    @Test func depositAllocationRoundsDown() {
        // 1/3 each: 7 raw × 333,333 / 10^6 = 2.33 → 2 raw each; idle keeps 7 − 4 = 3 raw.
        var (rt, _) = RB.make([
            RB.Member(type: Q.self, parameters: RB.params(Q.self), allocation: 333_333),
            RB.Member(type: Q.self, parameters: RB.params(Q.self), allocation: 333_333),
        ])
        // 10,000 × 333,333 ppm = 3,333.33 each, idle 3,333.34.
        #expect(rt.idle[0] == RB.a("3333.34"))
        let out = RB.run(&rt, 100, .vault(0, .deposit(depositor: "bob", amount: Amount(raw: 7))))
        let allocations = out.runtime.filter { if case .allocation = $0 { return true } else { return false } }
        #expect(allocations == [.allocation(vault: 0, strategy: 0, amount: Amount(raw: 2), RB.ts(100)),
                                .allocation(vault: 0, strategy: 1, amount: Amount(raw: 2), RB.ts(100))])
        #expect(rt.idle[0] == Amount(raw: 3_333_340_000 + 3))
    }

    @Test func payoutTakesFromStrategiesWithFreeCollateralWhenAnotherHasNone() {
        // A 50% (5,000) quotes 0.8 each side: 0.8 × 60,000 × 10% = 4,800 of margin, 200 free.
        // B 40% (4,000) quotes 0.01: 60 of margin, 3,940 free. Idle 1,000.
        var (rt, _) = RB.make([
            RB.Member(type: Q.self, parameters: RB.params(Q.self, [("size", .number("0.8"))]), allocation: 500_000),
            RB.Member(type: Q.self, parameters: RB.params(Q.self), allocation: 400_000),
        ])
        #expect(rt.venue.margin(rt.report(0).account).freeCollateral == RB.a("200"))
        #expect(rt.venue.margin(rt.report(1).account).freeCollateral == RB.a("3940"))
        // Half of alice's shares: 5,000; 4,000 must come from the strategies, which hold
        // 200 + 3,940 = 4,140 free: enough. Pro rata by equity A would give ceil(4,000 × 5/9) =
        // 2,222.222223 (capped at its 200) and B ceil(4,000 × 4/9) = 1,777.777778; B can give the
        // 2,022.222222 still missing from its remaining 2,162.222222.
        RB.run(&rt, 100, .vault(0, .requestWithdraw(depositor: "alice", .percent(Ppm(raw: 500_000)))))
        let out = RB.run(&rt, 200, .tick)
        #expect(out.runtime.contains(.allocation(vault: 0, strategy: 0, amount: RB.a("-200"), RB.ts(200))))
        do {
            #expect(!out.runtime.contains { if case .payoutWaiting = $0 { return true } else { return false } })
            #expect(paidReceipt(out).amount == RB.a("5000"))
            #expect(rt.venue.balance(rt.report(1).account) == RB.a("200"))
        }
    }

    // MARK: - 3. Breakers and pauses suspend and resume

    @Test func priceMoveBreakerSuspendsThenResumesAfterCooldown() {
        var (rt, _) = RB.make([
            RB.Member(type: Q.self, parameters: RB.params(Q.self), allocation: 400_000),
            RB.Member(type: Q.self, parameters: RB.params(Q.self, [("offset", .number("20"))]), allocation: 400_000),
        ])
        // 60,000 → 66,600 within the minute: +11% > 10% trips the price-move breaker (still a
        // valid oracle: TWAP 60,022 is 11% away, under the 50% guard; no trade yet, so no mark divergence).
        var out = RB.run(&rt, 1_000, .oracle(market: 0, price: RB.p("66600"), confidence: RB.p("6")))
        #expect(out.market.contains(.breakerTrip(.priceMove, RB.ts(1_000))))
        #expect(out.runtime.contains(.strategySuspended(strategy: 0, RB.ts(1_000))))
        #expect(out.runtime.contains(.strategySuspended(strategy: 1, RB.ts(1_000))))
        #expect(RB.resting(rt, 0).isEmpty && RB.resting(rt, 1).isEmpty)
        #expect(rt.report(0).state == .suspended)
        let heard = RB.quoter(rt, 0).callbacks
        // Suspended: no taker fills, no callbacks.
        out = RB.run(&rt, 1_500, RB.taker(.buy, "0.01"))
        #expect(RB.quoter(rt, 0).callbacks == heard)
        // The cooldown is 30 s from the trip: still tripped at +29,999 ms.
        out = RB.run(&rt, 30_999, .tick)
        #expect(!out.runtime.contains(.strategyResumed(strategy: 0, RB.ts(30_999))))
        #expect(rt.report(0).state == .suspended)
        out = RB.run(&rt, 31_000, .tick)
        #expect(out.market.contains(.breakerReset(.priceMove, RB.ts(31_000))))
        #expect(out.runtime.contains(.strategyResumed(strategy: 0, RB.ts(31_000))))
        #expect(out.runtime.contains(.strategyResumed(strategy: 1, RB.ts(31_000))))
        // start() again: quotes back around the new oracle, 66,600 ∓ 10 and ∓ 20.
        #expect(RB.quoter(rt, 0).starts == 2)
        #expect(RB.same(RB.resting(rt, 0), [(.buy, RB.p("66590"), RB.q("0.01")), (.sell, RB.p("66610"), RB.q("0.01"))]))
        #expect(RB.same(RB.resting(rt, 1), [(.buy, RB.p("66580"), RB.q("0.01")), (.sell, RB.p("66620"), RB.q("0.01"))]))
        // And they trade: a market buy meets the 66,610 ask (auction step 1 is 66,613.32).
        out = RB.run(&rt, 31_100, RB.taker(.buy, "0.01"))
        #expect(RB.quoter(rt, 0).fills.map(\.price) == [RB.p("66610")])
    }

    /// No input pauses a market or trips the manual breaker yet (see the reply): the venue command
    /// is applied to the runtime's venue and routed as `handle` would.
    @Test func manualBreakerAndMarketPauseSuspendAndResume() {
        var (rt, _) = RB.make([RB.Member(type: Q.self, parameters: RB.params(Q.self), allocation: 400_000)])
        var out = RB.venueCommand(&rt) { v, t, e in _ = v.setManualBreaker(true, market: 0, at: t, events: &e) }
        #expect(out.runtime == [.strategySuspended(strategy: 0, RB.ts(0))])
        #expect(RB.resting(rt, 0).isEmpty)
        // The manual breaker never resets by itself.
        out = RB.run(&rt, 60_000, .oracle(market: 0, price: RB.p("60000"), confidence: RB.p("6")))
        #expect(rt.report(0).state == .suspended)
        out = RB.venueCommand(&rt) { v, t, e in _ = v.setManualBreaker(false, market: 0, at: t, events: &e) }
        #expect(out.runtime == [.strategyResumed(strategy: 0, RB.ts(60_000))])
        #expect(RB.same(RB.resting(rt, 0), [(.buy, RB.p("59990"), RB.q("0.01")), (.sell, RB.p("60010"), RB.q("0.01"))]))
        // Global pause, then resume.
        out = RB.venueCommand(&rt) { v, t, e in _ = v.setPaused(true, market: nil, at: t, events: &e) }
        #expect(out.runtime == [.strategySuspended(strategy: 0, RB.ts(60_000))])
        #expect(RB.resting(rt, 0).isEmpty)
        out = RB.venueCommand(&rt) { v, t, e in _ = v.setPaused(false, market: nil, at: t, events: &e) }
        #expect(out.runtime == [.strategyResumed(strategy: 0, RB.ts(60_000))])
        #expect(RB.quoter(rt, 0).starts == 3)
        #expect(RB.resting(rt, 0).count == 2)
    }

    // MARK: - 4. Manager commands

    @Test func pauseResumeUpdateStop() {
        var (rt, _) = RB.make([
            RB.Member(type: Q.self, parameters: RB.params(Q.self, [("jit", .bool(true))]), allocation: 400_000),
            RB.Member(type: Q.self, parameters: RB.params(Q.self, [("offset", .number("20"))]), allocation: 400_000),
        ])
        // Running, A is asked in every auction: a market buy asks it once (and its ask 60,010 fills).
        RB.run(&rt, 100, RB.taker(.buy, "0.01"))
        #expect(RB.quoter(rt, 0).jitAsks == 1)
        #expect(RB.quoter(rt, 0).fills.count == 1)

        var out = RB.run(&rt, 200, .strategy(0, .pause))
        #expect(out.runtime.contains(.strategyPaused(strategy: 0, RB.ts(200))))
        #expect(RB.resting(rt, 0).isEmpty)
        #expect(RB.quoter(rt, 0).stops == 1)
        let a = RB.quoter(rt, 0)
        // Paused: trades and oracles go by, B trades (its ask 60,020), A hears nothing and is not asked.
        RB.run(&rt, 300, .oracle(market: 0, price: RB.p("60000"), confidence: RB.p("6")))
        RB.run(&rt, 400, RB.taker(.buy, "0.01"))
        #expect(RB.quoter(rt, 1).fills.map(\.price) == [RB.p("60020")])
        #expect(RB.quoter(rt, 0) == a)

        out = RB.run(&rt, 500, .strategy(0, .resume))
        #expect(out.runtime.contains(.strategyResumed(strategy: 0, RB.ts(500))))
        #expect(RB.quoter(rt, 0).starts == 2)
        #expect(RB.same(RB.resting(rt, 0), [(.buy, RB.p("59990"), RB.q("0.01")), (.sell, RB.p("60010"), RB.q("0.01"))]))

        // `jit` is not live: refused, key named, nothing changed.
        let params = rt.slots[0].parameters
        out = RB.run(&rt, 600, .strategy(0, .update([ParameterAssignment("jit", .bool(false))])))
        #expect(out.runtime.count == 1)
        if case .parametersRefused(0, let why, RB.ts(600)) = out.runtime.first {
            #expect(why.contains("'jit'"))
        } else {
            Issue.record("expected parametersRefused, got \(out.runtime)")
        }
        #expect(rt.slots[0].parameters == params)
        #expect(RB.quoter(rt, 0).updates == 0)

        // Two live keys: one update call with both (offset 25, size 0.02): 59,975 / 60,025 × 0.02.
        out = RB.run(&rt, 700, .strategy(0, .update([ParameterAssignment("offset", .number("25")),
                                                      ParameterAssignment("size", .number("0.02"))])))
        #expect(out.runtime.contains(.parametersUpdated(strategy: 0, RB.ts(700))))
        #expect(RB.quoter(rt, 0).updates == 1)
        #expect(RB.quoter(rt, 0).offset == RB.p("25") && RB.quoter(rt, 0).size == RB.q("0.02"))
        #expect(RB.same(RB.resting(rt, 0), [(.buy, RB.p("59975"), RB.q("0.02")), (.sell, RB.p("60025"), RB.q("0.02"))]))
        #expect(rt.slots[0].parameters.price("offset") == RB.p("25"))

        // A good key with a bad one: all or nothing.
        let before = (rt.slots[0].parameters, RB.quoter(rt, 0), RB.resting(rt, 0))
        out = RB.run(&rt, 800, .strategy(0, .update([ParameterAssignment("offset", .number("30")),
                                                      ParameterAssignment("jit", .bool(false))])))
        #expect(out.runtime.contains { if case .parametersRefused(0, let why, _) = $0 { return why.contains("'jit'") } else { return false } })
        #expect(!out.runtime.contains(.parametersUpdated(strategy: 0, RB.ts(800))))
        #expect(rt.slots[0].parameters == before.0)
        #expect(RB.quoter(rt, 0) == before.1)
        #expect(RB.same(RB.resting(rt, 0), before.2))
        // An out-of-range value among good ones, and an unknown key: the same.
        out = RB.run(&rt, 810, .strategy(0, .update([ParameterAssignment("offset", .number("30")),
                                                      ParameterAssignment("size", .number("1000"))])))
        #expect(out.runtime.contains { if case .parametersRefused(0, let why, _) = $0 { return why.contains("'size'") } else { return false } })
        out = RB.run(&rt, 820, .strategy(0, .update([ParameterAssignment("offset", .number("30")),
                                                      ParameterAssignment("nope", .number("1"))])))
        #expect(out.runtime.contains { if case .parametersRefused(0, let why, _) = $0 { return why.contains("'nope'") } else { return false } })
        #expect(rt.slots[0].parameters == before.0)
        #expect(RB.quoter(rt, 0) == before.1)

        out = RB.run(&rt, 900, .strategy(0, .stop))
        #expect(out.runtime.contains(.strategyStopped(strategy: 0, reason: .requested, RB.ts(900))))
        #expect(rt.report(0).state == .stopped(.requested))
        #expect(RB.resting(rt, 0).isEmpty)
        #expect(RB.quoter(rt, 0).stops == 2)
        // Stopped for good: resume does nothing.
        out = RB.run(&rt, 1_000, .strategy(0, .resume))
        #expect(!out.runtime.contains(.strategyResumed(strategy: 0, RB.ts(1_000))))
        #expect(rt.report(0).state == .stopped(.requested))
    }

    // MARK: - 5. Hedge legs

    static func hedgerRuntime() -> StrategyRuntime {
        RB.make([RB.Member(type: RB.Hedger.self, parameters: RB.params(RB.Hedger.self), allocation: 500_000)]).0
    }

    @Test func hedgeFillsAfterLatencyAtReferenceWithFeeRoundedUp() {
        var rt = Self.hedgerRuntime()
        let ref = ReferenceQuote(bid: RB.p("59995.5"), ask: RB.p("60004.7"), time: RB.ts(10))
        RB.run(&rt, 10, .reference(ref))
        // The market buy meets the ask 60,010 (maker sell 0.01): the Hedger buys 0.01 on the reference, due t0+300.
        RB.run(&rt, 100, RB.taker(.buy, "0.01"))
        #expect((rt.strategy(0) as! RB.Hedger).fills.map(\.kind) == [.maker])
        var out = RB.run(&rt, 299, .tick)
        #expect(!out.runtime.contains { if case .hedgeFill = $0 { return true } else { return false } })
        out = RB.run(&rt, 300, .tick)
        // At the reference ask 60,004.7: notional 600.047; fee 600.047 × 0.0001 = 0.0600047 → up: 0.060005.
        #expect(out.runtime.contains(.hedgeFill(strategy: 0, side: .buy, price: RB.p("60004.7"), size: RB.q("0.01"),
                                                fee: RB.a("0.060005"), RB.ts(300))))
        #expect(rt.report(0).hedgePosition == RB.q("0.01"))
        #expect((rt.strategy(0) as! RB.Hedger).fills.map(\.kind) == [.maker, .hedge])
        // Equity: venue 5,000 + sold 0.01 at 60,010 vs oracle 60,000 (+0.1) + rebate 600.10 × 0.0001
        // (0.06001) = 5,000.16001; hedge cash −600.047 − 0.060005 = −600.107005 plus 0.01 at the
        // reference mid (59,995.5 + 60,004.7) / 2 = 60,000.1 → +600.001: total 5,000.054005.
        #expect(rt.venue.margin(rt.report(0).account).maintenanceEquity == RB.a("5000.16001"))
        #expect(rt.report(0).equity == RB.a("5000.054005"))
        #expect(rt.strategyEquity(0) == RB.a("5000.054005").raw)
    }

    @Test func hedgeWaitsForAReferenceQuote() {
        var rt = Self.hedgerRuntime()
        RB.run(&rt, 100, RB.taker(.buy, "0.01"))
        var out = RB.run(&rt, 300, .tick)
        #expect(out.runtime.contains(.hedgeWaiting(strategy: 0, RB.ts(300))))
        #expect(rt.report(0).hedgePosition == .zero)
        // Without a reference quote the hedge leg is not valued: equity is the venue's alone.
        #expect(rt.report(0).equity == RB.a("5000.16001"))
        let ref = ReferenceQuote(bid: RB.p("59995.5"), ask: RB.p("60004.7"), time: RB.ts(400))
        out = RB.run(&rt, 400, .reference(ref))
        let fills = out.runtime.filter { if case .hedgeFill = $0 { return true } else { return false } }
        #expect(fills == [.hedgeFill(strategy: 0, side: .buy, price: RB.p("60004.7"), size: RB.q("0.01"), fee: RB.a("0.060005"), RB.ts(400))])
        #expect(rt.report(0).equity == RB.a("5000.054005"))
    }

    // MARK: - 6. Refused inputs

    @Test func refusedInputsChangeNothing() {
        var (rt, _) = RB.make([RB.Member(type: Q.self, parameters: RB.params(Q.self), allocation: 400_000)])
        RB.run(&rt, 500, RB.taker(.buy, "0.01"))
        let snapshot = (rt.now, rt.report(0), RB.quoter(rt, 0), RB.resting(rt, 0), rt.idle, rt.vaults[0].equity, rt.venue.sequence)
        var out = RB.run(&rt, 400, RB.taker(.sell, "0.01"))
        #expect(out.runtime == [.inputRefused(reason: "time went backwards: the runtime is at \(RB.t0 + 500) ms", RB.ts(500))])
        #expect(out.market.isEmpty)
        #expect(rt.now == snapshot.0 && rt.report(0) == snapshot.1 && RB.quoter(rt, 0) == snapshot.2)
        #expect(RB.same(RB.resting(rt, 0), snapshot.3) && rt.idle == snapshot.4 && rt.vaults[0].equity == snapshot.5)
        #expect(rt.venue.sequence == snapshot.6)

        for (input, reason) in [
            (RuntimeInput.strategy(1, .pause), "unknown strategy 1"),
            (.strategy(-1, .stop), "unknown strategy -1"),
            (.vault(1, .deposit(depositor: "bob", amount: RB.a("1"))), "unknown vault 1"),
            (.oracle(market: 1, price: RB.p("60000"), confidence: RB.p("6")), "unknown market 1"),
            (.taker(market: 2, side: .buy, size: RB.q("0.01"), limit: .zero), "unknown market 2"),
        ] {
            // Refused before anything moves: stamped with the runtime's time (t0+500), not the input's.
            out = RB.run(&rt, 600, input)
            #expect(out.runtime == [.inputRefused(reason: reason, RB.ts(500))])
        }
        for action in [VaultAction.mark(equity: RB.a("1")), .markInvalid] {
            out = RB.run(&rt, 600, .vault(0, action))
            #expect(out.runtime == [.inputRefused(reason: "the runtime marks vaults itself; '\(action)' is not accepted as an input", RB.ts(500))])
        }
        #expect(rt.vaults[0].isMarkValid)
        #expect(rt.vaults[0].equity == snapshot.5)
        #expect(rt.report(0).state == .running && RB.same(RB.resting(rt, 0), snapshot.3))
    }

    @Test func aRefusedInputIsRefusedAsAWhole() {
        // A hedge leg is due at t0+300 and the vault's mark at t0+1,000; the input at t0+1,000
        // names an unknown strategy.
        var rt = Self.hedgerRuntime()
        RB.run(&rt, 10, .reference(ReferenceQuote(bid: RB.p("59995.5"), ask: RB.p("60004.7"), time: RB.ts(10))))
        RB.run(&rt, 100, RB.taker(.buy, "0.01"))
        let out = RB.run(&rt, 1_000, .strategy(5, .pause))
        // Refused as a whole: time did not move (the runtime stays at t0+100), no hedge fill, no mark.
        #expect(out.runtime == [.inputRefused(reason: "unknown strategy 5", RB.ts(100))])
        #expect(out.market.isEmpty)
        #expect(rt.now == RB.t0 + 100)
    }

    @Test func anotherReferenceSourceDoesNotReplaceSourceZero() {
        // StrategyContext.reference is documented as "the latest reference quote (source 0)".
        var rt = Self.hedgerRuntime()
        RB.run(&rt, 10, .reference(ReferenceQuote(source: 0, bid: RB.p("59995.5"), ask: RB.p("60004.7"), time: RB.ts(10))))
        RB.run(&rt, 20, .reference(ReferenceQuote(source: 1, bid: RB.p("50000"), ask: RB.p("50001"), time: RB.ts(20))))
        RB.run(&rt, 100, RB.taker(.buy, "0.01"))
        let out = RB.run(&rt, 300, .tick)
        do {
            #expect(rt.context(0).reference?.source == 0)
            #expect(out.runtime.contains(.hedgeFill(strategy: 0, side: .buy, price: RB.p("60004.7"), size: RB.q("0.01"),
                                                    fee: RB.a("0.060005"), RB.ts(300))))
        }
    }

    @Test func noCallbacksBeforeStart() {
        var rt = StrategyRuntime(markets: [RT.btcSpec()], config: RuntimeConfig(markIntervalMs: 1_000))
        _ = try! rt.addVault(terms: VaultTerms(), manager: "mgr", at: RB.ts(0))
        _ = try! rt.addStrategy(Q.self, parameters: RB.params(Q.self, [("jit", .bool(true))]),
                                placement: StrategyPlacement(name: "q", allocation: Ppm(raw: 500_000)))
        RB.run(&rt, 0, .oracle(market: 0, price: RB.p("60000"), confidence: RB.p("6")))
        RB.run(&rt, 0, .vault(0, .deposit(depositor: "alice", amount: RB.a("10000"))))
        RB.run(&rt, 10, RB.taker(.buy, "0.01"))
        do {
            #expect(RB.quoter(rt, 0).callbacks == 0)
            #expect(RB.quoter(rt, 0).jitAsks == 0)
        }
    }

    // MARK: - 7. Marks

    @Test func markEqualsIdlePlusStrategiesAndAnInvalidOracleInvalidatesIt() {
        // A 50% (5,000), B 30% (3,000), idle 2,000.
        var (rt, _) = RB.make([
            RB.Member(type: Q.self, parameters: RB.params(Q.self), allocation: 500_000),
            RB.Member(type: Q.self, parameters: RB.params(Q.self, [("offset", .number("20"))]), allocation: 300_000),
        ])
        // A sells 0.01 at 60,010 (the best ask): +0.1 against the oracle, rebate 0.06001.
        RB.run(&rt, 100, RB.taker(.buy, "0.01"))
        var out = RB.run(&rt, 999, .tick)
        #expect(!out.runtime.contains { if case .marked = $0 { return true } else { return false } })
        out = RB.run(&rt, 1_000, .tick)
        // 2,000 + 5,000.16001 + 3,000 = 10,000.16001.
        let marks = out.runtime.compactMap { e -> Amount? in if case .marked(0, let eq, _, _) = e { return eq } else { return nil } }
        #expect(marks == [RB.a("10000.16001")])
        #expect(rt.idle[0].raw + rt.strategyEquity(0) + rt.strategyEquity(1) == RB.a("10000.16001").raw)
        #expect(rt.vaults[0].equity == RB.a("10000.16001"))

        // Confidence 1,500 / 60,000 = 2.5% > 2%: too uncertain (and the oracle breaker trips).
        out = RB.run(&rt, 1_500, .oracle(market: 0, price: RB.p("60000"), confidence: RB.p("1500")))
        #expect(rt.vaults[0].isMarkValid)
        out = RB.run(&rt, 2_000, .tick)
        // A holds −0.01 in a market whose oracle does not allow a vault mark.
        #expect(out.runtime.contains(.markInvalid(vault: 0, RB.ts(2_000))))
        #expect(!out.runtime.contains { if case .marked = $0 { return true } else { return false } })
        #expect(!rt.vaults[0].isMarkValid)
        out = RB.run(&rt, 2_100, .vault(0, .deposit(depositor: "bob", amount: RB.a("100"))))
        #expect(out.runtime.contains { if case .vaultRefused(0, .deposit, let why, _) = $0 { return why.contains("mark is invalid") } else { return false } })
        #expect(out.runtime.filter { if case .allocation = $0 { return true } else { return false } }.isEmpty)
        // A valid oracle; the next action marks first, so bob's deposit goes through.
        RB.run(&rt, 2_200, .oracle(market: 0, price: RB.p("60000"), confidence: RB.p("6")))
        out = RB.run(&rt, 2_300, .vault(0, .deposit(depositor: "bob", amount: RB.a("100"))))
        #expect(out.runtime.contains { if case .marked(0, _, _, RB.ts(2_300)) = $0 { return true } else { return false } })
        #expect(out.runtime.contains { if case .vaultApplied(0, .deposit, let r, _) = $0 { return r.amount == RB.a("100") } else { return false } })
        #expect(rt.vaults[0].isMarkValid)
    }

    @Test func anInvalidOracleWithoutPositionsKeepsTheMarkValid() {
        var (rt, _) = RB.make([RB.Member(type: Q.self, parameters: RB.params(Q.self), allocation: 500_000)])
        RB.run(&rt, 500, .oracle(market: 0, price: RB.p("60000"), confidence: RB.p("1500")))
        let out = RB.run(&rt, 1_000, .tick)
        #expect(out.runtime.contains(.marked(vault: 0, equity: RB.a("10000"), sharePrice: rt.vaults[0].sharePrice, RB.ts(1_000))))
        #expect(rt.vaults[0].isMarkValid)
    }

    // MARK: - 8. Value semantics

    @Test func copiesOfARuntimeAreIndependent() {
        let members = [
            RB.Member(type: Q.self, parameters: RB.params(Q.self), allocation: 400_000),
            RB.Member(type: Q.self, parameters: RB.params(Q.self, [("offset", .number("20"))]), allocation: 400_000),
        ]
        var original = RB.make(members).0
        var reference = RB.make(members).0  // never copied: what `original` must match
        var copy = original
        // The copy: a 0.02 market sell takes A's bid 59,990 then B's 59,980; then bob deposits.
        RB.run(&copy, 100, RB.taker(.sell, "0.02"))
        // The original (and the reference): a 0.01 market buy takes A's ask 60,010.
        RB.run(&original, 100, RB.taker(.buy, "0.01"))
        RB.run(&reference, 100, RB.taker(.buy, "0.01"))
        RB.run(&copy, 200, .vault(0, .deposit(depositor: "bob", amount: RB.a("1000"))))
        RB.run(&copy, 300, .strategy(1, .pause))
        RB.run(&original, 300, .tick)
        RB.run(&reference, 300, .tick)

        #expect(RB.quoter(original, 0).fills.map(\.side) == [.sell] && RB.quoter(original, 0).fills.map(\.price) == [RB.p("60010")])
        #expect(RB.quoter(original, 1).fills.isEmpty)
        #expect(RB.quoter(copy, 0).fills.map(\.price) == [RB.p("59990")])
        #expect(RB.quoter(copy, 1).fills.map(\.price) == [RB.p("59980")])
        #expect(original.report(0).position == RB.q("-0.01") && copy.report(0).position == RB.q("0.01"))
        #expect(original.report(1).state == .running && copy.report(1).state == .paused)
        #expect(original.idle[0] == RB.a("2000") && copy.idle[0] == RB.a("2200"))
        // The original is exactly what it would have been with no copy around.
        for i in 0..<2 {
            #expect(original.report(i) == reference.report(i))
            #expect(RB.quoter(original, i) == RB.quoter(reference, i))
            #expect(RB.same(RB.resting(original, i), RB.resting(reference, i)))
        }
        #expect(original.vaults[0].equity == reference.vaults[0].equity)
    }
}
