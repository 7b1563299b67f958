import MarketCore
import StrategyKit

/// Trades the gap between this venue (book, JIT auction) and another venue's quote (the
/// reference feed), and hedges every fill on the reference venue with ``Intent/hedge(side:size:latencyMs:fee:)``.
///
/// Three modes (parameter `mode`):
/// - `cross-venue`: buy here when our ask is at most the reference bid net of costs, sell here
///   when our bid is at least the reference ask plus costs; the hedge takes the opposite side there.
/// - `basis`: the reference is spot, this market the perp. Sell the perp (and buy spot) when the
///   perp's premium over spot covers `minEdge` plus costs; buy it back (and sell spot) once the
///   premium falls to `exitEdge`.
/// - `funding`: hold the side that receives funding (short the perp while the last rate is above
///   `fundingThreshold`, long while it is below −`fundingThreshold`), hedged on the reference; leave
///   when the rate flips or falls below the threshold. Entries and exits cost at most `fundingMaxCost`.
///
/// Costs are exact fixed-point fractions: this venue's fee (taker for orders, maker for auction
/// answers, read from ``MarketInfo``), the hedge fee, and a latency cushion
/// `latencyBuffer × hedgeLatencyMs / 1000` (rounded up) for the move the reference may make before
/// the hedge fills. The README gives the formulas, rounding and ties.
///
/// Unhedged exposure (`position + hedgePosition`) is capped at `maxLegNotional` for new orders and
/// at `maxUnhedgedMs` in time (then the leg is flattened here, reduce-only IOC), and reported through
/// the public read-only properties below.
public struct Arbitrage: Strategy {
    /// What the strategy trades.
    public enum Mode: UInt8, Sendable, Hashable, CustomStringConvertible {
        case crossVenue, basis, funding
        public var description: String { ["cross-venue", "basis", "funding"][Int(rawValue)] }
    }

    /// What the latest evaluation decided, for reports and tests (why it did or did not trade).
    public enum Verdict: UInt8, Sendable, Hashable, CustomStringConvertible {
        /// Nothing evaluated yet.
        case idle
        /// No valid oracle yet (the strategy acts only on ``StrategyContext/lastValidOracle``).
        case noOracle
        /// No reference quote yet.
        case noReference
        /// The reference quote is older than `maxReferenceAgeMs`.
        case staleReference
        /// The reference quote is unusable: a zero or crossed side, a price out of bounds, or a mid
        /// more than `maxReferenceDeviation` away from the oracle.
        case badReference
        /// One of the strategy's orders is still open (one order at a time).
        case orderOpen
        /// No side has enough edge (or the mode's rule does not allow a side now).
        case noEdge
        /// There is edge, but the unhedged cap (`maxLegNotional`) leaves less than the minimum size.
        case unhedgedCap
        /// There is edge, but the position caps leave less than the minimum size.
        case positionCap
        /// An order was placed.
        case placed
        /// An auction was answered.
        case answered
        /// A leg unhedged for `maxUnhedgedMs` was flattened.
        case flattened

        public var description: String {
            ["idle", "no_oracle", "no_reference", "stale_reference", "bad_reference", "order_open", "no_edge",
             "unhedged_cap", "position_cap", "placed", "answered", "flattened"][Int(rawValue)]
        }
    }

