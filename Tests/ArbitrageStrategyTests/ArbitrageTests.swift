import Foundation
import MarketCore
import StrategyKit
import Testing

@testable import ArbitrageStrategy

// Hand-made paths. Market: tick 0.01, step 0.001, min size 0.001, taker and maker fee 0.05%.
// Default costs: hedgeFee 0.0005, latency cushion latencyBuffer × hedgeLatencyMs / 1000
// = 0.001 × 50 / 1000 = 0.00005, minEdge 0.001.

typealias H = StrategyHarness<Arbitrage>

func px(_ s: String) -> Price { Price(s)! }
func qty(_ s: String) -> Quantity { Quantity(s)! }
func amt(_ s: String) -> Amount { Amount(s)! }
func ms(_ t: Int64) -> Timestamp { Timestamp(milliseconds: t) }

let market = MarketInfo(tick: px("0.01"), step: qty("0.001"), minSize: qty("0.001"), makerFee: Ppm(raw: 500), takerFee: Ppm(raw: 500),
                        auctionSteps: 10)

func harness(_ pairs: [String: String], market m: MarketInfo = market, oracle: String? = "100.05",
             limits: RiskLimits = RiskLimits()) -> H {
    H(parameters: H.parameters(pairs), market: m, limits: limits, oracle: oracle.map(px), time: ms(1_000))
}

func top(_ bid: String, _ ask: String) -> MarketData {
    .top(BookTop(bid: px(bid), bidSize: qty("5"), ask: px(ask), askSize: qty("5")))
}

func ref(_ bid: String, _ ask: String, _ t: Int64) -> MarketData {
    .reference(ReferenceQuote(bid: px(bid), ask: px(ask), time: ms(t)))
}

func ioc(_ key: UInt32, _ side: Side, _ price: String, _ size: String, reduceOnly: Bool = false) -> Intent {
    .place(StrategyOrder(key: key, side: side, price: px(price), size: qty(size), tif: .ioc, reduceOnly: reduceOnly))
}

func hedge(_ side: Side, _ size: String, latency: Int64 = 50, fee: Int64 = 500) -> Intent {
    .hedge(side: side, size: qty(size), latencyMs: latency, fee: Ppm(raw: fee))
}

@Suite("cross-venue")
struct CrossVenueTests {
    @Test("our ask 99.50 under reference bid 100.00 net of costs: buy here, hedge-sell the same size on the reference")
    func buysAndHedges() {
        var h = harness(["orderSize": "2"])
        #expect(h.strategy.latencyCushion == Ppm(raw: 50))  // 0.001/s × 50 ms = 0.00005
        h.feed(top("99.40", "99.50"), at: ms(1_000))
        #expect(h.last.isEmpty)
        #expect(h.strategy.lastVerdict == .noReference)
        h.feed(ref("100.00", "100.10", 1_000))
        // Buy limit = 100.00 × (1 − 0.0005 − 0.00005 − 0.001) / (1 + 0.0005) = 99.845 / 1.0005 = 99.795102…
        // → down to the tick: 99.79. The ask 99.50 ≤ 99.79: IOC buy of orderSize 2 at 99.79.
        #expect(h.last == [ioc(1, .buy, "99.79", "2")])
        #expect(h.strategy.entries == 1)
        h.fill(1, price: px("99.50"))
        // Position +2, nothing hedged: sell 2 on the reference (hedge latency 50 ms, fee 0.0005), and the
        // max-unhedged timer at 1000 + 2000 ms.
        #expect(h.last == [hedge(.sell, "2"), .setTimer(id: 1, at: ms(3_000))])
        #expect(h.strategy.pendingHedge == qty("-2"))
        #expect(h.strategy.unhedgedBase == qty("2"))
        #expect(h.strategy.unhedgedNotional == amt("200.1"))  // 2 × oracle 100.05
        #expect(h.strategy.unhedgedSinceMs == 1_000)
        #expect(h.strategy.hedgesSent == 1)
        h.advance(to: ms(1_050))
        h.fillHedge(.sell, price: px("100.00"), size: qty("2"), fee: amt("0.1"))
        #expect(h.last.isEmpty)
        #expect(h.strategy.pendingHedge == .zero)
        #expect(h.strategy.unhedgedNotional == .zero)
        #expect(h.strategy.unhedgedSinceMs == nil)
        #expect(h.strategy.longestUnhedgedMs == 50)
        #expect(h.strategy.maxUnhedgedNotionalSeen == amt("200.1"))
        #expect(h.strategy.hedgeFills == 1)
        #expect(h.context.position == qty("2") && h.context.hedgePosition == qty("-2"))
    }

