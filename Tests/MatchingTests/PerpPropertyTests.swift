import MarketCore
@testable import Matching
import PropertyBased
import Testing

/// Seeded random runs of a two-market venue (issue item 6): many accounts, random deposits, withdrawals,
/// orders, cancels, stop triggers, an oracle random walk with occasional 10–30% jumps, funding periods and
/// keepers (one of them flapping offline). After every command:
/// - quote is conserved (`quoteSupply == netDeposits`) and base nets to zero in every market;
/// - a shadow ledger rebuilt from the fill and liquidation events matches every position;
/// - every liquidation starts below maintenance (requirement recomputed from the shadow);
/// - every liquidation step follows the rules: with maintenance equity > 0 it moves at most ⌈25% × the position held
///   when the liquidation began⌉ (at least one lot, rounded up to the lot) and pays ⌈notional × 0.5%⌉ to the keeper and
///   to insurance; with equity ≤ 0 it moves the whole remaining position and pays no fee; never to the account itself;
/// - after a keeper round, no account is left below maintenance (well-funded keepers, one always online; a bankrupt
///   account is resolved to zero equity).
/// At checkpoints (on a copy): settling every account leaves the funding clearing at 0 or 1, the dust swept meanwhile
/// into the insurance fund being at most one unit per settled position.
struct PerpSim {
    static let traders: UInt32 = 12
    static let keeperAccounts: [UInt32] = [20, 21, 22]
    /// Market 0: plain book around 100 (kept in [30, 300]); market 1: AMM-backed around 4 (kept in [1, 12]).
    /// The ranges are disjoint so a liquidation step's price tells its market (events carry no market id).
    static let ranges: [ClosedRange<Int64>] = [30_000_000...300_000_000, 1_000_000...12_000_000]
    static let mmr: Int64 = 50_000

    var v: PerpVenue
    var rng: SplitMix64
    var now: Int64 = 0
    var oracle: [Int64] = [100_000_000, 4_000_000]
    var nextId: UInt32 = 1
    var placed: [(Int, UInt32)] = []
    var shadow: [[Int64]] = [[Int64](repeating: 0, count: 32), [Int64](repeating: 0, count: 32)]
    var events = EventBuffer()
    var tally: [String: Int] = [:]
    /// (step, accounts) left below maintenance after a keeper round.
    var leftBelow: [(Int, [AccountId])] = []
    /// The longest run of steps one liquidation took.
    var longestLiquidation = 0
    var step = 0
    /// The market of the last place/cancel command (nil for keeper rounds and commands that cannot trade).
    var cmdMarket: Int? = nil

    static func specs() -> [MarketSpec] {
        let funding = FundingConfig(periodMs: 60_000, maxRate: Ppm(raw: 1_000))
        let m0 = PV.plainSpec(fees: PV.fees(taker: 1_000, maker: -200), funding: funding)
        var c1 = MarketConfig(tick: T.p("0.01"), step: T.q("0.01"), minSize: T.q("0.01"), fees: PV.fees(taker: 500),
                              auction: AuctionConfig(duration: 0), amm: AMMConfig(sqrtK: T.q("20000")), breaker: nil)
        c1.funding = funding
        return [m0, MarketSpec(matching: c1)]
    }