    public static let descriptor = StrategyDescriptor(
        name: "arbitrage",
        summary: "Trades the gap between this venue and a reference venue's quote (cross-venue, spot-perp basis or funding), "
            + "hedging every fill there, net of both fees and a hedge-latency cushion, with unhedged size and time capped.",
        parameters: [
            .choice("mode", ["cross-venue", "basis", "funding"], default: "cross-venue", live: false,
                    doc: "cross-venue: both ways against the reference; basis: short perp / long spot on a premium; funding: hold the side receiving funding"),
            .fraction("minEdge", default: "0.001", min: "0", max: "0.1", live: true,
                      doc: "Net profit per unit required after both fees and the latency cushion, as a fraction of the reference price"),
            .fixed("exitEdge", decimals: Ppm.decimals, default: "0", min: "-0.1", max: "0.1", unit: "fraction", live: true,
                   doc: "basis mode: buy the perp back once its premium over the spot bid is at most this"),
            .quantity("orderSize", default: "1", min: "0.000000001", max: "1000000", live: true,
                      doc: "Size of each order or auction answer (base), before the caps"),
            .quantity("maxPosition", default: "10", min: "0.000000001", max: "1000000", live: true,
                      doc: "Largest |position| on this venue (base); the risk gate's maxPosition applies too"),
            .fixed("maxLegNotional", decimals: Amount.decimals, default: "10000", min: "0", max: "1000000000", unit: "quote", live: true,
                   doc: "Cap on the unhedged notional (|position + hedge| at the oracle) plus the new order's notional"),
            .integer("maxUnhedgedMs", default: 2_000, min: 1, max: 3_600_000, unit: "ms", live: true,
                     doc: "A leg unhedged this long is flattened here (reduce-only IOC) and its late hedge written off"),
            .fraction("hedgeFee", default: "0.0005", min: "0", max: "0.01", live: true,
                      doc: "Fee of the hedge venue, as a fraction of the hedge notional"),
            .integer("hedgeLatencyMs", default: 50, min: 0, max: 60_000, unit: "ms", live: true,
                     doc: "Delay before the hedge fills on the reference venue (sent with each hedge)"),
            .fixed("latencyBuffer", decimals: Ppm.decimals, default: "0.001", min: "0", max: "0.1", unit: "fraction/s", live: true,
                   doc: "Cushion for the reference's move during the hedge latency: this fraction per second of hedgeLatencyMs"),
            .integer("maxReferenceAgeMs", default: 1_000, min: 0, max: 3_600_000, unit: "ms", live: true,
                     doc: "A reference quote older than this is ignored"),
            .fraction("maxReferenceDeviation", default: "0.05", min: "0.0001", max: "1", live: true,
                      doc: "A reference whose mid is further than this fraction from the oracle is ignored"),
            .fraction("fundingThreshold", default: "0.0001", min: "0", max: "0.01", live: true,
                      doc: "funding mode: |rate| per period beyond which the receiving side is held"),
            .fraction("fundingMaxCost", default: "0.002", min: "0", max: "0.05", live: true,
                      doc: "funding mode: most an entry or exit may cost (price gap, both fees, cushion) as a fraction of the reference"),
        ],
        check: { set in
            if set.choice("mode") == "basis" && set.raw("exitEdge") >= set.raw("minEdge") {
                return "exitEdge (\(formatFixed(set.raw("exitEdge"), Ppm.decimals))) must be below minEdge "
                    + "(\(formatFixed(set.raw("minEdge"), Ppm.decimals))) in basis mode: the position is bought back when the premium falls to exitEdge"
            }
            if set.raw("orderSize") > set.raw("maxPosition") {
                return "orderSize (\(formatFixed(set.raw("orderSize"), Quantity.decimals))) must not exceed maxPosition "
                    + "(\(formatFixed(set.raw("maxPosition"), Quantity.decimals)))"
            }
            return nil
        })

    // MARK: Reported state (read-only for the runtime and the backtester)

    /// Signed base not hedged: `position + hedgePosition` at the latest callback.
    public private(set) var unhedgedBase: Quantity = .zero
    /// `|unhedgedBase|` valued at the last valid oracle (the reference mid before the first), rounded up.
    public private(set) var unhedgedNotional: Amount = .zero
    /// The largest ``unhedgedNotional`` seen.
    public private(set) var maxUnhedgedNotionalSeen: Amount = .zero
    /// When the current unhedged stretch began (ms), nil while hedged.
    public private(set) var unhedgedSinceMs: Int64? = nil
    /// The longest unhedged stretch seen (ms), the current one included.
    public private(set) var longestUnhedgedMs: Int64 = 0
    /// Signed base sent to the reference venue and not yet filled there.
    public private(set) var pendingHedge: Quantity = .zero
    /// Hedge intents sent, hedge fills received, pending hedges written off by a flatten.
    public private(set) var hedgesSent = 0
    public private(set) var hedgeFills = 0
    public private(set) var hedgesWrittenOff = 0
    /// Orders placed that open or add (entries), that reduce (exits: basis and funding), and flattens.
    public private(set) var entries = 0
    public private(set) var exits = 0
    public private(set) var flattens = 0
    /// Auctions answered.
    public private(set) var auctionAnswers = 0
    /// Why the latest evaluation did or did not trade.
    public private(set) var lastVerdict: Verdict = .idle

