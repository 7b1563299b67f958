/// Why an order was refused on entry. Every refusal is an event, never a trap.
@frozen public enum RejectReason: UInt8, Sendable, Hashable, CustomStringConvertible {
    case duplicateId, invalidSize, invalidPrice, offTick, offStep, belowMinSize
    case postOnlyWouldCross, postOnlyNotLimit, reduceOnlyWouldIncrease, reduceOnlyNoPosition
    case marketPaused, breakerTripped, oracleInvalid, noOracle, unknownOrder, ocoUnknownSibling
    case insufficientMargin, tooManyOrders, invalidAccount
    /// A price above ``Bounds/maxPrice``, a size above ``Bounds/maxQuantity``.
    case priceOutOfRange, sizeOutOfRange
    /// The order would take the account's position plus open orders on a side past ``Bounds/maxQuantity``.
    case positionLimit
    /// The order would take the side's resting size past ``Bounds/maxOpenInterest``.
    case openInterestLimit
    /// The order belongs to another account.
    case notOwner
    /// A fill-or-kill whose own fills would trip a circuit breaker (it could not complete).
    case wouldTripBreaker
    /// The id is the book's internal "no order" sentinel (`UInt32.max`).
    case invalidOrderId
    /// The command's time is before the market's (or venue's) time.
    case timeWentBackwards

    public var description: String {
        switch self {
        case .duplicateId: return "duplicate_id"
        case .invalidSize: return "invalid_size"
        case .invalidPrice: return "invalid_price"
        case .offTick: return "price_not_on_tick"
        case .offStep: return "size_not_on_step"
        case .belowMinSize: return "below_min_size"
        case .postOnlyWouldCross: return "post_only_would_cross"
        case .postOnlyNotLimit: return "post_only_requires_limit_gtc"
        case .reduceOnlyWouldIncrease: return "reduce_only_would_increase"
        case .reduceOnlyNoPosition: return "reduce_only_no_position"
        case .marketPaused: return "market_paused"
        case .breakerTripped: return "breaker_tripped"
        case .oracleInvalid: return "oracle_invalid"
        case .noOracle: return "no_oracle"
        case .unknownOrder: return "unknown_order"
        case .ocoUnknownSibling: return "oco_unknown_sibling"
        case .insufficientMargin: return "insufficient_margin"
        case .tooManyOrders: return "too_many_orders"
        case .invalidAccount: return "invalid_account"
        case .priceOutOfRange: return "price_out_of_range"
        case .sizeOutOfRange: return "size_out_of_range"
        case .positionLimit: return "position_limit"
        case .openInterestLimit: return "open_interest_limit"
        case .notOwner: return "not_owner"
        case .wouldTripBreaker: return "would_trip_breaker"
        case .invalidOrderId: return "invalid_order_id"
        case .timeWentBackwards: return "time_went_backwards"
        }
    }
}

/// Why (the rest of) an order left the book without filling.
@frozen public enum CancelReason: UInt8, Sendable, Hashable, CustomStringConvertible {
    case requested, immediateOrCancel, fillOrKill, marketRemainder, selfTrade, ocoSibling, reduceOnlyClamp, amended, breakerTripped

    public var description: String {
        switch self {
        case .requested: return "requested"
        case .immediateOrCancel: return "ioc_remainder"
        case .fillOrKill: return "fok_unfillable"
        case .marketRemainder: return "market_remainder"
        case .selfTrade: return "self_trade"
        case .ocoSibling: return "oco_sibling"
        case .reduceOnlyClamp: return "reduce_only"
        case .amended: return "amended"
        case .breakerTripped: return "breaker_tripped"
        }
    }
}

/// Who took the other side of a taker's fill.
@frozen public enum Counterparty: Sendable, Hashable {
    /// A resting order in the book.
    case order(OrderId, AccountId)
    /// A JIT provider answering the auction, trading for its account.
    case provider(ProviderId, AccountId)
    /// The DAMM backstop.
    case amm
}

/// One execution. Base nets to zero across `taker` and `maker`; quote moves by `notional`
/// between them; each pays its fee (a negative maker fee is a rebate) to the fee pool.
public struct Fill: Sendable, Hashable {
    public var taker: OrderId
    public var takerAccount: AccountId
    /// The taker's side; the maker is on the other side.
    public var takerSide: Side
    public var maker: Counterparty
    public var price: Price
    public var size: Quantity
    /// `price × size`, rounded against the taker (a buyer pays the ceiling, a seller gets the floor).
    public var notional: Amount
    public var takerFee: Amount
    /// Positive: the maker pays; negative: a rebate paid to the maker from the fee pool.
    public var makerFee: Amount
    /// The auction step at which it filled (0 without an auction).
    public var step: Int32
    public var time: Timestamp

    public init(taker: OrderId, takerAccount: AccountId, takerSide: Side, maker: Counterparty, price: Price,
                size: Quantity, notional: Amount, takerFee: Amount, makerFee: Amount, step: Int32, time: Timestamp) {
        self.taker = taker
        self.takerAccount = takerAccount
        self.takerSide = takerSide
        self.maker = maker
        self.price = price
        self.size = size
        self.notional = notional
        self.takerFee = takerFee
        self.makerFee = makerFee
        self.step = step
        self.time = time
    }
}

/// The circuit breakers of a market.
@frozen public enum BreakerKind: UInt8, Sendable, Hashable, CustomStringConvertible {
    case priceMove, volume, oracle, manual
    public var description: String { ["price_move", "volume", "oracle_invalid", "manual"][Int(rawValue)] }
}

