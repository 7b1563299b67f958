import MarketCore
import StrategyKit

/// Fades deviations of the oracle from its rolling mean (z-score / Bollinger bands).
///
/// - Samples: valid oracle prices (`valid` or `mark_divergent`), at most one per
///   `sampleIntervalMs`, into a ring of `lookback` samples (mean and population standard
///   deviation, exact integer sums; see ``RollingWindow``). Trades are not sampled.
/// - Signal: `z = (p − mean) / std` for `p` = the last valid oracle; none until the window is full,
///   none while every sample is equal (std exactly 0).
/// - Entry (only on an update that was sampled, not cooling down, not flattening, no order of its
///   own working): `z ≤ −entryZ` buys, `z ≥ +entryZ` sells, `orderSize` per sample up to
///   `maxPosition`, as an IOC limit (a taker): a buy's limit is `min(p·(1+maxSlippage), mean −
///   entryZ·std)` rounded down to the tick, a sell's `max(p·(1−maxSlippage), mean + entryZ·std)`
///   rounded up.
/// - Exit (every valid update): a long when `z ≥ −exitZ`, a short when `z ≤ +exitZ` (inside the
///   exit band, or reverted past it); stop-loss when the oracle moved `stopLoss` against the
///   average entry; max holding time (a timer, and a time check on every update). Each flattens
///   with one reduce-only IOC at `p·(1∓maxSlippage)`; a stop-loss or time exit then starts a
///   `cooldown` (counted from the moment the position is flat).
/// - JIT: answers only on the reverting side (buys from taker sellers when `z ≤ −entryZ`, sells
///   to taker buyers when `z ≥ +entryZ`), `orderSize × min(|z|/entryZ, maxMultiplier)` capped by
///   the room under `maxPosition` and the risk limit, worst price the entry band.
///
/// README.md has the rules in full, with a worked example.
public struct MeanReversion: Strategy {
    public static let descriptor = StrategyDescriptor(
        name: "mean-reversion",
        summary: "Fades deviations of the oracle from its rolling mean (z-score / Bollinger): IOC entries beyond ±entryZ, "
            + "reduce-only exit inside ±exitZ, stop-loss, max holding time; JIT answers on the reverting side only",
        parameters: [
            .integer("lookback", default: 60, min: 2, max: 10_000, unit: "samples", live: false,
                     doc: "Samples in the rolling window (mean and population standard deviation)"),
            .integer("sampleIntervalMs", default: 5_000, min: 0, max: 86_400_000, unit: "ms", live: false,
                     doc: "At most one valid oracle price is sampled per interval (0: every valid update)"),
            .fixed("entryZ", decimals: 4, default: "2", min: "0.1", max: "100", unit: "sigma", live: true,
                   doc: "Enter long at z ≤ −entryZ, short at z ≥ +entryZ; also the JIT worst price band"),
            .fixed("exitZ", decimals: 4, default: "0.5", min: "0", max: "100", unit: "sigma", live: true,
                   doc: "Flatten a long once z ≥ −exitZ, a short once z ≤ +exitZ"),
            .quantity("orderSize", default: "1", min: "0.000000001", max: "1000000", live: true,
                      doc: "Size of one entry order; base size of a JIT answer"),
            .quantity("maxPosition", default: "5", min: "0.000000001", max: "1000000", live: true,
                      doc: "Largest |position| the strategy builds (the risk limit may be lower)"),
            .fixed("maxMultiplier", decimals: 4, default: "3", min: "1", max: "100", unit: "x", live: true,
                   doc: "Cap on the JIT size multiplier |z|/entryZ"),
            .fraction("stopLoss", default: "0.02", min: "0", max: "0.5", live: true,
                      doc: "Flatten when the oracle moves this fraction against the average entry (0: off)"),
            .integer("cooldown", default: 300, min: 0, max: 86_400, unit: "s", live: true,
                     doc: "No entry and no JIT answer for this long after a stop-loss or max-holding exit"),
            .integer("maxHoldingTime", default: 1_800, min: 0, max: 2_592_000, unit: "s", live: true,
                     doc: "Flatten a position held this long (0: off)"),
            .fraction("maxSlippage", default: "0.002", min: "0", max: "0.1", live: true,
                      doc: "IOC protection: buy at most p·(1+maxSlippage), sell at least p·(1−maxSlippage)"),
            .flag("answerAuctions", default: true, live: true,
                  doc: "Answer JIT auctions on the reverting side"),
        ],
        check: { p in
            let entry = p.raw("entryZ"), exit = p.raw("exitZ"), lookback = p.raw("lookback")
            if exit >= entry {
                return "exitZ (\(formatFixed(exit, 4))) must be below entryZ (\(formatFixed(entry, 4))): "
                    + "a position exits inside the band it entered outside of"
            }
            // Samuelson's inequality: with the population std, a sample's |z| within its own
            // window is at most √(n − 1), so a larger entryZ could never enter.
            if Int128(entry) * Int128(entry) > Int128(lookback - 1) * 100_000_000 {
                return "entryZ (\(formatFixed(entry, 4))) can never be reached with lookback \(lookback): "
                    + "a sampled price's |z| is at most √(lookback − 1); lower entryZ or raise lookback"
            }
            if p.raw("orderSize") > p.raw("maxPosition") {
                return "orderSize (\(formatFixed(p.raw("orderSize"), 9))) must not exceed maxPosition "
                    + "(\(formatFixed(p.raw("maxPosition"), 9)))"
            }
            return nil
        })

