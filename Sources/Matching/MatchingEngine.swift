import MarketCore


/// One perpetual market's matching core: JIT auction → price-time book → DAMM backstop, with
/// fees, oracle guards and circuit breakers (DESIGN §4).
///
/// A value type driven by commands that carry their time; it does no I/O and reads no clock.
/// Each command appends its events to the caller's buffer. Value is conserved: over all
/// accounts, the AMM, the fee pool and the insurance fund, base and quote each sum to zero
/// (see ``conservation``).
public struct MatchingEngine: Sendable {
    public let config: MarketConfig
    /// Hot-path copies of configuration fields (reading them through `config` copied the whole
    /// configuration on every order).
    let needsOracle: Bool
    let hasAMM: Bool
    let auctionSteps: Int32
    let stepRaw: Int64
    let tickRaw: Int64
    let minSizeRaw: Int64
    /// Multiples of the step and the tick, tested without a division per order.
    let stepTest: DivisibilityTest
    let tickTest: DivisibilityTest
    /// How old the last valid oracle may be for margin to allow risk-increasing actions.
    let marginStalenessMs: Int64
    /// The funding mark's impact notional (quote raw) and its band around the oracle (ppm).
    let impactNotionalRaw: Int64
    let markBandPpm: Int64
    public internal(set) var book: OrderBook
    /// The DAMM backstop, if the market has one.
    public var amm: DAMM? { hasAMM ? damm : nil }
    /// The AMM's state, stored unwrapped (a placeholder when the market has none) so hot paths
    /// read it in place instead of copying an optional payload.
    var damm: DAMM
    public internal(set) var oracle = OracleState()
    public internal(set) var breakers = CircuitBreakers()
    var accountStates: ContiguousArray<AccountState> = []
    /// Net fees kept by the market: pays maker rebates (netted per fill) and AMM repegs.
    public internal(set) var feePool: Int64 = 0
    /// The insurance fund's balance (quote, 1e6).
    public internal(set) var insuranceFund: Int64 = 0
    /// Funding index, rate and premium accounting.
    public internal(set) var funding = FundingState()
    var ammFundingIndex: Int64 = 0
    /// The latest time seen (ms).
    public internal(set) var now: Int64 = 0
    public internal(set) var paused = false
    /// This market's index in its venue: the tag of the events it writes (``EventTag/market``).
    public internal(set) var marketIndex: UInt16 = 0
    public internal(set) var globallyPaused = false
    /// Scratch for auctions (kept to avoid allocating per order).
    var quoteScratch: ContiguousArray<JITQuote> = []
    /// The ranked quotes of the current order are `rankScratch[0..<rankCount]`; entries past
    /// `rankCount` are left over from earlier orders (never read), so no clearing per order.
    var rankScratch: ContiguousArray<RankedQuote> = []
    var rankCount = 0
    /// A venue's checks of JIT quotes, installed for the length of one order (``QuoteGuard``).
    var quoteGuard = QuoteGuard()
    /// Set when a fill-or-kill check has already collected this order's JIT quotes.
    var quotesReady = false
    /// Auction path prices, memoised per step (−1: not computed yet): a buyer's path at
    /// `0...steps`, a seller's at `steps + 1 ... 2 × steps + 1`; and the path a fill-or-kill check
    /// ranked quotes on (the auction then reuses both).
    var pathMemo: ContiguousArray<Int64> = []
    var currentPath = PricePath(start: 0, end: 0, steps: 0, side: .buy, tick: 1)
    /// The paths whose prices `pathMemo` holds, a buyer's and a seller's (nil: none yet). Set only
    /// by `beginPath`, the one place that refills or clears a side's memo; `stepPrice` adds
    /// entries of these same paths.
    var memoPaths: (buy: PricePath?, sell: PricePath?) = (nil, nil)
    /// The AMM mid (price raw) when the current taker order arrived.
    var ammImpactReference: Int64 = 0