    // MARK: Configuration

    public let mode: Mode
    let market: MarketInfo
    var minEdge: Int64 = 0            // ppm
    var exitEdge: Int64 = 0           // ppm, signed
    var orderSize: Quantity = .zero
    var maxPosition: Quantity = .zero
    var maxLegNotional: Amount = .zero
    var maxUnhedgedMs: Int64 = 0
    var hedgeFee: Ppm = .zero
    var hedgeLatencyMs: Int64 = 0
    var latencyBuffer: Int64 = 0      // ppm per second
    var maxReferenceAgeMs: Int64 = 0
    var maxReferenceDeviation: Int64 = 0  // ppm
    var fundingThreshold: Int64 = 0   // ppm per period
    var fundingMaxCost: Int64 = 0     // ppm

    // MARK: Working state
    var nextKey: UInt32 = 1
    /// The unhedged stretch began and its timer is not set yet (quote(for:) cannot emit intents).
    var timerDue = false
    static let unhedgedTimer: UInt32 = 1

    public init(parameters: ParameterSet, market: MarketInfo) {
        self.market = market
        switch parameters.choice("mode") {
        case "basis": mode = .basis
        case "funding": mode = .funding
        default: mode = .crossVenue
        }
        read(parameters)
    }

    mutating func read(_ p: ParameterSet) {
        minEdge = p.raw("minEdge")
        exitEdge = p.raw("exitEdge")
        orderSize = p.quantity("orderSize")
        maxPosition = p.quantity("maxPosition")
        maxLegNotional = Amount(raw: p.raw("maxLegNotional"))
        maxUnhedgedMs = p.integer("maxUnhedgedMs")
        hedgeFee = p.ppm("hedgeFee")
        hedgeLatencyMs = p.integer("hedgeLatencyMs")
        latencyBuffer = p.raw("latencyBuffer")
        maxReferenceAgeMs = p.integer("maxReferenceAgeMs")
        maxReferenceDeviation = p.raw("maxReferenceDeviation")
        fundingThreshold = p.raw("fundingThreshold")
        fundingMaxCost = p.raw("fundingMaxCost")
    }

    /// The latency cushion in ppm: `latencyBuffer × hedgeLatencyMs / 1000`, rounded up (more cost is safer).
    public var latencyCushion: Ppm { Ppm(raw: Self.mulDivSat(latencyBuffer, hedgeLatencyMs, 1_000, .up)) }

    // MARK: Callbacks

    public mutating func start(_ context: StrategyContext, _ out: inout Intents) {
        track(context)
        reconcile(context, &out)  // a resumed strategy hedges what it holds unhedged
        armTimer(&out)
    }

    public mutating func onMarketData(_ data: MarketData, _ context: StrategyContext, _ out: inout Intents) {
        track(context)
        armTimer(&out)
        evaluate(context, &out)
    }

    public mutating func onFill(_ fill: OwnFill, _ context: StrategyContext, _ out: inout Intents) {
        if fill.kind == .hedge {
            hedgeFills += 1
            let before = pendingHedge.raw
            var after = Self.clamp(Int128(before) - Int128(fill.side.sign) * Int128(fill.size.raw))
            // A hedge fill beyond what is pending (one written off by a flatten) is a stray position:
            // pending drops to zero and the reconcile below closes it on the reference.
            if before == 0 || (after != 0 && (after > 0) != (before > 0)) { after = 0 }
            pendingHedge = Quantity(raw: after)
        }
        track(context)
        reconcile(context, &out)
        armTimer(&out)
    }

    public mutating func onTimer(_ id: UInt32, _ context: StrategyContext, _ out: inout Intents) {
        track(context)
        guard id == Self.unhedgedTimer, let since = unhedgedSinceMs else { return }
        let due = since + maxUnhedgedMs
        if context.time.milliseconds < due {
            out.setTimer(Self.unhedgedTimer, at: Timestamp(milliseconds: due))
            timerDue = false
            return
        }
        if !context.openOrders.isEmpty { out.cancelAll() }
        flatten(context, &out)
        // Still unhedged after this (the IOC did not fill, or a stray hedge is being closed): try again later.
        out.setTimer(Self.unhedgedTimer, at: context.time + maxUnhedgedMs)
        timerDue = false
    }

