import MarketCore

extension Vault {
    /// Looks up an existing account for a withdrawal-type action. (Inlined: called out of line
    /// from a `mutating` plan, a non-mutating method gets a copy of the whole vault.)
    @inline(__always) private func existing(_ name: String) throws(VaultError) -> Slot {
        // A name already on file was checked when it was created: look it up first.
        let slot = slot(of: name)
        if slot == .new { throw Self.nameProblem(name) != nil ? .invalidName(name) : .unknownAccount(name) }
        return slot
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
    mutating func planRequest(_ name: String, _ unit: WithdrawUnit, _ time: Timestamp) throws(VaultError) -> Plan
    {
        let slot = try existing(name)
        if !core.markValid { throw .markInvalid }
        var account = account(at: slot, named: name, in: core)
        if account.withdrawRequest != nil { throw .withdrawalPending(name) }
        if account.role == .depositor, let last = account.lastDepositAt,
            time.milliseconds < last.milliseconds + core.terms.lockUpSeconds * 1000
        {
            throw .lockedUp(name: name, until: last + core.terms.lockUpSeconds * 1000)
        }
        let sharesBefore = account.shares.raw
        let valueBefore = core.value(ofHeld: sharesBefore)

        // From here the plan writes the core in place; a refusal below puts back what it wrote.
        let undo = core.undoPoint
        let managementFee = core.accrue(to: time)
        // The accrual may have minted fee shares to the manager or protocol (kept in the core).
        Self.refreshShares(&account, at: slot, from: core)
        core.touch(&account)
        let (fee, feeShares) = account.role == .depositor ? core.crystallize(&account) : (0, 0)
        let held = account.shares.raw
        let worth = core.value(ofHeld: held)
        let shareDecimals = 6 + core.terms.shareOffsetDigits
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
            if a.raw <= 0 { throw refuse(.notPositive("withdrawal amount"), undo) }
            if a > Self.maxAmount { throw refuse(.aboveMaximum(what: "withdrawal", amount: a, maximum: Self.maxAmount), undo) }
            // Up: the shares given up are worth at least the amount taken.
            guard let needed = core.shares(forAssets: a.raw, .up), needed <= held else { throw refuse(shortfall(unit), undo) }
            n = needed
            value = a.raw
        case .shares(let s):
            if s.raw <= 0 { throw refuse(.notPositive("shares to redeem"), undo) }
            if s.raw > held { throw refuse(shortfall(unit), undo) }
            n = s.raw
            value = core.value(ofHeld: n)  // down: favours the vault
        case .percent(let p):
            if p.raw <= 0 || p.raw > Ppm.scale { throw refuse(.percentOutOfRange(p), undo) }
            n = held * Int128(p.raw) / 1_000_000  // down: the holder asked for at most p of its shares
            value = core.value(ofHeld: n)  // down: favours the vault
        }
        if n == 0 { throw refuse(.nothingToWithdraw(name), undo) }
        if value > Self.maxAmount.raw {
            throw refuse(.aboveMaximum(what: "withdrawal", amount: Amount(raw: value), maximum: Self.maxAmount), undo)
        }
        if account.role == .manager && core.terms.managerMinimumStake.raw > 0 {
            let stake = Int128(core.terms.managerMinimumStake.raw)
            if (held - n) * 1_000_000 < stake * (core.totalShares - n) {
                throw refuse(.managerStakeTooLow(minimum: core.terms.managerMinimumStake), undo)
            }
        }
        guard let requested = Self.adding(core.totalWithdrawRequested, value) else {
            throw refuse(.tooLarge("the total of pending withdrawal requests"), undo)
        }
        account.withdrawRequest = WithdrawRequest(shares: Shares(raw: n), value: Amount(raw: value), requestedAt: time)
        core.totalWithdrawRequested = requested
        commit(account, at: slot)
        return Plan(
            receipt: VaultReceipt(
                amount: Amount(raw: value), shares: Shares(raw: n), performanceFee: Amount(raw: fee),
                performanceFeeShares: Shares(raw: feeShares), managementFee: Amount(raw: managementFee)),
            actor: .actionName, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
            actorSharesAfter: account.shares.raw)
    }

