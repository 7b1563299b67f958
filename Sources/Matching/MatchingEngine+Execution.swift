import MarketCore

/// A JIT quote with the step at which it first crosses.
struct RankedQuote: Sendable {
    var quote: JITQuote
    var step: Int32
    var order: Int32
}

/// The incoming order while it trades.
struct Taker {
    var id: OrderId
    var account: AccountId
    var side: Side
    var remaining: Int64
    var filled: Int64 = 0
    /// Set when self-trade prevention cancels the rest of the taker.
    var stopped = false
    /// Set when a breaker trips while the order takes.
    var halted = false
    var reduceOnly: Bool
}

/// The auction's price path: linear from `start` to `end` over `steps`, each price rounded
/// toward the end (against the taker) and onto the tick.
struct PricePath: Equatable {
    var start: Int64
    var end: Int64
    var steps: Int32
    var side: Side
    var tick: Int64

    func price(at step: Int32) -> Int64 {
        if step >= steps { return end }
        let rounding: Rounding = side == .buy ? .up : .down
        let p = start + mulDiv(end - start, Int64(step), Int64(steps), rounding)
        let snapped = mulDiv(p, 1, tick, rounding) * tick
        return side == .buy ? Swift.min(snapped, end) : Swift.max(snapped, end)
    }

    @inline(__always) func accepts(_ p: Int64, _ level: Int64) -> Bool { side == .buy ? p >= level : p <= level }

    /// Writes ``price(at:)`` for every step `0...steps` into `out[0...steps]` with three divisions
    /// in all instead of two per step. `|end − start| × s / steps` advances by the quotient and
    /// remainder of `|end − start| / steps`; its ceiling is the interpolation rounded toward the
    /// end (up for a buyer's rising path, down for a seller's falling one). The price before the
    /// tick snap is likewise carried as a quotient and remainder by the tick, advanced by the
    /// per-step quotient and remainder of that advance, so the snap is a comparison.
    /// Equal to ``price(at:)`` at every step (`AuctionPathTests`).
    func fill(_ out: UnsafeMutableBufferPointer<Int64>) {
        let n = Int(steps)
        // Safe: every write below is to an index in 0...n, and this check holds them in bounds
        // (an unchecked buffer in release builds; AuctionPathTests and the ASan run exercise it).
        precondition(n >= 0 && out.count > n, "path buffer too small")
        let a = side == .buy ? end - start : start - end  // ≥ 0: the path runs toward the end
        guard n > 0, a >= 0, start >= 0, tick > 0 else {
            for s in 0...n { out[s] = price(at: Int32(s)) }
            return
        }
        let (aq, ar) = a.quotientAndRemainder(dividingBy: Int64(n))
        let (dq, dr) = aq.quotientAndRemainder(dividingBy: tick)  // the advance of q per step, in ticks
        // x = start ± q (toward the end) = xq × tick + xr with 0 ≤ xr < tick, where
        // a × s = q × n + r, 0 ≤ r < n; the unsnapped price is x ± 1 when r > 0 (the ceiling).
        var (xq, xr) = start.quotientAndRemainder(dividingBy: tick)  // start ≥ 0: xr ≥ 0
        var r: Int64 = 0
        let steps64 = Int64(n)
        for s in 0..<n {
            var vq = xq
            var vr = xr
            if side == .buy {
                if r > 0 { vr += 1; if vr == tick { vr = 0; vq += 1 } }
                out[s] = Swift.min((vr > 0 ? vq + 1 : vq) * tick, end)  // snapped up
            } else {
                if r > 0 { vr -= 1; if vr < 0 { vr += tick; vq -= 1 } }
                out[s] = Swift.max(vq * tick, end)  // snapped down (the price is ≥ end ≥ 0: vq is its floor)
            }
            // q += aq (+ 1 when r wraps), carried into (xq, xr): dr + carry ≤ tick, so one
            // correction restores 0 ≤ xr < tick.
            r += ar
            var carry: Int64 = 0
            if r >= steps64 { r -= steps64; carry = 1 }
            if side == .buy {
                xq += dq
                xr += dr + carry
                if xr >= tick { xr -= tick; xq += 1 }
            } else {
                xq -= dq
                xr -= dr + carry
                if xr < 0 { xr += tick; xq -= 1 }
            }
        }
        out[n] = end
    }
}

