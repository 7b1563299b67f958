import MarketCore

/// The terms without the protocol's name (the protocol account's record holds it), so that
/// ``VaultCore`` is plain data: no references, copied with a `memcpy`, nothing to retain.
struct CoreTerms: Hashable, Sendable {
    var fees: FeeTerms
    var shareOffsetDigits: Int
    var minDeposit: Amount
    var maxTokens: Amount?
    var permissioned: Bool
    var lockUpSeconds: Int64
    var redeemPeriodSeconds: Int64
    var managerMinimumStake: Ppm
    var pointsPerSecond: Int64

    init(_ t: VaultTerms) {
        fees = t.fees
        shareOffsetDigits = t.shareOffsetDigits
        minDeposit = t.minDeposit
        maxTokens = t.maxTokens
        permissioned = t.permissioned
        lockUpSeconds = t.lockUpSeconds
        redeemPeriodSeconds = t.redeemPeriodSeconds
        managerMinimumStake = t.managerMinimumStake
        pointsPerSecond = t.pointsPerSecond
    }

    /// The public terms, with the protocol account's name.
    func terms(protocolName: String) -> VaultTerms {
        VaultTerms(
            fees: fees, shareOffsetDigits: shareOffsetDigits, minDeposit: minDeposit, maxTokens: maxTokens,
            permissioned: permissioned, lockUpSeconds: lockUpSeconds, redeemPeriodSeconds: redeemPeriodSeconds,
            managerMinimumStake: managerMinimumStake, protocolName: protocolName, pointsPerSecond: pointsPerSecond)
    }

    /// See ``VaultTerms/feeTimelockSeconds``.
    var feeTimelockSeconds: Int64 { max(VaultTerms.oneWeekSeconds, 2 * redeemPeriodSeconds) }

    /// See ``VaultTerms/capacity``.
    @inline(__always) var capacity: Amount? {
        guard let cap = maxTokens, cap.raw > 0 else { return nil }
        return cap
    }
}

/// Every number of the vault that an action can change, except the depositor table, the
/// manager's and protocol's records (bar their share counts) and the log: plain data of a few
/// hundred bytes (no strings, no references). An action writes it in place; one that can refuse
/// after writing it saves what it may write first (``Undo``) and puts that back when it refuses.
struct VaultCore: Hashable, Sendable {
    /// Terms in force (fees and `permissioned` may have changed since creation).
    var terms: CoreTerms
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
    /// Shares held by the manager (its record's `shares`, kept here because accrual mints fee shares).
    var managerShares: Int128
    /// Shares held by the protocol account (likewise).
    var protocolShares: Int128
    /// Whole seconds up to which fees, points and the hurdle index have accrued.
    var clock: Int64
    /// Management fee owed but not yet minted, in units of `1 / (1e6 × secondsPerYear)` quote:
    /// below one quote unit after a mint, or the whole fee while it is worth less than a share.
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

    /// Scale of the points index. (Computed constants, like ``ratePerYearUnit`` and
    /// ``feeFractionBits``: a `static let` is read through a lazy-initialisation check each time.)
    @inline(__always) static var pointsScale: Int128 { 1_000_000_000_000_000_000 }
    /// `1e6 × secondsPerYear`: annual ppm rates times seconds, per quote unit.
    @inline(__always) static var ratePerYearUnit: Int128 { 1_000_000 * Int128(VaultTerms.secondsPerYear) }

