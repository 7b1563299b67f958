import MarketCore

/// The market's oracle and its guards: staleness, confidence, volatility vs its TWAP, and
/// divergence of the mark (last trade) from the oracle.
public struct OracleState: Sendable {
    public private(set) var price: Int64 = 0
    public private(set) var confidence: Int64 = 0
    public private(set) var time: Int64 = .min
    /// Time-weighted average over the guard's window (price, 1e6).
    public private(set) var twap: Int64 = 0
    /// Last trade price (the mark), or 0 before the first trade.
    public internal(set) var mark: Int64 = 0
    /// When the mark was set. A mark older than the staleness limit is ignored, so a market
    /// halted by a divergence can recover once the oracle is fresh again.
    public internal(set) var markTime: Int64 = .min
    /// The last usable price — one that arrived valid or mark divergent (0 before the first): the
    /// only price that values positions, liquidates, fires triggers and settles funding (see
    /// ``OracleStatus/allows(_:)``). An uncertain, volatile or non-positive update never becomes it.
    public internal(set) var lastValidPrice: Int64 = 0
    /// When ``lastValidPrice`` arrived (`.min` before the first).
    public internal(set) var lastValidTime: Int64 = .min

    public init() {}

    /// Records that the current price is valid (called by the engine after ``status(now:guards:)``).
    mutating func markValid() {
        lastValidPrice = price
        lastValidTime = time
    }

    /// The price margin is computed at: the last valid oracle, and whether it is fresh enough
    /// (no older than the staleness limit) to allow risk-increasing actions. Price 0: none yet.
    /// The one freshness rule; the margin check reads it through `MatchingEngine.marginInputs`.
    public func marginPrice(now: Int64, stalenessMs: Int64) -> (price: Int64, fresh: Bool) {
        guard lastValidPrice > 0 else { return (0, false) }
        return (lastValidPrice, now - lastValidTime <= stalenessMs)
    }

    /// Whether any oracle value has arrived.
    public var hasValue: Bool { time != .min }

    /// Records an update and folds it into the TWAP: `twap += (p − twap) × min(dt, W) / W`.
    mutating func update(price: Int64, confidence: Int64, time: Int64, window: Int64) {
        if !hasValue || twap <= 0 {
            twap = price
        } else {
            let dt = Swift.min(Swift.max(time - self.time, 0), window)
            twap += mulDiv(price - twap, dt, window, .down)
        }
        self.price = price
        self.confidence = confidence
        self.time = time
    }

    /// Validity at `now`, most severe problem first (as Drift orders them).
    public func status(now: Int64, guards: OracleGuardConfig) -> OracleStatus {
        guard hasValue else { return .missing }
        if price <= 0 { return .nonPositive }
        if twap > 0 && ppmExceeds(abs(price - twap), over: twap, guards.maxTwapDivergence.raw) { return .tooVolatile }
        if ppmExceeds(confidence, over: price, guards.maxConfidence.raw) { return .tooUncertain }
        if mark > 0 && now - markTime <= guards.maxStalenessMs
            && ppmExceeds(abs(mark - price), over: price, guards.maxMarkDivergence.raw) { return .markDivergent }
        if now - time > guards.maxStalenessMs { return .stale }
        return .valid
    }
}

/// Circuit breakers of one market: price move in a window, volume in a window, invalid oracle,
/// and a manual trip. Each trip lasts at least the cooldown, then resets once its condition clears.
public struct CircuitBreakers: Sendable {
    /// Trip time per kind, or nil when not tripped. Written only here, each write followed by
    /// `anyTripped`'s update.
    private(set) var trippedAt: [Int64?] = [nil, nil, nil, nil]
    /// Whether any entry of `trippedAt` is set (read on every command; kept, not scanned).
    private(set) var anyTripped = false
    /// Oracle samples (time, price) within the price window, oldest first.
    var samples: ContiguousArray<(Int64, Int64)> = { var a = ContiguousArray<(Int64, Int64)>(); a.reserveCapacity(1024); return a }()
    var sampleHead = 0
    /// Volume buckets: 16 per window, each (bucket index, base volume).
    var buckets = ContiguousArray<(Int64, Int64)>(repeating: (.min, 0), count: 16)
    /// The bucket of the latest fill and the time span it covers, `[start, start + width)`: fills
    /// within one bucket's span skip the division (``bucket(at:width:)``). `width` 0: none yet.
    var lastBucket: (index: Int64, start: Int64, width: Int64) = (0, 0, 0)
    /// The window's volume as of the latest fill and that fill's bucket: while fills stay in one
    /// bucket only that bucket grows, so the total grows by the same (saturating) amount and the
    /// 16 buckets are summed again only when a fill opens a new bucket (``observeVolume``).
    var lastWindow: (bucket: Int64, width: Int64, total: Int64) = (.min, 0, 0)

