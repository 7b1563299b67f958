import MarketCore
import Matching
import StrategyKit
import VaultLedger

/// The kernel that backtests and `serve` both drive (DESIGN §7a): a venue, the hosted strategies
/// and their vaults, advanced by one timestamped input at a time. No clock, no I/O: the same
/// inputs give the same events, byte for byte.
///
/// Per input (``handle(_:at:into:)``): time moves to the input's (keepers run: funding,
/// liquidations, vault jobs), due timers and hedge legs fire, the input is applied, every venue
/// event is routed to the strategies it concerns (their fills, cancels, trades and breakers), their
/// intents pass the risk gate and reach the venue, and the vaults are marked when due.
///
/// Accounts: 0 is the external flow, 1 the keeper, 2 the external book (depth feeds), strategies
/// from 3 on (one sub-account each).
public struct StrategyRuntime {
    public internal(set) var venue: PerpVenue
    public internal(set) var vaults: [Vault] = []
    /// Each vault's cash not allocated to a strategy.
    public internal(set) var idle: [Amount] = []
    public let config: RuntimeConfig
    /// The runtime's time (the latest input's), ms.
    public internal(set) var now: Int64 = 0

    var slots: ContiguousArray<Slot> = []
    var boxes: ContiguousArray<AnyStrategyBox> = []
    /// Venue order id → owning strategy + 1 (0: the flow or none), until routing reaches the
    /// order's last event (it may have left the strategy's open orders before: a requested cancel).
    var owners: ContiguousArray<Int32> = []
    /// Venue order id → the strategy's key and the size not yet filled as routed.
    var ownerKeys: ContiguousArray<UInt32> = []
    var ownerRemaining: ContiguousArray<Int64> = []
    var freeIds: ContiguousArray<UInt32> = []
    /// Ids released during the current input: reused only from the next input on, so an id names
    /// one order for the whole of an input (events still to route, checks after a command).
    var releasedIds: ContiguousArray<UInt32> = []
    var nextId: UInt32 = 0
    var intents = Intents(capacity: 64)
    /// The next venue event to route (see `route(from:_:)`).
    var cursor = 0
    /// Set while a strategy's intents are applied: events are routed after the whole list.
    var deferRouting = false
    /// Set while `route` runs (it is not re-entered).
    var routing = false
    /// Reused buffer of positions for the JIT pool.
    var positionScratch = ContiguousArray<Int64>()
    var lastMark: [Int64] = []
    var nextCrystallize: Int64 = 0
    /// Keeper jobs: reference → (vault, depositor or nil for crystallisation).
    var jobs: [UInt64: (vault: Int, depositor: String?)] = [:]
    var nextJob: UInt64 = 1
    var tops: [BookTop]
    let infos: [MarketInfo]

    static let flowAccount = AccountId(0)
    static let keeperAccount = AccountId(1)
    static let bookAccount = AccountId(2)
    /// The first strategy's account.
    static let firstStrategyAccount: UInt32 = 3

    /// The external book (``RuntimeInput/depth(market:side:price:size:)``): each level's orders of
    /// the book account, oldest first, with their size not yet filled as routed.
    var external: [ExternalLevel: ContiguousArray<(id: OrderId, remaining: Int64)>] = [:]
    /// Book-account order id → its level.
    var externalIds: [UInt32: ExternalLevel] = [:]
    /// Strategies' requests on their way to the venue (order latency), oldest first.
    var pending = ContiguousArray<PendingRequest>()
    /// Market data on its way to the strategies (feed latency), oldest first.
    var feed = ContiguousArray<(due: Int64, market: Int?, data: MarketData, lastValid: Price?)>()
    /// Depth updates that could not rest as asked (off the tick or step, or crossing the other side).
    public internal(set) var externalSkipped = 0

    /// Creates a runtime over `markets`, registering its keeper.
    public init(markets: [MarketSpec], config: RuntimeConfig = RuntimeConfig()) {
        self.config = config
        venue = PerpVenue(markets: markets, seed: config.seed)
        tops = markets.map { _ in BookTop() }
        infos = markets.map { m in
            let tier = m.matching.fees.tiers.first
            return MarketInfo(tick: m.matching.tick, step: m.matching.step, minSize: m.matching.minSize,
                              makerFee: tier?.maker ?? .zero, takerFee: tier?.taker ?? .zero, auctionSteps: m.matching.auction.duration)
        }
        var ev = EventBuffer()
        _ = venue.deposit(Self.flowAccount, amount: config.flowCollateral, at: .zero, events: &ev)
        _ = venue.deposit(Self.bookAccount, amount: config.flowCollateral, at: .zero, events: &ev)
        if config.keeperStake.raw > 0 {
            _ = venue.deposit(Self.keeperAccount, amount: config.keeperStake, at: .zero, events: &ev)
            _ = venue.registerKeeper(account: Self.keeperAccount, stake: config.keeperStake, at: .zero, events: &ev)
        }
    }

