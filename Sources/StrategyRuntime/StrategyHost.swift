import MarketCore
import StrategyKit

/// The runtime's handle on one strategy, whatever its type. A class hierarchy (one generic
/// subclass per strategy type) gives the hot path a vtable call instead of an existential per
/// event; the runtime copies a box before mutating it when it is shared, so ``StrategyRuntime``
/// keeps value semantics.
class AnyStrategyBox {
    func copy() -> AnyStrategyBox { fatalError("abstract") }
    func start(_ c: StrategyContext, _ o: inout Intents) {}
    func stop(_ c: StrategyContext, _ o: inout Intents) {}
    func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) {}
    func onFill(_ f: OwnFill, _ c: StrategyContext, _ o: inout Intents) {}
    func onOrderDone(_ d: OrderDone, _ c: StrategyContext, _ o: inout Intents) {}
    func onTimer(_ id: UInt32, _ c: StrategyContext, _ o: inout Intents) {}
    func quote(for offer: AuctionOffer, _ c: StrategyContext) -> JITAnswer? { nil }
    func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) {}
    /// The concrete strategy value (tests and reports read its own properties).
    var value: Any { fatalError("abstract") }
    var descriptor: StrategyDescriptor { fatalError("abstract") }
    static func descriptorOf(_ box: AnyStrategyBox) -> StrategyDescriptor { box.descriptor }
}

final class StrategyBox<S: Strategy>: AnyStrategyBox {
    var strategy: S
    init(_ strategy: S) { self.strategy = strategy }
    override func copy() -> AnyStrategyBox { StrategyBox(strategy) }
    override func start(_ c: StrategyContext, _ o: inout Intents) { strategy.start(c, &o) }
    override func stop(_ c: StrategyContext, _ o: inout Intents) { strategy.stop(c, &o) }
    override func onMarketData(_ d: MarketData, _ c: StrategyContext, _ o: inout Intents) { strategy.onMarketData(d, c, &o) }
    override func onFill(_ f: OwnFill, _ c: StrategyContext, _ o: inout Intents) { strategy.onFill(f, c, &o) }
    override func onOrderDone(_ d: OrderDone, _ c: StrategyContext, _ o: inout Intents) { strategy.onOrderDone(d, c, &o) }
    override func onTimer(_ id: UInt32, _ c: StrategyContext, _ o: inout Intents) { strategy.onTimer(id, c, &o) }
    override func quote(for offer: AuctionOffer, _ c: StrategyContext) -> JITAnswer? { strategy.quote(for: offer, c) }
    override func update(_ p: ParameterSet, _ c: StrategyContext, _ o: inout Intents) { strategy.update(p, c, &o) }
    override var value: Any { strategy }
    override var descriptor: StrategyDescriptor { S.descriptor }
}

/// Makes a box for a strategy type known only as a metatype (the catalog's list).
func makeBox<S: Strategy>(_ type: S.Type, parameters: ParameterSet, market: MarketInfo) -> AnyStrategyBox {
    StrategyBox(S(parameters: parameters, market: market))
}

/// Where a hosted strategy is in its life.
public enum StrategyState: Sendable, Hashable, CustomStringConvertible {
    case running
    /// Paused by the manager: no orders, no quotes; resumes with ``StrategyCommand/resume``.
    case paused
    /// Its market is paused or a breaker tripped: quotes pulled; resumes by itself after the reset.
    case suspended
    /// Stopped for good (by the manager, or by the risk gate with the reason).
    case stopped(StopReason)

    public var description: String {
        switch self {
        case .running: return "running"
        case .paused: return "paused"
        case .suspended: return "suspended"
        case .stopped(let r): return "stopped (\(r))"
        }
    }
}

/// Why a strategy was stopped.
public enum StopReason: Sendable, Hashable, CustomStringConvertible {
    case requested
    /// An intent named an order key already open, or one not open, or had a zero/out-of-range price or size.
    case invalidIntent(String)
    /// The intent would take the position (with open orders) past `maxPosition`.
    case maxPosition
    case maxNotional
    case maxOpenOrders
    case maxOrderRate
    /// Equity fell more than `maxDrawdown` below its peak.
    case drawdown
    /// The strategy's account was liquidated.
    case liquidated

    public var description: String {
        switch self {
        case .requested: return "requested"
        case .invalidIntent(let why): return "invalid intent: \(why)"
        case .maxPosition: return "max position"
        case .maxNotional: return "max notional"
        case .maxOpenOrders: return "max open orders"
        case .maxOrderRate: return "max order rate"
        case .drawdown: return "max drawdown"
        case .liquidated: return "liquidated"
        }
    }
}
