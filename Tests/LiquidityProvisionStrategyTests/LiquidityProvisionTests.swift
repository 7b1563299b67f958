import Foundation
import Testing
import MarketCore
import StrategyKit
@testable import LiquidityProvisionStrategy

// Market: tick 0.01, step 0.001, min size 0.001.
let market = MarketInfo(tick: Price(raw: 10_000), step: Quantity(raw: 1_000_000), minSize: Quantity(raw: 1_000_000))
typealias H = StrategyHarness<LiquidityProvision>

func px(_ s: String) -> Price { Price(s)! }
func qty(_ s: String) -> Quantity { Quantity(s)! }

/// The hand-computable base case: γ = 0.1 (1/price), σ = 0.5 (price/√s), T−t = 10 s, κ = 1.5 (1/price), lot 1.
///
///   σ² = 0.25;  γσ²T = 0.1 × 0.25 × 10 = 0.25
///   (2/γ)·ln(1 + γ/κ) = 20 × ln(1.0666…) = 20 × 0.0645385211 = 1.2907704228
///   δ = 0.25 + 1.2907704228 = 1.5407704228;  δ/2 = 0.7703852114
///   q = 0: r = 100 → bid 99.2296147886 ↓ 99.22, ask 100.7703852114 ↑ 100.78
func make(_ extra: [String: String] = [:], limits: RiskLimits = RiskLimits(), oracle: String? = "100") -> H {
    var p = ["gamma": "0.1", "sigma": "0.5", "kappa": "1.5", "horizon": "10", "orderSize": "1"]
    for (k, v) in extra { p[k] = v }
    return H(parameters: H.parameters(p), market: market, limits: limits, oracle: oracle.map(px), time: .zero)
}

/// Resting orders of a side, best first, as "price x size".
func side(_ h: H, _ s: Side) -> [String] { h.orders(s).map { "\($0.price)x\($0.remaining)" } }

func text(_ o: StrategyOrder) -> String { "\(o.side) \(o.price)x\(o.size)\(o.postOnly ? " po" : "")" }
func text(_ i: Intent) -> String {
    switch i {
    case .place(let o): return "place " + text(o)
    case .replace(let k, let o): return "replace \(k) -> " + text(o)
    case .cancel(let k): return "cancel \(k)"
    case .cancelAll: return "cancelAll"
    case .setTimer(let id, let at): return "timer \(id) \(at)"
    case .hedge: return "hedge"
    }
}
func last(_ h: H) -> [String] { h.last.map(text) }
func key(_ h: H, _ s: Side, _ i: Int = 0) -> UInt32 { h.orders(s)[i].key }

@Suite struct Quotes {
    @Test func baseCaseFromHandComputedFormula() {
        let h = make()
        // Header of this file: bid 99.2296… rounds down to 99.22, ask 100.7703… rounds up to 100.78.
        #expect(last(h) == ["place buy 99.22x1 po", "place sell 100.78x1 po"])
        #expect(side(h, .buy) == ["99.22x1"])
        #expect(side(h, .sell) == ["100.78x1"])
        // The model's own numbers, before rounding.
        let m = h.strategy.model(h.context)!
        #expect(abs(m.reservation - 100) < 1e-12)
        #expect(abs(m.spread - 1.5407704227514234) < 1e-9)
    }

    @Test func inventoryShiftsReservationByQGammaSigma2T() {
        var h = make()
        // Our bid is hit for 1 lot: q = 1, r = 100 − 1 × 0.25 = 99.75.
        //   bid 99.75 − 0.7703852114 = 98.9796147886 ↓ 98.97; ask 99.75 + 0.7703852114 = 100.5203852114 ↑ 100.53.
        // The filled bid is gone (new place); the ask is replaced after the fill regardless of tolerance.
        let ask0 = key(h, .sell)
        h.fill(key(h, .buy))
        #expect(h.context.position == qty("1"))
        #expect(last(h) == ["replace \(ask0) -> sell 100.53x1 po", "place buy 98.97x1 po"])
        // Hit again: q = 2, r = 100 − 2 × 0.25 = 99.5 (the shift q·γ·σ²·T = 0.5).
        //   bid 99.5 − 0.7703852114 = 98.7296147886 ↓ 98.72; ask 99.5 + 0.7703852114 = 100.2703852114 ↑ 100.28.
        h.fill(key(h, .buy))
        #expect(side(h, .buy) == ["98.72x1"])
        #expect(side(h, .sell) == ["100.28x1"])
        let m = h.strategy.model(h.context)!
        #expect(abs(m.reservation - 99.5) < 1e-12)
    }

