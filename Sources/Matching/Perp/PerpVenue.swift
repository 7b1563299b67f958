import MarketCore

/// One perpetual market inside a venue: its matching engine and risk rules.
public struct MarketSpec: Sendable, Hashable {
    public var matching: MarketConfig
    public var risk: RiskConfig
    public init(matching: MarketConfig, risk: RiskConfig = RiskConfig()) {
        self.matching = matching
        self.risk = risk
    }
}

/// A venue: markets, cross-margined sub-accounts with USDC and haircut collateral, funding,
/// keeper-run liquidations and trigger orders, and the insurance funds (DESIGN §5).
///
/// A value type driven by commands carrying their time; no I/O, no clock. Conservation: over
/// all accounts' collateral, every market's trading balances, pools, insurance funds and keeper
/// stakes, quote changes only by explicit deposits and withdrawals (``quoteSupply``).
public struct PerpVenue: Sendable {
    public internal(set) var markets: [MatchingEngine]
    public let risks: [RiskConfig]
    public let assets: [CollateralAsset]
    public let keeperConfig: KeeperConfig
    /// USDC collateral per account (quote raw); read it with ``balance(_:)``.
    var usdc: ContiguousArray<Int64> = []
    /// Other collateral: `assetBalances[account × assets.count + asset]` (1e9 units).
    var assetBalances: ContiguousArray<Int64> = []
    /// Each collateral asset's total over all accounts (1e9 units): deposits minus withdrawals,
    /// bounded by ``Bounds/maxTotal`` (liquidation only moves it between accounts).
    var assetTotals: [Int64]
    /// Oracle price of each collateral asset (price raw, quote per whole unit); ``assetPrice(_:)``.
    var assetPrices: [Int64]
    public internal(set) var keepers = KeeperNetwork()
    public internal(set) var triggers: [TriggerOrder] = []
    var brackets: [PendingBracket] = []
    /// Vault hooks waiting for a keeper (fee crystallisation, matured withdrawals).
    public internal(set) var externalJobs: [ExternalJob] = []
    /// External jobs done by a keeper and not yet taken by the host (``takeCompletedJobs()``).
    public internal(set) var completedJobs: [ExternalJob] = []
    /// Net deposits minus withdrawals of USDC, quote raw (``netDeposits``).
    var netDepositsRaw: Int64 = 0
    /// The venue's time in ms (``time``): the latest command's.
    var now: Int64 = 0
    /// The sequence number the venue's next event gets (1 for the first; no gaps).
    public internal(set) var sequence: UInt64 = 1
    /// The highest taker fee of each market's tiers (the margin check's fee allowance).
    let maxTakerFee: [Int64]
    /// Each market's auction end offset (a market order's worst price around the oracle).
    let endOffset: [Int64]
    /// Each market's size step (raw): read per taker, and reading it through `markets[m]` copied
    /// the whole engine out of the array.
    let stepRaw: [Int64]
    /// Whether orders are checked against initial margin (off: a pure matching run without collateral).
    public var enforceMargin: Bool
    /// JIT providers and the one account each may quote for (``registerProvider(_:account:)``).
    public internal(set) var jitProviders: [(provider: ProviderId, account: AccountId)] = []
    /// Reused buffer of provider guards (see `place`).
    var guardScratch = ContiguousArray<ProviderGuard>()

    /// Creates a venue. Every market and risk configuration must be valid.
    public init(markets: [MarketSpec], assets: [CollateralAsset] = [], keepers: KeeperConfig = KeeperConfig(), seed: UInt64 = 1,
                enforceMargin: Bool = true) {
        self.enforceMargin = enforceMargin
        precondition(markets.count < Int(EventBuffer.venueWide), "too many markets")
        self.markets = markets.enumerated().map { i, spec in
            var engine = MatchingEngine(config: spec.matching)
            engine.marketIndex = UInt16(i)
            return engine
        }
        self.risks = markets.map(\.risk)
        // The largest fee an order can pay, as taker or (positive) maker.
        self.endOffset = markets.map { $0.matching.auction.endOffset.raw }
        self.stepRaw = markets.map { $0.matching.step.raw }
        self.maxTakerFee = markets.map { m in m.matching.fees.tiers.map { Swift.max($0.taker.raw, $0.maker.raw) }.max() ?? 0 }
        precondition(markets.allSatisfy { $0.risk.validate().isEmpty }, "invalid risk config")
        self.assets = assets
        self.assetPrices = assets.map { _ in 0 }
        self.assetTotals = assets.map { _ in 0 }
        self.keeperConfig = keepers
        self.keepers.seed = seed
    }

