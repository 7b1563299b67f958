import MarketCore

extension MatchingEngine {
    /// The funding mark, robust to small orders: the mid of the book's **impact** bid and ask
    /// (the average price to fill ``FundingConfig/impactNotional`` on each side, walking at most
    /// 64 levels), else the AMM's mid, else the last fill of at least the impact notional, else
    /// the oracle; then clamped to within `oracle.maxMarkDivergence` of the last usable oracle.
    public var markPrice: Int64 {
        Self.fundingMark(bids: book.bidLevels, asks: book.askLevels, impact: impactNotionalRaw, ammMid: hasAMM && damm.isLive ? damm.midPriceRaw : 0,
                         last: funding.lastImpactTrade, oracle: oracle.lastValidPrice, band: markBandPpm)
    }

    /// The same, from a mutating context: reading a computed property of `self` there made the
    /// compiler copy the whole engine.
    mutating func markNow() -> Int64 {
        Self.fundingMark(bids: book.bidLevels, asks: book.askLevels, impact: impactNotionalRaw, ammMid: hasAMM && damm.isLive ? damm.midPriceRaw : 0,
                         last: funding.lastImpactTrade, oracle: oracle.lastValidPrice, band: markBandPpm)
    }

    static func fundingMark<L: RandomAccessCollection>(bids: L, asks: L, impact: Int64, ammMid: Int64,
                                                       last: Int64, oracle: Int64, band: Int64) -> Int64
    where L.Element == Level, L.Index == Int {
        var m: Int64
        if let bid = impactPrice(bids, notional: impact), let ask = impactPrice(asks, notional: impact) {
            m = bid / 2 + ask / 2 + (bid % 2 + ask % 2) / 2  // (bid + ask) / 2 toward zero, without overflow
        } else if ammMid > 0 {
            m = ammMid
        } else if last > 0 {
            m = last
        } else {
            return oracle
        }
        if oracle > 0 {
            let off = mulDiv(oracle, band, 1_000_000, .down)
            m = Swift.min(Swift.max(m, oracle - off), oracle + off)
        }
        return m
    }

    /// The average price to fill `notional` (quote raw) against `levels` (best last): the exact
    /// ratio `notional / base needed`, rounded toward zero once; nil when 64 levels do not hold
    /// that much. (All in `Int128`: notional × 1e9 × price ≤ 1e17 × 1e9 × 1e12 = 1e38.)
    static func impactPrice<L: RandomAccessCollection>(_ levels: L, notional: Int64) -> Int64? where L.Element == Level, L.Index == Int {
        guard notional > 0 else { return levels.last?.price }
        // Products of two `Int64`s are below 2^126 in magnitude: exact with the wrapping multiply,
        // which compiles to one widening multiplication (the checked one costs ~40 instructions).
        let target = Int128(notional) &* 1_000_000_000  // quote raw × 1e9 = price raw × base raw
        var quote: Int128 = 0
        var base: Int128 = 0
        var i = levels.count - 1
        // The usual case, without a division: the best level alone holds the impact notional.
        if i >= 0 && Int128(levels[i].price) &* Int128(levels[i].qty) >= target { return levels[i].price }
        var walked = 0
        while i >= 0 && walked < 64 {
            let p = Int128(levels[i].price)
            let q = Int128(levels[i].qty)
            let pq = p &* q  // two Int64s: exact
            if quote + pq >= target {
                // The rest, (target − quote) / p base, fills at p: average = target × p / (base × p + target − quote).
                return Int64(target * p / (base * p + target - quote))
            }
            quote += pq
            base += q
            i -= 1
            walked += 1
        }
        return nil
    }

    /// Folds the premium since the last sample into the period's integral.
    mutating func samplePremium() {
        // Only a valid oracle is sampled: an invalid one never moves funding.
        guard oracle.lastValidPrice > 0 else { return }
        if funding.premiumTime != .min {
            let dt = Int128(now - funding.premiumTime)
            funding.premiumIntegral += Int128(funding.lastPremium) * dt
            funding.oracleIntegral += Int128(funding.lastOracle) * dt
        }
        if funding.periodStart == .min { funding.periodStart = now }
        funding.premiumTime = now
        funding.lastPremium = markNow() - oracle.lastValidPrice
        funding.lastOracle = oracle.lastValidPrice
    }

    /// After a command that may have moved the mark (book mid, last trade), folds the change into
    /// the funding premium.
    mutating func sampleIfMarkMoved() {
        if funding.premiumTime != .min && markNow() - oracle.lastValidPrice != funding.lastPremium { samplePremium() }
    }

    /// Sets the rate the next funding update applies instead of the premium rate (clamped to ±`maxRate` then): a backtest replays historical funding this way. The period's
    /// timing stays the market's own (`funding.periodMs`).
    public mutating func setExternalFundingRate(_ rate: FundingRate) {
        funding.externalRate = rate.raw
    }

