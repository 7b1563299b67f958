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

    public init() {}

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
        if twap > 0 && mulDiv(abs(price - twap), 1_000_000, twap, .down) > guards.maxTwapDivergence.raw { return .tooVolatile }
        if mulDiv(confidence, 1_000_000, price, .down) > guards.maxConfidence.raw { return .tooUncertain }
        if mark > 0 && now - markTime <= guards.maxStalenessMs
            && mulDiv(abs(mark - price), 1_000_000, price, .down) > guards.maxMarkDivergence.raw { return .markDivergent }
        if now - time > guards.maxStalenessMs { return .stale }
        return .valid
    }
}

/// Circuit breakers of one market: price move in a window, volume in a window, invalid oracle,
/// and a manual trip. Each trip lasts at least the cooldown, then resets once its condition clears.
public struct CircuitBreakers: Sendable {
    /// Trip time per kind, or nil when not tripped.
    var trippedAt: [Int64?] = [nil, nil, nil, nil]
    /// Oracle samples (time, price) within the price window, oldest first.
    var samples: ContiguousArray<(Int64, Int64)> = { var a = ContiguousArray<(Int64, Int64)>(); a.reserveCapacity(1024); return a }()
    var sampleHead = 0
    /// Volume buckets: 16 per window, each (bucket index, base volume).
    var buckets = ContiguousArray<(Int64, Int64)>(repeating: (.min, 0), count: 16)

    public init() {}

    /// Whether any breaker is tripped.
    public var isTripped: Bool { trippedAt.contains { $0 != nil } }
    /// Whether `kind` is tripped.
    public func isTripped(_ kind: BreakerKind) -> Bool { trippedAt[Int(kind.rawValue)] != nil }

    mutating func trip(_ kind: BreakerKind, at now: Int64, events: inout ContiguousArray<MarketEvent>) {
        let i = Int(kind.rawValue)
        if trippedAt[i] == nil { events.append(.breakerTrip(kind, Timestamp(milliseconds: now))) }
        trippedAt[i] = now
    }

    /// Folds an oracle price into the window; trips if it moved more than allowed.
    mutating func observeOracle(price: Int64, at now: Int64, config: BreakerConfig, events: inout ContiguousArray<MarketEvent>) {
        guard let maxMove = config.maxPriceMove else { return }
        while sampleHead < samples.count && samples[sampleHead].0 < now - config.priceWindowMs { sampleHead += 1 }
        if sampleHead > 256 && sampleHead * 2 > samples.count {
            samples.removeFirst(sampleHead)
            sampleHead = 0
        }
        var moved = false
        for i in sampleHead..<samples.count {
            let ref = samples[i].1
            if ref > 0 && mulDiv(abs(price - ref), 1_000_000, ref, .down) > maxMove.raw { moved = true; break }
        }
        samples.append((now, price))
        if moved { trip(.priceMove, at: now, events: &events) }
    }

    /// Adds traded volume; trips if the window's volume exceeds the limit.
    mutating func observeVolume(_ qty: Int64, at now: Int64, config: BreakerConfig, events: inout ContiguousArray<MarketEvent>) {
        guard let maxVolume = config.maxVolume else { return }
        let width = Swift.max(config.volumeWindowMs / 16, 1)
        let b = now / width
        let slot = Int(b % 16)
        if buckets[slot].0 != b { buckets[slot] = (b, 0) }
        buckets[slot].1 += qty
        if windowVolume(at: now, config: config) > maxVolume.raw { trip(.volume, at: now, events: &events) }
    }

    /// Resets breakers whose cooldown has passed and whose condition has cleared.
    mutating func resetIfDue(at now: Int64, config: BreakerConfig, oracleValid: Bool, events: inout ContiguousArray<MarketEvent>) {
        for i in 0..<trippedAt.count {
            guard let t = trippedAt[i], now - t >= config.cooldownMs else { continue }
            let kind = BreakerKind(rawValue: UInt8(i))!
            if kind == .oracle && !oracleValid { continue }
            if kind == .manual { continue }
            trippedAt[i] = nil
            events.append(.breakerReset(kind, Timestamp(milliseconds: now)))
        }
    }

    /// Base volume traded within the volume window.
    func windowVolume(at now: Int64, config: BreakerConfig) -> Int64 {
        let width = Swift.max(config.volumeWindowMs / 16, 1)
        let b = now / width
        var total: Int64 = 0
        for (idx, v) in buckets where idx > b - 16 { total += v }
        return total
    }

    /// Resets a manual trip.
    mutating func resetManual(at now: Int64, events: inout ContiguousArray<MarketEvent>) {
        let i = Int(BreakerKind.manual.rawValue)
        if trippedAt[i] != nil {
            trippedAt[i] = nil
            events.append(.breakerReset(.manual, Timestamp(milliseconds: now)))
        }
    }
}
