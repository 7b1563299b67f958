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
    @inline(__always)
    mutating func trade(delta: Int64, cash: Int64) {
        let b = base
        if b == 0 || (b > 0) == (delta > 0) {
            // Opening or adding (inlined: most fills); closing or flipping divides, out of line.
            quoteEntry += cash
            base = b + delta
            quote += cash
        } else {
            reduceOrFlip(delta: delta, cash: cash)
        }
    }

    /// ``trade(delta:cash:)`` against the position's sign (`base` ≠ 0): closes part or all of it,
    /// or flips it.
    @inline(never)
    mutating func reduceOrFlip(delta: Int64, cash: Int64) {
        let b = base
        if abs(delta) <= abs(b) {
            // Closing |delta| of |b|: the entry share leaves the position (toward zero).
            let closed = Self.product(quoteEntry, abs(delta), over: abs(b))
            quoteEntry -= closed
            realizedPnl += closed + cash
        } else {
            // Flip: close all of b with part of the cash, open the rest.
            let openCash = Self.product(cash, abs(delta) - abs(b), over: abs(delta))
            realizedPnl += quoteEntry + (cash - openCash)
            quoteEntry = openCash
        }
        base = b + delta
        quote += cash
    }

    /// `a × b / c` truncated toward zero (`c > 0`, `0 ≤ b ≤ c`, so it fits `Int64`), with one 64-bit
    /// division when `a × b` fits 64 bits: `Int64` and `Int128` division both truncate toward
    /// zero, so the result is the `Int128` one's (the library's 128-bit division is a slow call).
    @inline(__always) static func product(_ a: Int64, _ b: Int64, over c: Int64) -> Int64 {
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        if !overflow { return p / c }
        return Int64(Int128(a) * Int128(b) / Int128(c))
    }
}
