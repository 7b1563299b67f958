import MarketCore

/// An order as a strategy asks for it. `key` is the strategy's own name for the order (unique
/// among its open orders); the runtime assigns the venue id and the account.
public struct StrategyOrder: Sendable, Hashable {
    public var key: UInt32
    public var side: Side
    public var type: OrderType
    /// Limit price; for a market order the protection price (zero = the auction's end price).
    public var price: Price
    public var size: Quantity
    public var tif: TimeInForce
    public var postOnly: Bool
    public var reduceOnly: Bool

    public init(key: UInt32, side: Side, type: OrderType = .limit, price: Price, size: Quantity, tif: TimeInForce = .gtc,
                postOnly: Bool = false, reduceOnly: Bool = false) {
        self.key = key
        self.side = side
        self.type = type
        self.price = price
        self.size = size
        self.tif = tif
        self.postOnly = postOnly
        self.reduceOnly = reduceOnly
    }
}

/// What a strategy asks the runtime to do. The risk gate checks each one; a refused intent stops
/// the strategy with the reason (DESIGN §7).
@frozen public enum Intent: Sendable, Hashable {
    /// Place a new order.
    case place(StrategyOrder)
    /// Cancel the open order `key`.
    case cancel(key: UInt32)
    /// Cancel the open order `key` and place `order` instead (new queue position).
    case replace(key: UInt32, with: StrategyOrder)
    /// Cancel every open order of the strategy.
    case cancelAll
    /// Call ``Strategy/onTimer(_:_:_:)`` with `id` at `at` (or at the next input after it).
    /// Setting a timer with an id already pending moves it.
    case setTimer(id: UInt32, at: Timestamp)
    /// Trade `size` on the external (reference) venue: filled at its quote after the hedge
    /// latency, paying the hedge fee (the arbitrage strategy's other leg).
    case hedge(side: Side, size: Quantity, latencyMs: Int64, fee: Ppm)
}

/// The buffer a strategy appends its intents to. The runtime reuses one per strategy, so a
/// steady stream of callbacks allocates nothing.
public struct Intents: Sendable {
    public private(set) var items: ContiguousArray<Intent>

    /// An empty buffer with room for `capacity` intents (0: no storage until the first append).
    public init(capacity: Int = 32) {
        items = []
        if capacity > 0 { items.reserveCapacity(capacity) }
    }

    @inlinable public var isEmpty: Bool { items.isEmpty }
    @inlinable public var count: Int { items.count }

    public mutating func append(_ intent: Intent) { items.append(intent) }
    public mutating func place(_ order: StrategyOrder) { items.append(.place(order)) }
    public mutating func cancel(_ key: UInt32) { items.append(.cancel(key: key)) }
    public mutating func replace(_ key: UInt32, with order: StrategyOrder) { items.append(.replace(key: key, with: order)) }
    public mutating func cancelAll() { items.append(.cancelAll) }
    public mutating func setTimer(_ id: UInt32, at time: Timestamp) { items.append(.setTimer(id: id, at: time)) }
    public mutating func hedge(_ side: Side, _ size: Quantity, latencyMs: Int64, fee: Ppm) {
        items.append(.hedge(side: side, size: size, latencyMs: latencyMs, fee: fee))
    }
    /// Empties the buffer, keeping its storage (the runtime calls this after applying).
    public mutating func removeAll() { items.removeAll(keepingCapacity: true) }
}

/// Market data delivered to a strategy.
@frozen public enum MarketData: Sendable, Hashable {
    /// The venue's best bid and ask changed.
    case top(BookTop)
    /// A trade printed in the strategy's market (any participant): price, size, the taker's side.
    case trade(price: Price, size: Quantity, takerSide: Side, Timestamp)
    /// A new oracle price for the market, with its confidence and the venue's verdict.
    case oracle(price: Price, confidence: Price, status: OracleStatus, Timestamp)
    /// A funding period closed: rate (1e9 = 100% per period), mark and oracle.
    case funding(rate: Int64, mark: Price, oracle: Price, Timestamp)
    /// Another venue's quote (the reference feed the arbitrage strategy trades against).
    case reference(ReferenceQuote)
}

/// The best bid and ask of the strategy's market; a zero price means that side is empty.
public struct BookTop: Sendable, Hashable {
    public var bid: Price
    public var bidSize: Quantity
    public var ask: Price
    public var askSize: Quantity
    public init(bid: Price = .zero, bidSize: Quantity = .zero, ask: Price = .zero, askSize: Quantity = .zero) {
        self.bid = bid
        self.bidSize = bidSize
        self.ask = ask
        self.askSize = askSize
    }
    /// The mid, rounded down; nil unless both sides have a price.
    public var mid: Price? {
        guard bid.raw > 0, ask.raw > 0 else { return nil }
        return Price(raw: bid.raw / 2 + ask.raw / 2 + (bid.raw % 2 + ask.raw % 2) / 2)
    }
}

/// A quote from another venue (a reference exchange, a spot market).
public struct ReferenceQuote: Sendable, Hashable {
    /// Which feed (0 = the default reference).
    public var source: UInt16
    public var bid: Price
    public var ask: Price
    public var time: Timestamp
    public init(source: UInt16 = 0, bid: Price, ask: Price, time: Timestamp) {
        self.source = source
        self.bid = bid
        self.ask = ask
        self.time = time
    }
}

/// How one of the strategy's own fills happened.
@frozen public enum FillKind: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// A resting order of the strategy was hit (maker).
    case maker
    /// An order of the strategy took liquidity (taker).
    case taker
    /// The strategy's JIT answer filled in an auction (maker).
    case auction
    /// The hedge leg on the external venue.
    case hedge
    public var description: String { ["maker", "taker", "auction", "hedge"][Int(rawValue)] }
}

/// One of the strategy's own fills, from its point of view.
public struct OwnFill: Sendable, Hashable {
    /// The order's key; nil for auction and hedge fills.
    public var key: UInt32?
    public var kind: FillKind
    /// The strategy's side.
    public var side: Side
    public var price: Price
    public var size: Quantity
    /// Fee the strategy paid (negative: a rebate it received).
    public var fee: Amount
    public var time: Timestamp
    public init(key: UInt32?, kind: FillKind, side: Side, price: Price, size: Quantity, fee: Amount, time: Timestamp) {
        self.key = key
        self.kind = kind
        self.side = side
        self.price = price
        self.size = size
        self.fee = fee
        self.time = time
    }
}

/// Why an order of the strategy is done without (fully) filling.
public struct OrderDone: Sendable, Hashable {
    public enum Reason: Sendable, Hashable {
        case cancelled(CancelReason)
        case rejected(RejectReason)
        /// The risk gate refused the intent before it reached the venue.
        case refusedByGate
    }
    public var key: UInt32
    public var reason: Reason
    /// Size that did not fill.
    public var remaining: Quantity
    public var time: Timestamp
    public init(key: UInt32, reason: Reason, remaining: Quantity, time: Timestamp) {
        self.key = key
        self.reason = reason
        self.remaining = remaining
        self.time = time
    }
}
