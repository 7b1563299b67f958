import Testing
import MarketCore
import StrategyKit
@testable import MeanReversionStrategy

// Hand-made price paths. Every expected value is computed by hand in the comment beside it.
// Market: tick 0.01, step 0.001, min size 0.001. Unless a test says otherwise the parameters
// are `base`: lookback 5, one sample per 1000 ms, entryZ 2, exitZ 0.5, orderSize 1,
// maxPosition 3, maxMultiplier 3, stopLoss 2%, cooldown 60 s, maxHoldingTime 30 s,
// maxSlippage 0.2%.

typealias H = StrategyHarness<MeanReversion>

let market = MarketInfo(tick: Price("0.01")!, step: Quantity("0.001")!, minSize: Quantity("0.001")!, auctionSteps: 10)

let base: [String: String] = [
    "lookback": "5", "sampleIntervalMs": "1000", "entryZ": "2", "exitZ": "0.5", "orderSize": "1",
    "maxPosition": "3", "maxMultiplier": "3", "stopLoss": "0.02", "cooldown": "60", "maxHoldingTime": "30",
    "maxSlippage": "0.002",
]

func px(_ s: String) -> Price { Price(s)! }
func qty(_ s: String) -> Quantity { Quantity(s)! }
func ms(_ t: Int64) -> Timestamp { Timestamp(milliseconds: t) }

func make(_ overrides: [String: String] = [:], market m: MarketInfo = market, limits: RiskLimits = RiskLimits()) -> H {
    H(parameters: H.parameters(base.merging(overrides) { $1 }), market: m, limits: limits)
}

/// Samples 100 at t = 1000…5000 (window full, constant), then `last` at t = 6000.
func warm(_ h: inout H, last: String = "90") {
    for i in 1...5 { h.oracle(px("100"), at: ms(Int64(i) * 1000)) }
    h.oracle(px(last), at: ms(6000))
}

func buyIOC(_ key: UInt32, _ price: String, _ size: String, reduceOnly: Bool = false) -> Intent {
    .place(StrategyOrder(key: key, side: .buy, price: px(price), size: qty(size), tif: .ioc, reduceOnly: reduceOnly))
}

func sellIOC(_ key: UInt32, _ price: String, _ size: String, reduceOnly: Bool = false) -> Intent {
    .place(StrategyOrder(key: key, side: .sell, price: px(price), size: qty(size), tif: .ioc, reduceOnly: reduceOnly))
}

extension H {
    /// A taker sell (the strategy would buy) / a taker buy (it would sell) of `size`, auction oracle → ±0.5%.
    mutating func takerSells(_ size: String = "10") -> JITAnswer? {
        let o = context.lastValidOracle
        return offer(takerSide: .sell, size: qty(size), start: o, end: o.applying(Ppm(raw: 995_000), .down))
    }
    mutating func takerBuys(_ size: String = "10") -> JITAnswer? {
        let o = context.lastValidOracle
        return offer(takerSide: .buy, size: qty(size), start: o, end: o.applying(Ppm(raw: 1_005_000), .up))
    }
}

@Suite struct RollingWindowTests {
    @Test func ringBufferKeepsExactSumsOverTheLastSamples() {
        var w = RollingWindow(capacity: 3)
        for x: Int64 in [1, 2, 3, 4] { w.push(x) }
        // Window {2, 3, 4}: Σ = 9, Σx² = 4 + 9 + 16 = 29, n·Σx² − (Σx)² = 87 − 81 = 6.
        #expect(w.count == 3)
        #expect(w.sum == 9)
        #expect(w.sumOfSquares == 29)
        #expect(w.spread == 6)
        w.push(10)
        // {3, 4, 10}: Σ = 17, Σx² = 9 + 16 + 100 = 125, 3·125 − 289 = 86.
        #expect(w.sum == 17 && w.sumOfSquares == 125 && w.spread == 86)
    }

    @Test func constantSeriesHasExactlyZeroSpreadAndNoStatistics() {
        var w = RollingWindow(capacity: 5)
        // The largest price the venue accepts, five times: sums in Int128, spread exactly 0.
        for _ in 0..<5 { w.push(Bounds.maxPrice.raw) }
        #expect(w.isFull)
        #expect(w.spread == 0)
        #expect(w.stats == nil)
        // One tick different: 4 × 1e12 and 1e12 − 1 → spread = 5·Σx² − (Σx)² = 4 (one sample off by 1 in 5).
        w.push(Bounds.maxPrice.raw - 1)
        #expect(w.spread == 4)
        #expect(w.stats != nil)
    }

