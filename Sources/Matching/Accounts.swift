import MarketCore

/// An account's trading state in one market: position and cash flows from trading.
/// (Collateral, margin and funding build on this in the perp-accounts layer.)
public struct AccountState: Sendable, Hashable {
    /// Signed base position (1e9).
    public var base: Int64 = 0
    /// Quote cash flow from trading and fees (1e6): negative after buying.
    public var quote: Int64 = 0
    /// Traded notional (both as maker and taker), for fee tiers.
    public var volume: Int64 = 0
    /// Fees paid (negative: net rebates received).
    public var fees: Int64 = 0
    public init() {}
}
