@testable import Matching
import MarketCore
import Testing

/// `AccountState.trade(delta:cash:)` (adding inline; closing and flipping out of line, with a
/// 64-bit division when the product fits) books exactly what the plain `Int128` rule books: an
/// independent model of the split (entry cash kept while adding; the closed share of the entry,
/// truncated toward zero, realised when reducing; the cash split by size when flipping) over
/// long random sequences of both signs, small and huge sizes and cash amounts.
@Suite struct AccountTradeTests {
    struct Model {
        var base: Int64 = 0, quote: Int64 = 0, quoteEntry: Int64 = 0, realizedPnl: Int64 = 0
        mutating func trade(_ delta: Int64, _ cash: Int64) {
            let b = base
            if b == 0 || (b > 0) == (delta > 0) {
                quoteEntry += cash
            } else if abs(delta) <= abs(b) {
                let closed = Int64(Int128(quoteEntry) * Int128(abs(delta)) / Int128(abs(b)))
                quoteEntry -= closed
                realizedPnl += closed + cash
            } else {
                let openCash = Int64(Int128(cash) * Int128(abs(delta) - abs(b)) / Int128(abs(delta)))
                realizedPnl += quoteEntry + (cash - openCash)
                quoteEntry = openCash
            }
            base = b + delta
            quote += cash
        }
    }

    @Test func tradeEqualsTheInt128Rule() {
        var rng = SplitMix64(seed: 0xACC7)
        var reduced = 0, flipped = 0, wide = 0
        for _ in 0..<200 {
            var a = AccountState()
            var m = Model()
            for _ in 0..<500 {
                // Sizes up to 1e12 base raw (1,000 units) or the bound 1e15; prices up to 1e5 quote
                // units or the bound 1e6 (raw 1e12): notionals up to 1e18, inside Int64.
                let big = rng.next() % 8 == 0
                let size = 1 + Int64(rng.next() % (big ? 1_000_000_000_000_000 : 1_000_000_000_000))
                let delta = rng.next() & 1 == 0 ? size : -size
                let price = 1 + Int64(rng.next() % (big ? 1_000_000_000_000 : 100_000_000_000))
                let notional = mulDiv(price, size, 1_000_000_000, .down)
                let cash = delta > 0 ? -notional : notional
                if a.base != 0 && (a.base > 0) != (delta > 0) {
                    if abs(delta) <= abs(a.base) { reduced += 1 } else { flipped += 1 }
                    if a.quoteEntry.multipliedReportingOverflow(by: abs(delta)).overflow { wide += 1 }
                }
                a.trade(delta: delta, cash: cash)
                m.trade(delta, cash)
                #expect(a.base == m.base && a.quote == m.quote && a.quoteEntry == m.quoteEntry && a.realizedPnl == m.realizedPnl)
                // Keep the account inside the engine's bounds: start over past them.
                if abs(a.base) > 4_000_000_000_000_000 || abs(a.quote) > Int64.max / 4 || abs(a.quoteEntry) > Int64.max / 4
                    || abs(a.realizedPnl) > Int64.max / 4 { a = AccountState(); m = Model() }
            }
        }
        #expect(reduced > 10_000 && flipped > 1_000, "reduced \(reduced), flipped \(flipped)")
        #expect(wide > 100)  // the 128-bit path ran too
    }
}
