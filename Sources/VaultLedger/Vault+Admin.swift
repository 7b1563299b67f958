import MarketCore

extension Vault {
    /// Mark equity. If the mark was valid, fees first accrue on the old equity up to `time`; if it
    /// was invalid, the new equity is set first and the whole gap accrues on it.
    mutating func planMark(_ equity: Amount, _ time: Timestamp) throws(VaultError) -> Plan {
        if equity.raw < 0 || equity > Self.maxEquity { throw .equityOutOfRange(equity) }
        let before = core.managerHolding
        let fee: Int64
        if core.markValid {
            fee = core.accrue(to: time)
            core.equity = equity.raw
        } else {
            core.equity = equity.raw
            core.markValid = true
            fee = core.accrue(to: time)
        }
        return Self.managerPlan(VaultReceipt(amount: equity, managementFee: Amount(raw: fee)), before: before, after: core.managerShares)
    }

    /// Mark invalid: accrue what can still be accrued, then refuse equity-dependent actions.
    mutating func planMarkInvalid(_ time: Timestamp) throws(VaultError) -> Plan {
        let before = core.managerHolding
        var fee: Int64 = 0
        if core.markValid {
            fee = core.accrue(to: time)
            core.markValid = false
        }
        return Self.managerPlan(VaultReceipt(managementFee: Amount(raw: fee)), before: before, after: core.managerShares)
    }

    /// Let time pass: accrue fees, points and the hurdle; apply a due fee update.
    mutating func planAccrue(_ time: Timestamp) throws(VaultError) -> Plan {
        if !core.markValid { throw .markInvalid }
        let before = core.managerHolding
        let fee = core.accrue(to: time)
        return Self.managerPlan(VaultReceipt(managementFee: Amount(raw: fee)), before: before, after: core.managerShares)
    }

    /// Crystallise one depositor's performance fee (refused while it has a pending request: its
    /// fee was crystallised at the request).
    mutating func planCrystallize(_ name: String, _ time: Timestamp) throws(VaultError) -> Plan {
        // A name already on file was checked when it was created: look it up first.
        let slot = slot(of: name)
        switch slot {
        case .new: throw Self.nameProblem(name) != nil ? .invalidName(name) : .unknownAccount(name)
        case .manager, .protocolAccount: throw .roleNotAllowed(name: name, action: "pay performance fees")
        case .depositor: break
        }
        if !core.markValid { throw .markInvalid }
        var account = account(at: slot, named: name, in: core)
        if account.withdrawRequest != nil { throw .withdrawalPending(name) }
        let sharesBefore = account.shares.raw
        let valueBefore = core.value(ofHeld: sharesBefore)
        let managementFee = core.accrue(to: time)
        core.touch(&account)
        let (fee, feeShares) = core.crystallize(&account)
        commit(account, at: slot)
        return Plan(
            receipt: VaultReceipt(
                amount: Amount(raw: fee), shares: Shares(raw: feeShares), performanceFee: Amount(raw: fee),
                performanceFeeShares: Shares(raw: feeShares), managementFee: Amount(raw: managementFee)),
            actor: .actionName, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
            actorSharesAfter: account.shares.raw)
    }

    /// Crystallise every depositor with shares and no pending request. Writes the depositor
    /// table directly: it runs only after the one check that can refuse it.
    /// - Complexity: O(depositors).
    mutating func crystallizeAll(_ time: Timestamp) throws(VaultError) -> Plan {
        if !core.markValid { throw .markInvalid }
        let sharesBefore = core.userShares
        let valueBefore = core.value(ofHeld: sharesBefore)
        let managementFee = core.accrue(to: time)
        var fee: Int64 = 0
        var feeShares: Int128 = 0
        for i in depositors.indices where depositors[i].shares.raw > 0 && depositors[i].withdrawRequest == nil {
            var account = depositors[i]
            core.touch(&account)
            let (f, s) = core.crystallize(&account)
            depositors[i] = account
            fee += f
            feeShares += s
        }
        return Plan(
            receipt: VaultReceipt(
                amount: Amount(raw: fee), shares: Shares(raw: feeShares), performanceFee: Amount(raw: fee),
                performanceFeeShares: Shares(raw: feeShares), managementFee: Amount(raw: managementFee)),
            actor: .all, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
            actorSharesAfter: core.userShares)
    }

    /// Propose fees. Fees first accrue at the old terms up to `time`. A change that is nowhere
    /// worse for depositors (``FeeTerms/isRaise(from:)`` false) applies at once; otherwise it
    /// waits `max(1 week, 2 × redeemPeriod)` (``VaultTerms/feeTimelockSeconds``). Either way it
    /// replaces any pending proposal.
    mutating func planSetFees(_ fees: FeeTerms, _ time: Timestamp) throws(VaultError) -> Plan {
        if let problem = fees.problem { throw .invalidTerms(problem) }
        if !core.markValid { throw .markInvalid }
        let before = core.managerHolding
        let managementFee = core.accrue(to: time)
        let effective: Timestamp
        if fees.isRaise(from: core.terms.fees) {
            effective = time + core.terms.feeTimelockSeconds * 1000
            core.pendingFees = PendingFeeUpdate(fees: fees, effectiveAt: effective)
        } else {
            effective = time
            core.terms.fees = fees
            core.pendingFees = nil
        }
        return Self.managerPlan(
            VaultReceipt(managementFee: Amount(raw: managementFee), feesEffectiveAt: effective), before: before,
            after: core.managerShares)
    }

    /// Drop the pending fee proposal.
    mutating func planCancelFeeUpdate() throws(VaultError) -> Plan {
        if core.pendingFees == nil { throw .noPendingFeeUpdate }
        let before = core.managerHolding
        core.pendingFees = nil
        return Self.managerPlan(VaultReceipt(), before: before, after: core.managerShares)
    }

    /// Turn the access list on or off.
    mutating func planSetPermissioned(_ on: Bool) throws(VaultError) -> Plan {
        let before = core.managerHolding
        core.terms.permissioned = on
        return Self.managerPlan(VaultReceipt(), before: before, after: core.managerShares)
    }

    /// Allow or disallow a depositor (allowing creates its record; disallowing an unknown name is refused).
    mutating func planSetAccess(_ name: String, _ allowed: Bool) throws(VaultError) -> Plan {
        let slot = slot(of: name)
        if slot == .new && Self.nameProblem(name) != nil { throw .invalidName(name) }
        switch slot {
        case .manager, .protocolAccount: throw .roleNotAllowed(name: name, action: "be put on the access list")
        case .new where !allowed: throw .unknownAccount(name)
        default: break
        }
        var account = account(at: slot, named: name, in: core)
        account.isAllowed = allowed
        commit(account, at: slot)
        return Self.managerPlan(VaultReceipt(), before: core.managerHolding, after: core.managerShares)
    }
}
