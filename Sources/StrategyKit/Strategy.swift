import MarketCore

/// A market-making strategy hosted by the runtime (DESIGN §7).
///
/// A strategy never touches the venue. The runtime calls it with one input at a time and a
/// read-only ``StrategyContext``; it answers with ``Intent``s (appended to an ``Intents`` buffer
/// the runtime reuses) and with JIT quotes when an auction opens. The runtime's risk gate checks
/// every intent before it reaches the venue, so a strategy cannot bypass margin, limits or pauses.
///
/// Rules for implementers:
/// - No I/O, no clock (time is `context.time`), no randomness beyond what the parameters seed.
/// - Hot-path callbacks (``onMarketData(_:_:_:)``, ``onFill(_:_:_:)``, ``quote(for:_:)``)
///   should not allocate in steady state: keep state in fixed-size or reused storage.
/// - Order keys (``StrategyOrder/key``) are the strategy's own; the runtime maps them to venue ids.
///   A key is free again once its order is done (filled, cancelled or rejected).
public protocol Strategy {
    /// Name, summary and parameters (the catalog lists these).
    static var descriptor: StrategyDescriptor { get }
    /// Creates the strategy from validated parameters for one market.
    init(parameters: ParameterSet, market: MarketInfo)
    /// The runtime starts (or resumes) the strategy: place the initial quotes.
    mutating func start(_ context: StrategyContext, _ out: inout Intents)
    /// The runtime stops (or pauses) the strategy. It cancels every open order itself afterwards.
    mutating func stop(_ context: StrategyContext, _ out: inout Intents)
    /// Market data for the strategy's market (book top, trades, oracle, funding) or a reference feed.
    mutating func onMarketData(_ data: MarketData, _ context: StrategyContext, _ out: inout Intents)
    /// One of the strategy's own fills (resting order, taker order, JIT answer or hedge leg).
    /// `context` already reflects it (position, orders).
    mutating func onFill(_ fill: OwnFill, _ context: StrategyContext, _ out: inout Intents)
    /// One of the strategy's orders left the book without (fully) filling, or was refused.
    mutating func onOrderDone(_ done: OrderDone, _ context: StrategyContext, _ out: inout Intents)
    /// A timer the strategy set with ``Intent/setTimer(id:at:)`` fired.
    mutating func onTimer(_ id: UInt32, _ context: StrategyContext, _ out: inout Intents)
    /// A taker order opened a JIT auction in the strategy's market: answer, or pass (nil).
    mutating func quote(for offer: AuctionOffer, _ context: StrategyContext) -> JITAnswer?
    /// New values for live-updatable parameters (already validated; all keys change at once).
    mutating func update(_ parameters: ParameterSet, _ context: StrategyContext, _ out: inout Intents)
}

extension Strategy {
    public mutating func stop(_ context: StrategyContext, _ out: inout Intents) {}
    public mutating func onFill(_ fill: OwnFill, _ context: StrategyContext, _ out: inout Intents) {}
    public mutating func onOrderDone(_ done: OrderDone, _ context: StrategyContext, _ out: inout Intents) {}
    public mutating func onTimer(_ id: UInt32, _ context: StrategyContext, _ out: inout Intents) {}
    public mutating func quote(for offer: AuctionOffer, _ context: StrategyContext) -> JITAnswer? { nil }
}

/// What the catalog, `mmvault strategies list` and the parameter validator know about a strategy.
public struct StrategyDescriptor: Sendable {
    /// The name in parameter files and on the command line (`grid`, `mean-reversion`, …).
    public var name: String
    /// One line: what it does.
    public var summary: String
    public var parameters: [ParameterSpec]
    /// Cross-parameter rule (e.g. `lower < upper`): nil when the set is acceptable, otherwise why not.
    public var check: @Sendable (ParameterSet) -> String?

    public init(name: String, summary: String, parameters: [ParameterSpec],
                check: @escaping @Sendable (ParameterSet) -> String? = { _ in nil }) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.check = check
    }

    /// Every parameter at its default.
    public var defaults: ParameterSet { ParameterSet(specs: parameters, values: parameters.map(\.defaultValue)) }
}

/// A strategy's answer to a JIT auction: the worst price it trades at, how much, and its reaction
/// latency in auction steps. The runtime adds its provider id and account, and cuts the size to the
/// risk gate and the account's margin.
public struct JITAnswer: Sendable, Hashable {
    /// For a taker buy, the lowest price the strategy sells at; for a taker sell, the highest it buys at.
    public var worstPrice: Price
    public var maxSize: Quantity
    public var latency: Int32
    public init(worstPrice: Price, maxSize: Quantity, latency: Int32 = 0) {
        self.worstPrice = worstPrice
        self.maxSize = maxSize
        self.latency = latency
    }
}
