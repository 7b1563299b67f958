import MarketCore

extension Vault {
    /// Looks up an existing account for a withdrawal-type action. (Inlined: called out of line
    /// from a `mutating` plan, a non-mutating method gets a copy of the whole vault.)
    @inline(__always) private func existing(_ name: String) -> Result<Slot, VaultError> {
        // A name already on file was checked when it was created: look it up first.
        let slot = slot(of: name)
        if slot == .new { return .failure(Self.nameProblem(name) != nil ? .invalidName(name) : .unknownAccount(name)) }
        return .success(slot)
    }

    /// Withdrawal request (DESIGN §6 "Withdrawals").
    ///
    /// Refused with a pending request, inside the depositor's lock-up, or while the mark is
    /// invalid. Accrues, crystallises the depositor's performance fee, then sizes the request:
    /// - `.amount(a)`: `n = ceil(a × (S + V) / (E + 1))` (up: the holder gives up at least the value
    ///   it takes), value `a`;
    /// - `.shares(n)`: value `floor(n × (E + 1) / (S + V))` (down);
    /// - `.percent(p)`: `n = floor(held × p / 1e6)`, value as for shares.
    /// The shares are not burned: they stay at risk until ``VaultAction/withdraw(depositor:)``.
    /// The manager must keep its minimum stake of what remains after the request. A request
    /// worth more than ``Vault/maxAmount`` is refused (ask for less, or in several requests).
    mutating func planRequest(_ name: String, _ unit: WithdrawUnit, _ time: Timestamp, _ c: inout VaultCore)
        -> Result<Plan, VaultError>
    {
        let slot: Slot
        switch existing(name) {
        case .failure(let e): return .failure(e)
        case .success(let s): slot = s
        }
        if !c.markValid { return .failure(.markInvalid) }
        var account = account(at: slot, named: name, in: c)
        if account.withdrawRequest != nil { return .failure(.withdrawalPending(name)) }
        if account.role == .depositor, let last = account.lastDepositAt,
            time.milliseconds < last.milliseconds + c.terms.lockUpSeconds * 1000
        {
            return .failure(.lockedUp(name: name, until: last + c.terms.lockUpSeconds * 1000))
        }
        let sharesBefore = account.shares.raw
        let valueBefore = c.value(ofHeld: sharesBefore)

        let managementFee = c.accrue(to: time)
        // The accrual may have minted fee shares to the manager or protocol (kept in the core).
        Self.refreshShares(&account, at: slot, from: c)
        c.touch(&account)
        let (fee, feeShares) = account.role == .depositor ? c.crystallize(&account) : (0, 0)
        let held = account.shares.raw
        let worth = c.value(ofHeld: held)
        let shareDecimals = 6 + c.terms.shareOffsetDigits
        func shortfall(_ wanted: WithdrawUnit) -> VaultError {
            .insufficientShares(
                Shortfall(
                    name: name, holds: Shares(raw: held), worth: Amount(raw: worth), wanted: wanted,
                    shareDecimals: shareDecimals))
        }
        let n: Int128
        let value: Int64
        switch unit {
        case .amount(let a):
            if a.raw <= 0 { return .failure(.notPositive("withdrawal amount")) }
            if a > Self.maxAmount { return .failure(.aboveMaximum(what: "withdrawal", amount: a, maximum: Self.maxAmount)) }
            // Up: the shares given up are worth at least the amount taken.
            guard let needed = c.shares(forAssets: a.raw, .up), needed <= held else { return .failure(shortfall(unit)) }
            n = needed
            value = a.raw
        case .shares(let s):
            if s.raw <= 0 { return .failure(.notPositive("shares to redeem")) }
            if s.raw > held { return .failure(shortfall(unit)) }
            n = s.raw
            value = c.value(ofHeld: n)  // down: favours the vault
        case .percent(let p):
            if p.raw <= 0 || p.raw > Ppm.scale { return .failure(.percentOutOfRange(p)) }
            n = held * Int128(p.raw) / 1_000_000  // down: the holder asked for at most p of its shares
            value = c.value(ofHeld: n)  // down: favours the vault
        }
        if n == 0 { return .failure(.nothingToWithdraw(name)) }
        if value > Self.maxAmount.raw {
            return .failure(.aboveMaximum(what: "withdrawal", amount: Amount(raw: value), maximum: Self.maxAmount))
        }
        if account.role == .manager && c.terms.managerMinimumStake.raw > 0 {
            let stake = Int128(c.terms.managerMinimumStake.raw)
            if (held - n) * 1_000_000 < stake * (c.totalShares - n) {
                return .failure(.managerStakeTooLow(minimum: c.terms.managerMinimumStake))
            }
        }
        guard let requested = Self.adding(c.totalWithdrawRequested, value) else {
            return .failure(.tooLarge("the total of pending withdrawal requests"))
        }
        account.withdrawRequest = WithdrawRequest(shares: Shares(raw: n), value: Amount(raw: value), requestedAt: time)
        c.totalWithdrawRequested = requested
        commit(account, at: slot, in: &c)
        return .success(
            Plan(
                receipt: VaultReceipt(
                    amount: Amount(raw: value), shares: Shares(raw: n), performanceFee: Amount(raw: fee),
                    performanceFeeShares: Shares(raw: feeShares), managementFee: Amount(raw: managementFee)),
                actor: .actionName, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
                actorSharesAfter: account.shares.raw))
    }