    @Test func inventoryTargetCentersQ() {
        // Position 0 with a target of −2: q = (0 − (−2)) / 1 = 2, the same quotes as a long of 2 lots.
        let h = make(["inventoryTarget": "-2"])
        #expect(side(h, .buy) == ["98.72x1"])
        #expect(side(h, .sell) == ["100.28x1"])
    }

    @Test func levelsAsFractionOfSpread() {
        // levelSpacing 0.5 × δ = 0.5 × 1.5407704228 = 0.7703852114 per level:
        //   bids 99.2296147886, 98.4592295772 ↓ 98.45, 97.6888443659 ↓ 97.68
        //   asks 100.7703852114, 101.5407704228 ↑ 101.55, 102.3111556341 ↑ 102.32
        let h = make(["levels": "3", "levelSpacing": "0.5"])
        #expect(side(h, .buy) == ["99.22x1", "98.45x1", "97.68x1"])
        #expect(side(h, .sell) == ["100.78x1", "101.55x1", "102.32x1"])
        // Placed in the order bid0, ask0, bid1, ask1, bid2, ask2.
        #expect(last(h) == ["place buy 99.22x1 po", "place sell 100.78x1 po", "place buy 98.45x1 po",
                            "place sell 101.55x1 po", "place buy 97.68x1 po", "place sell 102.32x1 po"])
    }

    @Test func levelsAsAbsolutePrice() {
        // 0.25 per level: bids 98.9796147886 ↓ 98.97, 98.7296147886 ↓ 98.72; asks 101.0203852114 ↑ 101.03, 101.2703852114 ↑ 101.28.
        let h = make(["levels": "3", "levelSpacing": "0.25", "levelSpacingUnit": "price"])
        #expect(side(h, .buy) == ["99.22x1", "98.97x1", "98.72x1"])
        #expect(side(h, .sell) == ["100.78x1", "101.03x1", "101.28x1"])
    }

    @Test func maxOpenOrdersCutsOuterLevels() {
        // Three order slots for three levels a side: bid0, ask0, bid1 (the allocation order).
        let h = make(["levels": "3", "levelSpacing": "0.5"], limits: RiskLimits(maxOpenOrders: 3))
        #expect(side(h, .buy) == ["99.22x1", "98.45x1"])
        #expect(side(h, .sell) == ["100.78x1"])
    }

    @Test func minSpreadClamp() {
        // minSpread 0.02 × 100 = 2 total → each side at least 1 from s: bid min(99.2296, 99) = 99, ask max(100.7704, 101) = 101.
        let h = make(["minSpread": "0.02"])
        #expect(side(h, .buy) == ["99x1"])
        #expect(side(h, .sell) == ["101x1"])
    }

    @Test func maxSpreadClamp() {
        // maxSpread 0.01 × 100 = 1 total → each side at most 0.5 from s: 99.5 / 100.5.
        let h = make(["maxSpread": "0.01"])
        #expect(side(h, .buy) == ["99.5x1"])
        #expect(side(h, .sell) == ["100.5x1"])
        // With q = 2 (target −2): the bid wants 100 − 98.7296 = 1.2704 away → clamped to 0.5 → 99.5;
        // the ask wants 0.2704 away, inside [0.01, 0.5] → 100.2703852114 ↑ 100.28.
        let k = make(["maxSpread": "0.01", "inventoryTarget": "-2"])
        #expect(side(k, .buy) == ["99.5x1"])
        #expect(side(k, .sell) == ["100.28x1"])
    }

    @Test func refreshTolerance() {
        var h = make(["refreshTolerance": "0.001"])
        let bid = key(h, .buy), ask = key(h, .sell)
        // s 100 → 100.05: desired bid 99.2796… ↓ 99.27, ask 100.8203… ↑ 100.83; both moved 0.05 ≤ 0.001 × 100.05 = 0.10005.
        h.oracle(px("100.05"), at: Timestamp(milliseconds: 1_000))
        #expect(h.last.isEmpty)
        #expect(side(h, .buy) == ["99.22x1"])
        // s → 100.20: bid 99.4296… ↓ 99.42 (moved 0.20 > 0.1002), ask 100.9703… ↑ 100.98 (moved 0.20): both replaced.
        h.oracle(px("100.2"), at: Timestamp(milliseconds: 2_000))
        #expect(last(h) == ["replace \(bid) -> buy 99.42x1 po", "replace \(ask) -> sell 100.98x1 po"])
        #expect(side(h, .buy) == ["99.42x1"])
        #expect(side(h, .sell) == ["100.98x1"])
        // A book-top change that leaves the oracle alone changes nothing.
        h.feed(.top(BookTop(bid: px("99.42"), bidSize: qty("1"), ask: px("100.98"), askSize: qty("1"))))
        #expect(h.last.isEmpty)
    }

    @Test func maxPositionStopsTheSideThatWouldIncreaseIt() {
        var h = make(["maxPosition": "1.5"])
        h.fill(key(h, .buy))
        // Position 1: room for bids 1.5 − 1 = 0.5 → bid 98.97 × 0.5 (q = 1 prices, see inventory test).
        #expect(side(h, .buy) == ["98.97x0.5"])
        #expect(side(h, .sell) == ["100.53x1"])
        let ask = key(h, .sell)
        h.fill(key(h, .buy))
        // Position 1.5: no room to buy → no bid. q = 1.5: r = 100 − 1.5 × 0.25 = 99.625,
        // ask 99.625 + 0.7703852114 = 100.3953852114 ↑ 100.40.
        #expect(h.context.position == qty("1.5"))
        #expect(side(h, .buy) == [])
        #expect(last(h) == ["replace \(ask) -> sell 100.4x1 po"])
    }

    @Test func invalidOraclePullsQuotesAndValidOneRestores() {
        var h = make()
        let bid = key(h, .buy), ask = key(h, .sell)
        h.feed(.oracle(price: px("100"), confidence: .zero, status: .stale, Timestamp(milliseconds: 1_000)))
        #expect(last(h) == ["cancel \(bid)", "cancel \(ask)"])
        #expect(h.context.openOrders.isEmpty)
        #expect(h.offer(takerSide: .buy, size: qty("1"), start: px("100"), end: px("101")) == nil)
        h.oracle(px("100"), at: Timestamp(milliseconds: 2_000))
        #expect(last(h) == ["place buy 99.22x1 po", "place sell 100.78x1 po"])
    }

    @Test func extremeInputsDoNotTrap() {
        var h = make(["sigma": "0", "kappa": "0", "kappaFallback": "1.5", "volatilityMinSamples": "1"])
        h.context.limits.maxPosition = Quantity(raw: Int64.max)
        h.context.limits.maxNotional = Amount(raw: Int64.max)
        h.feed(.oracle(price: Price(raw: Int64.max / 4), confidence: .zero, status: .valid, Timestamp(milliseconds: Int64.max)))
        _ = h.offer(takerSide: .sell, size: Quantity(raw: Int64.max), start: px("1"), end: px("0.5"))
        // (The harness's own mark-to-oracle would overflow with this position at that price, so it comes after.)
        h.context.position = Quantity(raw: Int64.max / 2)
        h.feed(.oracle(price: px("1"), confidence: .zero, status: .valid, Timestamp(milliseconds: Int64.min)))
        h.feed(.trade(price: .zero, size: qty("1"), takerSide: .buy, Timestamp(milliseconds: 0)))
        h.feed(.trade(price: Price(raw: Int64.max), size: qty("1"), takerSide: .buy, Timestamp(milliseconds: 0)))
        _ = h.offer(takerSide: .buy, size: Quantity(raw: -5), start: px("1"), end: px("2"))
        _ = h.offer(takerSide: .sell, size: Quantity(raw: Int64.max), start: px("1"), end: px("0.5"))
        // Whatever it quoted is on the tick, with positive prices and sizes.
        for o in h.context.openOrders {
            #expect(o.price.raw > 0 && o.price.raw % 10_000 == 0 && o.remaining.raw > 0)
        }
    }

    @Test func noOracleNoQuotes() {
        var h = make(oracle: nil)
        #expect(h.log.isEmpty)
        h.feed(.top(BookTop(bid: px("99"), bidSize: qty("1"), ask: px("101"), askSize: qty("1"))))
        h.feed(.trade(price: px("100"), size: qty("1"), takerSide: .buy, Timestamp(milliseconds: 5)))
        #expect(h.log.isEmpty)
        #expect(h.offer(takerSide: .sell, size: qty("1"), start: px("100"), end: px("99")) == nil)
    }
}

