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
    mutating func planDeposit(_ name: String, _ amount: Amount, _ time: Timestamp, _ c: inout VaultCore)
        -> Result<Plan, VaultError>
    {
        // A name already on file was checked when it was created: look it up first.
        let slot = slot(of: name)
        if slot == .new && Self.nameProblem(name) != nil { return .failure(.invalidName(name)) }
        if slot == .protocolAccount { return .failure(.roleNotAllowed(name: name, action: "deposit")) }
        if amount.raw <= 0 { return .failure(.notPositive("deposit amount")) }
        if amount > Self.maxAmount { return .failure(.aboveMaximum(what: "deposit", amount: amount, maximum: Self.maxAmount)) }
        if !c.markValid { return .failure(.markInvalid) }
        var account = account(at: slot, named: name, in: c)
        let isDepositor = account.role == .depositor
        if isDepositor && c.terms.permissioned && !account.isAllowed { return .failure(.notPermitted(name)) }
        if account.withdrawRequest != nil { return .failure(.withdrawalPending(name)) }
        let sharesBefore = account.shares.raw
        let valueBefore = c.value(ofHeld: sharesBefore)

        let managementFee = c.accrue(to: time)
        // The accrual may have minted fee shares to the manager or protocol (kept in the core).
        Self.refreshShares(&account, at: slot, from: c)
        if c.equity == 0 && c.totalShares > 0 { return .failure(.wipedOut) }
        if amount < c.terms.minDeposit {
            return .failure(.belowMinimumDeposit(amount: amount, minimum: c.terms.minDeposit))
        }
        let take: Int64
        if let cap = c.terms.capacity?.raw {
            // maxTokens ≤ maxEquity (terms validation), so E + take never passes maxEquity.
            let room = max(cap - c.equity, 0)
            take = min(amount.raw, room)
            if take < max(c.terms.minDeposit.raw, 1) {
                return .failure(.vaultFull(room: Amount(raw: room), minimum: c.terms.minDeposit))
            }
        } else {
            take = amount.raw
            // E ≤ maxEquity = 1e18 raw and take ≤ maxAmount = 1e17 raw: the sum fits Int64.
            if c.equity + take > Self.maxEquity.raw {
                return .failure(
                    .aboveMaximum(what: "vault equity after this deposit", amount: Amount(raw: c.equity + take), maximum: Self.maxEquity))
            }
        }

        c.touch(&account)
        let (fee, feeShares) = isDepositor ? c.crystallize(&account) : (0, 0)
        // Mint rounds down: the depositor gets no more than its money buys; the dust stays with the vault.
        guard let minted = c.shares(forAssets: take, .down), c.totalShares + minted <= Shares.limit.raw else {
            return .failure(.tooLarge("the share count after this deposit"))
        }
        if minted == 0 { return .failure(.depositTooSmall(Amount(raw: take))) }
        if isDepositor && c.terms.managerMinimumStake.raw > 0 {
            let requested = managerRecord.withdrawRequest?.shares.raw ?? 0
            let free = c.managerShares - requested
            let stake = Int128(c.terms.managerMinimumStake.raw)
            // Exact integer comparison: free / (S' − requested) ≥ stake / 1e6.
            if free * 1_000_000 < stake * (c.totalShares + minted - requested) {
                return .failure(.managerStakeTooLow(minimum: c.terms.managerMinimumStake))
            }
        }

        // Per-account running sums are Int64; refuse (rather than trap) a deposit that would overflow one.
        guard let mark = Self.adding(account.highWaterMark.raw, take, when: isDepositor),
            let net = Self.adding(account.netDeposits.raw, take), let total = Self.adding(account.totalDeposited.raw, take)
        else { return .failure(.tooLarge("\(name)'s running deposit totals")) }
        account.shares.raw += minted
        c.totalShares += minted
        if isDepositor { c.userShares += minted }
        account.highWaterMark.raw = mark
        c.equity += take
        account.netDeposits.raw = net
        account.totalDeposited.raw = total
        account.lastDepositAt = time
        commit(account, at: slot, in: &c)
        return .success(
            Plan(
                receipt: VaultReceipt(
                    amount: Amount(raw: take), shares: Shares(raw: minted), performanceFee: Amount(raw: fee),
                    performanceFeeShares: Shares(raw: feeShares), managementFee: Amount(raw: managementFee)),
                actor: .actionName, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
                actorSharesAfter: account.shares.raw))
    }

    /// `a + b` (or `a` unchanged when `when` is false), nil on `Int64` overflow.
    static func adding(_ a: Int64, _ b: Int64, when: Bool = true) -> Int64? {
        guard when else { return a }
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : sum
    }
}
