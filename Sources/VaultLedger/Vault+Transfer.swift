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
    mutating func planTransfer(_ from: String, _ to: String, _ shares: Shares, _ time: Timestamp) throws(VaultError) -> Plan
    {
        // Names already on file were checked when they were created: look them up first.
        let fromSlot = slot(of: from), toSlot = slot(of: to)
        if fromSlot == .new && Self.nameProblem(from) != nil { throw .invalidName(from) }
        if toSlot == .new && Self.nameProblem(to) != nil { throw .invalidName(to) }
        if from == to { throw .selfTransfer(from) }
        if fromSlot == .manager || fromSlot == .protocolAccount {
            throw .roleNotAllowed(name: from, action: "transfer shares")
        }
        if toSlot == .manager || toSlot == .protocolAccount {
            throw .roleNotAllowed(name: to, action: "transfer shares")
        }
        if fromSlot == .new { throw .unknownAccount(from) }
        if shares.raw <= 0 { throw .notPositive("shares to transfer") }
        if !core.markValid { throw .markInvalid }
        var sender = account(at: fromSlot, named: from, in: core)
        var receiver = account(at: toSlot, named: to, in: core)
        if sender.withdrawRequest != nil { throw .withdrawalPending(from) }
        if receiver.withdrawRequest != nil { throw .withdrawalPending(to) }
        if let last = sender.lastDepositAt, time.milliseconds < last.milliseconds + core.terms.lockUpSeconds * 1000 {
            throw .lockedUp(name: from, until: last + core.terms.lockUpSeconds * 1000)
        }
        if core.terms.permissioned && !receiver.isAllowed { throw .notPermitted(to) }
        let sharesBefore = sender.shares.raw
        let valueBefore = core.value(ofHeld: sharesBefore)

        // From here the plan writes the core in place; a refusal below puts back what it wrote.
        let undo = core.undoPoint
        let managementFee = core.accrue(to: time)
        core.touch(&sender)
        core.touch(&receiver)
        let (feeA, feeSharesA) = core.crystallize(&sender)
        let (feeB, feeSharesB) = core.crystallize(&receiver)
        let n = shares.raw
        if n > sender.shares.raw {
            throw refuse(
                .insufficientShares(
                    Shortfall(
                        name: from, holds: sender.shares, worth: Amount(raw: core.value(ofHeld: sender.shares.raw)),
                        wanted: .shares(shares), shareDecimals: 6 + core.terms.shareOffsetDigits)), undo)
        }
        let value = core.value(ofHeld: n)  // down: the figure shown for the move
        if value > Self.maxAmount.raw {
            throw refuse(.aboveMaximum(what: "transfer", amount: Amount(raw: value), maximum: Self.maxAmount), undo)
        }
        // Up: the receiver's mark may include the fraction of a unit; n ≤ S so this is ≤ E + 1.
        let basis = Int64(mulDivWide(n, Int128(core.equity) + 1, core.totalShares + core.virtualShares, .up))
        guard let mark = Self.adding(receiver.highWaterMark.raw, basis),
            let net = Self.adding(receiver.netDeposits.raw, value)
        else { throw refuse(.tooLarge("\(to)'s running deposit totals"), undo) }
        VaultCore.lowerMark(&sender, by: value, leaving: n)
        sender.shares.raw -= n
        receiver.shares.raw += n
        receiver.highWaterMark.raw = mark
        sender.netDeposits.raw = saturatingAdd(sender.netDeposits.raw, -value)  // statistics: saturate
        receiver.netDeposits.raw = net
        commit(sender, at: fromSlot)
        commit(receiver, at: toSlot)
        return Plan(
            receipt: VaultReceipt(
                amount: Amount(raw: value), shares: shares, performanceFee: Amount(raw: feeA + feeB),
                performanceFeeShares: Shares(raw: feeSharesA + feeSharesB), managementFee: Amount(raw: managementFee)),
            actor: .actionName, actorSharesBefore: sharesBefore, actorValueBefore: valueBefore,
            actorSharesAfter: sender.shares.raw)
    }
}
