import MarketCore

/// Every piece of vault state except the depositor table and the log: a few hundred bytes, so
/// an action works on a copy and commits it only when nothing was refused.
struct VaultCore: Hashable, Sendable {
    /// Terms in force (fees and `permissioned` may have changed since creation).
    var terms: VaultTerms
    /// A fee raise waiting for its timelock.
    var pendingFees: PendingFeeUpdate?
    /// `10^δ`.
    let virtualShares: Int128
    /// E, in raw quote units.
    var equity: Int64
    /// False while the oracle is invalid.
    var markValid: Bool
    /// S: every share outstanding (depositors + manager + protocol).
    var totalShares: Int128
    /// Shares held by depositors (the base of the management fee and of points).
    var userShares: Int128
    /// The manager's account.
    var manager: VaultAccount
    /// The protocol's account.
    var protocolAccount: VaultAccount
    /// Whole seconds up to which fees, points and the hurdle index have accrued.
    var clock: Int64
    /// Management fee owed but not yet minted, in units of `1 / (1e6 × secondsPerYear)` quote.
    var managementAccrued: Int128
    /// Protocol fee owed but not yet minted, same units.
    var protocolAccrued: Int128
    /// Points × `pointsScale` emitted but not yet spread into ``pointsIndex`` (remainder < userShares).
    var pointsAccrued: Int128
    /// Cumulative points per raw depositor share, × `pointsScale`.
    var pointsIndex: Int128
    /// Cumulative Σ hurdleRate(ppm) × seconds.
    var hurdleIndex: Int128
    /// Cumulative fees charged.
    var fees: FeeTotals
    /// Σ value of pending withdrawal requests (visible to strategies for liquidity planning).
    var totalWithdrawRequested: Int64
    /// Time of the last applied action (actions must not go back in time).
    var lastActionAt: Timestamp

    /// Scale of the points index.
    static let pointsScale: Int128 = 1_000_000_000_000_000_000
    /// `1e6 × secondsPerYear`: annual ppm rates times seconds, per quote unit.
    static let ratePerYearUnit: Int128 = 1_000_000 * Int128(VaultTerms.secondsPerYear)

    init(terms: VaultTerms, manager: String, createdAt: Timestamp) {
        self.terms = terms
        pendingFees = nil
        virtualShares = terms.virtualShares
        equity = 0
        markValid = true
        totalShares = 0
        userShares = 0
        self.manager = VaultAccount(name: manager, role: .manager, pointsIndex: 0, hurdleIndex: 0)
        self.manager.isAllowed = true
        protocolAccount = VaultAccount(name: terms.protocolName, role: .protocolAccount, pointsIndex: 0, hurdleIndex: 0)
        clock = createdAt.seconds
        managementAccrued = 0
        protocolAccrued = 0
        pointsAccrued = 0
        pointsIndex = 0
        hurdleIndex = 0
        fees = .zero
        totalWithdrawRequested = 0
        lastActionAt = createdAt
    }

    // MARK: Conversions (the virtual offset, DESIGN §6)

    /// `assets × (S + 10^δ) / (E + 1)`, rounded as stated; nil if it leaves `Int128`.
    @inline(__always) func shares(forAssets assets: Int64, _ rounding: Rounding) -> Int128? {
        mulDivChecked(Int128(assets), totalShares + virtualShares, Int128(equity) + 1, rounding)
    }

    /// `shares × (E + 1) / (S + 10^δ)`, rounded as stated; nil if it leaves `Int128`.
    @inline(__always) func assets(forShares shares: Int128, _ rounding: Rounding) -> Int128? {
        mulDivChecked(shares, Int128(equity) + 1, totalShares + virtualShares, rounding)
    }

    /// Value of shares someone holds (≤ S, so ≤ E): `floor(shares × (E + 1) / (S + 10^δ))`.
    /// Rounds down: a holder is never shown (or paid) more than its exact claim.
    @inline(__always) func value(ofHeld shares: Int128) -> Int64 {
        // Held shares ≤ S < S + 10^δ, so the quotient is < E + 1 and fits Int64.
        Int64(mulDivWide(shares, Int128(equity) + 1, totalShares + virtualShares, .down))
    }

    /// The manager's shares and their value (for administrative actions' events).
    var managerHolding: (Int128, Int64) { (manager.shares.raw, value(ofHeld: manager.shares.raw)) }

    // MARK: Time accrual