    /// Creates a market. The configuration must be valid (see ``MarketConfig/validate()``).
    public init(config: MarketConfig, capacity: Int = 1024) {
        precondition(config.validate().isEmpty, "invalid market config: \(config.validate())")
        self.config = config
        self.needsOracle = config.needsOracle
        self.hasAMM = config.amm != nil
        self.auctionSteps = config.auction.duration
        self.stepRaw = config.step.raw
        self.tickRaw = config.tick.raw
        self.minSizeRaw = config.minSize.raw
        self.stepTest = DivisibilityTest(config.step.raw)
        self.tickTest = DivisibilityTest(config.tick.raw)
        self.marginStalenessMs = config.oracle.maxStalenessMs
        self.impactNotionalRaw = config.funding.impactNotional.raw
        self.markBandPpm = config.oracle.maxMarkDivergence.raw
        self.book = OrderBook(capacity: capacity)
        self.damm = DAMM(config: config.amm ?? AMMConfig())
        quoteScratch.reserveCapacity(16)
        growRankScratch(to: 16)
        pathMemo = ContiguousArray(repeating: -1, count: 2 * (Int(config.auction.duration) + 1))
    }

    /// The state of `account` (zero if it never traded).
    public func account(_ id: AccountId) -> AccountState {
        Int(id.raw) < accountStates.count ? accountStates[Int(id.raw)] : AccountState()
    }

    /// Number of account slots in use (the highest account id seen + 1).
    public var accountCount: Int { accountStates.count }

    @inline(__always) mutating func ensureAccount(_ id: AccountId) {
        if _slowPath(Int(id.raw) >= accountStates.count) { addAccounts(through: id) }
    }

    @inline(never) mutating func addAccounts(through id: AccountId) {
        let i = Int(id.raw)
        accountStates.append(contentsOf: repeatElement(AccountState(), count: i + 1 - accountStates.count))
    }

    /// Sums of base and quote over accounts, AMM, fee pool and insurance fund. Both are zero
    /// unless value was created or destroyed.
    public var conservation: (base: Int64, quote: Int64) {
        var b: Int64 = 0
        var q: Int64 = 0
        for a in accountStates { b += a.base; q += a.quote }
        if hasAMM { b += damm.base; q += damm.quote }
        q += feePool + insuranceFund + funding.clearing
        return (b, q)
    }

    /// Oracle validity now.
    public var oracleStatus: OracleStatus { oracle.status(now: now, guards: config.oracle) }

    // MARK: - Commands

    /// Moves time forward to `time` and resets breakers whose cooldown passed.
    /// - Returns: false (nothing done) if `time` is before the market's time.
    @discardableResult @inline(__always)
    public mutating func advance(to time: Timestamp, events: inout EventBuffer) -> Bool {
        events.market = marketIndex
        guard time.milliseconds >= now else { return false }
        now = time.milliseconds
        if _slowPath(breakers.isTripped) { resetBreakersIfDue(events: &events) }
        return true
    }

    /// Resets breakers whose cooldown passed (out of line: `advance` is inlined into every command).
    @inline(never) mutating func resetBreakersIfDue(events: inout EventBuffer) {
        if let b = config.breaker {
            breakers.resetIfDue(at: now, config: b, oracleValid: oracleStatus == .valid, events: &events)
        }
    }

    /// Records an oracle price. Trips the oracle breaker if it is invalid, the price-move breaker
    /// if it moved too far within the window; repegs the AMM when valid.
    ///
    /// A price above ``Bounds/maxPrice`` or a confidence outside `0...`` Bounds/maxConfidence`` is
    /// refused (an `oracle` event with status `out_of_range`) and not recorded. An invalid update
    /// is recorded (it trips the oracle breaker) but never becomes ``OracleState/lastValidPrice``.
    /// An update older than the market's time is refused the same way (`out_of_order`).
    /// - Returns: false if the update was refused.
    @discardableResult
    public mutating func updateOracle(price: Price, confidence: Price, at time: Timestamp, events: inout EventBuffer) -> Bool {
        events.market = marketIndex
        guard advance(to: time, events: &events) else {
            events.append(.oracle(price: price, status: .outOfOrder, Timestamp(milliseconds: now)))
            return false
        }
        guard price.raw <= Bounds.maxPrice.raw, confidence.raw >= 0, confidence.raw <= Bounds.maxConfidence.raw else {
            events.append(.oracle(price: price, status: .outOfRange, Timestamp(milliseconds: now)))
            return false
        }
        samplePremium()
        oracle.update(price: price.raw, confidence: confidence.raw, time: now, window: config.oracle.twapWindowMs)
        let status = oracleStatus
        if status.allows(.liquidation) { oracle.markValid() }  // valid or mark divergent: a usable price
        if status != .valid { events.append(.oracle(price: price, status: status, Timestamp(milliseconds: now))) }
        if let b = config.breaker {
            if status != .valid && b.tripOnInvalidOracle { breakers.trip(.oracle, at: now, events: &events) }
            if price.raw > 0 { breakers.observeOracle(price: price.raw, at: now, config: b, events: &events) }
        }
        if status == .valid, hasAMM {
            damm.onOracle(price: price.raw, confidence: confidence.raw, time: now, feePool: &feePool)
        }
        if status == .valid, let b = config.breaker, breakers.isTripped {
            breakers.resetIfDue(at: now, config: b, oracleValid: true, events: &events)
        }
        samplePremium()
        return true
    }