    // MARK: - Setup

    /// Adds a vault; returns its index.
    public mutating func addVault(terms: VaultTerms, manager: String, at time: Timestamp) throws(VaultError) -> Int {
        vaults.append(try Vault(terms: terms, manager: manager, createdAt: time, sealing: .onDemand))
        idle.append(.zero)
        lastMark.append(time.milliseconds)
        return vaults.count - 1
    }

    /// Hosts a strategy of type `type` (e.g. from the catalog) with validated `parameters`.
    public mutating func addStrategy(_ type: any Strategy.Type, parameters: ParameterSet,
                                     placement: StrategyPlacement) throws(RuntimeSetupError) -> Int {
        guard placement.market >= 0 && placement.market < venue.markets.count else {
            throw RuntimeSetupError("strategy '\(placement.name)': unknown market \(placement.market)")
        }
        guard placement.vault >= 0 && placement.vault < vaults.count else {
            throw RuntimeSetupError("strategy '\(placement.name)': unknown vault \(placement.vault)")
        }
        guard !slots.contains(where: { $0.name == placement.name }) else {
            throw RuntimeSetupError("strategy '\(placement.name)' is already hosted")
        }
        let total = slots.filter { $0.vault == placement.vault }.reduce(Int64(0)) { $0 + $1.allocation.raw } + placement.allocation.raw
        guard placement.allocation.raw >= 0, total <= Ppm.one.raw else {
            throw RuntimeSetupError("strategy '\(placement.name)': the vault's allocations would exceed 100%")
        }
        let index = slots.count
        let account = AccountId(Self.firstStrategyAccount + UInt32(index))
        let info = infos[placement.market]
        boxes.append(makeBox(type, parameters: parameters, market: info))
        var ctx = StrategyContext(time: Timestamp(milliseconds: now), market: info, limits: placement.limits)
        ctx.openOrders.reserveCapacity(placement.limits.maxOpenOrders + 1)
        slots.append(Slot(name: placement.name, kind: type.descriptor.name, market: placement.market, vault: placement.vault,
                          account: account, allocation: placement.allocation, parameters: parameters, context: ctx))
        slots[index].orders.reserveCapacity(placement.limits.maxOpenOrders + 1)
        _ = venue.registerProvider(ProviderId(UInt32(index)), account: account)
        return index
    }

    /// Starts every hosted strategy that has not started yet.
    public mutating func start(at time: Timestamp, into out: inout RuntimeEvents) {
        guard enter(time, &out) else { return }
        for i in slots.indices where !slots[i].started {
            slots[i].started = true
            out.runtime.append(.strategyStarted(strategy: i, time))
            refresh(i)
            call(i, &out) { b, c, o in b.start(c, &o) }
        }
        settle(&out)
    }

    // MARK: - Reading

    public var strategyCount: Int { slots.count }

    /// Figures of strategy `i`.
    public func report(_ i: Int) -> StrategyReport {
        let s = slots[i]
        return StrategyReport(name: s.name, kind: s.kind, market: s.market, account: s.account, state: s.state,
                              equity: Amount(raw: strategyEquity(i)), position: venue.position(s.account, market: s.market).base,
                              hedgePosition: Quantity(raw: s.hedgeBase), fills: s.fills, auctionsWon: s.auctionsWon,
                              feesPaid: Amount(raw: s.feesPaid), ordersPlaced: s.ordersPlaced)
    }

    /// The concrete strategy value of `i` (cast it to its type to read its own figures).
    public func strategy(_ i: Int) -> Any { boxes[i].value }

    /// Strategy `i`'s context as it last saw it.
    public func context(_ i: Int) -> StrategyContext { slots[i].context }

    /// Strategy `i`'s equity: its sub-account's (collateral + unrealised PnL at the last valid
    /// oracle, funding included) plus its hedge leg's (cash + position at the reference mid, rounded down).
    public func strategyEquity(_ i: Int) -> Int64 {
        venue.margin(slots[i].account).maintenanceEquity.raw + hedgeEquity(i)
    }

    /// Strategy `i`'s hedge leg: cash + position × the reference mid, rounded down.
    func hedgeEquity(_ i: Int) -> Int64 {
        let s = slots[i]
        guard s.hedgeBase != 0, let mid = referenceMid else { return s.hedgeCash }
        return s.hedgeCash + mulDiv(s.hedgeBase, mid, Quantity.scale, .down)
    }

