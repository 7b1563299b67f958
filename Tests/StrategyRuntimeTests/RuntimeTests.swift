import MarketCore
import Matching
import StrategyCatalog
import StrategyKit
@testable import StrategyRuntime
import Testing
import VaultLedger

/// The kernel on real data: four strategies on one vault, invariants after every input.
struct RuntimeTests {
    /// Checks, after an input: no risk limit exceeded, the venue conserves value, the vault's cash
    /// is where the runtime says (idle + allocations), a fresh mark equals idle + Σ strategy
    /// equity, and depositors' value never exceeds the vault's equity.
    static func checkInvariants(_ rt: StrategyRuntime, deposited: Int64, paidOut: Int64, allocated: Int64,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        for i in 0..<rt.strategyCount {
            let c = rt.context(i)
            #expect(abs(c.position.raw) <= c.limits.maxPosition.raw, "strategy \(i) position \(c.position)", sourceLocation: sourceLocation)
            #expect(c.openOrders.count <= c.limits.maxOpenOrders, sourceLocation: sourceLocation)
            // The position the strategy and the gate see is the venue's once the input is routed.
            #expect(c.position == rt.venue.position(rt.report(i).account, market: 0).base, sourceLocation: sourceLocation)
            // The context's open orders are exactly the account's resting orders.
            let resting = rt.venue.orders(of: rt.report(i).account, market: 0)
            #expect(resting.count == c.openOrders.count, "strategy \(i): \(resting.count) resting, \(c.openOrders.count) in context",
                    sourceLocation: sourceLocation)
        }
        #expect(rt.venue.quoteSupply == rt.venue.netDeposits, sourceLocation: sourceLocation)
        #expect(rt.venue.markets[0].conservation.base == 0, sourceLocation: sourceLocation)
        // Vault cash: deposits − payouts = idle + what sits in the strategies' sub-accounts as allocations.
        #expect(deposited - paidOut == rt.idle[0].raw + allocated, sourceLocation: sourceLocation)
        let v = rt.vaults[0]
        if v.isMarkValid {
            let depositorsValue = v.depositorAccounts.reduce(Int64(0)) { $0 + (v.value(of: $1.name, at: v.lastActionAt)?.raw ?? 0) }
            #expect(depositorsValue <= v.equity.raw, sourceLocation: sourceLocation)
        }
    }

    /// Runs `inputs` after a 1,000,000 USDC deposit, checking invariants after every input when
    /// `check`; returns the events' text (for the determinism test) and the runtime.
    static func run(_ inputs: [(Timestamp, RuntimeInput)], check: Bool) -> (String, StrategyRuntime) {
        var rt = RT.fourOnOneVault()
        var out = RuntimeEvents()
        var text = ""
        let t0 = inputs[0].0
        rt.start(at: t0, into: &out)
        rt.handle(.vault(0, .deposit(depositor: "alice", amount: Amount("1000000")!)), at: t0, into: &out)
        var deposited: Int64 = 0, paidOut: Int64 = 0, allocated: Int64 = 0
        func account(_ out: RuntimeEvents) {
            for e in out.runtime {
                switch e {
                case .vaultApplied(_, .deposit, let r, _): deposited += r.amount.raw
                case .vaultApplied(_, .withdraw, let r, _): paidOut += r.amount.raw
                case .allocation(_, _, let a, _): allocated += a.raw
                default: break
                }
            }
        }
        account(out)
        for (t, input) in inputs {
            out.removeAll()
            rt.handle(input, at: t, into: &out)
            account(out)
            for k in out.market.indices { text += "\(out.market.tag(at: k).sequence) \(out.market.tag(at: k).market) \(out.market[k])\n" }
            for e in out.runtime { text += "\(e)\n" }
            if check { checkInvariants(rt, deposited: deposited, paidOut: paidOut, allocated: allocated) }
        }
        return (text, rt)
    }

    @Test func fourStrategiesOnOneVaultOverRealData() {
        let inputs = RT.realInputs()
        #expect(inputs.count > 20_000)
        let (_, rt) = Self.run(inputs, check: true)
        // Every strategy is still alive and took part (a run where nobody trades tests nothing).
        var total = 0
        for i in 0..<rt.strategyCount {
            let r = rt.report(i)
            #expect(r.ordersPlaced > 0 || r.auctionsWon > 0, "\(r.name) never acted")
            total += r.fills
        }
        #expect(total > 50, "only \(total) strategy fills")
        #expect(rt.vaults[0].equity.raw > 0)
    }

    /// A seeded synthetic path around 61,800: a random walk of ±0–3 ticks per 100 ms with a jump
    /// of ±1–4% every ~2,000 steps (some trip the price-move breaker), a reference quote that
    /// follows with noise, and random taker flow; the same invariants after every input.
    static func syntheticInputs(seed: UInt64, steps: Int) -> [(Timestamp, RuntimeInput)] {
        var rng = seed
        func next() -> UInt64 {  // SplitMix64
            rng &+= 0x9E37_79B9_7F4A_7C15
            var z = rng
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var out: [(Timestamp, RuntimeInput)] = []
        var price: Int64 = 61_800_000_000
        var t: Int64 = 1_723_161_256_000
        for _ in 0..<steps {
            t += 100
            price += (Int64(next() % 7) - 3) * 100_000
            if next() % 2_000 == 0 {
                let pct = Int64(next() % 4) + 1
                price += (next() % 2 == 0 ? 1 : -1) * price * pct / 100
            }
            price = Swift.max(1_000_000_000, price / 100_000 * 100_000)
            out.append((Timestamp(milliseconds: t), .oracle(market: 0, price: Price(raw: price), confidence: Price(raw: 50_000))))
            if next() % 2 == 0 {
                let ref = price + (Int64(next() % 21) - 10) * 100_000
                out.append((Timestamp(milliseconds: t), .reference(ReferenceQuote(bid: Price(raw: ref - 10_000), ask: Price(raw: ref + 10_000),
                                                                                  time: Timestamp(milliseconds: t)))))
            }
            if next() % 3 == 0 {
                let size = Int64(next() % 50 + 1) * 1_000_000
                out.append((Timestamp(milliseconds: t), .taker(market: 0, side: next() % 2 == 0 ? .buy : .sell,
                                                               size: Quantity(raw: size), limit: .zero)))
            }
        }
        return out
    }

    @Test func fourStrategiesOnSyntheticPathsWithJumps() {
        for seed: UInt64 in [1, 2, 3] {
            let inputs = Self.syntheticInputs(seed: seed, steps: 6_000)
            let (_, rt) = Self.run(inputs, check: true)
            let fills = (0..<rt.strategyCount).reduce(0) { $0 + rt.report($1).fills }
            #expect(fills > 20, "seed \(seed): only \(fills) strategy fills")
        }
    }

    @Test func sameInputsSameEventsByteForByte() {
        let inputs = RT.realInputs(limit: 8_000)
        let (a, _) = Self.run(inputs, check: false)
        let (b, _) = Self.run(inputs, check: false)
        #expect(a.utf8.count > 100_000)
        #expect(a == b)
    }
}