    public mutating func quote(for offer: AuctionOffer, _ context: StrategyContext) -> JITAnswer? {
        track(context)
        guard let ref = usableReference(context) else { return nil }
        // A taker buy is answered by selling, a taker sell by buying. Auction fills are maker fills.
        let side = offer.takerSide.opposite
        guard let leg = plan(side, fee: market.makerFee.raw, ref, context) else {
            lastVerdict = .noEdge
            return nil
        }
        // The price the auction reaches that is best for us: the highest for a sale, the lowest for a purchase.
        let reach = side == .sell ? Swift.max(offer.startPrice, offer.endPrice) : Swift.min(offer.startPrice, offer.endPrice)
        guard reach.raw > 0, side == .sell ? reach >= leg.limit : reach <= leg.limit else {
            lastVerdict = .noEdge
            return nil
        }
        let size = market.rounded(Swift.min(leg.size, offer.size))
        guard size.raw > 0, size >= market.minSize else {
            lastVerdict = leg.cap
            return nil
        }
        auctionAnswers += 1
        lastVerdict = .answered
        return JITAnswer(worstPrice: leg.limit, maxSize: size, latency: 0)
    }

    public mutating func update(_ parameters: ParameterSet, _ context: StrategyContext, _ out: inout Intents) {
        read(parameters)
        track(context)
        if let since = unhedgedSinceMs {  // maxUnhedgedMs may have changed: move the timer
            out.setTimer(Self.unhedgedTimer, at: Timestamp(milliseconds: since + maxUnhedgedMs))
            timerDue = false
        }
    }

    // MARK: Decisions

    /// The reference quote if it may be traded against now; otherwise records why not.
    mutating func usableReference(_ c: StrategyContext) -> ReferenceQuote? {
        let oracle = c.lastValidOracle
        guard oracle.raw > 0, oracle <= Bounds.maxPrice else { lastVerdict = .noOracle; return nil }
        guard let ref = c.reference else { lastVerdict = .noReference; return nil }
        guard ref.bid.raw > 0, ref.ask >= ref.bid, ref.ask <= Bounds.maxPrice else { lastVerdict = .badReference; return nil }
        guard Int128(c.time.milliseconds) - Int128(ref.time.milliseconds) <= Int128(maxReferenceAgeMs) else {
            lastVerdict = .staleReference
            return nil
        }
        // |mid − oracle| ≤ maxReferenceDeviation × oracle (the allowance rounded down: stricter).
        let mid = ref.bid.raw / 2 + ref.ask.raw / 2
        let allowed = Self.mulDivSat(oracle.raw, maxReferenceDeviation, Ppm.scale, .down)
        guard (mid - oracle.raw).magnitude <= UInt64(allowed) else { lastVerdict = .badReference; return nil }
        return ref
    }

    /// Market data: trade against the book if one side has the edge (at most one order at a time).
    mutating func evaluate(_ c: StrategyContext, _ out: inout Intents) {
        guard let ref = usableReference(c) else { return }
        guard c.openOrders.isEmpty else { lastVerdict = .orderOpen; return }
        guard c.limits.maxOpenOrders >= 1 else { lastVerdict = .positionCap; return }
        if tryPlace(.buy, ref, c, &out) { return }
        if tryPlace(.sell, ref, c, &out) { return }
    }

    /// Places an IOC at the side's limit when the book's touch is at or through it. Returns true when
    /// the side had edge (placed, or stopped by a cap).
    mutating func tryPlace(_ side: Side, _ ref: ReferenceQuote, _ c: StrategyContext, _ out: inout Intents) -> Bool {
        guard let leg = plan(side, fee: market.takerFee.raw, ref, c) else { lastVerdict = .noEdge; return false }
        let touch = side == .buy ? c.top.ask : c.top.bid
        guard touch.raw > 0, side == .buy ? touch <= leg.limit : touch >= leg.limit else { lastVerdict = .noEdge; return false }
        guard leg.size.raw > 0 else { lastVerdict = leg.cap; return true }
        // The limit is the worst price with the required edge: the IOC takes every level up to it.
        out.place(StrategyOrder(key: takeKey(), side: side, type: .limit, price: leg.limit, size: leg.size, tif: .ioc,
                                reduceOnly: leg.reduceOnly))
        if leg.reduceOnly { exits += 1 } else { entries += 1 }
        lastVerdict = .placed
        return true
    }