@Suite struct Estimators {
    @Test func sigmaFromOracleChanges() {
        // σ estimated (sigma 0) over 4 changes; κ fixed 1.5.
        var h = make(["sigma": "0", "volatilityWindow": "4", "volatilityMinSamples": "4"])
        #expect(h.log.isEmpty)  // no samples yet: no quotes
        h.oracle(px("101"), at: Timestamp(milliseconds: 1_000))
        h.oracle(px("100"), at: Timestamp(milliseconds: 2_000))
        h.oracle(px("101"), at: Timestamp(milliseconds: 3_000))
        #expect(h.log.isEmpty)  // 3 changes < volatilityMinSamples
        h.oracle(px("100"), at: Timestamp(milliseconds: 4_000))
        // Changes +1, −1, +1, −1 over 4 s: σ² = ΣΔs²/ΣΔt = 4 / 4 = 1 price²/s (σ = 1 price/√s).
        // γσ²T = 0.1 × 1 × 10 = 1; δ = 1 + 1.2907704228 = 2.2907704228, δ/2 = 1.1453852114:
        //   bid 98.8546147886 ↓ 98.85, ask 101.1453852114 ↑ 101.15.
        #expect(h.strategy.varianceEstimate == 1.0)
        #expect(last(h) == ["place buy 98.85x1 po", "place sell 101.15x1 po"])
        // 100 → 100 after 2 s (Δs 0): the window drops the first +1 (1 s): ΣΔs² = 1+1+1+0 = 3, ΣΔt = 1+1+1+2 = 5 s,
        // σ² = 0.6; δ = 0.6 + 1.2907704228 = 1.8907704228, δ/2 = 0.9453852114 → bid 99.0546… ↓ 99.05, ask 100.9453… ↑ 100.95.
        h.oracle(px("100"), at: Timestamp(milliseconds: 6_000))
        #expect(h.strategy.varianceEstimate == 0.6)
        #expect(side(h, .buy) == ["99.05x1"])
        #expect(side(h, .sell) == ["100.95x1"])
    }