    @Test("edge below costs: no trade; exactly at the limit: trade")
    func edgeBoundary() {
        var h = harness(["orderSize": "2"])
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        h.feed(top("99.40", "99.80"))
        // 99.80 > the buy limit 99.79, and the bid 99.40 < the sell limit 100.31: nothing.
        #expect(h.last.isEmpty)
        #expect(h.strategy.lastVerdict == .noEdge)
        h.feed(top("99.40", "99.79"))
        #expect(h.last == [ioc(1, .buy, "99.79", "2")])
    }

    @Test("our bid above reference ask plus costs: sell here, hedge-buy on the reference")
    func sellsAndHedges() {
        var h = harness(["orderSize": "2"])
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        // Sell limit = 100.10 × (1 + 0.0005 + 0.00005 + 0.001) / (1 − 0.0005) = 100.255155 / 0.9995 = 100.305307…
        // → up to the tick: 100.31.
        h.feed(top("100.30", "100.45"))
        #expect(h.last.isEmpty)
        h.feed(top("100.31", "100.45"))
        #expect(h.last == [ioc(1, .sell, "100.31", "2")])
        h.fill(1, price: px("100.31"), size: qty("1.5"))  // partial IOC fill
        #expect(h.last == [hedge(.buy, "1.5"), .setTimer(id: 1, at: ms(3_000))])
    }

    @Test("a stale reference is ignored")
    func staleReference() {
        var h = harness(["orderSize": "2"])
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        h.feed(top("99.40", "99.50"), at: ms(2_001))  // age 1001 ms > maxReferenceAgeMs 1000
        #expect(h.last.isEmpty)
        #expect(h.strategy.lastVerdict == .staleReference)
        h.feed(ref("100.00", "100.10", 2_001))  // fresh again: trades
        #expect(h.last == [ioc(1, .buy, "99.79", "2")])
    }

    @Test("age exactly maxReferenceAgeMs is still fresh")
    func referenceAgeBoundary() {
        var h = harness(["orderSize": "2"])
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        h.feed(top("99.40", "99.50"), at: ms(2_000))
        #expect(h.last == [ioc(1, .buy, "99.79", "2")])
    }

    @Test("no valid oracle, or a reference far from the oracle: nothing")
    func guards() {
        var h = harness(["orderSize": "2"], oracle: nil)
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        h.feed(top("99.40", "99.50"))
        #expect(h.log.isEmpty)
        #expect(h.strategy.lastVerdict == .noOracle)

        // Oracle 100.05; reference mid 110.05 is 10% away (> maxReferenceDeviation 5%).
        var g = harness(["orderSize": "2"])
        g.feed(ref("110.00", "110.10", 1_000), at: ms(1_000))
        g.feed(top("99.40", "99.50"))
        #expect(g.log.isEmpty)
        #expect(g.strategy.lastVerdict == .badReference)

        // A crossed reference (bid > ask) is unusable.
        var k = harness(["orderSize": "2"])
        k.feed(ref("100.10", "100.00", 1_000), at: ms(1_000))
        k.feed(top("99.40", "99.50"))
        #expect(k.log.isEmpty)
        #expect(k.strategy.lastVerdict == .badReference)
    }

