import MarketCore
import StrategyKit

/// Why the grid stopped quoting on its own (it stays stopped until re-parameterised or restarted).
public enum GridHalt: Sendable, Hashable, CustomStringConvertible {
    /// The last valid oracle left `[lower·(1−stopOutBuffer), upper·(1+stopOutBuffer)]`.
    case stopOut
    /// The grid's PnL since it was seeded reached `takeProfit` × its allocated equity.
    case takeProfit
    /// The ladder cannot be quoted on this market: two levels fall on the same tick, a level is not
    /// positive, or `orderSize` rounded down to the step is below the market's minimum size.
    case unquotable

    public var description: String {
        switch self {
        case .stopOut: return "stop_out"
        case .takeProfit: return "take_profit"
        case .unquotable: return "unquotable"
        }
    }
}

/// A ladder of resting bids and asks between `lower` and `upper` (README.md is the contract).
///
/// Each level holds a *wanted* signed size (+ buy, − sell). At seeding, levels below the level
/// nearest the fair price want a buy of `orderSize`, levels above want a sell, and the nearest level
/// stays empty. A buy filled at level i moves that size to a sell at level i+1; a sell filled at
/// level i moves it to a buy at level i−1 (sizes net, so the ladder never holds a buy above a sell).
/// Open orders follow the wanted sizes nearest the fair price first, within `maxOpenOrders` and the
/// room under `maxPosition`.
public struct Grid: Strategy {
    public static let descriptor = StrategyDescriptor(
        name: "grid",
        summary: "Ladder of bids and asks between two bounds; each fill re-arms the opposite order one level away",
        parameters: [
            .price("lower", default: "90", min: "0.000001", live: true,
                   doc: "Lowest level of the ladder (and the base of the stop-out band)"),
            .price("upper", default: "110", min: "0.000001", live: true,
                   doc: "Highest level of the ladder (and the base of the stop-out band)"),
            .integer("levels", default: 11, min: Int64(Grid.minLevels), max: Int64(Grid.maxLevels), unit: "levels", live: true,
                     doc: "Number of price levels, both bounds included"),
            .choice("spacing", ["arithmetic", "geometric"], default: "arithmetic", live: true,
                    doc: "arithmetic: equal price steps; geometric: equal ratios between levels"),
            .quantity("orderSize", default: "0.1", min: "0.000000001", live: true,
                      doc: "Size of each level's order (rounded down to the market's step)"),
            .fraction("takeProfit", default: "0.1", max: "10", live: true,
                      doc: "Flatten and stop when PnL since seeding reaches this fraction of the allocated equity (0 = off)"),
            .fraction("stopOutBuffer", default: "0.02", max: "1", live: true,
                      doc: "Flatten and stop when the oracle leaves [lower·(1−buffer), upper·(1+buffer)]"),
        ],
        check: { p in
            let lo = p.price("lower"), hi = p.price("upper")
            guard lo < hi else { return "parameter 'lower' (\(lo)) must be below parameter 'upper' (\(hi))" }
            return nil
        })

    /// Bounds of `levels`.
    public static let minLevels = 2
    public static let maxLevels = 200
    /// The key of the flattening order (ladder orders use other keys).
    public static let flattenKey: UInt32 = 1
    /// A level whose order was refused or cancelled by the venue is not placed again before this long.
    public static let retryDelayMs: Int64 = 1_000

    enum Mode: Sendable, Hashable {
        /// Not started, or stopped by the runtime.
        case stopped
        /// Started, waiting for the first valid oracle to seed the ladder.
        case waiting
        case running
        /// Stopped itself (``halt`` says why): no quotes, only the flattening order.
        case halted
    }

    // Parameters.
    var lower: Price
    var upper: Price
    var levels: Int
    var geometric: Bool
    var orderSize: Quantity
    var takeProfit: Ppm
    var stopOutBuffer: Ppm
    let market: MarketInfo

    // The ladder, one entry per level (capacity `maxLevels`, reserved in `init`).
    /// The level's price before the tick (raw, rounded down to a micro-unit; used to find the level nearest a price).
    var levelPx: ContiguousArray<Int64>
    /// The level's price as a bid (rounded down to the tick) and as an ask (rounded up).
    var bidPx: ContiguousArray<Int64>
    var askPx: ContiguousArray<Int64>
    /// `orderSize` rounded down to the step.
    var size: Int64 = 0
    /// Whether the ladder can be quoted (strictly increasing positive prices on the tick, size ≥ minSize).
    var quotable = false
    /// The stop-out band: lower·(1−buffer) rounded down, upper·(1+buffer) rounded up.
    var stopLow: Int64 = 0
    var stopHigh: Int64 = 0

