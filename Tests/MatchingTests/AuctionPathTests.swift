@testable import Matching
import MarketCore
import Testing

/// The auction path filled step by step without a division per interpolation (`PricePath.fill`)
/// equals the definition (`PricePath.price(at:)`: linear, rounded toward the end, snapped onto the
/// tick toward the end, never past the end) at every step, for paths drawn at random.
@Suite struct AuctionPathTests {
    @Test func fillEqualsTheDefinitionAtEveryStep() {
        var rng = SplitMix64(seed: 0xA0C7_10)
        var checked = 0
        for _ in 0..<20_000 {
            let tick = [Int64(1), 7, 10, 1_000, 10_000, 123_457][Int(rng.next() % 6)]
            let steps = Int32(1 + rng.next() % 70)
            let side: Side = rng.next() & 1 == 0 ? .buy : .sell
            // Start and end on the tick (as `auctionPath` makes them), start no worse for the taker.
            let a = Int64(rng.next() % 2_000_000) * tick
            let b = Int64(rng.next() % 2_000_000) * tick
            let (start, end) = side == .buy ? (Swift.min(a, b), Swift.max(a, b)) : (Swift.max(a, b), Swift.min(a, b))
            let path = PricePath(start: start, end: end, steps: steps, side: side, tick: tick)
            var out = [Int64](repeating: -7, count: Int(steps) + 1)
            out.withUnsafeMutableBufferPointer { path.fill($0) }
            for s in 0...Int(steps) {
                #expect(out[s] == path.price(at: Int32(s)), "step \(s) of \(path)")
                checked += 1
            }
        }
        #expect(checked > 20_000)
    }

    /// Starts off the tick (a limit inside the oracle): the definition still holds step by step.
    @Test func offTickStartsAndHandWorkedPath() {
        // Buyer from 100 to 131 over 4 steps, tick 10: raw 100, 107.75→108, 115.5→116, 123.25→124,
        // then the end 131; snapped up onto the tick and capped at the end: 100, 110, 120, 130, 131.
        let path = PricePath(start: 100, end: 131, steps: 4, side: .buy, tick: 10)
        var out = [Int64](repeating: 0, count: 5)
        out.withUnsafeMutableBufferPointer { path.fill($0) }
        #expect(out == [100, 110, 120, 130, 131])
        // Seller from 131 to 100: raw 131, 123.25→123, 115.5→115, 107.75→107, end 100;
        // snapped down: 130, 120, 110, 100, 100.
        let sell = PricePath(start: 131, end: 100, steps: 4, side: .sell, tick: 10)
        out.withUnsafeMutableBufferPointer { sell.fill($0) }
        #expect(out == [130, 120, 110, 100, 100])
        var rng = SplitMix64(seed: 77)
        for _ in 0..<5_000 {
            let tick = Int64(1 + rng.next() % 50)
            let steps = Int32(1 + rng.next() % 20)
            let a = Int64(rng.next() % 100_000), b = Int64(rng.next() % 100_000)
            let side: Side = rng.next() & 1 == 0 ? .buy : .sell
            let (start, end) = side == .buy ? (Swift.min(a, b), Swift.max(a, b)) : (Swift.max(a, b), Swift.min(a, b))
            let p = PricePath(start: start, end: end, steps: steps, side: side, tick: tick)
            var o = [Int64](repeating: -1, count: Int(steps) + 1)
            o.withUnsafeMutableBufferPointer { p.fill($0) }
            #expect(o == (0...Int(steps)).map { p.price(at: Int32($0)) })
        }
    }
}