    public init() {}

    /// Whether any breaker is tripped.
    public var isTripped: Bool { anyTripped }
    /// Whether `kind` is tripped.
    public func isTripped(_ kind: BreakerKind) -> Bool { trippedAt[Int(kind.rawValue)] != nil }

    mutating func trip(_ kind: BreakerKind, at now: Int64, events: inout EventBuffer) {
        let i = Int(kind.rawValue)
        if trippedAt[i] == nil { events.append(.breakerTrip(kind, Timestamp(milliseconds: now))) }
        trippedAt[i] = now
        anyTripped = true
    }

    /// Folds an oracle price into the window; trips if it moved more than allowed.
    mutating func observeOracle(price: Int64, at now: Int64, config: BreakerConfig, events: inout EventBuffer) {
        guard let maxMove = config.maxPriceMove else { return }
        while sampleHead < samples.count && samples[sampleHead].0 < now - config.priceWindowMs { sampleHead += 1 }
        if sampleHead > 256 && sampleHead * 2 > samples.count {
            samples.removeFirst(sampleHead)
            sampleHead = 0
        }
        var moved = false
        for i in sampleHead..<samples.count {
            let ref = samples[i].1
            if ref > 0 && ppmExceeds(abs(price - ref), over: ref, maxMove.raw) { moved = true; break }
        }
        samples.append((now, price))
        if moved { trip(.priceMove, at: now, events: &events) }
    }

    /// Adds traded volume; trips if the window's volume exceeds the limit.
    mutating func observeVolume(_ qty: Int64, at now: Int64, config: BreakerConfig, events: inout EventBuffer) {
        guard let maxVolume = config.maxVolume else { return }
        let width = Swift.max(config.volumeWindowMs / 16, 1)
        let b = bucket(at: now, width: width)
        let slot = Int(b % 16)
        if buckets[slot].0 != b { buckets[slot] = (b, 0) }
        buckets[slot].1 = saturatingAdd(buckets[slot].1, qty)
        // Same bucket as the last fill: the window holds the same buckets and only this one grew
        // by `qty`. With every volume ≥ 0, saturating sums do not depend on the grouping
        // (min(min(S, M) + q, M) = min(S + q, M), M = Int64.max), so the remembered total plus
        // `qty` is the sum `windowVolume(bucket:)` would compute (`VolumeWindowTests`).
        let total = lastWindow.bucket == b && lastWindow.width == width && qty >= 0
            ? saturatingAdd(lastWindow.total, qty)
            : windowVolume(bucket: b)
        lastWindow = (b, width, total)
        if total > maxVolume.raw { trip(.volume, at: now, events: &events) }
    }

    /// `now / width` (the volume bucket of `now`), remembered with its span: a hardware division
    /// only when `now` leaves the last bucket's span. Only non-negative times are remembered (for
    /// them the span `[b × width, (b + 1) × width)` is exactly the times whose quotient is `b`).
    mutating func bucket(at now: Int64, width: Int64) -> Int64 {
        let last = lastBucket
        if width == last.width && now >= last.start && now - last.start < width { return last.index }
        let b = now / width
        if now >= 0 { lastBucket = (b, b * width, width) }
        return b
    }