    // State per level.
    /// Wanted signed size (base raw): > 0 a buy, < 0 a sell, 0 nothing.
    var wanted: ContiguousArray<Int64>
    /// The open order at the level (0: none) and its signed remaining size.
    var slotKey: ContiguousArray<UInt32>
    var slotRem: ContiguousArray<Int64>
    /// Not placed again before this time (ms) after the venue refused or cancelled it.
    var retryAt: ContiguousArray<Int64>
    /// Scratch for ``sync(_:_:)``.
    var inWindow: ContiguousArray<Bool>

    var mode: Mode = .stopped
    /// Why the grid halted itself (nil while it runs).
    public private(set) var halt: GridHalt?
    var nextKey: UInt32 = 2
    var flattenPending = false
    /// Realised + unrealised PnL when the ladder was seeded.
    var pnlAtSeed: Int64 = 0
    /// The allocated equity the take-profit is a fraction of (0: not known yet).
    var basis: Int64 = 0
    /// The level of the latest JIT answer on each side (−1: none), so its fill re-arms the ladder.
    var answeredBuyLevel = -1
    var answeredSellLevel = -1

    public init(parameters: ParameterSet, market: MarketInfo) {
        self.market = market
        lower = parameters.price("lower")
        upper = parameters.price("upper")
        levels = Int(parameters.integer("levels"))
        geometric = parameters.choice("spacing") == "geometric"
        orderSize = parameters.quantity("orderSize")
        takeProfit = parameters.ppm("takeProfit")
        stopOutBuffer = parameters.ppm("stopOutBuffer")
        let cap = Self.maxLevels
        levelPx = []; levelPx.reserveCapacity(cap)
        bidPx = []; bidPx.reserveCapacity(cap)
        askPx = []; askPx.reserveCapacity(cap)
        wanted = []; wanted.reserveCapacity(cap)
        slotKey = []; slotKey.reserveCapacity(cap)
        slotRem = []; slotRem.reserveCapacity(cap)
        retryAt = []; retryAt.reserveCapacity(cap)
        inWindow = []; inWindow.reserveCapacity(cap)
        buildLadder()
    }

    // MARK: - Read-only views (reports and tests)

    /// Level `i`'s price as a bid (rounded down to the tick) or as an ask (rounded up).
    public func levelPrice(_ i: Int, _ side: Side) -> Price {
        guard i >= 0 && i < levels else { return .zero }
        return Price(raw: side == .buy ? bidPx[i] : askPx[i])
    }

    /// Level `i`'s wanted signed size (+ buy, − sell, zero: empty).
    public func wantedSize(_ i: Int) -> Quantity {
        guard i >= 0 && i < levels else { return .zero }
        return Quantity(raw: wanted[i])
    }

    /// Whether the grid is quoting (seeded and not halted).
    public var isRunning: Bool { mode == .running }

    // MARK: - Lifecycle

    public mutating func start(_ context: StrategyContext, _ out: inout Intents) {
        clearSlots()
        flattenPending = false
        halt = nil
        mode = .waiting
        answeredBuyLevel = -1
        answeredSellLevel = -1
        if context.lastValidOracle.raw > 0 { seed(context, &out) }
    }

    public mutating func stop(_ context: StrategyContext, _ out: inout Intents) {
        // The runtime cancels every open order itself afterwards.
        clearSlots()
        flattenPending = false
        mode = .stopped
    }