    /// Whether a funding period has ended (a keeper job).
    public var fundingDue: Bool {
        funding.periodStart != .min && now - funding.periodStart >= config.funding.periodMs
    }

    /// Closes the funding period: computes the clamped rate from the time-weighted premium,
    /// moves the cumulative index and settles the AMM's position at once (accounts settle on touch).
    /// Nothing happens if `time` is before the market's time.
    public mutating func updateFunding(at time: Timestamp, events: inout EventBuffer) {
        events.market = marketIndex
        guard advance(to: time, events: &events) else { return }
        samplePremium()
        // The period waits while the oracle does not allow a funding update (docs: oracle action matrix).
        guard fundingDue, oracleStatus.allows(.fundingUpdate) else { return }
        let elapsed = Int128(now - funding.periodStart)
        let oracleAvg = elapsed > 0 ? funding.oracleIntegral / elapsed : Int128(oracle.lastValidPrice)
        var rate: Int64 = 0
        if let external = funding.externalRate {
            // A given rate (a backtest's funding file), clamped like the premium rate.
            let cap = config.funding.maxRate.raw * 1_000
            rate = Swift.min(Swift.max(external, -cap), cap)
            funding.externalRate = nil
        } else if elapsed > 0 && oracleAvg > 0 {
            // rate (1e9) = avg premium / avg oracle, rounded toward zero.
            // Clamped in 128 bits before narrowing: a far-off mark cannot overflow the rate.
            let exact = funding.premiumIntegral * 1_000_000_000 / elapsed / oracleAvg
            let cap = Int128(config.funding.maxRate.raw * 1_000)
            rate = Int64(Swift.min(Swift.max(exact, -cap), cap))
        }
        // Δindex (1e9 quote per whole base) = rate × oracle: longs pay when positive.
        let delta = Int64(Int128(rate) * Int128(oracle.lastValidPrice) / 1_000_000)
        funding.index += delta
        funding.lastRate = rate
        funding.periodStart = now
        funding.premiumIntegral = 0
        funding.oracleIntegral = 0
        if hasAMM { settleAMMFunding() }
        events.append(.funding(rate: rate, index: funding.index, mark: Price(raw: markPrice), oracle: Price(raw: oracle.lastValidPrice),
                               Timestamp(milliseconds: now)))
    }

    /// Pays `base × Δindex` for one account; the payer's side rounds up and the receiver's
    /// toward zero, so the clearing balance keeps the dust (never the traders).
    @inline(__always) mutating func settleFunding(_ i: Int) {
        // Inlined test, out-of-line work: on the fill path the index has usually not moved.
        if _slowPath(funding.index != accountStates[i].fundingIndex) { settleMovedFunding(i) }
    }

    @inline(never) mutating func settleMovedFunding(_ i: Int) {
        let d = funding.index - accountStates[i].fundingIndex
        guard d != 0 else { return }
        accountStates[i].fundingIndex = funding.index
        let base = accountStates[i].base
        guard base != 0 else { return }
        let exact = Int128(base) * Int128(d)
        let pay = Int64(mulDiv128(exact, 1_000_000_000_000, .up))
        accountStates[i].quote -= pay
        accountStates[i].funding += pay
        funding.clearing += pay
        funding.exactClearing += exact
        sweepFundingDust()
    }

    /// Keeps the clearing balance at the rounded-up exact sum of what was booked: whole units of
    /// rounding dust beyond that go to the insurance fund, so the balance returns to zero once
    /// every position has settled instead of growing with every settlement.
    mutating func sweepFundingDust() {
        let owed = Int64(mulDiv128(funding.exactClearing, 1_000_000_000_000, .up))
        let dust = funding.clearing - owed
        if dust > 0 {
            funding.clearing -= dust
            insuranceFund += dust
        }
    }

    mutating func settleAMMFunding() {
        let d = funding.index - ammFundingIndex
        ammFundingIndex = funding.index
        let base = damm.base
        guard d != 0, hasAMM, base != 0 else { return }
        let exact = Int128(base) * Int128(d)
        let pay = Int64(mulDiv128(exact, 1_000_000_000_000, .up))
        damm.quote -= pay
        funding.clearing += pay
        funding.exactClearing += exact
        sweepFundingDust()
    }

    /// Settles pending funding for `account` (keepers and margin checks call this).
    public mutating func settleFunding(_ account: AccountId) {
        ensureAccount(account)
        settleFunding(Int(account.raw))
    }

    /// Funding `account` owes but has not yet settled (quote raw; negative: is owed).
    public func pendingFunding(_ account: AccountId) -> Int64 {
        let a = self.account(account)
        let d = funding.index - a.fundingIndex
        guard d != 0, a.base != 0 else { return 0 }
        return Int64(mulDiv128(Int128(a.base) * Int128(d), 1_000_000_000_000, .up))
    }
}