    @Test func statisticsOfTheWorkedExample() throws {
        var w = RollingWindow(capacity: 5)
        for x in ["100", "100", "100", "100", "90"] { w.push(px(x).raw) }
        let s = try #require(w.stats)
        // mean = 490/5 = 98; population variance = (4·2² + 8²)/5 = 80/5 = 16, std = 4.
        #expect(s.mean == 98_000_000)
        #expect(s.standardDeviation == 4_000_000)
        // z(90) = (90 − 98)/4 = −2; z(88) = −2.5; lower band at 2σ = 98 − 8 = 90.
        #expect(s.z(px("90")) == -2)
        #expect(s.z(px("88")) == -2.5)
        #expect(s.level(-2) == 90_000_000)
    }
}

@Suite struct MeanReversionTests {
    @Test func nothingUntilTheWindowIsFullAndNothingOnAConstantWindow() {
        var h = make()
        // Four samples, the last far below: the window (5) is not full, so no z at all.
        for (i, p) in ["100", "100", "100", "60"].enumerated() { h.oracle(px(p), at: ms(Int64(i + 1) * 1000)) }
        #expect(h.log.isEmpty)
        #expect(h.strategy.window.count == 4)
        #expect(h.takerSells() == nil && h.takerBuys() == nil)
        // Fifth sample 100: window {100,100,100,60,100}, mean 92, variance (4·8² + 32²)/5 = 1280/5 = 256,
        // std 16, z(100) = 8/16 = 0.5: inside the bands, nothing.
        h.oracle(px("100"), at: ms(5000))
        #expect(h.log.isEmpty)

        var c = make()
        for i in 1...5 { c.oracle(px("100"), at: ms(Int64(i) * 1000)) }
        // A constant full window: std exactly 0, no z, no order, no auction answer, even for an
        // off-sample update far away.
        c.oracle(px("80"), at: ms(5500))
        #expect(c.strategy.window.spread == 0)
        #expect(c.log.isEmpty)
        #expect(c.takerSells() == nil && c.takerBuys() == nil)
    }

    @Test func samplesAtMostOncePerIntervalAndOnlyValidOracles() {
        var h = make()
        // 1000 sampled; 1400 and 1999 are inside the interval; 2000 sampled; 2500 not; 3100 sampled.
        let path: [(Int64, String)] = [(1000, "100"), (1400, "200"), (1999, "300"), (2000, "101"), (2500, "400"), (3100, "102")]
        for (t, p) in path { h.oracle(px(p), at: ms(t)) }
        #expect(h.strategy.window.count == 3)
        #expect(h.strategy.window.sum == Int128(px("303").raw))  // 100 + 101 + 102
        // A stale oracle is never sampled (and never values anything).
        h.feed(.oracle(price: px("500"), confidence: .zero, status: .stale, ms(4500)))
        #expect(h.strategy.window.count == 3)
        // A mark-divergent oracle is still valid: sampled (4600 − 3100 ≥ 1000).
        h.feed(.oracle(price: px("104"), confidence: .zero, status: .markDivergent, ms(4600)))
        #expect(h.strategy.window.count == 4)
        #expect(h.strategy.window.sum == Int128(px("407").raw))
        // Trades are not samples.
        h.feed(.trade(price: px("999"), size: qty("1"), takerSide: .buy, ms(9000)))
        #expect(h.strategy.window.count == 4)
        #expect(h.log.isEmpty)
    }

    @Test func entersLongAtMinusEntryZWithAnIOCAtTheBand() {
        var h = make()
        warm(&h)
        // Window {100,100,100,100,90}: mean 98, std 4, z(90) = (90 − 98)/4 = −2 ≤ −2 → buy 1.
        // Limit = min(90 × 1.002 = 90.18, lower band 98 − 2·4 = 90) = 90.00 (rounded down to the tick).
        #expect(h.last == [buyIOC(1, "90", "1")])
        // Filled: the position opens at 6000, the holding timer is set at 6000 + 30 s.
        h.fill(1)
        #expect(h.context.position == qty("1"))
        #expect(h.last == [.setTimer(id: 1, at: ms(36_000))])
    }