    public mutating func update(_ parameters: ParameterSet, _ context: StrategyContext, _ out: inout Intents) {
        let newLower = parameters.price("lower"), newUpper = parameters.price("upper")
        let newLevels = Int(parameters.integer("levels"))
        let newGeometric = parameters.choice("spacing") == "geometric"
        let newSize = parameters.quantity("orderSize")
        let geometryChanged = newLower != lower || newUpper != upper || newLevels != levels || newGeometric != geometric
            || newSize != orderSize
        lower = newLower; upper = newUpper; levels = newLevels; geometric = newGeometric; orderSize = newSize
        takeProfit = parameters.ppm("takeProfit")
        stopOutBuffer = parameters.ppm("stopOutBuffer")
        if mode == .stopped {
            buildLadder()
            return
        }
        if geometryChanged || mode == .halted {
            // Re-parameterised: drop the old ladder (and any flattening order) and seed a new one.
            out.cancelAll()
            buildLadder()
            clearSlots()
            flattenPending = false
            halt = nil
            mode = .waiting
            if context.lastValidOracle.raw > 0 { seed(context, &out) }
        } else {
            computeStopBand()
            react(context, &out)
        }
    }

    // MARK: - Inputs

    public mutating func onMarketData(_ data: MarketData, _ context: StrategyContext, _ out: inout Intents) {
        switch mode {
        case .stopped:
            return
        case .waiting:
            if context.lastValidOracle.raw > 0 { seed(context, &out) }
        case .running:
            react(context, &out)
        case .halted:
            // Retry flattening once per oracle update while a position is left (an IOC may fill partly).
            if case .oracle = data { flattenIfNeeded(context, &out) }
        }
    }

    public mutating func onFill(_ fill: OwnFill, _ context: StrategyContext, _ out: inout Intents) {
        let s = fill.size.raw
        guard s > 0 else { return }
        if fill.kind == .auction {
            let level = fill.side == .buy ? answeredBuyLevel : answeredSellLevel
            if fill.side == .buy { answeredBuyLevel = -1 } else { answeredSellLevel = -1 }
            if mode == .running && level >= 0 && level < levels { applyLevelFill(level, fill.side, s) }
        } else if let key = fill.key {
            if key == Self.flattenKey {
                if context.position.raw == 0 { flattenPending = false }
            } else if let i = level(of: key) {
                let left = slotRem[i].magnitude > UInt64(s) ? Int64(slotRem[i].magnitude) - s : 0
                if left == 0 {
                    slotKey[i] = 0  // fully filled: the key is free
                    slotRem[i] = 0
                } else {
                    slotRem[i] = slotRem[i] > 0 ? left : -left
                }
                if mode == .running { applyLevelFill(i, fill.side, s) }
            }
        }
        if mode == .running { react(context, &out) }
    }

    public mutating func onOrderDone(_ done: OrderDone, _ context: StrategyContext, _ out: inout Intents) {
        if done.key == Self.flattenKey {
            flattenPending = false  // the next oracle update sends another if a position is left
            return
        }
        // Orders this strategy cancelled or replaced were already cleared: their key is unknown here.
        guard let i = level(of: done.key) else { return }
        slotKey[i] = 0
        slotRem[i] = 0
        retryAt[i] = context.time.milliseconds &+ Self.retryDelayMs
        if mode == .running { react(context, &out) }
    }

    /// Answers at the ladder: a taker buy gets the lowest level wanting a sell whose ask price is at or
    /// above the oracle; a taker sell the highest level wanting a buy whose bid is at or below it. Size:
    /// that level's wanted size, capped by `orderSize`, the room under `maxPosition` and the offer.
    public mutating func quote(for offer: AuctionOffer, _ context: StrategyContext) -> JITAnswer? {
        guard mode == .running else { return nil }
        let fair = context.lastValidOracle.raw
        guard fair > 0, !outsideBand(fair) else { return nil }
        let maxPos = Int128(context.limits.maxPosition.raw), pos = Int128(context.position.raw)
        if offer.takerSide == .buy {
            // The strategy sells.
            var j = -1
            for i in 0..<levels where wanted[i] < 0 && askPx[i] >= fair {
                j = i
                break
            }
            guard j >= 0 else { return nil }
            guard let s = answerSize(-wanted[j], room: maxPos + pos, offer: offer.size.raw) else { return nil }
            answeredSellLevel = j
            return JITAnswer(worstPrice: Price(raw: askPx[j]), maxSize: Quantity(raw: s), latency: 0)
        } else {
            // The strategy buys.
            var j = -1
            var i = levels - 1
            while i >= 0 {
                if wanted[i] > 0 && bidPx[i] <= fair { j = i; break }
                i -= 1
            }
            guard j >= 0 else { return nil }
            guard let s = answerSize(wanted[j], room: maxPos - pos, offer: offer.size.raw) else { return nil }
            answeredBuyLevel = j
            return JITAnswer(worstPrice: Price(raw: bidPx[j]), maxSize: Quantity(raw: s), latency: 0)
        }
    }