    @Test func invalidOracleIsNotASample() {
        var h = make(["sigma": "0", "volatilityWindow": "4", "volatilityMinSamples": "1"])
        h.feed(.oracle(price: px("150"), confidence: .zero, status: .tooVolatile, Timestamp(milliseconds: 1_000)))
        #expect(h.strategy.varianceEstimate == nil)
        // The next valid one is measured from the last valid (100 at 0 ms): Δs 1 over 2 s → σ² = 0.5.
        h.oracle(px("101"), at: Timestamp(milliseconds: 2_000))
        #expect(h.strategy.varianceEstimate == 0.5)
    }

    @Test func kappaFromTradesWithoutFallbackWaits() {
        var h = make(["kappa": "0", "kappaWindow": "4", "kappaMinSamples": "4"])
        #expect(h.log.isEmpty)
        // Distances to the oracle 100: 0.25, 0.75, 0.75, 0.25 → Σ = 2, κ̂ = 4 / 2 = 2 (1/price).
        let prices = ["100.25", "99.25", "100.75", "99.75"]
        for (i, p) in prices.enumerated() {
            h.feed(.trade(price: px(p), size: qty("1"), takerSide: .buy, Timestamp(milliseconds: Int64(i + 1) * 100)))
            if i < 3 { #expect(h.log.isEmpty) }
        }
        #expect(h.strategy.kappaEstimate == 2.0)
        // δ = 0.25 + 20 × ln(1.05) = 0.25 + 20 × 0.0487901642 = 1.2258032834, δ/2 = 0.6129016417:
        //   bid 99.3870983583 ↓ 99.38, ask 100.6129016417 ↑ 100.62.
        #expect(last(h) == ["place buy 99.38x1 po", "place sell 100.62x1 po"])
    }

    @Test func kappaFallbackQuotesUntilEstimateIsReady() {
        var h = make(["kappa": "0", "kappaFallback": "1.5", "kappaWindow": "4", "kappaMinSamples": "4"])
        // κ fallback 1.5: the base-case quotes.
        #expect(side(h, .buy) == ["99.22x1"])
        let bid = key(h, .buy), ask = key(h, .sell)
        for (i, p) in ["100.25", "99.25", "100.75", "99.75"].enumerated() {
            h.feed(.trade(price: px(p), size: qty("1"), takerSide: .sell, Timestamp(milliseconds: Int64(i + 1) * 100)))
        }
        // κ̂ = 2 takes over: 99.38 / 100.62 (moves of 0.16 > 0.0005 × 100 = 0.05 → replaced).
        #expect(last(h) == ["replace \(bid) -> buy 99.38x1 po", "replace \(ask) -> sell 100.62x1 po"])
    }

    /// Stratified exponential sample: distances at the quantiles −ln(1 − (i + ½)/n)/κ, i < n. Their mean
    /// is (1/κ) × 0.99983 for n = 2000 (the top quantile misses part of the tail), so κ̂ is within 0.02 %
    /// of κ before rounding each trade to the 1e-6 price unit; 0.5 % covers both with a wide margin.
    @Test func kappaOnStratifiedExponentialSample() {
        var h = make(["kappa": "0", "kappaWindow": "2000", "kappaMinSamples": "2000"])
        let n = 2000, kappa = 1.5
        for i in 0..<n {
            let d = -log(1 - (Double(i) + 0.5) / Double(n)) / kappa
            let p = Price(approximating: i % 2 == 0 ? 100 + d : 100 - d, .down)!
            h.feed(.trade(price: p, size: qty("1"), takerSide: i % 2 == 0 ? .buy : .sell, Timestamp(milliseconds: Int64(i))))
        }
        let k = h.strategy.kappaEstimate!
        #expect(abs(k / kappa - 1) < 0.005)
    }

    /// Pseudo-random exponential sample (fixed seed): 1000 trades at κ = 0.5 then 1000 at κ = 2, window 1000.
    /// The window holds only the second regime; the MLE's relative standard error is 1/√n = 3.2 % for n = 1000,
    /// so 10 % is about 3 standard errors (a fair sample falls outside with probability ≈ 0.2 %; the seed is fixed,
    /// so the test is deterministic). An estimate still mixing in the κ = 0.5 trades would be far below 1.8.
    @Test func kappaOnRandomExponentialSampleUsesTheWindow() {
        var h = make(["kappa": "0", "kappaWindow": "1000", "kappaMinSamples": "1000"])
        var rng = SplitMix64(seed: 42)
        var t: Int64 = 0
        for kappa in [0.5, 2.0] {
            for _ in 0..<1000 {
                let u = rng.unit()
                let d = -log(1 - u) / kappa
                let buy = rng.next() & 1 == 0
                let p = Price(approximating: buy ? 100 + d : max(0.01, 100 - d), .down)!
                t += 1
                h.feed(.trade(price: p, size: qty("1"), takerSide: buy ? .buy : .sell, Timestamp(milliseconds: t)))
            }
            if kappa == 0.5 { #expect(abs(h.strategy.kappaEstimate! / 0.5 - 1) < 0.1) }
        }
        #expect(abs(h.strategy.kappaEstimate! / 2 - 1) < 0.1)
    }
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

@Suite struct Auctions {
    @Test func answersAroundReservation() {
        var h = make()
        // Taker buy 5: we sell at r + δ/2 = 100.7703852114 ↑ 100.78, at most orderSize 1.
        #expect(h.offer(takerSide: .buy, size: qty("5"), start: px("100"), end: px("100.5"))
                == JITAnswer(worstPrice: px("100.78"), maxSize: qty("1"), latency: 0))
        // Taker sell 0.4: we buy at r − δ/2 = 99.2296147886 ↓ 99.22, the taker's 0.4.
        #expect(h.offer(takerSide: .sell, size: qty("0.4"), start: px("100"), end: px("99.5"))
                == JITAnswer(worstPrice: px("99.22"), maxSize: qty("0.4"), latency: 0))
        // An auction fill refreshes the quotes like any fill: we sold 1 → q = −1, r = 100.25:
        //   bid 99.4796147886 ↓ 99.47, ask 101.0203852114 ↑ 101.03.
        h.fillAuction(.sell, price: px("100.78"), size: qty("1"))
        #expect(side(h, .buy) == ["99.47x1"])
        #expect(side(h, .sell) == ["101.03x1"])
    }

    @Test func skewedAndCappedByMaxPosition() {
        // Long 2 (target −2 gives the same q without a fill; here a real position):
        var h = make(["maxPosition": "2.5"])
        h.context.position = qty("2")
        // q = 2, r = 99.5: taker sell → we buy at 98.7296… ↓ 98.72, room 2.5 − 2 = 0.5.
        #expect(h.offer(takerSide: .sell, size: qty("3"), start: px("100"), end: px("99"))
                == JITAnswer(worstPrice: px("98.72"), maxSize: qty("0.5"), latency: 0))
        // Taker buy → we sell at 100.2703… ↑ 100.28, room 2.5 + 2 = 4.5, so orderSize 1.
        #expect(h.offer(takerSide: .buy, size: qty("3"), start: px("100"), end: px("101"))
                == JITAnswer(worstPrice: px("100.28"), maxSize: qty("1"), latency: 0))
        // At the limit: no buying at all.
        h.context.position = qty("2.5")
        #expect(h.offer(takerSide: .sell, size: qty("3"), start: px("100"), end: px("99")) == nil)
    }

    @Test func jitDisabled() {
        var h = make(["jit": "false"])
        #expect(h.offer(takerSide: .buy, size: qty("1"), start: px("100"), end: px("101")) == nil)
    }
}