    /// Resets breakers whose cooldown has passed and whose condition has cleared.
    mutating func resetIfDue(at now: Int64, config: BreakerConfig, oracleValid: Bool, events: inout EventBuffer) {
        for i in 0..<trippedAt.count {
            guard let t = trippedAt[i], now - t >= config.cooldownMs else { continue }
            let kind = BreakerKind(rawValue: UInt8(i))!
            if kind == .oracle && !oracleValid { continue }
            if kind == .manual { continue }
            trippedAt[i] = nil
            events.append(.breakerReset(kind, Timestamp(milliseconds: now)))
        }
        anyTripped = trippedAt.contains { $0 != nil }
    }

    /// Base volume traded within the volume window.
    func windowVolume(at now: Int64, config: BreakerConfig) -> Int64 {
        windowVolume(bucket: now / Swift.max(config.volumeWindowMs / 16, 1))
    }

    /// Base volume in the 16 buckets up to and including bucket `b`.
    func windowVolume(bucket b: Int64) -> Int64 {
        var total: Int64 = 0
        for (idx, v) in buckets where idx > b - 16 { total = saturatingAdd(total, v) }
        return total
    }

    /// Resets a manual trip.
    mutating func resetManual(at now: Int64, events: inout EventBuffer) {
        let i = Int(BreakerKind.manual.rawValue)
        if trippedAt[i] != nil {
            trippedAt[i] = nil
            anyTripped = trippedAt.contains { $0 != nil }
            events.append(.breakerReset(.manual, Timestamp(milliseconds: now)))
        }
    }
}

/// What an oracle price is used for. Each action is allowed only under some oracle statuses
/// (``OracleStatus/allows(_:)``), as Drift's `is_oracle_valid_for_action` does; an action that is
/// not allowed waits for a valid oracle (docs/matching.md, "Oracle action matrix").
public enum OracleAction: UInt8, Sendable, Hashable, CaseIterable {
    /// A taker fill through the JIT auction or against the AMM (the oracle is the auction's start
    /// and the AMM's peg).
    case takerFill
    /// A match against the book in a market with no auction and no AMM (the oracle is not used).
    case bookMatch
    /// Valuing positions for margin: always at the last valid price; risk-increasing actions
    /// need that price to be fresh (``OracleState/marginPrice(now:stalenessMs:)``).
    case marginCalc
    /// Starting or continuing a liquidation.
    case liquidation
    /// Firing a stop / take-profit / bracket trigger.
    case triggerFire
    /// Closing a funding period (moving the index) and sampling the premium.
    case fundingUpdate
    /// Withdrawing collateral from an account with a position or open orders in the market.
    case withdrawal
    /// Marking a vault's equity into its ledger.
    case vaultMark
}

extension OracleStatus {
    /// Whether an oracle in this status may be used for `action`.
    ///
    /// Mark divergent means the venue's own last trade is far from the oracle — the oracle
    /// itself is sound, so it still values and liquidates positions (as in Drift); only taker
    /// fills through the auction or the AMM, which a manipulated book could exploit, need `valid`.
    ///
    /// | action | valid | mark divergent | stale | too uncertain | too volatile | non-positive | missing |
    /// |---|---|---|---|---|---|---|---|
    /// | takerFill | yes | no | no | no | no | no | no |
    /// | liquidation, triggerFire, withdrawal, vaultMark | yes | yes | no | no | no | no | no |
    /// | fundingUpdate (at the last usable price) | yes | yes | yes | no | no | no | no |
    /// | marginCalc | yes | yes | last usable, while fresh | last usable, while fresh | last usable, while fresh | last usable, while fresh | no |
    /// | bookMatch | yes | yes | yes | yes | yes | yes | yes |
    ///
    /// The "last usable" price is the last one that arrived valid or mark divergent
    /// (``OracleState/lastValidPrice``); it is fresh while no older than the staleness limit.
    public func allows(_ action: OracleAction) -> Bool {
        switch action {
        case .bookMatch: return true
        case .marginCalc: return self != .missing
        case .takerFill: return self == .valid
        case .fundingUpdate: return self == .valid || self == .markDivergent || self == .stale
        case .liquidation, .triggerFire, .withdrawal, .vaultMark: return self == .valid || self == .markDivergent
        }
    }
}