    /// One side's order as the mode allows it now: its limit price (on the tick), size (zero when a cap
    /// leaves less than the minimum size; `cap` says which), and whether it only reduces.
    struct Leg {
        var limit: Price
        var size: Quantity
        var reduceOnly: Bool
        var cap: Verdict
    }

    func plan(_ side: Side, fee: Int64, _ ref: ReferenceQuote, _ c: StrategyContext) -> Leg? {
        let costs = hedgeFee.raw + latencyCushion.raw
        let pos = c.position.raw
        switch mode {
        case .crossVenue:
            guard let limit = limitPrice(side, ref, fee: fee, costs: costs, edge: minEdge) else { return nil }
            return entry(side, limit, c)
        case .basis:
            if side == .sell {
                guard pos <= 0, let limit = limitPrice(.sell, ref, fee: fee, costs: costs, edge: minEdge) else { return nil }
                return entry(.sell, limit, c)
            }
            // Exit: buy the perp back once perpAsk ≤ spotBid × (1 + exitEdge), rounded down then down to the tick (a bid).
            guard pos < 0 else { return nil }
            let factor = Ppm.scale + exitEdge
            guard factor > 0 else { return nil }
            let limit = market.rounded(Price(raw: Self.mulDivSat(ref.bid.raw, factor, Ppm.scale, .down)), for: .buy)
            guard limit.raw > 0 else { return nil }
            return exit(limit, c)
        case .funding:
            let rate = c.fundingRate
            let threshold = fundingThreshold &* 1_000  // ppm → the rate's 1e9 scale
            let reduces: Bool
            if side == .sell {
                // Sell: leave a long once the rate is no longer below −threshold; open a short while it is above threshold.
                if pos > 0 { guard rate > -threshold else { return nil }; reduces = true } else { guard rate > threshold else { return nil }; reduces = false }
            } else {
                if pos < 0 { guard rate < threshold else { return nil }; reduces = true } else { guard rate < -threshold else { return nil }; reduces = false }
            }
            guard let limit = limitPrice(side, ref, fee: fee, costs: costs, edge: -fundingMaxCost) else { return nil }
            return reduces ? exit(limit, c) : entry(side, limit, c)
        }
    }

    /// The worst price here at which trading `side` and hedging at the reference nets `edge` (ppm of the
    /// reference price; negative: a cost allowed) after this venue's `fee`, the hedge fee and the cushion (`costs`):
    /// - buy:  refBid × (1 − costs − edge) / (1 + fee), rounded down, then down to the tick (never pay more);
    /// - sell: refAsk × (1 + costs + edge) / (1 − fee), rounded up, then up to the tick (never sell for less).
    /// nil when a factor is not positive or the price leaves the venue's bounds.
    func limitPrice(_ side: Side, _ ref: ReferenceQuote, fee: Int64, costs: Int64, edge: Int64) -> Price? {
        let one = Ppm.scale
        let raw: Int64
        if side == .buy {
            let num = one - costs - edge, den = one + fee
            guard num > 0, den > 0 else { return nil }
            raw = Self.mulDivSat(ref.bid.raw, num, den, .down)
        } else {
            let num = one + costs + edge, den = one - fee
            guard num > 0, den > 0 else { return nil }
            raw = Self.mulDivSat(ref.ask.raw, num, den, .up)
        }
        guard raw > 0, raw <= Bounds.maxPrice.raw else { return nil }
        let p = market.rounded(Price(raw: raw), for: side)
        guard p.raw > 0, p <= Bounds.maxPrice else { return nil }
        return p
    }