    @Test("the unhedged cap cuts, then stops new entries until the hedges fill")
    func unhedgedCap() {
        var h = harness(["orderSize": "1", "maxLegNotional": "150"])
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        h.feed(top("99.40", "99.50"))
        // Room 150 / 99.79 = 1.503 base ≥ orderSize 1.
        #expect(h.last == [ioc(1, .buy, "99.79", "1")])
        h.fill(1, price: px("99.50"))
        #expect(h.last == [hedge(.sell, "1"), .setTimer(id: 1, at: ms(3_000))])
        #expect(h.strategy.unhedgedNotional == amt("100.05"))  // 1 × 100.05
        h.feed(top("99.40", "99.50"))
        // Room (150 − 100.05) / 99.79 = 49.95 / 99.79 = 0.50055 → down to the step: 0.5.
        #expect(h.last == [ioc(2, .buy, "99.79", "0.5")])
        h.fill(2, price: px("99.50"))
        #expect(h.last == [hedge(.sell, "0.5")])  // the timer is already set for this stretch
        #expect(h.strategy.unhedgedNotional == amt("150.075"))  // 1.5 × 100.05
        h.feed(top("99.40", "99.50"))
        // Room 150 − 150.075 < 0: the cap stops the entry.
        #expect(h.last.isEmpty)
        #expect(h.strategy.lastVerdict == .unhedgedCap)
        h.fillHedge(.sell, price: px("100.00"), size: qty("1"))
        #expect(h.strategy.unhedgedNotional == amt("50.025"))  // 0.5 × 100.05
        h.feed(top("99.40", "99.50"))
        // Room (150 − 50.025) / 99.79 = 1.0018 ≥ 1: a full-size entry again.
        #expect(h.last == [ioc(3, .buy, "99.79", "1")])
        #expect(h.strategy.maxUnhedgedNotionalSeen == amt("150.075"))
    }

    @Test("a leg unhedged for maxUnhedgedMs is flattened here (reduce-only IOC); a late hedge is closed back")
    func maxUnhedgedTimeFlatten() {
        var h = harness(["orderSize": "2", "maxUnhedgedMs": "2000"])
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        h.feed(top("99.40", "99.50"))
        #expect(h.last == [ioc(1, .buy, "99.79", "2")])
        h.fill(1, price: px("99.50"))
        #expect(h.last == [hedge(.sell, "2"), .setTimer(id: 1, at: ms(3_000))])
        let logged = h.log.count
        h.advance(to: ms(2_999))
        #expect(h.log.count == logged)  // the timer has not fired
        #expect(h.strategy.flattens == 0)
        h.advance(to: ms(3_000))
        // Unhedged since 1000, now 3000 ≥ 1000 + 2000: sell 2 here, reduce-only IOC market (protection: the
        // venue's auction end price), write the pending hedge off, and check again 2000 ms later.
        #expect(h.last == [.place(StrategyOrder(key: 2, side: .sell, type: .market, price: .zero, size: qty("2"), tif: .ioc,
                                                reduceOnly: true)),
                           .setTimer(id: 1, at: ms(5_000))])
        #expect(h.strategy.flattens == 1)
        #expect(h.strategy.hedgesWrittenOff == 1)
        #expect(h.strategy.pendingHedge == .zero)
        #expect(h.strategy.lastVerdict == .flattened)
        h.fill(2, price: px("99.40"))
        #expect(h.last.isEmpty)  // flat here, nothing pending: no hedge
        #expect(h.strategy.unhedgedSinceMs == nil)
        #expect(h.strategy.longestUnhedgedMs == 2_000)
        // The written-off hedge fills after all: short 2 on the reference alone → bought back there.
        h.advance(to: ms(3_100))
        h.fillHedge(.sell, price: px("100.00"), size: qty("2"))
        #expect(h.last == [hedge(.buy, "2"), .setTimer(id: 1, at: ms(5_100))])
        #expect(h.strategy.unhedgedBase == qty("-2"))
    }

    @Test("JIT auction: worst price = reference ask × (1 + hedgeFee + minEdge) when our maker fee and the cushion are zero")
    func auctionIssueFormula() {
        let m = MarketInfo(tick: px("0.01"), step: qty("0.001"), minSize: qty("0.001"), makerFee: .zero, takerFee: Ppm(raw: 500),
                           auctionSteps: 10)
        var h = harness(["orderSize": "2", "latencyBuffer": "0"], market: m)
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        // Taker buy → we sell at no less than 100.10 × 1.0015 = 100.25015 → up to the tick: 100.26.
        let a = h.offer(takerSide: .buy, size: qty("5"), start: px("100.05"), end: px("100.55"))
        #expect(a == JITAnswer(worstPrice: px("100.26"), maxSize: qty("2"), latency: 0))
        // The auction never reaches 100.26 (ends at 100.20): pass.
        #expect(h.offer(takerSide: .buy, size: qty("5"), start: px("100.05"), end: px("100.20")) == nil)
        // Taker sell → we buy at no more than 100.00 × (1 − 0.0005 − 0.001) = 99.85; size cut to the taker's 0.5.
        let b = h.offer(takerSide: .sell, size: qty("0.5"), start: px("100.05"), end: px("99.50"))
        #expect(b == JITAnswer(worstPrice: px("99.85"), maxSize: qty("0.5"), latency: 0))
        #expect(h.strategy.auctionAnswers == 2)
        // Our answer fills (we sold 2 at 100.30): hedge by buying 2 on the reference.
        h.fillAuction(.sell, price: px("100.30"), size: qty("2"))
        #expect(h.last == [hedge(.buy, "2"), .setTimer(id: 1, at: ms(3_000))])
    }

    @Test("JIT auction with our maker fee 0.05% and the latency cushion; stale reference: pass")
    func auctionWithFees() {
        var h = harness(["orderSize": "2"])
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        // Sell: 100.10 × (1 + 0.0005 + 0.00005 + 0.001) / (1 − 0.0005) = 100.305307… → 100.31.
        #expect(h.offer(takerSide: .buy, size: qty("5"), start: px("100.05"), end: px("100.55"))
            == JITAnswer(worstPrice: px("100.31"), maxSize: qty("2"), latency: 0))
        // Buy: 100.00 × (1 − 0.00155) / 1.0005 = 99.795102… → 99.79.
        #expect(h.offer(takerSide: .sell, size: qty("5"), start: px("100.05"), end: px("99.50"))
            == JITAnswer(worstPrice: px("99.79"), maxSize: qty("2"), latency: 0))
        h.advance(to: ms(2_500))
        #expect(h.offer(takerSide: .buy, size: qty("5"), start: px("100.05"), end: px("100.55")) == nil)
        #expect(h.strategy.lastVerdict == .staleReference)
    }

    @Test("JIT auction size is cut by the unhedged cap")
    func auctionCap() {
        var h = harness(["orderSize": "2", "maxLegNotional": "150"])
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        // 150 / 100.31 = 1.4953… → 1.495.
        #expect(h.offer(takerSide: .buy, size: qty("5"), start: px("100.05"), end: px("100.55"))
            == JITAnswer(worstPrice: px("100.31"), maxSize: qty("1.495"), latency: 0))
    }

    @Test("position caps: maxPosition bounds the entries")
    func positionCap() {
        var h = harness(["orderSize": "2", "maxPosition": "3"])
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        h.feed(top("99.40", "99.50"))
        #expect(h.last == [ioc(1, .buy, "99.79", "2")])
        h.fill(1)
        h.fillHedge(.sell, price: px("100.00"), size: qty("2"))
        h.feed(top("99.40", "99.50"))
        #expect(h.last == [ioc(2, .buy, "99.79", "1")])  // 3 − 2
        h.fill(2)
        h.fillHedge(.sell, price: px("100.00"), size: qty("1"))
        h.feed(top("99.40", "99.50"))
        #expect(h.last.isEmpty)
        #expect(h.strategy.lastVerdict == .positionCap)
        // Selling here is still allowed (it reduces): bid 100.40 ≥ 100.31, room 3 + 3 = 6, orderSize 2.
        h.feed(top("100.40", "100.50"))
        #expect(h.last == [ioc(3, .sell, "100.31", "2")])
    }
}

