import MarketCore

/// An account's trading state in one market: position, cash flows and their split.
///
/// `quote` is the truth (every fill's cash, fees, funding); `quoteEntry` and `realizedPnl` split
/// the trading cash between the open position and what was closed, for reports:
/// `quote == quoteEntry + realizedPnl − fees − funding`.
public struct AccountState: Sendable, Hashable {
    /// Signed base position (1e9).
    public var base: Int64 = 0
    /// Quote cash flow from trading, fees and funding (1e6): negative after buying.
    public var quote: Int64 = 0
    /// Signed quote of the open position (cash paid for a long is negative).
    public var quoteEntry: Int64 = 0
    /// Trading cash realised by closing, before fees and funding.
    public var realizedPnl: Int64 = 0
    /// Traded notional (both as maker and taker), for fee tiers.
    public var volume: Int64 = 0
    /// Fees paid (negative: net rebates received).
    public var fees: Int64 = 0
    /// Funding paid (negative: received).
    public var funding: Int64 = 0
    /// The market's cumulative funding index when this account last settled.
    public var fundingIndex: Int64 = 0
    public init() {}

    /// Unrealised PnL at `price`: `quoteEntry + base × price` (rounded down: against the holder).
    public func unrealizedPnl(at price: Int64) -> Int64 {
        quoteEntry + mulDiv(base, price, 1_000_000_000, .down)
    }

    /// Books a trade of `delta` base for `cash` quote (negative when paying), splitting the cash
    /// between the open position and realised PnL.
    mutating func trade(delta: Int64, cash: Int64) {
        let b = base
        if b == 0 || (b > 0) == (delta > 0) {
            quoteEntry += cash
        } else if abs(delta) <= abs(b) {
            // Closing |delta| of |b|: the entry share leaves the position (toward zero).
            let closed = Int64(Int128(quoteEntry) * Int128(abs(delta)) / Int128(abs(b)))
            quoteEntry -= closed
            realizedPnl += closed + cash
        } else {
            // Flip: close all of b with part of the cash, open the rest.
            let openCash = Int64(Int128(cash) * Int128(abs(delta) - abs(b)) / Int128(abs(delta)))
            realizedPnl += quoteEntry + (cash - openCash)
            quoteEntry = openCash
        }
        base = b + delta
        quote += cash
    }
}
