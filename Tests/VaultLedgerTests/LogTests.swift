import MarketCore
import Testing
import VaultLedger

/// The hash-chained event log: one event per applied action, none for a refused one; any edit is
/// detected; replay rebuilds the identical vault.
@Suite struct LogTests {
    /// A short history touching most actions.
    func history(sealing: LogSealing = .everyAction) throws -> Vault {
        let fees = FeeTerms(managementFee: ppm("0.02"), performanceFee: ppm("0.2"), hurdleRate: ppm("0.05"))
        var v = try Vault.make(VaultTerms(fees: fees, redeemPeriodSeconds: day, pointsPerSecond: 3), sealing: sealing)
        try v.ok(.deposit(depositor: "alice", amount: usd("1000")), at: 0)
        try v.ok(.deposit(depositor: "bob", amount: usd("500")), at: 60)
        try v.ok(.mark(equity: usd("1700")), at: 3600)
        try v.ok(.requestWithdraw(depositor: "alice", .percent(ppm("0.5"))), at: 7200)
        try v.ok(.transfer(from: "bob", to: "carol", shares: shares(100_000_000_000)), at: 7300)
        try v.ok(.setFees(FeeTerms(managementFee: ppm("0.01"), performanceFee: ppm("0.2"), hurdleRate: ppm("0.05"))), at: 8000)
        try v.ok(.withdraw(depositor: "alice"), at: 7200 + day)
        try v.ok(.markInvalid, at: 100_000)
        try v.ok(.mark(equity: usd("1500")), at: 200_000)
        try v.ok(.crystallize(.all), at: 300_000)
        return v
    }

    @Test func eachActionAppendsOneChainedEvent() throws {
        var v = try history()
        let events = v.events
        #expect(events.count == 11)  // creation + 10 actions
        guard case .created(let terms, let manager) = events[0].entry else {
            Issue.record("the log must start with the creation event")
            return
        }
        #expect(manager == "mgr" && terms.redeemPeriodSeconds == day && terms.fees.managementFee == ppm("0.02"))
        #expect(events.map(\.sequence) == Array(0...10))
        #expect(events.first?.previousHash == .zero)
        for i in 1..<events.count { #expect(events[i].previousHash == events[i - 1].hash) }
        #expect(v.lastHash == events.last?.hash && v.lastEvent == events.last)
        // A refused action appends nothing.
        _ = v.refused(.withdraw(depositor: "alice"), at: 300_000)
        #expect(v.events.count == 11)
        // The event records the actor's and the vault's before/after figures.
        let withdraw = events[7]
        #expect(withdraw.action == .withdraw(depositor: "alice"))
        #expect(withdraw.equityAfter == withdraw.equityBefore - withdraw.receipt.amount)
        #expect(withdraw.actorSharesAfter.raw == withdraw.actorSharesBefore.raw - withdraw.receipt.shares.raw)
        #expect(withdraw.actor == "alice" && withdraw.time == sec(7200 + day))
        try Vault.verifyChain(events)
    }

    @Test func replayRebuildsTheIdenticalVault() throws {
        let v = try history()
        let rebuilt = try Vault.replay(v.events)
        #expect(rebuilt == v)
        // On-demand sealing produces the same log once sealed.
        var lazy = try history(sealing: .onDemand)
        #expect(lazy.lastEvent == v.lastEvent)
        #expect(lazy.events == v.events)
        #expect(lazy.lastHash == v.lastHash)
        lazy.seal()
        #expect(lazy == v)
    }

    @Test func anyEditIsDetected() throws {
        let events = try history().events
        // Editing a field without fixing the hash: that event's hash no longer matches.
        var edited = events
        edited[4].equityAfter.raw += 1
        #expect(throws: VaultLogError.hashMismatch(sequence: 4)) { try Vault.verifyChain(edited) }
        #expect(throws: VaultLogError.hashMismatch(sequence: 4)) { try Vault.replay(edited) }
        // Re-hashing the edited event breaks the link to the next one.
        edited[4].hash = edited[4].computeHash()
        #expect(throws: VaultLogError.brokenChain(sequence: 5)) { try Vault.verifyChain(edited) }
        // Re-hashing the whole tail makes a consistent chain, but replay re-runs the actions and
        // sees that event 4 is not what the action does.
        for i in 5..<edited.count {
            edited[i].previousHash = edited[i - 1].hash
            edited[i].hash = edited[i].computeHash()
        }
        try Vault.verifyChain(edited)
        #expect(throws: VaultLogError.divergence(sequence: 4)) { try Vault.replay(edited) }
        // Dropping an event leaves a gap; changing an action's input makes replay refuse or diverge.
        var dropped = events
        dropped.remove(at: 3)
        #expect(throws: VaultLogError.sequenceGap(expected: 3, found: 4)) { try Vault.replay(dropped) }
        var forged = events
        forged[7].entry = .applied(.withdraw(depositor: "bob"))
        forged[7].hash = forged[7].computeHash()
        for i in 8..<forged.count {
            forged[i].previousHash = forged[i - 1].hash
            forged[i].hash = forged[i].computeHash()
        }
        #expect(throws: VaultLogError.refusedOnReplay(sequence: 7, .noWithdrawalPending("bob"))) { try Vault.replay(forged) }
        #expect(throws: VaultLogError.missingGenesis) { try Vault.replay(Array(events.dropFirst())) }
    }

    @Test func drainedEventsChainOn() throws {
        var v = try history()
        let firstPart = v.drainEvents()
        let head = v.lastHash
        try v.ok(.accrue, at: 400_000)
        try v.ok(.deposit(depositor: "dave", amount: usd("10")), at: 400_001)
        let secondPart = v.events
        #expect(secondPart.count == 2 && secondPart.first?.sequence == 11)
        try Vault.verifyChain(secondPart, after: head)
        // The two parts together replay to the same state.
        let rebuilt = try Vault.replay(firstPart + secondPart)
        #expect(rebuilt.lastHash == v.lastHash)
        #expect(rebuilt.account("dave") == v.account("dave"))
        #expect(rebuilt.totalShares == v.totalShares && rebuilt.equity == v.equity)
    }

    @Test func canonicalBytesBeginWithVersionAndPreviousHash() throws {
        let events = try history().events
        let bytes = events[2].canonicalBytes
        #expect(bytes.first == 2)  // encoding version 2 (the version-2 fee rules)
        #expect(Array(bytes[1..<33]) == events[1].hash.bytes)
        #expect(SHA256Digest(hashing: bytes) == events[2].hash)
    }
}