@Suite("basis")
struct BasisTests {
    @Test("enter short perp / long spot above minEdge + costs, exit at exitEdge")
    func enterAndExit() {
        var h = harness(["mode": "basis", "orderSize": "1", "latencyBuffer": "0", "exitEdge": "0.0005"], oracle: "100.01")
        h.feed(ref("100.00", "100.02", 1_000), at: ms(1_000))
        // Entry: sell the perp at no less than 100.02 × (1 + 0.0005 + 0.001) / (1 − 0.0005) = 100.17003 / 0.9995
        // = 100.220140… → 100.23.
        h.feed(top("100.22", "100.25"))
        #expect(h.last.isEmpty)
        #expect(h.strategy.lastVerdict == .noEdge)
        h.feed(top("100.23", "100.25"))
        #expect(h.last == [ioc(1, .sell, "100.23", "1")])
        h.fill(1)
        #expect(h.last == [hedge(.buy, "1"), .setTimer(id: 1, at: ms(3_000))])  // buy spot
        h.fillHedge(.buy, price: px("100.02"), size: qty("1"))
        #expect(h.last.isEmpty)
        // Exit limit: 100.00 × (1 + 0.0005) = 100.05 (a bid, down to the tick). Ask 100.06: hold.
        h.feed(top("100.04", "100.06"))
        #expect(h.last.isEmpty)
        h.feed(top("100.04", "100.05"))
        #expect(h.last == [ioc(2, .buy, "100.05", "1", reduceOnly: true)])
        #expect(h.strategy.exits == 1)
        h.fill(2)
        #expect(h.last == [hedge(.sell, "1"), .setTimer(id: 1, at: ms(3_000))])  // sell spot
        h.fillHedge(.sell, price: px("100.00"), size: qty("1"))
        #expect(h.context.position == .zero && h.context.hedgePosition == .zero)
    }