    /// Cancel a withdrawal request, forfeiting the gain since the request.
    ///
    /// If the requested shares are now worth more than the request's value, the holder keeps only
    /// `keep = floor(value × (S + V − n) / (E + 1 − value))` of them (down: favours the others):
    /// the count that, once the other `n − keep` are burned, is worth the requested value. The burn
    /// raises everyone else's share price. Skipped when the holder owns every share (the gain
    /// would only go to the virtual shares). No forfeit after a loss.
    mutating func planCancel(_ name: String, _ time: Timestamp) throws(VaultError) -> Plan {
        let slot = try existing(name)
        var account = account(at: slot, named: name, in: core)
        guard let request = account.withdrawRequest else { throw .noWithdrawalPending(name) }
        if !core.markValid { throw .markInvalid }
        let sharesBefore = account.shares.raw
        let valueBefore = core.value(ofHeld: sharesBefore)

        let managementFee = core.accrue(to: time)
        // The accrual may have minted fee shares to the manager or protocol (kept in the core).
        Self.refreshShares(&account, at: slot, from: core)
        core.touch(&account)
        let n = request.shares.raw
        let value = Int128(request.value.raw)
        var lost: Int128 = 0
        if Int128(core.value(ofHeld: n)) > value && account.shares.raw < core.totalShares {
            // value ≤ E, so the divisor E + 1 − value ≥ 1; and keep < n because the shares gained.
            let keep = mulDivWide(value, core.totalShares + core.virtualShares - n, Int128(core.equity) + 1 - value, .down)
            lost = n - keep
            account.shares.raw -= lost
            core.totalShares -= lost
            if account.role == .depositor { core.userShares -= lost }
            if account.shares.raw == 0 { VaultCore.lowerMark(&account, by: 0, leaving: 0) }  // fresh start
        }
        core.totalWithdrawRequested -= request.value.raw
        account.withdrawRequest = nil
        commit(account, at: slot)
        return Plan(
            receipt: VaultReceipt(
                amount: request.value, shares: Shares(raw: lost), managementFee: Amount(raw: managementFee)),
            actor: .actionName, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
            actorSharesAfter: account.shares.raw)
    }

    /// Pay out a matured request: `payout = min(value at request, floor(n × (E + 1) / (S + V)))`,
    /// so a fall during the redeem period is shared and a rise stays with the remaining holders.
    /// Burns the `n` shares, `E −= payout`, and lowers the depositor's mark by the payout
    /// (``VaultCore/lowerMark(_:by:leaving:)``: the mark is net deposits plus profit already
    /// charged). No performance fee is crystallised here (it was at the request).
    mutating func planWithdraw(_ name: String, _ time: Timestamp) throws(VaultError) -> Plan {
        let slot = try existing(name)
        var account = account(at: slot, named: name, in: core)
        guard let request = account.withdrawRequest else { throw .noWithdrawalPending(name) }
        if !core.markValid { throw .markInvalid }
        let until = request.requestedAt + core.terms.redeemPeriodSeconds * 1000
        if time < until { throw .redeemPeriodNotOver(name: name, until: until) }
        let sharesBefore = account.shares.raw
        let valueBefore = core.value(ofHeld: sharesBefore)

        let managementFee = core.accrue(to: time)
        // The accrual may have minted fee shares to the manager or protocol (kept in the core).
        Self.refreshShares(&account, at: slot, from: core)
        core.touch(&account)
        let n = request.shares.raw
        let payout = min(core.value(ofHeld: n), request.value.raw)  // value rounds down: favours the vault
        VaultCore.lowerMark(&account, by: payout, leaving: n)
        account.shares.raw -= n
        core.totalShares -= n
        if account.role == .depositor { core.userShares -= n }
        core.equity -= payout
        // Statistics only: saturate rather than trap over a very long life at the largest amounts.
        account.netDeposits.raw = saturatingAdd(account.netDeposits.raw, -payout)
        account.totalWithdrawn.raw = saturatingAdd(account.totalWithdrawn.raw, payout)
        core.totalWithdrawRequested -= request.value.raw
        account.withdrawRequest = nil
        commit(account, at: slot)
        return Plan(
            receipt: VaultReceipt(
                amount: Amount(raw: payout), shares: Shares(raw: n), managementFee: Amount(raw: managementFee)),
            actor: .actionName, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
            actorSharesAfter: account.shares.raw)
    }
}
