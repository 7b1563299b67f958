import MarketCore

/// ERC-4626 style views. `convertTo*` are the ideal rate at the last action (no fee accrual);
/// `preview*` and `max*` first accrue fees to the given time, so they match what an action at
/// that time does. Rounding per ERC-4626: deposit and redeem round down, mint and withdraw up,
/// always against the caller. Inputs too large for the ledger saturate rather than trap.
extension Vault {
    /// Shares that `assets` buy at the current rate, rounded down.
    public func convertToShares(_ assets: Amount) -> Shares {
        guard assets.raw > 0 else { return .zero }
        return Shares(raw: core.shares(forAssets: assets.raw, .down) ?? Int128.max)
    }

    /// Quote that `shares` are worth at the current rate, rounded down.
    public func convertToAssets(_ shares: Shares) -> Amount {
        guard shares.raw > 0 else { return .zero }
        return Amount(raw: saturatingInt64(core.assets(forShares: shares.raw, .down) ?? Int128(Int64.max)))
    }

    /// Shares a deposit of `assets` at `time` mints: `floor(assets × (S + V) / (E + 1))`. Ignores
    /// limits (see ``maxDeposit(_:at:)``).
    public func previewDeposit(_ assets: Amount, at time: Timestamp) -> Shares {
        guard assets.raw > 0 else { return .zero }
        return Shares(raw: accrued(at: time).shares(forAssets: assets.raw, .down) ?? Int128.max)
    }

    /// Quote needed at `time` to receive at least `shares`: `ceil(shares × (E + 1) / (S + V))`.
    public func previewMint(_ shares: Shares, at time: Timestamp) -> Amount {
        guard shares.raw > 0 else { return .zero }
        return Amount(raw: saturatingInt64(accrued(at: time).assets(forShares: shares.raw, .up) ?? Int128(Int64.max)))
    }

    /// Shares a request for `assets` at `time` locks: `ceil(assets × (S + V) / (E + 1))`.
    public func previewWithdraw(_ assets: Amount, at time: Timestamp) -> Shares {
        guard assets.raw > 0 else { return .zero }
        return Shares(raw: accrued(at: time).shares(forAssets: assets.raw, .up) ?? Int128.max)
    }

    /// Value a request for `shares` at `time` locks: `floor(shares × (E + 1) / (S + V))`.
    public func previewRedeem(_ shares: Shares, at time: Timestamp) -> Amount {
        guard shares.raw > 0 else { return .zero }
        return Amount(raw: saturatingInt64(accrued(at: time).assets(forShares: shares.raw, .down) ?? Int128(Int64.max)))
    }

    /// What `withdraw` would pay `name` at `time` for its pending request (ignoring whether the
    /// redeem period is over): `min(value at request, value now)`.
    /// - Returns: nil without a pending request.
    public func previewPayout(_ name: String, at time: Timestamp) -> Amount? {
        guard let request = account(name)?.withdrawRequest else { return nil }
        let now = accrued(at: time).value(ofHeld: request.shares.raw)
        return Amount(raw: min(now, request.value.raw))
    }