    @Test("basis never goes long the perp, however cheap")
    func neverLong() {
        var h = harness(["mode": "basis", "orderSize": "1", "latencyBuffer": "0", "exitEdge": "0.0005"], oracle: "100.01")
        h.feed(ref("100.00", "100.02", 1_000), at: ms(1_000))
        h.feed(top("98.90", "99.00"))
        #expect(h.log.isEmpty)
        #expect(h.strategy.lastVerdict == .noEdge)
    }
}

@Suite("funding")
struct FundingTests {
    // Reference 100.00/100.02, perp 99.99/100.01, cushion 0, fundingMaxCost 0.002, threshold 0.0001 = 100_000 at 1e9.
    // Short entry: sell at no less than 100.02 × (1 + 0.0005 − 0.002) / (1 − 0.0005) = 99.919929… → up: 99.92.
    // Buy (exit short / enter long): at no more than 100.00 × (1 − 0.0005 + 0.002) / (1 + 0.0005) = 100.099950… → 100.09.
    func start() -> H {
        var h = harness(["mode": "funding", "orderSize": "1", "maxPosition": "2", "latencyBuffer": "0"], oracle: "100.00")
        h.feed(ref("100.00", "100.02", 1_000), at: ms(1_000))
        h.feed(top("99.99", "100.01"))
        return h
    }

    func funding(_ rate: Int64) -> MarketData { .funding(rate: rate, mark: px("100.00"), oracle: px("100.00"), ms(1_000)) }

    @Test("positive funding above the threshold: short the perp, hedged; exit when it falls below the threshold")
    func enterAndFallBelow() {
        var h = start()
        #expect(h.log.isEmpty)  // rate 0
        h.feed(funding(100_000))  // exactly the threshold: not beyond it
        #expect(h.log.isEmpty)
        h.feed(funding(300_000))
        #expect(h.last == [ioc(1, .sell, "99.92", "1")])
        h.fill(1, price: px("99.99"))
        #expect(h.last == [hedge(.buy, "1"), .setTimer(id: 1, at: ms(3_000))])
        h.fillHedge(.buy, price: px("100.02"), size: qty("1"))
        h.feed(top("99.99", "100.01"))
        #expect(h.last == [ioc(2, .sell, "99.92", "1")])  // adds up to maxPosition 2
        h.fill(2, price: px("99.99"))
        h.fillHedge(.buy, price: px("100.02"), size: qty("1"))
        h.feed(top("99.99", "100.01"))
        #expect(h.last.isEmpty)
        #expect(h.strategy.lastVerdict == .positionCap)
        h.feed(funding(100_000))  // at the threshold: hold
        #expect(h.last.isEmpty)
        h.feed(funding(50_000))  // below: buy back, reduce-only
        #expect(h.last == [ioc(3, .buy, "100.09", "1", reduceOnly: true)])
        h.fill(3, price: px("100.01"))
        #expect(h.last == [hedge(.sell, "1"), .setTimer(id: 1, at: ms(3_000))])
    }

    @Test("funding flips: the short is closed, then the long side is held")
    func flip() {
        var h = start()
        h.feed(funding(300_000))
        #expect(h.last == [ioc(1, .sell, "99.92", "1")])
        h.fill(1, price: px("99.99"))
        h.fillHedge(.buy, price: px("100.02"), size: qty("1"))
        h.feed(funding(-300_000))
        #expect(h.last == [ioc(2, .buy, "100.09", "1", reduceOnly: true)])
        h.fill(2, price: px("100.01"))
        #expect(h.last == [hedge(.sell, "1"), .setTimer(id: 1, at: ms(3_000))])
        h.fillHedge(.sell, price: px("100.00"), size: qty("1"))
        h.feed(top("99.99", "100.01"))
        // Flat, rate −0.0003 < −0.0001: go long the perp (not reduce-only), hedged by a short on the reference.
        #expect(h.last == [ioc(3, .buy, "100.09", "1")])
        h.fill(3, price: px("100.01"))
        #expect(h.last == [hedge(.sell, "1"), .setTimer(id: 1, at: ms(3_000))])
        #expect(h.strategy.entries == 2 && h.strategy.exits == 1)
    }