    /// Account slots in use: every account with collateral or with state in any market (a JIT
    /// provider's account may trade before it deposits), so the liquidation scan covers them all.
    var accountCount: Int { markets.reduce(usdc.count) { Swift.max($0, $1.accountCount) } }

    mutating func ensureAccount(_ a: AccountId) {
        let i = Int(a.raw)
        if i >= usdc.count {
            usdc.append(contentsOf: repeatElement(0, count: i + 1 - usdc.count))
            assetBalances.append(contentsOf: repeatElement(0, count: (i + 1) * assets.count - assetBalances.count))
        }
    }

    /// The venue's time: that of the latest command (commands with an earlier time are refused).
    public var time: Timestamp { Timestamp(milliseconds: now) }

    /// Net deposits minus withdrawals of USDC (the conserved total's reference).
    public var netDeposits: Amount { Amount(raw: netDepositsRaw) }

    /// `account`'s USDC collateral.
    public func balance(_ account: AccountId) -> Amount { Amount(raw: rawBalance(account, asset: 0)) }

    /// `account`'s units of collateral asset `asset` (1 = `assets[0]`, …); zero for an unknown asset.
    public func collateral(_ account: AccountId, asset: Int) -> Quantity {
        guard asset >= 1 && asset <= assets.count else { return .zero }
        return Quantity(raw: rawBalance(account, asset: asset))
    }

    /// The oracle price of collateral asset `asset` (1 = `assets[0]`, …), zero before the first or if unknown.
    public func assetPrice(_ asset: Int) -> Price {
        guard asset >= 1 && asset <= assets.count else { return .zero }
        return Price(raw: assetPrices[asset - 1])
    }

    /// Balance of collateral `asset` (0 = USDC, quote raw; k ≥ 1 = `assets[k-1]`, 1e9 units).
    func rawBalance(_ account: AccountId, asset: Int = 0) -> Int64 {
        let i = Int(account.raw)
        guard i < usdc.count else { return 0 }
        return asset == 0 ? usdc[i] : assetBalances[i * assets.count + asset - 1]
    }

    /// Total quote held anywhere in the venue; equals ``netDeposits`` unless value was created or destroyed.
    public var quoteSupply: Amount {
        var q: Int64 = usdc.reduce(0, +) + keepers.totalStake
        for m in markets { q += m.conservation.quote }
        return Amount(raw: q)
    }

    // MARK: - Commands
    //
    // Every command carries its time. A time before the venue's (``time``) is refused: an order
    // command gets a `time_went_backwards` rejection, the others return an error or false. Events
    // are numbered by the venue (``sequence``) across whatever buffers they are written to.

    /// Starts a command at `time`: numbering continues from the venue's counter. False when
    /// `time` is before the venue's time (the caller refuses the command).
    mutating func begin(_ time: Timestamp, _ events: inout EventBuffer) -> Bool {
        events.continueSequence(from: sequence)
        guard time.milliseconds >= now else { return false }
        now = time.milliseconds
        return true
    }

    /// Ends a command: the venue's counter follows the buffer's.
    mutating func end(_ events: EventBuffer) {
        if events.nextSequence > sequence { sequence = events.nextSequence }
    }

    /// Moves time forward; runs the keepers (funding, triggers, liquidations, hooks).
    /// - Returns: false (and nothing done) if `time` is before the venue's time.
    @discardableResult
    public mutating func advance(to time: Timestamp, events: inout EventBuffer) -> Bool {
        guard begin(time, &events) else { return false }
        defer { end(events) }
        for m in markets.indices { markets[m].advance(to: time, events: &events) }
        runKeepers(events: &events)
        return true
    }