    @Test func entersShortAtPlusEntryZAndAnswersTakerBuyersOnly() {
        var h = make()
        warm(&h, last: "110")
        // Window {100,100,100,100,110}: mean 102, std 4, z(110) = +2 → sell 1.
        // Limit = max(110 × 0.998 = 109.78, upper band 102 + 8 = 110) = 110.00 (rounded up).
        #expect(h.last == [sellIOC(1, "110", "1")])
        // Off-sample oracle 113 (6500 − 6000 < 1000): same window, z = (113 − 102)/4 = 2.75.
        h.oracle(px("113"), at: ms(6500))
        #expect(h.last.isEmpty)
        // Taker buy → the strategy sells: size 1 × min(2.75/2, 3) = 1.375; room = 3 + 0 (flat) − 1
        // (its open sell IOC) = 2 → 1.375. Worst price = the upper band, 110.00 (rounded up).
        #expect(h.takerBuys() == JITAnswer(worstPrice: px("110"), maxSize: qty("1.375"), latency: 0))
        // Price stretched up: a taker seller is never answered.
        #expect(h.takerSells() == nil)
    }

    @Test func exitsInsideTheExitBandWithAReduceOnlyIOC() {
        var h = make()
        warm(&h)
        h.fill(1)  // long 1 at 90
        // Off-sample 95: z = (95 − 98)/4 = −0.75 < −0.5, stop level 90 × 0.98 = 88.2 < 95: hold.
        h.oracle(px("95"), at: ms(6200))
        #expect(h.last.isEmpty)
        // Off-sample 97: z = (97 − 98)/4 = −0.25 ≥ −0.5 → flatten: sell 1 reduce-only IOC at
        // 97 × 0.998 = 96.806, rounded up to 96.81.
        h.oracle(px("97"), at: ms(6500))
        #expect(h.last == [sellIOC(2, "96.81", "1", reduceOnly: true)])
        #expect(h.strategy.flattening)
        h.fill(2)
        #expect(h.context.position == .zero)
        #expect(!h.strategy.flattening)
        // A signal exit starts no cooldown: at 88 (z = −2.5) the strategy answers taker sellers again.
        h.oracle(px("88"), at: ms(6600))
        #expect(h.strategy.cooldownUntil == .zero)
        // 1 × min(2.5/2, 3) = 1.25 (room 3); worst = lower band 90.00.
        #expect(h.takerSells() == JITAnswer(worstPrice: px("90"), maxSize: qty("1.25"), latency: 0))
    }

    @Test func stopLossFlattensThenCoolsDown() {
        var h = make(["entryZ": "1.5"])
        warm(&h)
        // z(90) = −2 ≤ −1.5 → buy; limit = min(90 × 1.002 = 90.18, 98 − 1.5·4 = 92) = 90.18.
        #expect(h.last == [buyIOC(1, "90.18", "1")])
        h.fill(1, price: px("90"))  // long 1 at 90: stop at 90 × (1 − 0.02) = 88.2
        h.oracle(px("88.3"), at: ms(6300))
        // 88.3 > 88.2 and z = (88.3 − 98)/4 = −2.425: no stop, no exit, no sample.
        #expect(h.last.isEmpty)
        h.oracle(px("88.2"), at: ms(6600))
        // 88.2 ≤ 88.2 → stop: sell 1 reduce-only at 88.2 × 0.998 = 88.0236 → 88.03 (rounded up).
        #expect(h.last == [sellIOC(2, "88.03", "1", reduceOnly: true)])
        // While flattening: no auction answer although z = (88.2 − 98)/4 = −2.45 ≤ −1.5.
        #expect(h.takerSells() == nil)
        // The IOC fills 0.4 and the rest is cancelled (the venue's IOC); 0.6 is still long.
        h.fill(2, size: qty("0.4"))
        h.context.openOrders.removeAll()
        #expect(h.context.position == qty("0.6"))
        // Next valid update resends the flatten for 0.6 at 88.1 × 0.998 = 87.9238 → 87.93.
        h.oracle(px("88.1"), at: ms(6700))
        #expect(h.last == [sellIOC(2, "87.93", "0.6", reduceOnly: true)])
        h.fill(2)
        // Flat at 6700: cooldown 60 s → 66,700.
        #expect(h.strategy.cooldownUntil == ms(66_700))
        // Sample 80 at 7000: window {100,100,100,90,80}, mean 94, variance (3·36 + 16 + 196)/5 = 64,
        // std 8, z = −14/8 = −1.75 ≤ −1.5 — but cooling down: no order, no auction answer.
        h.oracle(px("80"), at: ms(7000))
        #expect(h.last.isEmpty)
        #expect(h.takerSells() == nil)
        // Sample 70 at 66,700 (cooldown over): window {100,100,90,80,70}, mean 88,
        // variance (144 + 144 + 4 + 64 + 324)/5 = 136, std 11.6619, z = −18/11.6619 = −1.543 ≤ −1.5.
        // Limit = min(70 × 1.002 = 70.14, 88 − 1.5 × 11.6619 = 70.507) = 70.14.
        h.oracle(px("70"), at: ms(66_700))
        #expect(h.last == [buyIOC(1, "70.14", "1")])
    }