    @Test("an entry costing more than fundingMaxCost is refused")
    func entryCost() {
        var h = harness(["mode": "funding", "orderSize": "1", "maxPosition": "2", "latencyBuffer": "0"], oracle: "100.00")
        h.feed(ref("100.00", "100.02", 1_000), at: ms(1_000))
        h.feed(funding(300_000))
        h.feed(top("99.91", "99.95"))  // bid 99.91 < 99.92
        #expect(h.log.isEmpty)
        #expect(h.strategy.lastVerdict == .noEdge)
    }
}

@Suite("parameters")
struct ParameterTests {
    let d = Arbitrage.descriptor

    func error(_ inputs: [(key: String, value: ParameterInput)]) -> String? {
        if case .failure(let e) = d.parameters(inputs) { return e.description }
        return nil
    }

    @Test("defaults.json names the strategy and holds every default")
    func defaultsFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("strategies/arbitrage/defaults.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["strategy"] as? String == "arbitrage")
        let params = try #require(json["parameters"] as? [String: Any])
        #expect(Set(params.keys) == Set(d.parameters.map(\.name)))
        for spec in d.parameters {
            let v = params[spec.name]
            let text: String? = switch v {
            case let s as String: s
            case let n as NSNumber: n.stringValue  // integers (this strategy has no boolean parameter)
            default: nil
            }
            #expect(text == spec.text(spec.defaultValue), "\(spec.name)")
        }
    }

    @Test("every parameter has a unit or is a choice, and a doc line")
    func declared() {
        #expect(d.name == "arbitrage")
        #expect(d.parameters.count == 14)
        for p in d.parameters {
            #expect(!p.doc.isEmpty)
            if case .choice = p.kind {} else { #expect(!p.unit.isEmpty, "\(p.name)") }
        }
        #expect(d.parameters.filter { !$0.live }.map(\.name) == ["mode"])
    }

    @Test("out of range names the key and the range")
    func outOfRange() {
        let e = error([("minEdge", .number("0.5"))])
        #expect(e == "parameter 'minEdge': 0.5 is out of range; expected 0...0.1 (fraction)")
        let f = error([("maxUnhedgedMs", .number("0"))])
        #expect(f == "parameter 'maxUnhedgedMs': 0 is out of range; expected 1...3600000 (ms)")
        let g = error([("mode", .string("triangular"))])
        #expect(g == "parameter 'mode': \"triangular\" is out of range; expected cross-venue|basis|funding")
    }

    @Test("wrong type names the key and the type")
    func wrongType() {
        #expect(error([("orderSize", .string("lots"))]) == "parameter 'orderSize': \"lots\" is not a decimal")
        #expect(error([("hedgeLatencyMs", .number("1.5"))]) == "parameter 'hedgeLatencyMs': 1.5 is not an integer")
        #expect(error([("mode", .bool(true))]) == "parameter 'mode': true is not one of cross-venue|basis|funding")
    }

    @Test("unknown key")
    func unknownKey() {
        let e = error([("minedge", .number("0.001"))])
        #expect(e?.hasPrefix("unknown parameter 'minedge'; expected one of mode, minEdge, exitEdge") == true)
    }

    @Test("cross-parameter checks name both keys")
    func crossChecks() {
        #expect(error([("mode", .string("basis")), ("minEdge", .number("0.001")), ("exitEdge", .number("0.001"))])
            == "exitEdge (0.001) must be below minEdge (0.001) in basis mode: the position is bought back when the premium falls to exitEdge")
        // cross-venue ignores exitEdge: accepted.
        #expect(error([("minEdge", .number("0.001")), ("exitEdge", .number("0.002"))]) == nil)
        #expect(error([("orderSize", .number("11"))]) == "orderSize (11) must not exceed maxPosition (10)")
    }