    /// Deposits `amount` of USDC into `account`.
    public mutating func deposit(_ account: AccountId, amount: Amount, at time: Timestamp, events: inout EventBuffer) -> VenueError? {
        deposit(account, asset: 0, raw: amount.raw, at: time, events: &events)
    }

    /// Deposits `units` of collateral asset `asset` (1 = `assets[0]`, …) into `account`.
    public mutating func deposit(_ account: AccountId, asset: Int, units: Quantity, at time: Timestamp,
                                 events: inout EventBuffer) -> VenueError? {
        guard asset >= 1 else { return .unknownAsset }
        return deposit(account, asset: asset, raw: units.raw, at: time, events: &events)
    }

    /// Withdraws `amount` of USDC if the account keeps its initial margin afterwards.
    public mutating func withdraw(_ account: AccountId, amount: Amount, at time: Timestamp, events: inout EventBuffer) -> VenueError? {
        withdraw(account, asset: 0, raw: amount.raw, at: time, events: &events)
    }

    /// Withdraws `units` of collateral asset `asset` if the account keeps its initial margin afterwards.
    public mutating func withdraw(_ account: AccountId, asset: Int, units: Quantity, at time: Timestamp,
                                  events: inout EventBuffer) -> VenueError? {
        guard asset >= 1 else { return .unknownAsset }
        return withdraw(account, asset: asset, raw: units.raw, at: time, events: &events)
    }

    /// Deposits collateral (asset 0 = USDC, amount in quote raw; others in 1e9 units).
    mutating func deposit(_ account: AccountId, asset: Int, raw amount: Int64, at time: Timestamp,
                          events: inout EventBuffer) -> VenueError? {
        guard amount > 0 else { return .invalidAmount }
        guard amount <= Bounds.maxAmount.raw else { return .amountOutOfRange(max: Bounds.maxAmount) }
        guard asset >= 0 && asset <= assets.count else { return .unknownAsset }
        // The venue's total stays within ``Bounds/maxTotal`` (per asset for other collateral), so
        // no balance or sum of balances can overflow.
        if asset == 0 {
            guard netDepositsRaw <= Bounds.maxTotal.raw - amount else { return .totalOutOfRange(max: Bounds.maxTotal) }
        } else {
            guard assetTotals[asset - 1] <= Bounds.maxTotal.raw - amount else { return .totalOutOfRange(max: Bounds.maxTotal) }
        }
        guard begin(time, &events) else { return .timeWentBackwards(now: self.time) }
        defer { end(events) }
        ensureAccount(account)
        let i = Int(account.raw)
        let balance: Int64
        if asset == 0 {
            usdc[i] += amount
            netDepositsRaw += amount
            balance = usdc[i]
        } else {
            assetBalances[i * assets.count + asset - 1] += amount
            assetTotals[asset - 1] += amount
            balance = assetBalances[i * assets.count + asset - 1]
        }
        events.append(.collateral(account, asset: UInt16(asset), delta: amount, balance: balance, Timestamp(milliseconds: now)),
                      market: EventBuffer.venueWide)
        return nil
    }

    /// Withdraws collateral (raw units as in ``deposit(_:asset:raw:at:events:)``) if the account
    /// keeps its initial margin afterwards.
    mutating func withdraw(_ account: AccountId, asset: Int, raw amount: Int64, at time: Timestamp,
                           events: inout EventBuffer) -> VenueError? {
        guard amount > 0 else { return .invalidAmount }
        guard asset >= 0 && asset <= assets.count else { return .unknownAsset }
        guard begin(time, &events) else { return .timeWentBackwards(now: self.time) }
        defer { end(events) }
        ensureAccount(account)
        let i = Int(account.raw)
        let have = rawBalance(account, asset: asset)
        guard amount <= have else { return .insufficientBalance(have: have) }
        // Freeing collateral needs a fresh valid oracle wherever the account has exposure.
        if hasStaleExposure(account) { return .oracleInvalid }
        let free = margin(account).freeCollateral.raw
        let value = asset == 0 ? amount : collateralValue(asset: asset, amount: amount, weight: assets[asset - 1].initialWeight.raw)
        guard value <= free else { return .insufficientMargin(free: Amount(raw: free)) }
        let balance: Int64
        if asset == 0 {
            usdc[i] -= amount
            netDepositsRaw -= amount
            balance = usdc[i]
        } else {
            assetBalances[i * assets.count + asset - 1] -= amount
            assetTotals[asset - 1] -= amount
            balance = assetBalances[i * assets.count + asset - 1]
        }
        events.append(.collateral(account, asset: UInt16(asset), delta: -amount, balance: balance, Timestamp(milliseconds: now)),
                      market: EventBuffer.venueWide)
        return nil
    }

