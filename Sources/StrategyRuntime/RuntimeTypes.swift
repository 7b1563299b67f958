import MarketCore
import Matching
import StrategyKit
import VaultLedger

/// One input to the runtime. Each comes with its time (``StrategyRuntime/handle(_:at:into:)``).
public enum RuntimeInput: Sendable, Hashable {
    /// An oracle price for a market.
    case oracle(market: Int, price: Price, confidence: Price)
    /// Another venue's quote (the arbitrage reference, the hedge venue's prices).
    case reference(ReferenceQuote)
    /// External taker flow: an IOC order from the flow account through the auction, book and AMM.
    /// A zero `limit` makes it a market order (protected by the auction's end price).
    case taker(market: Int, side: Side, size: Quantity, limit: Price)
    /// A depositor's or the manager's vault action (not `mark`/`markInvalid`: the runtime marks).
    case vault(Int, VaultAction)
    /// A manager's command to one hosted strategy.
    case strategy(Int, StrategyCommand)
    /// An operator's action on one market, or (market nil) on every market: pause / resume,
    /// trip / reset the manual breaker. Strategies in a halted market are suspended (quotes pulled)
    /// and restart by themselves when it clears.
    case market(Int?, MarketAdmin)
    /// The external market's book at one level (a depth feed): `size` now rests at `price` on
    /// `side` (0: the level is gone). The runtime keeps that much resting as post-only orders of the
    /// book account, in time priority, so a strategy's order joins the queue behind it
    /// (docs/runtime.md, "External depth").
    case depth(market: Int, side: Side, price: Price, size: Quantity)
    /// Drops every external level of a market (a new depth snapshot follows).
    case clearDepth(market: Int)
    /// A funding rate from outside (historical funding): the market's next funding update
    /// applies it instead of the premium rate (clamped to its `maxRate`).
    case fundingRate(market: Int, FundingRate)
    /// Let time pass: keepers, timers, hedges and marks run.
    case tick
}

/// What an operator may do to a market.
public enum MarketAdmin: Sendable, Hashable {
    case pause, resume, tripBreaker, resetBreaker
}

/// What a manager can do to a running strategy.
public enum StrategyCommand: Sendable, Hashable {
    case pause, resume, stop
    /// New values for live-updatable parameters, all at once or none.
    case update([ParameterAssignment])
}

/// One `key = value` of a parameter update.
public struct ParameterAssignment: Sendable, Hashable {
    public var key: String
    public var value: ParameterInput
    public init(_ key: String, _ value: ParameterInput) {
        self.key = key
        self.value = value
    }
}

/// What the runtime itself reports (the venue's events are in ``RuntimeEvents/market``).
public enum RuntimeEvent: Sendable, Hashable {
    case strategyStarted(strategy: Int, Timestamp)
    case strategyPaused(strategy: Int, Timestamp)
    case strategyResumed(strategy: Int, Timestamp)
    /// Its market paused or a breaker tripped: quotes pulled.
    case strategySuspended(strategy: Int, Timestamp)
    case strategyStopped(strategy: Int, reason: StopReason, Timestamp)
    case parametersUpdated(strategy: Int, Timestamp)
    case parametersRefused(strategy: Int, reason: String, Timestamp)
    /// A hedge leg filled on the external venue: side, price, size, fee paid.
    case hedgeFill(strategy: Int, side: Side, price: Price, size: Quantity, fee: Amount, Timestamp)
    /// A hedge leg due with no reference quote to fill it at: it waits for one.
    case hedgeWaiting(strategy: Int, Timestamp)
    /// Vault cash moved to (positive) or back from (negative) a strategy's sub-account.
    case allocation(vault: Int, strategy: Int, amount: Amount, Timestamp)
    /// A vault action the ledger applied (its receipt) or refused (the error text).
    case vaultApplied(vault: Int, action: VaultAction, receipt: VaultReceipt, Timestamp)
    case vaultRefused(vault: Int, action: VaultAction, error: String, Timestamp)
    /// A withdrawal is due but the strategies' free collateral cannot pay it yet: retried.
    case payoutWaiting(vault: Int, depositor: String, needed: Amount, Timestamp)
    /// The vault's equity was marked: idle + Σ strategy equity, and the share price after fees.
    case marked(vault: Int, equity: Amount, sharePrice: Amount, Timestamp)
    /// A market the vault holds has no usable oracle: the mark is declared invalid.
    case markInvalid(vault: Int, Timestamp)
    /// An input refused as a whole (time went backwards, an unknown index, a manual mark).
    case inputRefused(reason: String, Timestamp)
}