    init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        v = PerpVenue(markets: Self.specs(), seed: seed)
        var ev = EventBuffer()
        for k in Self.keeperAccounts {
            _ = v.deposit(AccountId(k), amount: Amount(raw: 10_000_000_000_000), at: .zero, events: &ev)
            _ = v.registerKeeper(account: AccountId(k), stake: Amount(raw: Int64(k - 19) * 500_000_000), at: .zero, events: &ev)
        }
        for a in 0..<Self.traders { _ = v.deposit(AccountId(a), amount: Amount(raw: 1_000_000_000), at: .zero, events: &ev) }
        for m in 0..<2 { v.updateOracle(market: m, price: Price(raw: oracle[m]), confidence: .zero, at: .zero, events: &ev) }
    }

    mutating func int(_ r: ClosedRange<Int64>) -> Int64 { Int64.random(in: r, using: &rng) }

    mutating func randomAccount() -> AccountId { AccountId(UInt32(int(0...Int64(Self.traders - 1)))) }

    mutating func price(_ m: Int, spreadPpm: Int64 = 20_000) -> Price {
        let off = mulDivTest(oracle[m], int(-spreadPpm...spreadPpm), 1_000_000)
        let ticks = Swift.max((oracle[m] + off) / 10_000, 1)
        return Price(raw: ticks * 10_000)
    }

    mutating func size(_ m: Int) -> Quantity {
        m == 0 ? Quantity(raw: int(1...30_000) * 1_000_000) : Quantity(raw: int(1...50_000) * 10_000_000)
    }

    /// One random command; returns whether it ran the keepers.
    mutating func command() -> Bool {
        step += 1
        now += int(0...2_000)
        events.removeAll(keepingCapacity: true)
        cmdMarket = nil
        let ts = Timestamp(milliseconds: now)
        let m = int(0...3) == 0 ? 1 : 0
        let roll = int(0...99)
        switch roll {
        case 0..<25:
            var p = oracle[m]
            if int(0...19) == 0 {
                let jump = int(100_000...300_000) * (int(0...1) == 0 ? 1 : -1)
                p += mulDivTest(p, jump, 1_000_000)
                tally["jump", default: 0] += 1
            } else {
                p += mulDivTest(p, int(-5_000...5_000), 1_000_000)
            }
            oracle[m] = Swift.min(Swift.max(p, Self.ranges[m].lowerBound), Self.ranges[m].upperBound)
            v.updateOracle(market: m, price: Price(raw: oracle[m]), confidence: .zero, at: ts, events: &events)
            return true
        case 25..<60:
            let id = nextId; nextId += 1
            let tif: TimeInForce = int(0...3) == 0 ? .ioc : .gtc
            let r = OrderRequest(id: OrderId(id), account: randomAccount(), side: int(0...1) == 0 ? .buy : .sell, type: .limit,
                                 price: price(m), size: size(m), tif: tif, reduceOnly: int(0...9) == 0)
            cmdMarket = m
            v.place(market: m, r, at: ts, events: &events)
            placed.append((m, id))
        case 60..<72:
            let id = nextId; nextId += 1
            let r = OrderRequest(id: OrderId(id), account: randomAccount(), side: int(0...1) == 0 ? .buy : .sell, type: .market,
                                 price: m == 0 ? price(m, spreadPpm: 30_000) : .zero, size: size(m), tif: .ioc,
                                 reduceOnly: int(0...4) == 0)
            cmdMarket = m
            v.place(market: m, r, at: ts, events: &events)
        case 72..<80:
            if !placed.isEmpty {
                let (pm, id) = placed[Int(int(0...Int64(placed.count - 1)))]
                cmdMarket = pm
                v.cancel(market: pm, OrderId(id), at: ts, events: &events)
            }
        case 80..<85:
            // A reduce-only stop on market 0 (triggers stay on market 0 so their fills' market is known).
            let a = randomAccount()
            let base = v.markets[0].account(a).base
            if base != 0 {
                let id = nextId; nextId += 1
                let r = OrderRequest(id: OrderId(id), account: a, side: base > 0 ? .sell : .buy, type: .market, price: .zero,
                                     size: Quantity(raw: abs(base)), tif: .ioc, reduceOnly: true)
                let trig = mulDivTest(oracle[0], base > 0 ? 970_000 : 1_030_000, 1_000_000)
                v.placeTrigger(market: 0, r, triggerPrice: Price(raw: trig), above: base < 0)
                tally["trigger", default: 0] += 1
            }
        case 85..<90:
            _ = v.deposit(randomAccount(), amount: Amount(raw: int(1...2_000) * 1_000_000), at: ts, events: &events)
        case 90..<95:
            let a = randomAccount()
            let have = v.balance(a).raw
            if have > 0 {
                let e = v.withdraw(a, amount: Amount(raw: Swift.max(1, have * int(1...30) / 100)), at: ts, events: &events)
                tally[e == nil ? "withdraw" : "withdraw_refused", default: 0] += 1
            }
        case 95..<98:
            now += int(0...60_000)
            v.advance(to: Timestamp(milliseconds: now), events: &events)
            return true
        default:
            let k = v.keepers.keepers[2]
            _ = v.setKeeperOnline(2, !k.online)
        }
        return false
    }

    /// Which market a liquidation at `price` belongs to (disjoint oracle ranges).
    func market(ofPrice p: Int64) -> Int { Self.ranges[0].contains(p) ? 0 : 1 }

    /// Σ_m ⌈⌈|b| × oracle⌉ × MMR⌉ from the shadow ledger (no size premium in these markets).
    func maintenanceRequirement(_ a: AccountId) -> Int64 {
        var r: Int64 = 0
        for m in 0..<2 {
            let b = shadow[m][Int(a.raw)]
            guard b != 0 else { continue }
            let n = mulDivTest(abs(b), v.markets[m].oracle.price, 1_000_000_000, up: true)
            r += mulDivTest(n, Self.mmr, 1_000_000, up: true)
        }
        return r
    }

    /// ⌈x × 0.5%⌉: the liquidator and insurance fee (default risk in both markets).
    static func liquidationFee(_ notional: Int64) -> Int64 { mulDivTest(notional, 5_000, 1_000_000, up: true) }

    /// Replays the command's events into the shadow ledger, checking every liquidation and each of its steps.
    mutating func checkEvents(sourceLocation: SourceLocation = #_sourceLocation) {
        // The liquidation in progress: its account and the positions it held when it began (one per market).
        var run: (account: UInt32, initial: [Int64], steps: Int)? = nil
        for e in events {
            if case .liquidation(let l) = e, run?.account == l.account.raw {
                // another step of the same liquidation
            } else {
                run = nil
            }
            switch e {
            case .fill(let f):
                // Venue place/cancel: that market; keeper rounds: triggers live on market 0.
                let m = cmdMarket ?? 0
                let s = f.takerSide == .buy ? f.size.raw : -f.size.raw
                shadow[m][Int(f.takerAccount.raw)] += s
                switch f.maker {
                case .order(_, let a), .provider(_, let a): shadow[m][Int(a.raw)] -= s
                case .amm: break
                }
                tally["fill\(m)", default: 0] += 1
            case .liquidation(let l):
                let m = market(ofPrice: l.price.raw)
                let a = Int(l.account.raw)
                if run == nil {
                    // A liquidation begins: it must start below maintenance.
                    run = (l.account.raw, [shadow[0][a], shadow[1][a]], 0)
                    let req = maintenanceRequirement(l.account)
                    #expect(l.marginBefore.raw < req, "step \(step): account \(a) liquidated at \(l.marginBefore) ≥ MR \(req)",
                            sourceLocation: sourceLocation)
                    tally["liquidated", default: 0] += 1
                }
                run!.steps += 1
                longestLiquidation = Swift.max(longestLiquidation, run!.steps)
                #expect(l.keeperAccount != l.account, "step \(step): account \(a) liquidated to itself", sourceLocation: sourceLocation)
                let left = shadow[m][a]
                let lot: Int64 = m == 0 ? 1_000_000 : 10_000_000
                // The account gives up `size` (same sign as its position), never more than it holds.
                #expect(l.size.raw != 0 && (l.size.raw > 0) == (left > 0) && abs(l.size.raw) <= abs(left),
                        "step \(step): account \(a) step \(l.size.raw) of a position \(left)", sourceLocation: sourceLocation)
                // notional rounds against the account: a seller gets the floor, a buyer pays the ceiling
                let notional = mulDivTest(abs(l.size.raw), l.price.raw, 1_000_000_000, up: l.size.raw < 0)
                if l.marginBefore.raw > 0 {
                    // cap = ⌈25% × |initial|⌉, at least one lot, rounded up to the lot
                    let cap = Swift.max(mulDivTest(abs(run!.initial[m]), 250_000, 1_000_000, up: true), lot)
                    let capOnLot = (cap + lot - 1) / lot * lot
                    #expect(abs(l.size.raw) <= capOnLot,
                            "step \(step): account \(a) step \(l.size.raw) > cap \(capOnLot) of initial \(run!.initial[m])",
                            sourceLocation: sourceLocation)
                    let fee = Self.liquidationFee(notional)
                    #expect(l.liquidatorFee.raw == fee && l.insuranceFee.raw == fee,
                            "step \(step): account \(a) fees \(l.liquidatorFee)/\(l.insuranceFee) ≠ \(fee)", sourceLocation: sourceLocation)
                } else {
                    // no equity left: the whole remaining position at once, no fees
                    #expect(l.size.raw == left, "step \(step): insolvent account \(a) moved \(l.size.raw) of \(left)",
                            sourceLocation: sourceLocation)
                    #expect(l.liquidatorFee == .zero && l.insuranceFee == .zero,
                            "step \(step): insolvent account \(a) charged fees", sourceLocation: sourceLocation)
                    tally["insolventStep", default: 0] += 1
                }
                shadow[m][a] -= l.size.raw
                shadow[m][Int(l.keeperAccount.raw)] += l.size.raw
                tally["liquidationStep", default: 0] += 1
            case .bankruptcy: tally["bankruptcy", default: 0] += 1
            case .funding: tally["funding", default: 0] += 1
            case .triggerFired: tally["triggerFired", default: 0] += 1
            case .keeper(.missed): tally["missed", default: 0] += 1
            case .rejected(_, .insufficientMargin, _): tally["insufficientMargin", default: 0] += 1
            default: break
            }
        }
    }

    mutating func checkState(keepersRan: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(v.quoteSupply.raw == v.netDeposits.raw, "step \(step): quote \(v.quoteSupply.raw) vs deposits \(v.netDeposits.raw)",
                sourceLocation: sourceLocation)
        for m in 0..<2 {
            #expect(v.markets[m].conservation.base == 0, "step \(step): base in market \(m)", sourceLocation: sourceLocation)
            for a in 0..<v.markets[m].accountCount where v.markets[m].account(AccountId(UInt32(a))).base != shadow[m][a] {
                Issue.record("step \(step): shadow base of account \(a) in market \(m) is \(shadow[m][a]), engine \(v.markets[m].account(AccountId(UInt32(a))).base)",
                             sourceLocation: sourceLocation)
            }
        }
        if keepersRan {
            let below = v.liquidatable()
            if !below.isEmpty { leftBelow.append((step, below)) }
        }
    }

    /// On a copy: settle everybody's funding; the clearing is then 0 or 1 (the AMM settles at each period), and what
    /// was swept into the insurance fund meanwhile is at most one unit of rounding per settled position.
    mutating func checkFundingNets(sourceLocation: SourceLocation = #_sourceLocation) {
        var c = v
        for m in 0..<2 {
            var positions: Int64 = 0
            let insuranceBefore = c.markets[m].insuranceFund
            c.withMarket(m) { e in
                for i in 0..<e.accountCount where e.account(AccountId(UInt32(i))).base != 0 {
                    e.settleFunding(AccountId(UInt32(i)))
                    positions += 1
                }
            }
            let clearing = c.markets[m].funding.clearing
            #expect((0...1).contains(clearing), "step \(step): settled funding clearing \(clearing) in market \(m)",
                    sourceLocation: sourceLocation)
            let swept = c.markets[m].insuranceFund - insuranceBefore
            #expect(swept >= 0 && swept <= positions, "step \(step): \(swept) of dust swept for \(positions) positions in market \(m)",
                    sourceLocation: sourceLocation)
            tally["dustSwept", default: 0] += Int(swept)
        }
        #expect(c.quoteSupply.raw == c.netDeposits.raw, sourceLocation: sourceLocation)
    }

    mutating func run(steps n: Int) {
        for _ in 0..<n {
            let keepersRan = command()
            checkEvents()
            checkState(keepersRan: keepersRan)
            if step % 100 == 0 { checkFundingNets() }
        }
        checkFundingNets()
    }
}