    /// Pauses or resumes this market (`global: false`) or marks the venue-wide pause (`global: true`).
    /// - Returns: false (nothing done) if `time` is before the market's time.
    @discardableResult
    public mutating func setPaused(_ value: Bool, global: Bool, at time: Timestamp, events: inout EventBuffer) -> Bool {
        events.market = marketIndex
        guard advance(to: time, events: &events) else { return false }
        if global { globallyPaused = value } else { paused = value }
        events.append(value ? .paused(global: global, Timestamp(milliseconds: now)) : .resumed(global: global, Timestamp(milliseconds: now)))
        return true
    }

    /// Trips (or resets) the manual breaker.
    /// - Returns: false (nothing done) if `time` is before the market's time.
    @discardableResult
    public mutating func setManualBreaker(_ tripped: Bool, at time: Timestamp, events: inout EventBuffer) -> Bool {
        events.market = marketIndex
        guard advance(to: time, events: &events) else { return false }
        if tripped { breakers.trip(.manual, at: now, events: &events) } else { breakers.resetManual(at: now, events: &events) }
        return true
    }

    /// Cancels a resting order (and its OCO sibling). Unknown ids produce a rejection event.
    /// - Complexity: O(1) at the best level, O(log L + L) otherwise.
    public mutating func cancel(_ id: OrderId, at time: Timestamp, events: inout EventBuffer) {
        events.market = marketIndex
        guard advance(to: time, events: &events) else {
            events.append(.rejected(id, .timeWentBackwards, Timestamp(milliseconds: now)))
            return
        }
        guard let (rest, sibling) = book.removeIfPresent(id) else {
            events.append(.rejected(id, .unknownOrder, Timestamp(milliseconds: now)))
            return
        }
        events.append(.cancelled(id, remaining: Quantity(raw: rest), reason: .requested, Timestamp(milliseconds: now)))
        cancelSibling(sibling, events: &events)
        sampleIfMarkMoved()
    }

    mutating func cancelSibling(_ sibling: UInt32, events: inout EventBuffer) {
        guard sibling != kNil else { return }
        let sid = OrderId(sibling)
        guard book.contains(sid) else { return }
        let rest = book.remove(sid)
        events.append(.cancelled(sid, remaining: Quantity(raw: rest), reason: .ocoSibling, Timestamp(milliseconds: now)))
    }

    /// Places an order without JIT providers. See ``place(_:at:providers:events:)``.
    public mutating func place(_ request: OrderRequest, at time: Timestamp, events: inout EventBuffer) {
        events.market = marketIndex
        var none = NoJITProviders()
        place(request, at: time, providers: &none, events: &events)
    }

    /// Places an order: validates it (a rejection is an event), then — if it crosses — runs the
    /// JIT auction over the book and the AMM, and rests, cancels or kills the remainder by its
    /// type and time in force.
    /// - Complexity: O(fills + auction steps × log) plus book insertion.
    public mutating func place<P: JITProviderPool>(_ request: OrderRequest, at time: Timestamp, providers: inout P,
                                                   events: inout EventBuffer) {
        events.market = marketIndex
        guard advance(to: time, events: &events) else {
            events.append(.rejected(request.id, .timeWentBackwards, Timestamp(milliseconds: now)))
            return
        }
        var r = request
        var taking = false
        if let reason = validate(&r, taking: &taking) {
            events.append(.rejected(r.id, reason, Timestamp(milliseconds: now)))
            return
        }
        events.append(.accepted(r.id, r.account, Timestamp(milliseconds: now)))
        execute(r, taking: taking, providers: &providers, events: &events)
        sampleIfMarkMoved()
    }