@Suite struct Parameters {
    let d = LiquidityProvision.descriptor

    func error(_ inputs: [(key: String, value: ParameterInput)]) -> String? {
        if case .failure(let e) = d.parameters(inputs) { return e.description }
        return nil
    }

    @Test func defaultsFileMatchesDescriptor() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("strategies/liquidity-provision/defaults.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["strategy"] as? String == "liquidity-provision")
        let params = try #require(json["parameters"] as? [String: Any])
        #expect(Set(params.keys) == Set(d.parameters.map(\.name)))
        for spec in d.parameters {
            let v = params[spec.name]
            let text: String?
            switch spec.kind {
            case .flag: text = (v as? Bool).map { $0 ? "true" : "false" }
            case .integer: text = (v as? Int).map { String($0) }
            case .decimal, .choice: text = v as? String  // decimals are JSON strings
            }
            #expect(text == spec.text(spec.defaultValue), "\(spec.name)")
        }
        // The defaults pass the cross-parameter check.
        #expect(d.check(d.defaults) == nil)
    }

    @Test func outOfRange() {
        let e = error([("gamma", .number("0"))])
        #expect(e == "parameter 'gamma': 0 is out of range; expected 0.000001...1000 (1/price)")
        let l = error([("levels", .number("11"))])
        #expect(l == "parameter 'levels': 11 is out of range; expected 1...10 (levels)")
    }