    /// Cancel a withdrawal request, forfeiting the gain since the request.
    ///
    /// If the requested shares are now worth more than the request's value, the holder keeps only
    /// `keep = floor(value × (S + V − n) / (E + 1 − value))` of them (down: favours the others):
    /// the count that, once the other `n − keep` are burned, is worth the requested value. The burn
    /// raises everyone else's share price. Skipped when the holder owns every share (the gain
    /// would only go to the virtual shares). No forfeit after a loss.
    mutating func planCancel(_ name: String, _ time: Timestamp, _ c: inout VaultCore) -> Result<Plan, VaultError> {
        let slot: Slot
        switch existing(name) {
        case .failure(let e): return .failure(e)
        case .success(let s): slot = s
        }
        var account = account(at: slot, named: name, in: c)
        guard let request = account.withdrawRequest else { return .failure(.noWithdrawalPending(name)) }
        if !c.markValid { return .failure(.markInvalid) }
        let sharesBefore = account.shares.raw
        let valueBefore = c.value(ofHeld: sharesBefore)

        let managementFee = c.accrue(to: time)
        // The accrual may have minted fee shares to the manager or protocol (kept in the core).
        Self.refreshShares(&account, at: slot, from: c)
        c.touch(&account)
        let n = request.shares.raw
        let value = Int128(request.value.raw)
        var lost: Int128 = 0
        if Int128(c.value(ofHeld: n)) > value && account.shares.raw < c.totalShares {
            // value ≤ E, so the divisor E + 1 − value ≥ 1; and keep < n because the shares gained.
            let keep = mulDivWide(value, c.totalShares + c.virtualShares - n, Int128(c.equity) + 1 - value, .down)
            lost = n - keep
            account.shares.raw -= lost
            c.totalShares -= lost
            if account.role == .depositor { c.userShares -= lost }
            if account.shares.raw == 0 { VaultCore.lowerMark(&account, by: 0, leaving: 0) }  // fresh start
        }
        c.totalWithdrawRequested -= request.value.raw
        account.withdrawRequest = nil
        commit(account, at: slot, in: &c)
        return .success(
            Plan(
                receipt: VaultReceipt(
                    amount: request.value, shares: Shares(raw: lost), managementFee: Amount(raw: managementFee)),
                actor: .actionName, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
                actorSharesAfter: account.shares.raw))
    }

    /// Pay out a matured request: `payout = min(value at request, floor(n × (E + 1) / (S + V)))`,
    /// so a fall during the redeem period is shared and a rise stays with the remaining holders.
    /// Burns the `n` shares, `E −= payout`, and lowers the depositor's mark by the payout
    /// (``VaultCore/lowerMark(_:by:leaving:)``: the mark is net deposits plus profit already
    /// charged). No performance fee is crystallised here (it was at the request).
    mutating func planWithdraw(_ name: String, _ time: Timestamp, _ c: inout VaultCore) -> Result<Plan, VaultError> {
        let slot: Slot
        switch existing(name) {
        case .failure(let e): return .failure(e)
        case .success(let s): slot = s
        }
        var account = account(at: slot, named: name, in: c)
        guard let request = account.withdrawRequest else { return .failure(.noWithdrawalPending(name)) }
        if !c.markValid { return .failure(.markInvalid) }
        let until = request.requestedAt + c.terms.redeemPeriodSeconds * 1000
        if time < until { return .failure(.redeemPeriodNotOver(name: name, until: until)) }
        let sharesBefore = account.shares.raw
        let valueBefore = c.value(ofHeld: sharesBefore)

        let managementFee = c.accrue(to: time)
        // The accrual may have minted fee shares to the manager or protocol (kept in the core).
        Self.refreshShares(&account, at: slot, from: c)
        c.touch(&account)
        let n = request.shares.raw
        let payout = min(c.value(ofHeld: n), request.value.raw)  // value rounds down: favours the vault
        VaultCore.lowerMark(&account, by: payout, leaving: n)
        account.shares.raw -= n
        c.totalShares -= n
        if account.role == .depositor { c.userShares -= n }
        c.equity -= payout
        // Statistics only: saturate rather than trap over a very long life at the largest amounts.
        account.netDeposits.raw = saturatingAdd(account.netDeposits.raw, -payout)
        account.totalWithdrawn.raw = saturatingAdd(account.totalWithdrawn.raw, payout)
        c.totalWithdrawRequested -= request.value.raw
        account.withdrawRequest = nil
        commit(account, at: slot, in: &c)
        return .success(
            Plan(
                receipt: VaultReceipt(
                    amount: Amount(raw: payout), shares: Shares(raw: n), managementFee: Amount(raw: managementFee)),
                actor: .actionName, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
                actorSharesAfter: account.shares.raw))
    }
}
