import MarketCore
import Matching
import Testing

/// What a host reads from the venue: events tagged with their market and numbered by the venue,
/// a per-account cursor over them, times that may not go backwards, and the typed API.
struct VenueEventTests {
    /// Two plain markets; accounts 1 and 2 funded with 10,000 USDC; a valid oracle at 100 in both.
    func twoMarkets() -> PerpVenue {
        var v = PV.venue([PV.plainSpec(), PV.plainSpec()])
        var ev = EventBuffer()
        #expect(v.deposit(PV.a(1), amount: Amount("10000")!, at: T.ts(0), events: &ev) == nil)
        #expect(v.deposit(PV.a(2), amount: Amount("10000")!, at: T.ts(0), events: &ev) == nil)
        PV.oracle(&v, "100", market: 0, at: 0, events: &ev)
        PV.oracle(&v, "100", market: 1, at: 0, events: &ev)
        return v
    }

    @Test func everyEventCarriesItsMarket() {
        var v = twoMarkets()
        var ev = EventBuffer()
        // The same order ids and prices in both markets: only the tag tells them apart.
        v.place(market: 1, T.limit(1, 1, .sell, "100", "1"), at: T.ts(1), events: &ev)
        v.place(market: 1, T.limit(2, 2, .buy, "100", "1"), at: T.ts(1), events: &ev)
        v.place(market: 0, T.limit(1, 1, .sell, "101", "1"), at: T.ts(2), events: &ev)
        #expect(v.deposit(PV.a(3), amount: Amount("5")!, at: T.ts(2), events: &ev) == nil)
        // accepted 1, accepted 2, fill (market 1); accepted 1 (market 0); collateral (venue-wide).
        #expect(ev.count == 5)
        #expect((0..<3).allSatisfy { ev.tag(at: $0).market == 1 })
        #expect(ev.tag(at: 3).market == 0)
        #expect(ev.tag(at: 4).market == EventBuffer.venueWide)
        guard case .fill(let f) = ev[2] else { Issue.record("expected a fill, got \(ev[2])"); return }
        #expect(f.price == T.p("100") && f.size == T.q("1"))
    }

    @Test func sequenceNumbersRunWithoutGapsAcrossBuffers() {
        var v = twoMarkets()
        // twoMarkets wrote two collateral events (the valid oracles write none): 1 and 2.
        #expect(v.sequence == 3)
        var a = EventBuffer(), b = EventBuffer()
        v.place(market: 0, T.limit(1, 1, .sell, "100", "1"), at: T.ts(1), events: &a)   // 3
        v.place(market: 0, T.limit(2, 2, .buy, "100", "2"), at: T.ts(1), events: &b)    // 4 accepted, 5 fill
        v.cancel(market: 0, OrderId(2), at: T.ts(2), events: &a)                         // 6 cancelled
        a.removeAll(keepingCapacity: true)
        v.place(market: 1, T.limit(3, 1, .buy, "90", "1"), at: T.ts(3), events: &a)     // 7
        #expect(b.count == 2 && a.count == 1)
        #expect(b.tag(at: 0).sequence == 4 && b.tag(at: 1).sequence == 5)
        #expect(a.tag(at: 0).sequence == 7)
        #expect(v.sequence == 8)
    }

