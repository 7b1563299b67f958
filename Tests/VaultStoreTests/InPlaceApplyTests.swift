import Foundation
import MarketCore
import Testing
import VaultLedger

@testable import VaultStore

/// `apply` must cost the same whatever the number of depositors: it changes the cached vault in
/// place (no copy of the depositor table) and writes only the rows of the accounts it touched.
/// Checked structurally, not by timing: the cached table's storage address and the rows each
/// commit changed. And memory never runs ahead of the file when a write fails.
@Suite struct InPlaceApplyTests {
    static func depositor(_ i: Int) -> String { "d" + String(1000 + i).dropFirst() }
    static let depositors = 300

    /// A vault "v" with ``depositors`` depositors, and the same history in memory.
    static func populated(_ db: VaultDatabase) throws -> Vault {
        try db.createVault(name: "v", terms: feeTerms, manager: "mgr", at: .zero)
        var memory = try Vault(terms: feeTerms, manager: "mgr", createdAt: .zero)
        for i in 0..<depositors {
            let action = VaultAction.deposit(depositor: depositor(i), amount: usd(String(100 + i)))
            #expect(try db.apply(vault: "v", action, at: sec(Int64(i + 1))) == memory.apply(action, at: sec(Int64(i + 1))))
        }
        return memory
    }

    @Test func actionsChangeTheCachedVaultInPlaceAndWriteOnlyTouchedRows() throws {
        let db = try VaultDatabase.inMemory()
        var memory = try Self.populated(db)
        let recorder = db.recordCommits()
        let storage = try #require(db.cachedDepositorStorage("v"))
        var time: Int64 = 10_000
        var applied = 0
        /// Applies `action` (which must succeed or be refused as `succeeds` says), then checks
        /// the table was not copied and the commit changed at most the event, the snapshot, the
        /// manager, the protocol and the `named` accounts.
        func step(_ action: VaultAction, named: Int, succeeds: Bool = true, after seconds: Int64 = 10) throws {
            time += seconds
            let storageBefore = db.cachedDepositorStorage("v")
            let result = try db.apply(vault: "v", action, at: sec(time))
            #expect(result == memory.apply(action, at: sec(time)), "\(action)")
            if case .success = result { applied += 1 }
            #expect(((try? result.get()) != nil) == succeeds, "\(action): \(result)")
            #expect(db.cachedDepositorStorage("v") == storageBefore, "\(action) copied the depositor table")
            let rows = recorder.commits.last ?? -1
            if case .success = result {
                #expect(rows >= 2 && rows <= 4 + named, "\(action) changed \(rows) rows")
            } else {
                #expect(rows == 0, "refused \(action) changed \(rows) rows")
            }
        }
        for round in 0..<3 {
            let a = Self.depositor(round * 7), b = Self.depositor(Self.depositors - 1 - round)
            try step(.deposit(depositor: a, amount: usd("5")), named: 1)
            try step(.mark(equity: Amount(raw: memory.equity.raw + 1_000_000)), named: 0)
            try step(.accrue, named: 0, after: 3_600)
            try step(.requestWithdraw(depositor: a, .percent(Ppm(raw: 500_000))), named: 1)
            try step(.cancelWithdraw(depositor: a), named: 1)
            try step(.requestWithdraw(depositor: b, .percent(Ppm(raw: 250_000))), named: 1)
            try step(.withdraw(depositor: b), named: 1, after: 4_000)
            try step(.withdraw(depositor: b), named: 1, succeeds: false)  // nothing requested
            try step(.transfer(from: a, to: b, shares: Shares(raw: 1_000_000)), named: 2)
            try step(.crystallize(.depositor(b)), named: 1)
            try step(.deposit(depositor: "mgr", amount: usd("1")), named: 0)
            try step(.markInvalid, named: 0)
            try step(.deposit(depositor: a, amount: usd("1")), named: 1, succeeds: false)  // mark invalid
            try step(.mark(equity: memory.equity), named: 0)
            try step(.setAccess(depositor: a, allowed: true), named: 1)
            try step(.setPermissioned(true), named: 0)
            try step(.transfer(from: a, to: b, shares: Shares(raw: 1_000)), named: 2, succeeds: false)  // b not allowed
            try step(.setPermissioned(false), named: 0)
            try step(.setFees(FeeTerms(managementFee: Ppm(raw: 10_000 + Int64(round)))), named: 0)
        }
        #expect(applied == 3 * 16)
        #expect(db.cachedDepositorStorage("v") == storage)
        #expect(try db.vault("v") == memory.drained)
        _ = try db.verify()
    }