    func answerSize(_ levelSize: Int64, room: Int128, offer: Int64) -> Int64? {
        let capped = min(Int128(levelSize), Int128(size), room, Int128(offer))
        guard capped > 0 else { return nil }
        // Down to the step: never more than the level, the limit or the offer allow.
        let s = market.rounded(Quantity(raw: Int64(capped))).raw
        guard s > 0 && s >= market.minSize.raw else { return nil }
        return s
    }

    // MARK: - Ladder

    /// Prices of every level. Arithmetic: `lower + i·(upper−lower)/(levels−1)` in integer maths
    /// (the bid's division rounds down, the ask's up). Geometric: `lower·(upper/lower)^(i/(levels−1))`
    /// in `Double`; a result within 0.001 raw units of a whole micro-unit is taken as exact, else the bid
    /// rounds down and the ask up. Both bounds are exact. Then onto the tick: bids down, asks up.
    mutating func buildLadder() {
        levelPx.removeAll(keepingCapacity: true)
        bidPx.removeAll(keepingCapacity: true)
        askPx.removeAll(keepingCapacity: true)
        wanted.removeAll(keepingCapacity: true)
        slotKey.removeAll(keepingCapacity: true)
        slotRem.removeAll(keepingCapacity: true)
        retryAt.removeAll(keepingCapacity: true)
        inWindow.removeAll(keepingCapacity: true)
        let n = min(max(levels, Self.minLevels), Self.maxLevels)
        levels = n
        let lo = lower.raw, hi = upper.raw
        var ok = lo > 0 && hi > lo
        let ratioLn = ok ? StrategyMath.ln(Double(hi) / Double(lo)) : 0
        for i in 0..<n {
            var down = lo, up = lo
            if i == n - 1 {
                down = hi; up = hi
            } else if i > 0 && ok {
                if geometric {
                    let x = lower.doubleValue * StrategyMath.exponential(Double(i) / Double(n - 1) * ratioLn)
                    let scaled = x * Double(Price.scale)
                    let nearest = scaled.rounded()
                    if scaled.isFinite && (scaled - nearest).magnitude <= 1e-3 && nearest < 9.2e18 {
                        down = Int64(nearest); up = down
                    } else if let d = Price(approximating: x, .down), let u = Price(approximating: x, .up) {
                        down = d.raw; up = u.raw  // a bid never above the level, an ask never below it
                    } else {
                        ok = false
                    }
                } else {
                    down = lo + mulDiv(Int64(i), hi - lo, Int64(n - 1), .down)  // bid side: down
                    up = lo + mulDiv(Int64(i), hi - lo, Int64(n - 1), .up)      // ask side: up
                }
            }
            levelPx.append(down)
            bidPx.append(market.rounded(Price(raw: down), for: .buy).raw)
            askPx.append(market.rounded(Price(raw: up), for: .sell).raw)
            wanted.append(0)
            slotKey.append(0)
            slotRem.append(0)
            retryAt.append(0)
            inWindow.append(false)
        }
        if ok {
            // Two levels on one tick (a ladder finer than the tick): refuse rather than stack orders.
            ok = bidPx[0] > 0
            for i in 1..<n where bidPx[i] <= bidPx[i - 1] || askPx[i] <= askPx[i - 1] { ok = false }
        }
        size = market.rounded(orderSize).raw  // down to the step: never more than asked
        quotable = ok && size > 0 && size >= market.minSize.raw
        computeStopBand()
    }

    mutating func computeStopBand() {
        let b = stopOutBuffer.raw
        // Widest band (stop only when clearly outside): the low edge rounds down, the high edge up.
        stopLow = lower.applying(Ppm(raw: max(0, Ppm.scale - b)), .down).raw
        stopHigh = upper.applying(Ppm(raw: Ppm.scale + b), .up).raw
    }

    func outsideBand(_ price: Int64) -> Bool { price < stopLow || price > stopHigh }

