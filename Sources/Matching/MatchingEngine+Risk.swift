import MarketCore

/// What the venue's margin check needs from one market for one account, read in one call
/// (so the engine is borrowed once, never copied).
struct MarginInputs {
    var base: Int64
    var quote: Int64
    var openBuy: Int64
    var openSell: Int64
    /// Funding owed but not yet settled (rounded up: against the account).
    var pendingFunding: Int64
    /// The margin price: the last valid oracle (0 before the first; see ``OracleAction/marginCalc``).
    var price: Int64
    /// Whether that price is fresh enough for risk-increasing actions.
    var fresh: Bool
}

extension MatchingEngine {
    /// Reads one account's margin inputs at venue time `now` through a pointer: field projections only, so the
    /// engine is never copied (calling a method on an array element copied all 840 bytes).
    static func marginInputs(_ e: UnsafePointer<MatchingEngine>, _ account: AccountId, now: Int64) -> MarginInputs {
        let i = Int(account.raw)
        let s = i < e.pointee.accountStates.count ? e.pointee.accountStates[i] : AccountState()
        let oi = 2 * i
        let open = e.pointee.book.openSize
        let ob = oi < open.count ? open[oi] : 0
        let os = oi + 1 < open.count ? open[oi + 1] : 0
        let d = e.pointee.funding.index - s.fundingIndex
        let pending = d == 0 || s.base == 0 ? 0 : Int64(mulDiv128(Int128(s.base) * Int128(d), 1_000_000_000_000, .up))
        let o = e.pointee.oracle
        let (price, fresh) = o.marginPrice(now: now, stalenessMs: e.pointee.marginStalenessMs)
        return MarginInputs(base: s.base, quote: s.quote, openBuy: ob, openSell: os, pendingFunding: pending,
                            price: price, fresh: fresh)
    }

    /// Cancels every resting order of `account` (liquidation starts with this).
    /// Nothing happens if `time` is before the market's time.
    /// - Complexity: O(slots).
    public mutating func cancelAll(of account: AccountId, at time: Timestamp, events: inout EventBuffer) {
        events.market = marketIndex
        guard advance(to: time, events: &events) else { return }
        let ids = book.orderIds(of: account)
        for id in ids where book.contains(OrderId(id)) {
            let sibling = book.oco(of: OrderId(id))
            let rest = book.remove(OrderId(id))
            events.append(.cancelled(OrderId(id), remaining: Quantity(raw: rest), reason: .requested, Timestamp(milliseconds: now)))
            cancelSibling(sibling, events: &events)
        }
        sampleIfMarkMoved()
    }

    /// Moves `qty` base (signed, as taken from `from`) from one account to another at `price`
    /// (a liquidation transfer). `from` pays `fee` to `to` and `insurance` to the insurance fund.
    /// The notional rounds against `from` (the liquidated account).
    mutating func transferPosition(from: AccountId, to: AccountId, qty: Int64, price: Int64,
                                   fee: Ppm, insurance: Ppm) -> (notional: Int64, fee: Int64, insurance: Int64) {
        ensureAccount(from)
        ensureAccount(to)
        let fi = Int(from.raw)
        let ti = Int(to.raw)
        settleFunding(fi)
        settleFunding(ti)
        // `from` gives up qty (e.g. a long gives positive qty: sells). Selling gets the floor, buying pays the ceiling.
        let notional = mulDiv(abs(qty), price, 1_000_000_000, qty > 0 ? .down : .up)
        let cash = qty > 0 ? notional : -notional
        accountStates[fi].trade(delta: -qty, cash: cash)
        accountStates[ti].trade(delta: qty, cash: -cash)
        let f = mulDiv(notional, fee.raw, 1_000_000, .up)
        let ins = mulDiv(notional, insurance.raw, 1_000_000, .up)
        accountStates[fi].quote -= f + ins
        accountStates[fi].fees += f + ins
        accountStates[ti].quote += f
        accountStates[ti].fees -= f
        insuranceFund += ins
        return (notional, f, ins)
    }

    /// Moves quote between an account's trading balance here and outside (collateral, a bankrupt
    /// account's reset). Positive credits the account.
    mutating func adjustQuote(_ account: AccountId, by amount: Int64) {
        ensureAccount(account)
        accountStates[Int(account.raw)].quote += amount
    }

    /// Spreads `loss` over every open position in proportion to |base| (rounded up per account:
    /// the excess goes to the insurance fund). Returns what was charged; zero if nobody holds a position.
    mutating func socializeLoss(_ loss: Int64, excluding: AccountId) -> Int64 {
        var oi: Int128 = 0
        for (i, a) in accountStates.enumerated() where i != Int(excluding.raw) { oi += Int128(abs(a.base)) }
        guard oi > 0, loss > 0 else { return 0 }
        var charged: Int64 = 0
        for i in accountStates.indices where i != Int(excluding.raw) && accountStates[i].base != 0 {
            settleFunding(i)
            let c = Int64(mulDiv128(Int128(loss) * Int128(abs(accountStates[i].base)), oi, .up))
            accountStates[i].quote -= c
            accountStates[i].realizedPnl -= c
            charged += c
        }
        insuranceFund += charged - loss
        return charged
    }

    /// Takes up to `amount` from the insurance fund; returns what it paid.
    mutating func drawInsurance(_ amount: Int64) -> Int64 {
        let paid = Swift.max(Swift.min(amount, insuranceFund), 0)
        insuranceFund -= paid
        return paid
    }

    /// Takes up to `amount` from the fee pool; returns what it paid.
    mutating func drawFeePool(_ amount: Int64) -> Int64 {
        let paid = Swift.max(Swift.min(amount, feePool), 0)
        feePool -= paid
        return paid
    }

    /// Adds to the insurance fund (slashed keeper stake).
    mutating func creditInsurance(_ amount: Int64) { insuranceFund += amount }
}