    /// Sets a collateral asset's oracle price (quote per whole unit).
    /// A price outside `0...` ``Bounds/maxPrice`` or an unknown asset is refused.
    @discardableResult
    public mutating func updateAssetPrice(asset: Int, price: Price, at time: Timestamp, events: inout EventBuffer) -> VenueError? {
        guard asset >= 1 && asset <= assets.count else { return .unknownAsset }
        guard price.raw >= 0 && price.raw <= Bounds.maxPrice.raw else { return .priceOutOfRange(max: Bounds.maxPrice) }
        guard time.milliseconds >= now else { return .timeWentBackwards(now: self.time) }
        assetPrices[asset - 1] = price.raw
        advance(to: time, events: &events)
        return nil
    }

    /// Records a market's oracle, then runs the keepers.
    /// - Returns: false if the update was refused: out of range (an `out_of_range` oracle event)
    ///   or older than the venue's time (an `out_of_order` oracle event); nothing is recorded then.
    @discardableResult
    public mutating func updateOracle(market: Int, price: Price, confidence: Price, at time: Timestamp, events: inout EventBuffer) -> Bool {
        guard begin(time, &events) else {
            events.append(.oracle(price: price, status: .outOfOrder, Timestamp(milliseconds: now)), market: UInt16(market))
            end(events)
            return false
        }
        defer { end(events) }
        let recorded = markets[market].updateOracle(price: price, confidence: confidence, at: time, events: &events)
        runKeepers(events: &events)
        return recorded
    }

    /// Places an order after the initial-margin check (reduce-only and risk-reducing orders always pass).
    public mutating func place<P: JITProviderPool>(market: Int, _ request: OrderRequest, at time: Timestamp,
                                                   providers: inout P, events: inout EventBuffer) {
        guard begin(time, &events) else {
            events.append(.rejected(request.id, .timeWentBackwards, Timestamp(milliseconds: now)), market: UInt16(market))
            end(events)
            return
        }
        defer { end(events) }
        ensureAccount(request.account)
        if enforceMargin && !request.reduceOnly, let reason = initialMarginCheck(market: market, request) {
            events.append(.rejected(request.id, reason, Timestamp(milliseconds: now)), market: UInt16(market))
            return
        }
        let start = events.count
        // JIT quotes pass through the venue's checks: registered provider and account, and the
        // initial margin of that account, read before the order (it cannot change until they fill).
        // The checks ride in the engine for this one order (``QuoteGuard``) and the host's pool
        // goes to the engine as it is: a generic wrapper around the pool made the venue look the
        // wrapper's type metadata up at run time on every order (about 250 instructions). The
        // guards' buffer moves between the venue and the engine (snapshots written in place), so
        // a steady stream of orders allocates and copies nothing.
        // Only an order that takes liquidity runs an auction (the engine's own `isTaker` rule), so a
        // resting maker order reads no provider's margin: no guard is active and none is consulted.
        var guards = ContiguousArray<ProviderGuard>()
        swap(&guards, &guardScratch)
        let active = !request.postOnly && markets[market].isTaker(request).any && fillProviderGuards(&guards, market: market)
        let step = stepRaw[market]
        markets[market].quoteGuard.install(&guards, active: active, step: step, enforceMargin: enforceMargin)
        markets[market].place(request, at: time, providers: &providers, events: &events)
        markets[market].quoteGuard.uninstall(into: &guards)
        swap(&guards, &guardScratch)
        afterMatching(market: market, from: start, events: &events)
    }