func mulDivTest(_ a: Int64, _ b: Int64, _ c: Int64, up: Bool = false) -> Int64 {
    let p = Int128(a) * Int128(b)
    var q = p / Int128(c)
    if up && p % Int128(c) != 0 && (p > 0) == (c > 0) { q += 1 }
    if !up && p % Int128(c) != 0 && (p < 0) != (c < 0) { q -= 1 }
    return Int64(q)
}

@Suite struct PerpPropertyTests {
    @Test(arguments: Array(UInt64(1)...20))
    func randomVenueKeepsItsInvariants(seed: UInt64) {
        var sim = PerpSim(seed: seed)
        sim.run(steps: 4_000)
        #expect(sim.leftBelow.isEmpty, "seed \(seed): left below maintenance after keepers: \(sim.leftBelow.prefix(5))")
        // The run exercised what it claims to.
        #expect(sim.tally["fill0", default: 0] > 0 && sim.tally["fill1", default: 0] > 0)
        #expect(sim.tally["funding", default: 0] > 0)
    }

    /// Across the seeds the runs do reach what the rules above are about: liquidations (capped steps and insolvent
    /// close-outs), bankruptcies and swept funding dust.
    @Test func randomVenuesExerciseTheLiquidationRules() {
        var total: [String: Int] = [:]
        for seed in UInt64(1)...4 {
            var sim = PerpSim(seed: seed)
            sim.run(steps: 4_000)
            total.merge(sim.tally, uniquingKeysWith: +)
        }
        #expect(total["liquidated", default: 0] > 0, "\(total)")
        #expect(total["liquidationStep", default: 0] > total["liquidated", default: 0], "\(total)")
        #expect(total["insolventStep", default: 0] > 0, "\(total)")
        #expect(total["bankruptcy", default: 0] > 0, "\(total)")
        #expect(total["dustSwept", default: 0] > 0, "\(total)")
    }
}