    /// Amends a resting order: a pure size reduction keeps its queue position; any other change
    /// (price, or size up) re-queues it, and it may then trade as a taker.
    public mutating func amend(_ id: OrderId, price: Price?, size: Quantity?, at time: Timestamp, events: inout EventBuffer) {
        events.market = marketIndex
        guard advance(to: time, events: &events) else {
            events.append(.rejected(id, .timeWentBackwards, Timestamp(milliseconds: now)))
            return
        }
        guard let o = book.order(id) else {
            events.append(.rejected(id, .unknownOrder, Timestamp(milliseconds: now)))
            return
        }
        let newPrice = price ?? o.price
        let newSize = size ?? o.remaining
        if newPrice == o.price && newSize <= o.remaining {
            if let reason = checkSize(newSize) {
                events.append(.rejected(id, reason, Timestamp(milliseconds: now)))
                return
            }
            if newSize < o.remaining { book.reduce(id, by: o.remaining.raw - newSize.raw) }
            events.append(.amended(id, price: newPrice, size: newSize, keptPriority: true, Timestamp(milliseconds: now)))
            return
        }
        var r = OrderRequest(id: id, account: o.account, side: o.side, type: .limit, price: newPrice, size: newSize,
                             tif: .gtc, postOnly: o.postOnly, reduceOnly: o.reduceOnly, ocoWith: nil)
        // Validated while the original still rests, so a refused amend leaves it untouched.
        var taking = false
        if let reason = validate(&r, taking: &taking, amending: true, replacing: o.side == r.side ? o.remaining.raw : 0) {
            events.append(.rejected(id, reason, Timestamp(milliseconds: now)))
            return
        }
        let sibling = book.oco(of: id)
        book.remove(id)
        if sibling != kNil, book.contains(OrderId(sibling)) {
            book.setOco(OrderId(sibling), kNil)
            r.ocoWith = OrderId(sibling)
        }
        events.append(.amended(id, price: newPrice, size: newSize, keptPriority: false, Timestamp(milliseconds: now)))
        var none = NoJITProviders()
        execute(r, taking: taking, providers: &none, events: &events)
        sampleIfMarkMoved()
    }

    // MARK: - Validation

    /// Mutating only so a call from `validate` reads fields in place (a non-mutating call copied the engine).
    @inline(__always) mutating func checkSize(_ size: Quantity) -> RejectReason? {
        if size.raw <= 0 { return .invalidSize }
        if !stepTest.divides(size.raw) { return .offStep }  // size > 0 here
        if size.raw < minSizeRaw { return .belowMinSize }
        return nil
    }

