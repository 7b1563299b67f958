import MarketCore

extension Vault {
    /// The full invariant sweep (DESIGN §6); traps on the first broken invariant. Tests call it
    /// after every action; production code need not.
    ///
    /// - shares: every holding ≥ 0; depositors' holdings sum to the depositor total, and that plus
    ///   the manager's and protocol's to S; S ≤ ``Shares/limit``;
    /// - value: `0 ≤ E ≤ maxEquity`, and the floor values of all holdings sum to at most E (the
    ///   dust `E − Σ values` is ≥ 0 and belongs to no holder);
    /// - withdrawals: each request holds `0 < n ≤ shares`, and Σ request values = `totalWithdrawRequested`;
    /// - marks: depositor marks ≥ 0; an empty account has mark and hurdle zero; the manager and
    ///   protocol have none;
    /// - names: the name table, its ASCII index and the depositor array agree; terms are valid;
    /// - log: sequence numbers are contiguous and sealed events chain.
    /// - Complexity: O(depositors + buffered events).
    public func checkInvariants() {
        let c = core
        precondition(terms.problem == nil, "terms became invalid")
        precondition(c.equity >= 0 && c.equity <= Self.maxEquity.raw, "equity out of range")
        precondition(c.totalShares >= 0 && c.totalShares <= Shares.limit.raw, "total shares out of range")
        precondition(slots.count == depositors.count, "name table and depositors disagree")

        var userShares: Int128 = 0
        var values: Int128 = 0
        var requested: Int128 = 0
        func check(_ a: VaultAccount) {
            precondition(a.shares.raw >= 0, "\(a.name) holds negative shares")
            values += Int128(c.value(ofHeld: a.shares.raw))
            if let r = a.withdrawRequest {
                precondition(r.shares.raw > 0 && r.shares <= a.shares, "\(a.name)'s request exceeds its shares")
                precondition(r.value.raw >= 0, "\(a.name)'s request has a negative value")
                requested += Int128(r.value.raw)
            }
            if a.role == .depositor {
                precondition(a.highWaterMark.raw >= 0 && a.hurdleAccrued >= 0, "\(a.name)'s mark is negative")
                if a.shares.raw == 0 {
                    precondition(a.highWaterMark.raw == 0 && a.hurdleAccrued == 0, "\(a.name) is empty but has a mark")
                }
            } else {
                precondition(a.highWaterMark.raw == 0 && a.hurdleAccrued == 0, "\(a.name) is not a depositor but has a mark")
            }
        }
        var asciiNames = 0
        for (i, a) in depositors.enumerated() {
            precondition(a.role == .depositor && slots[a.name] == i, "\(a.name) is misfiled")
            if AsciiNameIndex.hash(a.name) != nil {
                asciiNames += 1
                precondition(asciiSlots.index(of: a.name, in: depositors) == i, "\(a.name) is misfiled in the ASCII index")
            }
            check(a)
            userShares += a.shares.raw
        }
        precondition(asciiSlots.count == asciiNames, "the ASCII index holds names no depositor has")
        check(managerRecord)
        check(protocolRecord)
        precondition(managerRecord.role == .manager && protocolRecord.role == .protocolAccount, "roles swapped")
        precondition(
            managerRecord.shares.raw == c.managerShares && protocolRecord.shares.raw == c.protocolShares,
            "the manager's or protocol's record disagrees with the core")
        precondition(userShares == c.userShares, "depositor shares do not sum to the depositor total")
        precondition(
            userShares + c.managerShares + c.protocolShares == c.totalShares,
            "shares do not sum to the total")
        precondition(values <= Int128(c.equity), "holdings are worth more than equity")
        precondition(requested == Int128(c.totalWithdrawRequested), "requests do not sum to totalWithdrawRequested")
        precondition(c.managementAccrued >= 0 && c.protocolAccrued >= 0 && c.pointsAccrued >= 0, "negative carry")
        if let p = c.pendingFees { precondition(p.fees.problem == nil, "pending fees are invalid") }

        precondition(sealedCount <= log.count && hashes.count == sealedCount, "sealed past the log")
        precondition(head == (hashes.last ?? baseHash), "log head is not the last sealed hash")
        precondition(Int64(log.count) <= nextSequence, "log holds more events than were appended")
        precondition(sealedCount > 0 || sealedOffset == 0, "sealing cursor moved with nothing sealed")
        if log.count > 0 {
            // The last record decodes and ends exactly at the end of the packed bytes.
            let (last, end) = decodeEvent(at: log.lastOffset, index: log.count - 1)
            precondition(end == log.endOffset, "the last packed event does not end the log")
            if case .applied = last.entry { precondition(last.sequence == nextSequence - 1, "log sequence is off") }
        }
    }
}
