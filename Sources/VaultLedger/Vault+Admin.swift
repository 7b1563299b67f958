import MarketCore

extension Vault {
    /// Mark equity. If the mark was valid, fees first accrue on the old equity up to `time`; if it
    /// was invalid, the new equity is set first and the whole gap accrues on it.
    mutating func planMark(_ equity: Amount, _ time: Timestamp, _ c: inout VaultCore) -> Result<Plan, VaultError> {
        if equity.raw < 0 || equity > Self.maxEquity { return .failure(.equityOutOfRange(equity)) }
        let before = c.managerHolding
        let fee: Int64
        if c.markValid {
            fee = c.accrue(to: time)
            c.equity = equity.raw
        } else {
            c.equity = equity.raw
            c.markValid = true
            fee = c.accrue(to: time)
        }
        return .success(managerPlan(VaultReceipt(amount: equity, managementFee: Amount(raw: fee)), before: before, after: c))
    }

    /// Mark invalid: accrue what can still be accrued, then refuse equity-dependent actions.
    mutating func planMarkInvalid(_ time: Timestamp, _ c: inout VaultCore) -> Result<Plan, VaultError> {
        let before = c.managerHolding
        var fee: Int64 = 0
        if c.markValid {
            fee = c.accrue(to: time)
            c.markValid = false
        }
        return .success(managerPlan(VaultReceipt(managementFee: Amount(raw: fee)), before: before, after: c))
    }

    /// Let time pass: accrue fees, points and the hurdle; apply a due fee update.
    mutating func planAccrue(_ time: Timestamp, _ c: inout VaultCore) -> Result<Plan, VaultError> {
        if !c.markValid { return .failure(.markInvalid) }
        let before = c.managerHolding
        let fee = c.accrue(to: time)
        return .success(managerPlan(VaultReceipt(managementFee: Amount(raw: fee)), before: before, after: c))
    }

    /// Crystallise one depositor's performance fee (refused while it has a pending request: its
    /// fee was crystallised at the request).
    mutating func planCrystallize(_ name: String, _ time: Timestamp, _ c: inout VaultCore) -> Result<Plan, VaultError> {
        // A name already on file was checked when it was created: look it up first.
        let slot = slot(of: name)
        switch slot {
        case .new: return .failure(Self.nameProblem(name) != nil ? .invalidName(name) : .unknownAccount(name))
        case .manager, .protocolAccount: return .failure(.roleNotAllowed(name: name, action: "pay performance fees"))
        case .depositor: break
        }
        if !c.markValid { return .failure(.markInvalid) }
        var account = account(at: slot, named: name, in: c)
        if account.withdrawRequest != nil { return .failure(.withdrawalPending(name)) }
        let sharesBefore = account.shares.raw
        let valueBefore = c.value(ofHeld: sharesBefore)
        let managementFee = c.accrue(to: time)
        c.touch(&account)
        let (fee, feeShares) = c.crystallize(&account)
        commit(account, at: slot, in: &c)
        return .success(
            Plan(
                receipt: VaultReceipt(
                    amount: Amount(raw: fee), shares: Shares(raw: feeShares), performanceFee: Amount(raw: fee),
                    performanceFeeShares: Shares(raw: feeShares), managementFee: Amount(raw: managementFee)),
                actor: .actionName, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
                actorSharesAfter: account.shares.raw))
    }

    /// Crystallise every depositor with shares and no pending request. Writes the depositor
    /// table directly: it runs only after the one check that can refuse it.
    /// - Complexity: O(depositors).
    mutating func crystallizeAll(_ time: Timestamp, _ c: inout VaultCore) -> Result<Plan, VaultError> {
        if !c.markValid { return .failure(.markInvalid) }
        let sharesBefore = c.userShares
        let valueBefore = c.value(ofHeld: sharesBefore)
        let managementFee = c.accrue(to: time)
        var fee: Int64 = 0
        var feeShares: Int128 = 0
        for i in depositors.indices where depositors[i].shares.raw > 0 && depositors[i].withdrawRequest == nil {
            var account = depositors[i]
            c.touch(&account)
            let (f, s) = c.crystallize(&account)
            depositors[i] = account
            fee += f
            feeShares += s
        }
        return .success(
            Plan(
                receipt: VaultReceipt(
                    amount: Amount(raw: fee), shares: Shares(raw: feeShares), performanceFee: Amount(raw: fee),
                    performanceFeeShares: Shares(raw: feeShares), managementFee: Amount(raw: managementFee)),
                actor: .all, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
                actorSharesAfter: c.userShares))
    }

    /// Propose fees. Fees first accrue at the old terms up to `time`. A change that is nowhere
    /// worse for depositors (``FeeTerms/isRaise(from:)`` false) applies at once; otherwise it
    /// waits `max(1 week, 2 × redeemPeriod)` (``VaultTerms/feeTimelockSeconds``). Either way it
    /// replaces any pending proposal.
    mutating func planSetFees(_ fees: FeeTerms, _ time: Timestamp, _ c: inout VaultCore) -> Result<Plan, VaultError> {
        if let problem = fees.problem { return .failure(.invalidTerms(problem)) }
        if !c.markValid { return .failure(.markInvalid) }
        let before = c.managerHolding
        let managementFee = c.accrue(to: time)
        let effective: Timestamp
        if fees.isRaise(from: c.terms.fees) {
            effective = time + c.terms.feeTimelockSeconds * 1000
            c.pendingFees = PendingFeeUpdate(fees: fees, effectiveAt: effective)
        } else {
            effective = time
            c.terms.fees = fees
            c.pendingFees = nil
        }
        return .success(
            managerPlan(
                VaultReceipt(managementFee: Amount(raw: managementFee), feesEffectiveAt: effective), before: before,
                after: c))
    }

    /// Drop the pending fee proposal.
    mutating func planCancelFeeUpdate(_ c: inout VaultCore) -> Result<Plan, VaultError> {
        if c.pendingFees == nil { return .failure(.noPendingFeeUpdate) }
        let before = c.managerHolding
        c.pendingFees = nil
        return .success(managerPlan(VaultReceipt(), before: before, after: c))
    }

    /// Turn the access list on or off.
    mutating func planSetPermissioned(_ on: Bool, _ c: inout VaultCore) -> Result<Plan, VaultError> {
        let before = c.managerHolding
        c.terms.permissioned = on
        return .success(managerPlan(VaultReceipt(), before: before, after: c))
    }

    /// Allow or disallow a depositor (allowing creates its record; disallowing an unknown name is refused).
    mutating func planSetAccess(_ name: String, _ allowed: Bool, _ c: inout VaultCore) -> Result<Plan, VaultError> {
        let slot = slot(of: name)
        if slot == .new && Self.nameProblem(name) != nil { return .failure(.invalidName(name)) }
        switch slot {
        case .manager, .protocolAccount: return .failure(.roleNotAllowed(name: name, action: "be put on the access list"))
        case .new where !allowed: return .failure(.unknownAccount(name))
        default: break
        }
        var account = account(at: slot, named: name, in: c)
        account.isAllowed = allowed
        commit(account, at: slot, in: &c)
        return .success(managerPlan(VaultReceipt(), before: c.managerHolding, after: c))
    }
}
