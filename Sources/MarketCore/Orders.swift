/// Buy or sell, from the point of view of the order's owner.
@frozen public enum Side: UInt8, Sendable, Hashable, CustomStringConvertible {
    case buy = 0
    case sell = 1
    /// The other side.
    @inlinable public var opposite: Side { self == .buy ? .sell : .buy }
    /// +1 for buy, -1 for sell: the sign of the base-quantity change for the owner.
    @inlinable public var sign: Int64 { self == .buy ? 1 : -1 }
    public var description: String { self == .buy ? "buy" : "sell" }
}

/// Limit (rests at its price) or market (takes liquidity up to its protection price).
@frozen public enum OrderType: UInt8, Sendable, Hashable, CustomStringConvertible {
    case limit = 0
    case market = 1
    public var description: String { self == .limit ? "limit" : "market" }
}

/// How long an order stays alive.
@frozen public enum TimeInForce: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// Good till cancelled: the remainder rests.
    case gtc = 0
    /// Immediate or cancel: the remainder is cancelled.
    case ioc = 1
    /// Fill or kill: the whole size fills now, or nothing does.
    case fok = 2
    public var description: String { ["gtc", "ioc", "fok"][Int(rawValue)] }
}

/// A dense internal order id. External (text) ids are mapped to these at the edge.
@frozen public struct OrderId: Hashable, Sendable, Comparable {
    public var raw: UInt32
    @inlinable public init(_ raw: UInt32) { self.raw = raw }
    @inlinable public static func < (a: OrderId, b: OrderId) -> Bool { a.raw < b.raw }
}

/// A dense internal account (sub-account) id.
@frozen public struct AccountId: Hashable, Sendable, Comparable {
    public var raw: UInt32
    @inlinable public init(_ raw: UInt32) { self.raw = raw }
    @inlinable public static func < (a: AccountId, b: AccountId) -> Bool { a.raw < b.raw }
}

/// A registered JIT liquidity provider (a strategy, later).
@frozen public struct ProviderId: Hashable, Sendable {
    public var raw: UInt32
    @inlinable public init(_ raw: UInt32) { self.raw = raw }
}

/// What a trader asks for. Validation against the market's rules happens in the engine and
/// produces a rejection event, never a trap.
public struct OrderRequest: Sendable, Hashable {
    public var id: OrderId
    public var account: AccountId
    public var side: Side
    public var type: OrderType
    /// Limit price; for a market order an optional protection price (zero = none).
    public var price: Price
    public var size: Quantity
    public var tif: TimeInForce
    public var postOnly: Bool
    public var reduceOnly: Bool
    /// One-cancels-other: a live order this one is linked with. When either gets a fill or is
    /// cancelled by its owner, the other is cancelled.
    public var ocoWith: OrderId?

    public init(id: OrderId, account: AccountId, side: Side, type: OrderType = .limit, price: Price,
                size: Quantity, tif: TimeInForce = .gtc, postOnly: Bool = false, reduceOnly: Bool = false,
                ocoWith: OrderId? = nil) {
        self.id = id
        self.account = account
        self.side = side
        self.type = type
        self.price = price
        self.size = size
        self.tif = tif
        self.postOnly = postOnly
        self.reduceOnly = reduceOnly
        self.ocoWith = ocoWith
    }
}