/// Why the oracle is not valid (DESIGN §4 oracle guards), most severe first.
@frozen public enum OracleStatus: UInt8, Sendable, Hashable, CustomStringConvertible {
    case valid, stale, tooUncertain, tooVolatile, markDivergent, nonPositive, missing
    /// An update whose price or confidence is outside ``Bounds``: refused, not recorded.
    case outOfRange
    /// An update older than the market's time: refused, not recorded.
    case outOfOrder
    public var description: String {
        ["valid", "stale", "too_uncertain", "too_volatile", "mark_divergent", "non_positive", "missing", "out_of_range",
         "out_of_order"][Int(rawValue)]
    }
}

/// Everything that happens in a market, in order. Values only: hot paths append these to a
/// reused buffer and allocate nothing.
@frozen public enum MarketEvent: Sendable, Hashable {
    case accepted(OrderId, AccountId, Timestamp)
    case rejected(OrderId, RejectReason, Timestamp)
    case fill(Fill)
    case cancelled(OrderId, remaining: Quantity, reason: CancelReason, Timestamp)
    /// An amend; `keptPriority` is true only for a pure size reduction.
    case amended(OrderId, price: Price, size: Quantity, keptPriority: Bool, Timestamp)
    case auctionStart(OrderId, side: Side, start: Price, end: Price, steps: Int32, Timestamp)
    case auctionEnd(OrderId, filled: Quantity, Timestamp)
    case breakerTrip(BreakerKind, Timestamp)
    case breakerReset(BreakerKind, Timestamp)
    case oracle(price: Price, status: OracleStatus, Timestamp)
    case paused(global: Bool, Timestamp)
    case resumed(global: Bool, Timestamp)
    /// A funding period closed: rate (1e9 = 100%) and the new cumulative index.
    case funding(rate: Int64, index: Int64, mark: Price, oracle: Price, Timestamp)
    /// Collateral moved in (positive) or out of an account.
    case collateral(AccountId, asset: UInt16, delta: Int64, balance: Int64, Timestamp)
    /// One liquidation step.
    case liquidation(LiquidationStep)
    /// An account's losses exceeded its collateral: who paid, and what is left unresolved.
    case bankruptcy(Bankruptcy)
    /// Keeper network activity.
    case keeper(KeeperEvent)
    /// A stop / take-profit trigger fired and placed its order.
    case triggerFired(OrderId, price: Price, Timestamp)
}

/// A bankruptcy's resolution: `badDebt = insurance + feePool + socialized + unresolved`.
public struct Bankruptcy: Sendable, Hashable {
    /// The market whose funds and positions paid.
    public var market: UInt16
    public var account: AccountId
    /// The account's negative equity once its positions and collateral were gone.
    public var badDebt: Amount
    /// Paid by the market's insurance fund.
    public var insurance: Amount
    /// Paid by the market's fee pool.
    public var feePool: Amount
    /// Charged to the other open positions, pro rata to |base| (rounding up per position; the
    /// excess over the debt goes to the insurance fund).
    public var socialized: Amount
    /// Left as the account's negative balance: nobody else held a position to share it.
    public var unresolved: Amount
    public var time: Timestamp
    public init(market: UInt16, account: AccountId, badDebt: Amount, insurance: Amount, feePool: Amount, socialized: Amount,
                unresolved: Amount, time: Timestamp) {
        self.market = market
        self.account = account
        self.badDebt = badDebt
        self.insurance = insurance
        self.feePool = feePool
        self.socialized = socialized
        self.unresolved = unresolved
        self.time = time
    }
}

/// One step of a liquidation: `size` of the position moved to the keeper at `price`.
public struct LiquidationStep: Sendable, Hashable {
    /// The market (index in the venue) whose position moved.
    public var market: UInt16
    public var account: AccountId
    public var keeper: UInt32
    public var keeperAccount: AccountId
    /// Signed base taken from the account (the keeper receives it).
    public var size: Quantity
    public var price: Price
    public var liquidatorFee: Amount
    public var insuranceFee: Amount
    public var marginBefore: Amount
    public var marginAfter: Amount
    public var requirement: Amount
    public var time: Timestamp
    public init(account: AccountId, keeper: UInt32, keeperAccount: AccountId, size: Quantity, price: Price,
                liquidatorFee: Amount, insuranceFee: Amount, marginBefore: Amount, marginAfter: Amount,
                requirement: Amount, time: Timestamp, market: UInt16 = 0) {
        self.market = market
        self.account = account
        self.keeper = keeper
        self.keeperAccount = keeperAccount
        self.size = size
        self.price = price
        self.liquidatorFee = liquidatorFee
        self.insuranceFee = insuranceFee
        self.marginBefore = marginBefore
        self.marginAfter = marginAfter
        self.requirement = requirement
        self.time = time
    }
}

/// The kinds of keeper job (DESIGN §5).
@frozen public enum KeeperJobKind: UInt8, Sendable, Hashable, CustomStringConvertible {
    case liquidation, trigger, funding, feeCrystallization, maturedWithdrawal
    public var description: String {
        ["liquidation", "trigger", "funding", "fee_crystallization", "matured_withdrawal"][Int(rawValue)]
    }
}

/// What happened in the keeper network.
@frozen public enum KeeperEvent: Sendable, Hashable {
    case registered(keeper: UInt32, stake: Amount, Timestamp)
    /// The job went to `keeper`, who did it and earned `reward`.
    case done(keeper: UInt32, job: KeeperJobKind, reward: Amount, Timestamp)
    /// `keeper` missed its job: score cut and `slashed` of its stake to the insurance fund.
    case missed(keeper: UInt32, job: KeeperJobKind, slashed: Amount, score: Ppm, Timestamp)
}