    /// Key of the entry IOC.
    static let entryKey: UInt32 = 1
    /// Key of the reduce-only flatten IOC.
    static let exitKey: UInt32 = 2
    /// Timer id of the max-holding deadline.
    static let holdTimer: UInt32 = 1

    let market: MarketInfo
    var entryZ: Double
    var exitZ: Double
    var orderSize: Quantity
    var maxPosition: Quantity
    var maxMultiplier: Double
    var stopLoss: Int64
    var cooldownMs: Int64
    var maxHoldingMs: Int64
    var maxSlippage: Int64
    var answerAuctions: Bool
    let sampleIntervalMs: Int64

    /// The rolling window of sampled oracle prices.
    private(set) var window: RollingWindow
    /// When the last sample was taken (nil: none yet).
    private(set) var lastSampleTime: Timestamp?
    /// When the current position opened (nil when flat).
    private(set) var openedAt: Timestamp?
    /// An exit is under way: no entry, no JIT answer, the flatten IOC is resent on each valid
    /// update until the position is zero.
    private(set) var flattening = false
    /// The exit under way is a stop-loss or a max-holding exit: the cooldown starts once flat.
    private(set) var forcedExit = false
    /// No entry and no JIT answer before this time.
    private(set) var cooldownUntil = Timestamp.zero

    public init(parameters: ParameterSet, market: MarketInfo) {
        self.market = market
        window = RollingWindow(capacity: Int(parameters.integer("lookback")))
        sampleIntervalMs = parameters.integer("sampleIntervalMs")
        entryZ = 0; exitZ = 0; orderSize = .zero; maxPosition = .zero; maxMultiplier = 1
        stopLoss = 0; cooldownMs = 0; maxHoldingMs = 0; maxSlippage = 0; answerAuctions = false
        read(parameters)
    }

    /// Reads the live-updatable parameters.
    mutating func read(_ p: ParameterSet) {
        entryZ = Double(p.raw("entryZ")) / 10_000
        exitZ = Double(p.raw("exitZ")) / 10_000
        orderSize = p.quantity("orderSize")
        maxPosition = p.quantity("maxPosition")
        maxMultiplier = Double(p.raw("maxMultiplier")) / 10_000
        stopLoss = p.raw("stopLoss")
        cooldownMs = p.integer("cooldown") * 1_000
        maxHoldingMs = p.integer("maxHoldingTime") * 1_000
        maxSlippage = p.raw("maxSlippage")
        answerAuctions = p.flag("answerAuctions")
    }

    public mutating func start(_ context: StrategyContext, _ out: inout Intents) {
        // A (re)start forgets the window: samples from before a pause are stale.
        window.removeAll()
        lastSampleTime = nil
        flattening = false
        forcedExit = false
        openedAt = nil
        if context.position.raw != 0 { opened(at: context.time, &out) }
    }

    public mutating func stop(_ context: StrategyContext, _ out: inout Intents) {
        // The runtime cancels the orders; the position is left as it is (pause semantics).
        flattening = false
    }

    public mutating func update(_ parameters: ParameterSet, _ context: StrategyContext, _ out: inout Intents) {
        read(parameters)
        // A new maxHoldingTime moves the deadline of the position held now.
        if let t0 = openedAt, maxHoldingMs > 0 { out.setTimer(Self.holdTimer, at: t0 + maxHoldingMs) }
    }

    // MARK: Market data