    /// An order that may add to the position: `orderSize` cut to the position caps (this strategy's and the
    /// gate's maxPosition, the gate's maxNotional) and to the unhedged room, down to the step.
    func entry(_ side: Side, _ limit: Price, _ c: StrategyContext) -> Leg {
        let oracle = c.lastValidOracle
        let open = openNotional(c)
        // Position: |position after| ≤ cap, so the order may take `cap − sign × position`.
        let capBase = Swift.min(maxPosition.raw, c.limits.maxPosition.raw)
        let posRoom = Self.clamp(Int128(capBase) - Int128(side.sign) * Int128(c.position.raw))
        // Gate notional: |position| × oracle + open orders + this order ≤ maxNotional (the order at its limit).
        let held = Self.notional(Self.magnitude(c.position.raw), oracle.raw, .up)
        let notionalRoom = Self.base(for: Self.clamp(Int128(c.limits.maxNotional.raw) - Int128(held) - Int128(open)), at: limit.raw)
        let positionRoom = Swift.min(posRoom, notionalRoom)
        let hedgeRoom = unhedgedRoom(limit, open)
        let size = market.rounded(Quantity(raw: Swift.max(0, Swift.min(orderSize.raw, positionRoom, hedgeRoom))))
        if size.raw > 0 && size >= market.minSize {
            return Leg(limit: limit, size: size, reduceOnly: false, cap: .placed)
        }
        let cap: Verdict = hedgeRoom < Swift.min(orderSize.raw, positionRoom) || hedgeRoom < market.minSize.raw ? .unhedgedCap : .positionCap
        return Leg(limit: limit, size: .zero, reduceOnly: false, cap: cap)
    }

    /// A reduce-only order: `orderSize` cut to |position| and to the unhedged room, down to the step.
    func exit(_ limit: Price, _ c: StrategyContext) -> Leg {
        let hedgeRoom = unhedgedRoom(limit, openNotional(c))
        let size = market.rounded(Quantity(raw: Swift.max(0, Swift.min(orderSize.raw, Self.magnitude(c.position.raw), hedgeRoom))))
        guard size.raw > 0, size >= market.minSize else {
            return Leg(limit: limit, size: .zero, reduceOnly: true, cap: hedgeRoom < market.minSize.raw ? .unhedgedCap : .positionCap)
        }
        return Leg(limit: limit, size: size, reduceOnly: true, cap: .placed)
    }

    /// Base the unhedged cap still allows at `limit`: (maxLegNotional − unhedgedNotional − open orders) / limit,
    /// rounded down. Conservative: every new order counts in full, even one that would offset the exposure.
    func unhedgedRoom(_ limit: Price, _ open: Int64) -> Int64 {
        Self.base(for: Self.clamp(Int128(maxLegNotional.raw) - Int128(unhedgedNotional.raw) - Int128(open)), at: limit.raw)
    }

    /// Notional of the strategy's open orders at their prices (a market order at the oracle), rounded up.
    func openNotional(_ c: StrategyContext) -> Int64 {
        var sum: Int64 = 0
        for o in c.openOrders {
            let px = o.price.raw > 0 ? o.price.raw : c.lastValidOracle.raw
            sum = Self.addSat(sum, Self.notional(o.remaining.raw, px, .up))
        }
        return sum
    }

    // MARK: Hedging and the unhedged leg

    /// Keeps `position + hedgePosition + pendingHedge` at zero: whatever is not hedged or on its way is sent now.
    mutating func reconcile(_ c: StrategyContext, _ out: inout Intents) {
        let need = Self.clamp(-(Int128(c.position.raw) + Int128(c.hedgePosition.raw) + Int128(pendingHedge.raw)))
        guard need != 0 else { return }
        out.hedge(need > 0 ? .buy : .sell, Quantity(raw: Self.magnitude(need)), latencyMs: hedgeLatencyMs, fee: hedgeFee)
        pendingHedge = Quantity(raw: Self.addSat(pendingHedge.raw, need))
        hedgesSent += 1
    }