    @Test("live update: mode is not live; minEdge is, and takes effect")
    func liveUpdate() {
        var h = harness(["orderSize": "2"])
        #expect(h.update(["mode": "basis"]) == .notLive(key: "mode"))
        // (The harness validates an update over the defaults, so orderSize is restated.)
        #expect(h.update(["minEdge": "0.005", "orderSize": "2"]) == nil)
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        // Buy limit = 100.00 × (1 − 0.0005 − 0.00005 − 0.005) / 1.0005 = 99.445 / 1.0005 = 99.395302… → 99.39.
        h.feed(top("99.00", "99.40"))
        #expect(h.last.isEmpty)
        h.feed(top("99.00", "99.39"))
        #expect(h.last == [ioc(1, .buy, "99.39", "2")])
    }
}

@Suite("robustness")
struct RobustnessTests {
    @Test("one order at a time: while the IOC is open nothing else is placed")
    func oneOrderAtATime() {
        var h = harness(["orderSize": "2"])
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        h.feed(top("99.40", "99.50"))
        #expect(h.last == [ioc(1, .buy, "99.79", "2")])
        h.feed(top("99.40", "99.50"))
        #expect(h.last.isEmpty)
        #expect(h.strategy.lastVerdict == .orderOpen)
    }

    @Test("resuming with an unhedged position hedges it at start")
    func resumeHedges() {
        var c = StrategyContext(time: ms(5_000), market: market)
        c.position = qty("3")
        c.hedgePosition = qty("-1")
        var s = Arbitrage(parameters: Arbitrage.descriptor.defaults, market: market)
        var out = Intents()
        s.start(c, &out)
        // 3 − 1 = 2 long unhedged: sell 2 on the reference; timer at 5000 + 2000.
        #expect(Array(out.items) == [hedge(.sell, "2"), .setTimer(id: 1, at: ms(7_000))])
        #expect(s.pendingHedge == qty("-2"))
    }

    @Test("absurd inputs never trap and never trade")
    func absurdInputs() {
        var h = harness(["orderSize": "2"])
        h.feed(.reference(ReferenceQuote(bid: Price(raw: Int64.max - 1), ask: Price(raw: Int64.max), time: ms(1_000))), at: ms(1_000))
        h.feed(top("99.40", "99.50"))
        #expect(h.strategy.lastVerdict == .badReference)
        h.feed(.reference(ReferenceQuote(bid: .zero, ask: px("100.10"), time: ms(1_000))))
        #expect(h.strategy.lastVerdict == .badReference)
        h.feed(.reference(ReferenceQuote(bid: Price(raw: -5), ask: Price(raw: -1), time: ms(1_000))))
        #expect(h.strategy.lastVerdict == .badReference)
        h.feed(.reference(ReferenceQuote(bid: px("100.00"), ask: px("100.10"), time: Timestamp(milliseconds: Int64.min))))
        #expect(h.strategy.lastVerdict == .staleReference)
        h.feed(.top(BookTop()))  // empty book
        h.feed(ref("100.00", "100.10", 1_000))
        #expect(h.strategy.lastVerdict == .noEdge)
        h.feed(.funding(rate: Int64.min, mark: .zero, oracle: .zero, ms(1_000)))
        #expect(h.log.isEmpty)
        #expect(h.offer(takerSide: .buy, size: qty("5"), start: .zero, end: .zero) == nil)
        // A huge position and hedge (beyond any bound) only change the reported figures.
        h.context.position = Quantity(raw: Int64.max)
        h.context.hedgePosition = Quantity(raw: Int64.max)
        h.feed(top("99.40", "99.50"))
        #expect(h.strategy.unhedgedBase == Quantity(raw: Int64.max))
        // Int64.max × 100.05 / 1e9, rounded up: 9223372036854775807 × 100050000 / 1e9 = 922798372287320319.49… → …320.
        #expect(h.strategy.unhedgedNotional == Amount(raw: 922_798_372_287_320_320))
        #expect(h.strategy.lastVerdict == .unhedgedCap)
    }

    @Test("fees of 100% or more leave no price: nothing is quoted")
    func absurdFees() {
        let m = MarketInfo(tick: px("0.01"), step: qty("0.001"), minSize: qty("0.001"), makerFee: Ppm(raw: 1_000_000),
                           takerFee: Ppm(raw: 1_000_000))
        var h = harness(["orderSize": "2"], market: m)
        h.feed(ref("100.00", "100.10", 1_000), at: ms(1_000))
        h.feed(top("200.00", "200.10"))  // would be a sale here at any finite fee
        #expect(h.log.isEmpty)
        #expect(h.offer(takerSide: .buy, size: qty("5"), start: px("100.05"), end: px("1000")) == nil)
    }
}