extension MatchingEngine {
    /// Runs a validated order: auction or sweep, then the remainder by type and time in force.
    mutating func execute<P: JITProviderPool>(_ r: OrderRequest, taking: Bool, providers: inout P, events: inout EventBuffer) {
        var t = Taker(id: r.id, account: r.account, side: r.side, remaining: r.size.raw, reduceOnly: r.reduceOnly)
        quotesReady = false  // quotes ranked for an earlier order (e.g. a killed FOK) are never reused
        if taking {
            // Price impact is measured from the AMM's mid when this order arrived.
            ammImpactReference = hasAMM ? damm.midPriceRaw : 0
            let restricted = breakers.isTripped  // only reduce-only reaches here: book only
            let duration = auctionSteps
            let limit = Self.worstPrice(side: r.side, type: r.type, price: r.price.raw, oracle: oracle.lastValidPrice,
                                        endOffset: config.auction.endOffset.raw) ?? (r.side == .buy ? Int64.max : 0)
            if r.tif == .fok {
                let available = fillable(t, limit: limit, useAMM: !restricted, auction: !restricted && duration > 0,
                                         providers: &providers, offerTime: now)
                if available < t.remaining {
                    events.append(.cancelled(t.id, remaining: Quantity(raw: t.remaining), reason: .fillOrKill, Timestamp(milliseconds: now)))
                    return
                }
            }
            if !restricted && duration > 0 {
                runAuction(&t, limit: limit, providers: &providers, events: &events)
            } else {
                sweep(&t, limit: limit, step: 0, useAMM: !restricted, events: &events)
            }
        }
        let ts = Timestamp(milliseconds: now)
        if t.filled > 0, let sib = r.ocoWith { cancelSibling(sib.raw, events: &events) }
        guard t.remaining > 0 else { return }
        if t.stopped {
            events.append(.cancelled(t.id, remaining: Quantity(raw: t.remaining), reason: .selfTrade, ts))
        } else if t.halted {
            events.append(.cancelled(t.id, remaining: Quantity(raw: t.remaining), reason: .breakerTripped, ts))
        } else if r.type == .market {
            events.append(.cancelled(t.id, remaining: Quantity(raw: t.remaining), reason: .marketRemainder, ts))
        } else if r.tif != .gtc {
            events.append(.cancelled(t.id, remaining: Quantity(raw: t.remaining), reason: r.tif == .ioc ? .immediateOrCancel : .fillOrKill, ts))
        } else {
            var oco = kNil
            if t.filled == 0, let sib = r.ocoWith, book.contains(sib) {
                oco = sib.raw
                book.setOco(sib, r.id.raw)
            }
            book.insert(id: r.id, account: r.account, side: r.side, price: r.price.raw, qty: t.remaining,
                        reduceOnly: r.reduceOnly, postOnly: r.postOnly, oco: oco)
        }
    }

    // MARK: - Auction

    /// The JIT auction (DESIGN §4). Runs to completion inside this call: steps are virtual
    /// slots, and no other command interleaves with an auction.
    mutating func runAuction<P: JITProviderPool>(_ t: inout Taker, limit: Int64, providers: inout P,
                                                                  events: inout EventBuffer) {
        let path = quotesReady ? currentPath : beginPath(side: t.side, limit: limit)
        let ts = Timestamp(milliseconds: now)
        events.append(.auctionStart(t.id, side: t.side, start: Price(raw: path.start), end: Price(raw: path.end), steps: path.steps, ts))
        if !quotesReady { rankQuotes(t, path: path, providers: &providers) }
        quotesReady = false
        var qi = 0
        var step: Int32 = 0
        while t.remaining > 0 && !t.stopped && !t.halted {
            let p = stepPrice(path, step)
            sweep(&t, limit: p, step: step, useAMM: true, events: &events)
            while t.remaining > 0 && !t.stopped && !t.halted && qi < rankCount && rankScratch[qi].step == step {
                fillProvider(&t, rankScratch[qi].quote, price: p, step: step, events: &events)
                qi += 1
            }
            if t.remaining == 0 || t.stopped || t.halted || step >= path.steps { break }
            // Jump to the next step at which something new can trade.
            var next = path.steps
            if qi < rankCount { next = Swift.min(next, rankScratch[qi].step) }
            if let best = book.best(t.side.opposite), let s = firstStep(path, from: step + 1, accepting: best.raw) {
                next = Swift.min(next, s)
            }
            if hasAMM, damm.isLive, let s = firstStep(path, from: step + 1, accepting: damm.bestPrice(for: t.side).raw) {
                next = Swift.min(next, s)
            }
            step = Swift.max(next, step + 1)
        }
        events.append(.auctionEnd(t.id, filled: Quantity(raw: t.filled), Timestamp(milliseconds: now)))
    }