    /// Vault `v`'s equity as the runtime computes it: idle + Σ its strategies' equity (floored at zero for the ledger).
    public func vaultEquity(_ v: Int) -> Int64 {
        var e = idle[v].raw
        for i in slots.indices where slots[i].vault == v { e += strategyEquity(i) }
        return e
    }

    var referenceMid: Int64? {
        for s in slots { if let r = s.context.reference, r.bid.raw > 0, r.ask.raw > 0 { return r.bid.raw / 2 + r.ask.raw / 2 } }
        return nil
    }

    // MARK: - Inputs

    /// Handles one input at `time`, appending what it caused to `out`.
    public mutating func handle(_ input: RuntimeInput, at time: Timestamp, into out: inout RuntimeEvents) {
        // An input that names nothing real is refused as a whole, before anything moves.
        if let why = invalid(input) { return refuse(why, &out) }
        guard enter(time, &out) else { return }
        let start = out.market.count
        venue.advance(to: time, events: &out.market)
        route(from: start, &out)
        sendPending(&out)
        hearFeed(&out)
        fireTimers(&out)
        fillHedges(&out)
        performJobs(&out)
        switch input {
        case .oracle(let m, let price, let confidence):
            let s = out.market.count
            venue.updateOracle(market: m, price: price, confidence: confidence, at: time, events: &out.market)
            route(from: s, &out)
            let status = venue.markets[m].oracleStatus
            let valid = Price(raw: venue.markets[m].oracle.lastValidPrice)
            publish(m, .oracle(price: price, confidence: confidence, status: status, time), lastValid: valid, &out)
        case .reference(let q):
            // Every source reaches every strategy; the context keeps source 0 (the hedge venue's quote).
            publish(nil, .reference(q), &out)
            fillHedges(&out)
        case .taker(let m, let side, let size, let limit):
            let id = allocateId(owner: 0)
            let request = OrderRequest(id: id, account: Self.flowAccount, side: side, type: limit.raw > 0 ? .limit : .market,
                                       price: limit, size: size, tif: .ioc)
            placeWithPool(market: m, request, &out)
            releaseId(id)
        case .vault(let v, let action):
            vaultAction(v, action, &out)
        case .strategy(let i, let command):
            strategyCommand(i, command, &out)
        case .market(let m, let action):
            let s = out.market.count
            switch action {
            case .pause, .resume:
                venue.setPaused(action == .pause, market: m, at: time, events: &out.market)
            case .tripBreaker, .resetBreaker:
                venue.setManualBreaker(action == .tripBreaker, market: m ?? 0, at: time, events: &out.market)
            }
            route(from: s, &out)
        case .depth(let m, let side, let price, let size):
            setExternal(market: m, side: side, price: price, size: size, &out)
        case .clearDepth(let m):
            clearExternal(market: m, &out)
        case .fundingRate(let m, let rate):
            venue.setExternalFundingRate(market: m, rate)
        case .tick:
            break
        }
        settle(&out)
        for v in vaults.indices where now - lastMark[v] >= config.markIntervalMs { mark(v, &out) }
        // Crystallisation every interval from the first input (only with a keeper to do it).
        if config.crystallizeIntervalMs > 0, config.keeperStake.raw > 0 {
            if nextCrystallize == 0 { nextCrystallize = now + config.crystallizeIntervalMs }
            if now >= nextCrystallize {
                nextCrystallize = now + config.crystallizeIntervalMs
                for v in vaults.indices { schedule(.feeCrystallization, vault: v, depositor: nil, dueAt: now) }
            }
        }
    }

    /// Why `input` names nothing real (an unknown market, vault or strategy; a manual mark), or nil.
    func invalid(_ input: RuntimeInput) -> String? {
        func market(_ m: Int) -> String? { m >= 0 && m < venue.markets.count ? nil : "unknown market \(m)" }
        switch input {
        case .oracle(let m, _, _), .taker(let m, _, _, _), .clearDepth(let m), .fundingRate(let m, _): return market(m)
        case .depth(let m, _, let price, let size):
            if let why = market(m) { return why }
            guard price.raw > 0, price.raw <= Bounds.maxPrice.raw else { return "depth price \(price) outside 0...\(Bounds.maxPrice)" }
            guard size.raw >= 0, size.raw <= Bounds.maxQuantity.raw else { return "depth size \(size) outside 0...\(Bounds.maxQuantity)" }
            return nil
        case .vault(let v, let action):
            guard v >= 0 && v < vaults.count else { return "unknown vault \(v)" }
            switch action {
            case .mark, .markInvalid: return "the runtime marks vaults itself; '\(action)' is not accepted as an input"
            default: return nil
            }
        case .strategy(let i, _): return i >= 0 && i < slots.count ? nil : "unknown strategy \(i)"
        case .market(let m, let action):
            if let m { return market(m) }
            return action == .tripBreaker || action == .resetBreaker ? "a breaker belongs to one market" : nil
        case .reference, .tick: return nil
        }
    }