/// The events one input caused: the venue's (tagged, sequenced) and the runtime's own.
public struct RuntimeEvents: Sendable {
    public var market = EventBuffer()
    public var runtime = ContiguousArray<RuntimeEvent>()
    public init() {}
    /// Empties both, keeping their storage.
    public mutating func removeAll() {
        market.removeAll(keepingCapacity: true)
        runtime.removeAll(keepingCapacity: true)
    }
}

/// The runtime's settings.
public struct RuntimeConfig: Sendable, Hashable {
    /// How often each vault is marked (also before every vault action).
    public var markIntervalMs: Int64
    /// How often fee crystallisation is scheduled for the keepers (0: never).
    public var crystallizeIntervalMs: Int64
    /// The keeper's stake (the runtime registers one keeper so funding, liquidations and vault jobs run).
    public var keeperStake: Amount
    /// Collateral of the external-flow account (takers from the data).
    public var flowCollateral: Amount
    public var seed: UInt64
    /// Order latency: a strategy's order or cancel reaches the venue at the first input at or after
    /// the time it was sent plus this many ms (0: at once). See docs/runtime.md, "Order latency".
    public var orderLatencyMs: Int64
    /// Feed latency: market data (oracle, trades, book top, reference quotes, funding) reaches the
    /// strategies at the first input at or after its time plus this many ms (0: at once). Their own
    /// fills and order events are not delayed. See docs/runtime.md, "Feed latency".
    public var feedLatencyMs: Int64

    public init(markIntervalMs: Int64 = 1_000, crystallizeIntervalMs: Int64 = 0, keeperStake: Amount = Amount(raw: 100_000_000),
                flowCollateral: Amount = Amount(raw: 100_000_000_000_000_000), seed: UInt64 = 1, orderLatencyMs: Int64 = 0,
                feedLatencyMs: Int64 = 0) {
        self.orderLatencyMs = Swift.max(0, orderLatencyMs)
        self.feedLatencyMs = Swift.max(0, feedLatencyMs)
        self.markIntervalMs = markIntervalMs
        self.crystallizeIntervalMs = crystallizeIntervalMs
        self.keeperStake = keeperStake
        self.flowCollateral = flowCollateral
        self.seed = seed
    }
}

/// How a strategy is placed in the runtime.
public struct StrategyPlacement: Sendable {
    /// Instance name (unique in the runtime), e.g. `grid-btc`.
    public var name: String
    public var market: Int
    public var vault: Int
    /// Share of each vault deposit allocated to this strategy's sub-account (1e6 = all).
    public var allocation: Ppm
    public var limits: RiskLimits
    public init(name: String, market: Int = 0, vault: Int = 0, allocation: Ppm, limits: RiskLimits = RiskLimits()) {
        self.name = name
        self.market = market
        self.vault = vault
        self.allocation = allocation
        self.limits = limits
    }
}

/// A hosted strategy's figures, for reports and tests.
public struct StrategyReport: Sendable, Hashable {
    public var name: String
    public var kind: String
    public var market: Int
    public var account: AccountId
    public var state: StrategyState
    public var equity: Amount
    public var position: Quantity
    public var hedgePosition: Quantity
    public var fills: Int
    public var auctionsWon: Int
    public var feesPaid: Amount
    public var ordersPlaced: Int
}

/// Why a runtime could not be set up.
public struct RuntimeSetupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