    @Test func wrongType() {
        #expect(error([("levels", .string("three"))]) == "parameter 'levels': \"three\" is not an integer")
        #expect(error([("jit", .number("1"))]) == "parameter 'jit': 1 is not a boolean")
        #expect(error([("levelSpacingUnit", .string("ticks"))])
                == "parameter 'levelSpacingUnit': \"ticks\" is out of range; expected spread|price")
    }

    @Test func unknownKey() {
        let e = error([("spread", .string("0.01"))]) ?? ""
        #expect(e.hasPrefix("unknown parameter 'spread'; expected one of gamma, kappa"))
    }

    @Test func crossChecks() {
        #expect(error([("minSpread", .string("0.1")), ("maxSpread", .string("0.05"))])
                == "minSpread (0.1) must not exceed maxSpread (0.05)")
        #expect(error([("kappaWindow", .number("10")), ("kappaMinSamples", .number("11"))])
                == "kappaMinSamples (11) must not exceed kappaWindow (10)")
        #expect(error([("volatilityWindow", .number("10"))])
                == "volatilityMinSamples (20) must not exceed volatilityWindow (10)")
        #expect(error([("levels", .number("2")), ("levelSpacing", .string("0"))])
                == "levelSpacing must be > 0 when levels (2) > 1")
        #expect(error([("levelSpacing", .string("11"))])
                == "levelSpacing (11) must be within 0...10 when levelSpacingUnit is spread")
        #expect(error([("levelSpacing", .string("11")), ("levelSpacingUnit", .string("price"))]) == nil)
    }

    @Test func liveUpdates() {
        var h = make()
        // Window sizes fix buffer capacity: not live.
        #expect(h.update(["kappaWindow": "10"]) == .notLive(key: "kappaWindow"))
        // γ is live: γ = 0.2 → γσ²T = 0.5, (2/γ)·ln(1 + γ/κ) = 10 × ln(1.1333…) = 10 × 0.1251631430 = 1.2516314295,
        // δ = 1.7516314295, δ/2 = 0.8758157148 → bid 99.1241842852 ↓ 99.12, ask 100.8758157148 ↑ 100.88.
        let bid = key(h, .buy), ask = key(h, .sell)
        #expect(h.update(["gamma": "0.2", "sigma": "0.5", "kappa": "1.5", "horizon": "10", "orderSize": "1"]) == nil)
        #expect(last(h) == ["replace \(bid) -> buy 99.12x1 po", "replace \(ask) -> sell 100.88x1 po"])
    }
}