    /// The worst price an order can fill at — the one rule the engine and the venue's margin
    /// check share: a limit order's price; a market order's protection price, bounded (whenever a
    /// valid oracle has been seen) by `oracle × (1 ± endOffset)` if that is tighter, rounded toward
    /// the oracle (so the taker never fills beyond it). Nil: a market order with neither (unbounded).
    /// - Parameters:
    ///   - price: the limit, or a market order's protection (0 = none).
    ///   - oracle: the last valid oracle price (0 = none yet).
    ///   - endOffset: the auction's end offset (ppm).
    @inlinable
    public static func worstPrice(side: Side, type: OrderType, price: Int64, oracle: Int64, endOffset: Int64) -> Int64? {
        if type == .limit { return price }
        guard oracle > 0 else { return price > 0 ? price : nil }
        let one = Ppm.one.raw
        let end = side == .buy ? mulDiv(oracle, one + endOffset, one, .down) : mulDiv(oracle, one - endOffset, one, .up)
        guard price > 0 else { return end }
        return side == .buy ? Swift.min(price, end) : Swift.max(price, end)
    }

    /// The price of `path` at `step`, computed once per path (``beginPath(side:limit:)`` keeps a
    /// side's memo for the same path and refills it for another): the auction and the quote
    /// ranking ask for the same steps many times.
    @inline(__always)
    mutating func stepPrice(_ path: PricePath, _ step: Int32) -> Int64 {
        let i = Self.memoOffset(path) + Int(Swift.min(step, path.steps))
        let cached = pathMemo[i]  // always set when steps ≤ 64 (filled at `beginPath`)
        if _fastPath(cached >= 0) { return cached }
        return computeStepPrice(path, step, at: i)
    }

    /// ``stepPrice(_:_:)`` when the memo does not hold the step yet (long paths): computes and stores it.
    @inline(never)
    mutating func computeStepPrice(_ path: PricePath, _ step: Int32, at i: Int) -> Int64 {
        let p = path.price(at: step)
        pathMemo[i] = p
        return p
    }

    /// Where `path`'s prices start in `pathMemo`: a buyer's path at 0, a seller's after it (every
    /// path of a market has the market's `steps`, so each side has `steps + 1` entries).
    @inline(__always) static func memoOffset(_ path: PricePath) -> Int {
        path.side == .buy ? 0 : Int(path.steps) + 1
    }

    /// The first step ≥ `from` at which the path's price accepts `level` (a buyer's price ≥
    /// level, a seller's ≤ level), or nil. Short paths (all prices stored): a scan from `from`,
    /// inlined (six calls an order); long ones: the path is monotone, so a binary search.
    @inline(__always)
    mutating func firstStep(_ path: PricePath, from: Int32, accepting level: Int64) -> Int32? {
        if _fastPath(path.steps <= 64) {
            // Filled at `beginPath`: a search over the stored prices (first accepting index).
            guard from <= path.steps else { return nil }
            let offset = Self.memoOffset(path)
            return pathMemo.withUnsafeBufferPointer { b -> Int32? in
                var i = Int(from)
                let n = Int(path.steps)
                // Safe: `beginPath` sized the memo to 2 × (steps + 1), both sides' paths; checked
                // once here, so the reads below (offset + from ≥ 0 up to offset + steps) stay in bounds.
                precondition(i >= 0 && b.count > offset + n, "auction path memo smaller than the path")
                while i <= n {  // at most 65 entries, usually a few from `from`
                    if path.accepts(b[offset + i], level) { return Int32(i) }
                    i &+= 1
                }
                return nil
            }
        }
        return firstStepSearch(path, from: from, accepting: level)
    }