/// Generated single-account examples (swift-property-based): the outcome is predicted from the inputs by hand formulas.
@Suite struct PerpGeneratedTests {
    /// Long `size` @ 100 with `deposit`; the oracle drops by `drop` ppm. Liquidated iff below maintenance at the new
    /// oracle; while its maintenance equity is > 0 each step moves at most 25% of the starting `size` (rounded up to the
    /// 0.001 step) and pays ⌈notional × 0.5%⌉ twice; once it is ≤ 0 the whole rest moves at once with no fees; the round
    /// ends at maintenance + 2% buffer, or flat (bankrupt, resolved to zero equity), within 5 steps; quote and base conserved.
    @Test func liquidationOutcomeMatchesTheRules() async {
        await propertyCheck(count: 300, input: Gen.int64(in: 100 ... 50_000), Gen.int64(in: 100_000 ... 600_000),
                            Gen.int64(in: 10_000 ... 400_000)) { sizeMilli, depositPpm, drop in
            let size = sizeMilli * 1_000_000  // base raw, 0.1 … 50
            // deposit = notional × depositPpm (≥ 10% so the entry passes), whole micro-USDC
            let deposit = mulDivTest(size / 10, depositPpm, 1_000_000, up: true) // size × 100 / 1e9 × 1e6 = size / 10
            var v = PV.venue()
            var ev = EventBuffer()
            _ = v.deposit(PV.a(1), amount: Amount(raw: deposit), at: .zero, events: &ev)
            PV.deposit(&v, 2, "1000000")
            PV.deposit(&v, 9, "1000000")
            _ = PV.keeper(&v, 9)
            PV.oracle(&v, "100", at: 0, events: &ev)
            v.place(market: 0, OrderRequest(id: OrderId(1), account: PV.a(2), side: .sell, price: T.p("100"), size: Quantity(raw: size)),
                    at: T.ts(0), events: &ev)
            v.place(market: 0, OrderRequest(id: OrderId(2), account: PV.a(1), side: .buy, price: T.p("100"), size: Quantity(raw: size)),
                    at: T.ts(0), events: &ev)
            #expect(v.markets[0].account(PV.a(1)).base == size)
            let p1 = 100_000_000 - mulDivTest(100_000_000, drop, 1_000_000)
            // equity = deposit + size × (p1 − 100) (size × p1 rounded down), MR = ⌈⌈size × p1⌉ × 5%⌉
            let equity = deposit - size / 10 + mulDivTest(size, p1, 1_000_000_000)
            let mr = mulDivTest(mulDivTest(size, p1, 1_000_000_000, up: true), 50_000, 1_000_000, up: true)
            ev.removeAll()
            v.updateOracle(market: 0, price: Price(raw: p1), confidence: .zero, at: T.ts(1), events: &ev)
            let steps = PV.liquidations(ev)
            #expect(steps.isEmpty == (equity >= mr), "equity \(equity) MR \(mr)")
            // cap from the starting position: ⌈size × 25%⌉ rounded up to the 0.001 lot, at least one lot
            let cap = Swift.max((mulDivTest(size, 250_000, 1_000_000, up: true) + 999_999) / 1_000_000 * 1_000_000, 1_000_000)
            var left = size
            var equityBefore = equity
            for s in steps {
                #expect(s.price.raw == p1)
                #expect(s.marginBefore.raw == equityBefore)
                // the long sells: notional ⌊size × p1⌋, each fee ⌈notional × 0.5%⌉
                let notional = mulDivTest(s.size.raw, p1, 1_000_000_000)
                if s.marginBefore.raw > 0 {
                    #expect(s.size.raw > 0 && s.size.raw <= Swift.min(cap, left), "step \(s.size.raw) cap \(cap) left \(left)")
                    let fee = mulDivTest(notional, 5_000, 1_000_000, up: true)
                    #expect(s.liquidatorFee.raw == fee && s.insuranceFee.raw == fee)
                    equityBefore -= 2 * fee
                } else {
                    #expect(s.size.raw == left, "insolvent: moved \(s.size.raw) of \(left)")
                    #expect(s.liquidatorFee == .zero && s.insuranceFee == .zero)
                }
                // moving at the oracle changes equity only by the fees and rounding: ⌊q × p1⌋ + ⌊(b − q) × p1⌋ is
                // ⌊b × p1⌋ or one unit less
                #expect(s.marginAfter.raw <= equityBefore && s.marginAfter.raw >= equityBefore - 1,
                        "after \(s.marginAfter.raw) expected \(equityBefore) or one less")
                equityBefore = s.marginAfter.raw
                left -= s.size.raw
            }
            #expect(steps.count <= 5, "\(steps.count) steps")
            #expect(v.markets[0].account(PV.a(1)).base == left)
            #expect(v.markets[0].account(PV.a(9)).base == size - left)
            if !steps.isEmpty {
                let m = v.margin(PV.a(1))
                if left > 0 {
                    // stopped at maintenance + 2% of notional
                    #expect(m.maintenanceEquity.raw >= m.maintenanceRequirement.raw + mulDivTest(m.notional.raw, 20_000, 1_000_000, up: true))
                } else if left == 0 {
                    // flat: whatever was lost beyond the collateral was covered
                    #expect(m.maintenanceEquity.raw >= 0)
                    #expect(!m.belowMaintenance)
                }
            }
            PV.checkConservation(v)
        }
    }

    /// A long/short pair at `oracle` with the mark `premium` away for a whole period: rate = ⌊premium / oracle⌋ (1e9,
    /// toward zero) clamped to ±0.1%; Δindex = rate × oracle / 1e6 (toward zero); the payer pays ⌈b × Δ / 1e12⌉ and
    /// the receiver gets ⌊·⌋: the sum, 0 or 1 unit, is swept into the insurance fund as soon as both have settled
    /// (the exact payments net to zero), leaving the clearing at 0.
    @Test func fundingOfAPairMatchesTheFormula() async {
        await propertyCheck(count: 300, input: Gen.int64(in: 1_000 ... 100_000), Gen.int64(in: -300 ... 300),
                            Gen.int64(in: 1 ... 20_000)) { oracleCents, premiumCents, sizeMilli in
            let oracle = oracleCents * 10_000
            let premium = premiumCents * 10_000
            guard oracle + premium > 0 else { return }
            let size = sizeMilli * 1_000_000
            var v = PV.venue()
            var ev = EventBuffer()
            PV.deposit(&v, 1, "100000000")
            PV.deposit(&v, 2, "100000000")
            v.updateOracle(market: 0, price: Price(raw: oracle), confidence: .zero, at: .zero, events: &ev)
            let px = Price(raw: oracle + premium)
            v.place(market: 0, OrderRequest(id: OrderId(1), account: PV.a(2), side: .sell, price: px, size: Quantity(raw: size)),
                    at: .zero, events: &ev)
            v.place(market: 0, OrderRequest(id: OrderId(2), account: PV.a(1), side: .buy, price: px, size: Quantity(raw: size)),
                    at: .zero, events: &ev)
            v.updateOracle(market: 0, price: Price(raw: oracle), confidence: .zero, at: .zero, events: &ev)
            ev.removeAll()
            v.withMarket(0) { $0.updateFunding(at: T.ts(3_600_000), events: &ev) }
            let rate = Swift.min(Swift.max(premium * 1_000_000_000 / oracle, -1_000_000), 1_000_000)
            let delta = Int64(Int128(rate) * Int128(oracle) / 1_000_000)
            #expect(PV.fundingEvents(ev).map(\.rate) == [rate])
            #expect(PV.fundingEvents(ev).map(\.index) == [delta])
            v.withMarket(0) { e in e.settleFunding(PV.a(1)); e.settleFunding(PV.a(2)) }
            let longPays = mulDivTest(size, delta, 1_000_000_000_000, up: true)
            let shortPays = mulDivTest(-size, delta, 1_000_000_000_000, up: true)
            #expect(v.markets[0].account(PV.a(1)).funding == longPays)
            #expect(v.markets[0].account(PV.a(2)).funding == shortPays)
            #expect((0...1).contains(longPays + shortPays))
            #expect(v.markets[0].funding.clearing == 0)
            #expect(v.markets[0].insuranceFund == longPays + shortPays)
            PV.checkConservation(v)
        }
    }
}