    @Test func aVaultReadByTheCallerKeepsItsStateAndCostsOneCopy() throws {
        let db = try VaultDatabase.inMemory()
        var memory = try Self.populated(db)
        let held = try db.vault("v")
        let name = Self.depositor(3)
        let account = try #require(held.account(name))
        let deposit = VaultAction.deposit(depositor: name, amount: usd("7"))
        #expect(try db.apply(vault: "v", deposit, at: sec(5_000)) == memory.apply(deposit, at: sec(5_000)))
        // The caller's value did not move with the store's.
        #expect(held.account(name) == account)
        #expect(held.eventCount == memory.eventCount - 1)
        #expect(try db.vault("v").account(name) != account)
        // The one copy that sharing forced is now the store's own: no further copies.
        let storage = try #require(db.cachedDepositorStorage("v"))
        #expect(try db.apply(vault: "v", deposit, at: sec(5_001)) == memory.apply(deposit, at: sec(5_001)))
        #expect(db.cachedDepositorStorage("v") == storage)
        #expect(try db.vault("v") == memory.drained)
    }

    @Test func crystallizeAllWritesEveryChangedDepositor() throws {
        let db = try VaultDatabase.inMemory()
        var memory = try Self.populated(db)
        let recorder = db.recordCommits()
        let mark = VaultAction.mark(equity: Amount(raw: memory.equity.raw * 2))
        #expect(try db.apply(vault: "v", mark, at: sec(5_000)) == memory.apply(mark, at: sec(5_000)))
        let all = VaultAction.crystallize(.all)
        #expect(try db.apply(vault: "v", all, at: sec(5_001)) == memory.apply(all, at: sec(5_001)))
        // The event, the snapshot, the manager, the protocol and every depositor (all in profit).
        #expect(recorder.commits.last == 4 + Self.depositors)
        #expect(try db.vault("v") == memory.drained)
        _ = try db.verify()
    }

    /// A write that fails after the ledger applied the action in memory: a statement (a trigger
    /// refusing the account row) or the commit itself. The changed vault must be dropped, not
    /// cached, and the next action must carry on from the file.
    @Test(arguments: ["statement", "commit"])
    func aFailedWriteLeavesNoTraceInMemory(_ failure: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try VaultDatabase(path: dir.appendingPathComponent("fail.sqlite").path)
        var memory = try Self.populated(db)
        let before = try db.vault("v")
        let dump = try db.dump()
        let deposit = VaultAction.deposit(depositor: Self.depositor(5), amount: usd("9"))
        do {
            let veto: CommitVeto?
            switch failure {
            case "statement":
                try db.unsafeExecute(
                    sql: "CREATE TRIGGER refuse BEFORE INSERT ON vault_account BEGIN SELECT RAISE(ABORT, 'refused'); END")
                veto = nil
            default:
                veto = db.vetoCommits(1)
            }
            #expect(throws: (any Error).self) { try db.apply(vault: "v", deposit, at: sec(5_000)) }
            withExtendedLifetime(veto) {}
            if failure == "statement" { try db.unsafeExecute(sql: "DROP TRIGGER refuse") }
        }
        // Memory did not run ahead of the file: nothing cached, or the vault as committed.
        let cached = db.cachedEventCount("v")
        #expect(cached == nil || cached == before.eventCount, "the vault changed by the failed write is cached")
        #expect(try db.dump() == dump)
        #expect(try db.vault("v") == before)
        // The same action again succeeds as the next event.
        let receipt = try db.apply(vault: "v", deposit, at: sec(5_000)).get()
        #expect(receipt.sequence == before.eventCount)
        #expect(.success(receipt) == memory.apply(deposit, at: sec(5_000)))
        #expect(try db.vault("v") == memory.drained)
        _ = try db.verify()
    }
}
