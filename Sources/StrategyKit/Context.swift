import MarketCore

/// The rules of the market a strategy trades (read once at creation).
public struct MarketInfo: Sendable, Hashable {
    public var tick: Price
    public var step: Quantity
    public var minSize: Quantity
    /// The lowest tier's fees (a negative maker fee is a rebate).
    public var makerFee: Ppm
    public var takerFee: Ppm
    /// JIT auction steps (0: the market runs no auction).
    public var auctionSteps: Int32

    public init(tick: Price, step: Quantity, minSize: Quantity, makerFee: Ppm = .zero, takerFee: Ppm = .zero, auctionSteps: Int32 = 0) {
        self.tick = tick
        self.step = step
        self.minSize = minSize
        self.makerFee = makerFee
        self.takerFee = takerFee
        self.auctionSteps = auctionSteps
    }

    /// `price` rounded to a multiple of the tick: down for a bid (never pays more than asked), up
    /// for an ask (never sells for less).
    public func rounded(_ price: Price, for side: Side) -> Price {
        let t = tick.raw
        guard t > 0 else { return price }
        let q = price.raw / t, r = price.raw % t
        if r == 0 { return price }
        switch side {
        case .buy: return Price(raw: (r < 0 ? q - 1 : q) * t)
        case .sell: return Price(raw: (r < 0 ? q : q + 1) * t)
        }
    }

    /// `size` rounded down to a multiple of the step (never more than asked).
    public func rounded(_ size: Quantity) -> Quantity {
        let s = step.raw
        guard s > 0, size.raw > 0 else { return size.raw > 0 ? size : .zero }
        return Quantity(raw: size.raw / s * s)
    }
}

/// One of the strategy's open orders.
public struct OpenOrder: Sendable, Hashable {
    public var key: UInt32
    public var side: Side
    public var price: Price
    /// Size still open.
    public var remaining: Quantity
    public init(key: UInt32, side: Side, price: Price, remaining: Quantity) {
        self.key = key
        self.side = side
        self.price = price
        self.remaining = remaining
    }
}

/// The vault the strategy trades for, as the strategy may see it.
public struct VaultView: Sendable, Hashable {
    /// Idle cash plus every sub-account's equity at the last valid oracle.
    public var equity: Amount
    /// Withdrawals requested and not yet paid.
    public var pendingWithdrawals: Amount
    /// Cash not allocated to any strategy.
    public var idle: Amount
    public init(equity: Amount = .zero, pendingWithdrawals: Amount = .zero, idle: Amount = .zero) {
        self.equity = equity
        self.pendingWithdrawals = pendingWithdrawals
        self.idle = idle
    }
}

/// The risk gate's limits for this strategy, so it can size within them (the gate enforces them anyway).
public struct RiskLimits: Sendable, Hashable {
    /// Largest |position| (base).
    public var maxPosition: Quantity
    /// Largest |position| × price plus open orders' notional.
    public var maxNotional: Amount
    /// Largest number of open orders.
    public var maxOpenOrders: Int
    /// Largest number of intents that place or replace orders per second.
    public var maxOrdersPerSecond: Int
    /// Drawdown from the strategy's equity peak that stops it (1e6 = 100%).
    public var maxDrawdown: Ppm

    public init(maxPosition: Quantity = Quantity(raw: 1_000_000_000_000), maxNotional: Amount = Amount(raw: 10_000_000_000_000),
                maxOpenOrders: Int = 64, maxOrdersPerSecond: Int = 1_000, maxDrawdown: Ppm = Ppm(raw: 500_000)) {
        self.maxPosition = maxPosition
        self.maxNotional = maxNotional
        self.maxOpenOrders = maxOpenOrders
        self.maxOrdersPerSecond = maxOrdersPerSecond
        self.maxDrawdown = maxDrawdown
    }
}

/// What a strategy may read: kept current by the runtime, handed to every callback. Values only.
public struct StrategyContext: Sendable {
    /// The time of the input being handled.
    public var time: Timestamp
    public var market: MarketInfo
    public var limits: RiskLimits
    /// The venue's best bid and ask.
    public var top: BookTop
    /// The market's latest oracle update and the venue's verdict on it.
    public var oracle: Price
    public var oracleConfidence: Price
    public var oracleStatus: OracleStatus
    /// The last valid (`valid` or `mark_divergent`) oracle price, zero before the first.
    public var lastValidOracle: Price
    /// The last trade printed in the market (zero before the first).
    public var lastTrade: Price
    /// The latest reference quote (source 0), nil before the first.
    public var reference: ReferenceQuote?
    /// The last funding rate (1e9 = 100% per period).
    public var fundingRate: Int64

    /// Signed position in the strategy's market (base).
    public var position: Quantity
    /// Average entry price of the position (zero when flat).
    public var entryPrice: Price
    /// Signed position held on the external venue by hedge legs.
    public var hedgePosition: Quantity
    /// Average entry price of the hedge position (zero when flat).
    public var hedgeEntryPrice: Price
    /// Profit realised by closing (fees and funding included), on both legs.
    public var realisedPnl: Amount
    /// Mark-to-market of the open positions at the last valid oracle (hedge at the reference mid).
    public var unrealisedPnl: Amount
    /// The strategy's sub-account equity (collateral + unrealised).
    public var equity: Amount
    /// What the account could still commit under initial margin.
    public var freeCollateral: Amount
    /// The strategy's open orders, in the order they were placed.
    public var openOrders: ContiguousArray<OpenOrder>
    public var vault: VaultView

    public init(time: Timestamp = .zero, market: MarketInfo, limits: RiskLimits = RiskLimits()) {
        self.time = time
        self.market = market
        self.limits = limits
        top = BookTop()
        oracle = .zero
        oracleConfidence = .zero
        oracleStatus = .missing
        lastValidOracle = .zero
        lastTrade = .zero
        reference = nil
        fundingRate = 0
        position = .zero
        entryPrice = .zero
        hedgePosition = .zero
        hedgeEntryPrice = .zero
        realisedPnl = .zero
        unrealisedPnl = .zero
        equity = .zero
        freeCollateral = .zero
        openOrders = []
        vault = VaultView()
    }

    /// The fair price the strategy should anchor to: the last valid oracle, else the book mid
    /// (which may be the strategy's own quotes), else the last trade; nil before any of them.
    public var fairPrice: Price? {
        if lastValidOracle.raw > 0 { return lastValidOracle }
        if let m = top.mid { return m }
        if lastTrade.raw > 0 { return lastTrade }
        return nil
    }

    /// The open order with `key`, if any.
    public func openOrder(_ key: UInt32) -> OpenOrder? {
        for o in openOrders where o.key == key { return o }
        return nil
    }
}