    /// The largest deposit `name` can make at `time` (0 when it cannot deposit at all): the
    /// room under the capacity (or, without one, under ``Vault/maxEquity``), at most
    /// ``Vault/maxAmount``, less if the manager's stake would otherwise fall too low; 0 if that is
    /// below the minimum deposit or would mint nothing. An underestimate: it ignores the shares
    /// the depositor's own crystallisation would give the manager.
    public func maxDeposit(_ name: String, at time: Timestamp) -> Amount {
        guard Self.nameProblem(name) == nil, time >= core.lastActionAt, time <= Self.maxTime else { return .zero }
        let slot = slot(of: name)
        if slot == .protocolAccount { return .zero }
        let c = accrued(at: time)
        let account = account(at: slot, named: name, in: c)
        guard c.markValid, account.withdrawRequest == nil, !(c.equity == 0 && c.totalShares > 0) else { return .zero }
        if account.role == .depositor && c.terms.permissioned && !account.isAllowed { return .zero }
        let cap = c.terms.capacity?.raw ?? Self.maxEquity.raw
        var most = min(Int128(max(cap - c.equity, 0)), Int128(Self.maxAmount.raw))
        // Largest amount whose mint stays ≤ m: floor(a(S+V)/(E+1)) ≤ m ⇔ a(S+V) < (m+1)(E+1)
        // ⇔ a ≤ ceil((m+1)(E+1)/(S+V)) − 1. A quotient beyond Int128 means no limit.
        func amountMinting(atMost m: Int128) -> Int128 {
            guard m >= 0 else { return -1 }
            return mulDivChecked(m + 1, Int128(c.equity) + 1, c.totalShares + c.virtualShares, .up).map { $0 - 1 }
                ?? Int128(Int64.max)
        }
        most = min(most, amountMinting(atMost: Shares.limit.raw - c.totalShares))
        if account.role == .depositor && c.terms.managerMinimumStake.raw > 0 {
            let requested = managerRecord.withdrawRequest?.shares.raw ?? 0
            let free = c.managerShares - requested
            // free × 1e6 ≥ stake × (S + m − requested)  ⇔  m ≤ floor(free × 1e6 / stake) − S + requested.
            let m = free * 1_000_000 / Int128(c.terms.managerMinimumStake.raw) - c.totalShares + requested
            most = min(most, amountMinting(atMost: m))
        }
        guard most >= Int128(c.terms.minDeposit.raw), let minted = c.shares(forAssets: Int64(most), .down), minted > 0
        else { return .zero }
        return Amount(raw: Int64(most))
    }

    /// The most shares `name` can ask to redeem at `time` (after its performance fee would be
    /// crystallised, and no more than are worth ``Vault/maxAmount``), and the core they are valued in.
    private func redeemable(_ name: String, at time: Timestamp) -> (Int128, VaultCore)? {
        guard time >= core.lastActionAt, time <= Self.maxTime, let (found, accruedCore) = accruedAccount(name, at: time),
            found.withdrawRequest == nil, accruedCore.markValid
        else { return nil }
        var account = found
        var c = accruedCore
        if account.role == .depositor, let last = account.lastDepositAt,
            time.milliseconds < last.milliseconds + core.terms.lockUpSeconds * 1000
        {
            return nil
        }
        c.touch(&account)
        if account.role == .depositor { _ = c.crystallize(&account) }
        var n = account.shares.raw
        if account.role == .manager && c.terms.managerMinimumStake.raw > 0 {
            // (M − n) × 1e6 ≥ stake × (S − n)  ⇔  n ≤ (1e6 M − stake S) / (1e6 − stake), floor.
            let stake = Int128(c.terms.managerMinimumStake.raw)
            n = min(n, max(0, (n * 1_000_000 - stake * c.totalShares) / (1_000_000 - stake)))
        }
        // One request is worth at most maxAmount: floor(n(E+1)/(S+V)) ≤ A ⇔ n ≤ ceil((A+1)(S+V)/(E+1)) − 1.
        if let most = mulDivChecked(Int128(Self.maxAmount.raw) + 1, c.totalShares + c.virtualShares, Int128(c.equity) + 1, .up) {
            n = min(n, most - 1)
        }
        return (n, c)
    }

    /// The most shares `name` can request to redeem at `time` (0 if it cannot request now): its
    /// shares, less any the manager must keep for its minimum stake, and no more than one request
    /// may take (worth at most ``Vault/maxAmount``).
    public func maxRedeem(_ name: String, at time: Timestamp) -> Shares {
        Shares(raw: redeemable(name, at: time)?.0 ?? 0)
    }

    /// The most quote `name` can request to withdraw at `time`: the floor value of
    /// ``maxRedeem(_:at:)`` (0 if it cannot request now). Requesting exactly this amount succeeds.
    public func maxWithdraw(_ name: String, at time: Timestamp) -> Amount {
        guard let (n, c) = redeemable(name, at: time) else { return .zero }
        return Amount(raw: c.value(ofHeld: n))
    }
}
