import MarketCore

extension Vault {
    /// Share transfer between two depositors (not the manager or protocol).
    ///
    /// Refused if either side has a pending request, the sender is in lock-up, (permissioned
    /// vault) the receiver is not on the access list, or the shares are worth more than
    /// ``Vault/maxAmount``. Accrues, crystallises both sides' performance fees, then moves `n`
    /// shares worth `v = floor(n × (E + 1) / (S + V))`: the sender's mark drops by `v` like a
    /// payout (``VaultCore/lowerMark(_:by:leaving:)``; down: the smaller drop keeps the sender's
    /// higher mark), the receiver's mark rises by `ceil(n × (E + 1) / (S + V))` (up: a higher mark
    /// favours the receiver, which pays fees only on gains made after it received the shares).
    /// S and E do not change. The receiver is created if new.
    mutating func planTransfer(_ from: String, _ to: String, _ shares: Shares, _ time: Timestamp, _ c: inout VaultCore)
        -> Result<Plan, VaultError>
    {
        // Names already on file were checked when they were created: look them up first.
        let fromSlot = slot(of: from), toSlot = slot(of: to)
        if fromSlot == .new && Self.nameProblem(from) != nil { return .failure(.invalidName(from)) }
        if toSlot == .new && Self.nameProblem(to) != nil { return .failure(.invalidName(to)) }
        if from == to { return .failure(.selfTransfer(from)) }
        if fromSlot == .manager || fromSlot == .protocolAccount {
            return .failure(.roleNotAllowed(name: from, action: "transfer shares"))
        }
        if toSlot == .manager || toSlot == .protocolAccount {
            return .failure(.roleNotAllowed(name: to, action: "transfer shares"))
        }
        if fromSlot == .new { return .failure(.unknownAccount(from)) }
        if shares.raw <= 0 { return .failure(.notPositive("shares to transfer")) }
        if !c.markValid { return .failure(.markInvalid) }
        var sender = account(at: fromSlot, named: from, in: c)
        var receiver = account(at: toSlot, named: to, in: c)
        if sender.withdrawRequest != nil { return .failure(.withdrawalPending(from)) }
        if receiver.withdrawRequest != nil { return .failure(.withdrawalPending(to)) }
        if let last = sender.lastDepositAt, time.milliseconds < last.milliseconds + c.terms.lockUpSeconds * 1000 {
            return .failure(.lockedUp(name: from, until: last + c.terms.lockUpSeconds * 1000))
        }
        if c.terms.permissioned && !receiver.isAllowed { return .failure(.notPermitted(to)) }
        let sharesBefore = sender.shares.raw
        let valueBefore = c.value(ofHeld: sharesBefore)

        let managementFee = c.accrue(to: time)
        c.touch(&sender)
        c.touch(&receiver)
        let (feeA, feeSharesA) = c.crystallize(&sender)
        let (feeB, feeSharesB) = c.crystallize(&receiver)
        let n = shares.raw
        if n > sender.shares.raw {
            return .failure(
                .insufficientShares(
                    Shortfall(
                        name: from, holds: sender.shares, worth: Amount(raw: c.value(ofHeld: sender.shares.raw)),
                        wanted: .shares(shares), shareDecimals: 6 + c.terms.shareOffsetDigits)))
        }
        let value = c.value(ofHeld: n)  // down: the figure shown for the move
        if value > Self.maxAmount.raw {
            return .failure(.aboveMaximum(what: "transfer", amount: Amount(raw: value), maximum: Self.maxAmount))
        }
        // Up: the receiver's mark may include the fraction of a unit; n ≤ S so this is ≤ E + 1.
        let basis = Int64(mulDivWide(n, Int128(c.equity) + 1, c.totalShares + c.virtualShares, .up))
        guard let mark = Self.adding(receiver.highWaterMark.raw, basis),
            let net = Self.adding(receiver.netDeposits.raw, value)
        else { return .failure(.tooLarge("\(to)'s running deposit totals")) }
        VaultCore.lowerMark(&sender, by: value, leaving: n)
        sender.shares.raw -= n
        receiver.shares.raw += n
        receiver.highWaterMark.raw = mark
        sender.netDeposits.raw = saturatingAdd(sender.netDeposits.raw, -value)  // statistics: saturate
        receiver.netDeposits.raw = net
        commit(sender, at: fromSlot, in: &c)
        commit(receiver, at: toSlot, in: &c)
        return .success(
            Plan(
                receipt: VaultReceipt(
                    amount: Amount(raw: value), shares: shares, performanceFee: Amount(raw: feeA + feeB),
                    performanceFeeShares: Shares(raw: feeSharesA + feeSharesB), managementFee: Amount(raw: managementFee)),
                actor: .actionName, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
                actorSharesAfter: sender.shares.raw))
    }
}