    /// The level whose (pre-tick) price is nearest `price`; ties go to the lower level.
    func nearestLevel(_ price: Int64) -> Int {
        var best = 0
        var bestDist = UInt64.max
        for i in 0..<levels {
            let d = (levelPx[i] - price).magnitude
            if d < bestDist { best = i; bestDist = d }
        }
        return best
    }

    func level(of key: UInt32) -> Int? {
        guard key != 0 else { return nil }
        for i in 0..<levels where slotKey[i] == key { return i }
        return nil
    }

    mutating func clearSlots() {
        for i in 0..<levels {
            slotKey[i] = 0
            slotRem[i] = 0
            retryAt[i] = 0
        }
    }

    /// A key no open ladder order uses (and not the flattening key).
    mutating func newKey() -> UInt32 {
        while true {
            let k = nextKey
            nextKey = nextKey == UInt32.max ? 2 : nextKey + 1
            if k > Self.flattenKey && level(of: k) == nil { return k }
        }
    }

    // MARK: - Decisions

    mutating func seed(_ context: StrategyContext, _ out: inout Intents) {
        for i in 0..<levels { wanted[i] = 0 }
        guard quotable else {
            mode = .halted
            halt = .unquotable
            return
        }
        let fair = context.lastValidOracle.raw
        guard fair > 0 else { mode = .waiting; return }
        mode = .running
        halt = nil
        pnlAtSeed = pnl(context)
        basis = max(0, context.equity.raw)
        if outsideBand(fair) {
            haltNow(.stopOut, context, &out)
            return
        }
        let gap = nearestLevel(fair)
        for i in 0..<levels where i != gap { wanted[i] = i < gap ? size : -size }
        sync(context, &out)
    }

    /// Checks the stop-out, then the take-profit, then brings the orders in line with the ladder.
    mutating func react(_ context: StrategyContext, _ out: inout Intents) {
        guard mode == .running else { return }
        let fair = context.lastValidOracle.raw
        if fair > 0 && outsideBand(fair) {
            haltNow(.stopOut, context, &out)
            return
        }
        if basis == 0 && context.equity.raw > 0 { basis = context.equity.raw }
        if takeProfit.raw > 0 && basis > 0 {
            // The target rounds up: never take profit before it is reached.
            let target = Amount(raw: basis).applying(takeProfit, .up).raw
            if Int128(pnl(context)) - Int128(pnlAtSeed) >= Int128(target) {
                haltNow(.takeProfit, context, &out)
                return
            }
        }
        sync(context, &out)
    }

    func pnl(_ context: StrategyContext) -> Int64 {
        let (s, o) = context.realisedPnl.raw.addingReportingOverflow(context.unrealisedPnl.raw)
        return o ? (context.realisedPnl.raw > 0 ? Int64.max : Int64.min) : s
    }

    mutating func haltNow(_ reason: GridHalt, _ context: StrategyContext, _ out: inout Intents) {
        mode = .halted
        halt = reason
        out.cancelAll()
        clearSlots()
        for i in 0..<levels { wanted[i] = 0 }
        flattenPending = false
        flattenIfNeeded(context, &out)
    }

    /// A reduce-only IOC market order for the whole position (protection price zero: the venue's
    /// auction end price bounds it).
    mutating func flattenIfNeeded(_ context: StrategyContext, _ out: inout Intents) {
        let p = context.position.raw
        guard p != 0, !flattenPending else { return }
        let qty = Quantity(raw: p == Int64.min ? Int64.max : (p > 0 ? p : -p))
        out.place(StrategyOrder(key: Self.flattenKey, side: p > 0 ? .sell : .buy, type: .market, price: .zero, size: qty,
                                tif: .ioc, reduceOnly: true))
        flattenPending = true
    }

    /// A fill of `s` on `side` at level `i`: the level gives up that size (at most what it wanted) and
    /// the opposite order one level away takes it.
    mutating func applyLevelFill(_ i: Int, _ side: Side, _ s: Int64) {
        if side == .buy {
            let t = min(s, max(wanted[i], 0))
            guard t > 0 else { return }
            wanted[i] -= t
            if i + 1 < levels { wanted[i + 1] -= t }  // a sell one level up
        } else {
            let t = min(s, max(-wanted[i], 0))
            guard t > 0 else { return }
            wanted[i] += t
            if i >= 1 { wanted[i - 1] += t }  // a buy one level down
        }
    }

