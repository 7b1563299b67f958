import MarketCore
import Matching
import Testing

/// Extra helpers for the hand-computed matching tests (the base helpers live in `T`, BookTests.swift).
extension T {
    static func oid(_ raw: UInt32) -> OrderId { OrderId(raw) }
    static func acc(_ raw: UInt32) -> AccountId { AccountId(raw) }
    static func amt(_ raw: Int64) -> Amount { Amount(raw: raw) }

    /// A market order with an explicit time in force and protection price (zero = none).
    static func marketOrder(_ id: UInt32, _ account: UInt32, _ side: Side, _ size: String, tif: TimeInForce = .ioc,
                            protection: String = "0", postOnly: Bool = false, reduceOnly: Bool = false) -> OrderRequest {
        OrderRequest(id: OrderId(id), account: AccountId(account), side: side, type: .market, price: p(protection),
                     size: q(size), tif: tif, postOnly: postOnly, reduceOnly: reduceOnly)
    }

    /// (id, remaining, reason) of every cancellation, in order.
    static func cancels(_ events: EventBuffer) -> [Cancel] {
        events.compactMap { if case .cancelled(let id, let rest, let why, _) = $0 { return Cancel(id: id, remaining: rest, reason: why) } else { return nil } }
    }

    /// (id, reason) of every rejection, in order.
    static func rejects(_ events: EventBuffer) -> [Reject] {
        events.compactMap { if case .rejected(let id, let why, _) = $0 { return Reject(id: id, reason: why) } else { return nil } }
    }

    /// Breaker trips and resets, in order.
    static func breakerEvents(_ events: EventBuffer) -> [MarketEvent] {
        events.filter {
            switch $0 {
            case .breakerTrip, .breakerReset: return true
            default: return false
            }
        }
    }

    static func cancel(_ id: UInt32, _ remaining: String, _ reason: CancelReason) -> Cancel {
        Cancel(id: OrderId(id), remaining: q(remaining), reason: reason)
    }
    static func reject(_ id: UInt32, _ reason: RejectReason) -> Reject { Reject(id: OrderId(id), reason: reason) }

    /// Book invariants plus conservation of base and quote (DESIGN §4).
    static func checkAll(_ e: MatchingEngine, sourceLocation: SourceLocation = #_sourceLocation) {
        e.book.checkInvariants()
        #expect(e.conservation.base == 0, "base not conserved", sourceLocation: sourceLocation)
        #expect(e.conservation.quote == 0, "quote not conserved", sourceLocation: sourceLocation)
    }

    /// A plain book with 0.01 tick and 0.001 step, no fees, no auction, no AMM, no breakers.
    static var plain: MarketConfig { MarketConfig.plainBook(tick: p("0.01"), step: q("0.001")) }

    static func maker(_ f: Fill) -> Counterparty { f.maker }
}

struct Cancel: Equatable, CustomStringConvertible {
    var id: OrderId
    var remaining: Quantity
    var reason: CancelReason
    var description: String { "cancel(\(id.raw), \(remaining), \(reason))" }
}

struct Reject: Equatable, CustomStringConvertible {
    var id: OrderId
    var reason: RejectReason
    var description: String { "reject(\(id.raw), \(reason))" }
}

/// A JIT provider that answers every offer with a fixed quote (even for its own account, so the
/// engine's own-account guard is what is under test) and counts the offers it saw.
struct StubProvider: JITProvider {
    var answer: JITQuote
    var offers = 0
    init(_ provider: UInt32, account: UInt32, worst: String, size: String, latency: Int32) {
        answer = JITQuote(provider: ProviderId(provider), account: AccountId(account), worstPrice: T.p(worst),
                          maxSize: T.q(size), latency: latency)
    }
    mutating func quote(for offer: AuctionOffer) -> JITQuote? {
        offers += 1
        return answer
    }
}
