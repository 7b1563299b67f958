import MarketCore
import Matching
import StrategyKit

/// A hosted strategy's bookkeeping (the strategy value itself lives in its box).
struct Slot {
    let name: String
    let kind: String
    let market: Int
    let vault: Int
    let account: AccountId
    let allocation: Ppm
    var parameters: ParameterSet
    var context: StrategyContext
    var state: StrategyState = .running
    var started = false
    /// Open orders: the strategy's key → venue id (parallel to `context.openOrders`). An order
    /// whose cancel the strategy asked for within a batch stays here (its size still counts for
    /// the gate; its key is free) until routing reaches its last event.
    var orders = ContiguousArray<(key: UInt32, id: OrderId, reduceOnly: Bool, cancelRequested: Bool)>()
    var timers = ContiguousArray<(id: UInt32, at: Int64)>()
    /// Orders the gate dropped in the current batch (key, size asked), reported after it.
    var dropped = ContiguousArray<(key: UInt32, size: Quantity)>()
    var hedges = ContiguousArray<(side: Side, size: Int64, due: Int64, fee: Int64, waitingReported: Bool)>()
    /// Hedge leg on the external venue: signed base, cash (quote raw, negative after buying).
    /// The position as routed so far: the venue's position minus fills not routed yet. The gate
    /// and the context use it, so that it always agrees with the open orders (which also change
    /// as events are routed); at the end of every input it equals the venue's.
    var position: Int64 = 0
    var hedgeBase: Int64 = 0
    var hedgeCash: Int64 = 0
    /// Realised PnL of the hedge leg (fees included), for the context.
    var hedgeRealised: Int64 = 0
    var equityPeak: Int64 = 0
    var rateWindow: Int64 = 0
    var rateCount = 0
    var fills = 0
    var auctionsWon = 0
    var feesPaid: Int64 = 0
    var ordersPlaced = 0

    init(name: String, kind: String, market: Int, vault: Int, account: AccountId, allocation: Ppm, parameters: ParameterSet,
         context: StrategyContext) {
        self.name = name
        self.kind = kind
        self.market = market
        self.vault = vault
        self.account = account
        self.allocation = allocation
        self.parameters = parameters
        self.context = context
    }

    /// Started and running: the only state in which it is called, asked for quotes, or its intents applied.
    var isActive: Bool { started && state == .running }

    /// Open size on `side` (non-reduce-only orders).
    func openSize(_ side: Side) -> Int64 {
        var n: Int64 = 0
        for (k, o) in context.openOrders.enumerated() where o.side == side && !orders[k].reduceOnly { n += o.remaining.raw }
        return n
    }

    /// What may still be bought (`side` buy) or sold before |position + open orders on that side|
    /// passes `maxPosition` (`position`: the routed one unless given).
    func room(_ side: Side, position given: Int64? = nil) -> Int64 {
        let pos = given ?? position
        let worst = side == .buy ? pos + openSize(.buy) : -(pos - openSize(.sell))
        return Swift.max(0, context.limits.maxPosition.raw - worst)
    }

    /// The open order with `key` (not one whose cancel was asked for).
    func orderIndex(_ key: UInt32) -> Int? {
        for i in orders.indices where orders[i].key == key && !orders[i].cancelRequested { return i }
        return nil
    }

    func orderIndex(id: OrderId) -> Int? {
        for i in orders.indices where orders[i].id == id { return i }
        return nil
    }
}
