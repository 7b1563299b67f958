// The JIT auction's value types: what a provider is offered and what it answers. They live in
// MarketCore so that strategies (StrategyKit) can speak them without importing the engine.

/// What a JIT provider is shown when a taker order opens an auction.
public struct AuctionOffer: Sendable, Hashable {
    public var order: OrderId
    public var takerAccount: AccountId
    /// The taker's side: a provider answering a buy sells.
    public var takerSide: Side
    /// Size still to fill when the auction opens.
    public var size: Quantity
    /// Auction price at step 0 and at the last step.
    public var startPrice: Price
    public var endPrice: Price
    public var steps: Int32
    public var oracle: Price
    public var time: Timestamp

    public init(order: OrderId, takerAccount: AccountId, takerSide: Side, size: Quantity, startPrice: Price, endPrice: Price,
                steps: Int32, oracle: Price, time: Timestamp) {
        self.order = order
        self.takerAccount = takerAccount
        self.takerSide = takerSide
        self.size = size
        self.startPrice = startPrice
        self.endPrice = endPrice
        self.steps = steps
        self.oracle = oracle
        self.time = time
    }
}

/// A provider's answer: the worst price it will trade at, how much, and how many auction steps
/// it needs before it can act (its reaction latency).
public struct JITQuote: Sendable, Hashable {
    public var provider: ProviderId
    /// The sub-account that takes the other side.
    public var account: AccountId
    /// For a taker buy, the lowest price the provider sells at; for a taker sell, the highest it buys at.
    public var worstPrice: Price
    /// Position limits are the provider's to apply here.
    public var maxSize: Quantity
    /// Steps before the provider can fill (0 = from the first step).
    public var latency: Int32

    public init(provider: ProviderId, account: AccountId, worstPrice: Price, maxSize: Quantity, latency: Int32) {
        self.provider = provider
        self.account = account
        self.worstPrice = worstPrice
        self.maxSize = maxSize
        self.latency = latency
    }
}