    /// Brings fees, points and the hurdle index up to `time`, applying a due fee update at its
    /// effective instant. Needs a valid mark.
    /// - Returns: management plus protocol fee charged (quote).
    /// - Complexity: O(1).
    mutating func accrue(to time: Timestamp) -> Int64 {
        precondition(markValid, "accrual needs a valid mark")
        var charged: Int64 = 0
        if let pending = pendingFees, time >= pending.effectiveAt {
            // Accrue at the old terms up to the switch, then forgive the fraction of a fee unit
            // still carried at the old rate (rounding towards depositors) and switch.
            charged += advance(to: max(pending.effectiveAt.seconds, clock))
            managementAccrued = 0
            protocolAccrued = 0
            terms.fees = pending.fees
            pendingFees = nil
        }
        charged += advance(to: time.seconds)
        return charged
    }

    /// Accrues `[clock, now)` at the current terms.
    private mutating func advance(to now: Int64) -> Int64 {
        let dt = now - clock
        guard dt > 0 else { return 0 }
        clock = now
        let fees = terms.fees
        hurdleIndex += Int128(fees.hurdleRate.raw) * Int128(dt)

        // Points: emission × dt spread pro rata over depositor shares; the remainder below one
        // index step is carried exactly, so no emission is lost while depositors exist.
        if terms.pointsPerSecond > 0 {
            if userShares > 0 {
                pointsAccrued += Int128(terms.pointsPerSecond) * Int128(dt) * Self.pointsScale
                let step = pointsAccrued / userShares  // floor; remainder carried
                pointsIndex += step
                pointsAccrued -= step * userShares
            } else {
                pointsAccrued = 0  // nobody to earn them
            }
        }

        // Management fee first, then the protocol fee on what depositors hold after it.
        var charged: Int64 = 0
        let (mFee, mShares, mCarry) = annualFee(rate: fees.managementFee.raw, carried: managementAccrued, dt: dt)
        managementAccrued = mCarry
        if mShares > 0 {
            totalShares += mShares
            manager.shares.raw += mShares
            self.fees.managementFee.raw += mFee
            charged += mFee
        }
        let (pFee, pShares, pCarry) = annualFee(rate: fees.protocolFee.raw, carried: protocolAccrued, dt: dt)
        protocolAccrued = pCarry
        if pShares > 0 {
            totalShares += pShares
            protocolAccount.shares.raw += pShares
            self.fees.protocolFee.raw += pFee
            charged += pFee
        }
        return charged
    }

    /// An annual fee on depositor equity `D = floor(U × (E + 1) / (S + 10^δ))` for `dt` seconds,
    /// paid by minting shares (dilution).
    ///
    /// - `owed = carried + D × rate × dt` in units of `1 / (1e6 × year)` quote;
    /// - `fee = floor(owed / (1e6 × year))` (down: favours depositors), capped at `D − 1`;
    /// - `minted = floor(fee × (S + 10^δ) / (E + 1 − fee))` (down: favours depositors), the
    ///   dilution-correct count: the new shares are worth at most `fee`, and depositors lose at most `fee`;
    /// - when the fee or the minted count is zero nothing is minted and the whole owed amount is
    ///   carried to the next accrual (the fee is never erased by frequent actions); when shares
    ///   are minted the fraction below one quote unit is carried; when capped, nothing is carried.
    /// - Returns: (fee charged, shares minted, new carried amount).
    private func annualFee(rate: Int64, carried: Int128, dt: Int64) -> (Int64, Int128, Int128) {
        guard rate > 0, userShares > 0 else { return (0, 0, 0) }
        let depositorEquity = value(ofHeld: userShares)
        let owed = carried + Int128(depositorEquity) * Int128(rate) * Int128(dt)
        var fee = owed / Self.ratePerYearUnit  // floor
        let cap = Int128(max(depositorEquity - 1, 0))
        let capped = fee > cap
        if capped { fee = cap }
        guard fee > 0 else { return (0, 0, owed) }
        // E + 1 − fee ≥ E + 1 − (D − 1) ≥ 2 because D ≤ E.
        guard let minted = mulDivChecked(fee, totalShares + virtualShares, Int128(equity) + 1 - fee, .down),
            minted > 0, totalShares + minted <= Shares.limit.raw
        else { return (0, 0, owed) }
        return (Int64(fee), minted, capped ? 0 : owed - fee * Self.ratePerYearUnit)
    }

    // MARK: Per-account bookkeeping