    /// Sets the rate market `market`'s next funding update applies instead of its premium rate
    /// (``MatchingEngine/setExternalFundingRate(_:)``).
    public mutating func setExternalFundingRate(market: Int, _ rate: FundingRate) {
        markets[market].setExternalFundingRate(rate)
    }

    /// Registers JIT provider `provider` to quote for `account` (one account per provider). A
    /// quote from an unregistered provider, or for another account, is dropped at the venue.
    public mutating func registerProvider(_ provider: ProviderId, account: AccountId) -> VenueError? {
        if let i = jitProviders.firstIndex(where: { $0.provider == provider }) {
            return jitProviders[i].account == account ? nil : .providerRegistered(account: jitProviders[i].account)
        }
        jitProviders.append((provider, account))
        return nil
    }

    /// Each registered provider's margin snapshot in `market` (left as it was when margin is not
    /// enforced), into `out`, one guard per registered provider in registration order.
    /// - Returns: whether quotes may be taken at all: false when no provider is registered or the
    ///   market runs no auction (no JIT quotes are asked for).
    mutating func fillProviderGuards(_ out: inout ContiguousArray<ProviderGuard>, market: Int) -> Bool {
        guard !jitProviders.isEmpty, markets[market].auctionSteps > 0 else { return false }
        if out.count != jitProviders.count {  // only after a registration
            out = ContiguousArray(repeating: ProviderGuard(provider: ProviderId(0), account: AccountId(0), margin: MarginSnapshot()),
                                  count: jitProviders.count)
        }
        for k in jitProviders.indices {
            out[k].provider = jitProviders[k].provider
            out[k].account = jitProviders[k].account
            if enforceMargin { marginSnapshot(market: market, account: jitProviders[k].account, into: &out[k].margin) }
        }
        return true
    }

    /// Places an order without JIT providers.
    public mutating func place(market: Int, _ request: OrderRequest, at time: Timestamp, events: inout EventBuffer) {
        var none = NoJITProviders()
        place(market: market, request, at: time, providers: &none, events: &events)
    }

    /// Cancels a resting order (and whatever is linked to it). With `account`, only that account's
    /// own order (`not_owner` otherwise).
    public mutating func cancel(market: Int, _ id: OrderId, account: AccountId? = nil, at time: Timestamp, events: inout EventBuffer) {
        guard begin(time, &events) else {
            events.append(.rejected(id, .timeWentBackwards, Timestamp(milliseconds: now)), market: UInt16(market))
            end(events)
            return
        }
        defer { end(events) }
        if let account, let o = markets[market].book.order(id), o.account != account {
            events.append(.rejected(id, .notOwner, Timestamp(milliseconds: now)), market: UInt16(market))
            return
        }
        let start = events.count
        markets[market].cancel(id, at: time, events: &events)
        afterMatching(market: market, from: start, events: &events)
    }

    /// Cancels every resting order of `account` in `market`, or in every market (nil).
    /// - Returns: false (nothing cancelled) if `time` is before the venue's time.
    @discardableResult
    public mutating func cancelAll(of account: AccountId, market: Int? = nil, at time: Timestamp, events: inout EventBuffer) -> Bool {
        guard begin(time, &events) else { return false }
        defer { end(events) }
        for m in markets.indices where market == nil || market == m {
            let start = events.count
            markets[m].cancelAll(of: account, at: time, events: &events)
            afterMatching(market: m, from: start, events: &events)
        }
        return true
    }

