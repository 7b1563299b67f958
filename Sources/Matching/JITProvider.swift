import MarketCore

/// A just-in-time liquidity provider (a strategy, hosted later by the strategy runtime).
///
/// Rule (DESIGN §4): a provider fills at the first step not earlier than its latency at which
/// the auction price crosses its worst price, at that step's auction price. Earlier crossing
/// wins; at the same step the quote with the better worst price (better for the taker) goes
/// first; then lower latency; then the order in which the pool listed the quotes.
public protocol JITProvider {
    /// Answers an auction, or returns nil to pass.
    mutating func quote(for offer: AuctionOffer) -> JITQuote?
}

/// Everything the engine asks for quotes. Generic, so the auction path stays specialised
/// (no existential per call); the strategy host implements this over its strategies.
public protocol JITProviderPool {
    /// Appends this pool's quotes for `offer` to `quotes`.
    mutating func collectQuotes(for offer: AuctionOffer, into quotes: inout ContiguousArray<JITQuote>)
}

/// No JIT providers.
public struct NoJITProviders: JITProviderPool {
    public init() {}
    public mutating func collectQuotes(for offer: AuctionOffer, into quotes: inout ContiguousArray<JITQuote>) {}
}

extension Array: JITProviderPool where Element: JITProvider {
    /// Any array of providers is a pool. Called from another module, the engine's generic code
    /// is unspecialised and this body looks up `Array<Element>`'s type metadata at run time on
    /// every order (about 330 instructions); a host on a hot path uses a concrete pool instead
    /// (``FixedEdgeProviders``, or the strategy runtime's own).
    public mutating func collectQuotes(for offer: AuctionOffer, into quotes: inout ContiguousArray<JITQuote>) {
        // One uniqueness check for the whole pass, then each provider answers in place: the
        // element-wise `self[i]` of a generic array made each element unique and went through a
        // modify accessor (about 75 instructions a provider). An index loop over a concrete
        // `Range<Int>`: `indices` of a generic array looked up the range's type metadata at run
        // time on every order.
        withUnsafeMutableBufferPointer { providers in
            var i = 0
            let n = providers.count
            while i < n {
                if let q = providers[i].quote(for: offer) { quotes.append(q) }
                i &+= 1
            }
        }
    }
}

/// A concrete pool of ``FixedEdgeProvider``s: what an array of them does, without the generic
/// array's run-time type lookups (see the `Array` conformance above).
public struct FixedEdgeProviders: JITProviderPool, Sendable {
    public var providers: [FixedEdgeProvider]
    public init(_ providers: [FixedEdgeProvider]) { self.providers = providers }
    public mutating func collectQuotes(for offer: AuctionOffer, into quotes: inout ContiguousArray<JITQuote>) {
        providers.collectQuotes(for: offer, into: &quotes)
    }
}

/// A provider with a fixed rule: quotes `edge` away from the oracle (worse for the taker), up to
/// `maxSize`, after `latency` steps. For tests, examples and `mmvault match`.
public struct FixedEdgeProvider: JITProvider, Sendable, Hashable {
    public var id: ProviderId
    public var account: AccountId
    public var edge: Ppm
    public var maxSize: Quantity
    public var latency: Int32

    public init(id: ProviderId, account: AccountId, edge: Ppm, maxSize: Quantity, latency: Int32) {
        self.id = id
        self.account = account
        self.edge = edge
        self.maxSize = maxSize
        self.latency = latency
    }

    public func quote(for offer: AuctionOffer) -> JITQuote? {
        guard offer.takerAccount != account else { return nil }
        // Selling to a buyer: oracle × (1 + edge), rounded up (in the provider's favour is fine:
        // it is not the party acting, and the fill happens at the auction price anyway).
        let one = Ppm.one.raw
        let worst = offer.takerSide == .buy
            ? offer.oracle.applying(Ppm(raw: one + edge.raw), .up)
            : offer.oracle.applying(Ppm(raw: one - edge.raw), .down)
        return JITQuote(provider: id, account: account, worstPrice: worst, maxSize: maxSize, latency: latency)
    }
}