    /// ``firstStep(_:from:accepting:)`` on a long path: a binary search over prices computed on demand.
    @inline(never)
    mutating func firstStepSearch(_ path: PricePath, from: Int32, accepting level: Int64) -> Int32? {
        if from > path.steps || !path.accepts(stepPrice(path, path.steps), level) { return nil }
        if path.accepts(stepPrice(path, from), level) { return from }
        var lo = from + 1
        var hi = path.steps
        while lo < hi {
            let mid = (lo + hi) / 2
            if path.accepts(stepPrice(path, mid), level) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// The auction path for a taker (``auctionPath(side:limit:)``) with the price memo set up for
    /// it. A path's prices depend only on the path's five fields, so when the side's memo already
    /// holds this very path (same start, end, steps and tick: the usual case between two oracle
    /// updates, with buyers and sellers each keeping theirs) it is kept as it is, entries computed
    /// on demand included; otherwise the side's memo is refilled (or cleared).
    mutating func beginPath(side: Side, limit: Int64) -> PricePath {
        let path = auctionPath(side: side, limit: limit)
        let memoised = side == .buy ? memoPaths.buy : memoPaths.sell
        if memoised == path { return path }  // every entry is this path's price or −1 (not yet computed)
        if side == .buy { memoPaths.buy = path } else { memoPaths.sell = path }
        let n = Int(path.steps) + 1  // steps ≤ 1,000 (MarketConfig.validate)
        let offset = Self.memoOffset(path)
        if pathMemo.count < 2 * n { pathMemo.append(contentsOf: repeatElement(-1, count: 2 * n - pathMemo.count)) }
        pathMemo.withUnsafeMutableBufferPointer { all in
            // Safe: the memo holds 2 × n entries (just ensured) and offset is 0 or n.
            let b = UnsafeMutableBufferPointer(rebasing: all[offset..<offset + n])
            if n <= 65 {
                path.fill(b)  // short auctions (the usual ones): every step at once
            } else {
                for i in 0..<n { b[i] = -1 }  // long ones on demand: −1 marks "not computed" (prices are ≥ 0)
            }
        }
        return path
    }

    /// Mutating only so the call from `beginPath` reads fields in place (a non-mutating call
    /// copied the whole engine on every auction).
    mutating func auctionPath(side: Side, limit: Int64) -> PricePath {
        let o = oracle.price
        let tick = tickRaw
        // Start at the oracle (or the limit, if that is better for the taker); end at the limit.
        // The end is snapped toward the start so it never passes the limit.
        if side == .buy {
            let end = mulDiv(limit, 1, tick, .down) * tick
            let start = Swift.min(mulDiv(Swift.min(o, limit), 1, tick, .up) * tick, end)
            return PricePath(start: start, end: end, steps: auctionSteps, side: side, tick: tick)
        } else {
            let end = mulDiv(limit, 1, tick, .up) * tick
            let start = Swift.max(mulDiv(Swift.max(o, limit), 1, tick, .down) * tick, end)
            return PricePath(start: start, end: end, steps: auctionSteps, side: side, tick: tick)
        }
    }

    /// Collects the providers' quotes and orders them: crossing step, better worst price,
    /// lower latency, then the pool's order.
    ///
    /// Only the call to the pool is generic: callers in other modules run the unspecialised
    /// generic code, where the ranking loop looked up the type metadata of its (concrete) arrays
    /// at run time, about 600 instructions per order. The ranking is a separate, non-generic
    /// function for that reason.
    mutating func rankQuotes<P: JITProviderPool>(_ t: Taker, path: PricePath, providers: inout P) {
        let offer = startQuotes(t, path: path)
        providers.collectQuotes(for: offer, into: &quoteScratch)
        quoteGuard.filter(&quoteScratch, from: 0, takerSide: t.side)  // a venue's checks, if one installed them
        rankCollectedQuotes(t, path: path)
    }

    /// Empties the quote scratch and builds the offer the providers answer.
    @inline(never)
    mutating func startQuotes(_ t: Taker, path: PricePath) -> AuctionOffer {
        quoteScratch.removeAll(keepingCapacity: true)
        rankCount = 0
        return AuctionOffer(order: t.id, takerAccount: t.account, takerSide: t.side, size: Quantity(raw: t.remaining),
                            startPrice: Price(raw: path.start), endPrice: Price(raw: path.end), steps: path.steps,
                            oracle: Price(raw: oracle.lastValidPrice), time: Timestamp(milliseconds: now))
    }

    /// Ranks the collected quotes into `rankScratch[0..<rankCount]` (see
    /// ``rankQuotes(_:path:providers:)``).
    @inline(never)
    mutating func rankCollectedQuotes(_ t: Taker, path: PricePath) {
        let n = quoteScratch.count
        if _slowPath(rankScratch.count < n) { growRankScratch(to: n) }
        let side = t.side
        var i = 0
        while i < n {  // an index loop: iterating the array itself retained and released it
            // A quote is cut to what the provider may still take within the bounds, so the FOK
            // estimate and the fills agree (and no sum of sizes can overflow).
            var q = quoteScratch[i]
            let order = Int32(truncatingIfNeeded: i)  // n ≤ Int32.max in practice; only ties compare it
            i &+= 1
            q.maxSize = Quantity(raw: Swift.min(q.maxSize.raw, providerRoom(q.account, side: side.opposite)))
            guard q.account != t.account, q.maxSize.raw >= stepRaw, q.worstPrice.raw > 0 else { continue }
            guard let s = firstStep(path, from: Swift.max(q.latency, 0), accepting: q.worstPrice.raw) else { continue }
            let r = RankedQuote(quote: q, step: s, order: order)
            // Insertion sort (a handful of quotes) into the first `rankCount` entries; the array
            // holds at least `n` > rankCount entries, so `rankCount` is in bounds.
            let count = rankCount
            rankScratch.withUnsafeMutableBufferPointer { b in
                precondition(count < b.count, "rank scratch smaller than the quotes")
                var j = count
                while j > 0 && Self.ranksBefore(r, b[j - 1], side: side) {
                    b[j] = b[j - 1]
                    j -= 1
                }
                b[j] = r
            }
            rankCount = count + 1
        }
    }

    /// Makes `rankScratch` hold at least `n` entries (placeholders, each written before it is read:
    /// only `rankScratch[0..<rankCount]` is ever read).
    @inline(never)
    mutating func growRankScratch(to n: Int) {
        let placeholder = RankedQuote(quote: JITQuote(provider: ProviderId(0), account: AccountId(0), worstPrice: .zero,
                                                      maxSize: .zero, latency: 0), step: 0, order: 0)
        rankScratch.append(contentsOf: repeatElement(placeholder, count: n - rankScratch.count))
    }

    /// How much a JIT provider's account may still trade on `side` within the bounds: its position
    /// plus resting orders on that side stay ≤ ``Bounds/maxQuantity``, and nothing once its trading
    /// cash is past the bound (as for an order at entry).
    /// Mutating (field projections only): a non-mutating call from the auction path copied the engine.
    @inline(__always)
    mutating func providerRoom(_ account: AccountId, side: Side) -> Int64 {
        let i = Int(account.raw)
        let base = i < accountStates.count ? accountStates[i].base : 0
        let quote = i < accountStates.count ? accountStates[i].quote : 0
        guard quote.magnitude <= UInt64(2 * Bounds.maxTotal.raw) else { return 0 }
        let oi = 2 * i + (side == .buy ? 0 : 1)
        let open = oi < book.openSize.count ? book.openSize[oi] : 0
        return Swift.max(Bounds.maxQuantity.raw - (side == .buy ? base : -base) - open, 0)
    }

    static func ranksBefore(_ a: RankedQuote, _ b: RankedQuote, side: Side) -> Bool {
        if a.step != b.step { return a.step < b.step }
        if a.quote.worstPrice != b.quote.worstPrice {
            return side == .buy ? a.quote.worstPrice < b.quote.worstPrice : a.quote.worstPrice > b.quote.worstPrice
        }
        if a.quote.latency != b.quote.latency { return a.quote.latency < b.quote.latency }
        return a.order < b.order
    }

    mutating func fillProvider(_ t: inout Taker, _ q: JITQuote, price: Int64, step: Int32, events: inout EventBuffer) {
        ensureAccount(q.account)
        let cap = Swift.min(q.maxSize.raw, providerRoom(q.account, side: t.side.opposite))
        let maxSize = cap - cap % stepRaw
        let qty = Swift.min(maxSize, t.remaining)
        guard qty > 0 else { return }
        settle(&t, maker: .provider(q.provider, q.account), makerAccount: q.account.raw, price: price, qty: qty,
               ammQuote: nil, step: step, events: &events)
    }

    // MARK: - Book and AMM

    /// Fills against the book and the AMM, best price first, while they accept `limit`.
    /// The AMM trades only up to the next maker's price, so makers at a price see the flow first.
    mutating func sweep(_ t: inout Taker, limit: Int64, step: Int32, useAMM: Bool, events: inout EventBuffer) {
        let opp = t.side.opposite
        let stepSize = stepRaw
        while t.remaining > 0 && !t.stopped {
            // A breaker that trips during this order stops it taking more (reduce-only may go on).
            if !t.reduceOnly && breakers.isTripped { t.halted = true; break }
            let level = book.bestLevel(opp)
            var makerPrice: Int64? = nil
            if let level, Self.crosses(t.side, level.price, limit) { makerPrice = level.price }
            if useAMM, hasAMM, damm.isLive {
                let a = damm.bestPrice(for: t.side).raw
                let better = makerPrice.map { t.side == .buy ? a < $0 : a > $0 } ?? Self.crosses(t.side, a, limit)
                if better {
                    let bound = makerPrice ?? limit
                    let cap = Swift.min(damm.capacity(for: t.side, limit: Price(raw: bound), step: stepSize, impactReference: ammImpactReference), t.remaining)
                    if cap > 0 {
                        let quote = damm.execute(takerSide: t.side, qty: cap)
                        let avg = mulDiv(quote, 1_000_000_000, cap, t.side == .buy ? .up : .down)
                        settle(&t, maker: .amm, makerAccount: kNil, price: avg, qty: cap, ammQuote: quote, step: step, events: &events)
                        continue
                    }
                }
            }
            guard let mp = makerPrice, let level else { break }
            let s = book.slot(Int(level.head))
            let makerId = OrderId(s.id)
            let sibling = s.hasOco ? book.oco(of: makerId) : kNil
            if s.account == t.account.raw {
                if config.selfTrade == .cancelTaker {
                    t.stopped = true
                    break
                }
                let rest = book.remove(makerId)
                events.append(.cancelled(makerId, remaining: Quantity(raw: rest), reason: .selfTrade, Timestamp(milliseconds: now)))
                cancelSibling(sibling, events: &events)
                continue
            }
            var qty = Swift.min(s.qty, t.remaining)
            var clamped = false
            if s.reduceOnly {
                let pos = accountStates[Int(s.account)].base
                let reducible = opp == .buy ? Swift.max(-pos, 0) : Swift.max(pos, 0)
                if reducible < qty {
                    qty = reducible
                    clamped = true
                }
                if qty == 0 {
                    let rest = book.remove(makerId)
                    events.append(.cancelled(makerId, remaining: Quantity(raw: rest), reason: .reduceOnlyClamp, Timestamp(milliseconds: now)))
                    cancelSibling(sibling, events: &events)
                    continue
                }
            }
            settle(&t, maker: .order(makerId, AccountId(s.account)), makerAccount: s.account, price: mp, qty: qty,
                   ammQuote: nil, step: step, events: &events)
            if qty == s.qty {
                book.remove(makerId)
            } else if clamped {
                let rest = book.remove(makerId)
                events.append(.cancelled(makerId, remaining: Quantity(raw: rest - qty), reason: .reduceOnlyClamp, Timestamp(milliseconds: now)))
            } else {
                book.reduce(makerId, by: qty)
                if sibling != kNil { book.setOco(makerId, kNil) }  // the link ends with the sibling
            }
            cancelSibling(sibling, events: &events)
        }
    }

    /// Liquidity a taker could get up to `limit` from sources it cannot fail to fill against:
    /// the book (excluding its own and reduce-only orders), the AMM and the providers' quotes.
    /// Conservative, so a fill-or-kill order that passes always fills in full.
    mutating func fillable<P: JITProviderPool>(_ t: Taker, limit: Int64, useAMM: Bool, auction: Bool,
                                                                providers: inout P, offerTime: Int64) -> Int64 {
        var total: Int64 = 0
        let levels = t.side == .buy ? book.asks : book.bids
        var i = levels.count - 1
        while i >= 0 && total < t.remaining {
            let level = levels[i]
            guard Self.crosses(t.side, level.price, limit) else { break }
            var cur = level.head
            var ownStop = false
            while cur != kNil {
                let s = book.slot(Int(cur))
                if s.account == t.account.raw && config.selfTrade == .cancelTaker { ownStop = true; break }
                // Own orders are cancelled, reduce-only ones may shrink, OCO legs may cancel each other: count none.
                if s.account != t.account.raw && !s.reduceOnly && !s.hasOco { total += s.qty }
                cur = s.next
            }
            if ownStop { break }
            i -= 1
        }
        if useAMM, hasAMM, damm.isLive {
            // The auction (or the sweep) stops at the limit snapped onto the tick.
            let tick = tickRaw
            let snapped = t.side == .buy ? mulDiv(limit, 1, tick, .down) * tick : mulDiv(limit, 1, tick, .up) * tick
            // Step-wise AMM fills can each lose up to one step to rounding: keep that slack.
            let slack = stepRaw * Int64(auctionSteps + 1 + Int32(levels.count))
            total += Swift.max(damm.capacity(for: t.side, limit: Price(raw: snapped), step: stepRaw,
                                            impactReference: ammImpactReference) - slack, 0)
        }
        if auction {
            let path = beginPath(side: t.side, limit: limit)
            rankQuotes(t, path: path, providers: &providers)
            currentPath = path
            quotesReady = true  // the auction reuses these: each provider is asked once per order
            for k in 0..<rankCount {
                let size = rankScratch[k].quote.maxSize.raw
                total += size - size % stepRaw
            }
        }
        return total
    }

    // MARK: - Settlement and fees

    /// Books one fill: positions, cash, fees (to the fee pool and the insurance fund), volume,
    /// the mark, the volume breaker, and the event.
    mutating func settle(_ t: inout Taker, maker: Counterparty, makerAccount: UInt32, price: Int64, qty: Int64,
                                          ammQuote: Int64?, step: Int32, events: inout EventBuffer) {
        // Notional rounds against the taker: a buyer pays the ceiling, a seller receives the floor.
        let notional = ammQuote ?? mulDiv(price, qty, 1_000_000_000, t.side == .buy ? .up : .down)
        let ti = Int(t.account.raw)
        let mi = makerAccount != kNil ? Int(makerAccount) : ti  // the AMM: no maker account
        // Funding first, for both sides (each settles its own position; the maker is never the
        // taker), then the fees on the volumes before this fill.
        settleFunding(ti)
        if makerAccount != kNil { settleFunding(mi) }
        // Fees round up (toward the venue): against the payer, and a rebate rounds toward zero.
        let takerFee = mulDiv(notional, tier(for: accountStates[ti].volume).taker.raw, 1_000_000, .up)
        let makerFee = makerAccount != kNil ? mulDiv(notional, tier(for: accountStates[mi].volume).maker.raw, 1_000_000, .up) : 0
        let sign = t.side.sign
        let hasMaker = makerAccount != kNil
        // Both accounts in one access (one uniqueness check, not one per field).
        accountStates.withUnsafeMutableBufferPointer { a in
            // Safe: `place` ensured both accounts exist (`ensureAccount`); checked here again.
            precondition(ti < a.count && mi < a.count, "settling an account that does not exist")
            a[ti].trade(delta: sign * qty, cash: -sign * notional)
            a[ti].quote -= takerFee
            a[ti].volume = saturatingAdd(a[ti].volume, notional)
            a[ti].fees += takerFee
            if hasMaker {
                a[mi].trade(delta: -sign * qty, cash: sign * notional)
                a[mi].quote -= makerFee
                a[mi].volume = saturatingAdd(a[mi].volume, notional)
                a[mi].fees += makerFee
            }
        }
        // Net fee ≥ 0 because a rebate never exceeds the taker fee. The insurance share rounds down.
        let net = takerFee + makerFee
        let toInsurance = mulDiv(net, config.fees.insuranceShare.raw, 1_000_000, .down)
        insuranceFund += toInsurance
        feePool += net - toInsurance
        t.remaining -= qty
        t.filled += qty
        oracle.mark = price
        oracle.markTime = now
        if notional >= impactNotionalRaw { funding.lastImpactTrade = price }  // only a trade of impact size marks funding
        // The funding premium is sampled once, when the command ends (``sampleIfMarkMoved()``
        // in `place` and `amend`, the only callers of `execute`): fills inside one command share
        // its time, so samples between them would integrate over zero time and change nothing.
        if let b = config.breaker { breakers.observeVolume(qty, at: now, config: b, events: &events) }
        events.append(.fill(Fill(taker: t.id, takerAccount: t.account, takerSide: t.side, maker: maker, price: Price(raw: price),
                                 size: Quantity(raw: qty), notional: Amount(raw: notional), takerFee: Amount(raw: takerFee),
                                 makerFee: Amount(raw: makerFee), step: step, time: Timestamp(milliseconds: now))))
    }

    mutating func tier(for volume: Int64) -> FeeTier {
        let tiers = config.fees.tiers
        var i = tiers.count - 1
        while i > 0 && tiers[i].minVolume.raw > volume { i -= 1 }
        return tiers[i]
    }
}