    public mutating func onMarketData(_ data: MarketData, _ context: StrategyContext, _ out: inout Intents) {
        guard case .oracle(_, _, let status, _) = data, status == .valid || status == .markDivergent else { return }
        let p = context.lastValidOracle
        guard p.raw > 0, p <= Bounds.maxPrice else { return }
        let now = context.time

        var sampled = false
        if let last = lastSampleTime {
            if now.milliseconds - last.milliseconds >= sampleIntervalMs { sampled = true }
        } else {
            sampled = true
        }
        if sampled {
            window.push(p.raw)
            lastSampleTime = now
        }
        let stats = window.stats
        let pos = context.position.raw

        if pos == 0 {
            if openedAt != nil || flattening { becameFlat(at: now) }
        } else {
            if openedAt == nil { opened(at: now, &out) }  // a position we did not see open
            // Stop-loss: the oracle moved `stopLoss` (inclusive) against the average entry.
            let entry = context.entryPrice.raw
            if stopLoss > 0 && entry > 0 {
                let scaledP = Int128(p.raw) * 1_000_000
                let hit = pos > 0 ? scaledP <= Int128(entry) * Int128(1_000_000 - stopLoss)
                                  : scaledP >= Int128(entry) * Int128(1_000_000 + stopLoss)
                if hit { beginExit(forced: true) }
            }
            // Max holding time (the timer does the same; this catches a late timer).
            if maxHoldingMs > 0, let t0 = openedAt, now.milliseconds - t0.milliseconds >= maxHoldingMs {
                beginExit(forced: true)
            }
            // Signal exit: back inside the exit band, or reverted past it.
            if let s = stats {
                let z = s.z(p)
                if pos > 0 ? z >= -exitZ : z <= exitZ { beginExit(forced: false) }
            }
            if flattening {
                sendFlatten(p, context, &out)
                return
            }
        }
        if sampled, !flattening, now >= cooldownUntil, let s = stats {
            enter(p, s, context, &out)
        }
    }

    /// Places the entry IOC if `z` is beyond the entry band and there is room.
    mutating func enter(_ p: Price, _ s: WindowStats, _ context: StrategyContext, _ out: inout Intents) {
        // One order of its own at a time (an IOC is done within the input that placed it).
        guard context.openOrder(Self.entryKey) == nil, context.openOrder(Self.exitKey) == nil,
              context.openOrders.count < context.limits.maxOpenOrders else { return }
        let z = s.z(p)
        let side: Side
        if z <= -entryZ { side = .buy } else if z >= entryZ { side = .sell } else { return }
        let pos = context.position.raw
        // Never add against a position (the exit rule flattens it first).
        if side == .buy ? pos < 0 : pos > 0 { return }
        let size = market.rounded(Swift.min(orderSize, room(side, context)))  // down to the step
        guard size.raw > 0, size >= market.minSize else { return }
        let limit: Price
        switch side {
        case .buy:
            // Pay at most p·(1+slippage) (rounded down) and never above the lower entry band
            // (rounded down): a bid never pays more than the model allows.
            let protection = p.applying(Ppm(raw: 1_000_000 + maxSlippage), .down)
            guard let band = Self.rawPrice(s.level(-entryZ), .down) else { return }
            limit = market.rounded(Swift.min(protection, band), for: .buy)
        case .sell:
            // Sell at least p·(1−slippage) (rounded up) and never below the upper entry band
            // (rounded up): an ask never sells for less than the model allows.
            let protection = p.applying(Ppm(raw: 1_000_000 - maxSlippage), .up)
            guard let band = Self.rawPrice(s.level(entryZ), .up) else { return }
            limit = market.rounded(Swift.max(protection, band), for: .sell)
        }
        guard limit.raw > 0, limit <= Bounds.maxPrice else { return }
        out.place(StrategyOrder(key: Self.entryKey, side: side, type: .limit, price: limit, size: size, tif: .ioc))
    }

    /// Marks an exit under way (`forced`: stop-loss or max holding time, which starts a cooldown once flat).
    mutating func beginExit(forced: Bool) {
        flattening = true
        if forced { forcedExit = true }
    }

    /// Cancels a working entry and sends the reduce-only flatten IOC, unless one is working.
    mutating func sendFlatten(_ p: Price, _ context: StrategyContext, _ out: inout Intents) {
        var open = context.openOrders.count
        if context.openOrder(Self.entryKey) != nil {
            out.cancel(Self.entryKey)
            open -= 1
        }
        guard context.openOrder(Self.exitKey) == nil, open < context.limits.maxOpenOrders, p.raw > 0 else { return }
        let pos = context.position.raw
        guard pos != 0 else { return }
        let size = market.rounded(Quantity(raw: pos.magnitude > UInt64(Int64.max) ? Int64.max : Int64(pos.magnitude)))
        guard size.raw > 0 else { return }
        let side: Side = pos > 0 ? .sell : .buy
        let limit: Price
        switch side {
        case .sell:
            // Sell at least p·(1−slippage), rounded up (never sells for less than that).
            limit = market.rounded(p.applying(Ppm(raw: 1_000_000 - maxSlippage), .up), for: .sell)
        case .buy:
            // Pay at most p·(1+slippage), rounded down (never pays more than that).
            limit = market.rounded(p.applying(Ppm(raw: 1_000_000 + maxSlippage), .down), for: .buy)
        }
        guard limit.raw > 0, limit <= Bounds.maxPrice else { return }
        out.place(StrategyOrder(key: Self.exitKey, side: side, type: .limit, price: limit, size: size, tif: .ioc,
                                reduceOnly: true))
    }