    /// Amends a resting order with the same checks as ``place(market:_:at:providers:events:)``:
    /// with `account`, only its own order (`not_owner`); a change that grows the worst-case
    /// position (a larger size, or a new price) passes the initial-margin check with the old
    /// order's size taken out. A pure size reduction keeps queue priority and needs no check.
    public mutating func amend(market: Int, _ id: OrderId, account: AccountId? = nil, price: Price?, size: Quantity?,
                               at time: Timestamp, events: inout EventBuffer) {
        let tag = UInt16(market)
        guard begin(time, &events) else {
            events.append(.rejected(id, .timeWentBackwards, Timestamp(milliseconds: now)), market: tag)
            end(events)
            return
        }
        defer { end(events) }
        let ts = Timestamp(milliseconds: now)
        guard let o = markets[market].book.order(id) else {
            markets[market].advance(to: time, events: &events)
            events.append(.rejected(id, .unknownOrder, ts), market: tag)
            return
        }
        if let account, o.account != account {
            events.append(.rejected(id, .notOwner, ts), market: tag)
            return
        }
        let newPrice = price ?? o.price
        let newSize = size ?? o.remaining
        let reduction = newPrice == o.price && newSize <= o.remaining
        if enforceMargin && !o.reduceOnly && !reduction {
            let r = OrderRequest(id: id, account: o.account, side: o.side, type: .limit, price: newPrice, size: newSize,
                                 reduceOnly: false)
            if let reason = initialMarginCheck(market: market, r, replacing: (o.side, o.remaining.raw)) {
                events.append(.rejected(id, reason, ts), market: tag)
                return
            }
        }
        let start = events.count
        markets[market].amend(id, price: price, size: size, at: time, events: &events)
        afterMatching(market: market, from: start, events: &events)
    }

    /// Cancels `id` and places `request` in its place (a cancel-replace): the ownership check of
    /// ``cancel(market:_:account:at:events:)``, then everything ``place(market:_:at:providers:events:)`` checks.
    public mutating func replace(market: Int, _ id: OrderId, with request: OrderRequest, at time: Timestamp, events: inout EventBuffer) {
        guard begin(time, &events) else {
            events.append(.rejected(id, .timeWentBackwards, Timestamp(milliseconds: now)), market: UInt16(market))
            end(events)
            return
        }
        defer { end(events) }
        if let o = markets[market].book.order(id), o.account != request.account {
            events.append(.rejected(id, .notOwner, Timestamp(milliseconds: now)), market: UInt16(market))
            return
        }
        cancel(market: market, id, at: time, events: &events)
        place(market: market, request, at: time, events: &events)
    }

    /// The resting orders of `account` in `market`, in no particular order.
    /// - Complexity: O(resting orders in the market).
    public func orders(of account: AccountId, market: Int) -> [RestingOrder] {
        markets[market].book.orders(of: account)
    }

    /// Trips (true) or resets (false) market `market`'s manual breaker.
    /// - Returns: false (nothing done) if `time` is before the venue's time.
    @discardableResult
    public mutating func setManualBreaker(_ tripped: Bool, market: Int, at time: Timestamp, events: inout EventBuffer) -> Bool {
        guard begin(time, &events) else { return false }
        defer { end(events) }
        markets[market].setManualBreaker(tripped, at: time, events: &events)
        return true
    }

    /// Whether market `market`'s oracle allows `action` now (docs/matching.md, "Oracle action
    /// matrix"). A host marks a vault's equity only while every market it holds allows `.vaultMark`.
    public func oracleAllows(_ action: OracleAction, market: Int) -> Bool {
        markets[market].oracleStatus.allows(action)
    }

    /// Pauses or resumes one market, or (market nil) every market at once (the global switch).
    /// - Returns: false (nothing done) if `time` is before the venue's time.
    @discardableResult
    public mutating func setPaused(_ value: Bool, market: Int?, at time: Timestamp, events: inout EventBuffer) -> Bool {
        guard begin(time, &events) else { return false }
        defer { end(events) }
        if let market {
            markets[market].setPaused(value, global: false, at: time, events: &events)
        } else {
            for m in markets.indices { markets[m].setPaused(value, global: true, at: time, events: &events) }
        }
        return true
    }

    /// Direct access to a market's engine, bypassing the venue's checks: internal (tests only).
    mutating func withMarket<R>(_ market: Int, _ body: (inout MatchingEngine) -> R) -> R {
        body(&markets[market])
    }
}