    @Test func accountCursorYieldsTakerMakerAndProviderFills() {
        var spec = PV.plainSpec()
        spec.matching.auction = AuctionConfig(duration: 2, endOffset: Ppm(raw: 10_000))
        var v = PV.venue([spec])
        var ev = EventBuffer()
        for a: UInt32 in 1...3 { #expect(v.deposit(PV.a(a), amount: Amount("10000")!, at: T.ts(0), events: &ev) == nil) }
        PV.oracle(&v, "100", at: 0, events: &ev)
        #expect(v.registerProvider(ProviderId(7), account: PV.a(3)) == nil)
        // Account 2 rests 1 at 100.50; provider 7 (account 3) quotes 0.5 at any price up to 100.30.
        v.place(market: 0, T.limit(1, 2, .sell, "100.5", "1"), at: T.ts(1), events: &ev)
        var providers = [FixedEdgeProvider(id: ProviderId(7), account: PV.a(3), edge: Ppm(raw: 3_000), maxSize: T.q("0.5"), latency: 0)]
        ev.removeAll()
        // Account 1 buys 1.5 at market: the auction runs 100 → 101 in two steps; the provider fills
        // at the first step whose price reaches its 100.30 (101.00 at step 1), then the book.
        v.place(market: 0, OrderRequest(id: OrderId(2), account: PV.a(1), side: .buy, type: .market, price: T.p("101"),
                                        size: T.q("1.5"), tif: .ioc), at: T.ts(2), providers: &providers, events: &ev)
        let fills = ev.compactMap { e -> Fill? in if case .fill(let f) = e { return f } else { return nil } }
        #expect(fills.count == 2)
        let mine = ev.events(of: PV.a(1)).map(\.index)
        let maker = ev.events(of: PV.a(2)).map(\.index)
        let provider = ev.events(of: PV.a(3)).map(\.index)
        // Account 1 sees its accepted order and both fills; 2 its book fill; 3 its provider fill.
        let fillIdx = ev.indices.filter { if case .fill = ev[$0] { return true } else { return false } }
        #expect(mine == [ev.indices.first { if case .accepted = ev[$0] { return true } else { return false } }!] + fillIdx)
        #expect(maker.count == 1 && provider.count == 1)
        #expect(Set(maker + provider) == Set(fillIdx))
        for i in provider { if case .fill(let f) = ev[i] { #expect(f.maker == .provider(ProviderId(7), PV.a(3))) } }
        // From an index on: nothing before it.
        #expect(ev.events(of: PV.a(1), from: fillIdx[1]).map(\.index) == [fillIdx[1]])
    }

    @Test func aTimeBeforeTheVenuesIsRefused() {
        var v = twoMarkets()
        var ev = EventBuffer()
        v.place(market: 0, T.limit(1, 1, .sell, "100", "1"), at: T.ts(5_000), events: &ev)
        ev.removeAll()
        let seq = v.sequence
        // An order, a cancel, an amend: rejected `time_went_backwards`, nothing else happens.
        v.place(market: 0, T.limit(2, 2, .buy, "100", "1"), at: T.ts(4_999), events: &ev)
        v.cancel(market: 0, OrderId(1), at: T.ts(1), events: &ev)
        v.amend(market: 0, OrderId(1), price: T.p("99"), size: nil, at: T.ts(1), events: &ev)
        #expect(Array(ev) == [.rejected(OrderId(2), .timeWentBackwards, T.ts(5_000)),
                              .rejected(OrderId(1), .timeWentBackwards, T.ts(5_000)),
                              .rejected(OrderId(1), .timeWentBackwards, T.ts(5_000))])
        #expect(v.orders(of: PV.a(1), market: 0).count == 1)
        ev.removeAll()
        // Collateral and keepers: an error naming the venue's time.
        #expect(v.deposit(PV.a(1), amount: Amount("1")!, at: T.ts(10), events: &ev) == .timeWentBackwards(now: T.ts(5_000)))
        #expect(v.withdraw(PV.a(1), amount: Amount("1")!, at: T.ts(10), events: &ev) == .timeWentBackwards(now: T.ts(5_000)))
        if case .failure(let e) = v.registerKeeper(account: PV.a(1), stake: Amount("100")!, at: T.ts(10), events: &ev) {
            #expect(e == .timeWentBackwards(now: T.ts(5_000)))
        } else { Issue.record("a keeper registered in the past") }
        #expect(v.balance(PV.a(1)) == Amount("10000")!)
        // An oracle update from the past is reported and not recorded.
        #expect(v.updateOracle(market: 0, price: T.p("50"), confidence: .zero, at: T.ts(10), events: &ev) == false)
        #expect(Array(ev) == [.oracle(price: T.p("50"), status: .outOfOrder, T.ts(5_000))])
        #expect(v.markets[0].oracle.lastValidPrice == T.p("100").raw)
        // advance, pause, breaker: refused, return false.
        #expect(v.advance(to: T.ts(10), events: &ev) == false)
        #expect(v.setPaused(true, market: nil, at: T.ts(10), events: &ev) == false)
        #expect(v.setManualBreaker(true, market: 0, at: T.ts(10), events: &ev) == false)
        #expect(!v.markets[0].paused && !v.markets[0].breakers.isTripped)
        #expect(v.time == T.ts(5_000))
        // The refusals are numbered like any event (one `out_of_order` oracle event since the three rejections).
        #expect(v.sequence == seq + 4)
    }

    @Test func theEngineAloneRefusesAPastTimeToo() {
        var e = MatchingEngine(config: MarketConfig.plainBook(tick: T.p("0.01"), step: T.q("0.001")))
        var ev = EventBuffer()
        e.place(T.limit(1, 1, .sell, "100", "1"), at: T.ts(100), events: &ev)
        ev.removeAll()
        e.place(T.limit(2, 2, .buy, "100", "1"), at: T.ts(99), events: &ev)
        #expect(Array(ev) == [.rejected(OrderId(2), .timeWentBackwards, T.ts(100))])
        #expect(e.book.count == 1)
    }

    @Test func typedMoneyAndPosition() {
        var v = PV.venue([PV.plainSpec(fees: PV.fees(taker: 1_000))], assets: [CollateralAsset(name: "SOL", initialWeight: Ppm(raw: 800_000), maintenanceWeight: Ppm(raw: 900_000))])
        var ev = EventBuffer()
        #expect(v.deposit(PV.a(1), amount: Amount("1000")!, at: T.ts(0), events: &ev) == nil)
        #expect(v.deposit(PV.a(2), amount: Amount("1000")!, at: T.ts(0), events: &ev) == nil)
        #expect(v.deposit(PV.a(1), asset: 1, units: Quantity("2.5")!, at: T.ts(0), events: &ev) == nil)
        // Asset 0 is USDC: only through the Amount form.
        #expect(v.deposit(PV.a(1), asset: 0, units: Quantity("1")!, at: T.ts(0), events: &ev) == .unknownAsset)
        #expect(v.balance(PV.a(1)) == Amount("1000")!)
        #expect(v.collateral(PV.a(1), asset: 1) == Quantity("2.5")!)
        #expect(v.netDeposits == Amount("2000")!)
        #expect(v.updateAssetPrice(asset: 1, price: T.p("100"), at: T.ts(0), events: &ev) == nil)
        #expect(v.assetPrice(1) == T.p("100"))
        PV.oracle(&v, "100", at: 0, events: &ev)
        // Account 1 buys 3 at 100 then 1 at 104 from account 2: entry (300 + 104) / 4 = 101.
        v.place(market: 0, T.limit(1, 2, .sell, "100", "3"), at: T.ts(1), events: &ev)
        v.place(market: 0, T.limit(2, 1, .buy, "100", "3"), at: T.ts(1), events: &ev)
        v.place(market: 0, T.limit(3, 2, .sell, "104", "1"), at: T.ts(1), events: &ev)
        v.place(market: 0, T.limit(4, 1, .buy, "104", "1"), at: T.ts(1), events: &ev)
        let p = v.position(PV.a(1), market: 0)
        #expect(p.base == Quantity("4")!)
        #expect(p.entryPrice == Price("101")!)
        // At the oracle 100: 4 × 100 − 404 = −4.
        #expect(p.unrealizedPnl == Amount("-4")!)
        // Taker fees 0.1% of 300 and of 104: 0.30 + 0.104.
        #expect(p.fees == Amount("0.404")!)
        #expect(p.volume == Amount("404")!)
        // Margin in Amount: equity 1000 − 0.404 − 4 + 2.5 × 100 × 0.8 = 1195.596; requirement 10% of 400.
        let m = v.margin(PV.a(1))
        #expect(m.initialEquity == Amount("1195.596")!)
        #expect(m.initialRequirement == Amount("40")!)
        #expect(m.freeCollateral == Amount("1155.596")!)
    }
}