    @Test func maxHoldingTimeFlattensByTimer() {
        var h = make()
        warm(&h)
        h.fill(1)  // long 1 at 90, opened at 6000: deadline 36,000
        #expect(h.timers[1] == ms(36_000))
        // Off-sample 91: z = (91 − 98)/4 = −1.75 (no exit), 91 > 88.2 (no stop).
        h.oracle(px("91"), at: ms(6500))
        #expect(h.last.isEmpty)
        h.advance(to: ms(35_999))
        #expect(h.last.isEmpty)
        h.advance(to: ms(36_000))
        // Held 30 s → sell 1 reduce-only at 91 × 0.998 = 90.818 → 90.82.
        #expect(h.last == [sellIOC(2, "90.82", "1", reduceOnly: true)])
        h.fill(2)
        // A time exit starts the cooldown: 36,000 + 60 s.
        #expect(h.strategy.cooldownUntil == ms(96_000))
    }

    @Test func maxHoldingTimeAlsoCheckedOnEveryUpdate() {
        var h = make()
        warm(&h)
        h.fill(1)
        // The timer is not delivered; an update at 36,500 (sampled: window {100,100,100,90,91},
        // z(91) = −5.2/4.665 = −1.11, no signal exit) finds the position held 30.5 s ≥ 30 s.
        h.oracle(px("91"), at: ms(36_500))
        #expect(h.last == [sellIOC(2, "90.82", "1", reduceOnly: true)])
    }

    @Test func scalesInOnePerSampleUpToMaxPosition() {
        var h = make(["lookback": "10", "maxPosition": "1.5"])
        for i in 1...9 { h.oracle(px("100"), at: ms(Int64(i) * 1000)) }
        h.oracle(px("90"), at: ms(10_000))
        // {100 ×9, 90}: mean 99, variance (9·1 + 81)/10 = 9, std 3, z = −9/3 = −3 → buy 1 at
        // min(90.18, 99 − 6 = 93) = 90.18.
        #expect(h.last == [buyIOC(1, "90.18", "1")])
        h.fill(1, price: px("90"))
        // Off-sample update: no second entry even though z = −3.
        h.oracle(px("90"), at: ms(10_500))
        #expect(h.last.isEmpty)
        h.oracle(px("90"), at: ms(11_000))
        // {100 ×8, 90, 90}: mean 98, variance (8·4 + 2·64)/10 = 16, std 4, z = −2 → buy the room
        // left, 1.5 − 1 = 0.5, at min(90.18, 98 − 8 = 90) = 90.00.
        #expect(h.last == [buyIOC(1, "90", "0.5")])
        h.fill(1)
        #expect(h.context.position == qty("1.5"))
        // Full: an auction seller gets nothing (room 0), although z(88.5) = (885 − 980)/40 = −2.375
        // (and 88.5 is above the stop at 90 × 0.98 = 88.2).
        h.oracle(px("88.5"), at: ms(11_500))
        #expect(h.takerSells() == nil)
    }