    /// The leg has been unhedged for `maxUnhedgedMs`: the pending hedge is written off and the exposure
    /// closed here with a reduce-only IOC market order (the venue's auction end price protects it). An
    /// exposure that is not a position here (a stray hedge fill) is closed on the reference instead.
    mutating func flatten(_ c: StrategyContext, _ out: inout Intents) {
        let pos = c.position.raw
        let net = Self.addSat(pos, c.hedgePosition.raw)
        if pendingHedge.raw != 0 {
            pendingHedge = .zero
            hedgesWrittenOff += 1
        }
        guard net != 0 else { return }
        if pos != 0 && (net > 0) == (pos > 0) {
            let size = market.rounded(Quantity(raw: Swift.min(Self.magnitude(net), Self.magnitude(pos))))
            guard size.raw > 0 else { reconcile(c, &out); return }
            out.place(StrategyOrder(key: takeKey(), side: net > 0 ? .sell : .buy, type: .market, price: .zero, size: size,
                                    tif: .ioc, reduceOnly: true))
            flattens += 1
            lastVerdict = .flattened
        } else {
            reconcile(c, &out)
        }
    }

    /// Updates the reported unhedged figures from the context.
    mutating func track(_ c: StrategyContext) {
        let net = Self.addSat(c.position.raw, c.hedgePosition.raw)
        unhedgedBase = Quantity(raw: net)
        var mark = c.lastValidOracle.raw
        if mark <= 0, let r = c.reference, r.bid.raw > 0, r.ask >= r.bid { mark = r.bid.raw / 2 + r.ask.raw / 2 }
        unhedgedNotional = Amount(raw: Self.notional(Self.magnitude(net), Swift.max(mark, 0), .up))
        if unhedgedNotional > maxUnhedgedNotionalSeen { maxUnhedgedNotionalSeen = unhedgedNotional }
        let now = c.time.milliseconds
        if net != 0 {
            if unhedgedSinceMs == nil {
                unhedgedSinceMs = now
                timerDue = true
            }
            if let s = unhedgedSinceMs { longestUnhedgedMs = Swift.max(longestUnhedgedMs, now - s) }
        } else {
            if let s = unhedgedSinceMs { longestUnhedgedMs = Swift.max(longestUnhedgedMs, now - s) }
            unhedgedSinceMs = nil
            timerDue = false
        }
    }

    /// Sets the max-unhedged-time timer when an unhedged stretch began.
    mutating func armTimer(_ out: inout Intents) {
        guard timerDue, let since = unhedgedSinceMs else { return }
        out.setTimer(Self.unhedgedTimer, at: Timestamp(milliseconds: since + maxUnhedgedMs))
        timerDue = false
    }

    /// A fresh order key (one order is open at a time, so any key is free; a counter keeps logs readable).
    mutating func takeKey() -> UInt32 {
        let k = nextKey
        nextKey = nextKey == UInt32.max ? 1 : nextKey + 1
        return k
    }

    // MARK: Saturating fixed-point helpers (never trap on any input)

    /// `a × b / c` through `Int128`, rounded as stated, clamped to `Int64`; 0 when `c ≤ 0`.
    static func mulDivSat(_ a: Int64, _ b: Int64, _ c: Int64, _ rounding: Rounding) -> Int64 {
        guard c > 0 else { return 0 }
        return clamp(mulDiv128(Int128(a) * Int128(b), Int128(c), rounding))
    }

    /// `size × price / 1e9` (quote, raw), rounded as stated, clamped.
    static func notional(_ size: Int64, _ price: Int64, _ rounding: Rounding) -> Int64 {
        mulDivSat(size, price, Quantity.scale, rounding)
    }

    /// The base `amount` buys at `price`, rounded down (never more than the room); 0 when either is not positive.
    static func base(for amount: Int64, at price: Int64) -> Int64 {
        guard amount > 0, price > 0 else { return 0 }
        return mulDivSat(amount, Quantity.scale, price, .down)
    }

    static func addSat(_ a: Int64, _ b: Int64) -> Int64 {
        let (s, o) = a.addingReportingOverflow(b)
        return o ? (b > 0 ? Int64.max : Int64.min) : s
    }

    /// |v|, with Int64.min mapped to Int64.max.
    static func magnitude(_ v: Int64) -> Int64 { v == Int64.min ? Int64.max : (v < 0 ? -v : v) }

    static func clamp(_ v: Int128) -> Int64 {
        v > Int128(Int64.max) ? Int64.max : v < Int128(Int64.min) ? Int64.min : Int64(v)
    }
}