    /// Checks an order against the market's rules; may cut a reduce-only order to the position.
    /// - Parameter replacing: when amending, the size the order being replaced still rests with
    ///   (it does not count toward the position and open-interest limits).
    mutating func validate(_ r: inout OrderRequest, taking: inout Bool, amending: Bool = false, replacing: Int64 = 0) -> RejectReason? {
        if paused || globallyPaused { return .marketPaused }
        if r.id.raw == kNil { return .invalidOrderId }
        if !amending && book.contains(r.id) { return .duplicateId }
        if r.account.raw > maxBookAccount { return .invalidAccount }
        if r.size.raw > Bounds.maxQuantity.raw { return .sizeOutOfRange }
        if r.price.raw > Bounds.maxPrice.raw { return .priceOutOfRange }
        if let reason = checkSize(r.size) { return reason }
        if r.type == .limit {
            if r.price.raw <= 0 { return .invalidPrice }
            if !tickTest.divides(r.price.raw) { return .offTick }  // price > 0 here
        } else {
            if r.price.raw < 0 { return .invalidPrice }
            if r.price.raw > 0 && !tickTest.divides(r.price.raw) { return .offTick }
        }
        if r.postOnly && (r.type != .limit || r.tif != .gtc) { return .postOnlyNotLimit }
        if let sib = r.ocoWith {
            guard sib != r.id, let o = book.order(sib), o.account == r.account, o.ocoWith == nil else { return .ocoUnknownSibling }
        }
        ensureAccount(r.account)
        if r.reduceOnly {
            let pos = accountStates[Int(r.account.raw)].base
            let reducible = r.side == .buy ? Swift.max(-pos, 0) : Swift.max(pos, 0)
            if reducible == 0 { return .reduceOnlyNoPosition }
            if r.size.raw > reducible {
                // Cut to the position (rounded down to a step so it never flips it).
                let cut = reducible - reducible % stepRaw
                if cut <= 0 { return .reduceOnlyWouldIncrease }
                r.size = Quantity(raw: cut)
            }
        }
        if !r.reduceOnly {
            // Bounds (docs/matching.md, "Input bounds"): the account's worst-case position on this
            // side, the side's resting size, and the account's trading cash stay within range, so
            // no fill this order or the account's resting orders can make overflows.
            // Field projections only: calling a method on `book` here copied the whole book.
            let i = Int(r.account.raw)
            let base = accountStates[i].base
            let oi = 2 * i + (r.side == .buy ? 0 : 1)
            let open = (oi < book.openSize.count ? book.openSize[oi] : 0) - replacing
            let grows = (r.side == .buy ? base : -base) + open + r.size.raw
            if grows > Bounds.maxQuantity.raw { return .positionLimit }
            if accountStates[i].quote.magnitude > UInt64(2 * Bounds.maxTotal.raw) { return .positionLimit }
            let resting = r.side == .buy ? book.sideSize.buy : book.sideSize.sell
            if resting - replacing + r.size.raw > Bounds.maxOpenInterest.raw { return .openInterestLimit }
        }
        let crosses = isTaker(r)
        if r.postOnly && crosses.book { return .postOnlyWouldCross }
        taking = crosses.any && !r.postOnly
        if crosses.any && !r.postOnly {
            if breakers.isTripped && !r.reduceOnly { return .breakerTripped }
            // A fill-or-kill whose own fills would trip the volume breaker could stop half-way:
            // refused up front so it stays all-or-nothing.
            if r.tif == .fok && !r.reduceOnly && fokWouldTripBreaker(size: r.size.raw) { return .wouldTripBreaker }
            if needsOracle && !breakers.isTripped {
                switch oracleStatus {
                case .valid: oracle.markValid()
                case .missing: return .noOracle
                default: return .oracleInvalid
                }
            }
        }
        return nil
    }

    /// Whether `size` more volume would trip the volume breaker. Out of line and called only for
    /// fill-or-kill orders: reading `config` inline in `validate` copied it on every order.
    @inline(never)
    mutating func fokWouldTripBreaker(size: Int64) -> Bool {
        guard let b = config.breaker, let maxVolume = b.maxVolume else { return false }
        return breakers.windowVolume(at: now, config: b) > maxVolume.raw - size
    }

    /// Whether an order would take liquidity: it crosses the book, the AMM, or (with an auction) the oracle.
    @inline(__always) mutating func isTaker(_ r: OrderRequest) -> (book: Bool, any: Bool) {  // mutating: a non-mutating call from validate copied the whole engine
        let opp = r.side.opposite
        let bookCross: Bool
        if let best = book.best(opp) {
            bookCross = r.type == .market || Self.crosses(r.side, best.raw, r.price.raw)
        } else {
            bookCross = false
        }
        if r.type == .market || bookCross { return (bookCross, true) }
        if hasAMM, damm.isLive, Self.crosses(r.side, damm.bestPrice(for: r.side).raw, r.price.raw) { return (false, true) }
        if auctionSteps > 0 && oracle.hasValue && Self.crosses(r.side, oracle.price, r.price.raw) { return (false, true) }
        return (false, false)
    }

    /// Whether a taker on `side` with limit `limit` accepts `price`.
    static func crosses(_ side: Side, _ price: Int64, _ limit: Int64) -> Bool {
        side == .buy ? price <= limit : price >= limit
    }
}