/// Why a venue command was refused.
public enum VenueError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidAmount, unknownAsset
    case amountOutOfRange(max: Amount)
    case totalOutOfRange(max: Amount)
    case priceOutOfRange(max: Price)
    /// A market with exposure has no fresh valid oracle (see ``OracleAction/withdrawal``).
    case oracleInvalid
    /// Raw units of the asset (USDC: quote raw; other collateral: 1e9 units).
    case insufficientBalance(have: Int64)
    case insufficientMargin(free: Amount)
    case stakeTooSmall(minimum: Amount)
    /// The command's time is before the venue's time (`now`).
    case timeWentBackwards(now: Timestamp)
    case unknownKeeper
    /// The provider is already registered for another account.
    case providerRegistered(account: AccountId)
    public var description: String {
        switch self {
        case .invalidAmount: return "amount must be positive"
        case .unknownAsset: return "unknown collateral asset"
        case .amountOutOfRange(let m): return "amount exceeds the maximum \(m)"
        case .totalOutOfRange(let m): return "the venue's total would exceed the maximum \(m)"
        case .priceOutOfRange(let m): return "price must be within 0...\(m)"
        case .oracleInvalid: return "no fresh valid oracle for a market the account holds"
        case .insufficientBalance(let h): return "insufficient balance (have \(Amount(raw: h)))"
        case .insufficientMargin(let f): return "would breach initial margin (free collateral \(f))"
        case .stakeTooSmall(let m): return "stake below the minimum \(m)"
        case .timeWentBackwards(let t): return "time went backwards: the venue is at \(t) ms"
        case .unknownKeeper: return "unknown keeper"
        case .providerRegistered(let a): return "provider already registered for account \(a.raw)"
        }
    }
}

/// A registered JIT provider and its account's margin, read before the taker order.
struct ProviderGuard {
    var provider: ProviderId
    var account: AccountId
    /// Read only when the venue enforces margin.
    var margin: MarginSnapshot
}

/// The venue's checks of JIT quotes, installed in a market's engine for the length of one order
/// (``PerpVenue/place(market:_:at:providers:events:)``): quotes from unregistered providers or for
/// another account are dropped (every quote, when the guards are not `active`); with margin
/// enforced, each quote's size is cut to what its account's initial margin allows if it fills
/// at its worst price (``MarginSnapshot/affordable(side:price:size:step:)``), and an out-of-range
/// quote takes nothing. Not installed (a bare engine), quotes pass as the pool gave them.
struct QuoteGuard {
    var guards = ContiguousArray<ProviderGuard>()
    var installed = false
    var active = false
    var step: Int64 = 1
    var enforceMargin = false

    /// Takes the venue's guards (swapped in: no copy) and settings for one order.
    mutating func install(_ venueGuards: inout ContiguousArray<ProviderGuard>, active: Bool, step: Int64, enforceMargin: Bool) {
        swap(&guards, &venueGuards)
        installed = true
        self.active = active
        self.step = step
        self.enforceMargin = enforceMargin
    }

    /// Gives the guards back to the venue (swapped out) and stops checking.
    mutating func uninstall(into venueGuards: inout ContiguousArray<ProviderGuard>) {
        swap(&guards, &venueGuards)
        installed = false
    }

    /// Checks the quotes from index `start` on, in place, keeping their order.
    func filter(_ quotes: inout ContiguousArray<JITQuote>, from start: Int, takerSide: Side) {
        guard installed else { return }
        var kept = start
        if active {
            for r in start..<quotes.count {
                var q = quotes[r]
                guard let g = guards.firstIndex(where: { $0.provider == q.provider && $0.account == q.account }) else { continue }
                if enforceMargin {
                    guard q.maxSize.raw > 0, q.worstPrice.raw > 0, q.worstPrice.raw <= Bounds.maxPrice.raw else { continue }
                    let size = Swift.min(q.maxSize.raw, Bounds.maxQuantity.raw)
                    q.maxSize = Quantity(raw: guards[g].margin.affordable(side: takerSide.opposite, price: q.worstPrice.raw,
                                                                          size: size, step: step))
                }
                quotes[kept] = q
                kept += 1
            }
        }
        if kept < quotes.count { quotes.removeLast(quotes.count - kept) }  // (removing none still cost a subrange replace)
    }
}