    init(terms: VaultTerms, createdAt: Timestamp) {
        self.terms = CoreTerms(terms)
        pendingFees = nil
        virtualShares = terms.virtualShares
        equity = 0
        markValid = true
        totalShares = 0
        userShares = 0
        managerShares = 0
        protocolShares = 0
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

    // MARK: Undo (refused plans)

    /// The numbers of the core that a plan may write before its last check that can refuse: those
    /// an accrual writes (the clock, the fee, points and hurdle accumulators, the fee shares it
    /// mints and a fee update that falls due) and those a crystallisation writes (shares moved to
    /// the manager and protocol, the fee totals). Every other number of the core (equity, the
    /// mark's validity, pending withdrawal value, the terms but their fees, the time of the last
    /// action) a plan writes only after its last such check. Saved by the deposit, withdrawal
    /// request and transfer plans before they accrue, and put back if they then refuse
    /// (``Vault/refuse(_:_:)``), in place of planning on a copy of the whole core;
    /// `UndoTests` refuses each of their late checks after an accrual that moved every field.
    struct Undo {
        var fees: FeeTerms
        var pendingFees: PendingFeeUpdate?
        var clock: Int64
        var totalShares: Int128
        var userShares: Int128
        var managerShares: Int128
        var protocolShares: Int128
        var managementAccrued: Int128
        var protocolAccrued: Int128
        var pointsAccrued: Int128
        var pointsIndex: Int128
        var hurdleIndex: Int128
        var feeTotals: FeeTotals
    }

    /// The numbers to put back if the plan about to write the core refuses.
    @inline(__always) var undoPoint: Undo {
        Undo(
            fees: terms.fees, pendingFees: pendingFees, clock: clock, totalShares: totalShares, userShares: userShares,
            managerShares: managerShares, protocolShares: protocolShares, managementAccrued: managementAccrued,
            protocolAccrued: protocolAccrued, pointsAccrued: pointsAccrued, pointsIndex: pointsIndex,
            hurdleIndex: hurdleIndex, feeTotals: fees)
    }

    /// Puts back the numbers saved at `undo` (a refused plan).
    mutating func restore(_ undo: Undo) {
        terms.fees = undo.fees
        pendingFees = undo.pendingFees
        clock = undo.clock
        totalShares = undo.totalShares
        userShares = undo.userShares
        managerShares = undo.managerShares
        protocolShares = undo.protocolShares
        managementAccrued = undo.managementAccrued
        protocolAccrued = undo.protocolAccrued
        pointsAccrued = undo.pointsAccrued
        pointsIndex = undo.pointsIndex
        hurdleIndex = undo.hurdleIndex
        fees = undo.feeTotals
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
    /// (Inlined, like ``touch(_:)`` and ``hurdleThreshold(_:)``: a non-mutating method called out
    /// of line on the core from a mutating plan can get a copy of its own, 416 bytes.)
    @inline(__always) var managerHolding: (Int128, Int64) { (managerShares, value(ofHeld: managerShares)) }

    // MARK: Time accrual

    /// Brings fees, points and the hurdle index up to `time`, applying a due fee update at its
    /// effective instant. Needs a valid mark.
    /// - Returns: management plus protocol fee charged (quote).
    /// - Complexity: O(1), plus one step per whole year between actions (see ``chargeAnnualFees(dt:)``).
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

        return chargeAnnualFees(dt: dt)
    }

    /// Charges the management and protocol fees for `dt` seconds on depositor equity
    /// `D = floor(U × (E + 1) / (S + V))` (depositor shares only: the manager's and protocol's
    /// shares, including earlier fee shares, pay nothing).
    ///
    /// The fee (DESIGN §6, "accrued per second on depositor equity") is linear in time within
    /// a year and compounds once a year, as if the vault were accrued at least once a year:
    /// - each whole year `k` of the gap charges `floor(D_k × rate / 1e6)` per fee, and
    ///   `D_{k+1} = D_k − both` (down: favours depositors; `D_k ≥ 1` because the rates sum to
    ///   less than 100%);
    /// - the remaining `r < 1 year` seconds owe `carried + D_n × rate × r` in units of
    ///   `1 / (1e6 × year)` quote; the fee is the floor of that in quote (down), and the fraction
    ///   below one quote unit is carried to the next accrual;
    /// - the sum of both fees is capped at `D − 1` (the protocol's part is cut first).
    /// Each fee is then paid by ``dilute(_:toProtocol:)``. A fee worth too little to mint a share
    /// is carried whole (frequent actions never erase it); a fee cut by the cap is not carried.
    /// - Returns: management plus protocol fee charged (quote).
    /// - Complexity: O(1), plus one step per whole year of the gap (at most ~8,000).
    private mutating func chargeAnnualFees(dt: Int64) -> Int64 {
        let rm = Int128(terms.fees.managementFee.raw), rp = Int128(terms.fees.protocolFee.raw)
        guard rm > 0 || rp > 0, userShares > 0 else {
            managementAccrued = 0
            protocolAccrued = 0
            return 0
        }
        let depositorEquity = Int128(value(ofHeld: userShares))
        // dt > 0 fits Int64: split it with one 64-bit division.
        let years = Int128(dt / VaultTerms.secondsPerYear), rest = Int128(dt % VaultTerms.secondsPerYear)
        // Whole years: compound once a year (each floor favours depositors).
        var d = depositorEquity
        var yearlyM: Int128 = 0, yearlyP: Int128 = 0
        var k: Int128 = 0
        while k < years {
            let m = d * rm / 1_000_000, p = d * rp / 1_000_000  // d ≤ 1e18, rates < 1e6: no overflow
            if m + p == 0 { break }  // d no longer moves: the remaining years charge nothing
            yearlyM += m
            yearlyP += p
            d -= m + p
            k += 1
        }
        // Everything owed, in units of 1 / (1e6 × year) quote: < 1e18 × 3.2e13 + carry, far inside Int128.
        // (`product` is `*` with a 64-bit fast path; `d × (rate × rest)` is `d × rate × rest`, all
        // three non-negative, so it traps exactly when the original order would.)
        let owedM = (rm > 0 ? managementAccrued : 0) + product(yearlyM, Self.ratePerYearUnit) + product(d, product(rm, rest))
        let owedP = (rp > 0 ? protocolAccrued : 0) + product(yearlyP, Self.ratePerYearUnit) + product(d, product(rp, rest))
        var feeM = quotient(owedM, Self.ratePerYearUnit)  // floor (owed ≥ 0): favours depositors
        var feeP = quotient(owedP, Self.ratePerYearUnit)
        // Depositors keep at least one raw unit (only a large carry can reach this).
        let cap = max(depositorEquity - 1, 0)
        var cappedM = false, cappedP = false
        if feeM > cap {
            feeM = cap
            cappedM = true
        }
        if feeM + feeP > cap {
            feeP = cap - feeM
            cappedP = true
        }

        var charged: Int64 = 0
        let (chargedM, limitM) = feeM > 0 ? dilute(feeM, toProtocol: false) : (0, false)
        if chargedM > 0 || limitM || cappedM {
            managementAccrued = (cappedM || limitM) ? 0 : owedM - product(chargedM, Self.ratePerYearUnit)
        } else {
            managementAccrued = owedM  // worth less than a share: carried whole
        }
        if chargedM > 0 {
            fees.managementFee.raw = saturatingAdd(fees.managementFee.raw, Int64(chargedM))
            charged += Int64(chargedM)
        }
        let (chargedP, limitP) = feeP > 0 ? dilute(feeP, toProtocol: true) : (0, false)
        if chargedP > 0 || limitP || cappedP {
            protocolAccrued = (cappedP || limitP) ? 0 : owedP - product(chargedP, Self.ratePerYearUnit)
        } else {
            protocolAccrued = owedP
        }
        if chargedP > 0 {
            fees.protocolFee.raw = saturatingAdd(fees.protocolFee.raw, Int64(chargedP))
            charged += Int64(chargedP)
        }
        return charged
    }

    /// Pays `fee` quote from depositor equity to the manager (or the protocol account) by
    /// minting shares so that only depositor shares (and the virtual shares, which are nobody's)
    /// lose value; the other fee recipient's holding is scaled up so it keeps its value.
    ///
    /// With `Q = U + V` (depositor plus virtual shares), `T = S + V`, `W = Q × (E + 1) / T` (their
    /// value), carried with 64 fractional bits and rounded up (`Ŵ = ⌈W × 2^64⌉ / 2^64`), and
    /// `K = Q` when the other recipient holds no shares, `Q − 1` when it does:
    /// - `T' = floor(K × (E + 1) / (Ŵ − fee))` (the new `S' + V`; down);
    /// - the other recipient's `O' = floor(O × T' / T)` (down: it keeps at most its value, losing
    ///   less than one raw share's worth);
    /// - the receiving account gets the rest, `T' − V − U − O'`.
    /// For the new price `p' = (E + 1) / T'`, `K × p' ≥ W − fee`, so depositors and virtual shares
    /// together lose at most `fee − (Q − K) p'`, and the receiver, which gains what they lose plus
    /// the other's rounding loss (`< p'`), gains at most `fee`: never more than the fee, and short
    /// of it by at most a raw unit times 2⁻⁶⁴ plus about two raw shares' worth (`p'` is a
    /// thousandth of a raw unit at δ = 3 and NAV 1). E does not move.
    ///
    /// If `T' − V` would pass ``Shares/limit`` the fee is cut to the largest that fits (the
    /// returned flag is true: the cut is forgiven, not carried). Nothing happens (0 charged)
    /// when the fee is worth less than the shares it needs (`T' ≤ T`, or the receiver would end
    /// with fewer shares than it has).
    /// - Returns: the fee actually charged, and whether the share limit cut it.
    private mutating func dilute(_ fee: Int128, toProtocol: Bool) -> (charged: Int128, cut: Bool) {
        let q = userShares + virtualShares
        let t = totalShares + virtualShares
        // E ≤ maxEquity = 1e18 < 2^60, so (E + 1) × 2^64 < 2^124 fits Int128, and every product
        // below (shares ≤ 2^100 times that) fits the 256-bit intermediate of mulDivWide.
        let e1Scaled = (Int128(equity) + 1) << Self.feeFractionBits
        let otherOld = toProtocol ? managerShares : protocolShares
        let receiverOld = toProtocol ? protocolShares : managerShares
        let k = otherOld > 0 ? q - 1 : q
        guard k >= 1 else { return (0, false) }
        // Ŵ × 2^64, rounded up; q ≤ t, so it is at most (E + 1) × 2^64.
        let w = mulDivWide(q, e1Scaled, t, .up)
        // The smallest Ŵ − fee that keeps T' ≤ limit + V (at least 1; w ≥ floorW because k ≤ q and t ≤ limit + V),
        // and the largest fee that fits, `most = floor((w − floorW) / 2^64)`. The fee is cut only
        // above `most`; first a cheap test with an upper bound of floorW settles the usual case
        // (a fee far below the limit) without the 256-bit division that floorW itself needs.
        // The bound, without a division: with E ≤ 2^60 − 1 (so e1Scaled ≤ 2^124) and
        // L = limit + V ≥ 2^99 (limit = 10^30 > 2^99), floorW = ceil(k × e1Scaled / L) ≤
        // k × 2^124 / 2^99 = k × 2^25, an integer; k < 2^100 keeps it inside Int128. Outside those
        // bounds (never: E ≤ maxEquity < 2^60, k ≤ limit + V < 2^100) the bound is Int128.max,
        // which sends the fee to the exact test. Any upper bound gives the same result: it only
        // decides whether the exact test runs, and that test leaves a fee at or below `most` as it is.
        let limitT = Shares.limit.raw + virtualShares
        let floorWBound: Int128 = equity < (1 as Int64) << 60 && k &>> 100 == 0 ? k &<< 25 : .max
        var f = fee
        var cut = false
        if floorWBound > w || f > (w - floorWBound) >> Self.feeFractionBits {
            let floorW = mulDivWide(k, e1Scaled, limitT, .up)
            let most = (w - floorW) >> Self.feeFractionBits  // floor: the largest fee that fits
            if f > most {
                f = most
                cut = true
            }
        }
        guard f > 0 else { return (0, cut) }
        let newT = mulDivWide(k, e1Scaled, w - (f << Self.feeFractionBits), .down)  // ≤ limit + V
        guard newT > t else { return (0, cut) }
        let otherNew = mulDivWide(otherOld, newT, t, .down)
        let receiverNew = newT - virtualShares - userShares - otherNew
        guard receiverNew >= receiverOld else { return (0, cut) }
        if toProtocol {
            protocolShares = receiverNew
            managerShares = otherNew
        } else {
            managerShares = receiverNew
            protocolShares = otherNew
        }
        totalShares = newT - virtualShares
        return (f, cut)
    }

    /// Fractional bits carried in the depositor value `W` when sizing a fee mint.
    @inline(__always) static var feeFractionBits: Int128 { 64 }

    // MARK: Per-account bookkeeping

    /// Settles a depositor's points and hurdle up to the current indexes. Call before any change
    /// to its shares or mark. Points round down (dust is lost, never created).
    @inline(__always) func touch(_ account: inout VaultAccount) {
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
    @inline(__always) func hurdleThreshold(_ account: VaultAccount) -> Int128 {
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
    /// (Inlined into ``crystallize(_:)``, which would otherwise copy the core and the account to call it.)
    @inline(__always) func performanceFeeDue(_ account: VaultAccount) -> (manager: Int64, protocol: Int64, value: Int64)? {
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
        let managerFee = Int64(mulDiv128(product(base, pf), 1_000_000, .down))
        let protocolFee = Int64(mulDiv128(product(base, ps), 1_000_000, .down))
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
        self.managerShares += managerShares
        self.protocolShares += protocolShares
        let fee = due.manager + due.protocol
        account.highWaterMark = Amount(raw: due.value - fee)
        account.hurdleAccrued = 0
        account.performanceFeesPaid.raw = saturatingAdd(account.performanceFeesPaid.raw, fee)
        fees.performanceFee.raw = saturatingAdd(fees.performanceFee.raw, due.manager)
        fees.protocolProfitShare.raw = saturatingAdd(fees.protocolProfitShare.raw, due.protocol)
        return (fee, managerShares + protocolShares)
    }

    /// Lowers a depositor's mark by the quote that left with `n` of its shares (a payout, or the
    /// value of shares transferred out), DESIGN §6: the mark is net deposits plus profit already
    /// charged, so money taken out comes off it one for one (as in Drift). Call with the holding
    /// before the `n` shares leave.
    ///
    /// - `H' = max(H − amount, 0)`: a depositor that takes out more than its mark (profit not yet
    ///   charged, e.g. under the hurdle) starts again from zero rather than carrying a negative
    ///   mark (in its favour);
    /// - the accrued hurdle scales with the mark, `ceil(hurdle × H' / H)` (up: the higher bar
    ///   favours the depositor), as if the mark had been `H'` since it was last reset;
    /// - no shares left means a fresh start: mark and hurdle zero.
    static func lowerMark(_ account: inout VaultAccount, by amount: Int64, leaving n: Int128) {
        guard account.role == .depositor else { return }
        if account.shares.raw - n <= 0 {
            account.highWaterMark = .zero
            account.hurdleAccrued = 0
            return
        }
        let old = account.highWaterMark.raw
        let new = max(old - amount, 0)  // both in 0...Int64.max: no overflow
        if old > 0 {
            // hurdleAccrued < 2^122 and new ≤ 2^63: the product fits the 256-bit intermediate.
            account.hurdleAccrued = mulDivWide(account.hurdleAccrued, Int128(new), Int128(old), .up)
        }
        account.highWaterMark.raw = new
    }
}
