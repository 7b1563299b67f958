import MarketCore
import Matching
import Testing

/// Helpers for the perpetual-venue tests (`PerpVenue`): market specs, funded accounts, event filters.
/// Units: price 1e6, base 1e9, quote 1e6, ppm 1e6 = 100%, funding rate 1e9 = 100%.
enum PV {
    static func a(_ raw: UInt32) -> AccountId { AccountId(raw) }
    static func ppm(_ raw: Int64) -> Ppm { Ppm(raw: raw) }
    /// Whole USDC to quote raw.
    static func usd(_ s: String) -> Int64 { Amount(s)!.raw }

    /// A plain book (0.01 tick, 0.001 step, no auction/AMM/breaker) with the given fees and funding period.
    /// The funding impact notional is one raw unit, so the funding mark is the plain top-of-book mid
    /// (or the last trade) that the hand computations use; `HardeningTests` covers the real default.
    static func plainSpec(fees: FeeSchedule = .free, risk: RiskConfig = RiskConfig(),
                          funding: FundingConfig = FundingConfig(impactNotional: Amount(raw: 1))) -> MarketSpec {
        var m = MarketConfig.plainBook(tick: T.p("0.01"), step: T.q("0.001"))
        m.fees = fees
        m.funding = funding
        return MarketSpec(matching: m, risk: risk)
    }

    /// A fee schedule with one tier.
    static func fees(taker: Int64, maker: Int64 = 0, insuranceShare: Int64 = 100_000) -> FeeSchedule {
        FeeSchedule(tiers: [FeeTier(taker: Ppm(raw: taker), maker: Ppm(raw: maker))], insuranceShare: Ppm(raw: insuranceShare))
    }

    static func venue(_ specs: [MarketSpec] = [plainSpec()], assets: [CollateralAsset] = [],
                      keepers: KeeperConfig = KeeperConfig(), seed: UInt64 = 1) -> PerpVenue {
        PerpVenue(markets: specs, assets: assets, keepers: keepers, seed: seed)
    }

    static func deposit(_ v: inout PerpVenue, _ account: UInt32, _ amount: String, asset: Int = 0, at t: Int64 = 0,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        var ev = EventBuffer()
        let e = asset == 0 ? v.deposit(AccountId(account), amount: Amount(amount)!, at: T.ts(t), events: &ev)
                           : v.deposit(AccountId(account), asset: asset, units: Quantity(amount)!, at: T.ts(t), events: &ev)
        #expect(e == nil, "deposit refused: \(String(describing: e))", sourceLocation: sourceLocation)
    }

    static func oracle(_ v: inout PerpVenue, _ price: String, market: Int = 0, at t: Int64, events: inout EventBuffer) {
        v.updateOracle(market: market, price: T.p(price), confidence: .zero, at: T.ts(t), events: &events)
    }

    /// `maker` rests a sell (for a long `taker`) at `price`, then `taker` buys it with a limit: taker ends long `size`.
    /// Returns the events of the taker's order.
    @discardableResult
    static func openLong(_ v: inout PerpVenue, taker: UInt32, maker: UInt32, _ size: String, at price: String,
                         ids: (UInt32, UInt32), t: Int64 = 0) -> EventBuffer {
        var ev = EventBuffer()
        v.place(market: 0, T.limit(ids.0, maker, .sell, price, size), at: T.ts(t), events: &ev)
        ev.removeAll()
        v.place(market: 0, T.limit(ids.1, taker, .buy, price, size), at: T.ts(t), events: &ev)
        return ev
    }

    /// Registers a keeper for `account` (which must hold the stake in USDC); returns its id.
    static func keeper(_ v: inout PerpVenue, _ account: UInt32, stake: String = "100", at t: Int64 = 0,
                       sourceLocation: SourceLocation = #_sourceLocation) -> UInt32 {
        var ev = EventBuffer()
        switch v.registerKeeper(account: AccountId(account), stake: Amount(raw: Amount(stake)!.raw), at: T.ts(t), events: &ev) {
        case .success(let id): return id
        case .failure(let e):
            Issue.record("keeper registration failed: \(e)", sourceLocation: sourceLocation)
            return 0
        }
    }

    static func liquidations(_ ev: EventBuffer) -> [LiquidationStep] {
        ev.compactMap { if case .liquidation(let s) = $0 { return s } else { return nil } }
    }

    static func keeperEvents(_ ev: EventBuffer) -> [KeeperEvent] {
        ev.compactMap { if case .keeper(let k) = $0 { return k } else { return nil } }
    }

    /// (keeper, job) of every `.done`, in order.
    static func done(_ ev: EventBuffer) -> [(UInt32, KeeperJobKind, Int64)] {
        keeperEvents(ev).compactMap { if case .done(let k, let j, let r, _) = $0 { return (k, j, r.raw) } else { return nil } }
    }

    static func bankruptcies(_ ev: EventBuffer) -> [(AccountId, Int64, Int64, Int64)] {
        ev.compactMap {
            // (account, bad debt, insurance + fee pool, socialised + unresolved)
            if case .bankruptcy(let b) = $0 {
                return (b.account, b.badDebt.raw, b.insurance.raw + b.feePool.raw, b.socialized.raw + b.unresolved.raw)
            } else { return nil }
        }
    }

    static func bankruptcyDetails(_ ev: EventBuffer) -> [Bankruptcy] {
        ev.compactMap { if case .bankruptcy(let b) = $0 { return b } else { return nil } }
    }

    static func fundingEvents(_ ev: EventBuffer) -> [(rate: Int64, index: Int64)] {
        ev.compactMap { if case .funding(let r, let i, _, _, _) = $0 { return (r, i) } else { return nil } }
    }

    static func triggerFired(_ ev: EventBuffer) -> [(OrderId, Int64)] {
        ev.compactMap { if case .triggerFired(let id, let p, _) = $0 { return (id, p.raw) } else { return nil } }
    }

    static func accepted(_ ev: EventBuffer) -> [OrderId] {
        ev.compactMap { if case .accepted(let id, _, _) = $0 { return id } else { return nil } }
    }

    /// Venue-wide conservation: quote only moves through deposits/withdrawals; base nets to zero per market.
    static func checkConservation(_ v: PerpVenue, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(v.quoteSupply.raw == v.netDeposits.raw, "quote supply \(v.quoteSupply.raw) != net deposits \(v.netDeposits.raw)",
                sourceLocation: sourceLocation)
        for m in v.markets.indices {
            #expect(v.markets[m].conservation.base == 0, "base not conserved in market \(m)", sourceLocation: sourceLocation)
        }
    }
}