    /// Room left on `side` under `min(maxPosition, limits.maxPosition)`, counting the position and
    /// the open orders on that side (never negative).
    func room(_ side: Side, _ context: StrategyContext) -> Quantity {
        let cap = Int128(Swift.min(maxPosition.raw, context.limits.maxPosition.raw))
        var pending: Int128 = 0
        for o in context.openOrders where o.side == side { pending += Int128(o.remaining.raw) }
        let pos = Int128(context.position.raw)
        let r = side == .buy ? cap - pos - pending : cap + pos - pending
        return Quantity(raw: r <= 0 ? 0 : Int64(Swift.min(r, Int128(cap))))
    }

    // MARK: Fills, timers

    public mutating func onFill(_ fill: OwnFill, _ context: StrategyContext, _ out: inout Intents) {
        guard fill.kind != .hedge else { return }
        let pos = context.position.raw
        let before = pos - fill.side.sign * fill.size.raw
        if pos == 0 {
            becameFlat(at: context.time)
        } else if before == 0 || (before > 0) != (pos > 0) {
            opened(at: context.time, &out)  // a new position (from flat, or flipped by an auction fill)
        }
    }

    public mutating func onTimer(_ id: UInt32, _ context: StrategyContext, _ out: inout Intents) {
        guard id == Self.holdTimer, maxHoldingMs > 0, context.position.raw != 0, let t0 = openedAt,
              context.time.milliseconds - t0.milliseconds >= maxHoldingMs else { return }
        beginExit(forced: true)
        sendFlatten(context.lastValidOracle, context, &out)
    }

    /// A position opened at `t`: start its holding clock.
    mutating func opened(at t: Timestamp, _ out: inout Intents) {
        openedAt = t
        if maxHoldingMs > 0 { out.setTimer(Self.holdTimer, at: t + maxHoldingMs) }
    }

    /// The position is zero: end the exit; a forced exit starts the cooldown now.
    mutating func becameFlat(at t: Timestamp) {
        openedAt = nil
        flattening = false
        if forcedExit {
            cooldownUntil = t + cooldownMs
            forcedExit = false
        }
    }

    // MARK: JIT

    public mutating func quote(for offer: AuctionOffer, _ context: StrategyContext) -> JITAnswer? {
        guard answerAuctions, !flattening, context.time >= cooldownUntil, let s = window.stats else { return nil }
        let p = context.lastValidOracle
        guard p.raw > 0, p <= Bounds.maxPrice else { return nil }
        let z = s.z(p)
        let side = offer.takerSide.opposite  // the strategy's side
        // Only the reverting side: buy what takers sell when stretched down, sell what they buy when stretched up.
        switch side {
        case .buy: guard z <= -entryZ, context.position.raw >= 0 else { return nil }
        case .sell: guard z >= entryZ, context.position.raw <= 0 else { return nil }
        }
        let multiplier = Swift.min(z.magnitude / entryZ, maxMultiplier)
        // Rounded down: never more than the model asks for.
        let wanted = (Double(orderSize.raw) * multiplier).rounded(.down)
        guard wanted.isFinite, wanted >= 1, wanted < 9.2e18 else { return nil }
        var size = Swift.min(Quantity(raw: Int64(wanted)), room(side, context))
        size = market.rounded(Swift.min(size, offer.size))  // down to the step
        guard size.raw > 0, size >= market.minSize else { return nil }
        // Worst price: the entry band (buy: mean − entryZ·std rounded down; sell: mean + entryZ·std
        // rounded up), so a taker never gets a price inside the band from it.
        let worst: Price
        switch side {
        case .buy:
            guard let band = Self.rawPrice(s.level(-entryZ), .down) else { return nil }
            worst = market.rounded(band, for: .buy)
        case .sell:
            guard let band = Self.rawPrice(s.level(entryZ), .up) else { return nil }
            worst = market.rounded(band, for: .sell)
        }
        guard worst.raw > 0, worst <= Bounds.maxPrice else { return nil }
        return JITAnswer(worstPrice: worst, maxSize: size, latency: 0)
    }

    /// A price from a value in raw units (1e-6), rounded as stated; nil unless finite, positive and
    /// within ``Bounds/maxPrice``. (The same as `Price(approximating: x / 1e6, rounding)` without
    /// the extra rounding of the division.)
    static func rawPrice(_ x: Double, _ rounding: Rounding) -> Price? {
        guard x.isFinite else { return nil }
        let r = rounding == .down ? x.rounded(.down) : x.rounded(.up)
        guard r >= 1, r <= Double(Bounds.maxPrice.raw) else { return nil }
        return Price(raw: Int64(r))
    }
}