/// The engine's path lookups (`beginPath`, `stepPrice`, `firstStep`) agree with a plain scan of
/// the definition for short auctions (all steps stored at once) and long ones (steps computed on
/// demand, then a binary search), with the lookups interleaved so the memo is exercised.
@Suite struct AuctionPathLookupTests {
    @Test func lookupsAgreeWithAScanOfTheDefinition() {
        var rng = SplitMix64(seed: 0x9A7A)
        var found = 0, checked = 0
        for duration: Int32 in [1, 10, 64, 65, 200, 1_000] {
            var c = MarketConfig()
            c.auction = AuctionConfig(duration: duration)
            var engine = MatchingEngine(config: c)
            var events = EventBuffer()
            let tick = c.tick.raw
            var last: (oracle: Int64, side: Side, limit: Int64)? = nil
            for round in 0..<40 {
                // Every third round asks for the previous round's path again: the memo is kept
                // (`beginPath` reuses it for the same path), with the entries computed on demand so far.
                let again = round % 3 == 2 ? last : nil
                let oracle = again?.oracle ?? tick * Int64(100_000 + rng.next() % 900_000)
                engine.updateOracle(price: Price(raw: oracle), confidence: Price(raw: oracle / 10_000),
                                    at: Timestamp(milliseconds: Int64(round)), events: &events)
                let side: Side = again?.side ?? (rng.next() & 1 == 0 ? .buy : .sell)
                let away = Int64(rng.next() % 50_000) * tick + Int64(rng.next() % UInt64(tick))  // limits off the tick too
                let limit = again?.limit ?? (side == .buy ? oracle + away : Swift.max(oracle - away, 0))
                last = (oracle, side, limit)
                let before = side == .buy ? engine.memoPaths.buy : engine.memoPaths.sell
                let path = engine.beginPath(side: side, limit: limit)
                if again != nil { #expect(before == path, "the repeated round's path is the memoised one") }
                #expect(path.steps == duration)
                let reference = (0...Int(duration)).map { path.price(at: Int32($0)) }
                for _ in 0..<30 {
                    if rng.next() & 1 == 0 {
                        let s = Int32(rng.next() % UInt64(duration + 1))
                        #expect(engine.stepPrice(path, s) == reference[Int(s)])
                    }
                    let from = Int32(rng.next() % UInt64(duration + 2))  // one past the end too
                    let lo = Swift.min(path.start, path.end), hi = Swift.max(path.start, path.end)
                    let level = lo - tick + Int64(rng.next() % UInt64(hi - lo + 2 * tick + 1))
                    var expected: Int32? = nil
                    if from <= duration {
                        expected = (Int(from)...Int(duration)).first { path.accepts(reference[$0], level) }.map(Int32.init)
                    }
                    let got = engine.firstStep(path, from: from, accepting: level)
                    #expect(got == expected, "duration \(duration) from \(from) level \(level) path \(path)")
                    if expected != nil { found += 1 }
                    checked += 1
                }
            }
        }
        #expect(checked == 6 * 40 * 30)
        #expect(found > checked / 4)  // most lookups find a step: not only the nil case is exercised
    }
}

/// Keeping each side's path memo from one order to the next (when the next order's path is the same)
/// changes nothing: an engine that forgets its memo before every order writes exactly the same
/// events over random streams of oracle moves, takers of both sides and sizes, market and limit
/// orders, fill-or-kill checks (which rank quotes on the path first) and resting makers.
@Suite struct PathMemoReuseTests {
    @Test func forgettingTheMemoChangesNoEvent() {
        for duration: Int32 in [3, 10, 100] {
            var c = MarketConfig()
            c.auction = AuctionConfig(duration: duration)
            c.amm = AMMConfig(sqrtK: Quantity(raw: 1_000_000_000_000))
            var kept = MatchingEngine(config: c)
            var fresh = kept
            var providers = FixedEdgeProviders((0..<3).map { i in
                FixedEdgeProvider(id: ProviderId(UInt32(i)), account: AccountId(UInt32(10 + i)), edge: Ppm(raw: 300 + 400 * Int64(i)),
                                  maxSize: Quantity(raw: 5_000_000), latency: Int32(i))
            })
            var providersFresh = providers
            var rng = SplitMix64(seed: 0x3E30 &+ UInt64(duration))
            var oracle: Int64 = 100_000_000
            var id: UInt32 = 0
            var reused = 0, fills = 0
            for step in 0..<3_000 {
                var a = EventBuffer(), b = EventBuffer()
                let ts = Timestamp(milliseconds: Int64(step))
                if rng.next() % 20 == 0 {
                    oracle += (Int64(rng.next() % 5) - 2) * 10_000
                    kept.updateOracle(price: Price(raw: oracle), confidence: Price(raw: 10_000), at: ts, events: &a)
                    fresh.updateOracle(price: Price(raw: oracle), confidence: Price(raw: 10_000), at: ts, events: &b)
                }
                id += 1
                let side: Side = rng.next() & 1 == 0 ? .buy : .sell
                let size = Quantity(raw: Int64(1 + rng.next() % 8) * 1_000_000)
                let r: OrderRequest
                switch rng.next() % 4 {
                case 0:  // a resting maker a few ticks away
                    let off = Int64(1 + rng.next() % 6) * 10_000
                    r = OrderRequest(id: OrderId(id), account: AccountId(20 + UInt32(rng.next() % 2)), side: side,
                                     price: Price(raw: side == .buy ? oracle - off : oracle + off), size: size)
                case 1:  // a crossing limit order (its own limit: another path end)
                    let off = Int64(rng.next() % 4) * 10_000
                    r = OrderRequest(id: OrderId(id), account: AccountId(UInt32(rng.next() % 4)), side: side,
                                     price: Price(raw: side == .buy ? oracle + off : oracle - off), size: size, tif: .ioc)
                default:  // a market taker, sometimes fill-or-kill
                    r = OrderRequest(id: OrderId(id), account: AccountId(UInt32(rng.next() % 4)), side: side, type: .market,
                                     price: .zero, size: size, tif: rng.next() % 3 == 0 ? .fok : .ioc)
                }
                let before = kept.memoPaths
                fresh.memoPaths = (nil, nil)
                kept.place(r, at: ts, providers: &providers, events: &a)
                if r.type == .market, let b = side == .buy ? before.buy : before.sell,
                   b == (side == .buy ? kept.memoPaths.buy : kept.memoPaths.sell) { reused += 1 }  // a taker on a kept path
                fresh.place(r, at: ts, providers: &providersFresh, events: &b)
                let ea = (0..<a.count).map { a[$0] }, eb = (0..<b.count).map { b[$0] }
                #expect(ea == eb, "duration \(duration), command \(step)")
                fills += ea.filter { if case .fill = $0 { return true } else { return false } }.count
                if ea != eb { return }
            }
            #expect(reused > 500)
            #expect(fills > 1_000)  // the auctions traded: the memo's prices were used
        }
    }
}