    /// Brings the open orders in line with the wanted sizes. The levels quoted are the non-empty ones
    /// nearest the fair price (distance in levels, the lower one first on a tie), at most
    /// `maxOpenOrders`; a buy is never placed at or above a level wanting a sell, nor a sell at or
    /// below a level wanting a buy. Orders are cancelled first, then placed or resized nearest first,
    /// each within the room left under `maxPosition` counting the position and the open orders on
    /// that side (sizes rounded down to the step; below the minimum size nothing is placed).
    mutating func sync(_ context: StrategyContext, _ out: inout Intents) {
        let fair = context.lastValidOracle.raw
        guard mode == .running, fair > 0 else { return }
        let n = levels
        let c = nearestLevel(fair)
        // Crossing guard (reachable only through out-of-order fills).
        var highestBuy = -1, lowestSell = n
        for i in 0..<n {
            if wanted[i] > 0 { highestBuy = i }
            if wanted[i] < 0 && lowestSell == n { lowestSell = i }
        }
        let cap = max(0, context.limits.maxOpenOrders)
        for i in 0..<n { inWindow[i] = false }
        var chosen = 0
        var d = 0
        while chosen < cap && d < n {
            for k in 0..<2 where chosen < cap && (k == 0 || d > 0) {
                let i = k == 0 ? c - d : c + d  // below first, then above
                guard i >= 0 && i < n else { continue }
                let w = wanted[i]
                if (w > 0 && i < lowestSell) || (w < 0 && i > highestBuy) {
                    inWindow[i] = true
                    chosen += 1
                }
            }
            d += 1
        }
        // 1. Cancel what is not wanted here (outside the window, emptied, or the other side).
        var openBuy: Int128 = 0, openSell: Int128 = 0
        for i in 0..<n where slotKey[i] != 0 {
            let w = inWindow[i] ? wanted[i] : 0
            if w == 0 || (w > 0) != (slotRem[i] > 0) {
                out.cancel(slotKey[i])
                slotKey[i] = 0
                slotRem[i] = 0
            } else if slotRem[i] > 0 {
                openBuy += Int128(slotRem[i])
            } else {
                openSell -= Int128(slotRem[i])
            }
        }
        // 2. Place or resize, nearest first.
        let maxPos = Int128(context.limits.maxPosition.raw), pos = Int128(context.position.raw)
        var buyRoom = maxPos - pos - openBuy
        var sellRoom = maxPos + pos - openSell
        let now = context.time.milliseconds
        d = 0
        while d < n {
            for k in 0..<2 where k == 0 || d > 0 {
                let i = k == 0 ? c - d : c + d
                guard i >= 0 && i < n && inWindow[i] else { continue }
                let buy = wanted[i] > 0
                let want = Int128(wanted[i].magnitude)
                let have = Int128(slotRem[i].magnitude)
                let room = buy ? buyRoom : sellRoom
                var target = min(want, have + room)
                if target < 0 { target = 0 }
                // Down to the step (never more than wanted or than the room).
                let t = market.rounded(Quantity(raw: Int64(target))).raw
                let tt = Int128(t)
                if tt == have { continue }
                let side: Side = buy ? .buy : .sell
                let price = Price(raw: buy ? bidPx[i] : askPx[i])
                if tt > have {
                    guard t >= market.minSize.raw else { continue }
                    if have == 0 {
                        guard now >= retryAt[i] else { continue }
                        let key = newKey()
                        out.place(StrategyOrder(key: key, side: side, price: price, size: Quantity(raw: t)))
                        slotKey[i] = key
                    } else {
                        let key = newKey()
                        out.replace(slotKey[i], with: StrategyOrder(key: key, side: side, price: price, size: Quantity(raw: t)))
                        slotKey[i] = key
                    }
                } else if t == 0 || t < market.minSize.raw {
                    out.cancel(slotKey[i])
                    slotKey[i] = 0
                    slotRem[i] = 0
                    if buy { buyRoom += have } else { sellRoom += have }
                    continue
                } else {
                    let key = newKey()
                    out.replace(slotKey[i], with: StrategyOrder(key: key, side: side, price: price, size: Quantity(raw: t)))
                    slotKey[i] = key
                }
                slotRem[i] = buy ? t : -t
                if buy { buyRoom -= tt - have } else { sellRoom -= tt - have }
            }
            d += 1
        }
    }
}