    @Test func auctionAnswersOnlyOnTheRevertingSideWithSizeGrowingWithZ() {
        var h = make(["stopLoss": "0", "maxMultiplier": "2"])
        warm(&h)
        h.fill(1)  // long 1; room to buy = 3 − 1 = 2
        // Window stays {100,100,100,100,90} (mean 98, std 4, lower band 90) for off-sample updates.
        h.oracle(px("88"), at: ms(6500))
        #expect(h.last.isEmpty)
        // z = −2.5 → 1 × min(2.5/2, 2) = 1.25.
        #expect(h.takerSells() == JITAnswer(worstPrice: px("90"), maxSize: qty("1.25"), latency: 0))
        #expect(h.takerBuys() == nil)  // never sells into a down-stretch
        h.oracle(px("86"), at: ms(6600))
        // z = (86 − 98)/4 = −3 → 1.5.
        #expect(h.takerSells() == JITAnswer(worstPrice: px("90"), maxSize: qty("1.5"), latency: 0))
        h.oracle(px("80"), at: ms(6700))
        // z = −4.5 → min(2.25, 2) = 2, room 2 → 2.
        #expect(h.takerSells() == JITAnswer(worstPrice: px("90"), maxSize: qty("2"), latency: 0))
        // The risk gate's maxPosition 1.5 → room 1.5 − 1 = 0.5.
        h.context.limits.maxPosition = qty("1.5")
        #expect(h.takerSells() == JITAnswer(worstPrice: px("90"), maxSize: qty("0.5"), latency: 0))
        // A taker of 0.3 caps it at 0.3.
        #expect(h.takerSells("0.3") == JITAnswer(worstPrice: px("90"), maxSize: qty("0.3"), latency: 0))
        h.context.limits.maxPosition = RiskLimits().maxPosition
        h.oracle(px("92"), at: ms(6800))
        // z = (92 − 98)/4 = −1.5: inside the bands, no answer on either side.
        #expect(h.takerSells() == nil && h.takerBuys() == nil)
    }

    @Test func auctionSizeRoundsDownToTheStep() {
        let coarse = MarketInfo(tick: Price("0.01")!, step: Quantity("0.1")!, minSize: Quantity("0.1")!, auctionSteps: 10)
        var h = make(market: coarse)
        warm(&h)
        h.context.openOrders.removeAll()  // the entry IOC went unfilled
        h.oracle(px("88"), at: ms(6500))
        // 1 × 2.5/2 = 1.25 → 1.2 on a 0.1 step.
        #expect(h.takerSells() == JITAnswer(worstPrice: px("90"), maxSize: qty("1.2"), latency: 0))
    }

    @Test func auctionsOffByParameter() {
        var h = make(["answerAuctions": "false"])
        warm(&h)
        h.oracle(px("88"), at: ms(6500))
        #expect(h.takerSells() == nil)
    }

    @Test func liveUpdateMovesTheBandAndTheHoldingDeadline() {
        var h = make(["stopLoss": "0"])
        warm(&h)
        h.fill(1)
        h.oracle(px("88"), at: ms(6500))
        // The harness validates updates over the defaults, so every live key is given.
        var live = base
        live["lookback"] = nil
        live["sampleIntervalMs"] = nil
        live["entryZ"] = "1.5"
        live["maxHoldingTime"] = "60"
        live["stopLoss"] = "0"
        #expect(h.update(live) == nil)
        // New deadline: opened at 6000 + 60 s.
        #expect(h.last == [.setTimer(id: 1, at: ms(66_000))])
        // z(88) = −2.5 → multiplier 2.5/1.5 = 1.6667 → 1.666666666 → 1.666 on the step (room 3 − 1 = 2);
        // worst = lower band 98 − 1.5·4 = 92.00.
        #expect(h.takerSells() == JITAnswer(worstPrice: px("92"), maxSize: qty("1.666"), latency: 0))
        // The window length cannot change while running.
        #expect(h.update(["lookback": "10"]) == .notLive(key: "lookback"))
    }

    @Test func invalidOracleNeverTriggersAnything() {
        var h = make()
        warm(&h)
        h.fill(1)  // long at 90, stop 88.2
        // A too-volatile oracle at 50 is not valid: no stop, no sample.
        h.feed(.oracle(price: px("50"), confidence: .zero, status: .tooVolatile, ms(6500)))
        #expect(h.last.isEmpty)
        #expect(h.strategy.window.count == 5)
        #expect(h.context.lastValidOracle == px("90"))
    }

    @Test func resumedWithAPositionStartsItsClock() {
        var h = make()
        h.context.position = qty("-2")
        h.context.entryPrice = px("100")
        h.context.time = ms(1000)
        var out = Intents()
        h.strategy.start(h.context, &out)
        // Held since the start: deadline 1000 + 30 s.
        #expect(Array(out.items) == [.setTimer(id: 1, at: ms(31_000))])
        // Short 2 at 100: stop at 100 × 1.02 = 102; an oracle of 102 flattens: buy 2 reduce-only
        // at 102 × 1.002 = 102.204 → 102.20 (rounded down).
        h.oracle(px("102"), at: ms(2000))
        #expect(h.last == [buyIOC(2, "102.2", "2", reduceOnly: true)])
    }
}
