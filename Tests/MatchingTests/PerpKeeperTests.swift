import MarketCore
import Matching
import Testing

/// The keeper network (issue item 5): registration and minimum stake, deterministic stake × score draws,
/// missed jobs (slash to insurance, score cut, next keeper), rewards from the fee pool, trigger orders,
/// brackets (OCO between take-profit and stop-loss) and the vault's external jobs.
/// Expected draws come from the documented rule (SplitMix64 finaliser of seed ^ job × φ, modulo Σ stake × score),
/// computed outside the engine.
@Suite struct PerpKeeperTests {
    static func jobs(_ v: inout PerpVenue, _ n: Int, kind: KeeperJobKind = .feeCrystallization, dueAt: Int64 = 0) {
        for i in 0..<n { v.schedule(ExternalJob(kind: kind, reference: UInt64(i), dueAt: dueAt)) }
    }

    @Test func registrationNeedsMinimumStakeAndBalance() {
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 1, "1000")
        PV.deposit(&v, 2, "50")
        #expect(v.registerKeeper(account: PV.a(1), stake: Amount(raw: 99_999_999), at: T.ts(0), events: &ev) == .failure(.stakeTooSmall(minimum: Amount(raw: 100_000_000))))
        #expect(v.registerKeeper(account: PV.a(2), stake: Amount(raw: 100_000_000), at: T.ts(0), events: &ev) == .failure(.insufficientBalance(have: 50_000_000)))
        #expect(ev.isEmpty)
        #expect(v.registerKeeper(account: PV.a(1), stake: Amount(raw: 100_000_000), at: T.ts(1), events: &ev) == .success(0))
        #expect(Array(ev) == [.keeper(.registered(keeper: 0, stake: T.amt(100_000_000), T.ts(1)))])
        // The stake leaves the account's collateral (1000 − 100) but stays in the venue's quote.
        #expect(v.balance(PV.a(1)).raw == 900_000_000)
        #expect(v.keepers.totalStake == 100_000_000)
        #expect(v.keepers.keepers[0].score == 1_000_000 && v.keepers.keepers[0].online)
        PV.checkConservation(v)
        #expect(v.setKeeperOnline(7, false) == .unknownKeeper)
    }

    @Test func drawIsDeterministicAndWeightedByStake() {
        func run(seed: UInt64, jobs n: Int) -> [UInt32] {
            var v = PV.venue(seed: seed)
            var ev = EventBuffer()
            PV.deposit(&v, 8, "1000")
            PV.deposit(&v, 9, "1000")
            _ = PV.keeper(&v, 8, stake: "100")
            _ = PV.keeper(&v, 9, stake: "300")
            Self.jobs(&v, n)
            v.runKeepers(events: &ev)
            #expect(v.externalJobs.isEmpty)
            return PV.done(ev).map(\.0)
        }
        // Weights 100 × 1.0 : 300 × 1.0 (scores stay capped at 1 on success).
        #expect(run(seed: 6, jobs: 8) == [1, 1, 1, 0, 1, 0, 0, 0])
        #expect(run(seed: 1, jobs: 8) == [1, 0, 1, 1, 1, 1, 1, 0])
        #expect(run(seed: 6, jobs: 8) == run(seed: 6, jobs: 8))
        // 4000 draws with seed 1: keeper 1 gets 3007 (75.2% for a 75% weight).
        let many = run(seed: 1, jobs: 4000)
        #expect(many.filter { $0 == 1 }.count == 3007)
    }

    @Test func missedJobSlashesCutsScoreAndPassesOn() {
        var v = PV.venue(seed: 3)
        var ev = EventBuffer()
        PV.deposit(&v, 8, "1000")
        PV.deposit(&v, 9, "1000")
        _ = PV.keeper(&v, 8, stake: "100")
        _ = PV.keeper(&v, 9, stake: "300")
        #expect(v.setKeeperOnline(0, false) == nil)
        v.schedule(ExternalJob(kind: .maturedWithdrawal, reference: 42, dueAt: 0))
        v.runKeepers(events: &ev)
        // Seed 3's first draw is keeper 0 (offline): slash 100 × 5% = 5 to insurance, score 1.0 × 0.8;
        // the job goes to the next draw among the rest: keeper 1, which does it (reward 0: empty fee pool).
        #expect(PV.keeperEvents(ev) == [
            .missed(keeper: 0, job: .maturedWithdrawal, slashed: T.amt(5_000_000), score: PV.ppm(800_000), T.ts(0)),
            .done(keeper: 1, job: .maturedWithdrawal, reward: .zero, T.ts(0)),
        ])
        #expect(v.keepers.keepers[0].stake == 95_000_000)
        #expect(v.keepers.keepers[0].missed == 1)
        #expect(v.keepers.keepers[1].done == 1)
        #expect(v.markets[0].insuranceFund == 5_000_000)
        #expect(v.externalJobs.isEmpty)
        PV.checkConservation(v)

        // Everybody offline: both are slashed (95 × 5% = 4.75; 300 × 5% = 15) and the job stays queued.
        _ = v.setKeeperOnline(1, false)
        v.schedule(ExternalJob(kind: .feeCrystallization, reference: 43, dueAt: 0))
        ev.removeAll()
        v.runKeepers(events: &ev)
        #expect(PV.done(ev).isEmpty)
        #expect(v.externalJobs.count == 1)
        #expect(v.keepers.totalStake == 95_000_000 - 4_750_000 + 300_000_000 - 15_000_000)
        #expect(v.markets[0].insuranceFund == 5_000_000 + 4_750_000 + 15_000_000)
        // scores: 0.8 × 0.8 = 0.64 and 1.0 × 0.8
        #expect(v.keepers.keepers.map(\.score) == [640_000, 800_000])
        PV.checkConservation(v)
        // Back online: the success bonus adds 0.02 (0.64 → 0.66 or 0.8 → 0.82).
        _ = v.setKeeperOnline(0, true)
        _ = v.setKeeperOnline(1, true)
        ev.removeAll()
        v.runKeepers(events: &ev)
        #expect(v.externalJobs.isEmpty)
        let k = PV.done(ev).map(\.0)
        #expect(k.count == 1)
        #expect(v.keepers.keepers.map(\.score) == (k == [0] ? [660_000, 800_000] : [640_000, 820_000]))
    }

    @Test func rewardsComeFromTheFeePoolAsFarAsItHolds() {
        // 0.1% taker fee, 10% to insurance: 0.1 @ 150 → fee 0.015 → insurance 0.0015, pool 0.0135.
        var v = PV.venue([PV.plainSpec(fees: PV.fees(taker: 1_000))])
        var ev = EventBuffer()
        PV.deposit(&v, 1, "1000")
        PV.deposit(&v, 2, "1000")
        PV.deposit(&v, 9, "1000")
        PV.oracle(&v, "150", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "0.1", at: "150", ids: (1, 2))
        #expect(v.markets[0].feePool == 13_500)
        _ = PV.keeper(&v, 9)
        Self.jobs(&v, 3)
        ev.removeAll()
        v.runKeepers(events: &ev)
        // reward 0.01 each: 0.01, then the 0.0035 left, then nothing
        #expect(PV.done(ev).map(\.2) == [10_000, 3_500, 0])
        #expect(v.markets[0].feePool == 0)
        #expect(v.balance(PV.a(9)).raw == 900_013_500)
        PV.checkConservation(v)
    }

    @Test func externalJobsWaitUntilDue() {
        var v = PV.venue()
        var ev = EventBuffer()
        PV.deposit(&v, 9, "1000")
        _ = PV.keeper(&v, 9)
        v.schedule(ExternalJob(kind: .maturedWithdrawal, reference: 7, dueAt: 5_000))
        v.schedule(ExternalJob(kind: .feeCrystallization, reference: 8, dueAt: 1_000))
        v.advance(to: T.ts(999), events: &ev)
        #expect(PV.done(ev).isEmpty)
        v.advance(to: T.ts(1_000), events: &ev)
        #expect(PV.done(ev).map(\.1) == [.feeCrystallization])
        #expect(v.externalJobs == [ExternalJob(kind: .maturedWithdrawal, reference: 7, dueAt: 5_000)])
        // The host learns which job to perform by its reference, once.
        #expect(v.takeCompletedJobs() == [ExternalJob(kind: .feeCrystallization, reference: 8, dueAt: 1_000)])
        #expect(v.takeCompletedJobs().isEmpty)
        ev.removeAll()
        v.advance(to: T.ts(5_000), events: &ev)
        #expect(Array(ev) == [.keeper(.done(keeper: 0, job: .maturedWithdrawal, reward: .zero, T.ts(5_000)))])
        #expect(v.externalJobs.isEmpty)
        #expect(v.takeCompletedJobs().map(\.reference) == [7])
    }

    @Test func stopLossAndTakeProfitTriggersFireOnTheOracle() {
        var v = PV.venue()
        var ev = EventBuffer()
        for a: UInt32 in [1, 2, 3, 9] { PV.deposit(&v, a, "10000") }
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "10", at: "100", ids: (1, 2))
        // Stop-loss: sell 6 reduce-only when the oracle falls to 95; take-profit: sell 4 when it reaches 110.
        v.placeTrigger(market: 0, T.marketOrder(20, 1, .sell, "6", reduceOnly: true), triggerPrice: T.p("95"), above: false)
        v.placeTrigger(market: 0, T.marketOrder(21, 1, .sell, "4", reduceOnly: true), triggerPrice: T.p("110"), above: true)
        // A market sell fills no lower than oracle × (1 − 0.5%): at 95 that is 94.525, so the bid sits at 94.6.
        v.place(market: 0, T.limit(3, 3, .buy, "94.6", "10"), at: T.ts(0), events: &ev)
        ev.removeAll()
        PV.oracle(&v, "95.01", at: 1, events: &ev)
        #expect(PV.triggerFired(ev).isEmpty)
        PV.oracle(&v, "95", at: 2, events: &ev)
        #expect(PV.triggerFired(ev).map(\.0) == [OrderId(20)])
        #expect(PV.triggerFired(ev).map(\.1) == [95_000_000])
        #expect(T.fills(ev).map(\.size) == [T.q("6")])
        #expect(T.fills(ev).map(\.price) == [T.p("94.6")])
        #expect(PV.done(ev).map(\.1) == [.trigger])
        #expect(v.markets[0].account(PV.a(1)).base == 4_000_000_000)
        #expect(v.triggers.map(\.request.id) == [OrderId(21)])
        // At 110 the take-profit may fill no lower than 110 × 99.5% = 109.45: account 3's remaining bid of 4 at 94.6
        // is out of reach, so account 3 also bids 4 at 109.5.
        v.place(market: 0, T.limit(4, 3, .buy, "109.5", "4"), at: T.ts(2), events: &ev)
        ev.removeAll()
        PV.oracle(&v, "110", at: 3, events: &ev)
        #expect(PV.triggerFired(ev).map(\.0) == [OrderId(21)])
        #expect(T.fills(ev).map(\.size) == [T.q("4")])
        #expect(T.fills(ev).map(\.price) == [T.p("109.5")])
        #expect(v.markets[0].account(PV.a(1)).base == 0)
        // 6 × (94.6 − 100) + 4 × (109.5 − 100) = −32.4 + 38 = 5.6 realised
        #expect(v.markets[0].account(PV.a(1)).realizedPnl == 5_600_000)
        #expect(v.markets[0].book.order(OrderId(3))?.remaining == T.q("4"))
        #expect(v.triggers.isEmpty)
        PV.checkConservation(v)
    }

    /// Whenever an oracle exists a triggered market order is bounded by oracle ± 0.5%: a stop whose only bid is
    /// further away fills nothing, and its remainder is cancelled (market_remainder) instead of selling at any price.
    @Test func triggeredMarketOrderStaysWithinTheOracleBand() {
        var v = PV.venue()
        var ev = EventBuffer()
        for a: UInt32 in [1, 2, 3, 9] { PV.deposit(&v, a, "10000") }
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        PV.openLong(&v, taker: 1, maker: 2, "10", at: "100", ids: (1, 2))
        v.placeTrigger(market: 0, T.marketOrder(20, 1, .sell, "6", reduceOnly: true), triggerPrice: T.p("95"), above: false)
        // 94.52 < 95 × 99.5% = 94.525
        v.place(market: 0, T.limit(3, 3, .buy, "94.52", "10"), at: T.ts(0), events: &ev)
        ev.removeAll()
        PV.oracle(&v, "95", at: 1, events: &ev)
        #expect(PV.triggerFired(ev).map(\.0) == [OrderId(20)])
        #expect(T.fills(ev).isEmpty)
        #expect(T.cancels(ev) == [T.cancel(20, "6", .marketRemainder)])
        #expect(v.markets[0].account(PV.a(1)).base == 10_000_000_000)
        #expect(v.triggers.isEmpty)
    }

    /// A long bracket: entry buy 10 @ 100, take-profit 110 (resting reduce-only), stop 95 (trigger), OCO.
    static func longBracket() -> PerpVenue {
        var v = PV.venue()
        var ev = EventBuffer()
        for a: UInt32 in [1, 2, 3, 9] { PV.deposit(&v, a, "10000") }
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        v.place(market: 0, T.limit(1, 2, .sell, "100", "10"), at: T.ts(0), events: &ev)
        v.placeBracket(market: 0, entry: T.limit(10, 1, .buy, "100", "10"), takeProfit: OrderId(11), takeProfitPrice: T.p("110"),
                       stopLoss: OrderId(12), stopLossPrice: T.p("95"), at: T.ts(0), events: &ev)
        return v
    }

    @Test func bracketStopCancelsTakeProfit() {
        var v = Self.longBracket()
        var ev = EventBuffer()
        #expect(v.markets[0].account(PV.a(1)).base == 10_000_000_000)
        let tp = v.markets[0].book.order(OrderId(11))
        #expect(tp?.price == T.p("110") && tp?.remaining == T.q("10") && tp?.side == .sell && tp?.reduceOnly == true)
        #expect(v.triggers.count == 1)
        #expect(v.triggers.first.map { [$0.request.id.raw, UInt32($0.triggerPrice / 1_000_000)] } == [12, 95])
        #expect(v.triggers.first?.fireWhenAbove == false && v.triggers.first?.linked == OrderId(11))
        // The stop (a market sell) fills no lower than 94.5 × 99.5% = 94.0275: the bid sits at 94.03.
        v.place(market: 0, T.limit(3, 3, .buy, "94.03", "10"), at: T.ts(1), events: &ev)
        ev.removeAll()
        PV.oracle(&v, "94.5", at: 2, events: &ev)
        // fired → take-profit cancelled → the stop sells 10 into the 94.03 bid
        let fired = ev.firstIndex(of: .triggerFired(OrderId(12), price: T.p("94.5"), T.ts(2)))
        let cancelled = ev.firstIndex(of: .cancelled(OrderId(11), remaining: T.q("10"), reason: .requested, T.ts(2)))
        #expect(fired != nil && cancelled != nil)
        if let f = fired, let c = cancelled { #expect(f < c) }
        #expect(T.fills(ev).map(\.price) == [T.p("94.03")])
        #expect(T.fills(ev).map(\.size) == [T.q("10")])
        #expect(v.markets[0].account(PV.a(1)).base == 0)
        // 10 × (94.03 − 100) = −59.7 realised
        #expect(v.markets[0].account(PV.a(1)).realizedPnl == -59_700_000)
        #expect(!v.markets[0].book.contains(OrderId(11)))
        #expect(v.triggers.isEmpty)
        PV.checkConservation(v)
    }

    @Test func bracketTakeProfitDropsStop() {
        var v = Self.longBracket()
        var ev = EventBuffer()
        v.place(market: 0, T.limit(3, 3, .buy, "110", "10"), at: T.ts(1), events: &ev)
        #expect(T.fills(ev).map(\.maker) == [.order(OrderId(11), PV.a(1))])
        #expect(v.triggers.isEmpty)
        ev.removeAll()
        PV.oracle(&v, "90", at: 2, events: &ev)
        #expect(PV.triggerFired(ev).isEmpty)
        #expect(v.markets[0].account(PV.a(1)).base == 0)
        // 10 × (110 − 100) = 100 realised
        #expect(v.markets[0].account(PV.a(1)).realizedPnl == 100_000_000)
    }

    @Test func bracketArmsWithWhatTheEntryFilled() {
        var v = PV.venue()
        var ev = EventBuffer()
        for a: UInt32 in [1, 2, 4, 9] { PV.deposit(&v, a, "10000") }
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        v.place(market: 0, T.limit(1, 2, .sell, "100", "4"), at: T.ts(0), events: &ev)
        v.placeBracket(market: 0, entry: T.limit(10, 1, .buy, "100", "10"), takeProfit: OrderId(11), takeProfitPrice: T.p("110"),
                       stopLoss: OrderId(12), stopLossPrice: T.p("95"), at: T.ts(0), events: &ev)
        // 4 filled, 6 rest: not armed yet
        #expect(v.markets[0].book.order(OrderId(10))?.remaining == T.q("6"))
        #expect(v.triggers.isEmpty && !v.markets[0].book.contains(OrderId(11)))
        // another 1 fills the resting entry, then the owner cancels the rest: armed for 4 + 1 = 5
        v.place(market: 0, T.limit(2, 4, .sell, "100", "1"), at: T.ts(1), events: &ev)
        v.cancel(market: 0, OrderId(10), at: T.ts(2), events: &ev)
        #expect(v.markets[0].book.order(OrderId(11))?.remaining == T.q("5"))
        #expect(v.triggers.map(\.request.size) == [T.q("5")])
    }

    @Test func shortBracketStopFiresAbove() {
        var v = PV.venue()
        var ev = EventBuffer()
        for a: UInt32 in [1, 2, 4, 9] { PV.deposit(&v, a, "10000") }
        _ = PV.keeper(&v, 9)
        PV.oracle(&v, "100", at: 0, events: &ev)
        v.place(market: 0, T.limit(1, 2, .buy, "100", "10"), at: T.ts(0), events: &ev)
        v.placeBracket(market: 0, entry: T.limit(10, 1, .sell, "100", "10"), takeProfit: OrderId(11), takeProfitPrice: T.p("90"),
                       stopLoss: OrderId(12), stopLossPrice: T.p("105"), at: T.ts(0), events: &ev)
        #expect(v.markets[0].account(PV.a(1)).base == -10_000_000_000)
        #expect(v.triggers.first?.fireWhenAbove == true)
        v.place(market: 0, T.limit(2, 4, .sell, "105.5", "10"), at: T.ts(1), events: &ev)
        ev.removeAll()
        PV.oracle(&v, "104.99", at: 2, events: &ev)
        #expect(PV.triggerFired(ev).isEmpty)
        PV.oracle(&v, "105", at: 3, events: &ev)
        #expect(PV.triggerFired(ev).map(\.0) == [OrderId(12)])
        #expect(T.fills(ev).map(\.price) == [T.p("105.5")])
        #expect(v.markets[0].account(PV.a(1)).base == 0)
        // −10 × 5.5 = −55 realised
        #expect(v.markets[0].account(PV.a(1)).realizedPnl == -55_000_000)
        #expect(!v.markets[0].book.contains(OrderId(11)))
        PV.checkConservation(v)
    }
}