    /// Moves the runtime's clock; false (and the input refused) if `time` is before it.
    mutating func enter(_ time: Timestamp, _ out: inout RuntimeEvents) -> Bool {
        guard time.milliseconds >= now else {
            out.runtime.append(.inputRefused(reason: "time went backwards: the runtime is at \(now) ms",
                                             Timestamp(milliseconds: now)))
            return false
        }
        now = time.milliseconds
        cursor = out.market.count
        freeIds.append(contentsOf: releasedIds)
        releasedIds.removeAll(keepingCapacity: true)
        ensureUniqueBoxes()
        return true
    }

    mutating func refuse(_ reason: String, _ out: inout RuntimeEvents) {
        out.runtime.append(.inputRefused(reason: reason, Timestamp(milliseconds: now)))
    }

    /// Copies any strategy box shared with another copy of the runtime before it is mutated.
    mutating func ensureUniqueBoxes() {
        for i in boxes.indices where !isKnownUniquelyReferenced(&boxes[i]) { boxes[i] = boxes[i].copy() }
    }

    // MARK: - Order ids

    mutating func allocateId(owner: Int32, key: UInt32 = 0, size: Int64 = 0) -> OrderId {
        let raw: UInt32
        if let r = freeIds.popLast() {
            raw = r
        } else {
            raw = nextId
            nextId += 1
            owners.append(0)
            ownerKeys.append(0)
            ownerRemaining.append(0)
        }
        owners[Int(raw)] = owner
        ownerKeys[Int(raw)] = key
        ownerRemaining[Int(raw)] = size
        return OrderId(raw)
    }

    mutating func releaseId(_ id: OrderId) {
        let i = Int(id.raw)
        guard i < owners.count else { return }
        owners[i] = 0
        releasedIds.append(id.raw)
        // A cancel still on its way for this id is moot (its order is done), and must not reach
        // the order that reuses the id.
        if !pending.isEmpty {
            pending.removeAll { if case .cancel(let c) = $0.kind { return c == id } else { return false } }
        }
    }

    /// The strategy that owns venue order `id`, if any.
    func owner(of id: OrderId) -> Int? {
        let i = Int(id.raw)
        guard i < owners.count, owners[i] > 0 else { return nil }
        return Int(owners[i]) - 1
    }

    /// Places through the venue with the hosted strategies as JIT providers.
    mutating func placeWithPool(market m: Int, _ request: OrderRequest, _ out: inout RuntimeEvents) {
        let s = out.market.count
        do {
            // Each strategy's position as the venue holds it now (fills not routed yet included):
            // a JIT answer is cut to the room under maxPosition from there. The buffer is reused.
            var positions = positionScratch
            positionScratch = []
            positions.removeAll(keepingCapacity: true)
            for i in slots.indices { positions.append(slots[i].market == m ? venue.position(slots[i].account, market: m).base.raw : 0) }
            // The pool shares `slots` and `boxes` read-only; it must be gone before routing mutates
            // them (a live copy would make the next mutation copy the whole array).
            var pool = RuntimePool(boxes: boxes, slots: slots, positions: positions, market: m, taker: request.account)
            venue.place(market: m, request, at: Timestamp(milliseconds: now), providers: &pool, events: &out.market)
            positionScratch = pool.positions
        }
        route(from: s, &out)
    }
}

/// The hosted strategies as the venue's JIT provider pool for one market.
struct RuntimePool: JITProviderPool {
    let boxes: ContiguousArray<AnyStrategyBox>
    let slots: ContiguousArray<Slot>
    /// Each strategy's venue position when the order arrived (index as `slots`).
    var positions: ContiguousArray<Int64>
    let market: Int
    let taker: AccountId

    mutating func collectQuotes(for offer: AuctionOffer, into quotes: inout ContiguousArray<JITQuote>) {
        for i in slots.indices where slots[i].market == market && slots[i].isActive && slots[i].account != taker {
            let s = slots[i]
            guard let a = boxes[i].quote(for: offer, s.context) else { continue }
            // The gate: never more than the room under maxPosition (worst case with open orders on that side).
            let side = offer.takerSide.opposite
            let room = s.room(side, position: positions[i])
            let size = Swift.min(a.maxSize.raw, room)
            guard size > 0, a.worstPrice.raw > 0 else { continue }
            quotes.append(JITQuote(provider: ProviderId(UInt32(i)), account: s.account, worstPrice: a.worstPrice,
                                   maxSize: Quantity(raw: size), latency: Swift.max(0, a.latency)))
        }
    }
}
