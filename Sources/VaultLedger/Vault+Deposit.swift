import MarketCore

extension Vault {
    /// Deposit (DESIGN §6 "Deposits").
    ///
    /// Refused for the protocol account, a name off the access list (permissioned vault), a
    /// depositor with a pending withdrawal request, an amount above ``Vault/maxAmount``, and
    /// while the mark is invalid.
    ///
    /// Order: checks that need no equity → accrue to `time` → refuse a wiped-out vault →
    /// minimum deposit (none when `minDeposit` is 0) → with a capacity (`maxTokens` > 0), clamp
    /// `take = min(amount, maxTokens − E)` (refused if the room is below the minimum, or zero);
    /// without one, refuse a deposit that would take E above ``Vault/maxEquity`` → crystallise
    /// the depositor's performance fee on its existing position (before its mark moves) → mint
    /// `floor(take × (S + V) / (E + 1))` (down: favours the vault) → manager-stake check →
    /// `E += take`, mark `+= take`, lock-up restarts.
    mutating func planDeposit(_ name: String, _ amount: Amount, _ time: Timestamp) throws(VaultError) -> Plan
    {
        // A name already on file was checked when it was created: look it up first.
        let slot = slot(of: name)
        if slot == .new && Self.nameProblem(name) != nil { throw .invalidName(name) }
        if slot == .protocolAccount { throw .roleNotAllowed(name: name, action: "deposit") }
        if amount.raw <= 0 { throw .notPositive("deposit amount") }
        if amount > Self.maxAmount { throw .aboveMaximum(what: "deposit", amount: amount, maximum: Self.maxAmount) }
        if !core.markValid { throw .markInvalid }
        var account = account(at: slot, named: name, in: core)
        let isDepositor = account.role == .depositor
        if isDepositor && core.terms.permissioned && !account.isAllowed { throw .notPermitted(name) }
        if account.withdrawRequest != nil { throw .withdrawalPending(name) }
        let sharesBefore = account.shares.raw
        let valueBefore = core.value(ofHeld: sharesBefore)

        // From here the plan writes the core in place; a refusal below puts back what it wrote.
        let undo = core.undoPoint
        let managementFee = core.accrue(to: time)
        // The accrual may have minted fee shares to the manager or protocol (kept in the core).
        Self.refreshShares(&account, at: slot, from: core)
        if core.equity == 0 && core.totalShares > 0 { throw refuse(.wipedOut, undo) }
        if amount < core.terms.minDeposit {
            throw refuse(.belowMinimumDeposit(amount: amount, minimum: core.terms.minDeposit), undo)
        }
        let take: Int64
        if let cap = core.terms.capacity?.raw {
            // maxTokens ≤ maxEquity (terms validation), so E + take never passes maxEquity.
            let room = max(cap - core.equity, 0)
            take = min(amount.raw, room)
            if take < max(core.terms.minDeposit.raw, 1) {
                throw refuse(.vaultFull(room: Amount(raw: room), minimum: core.terms.minDeposit), undo)
            }
        } else {
            take = amount.raw
            // E ≤ maxEquity = 1e18 raw and take ≤ maxAmount = 1e17 raw: the sum fits Int64.
            if core.equity + take > Self.maxEquity.raw {
                throw refuse(
                    .aboveMaximum(what: "vault equity after this deposit", amount: Amount(raw: core.equity + take), maximum: Self.maxEquity), undo)
            }
        }

        core.touch(&account)
        let (fee, feeShares) = isDepositor ? core.crystallize(&account) : (0, 0)
        // Mint rounds down: the depositor gets no more than its money buys; the dust stays with the vault.
        guard let minted = core.shares(forAssets: take, .down), core.totalShares + minted <= Shares.limit.raw else {
            throw refuse(.tooLarge("the share count after this deposit"), undo)
        }
        if minted == 0 { throw refuse(.depositTooSmall(Amount(raw: take)), undo) }
        if isDepositor && core.terms.managerMinimumStake.raw > 0 {
            let requested = managerRecord.withdrawRequest?.shares.raw ?? 0
            let free = core.managerShares - requested
            let stake = Int128(core.terms.managerMinimumStake.raw)
            // Exact integer comparison: free / (S' − requested) ≥ stake / 1e6.
            if free * 1_000_000 < stake * (core.totalShares + minted - requested) {
                throw refuse(.managerStakeTooLow(minimum: core.terms.managerMinimumStake), undo)
            }
        }

        // Per-account running sums are Int64; refuse (rather than trap) a deposit that would overflow one.
        guard let mark = Self.adding(account.highWaterMark.raw, take, when: isDepositor),
            let net = Self.adding(account.netDeposits.raw, take), let total = Self.adding(account.totalDeposited.raw, take)
        else { throw refuse(.tooLarge("\(name)'s running deposit totals"), undo) }
        account.shares.raw += minted
        core.totalShares += minted
        if isDepositor { core.userShares += minted }
        account.highWaterMark.raw = mark
        core.equity += take
        account.netDeposits.raw = net
        account.totalDeposited.raw = total
        account.lastDepositAt = time
        commit(account, at: slot)
        return Plan(
            receipt: VaultReceipt(
                amount: Amount(raw: take), shares: Shares(raw: minted), performanceFee: Amount(raw: fee),
                performanceFeeShares: Shares(raw: feeShares), managementFee: Amount(raw: managementFee)),
            actor: .actionName, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
            actorSharesAfter: account.shares.raw)
    }

    /// `a + b` (or `a` unchanged when `when` is false), nil on `Int64` overflow.
    static func adding(_ a: Int64, _ b: Int64, when: Bool = true) -> Int64? {
        guard when else { return a }
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : sum
    }
}