    /// Settles a depositor's points and hurdle up to the current indexes. Call before any change
    /// to its shares or mark. Points round down (dust is lost, never created).
    func touch(_ account: inout VaultAccount) {
        guard account.role == .depositor else { return }
        let dp = pointsIndex - account.pointsIndexSnapshot
        if dp > 0 && account.shares.raw > 0 {
            account.points += mulDivWide(account.shares.raw, dp, Self.pointsScale, .down)
        }
        account.pointsIndexSnapshot = pointsIndex
        let dh = hurdleIndex - account.hurdleIndexSnapshot
        if dh > 0 && account.highWaterMark.raw > 0 {
            account.hurdleAccrued += Int128(account.highWaterMark.raw) * dh
        }
        account.hurdleIndexSnapshot = hurdleIndex
    }

    /// The hurdle a depositor's profit must clear now: `ceil(hurdleAccrued / (1e6 × year))`.
    /// Rounds up: a higher bar favours the depositor.
    func hurdleThreshold(_ account: VaultAccount) -> Int128 {
        mulDiv128(account.hurdleAccrued, Self.ratePerYearUnit, .up)
    }

    /// The performance fee a touched depositor owes now: (manager part, protocol part, new mark),
    /// or nil when nothing is charged.
    ///
    /// `profit = value − mark`. Soft hurdle: the base is the whole profit once it exceeds the
    /// threshold; hard: the base is the profit above the threshold. Each part is
    /// `floor(base × rate / 1e6)` (down: favours the depositor). A depositor at or below its
    /// mark pays nothing. If every part rounds to zero while a rate is set, nothing happens
    /// and the mark stays (the fee carries to a later crystallisation rather than being erased).
    func performanceFeeDue(_ account: VaultAccount) -> (manager: Int64, protocol: Int64, value: Int64)? {
        guard account.role == .depositor, account.shares.raw > 0 else { return nil }
        let value = value(ofHeld: account.shares.raw)
        let profit = Int128(value) - Int128(account.highWaterMark.raw)
        guard profit > 0 else { return nil }
        let threshold = hurdleThreshold(account)
        let base: Int128
        switch terms.fees.hurdle {
        case .soft: base = profit > threshold ? profit : 0
        case .hard: base = profit > threshold ? profit - threshold : 0
        }
        guard base > 0 else { return nil }
        let pf = Int128(terms.fees.performanceFee.raw), ps = Int128(terms.fees.protocolProfitShare.raw)
        let managerFee = Int64(mulDiv128(base * pf, 1_000_000, .down))
        let protocolFee = Int64(mulDiv128(base * ps, 1_000_000, .down))
        if managerFee + protocolFee == 0 && pf + ps > 0 { return nil }
        return (managerFee, protocolFee, value)
    }

    /// Crystallises a touched depositor's performance fee: moves
    /// `floor(fee × (S + 10^δ) / (E + 1))` shares per part (down: favours the depositor) to the
    /// manager and protocol, sets the mark to `value − fees` (net of fee) and restarts the hurdle.
    /// S and E do not change, so the share price does not move.
    /// - Returns: (fee charged, shares moved).
    mutating func crystallize(_ account: inout VaultAccount) -> (fee: Int64, shares: Int128) {
        guard let due = performanceFeeDue(account) else { return (0, 0) }
        let managerShares = mulDivWide(Int128(due.manager), totalShares + virtualShares, Int128(equity) + 1, .down)
        let protocolShares = mulDivWide(Int128(due.protocol), totalShares + virtualShares, Int128(equity) + 1, .down)
        // fee < value ≤ shares × (E+1)/(S+V), so the moved shares are fewer than the holding.
        account.shares.raw -= managerShares + protocolShares
        userShares -= managerShares + protocolShares
        manager.shares.raw += managerShares
        protocolAccount.shares.raw += protocolShares
        let fee = due.manager + due.protocol
        account.highWaterMark = Amount(raw: due.value - fee)
        account.hurdleAccrued = 0
        account.performanceFeesPaid.raw += fee
        fees.performanceFee.raw += due.manager
        fees.protocolProfitShare.raw += due.protocol
        return (fee, managerShares + protocolShares)
    }

    /// Scales a depositor's mark and accrued hurdle when `n` of its `N` shares leave
    /// (withdrawal, outgoing transfer): `ceil(x × (N − n) / N)`, up so the depositor keeps the
    /// higher bar. Zero shares left means a fresh start.
    static func scaleMark(_ account: inout VaultAccount, leaving n: Int128, of total: Int128) {
        guard account.role == .depositor else { return }
        let remaining = total - n
        if remaining == 0 {
            account.highWaterMark = .zero
            account.hurdleAccrued = 0
            return
        }
        account.highWaterMark.raw = Int64(mulDivWide(Int128(account.highWaterMark.raw), remaining, total, .up))
        account.hurdleAccrued = mulDivWide(account.hurdleAccrued, remaining, total, .up)
    }
}