@Suite struct PerpPauseTests {
    @Test func globalPauseStopsEveryMarketAndResumeRestoresThem() {
        var v = PerpVenue(markets: [MarketSpec(matching: .plainBook()), MarketSpec(matching: .plainBook())], enforceMargin: false)
        var ev = EventBuffer()
        v.setPaused(true, market: nil, at: T.ts(1), events: &ev)
        #expect(Array(ev) == [.paused(global: true, T.ts(1)), .paused(global: true, T.ts(1))])
        ev.removeAll()
        v.place(market: 1, T.limit(1, 1, .buy, "100", "1"), at: T.ts(2), events: &ev)
        #expect(Array(ev) == [.rejected(OrderId(1), .marketPaused, T.ts(2))])
        // A market-level resume does not lift the global pause.
        v.setPaused(false, market: 1, at: T.ts(3), events: &ev)
        ev.removeAll()
        v.place(market: 1, T.limit(2, 1, .buy, "100", "1"), at: T.ts(4), events: &ev)
        #expect(Array(ev) == [.rejected(OrderId(2), .marketPaused, T.ts(4))])
        v.setPaused(false, market: nil, at: T.ts(5), events: &ev)
        ev.removeAll()
        v.place(market: 0, T.limit(3, 1, .buy, "100", "1"), at: T.ts(6), events: &ev)
        #expect(Array(ev) == [.accepted(OrderId(3), AccountId(1), T.ts(6))])
    }
}
