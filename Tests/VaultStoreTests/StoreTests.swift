import Foundation
import MarketCore
import Testing
import VaultLedger
import VaultWorkloads

@testable import VaultStore

/// Terms with every fee on, as the torture writer uses.
let feeTerms = VaultTerms(
    fees: FeeTerms(
        managementFee: Ppm(raw: 20_000), performanceFee: Ppm(raw: 200_000), hurdleRate: Ppm(raw: 50_000),
        protocolFee: Ppm(raw: 5_000), protocolProfitShare: Ppm(raw: 50_000)),
    redeemPeriodSeconds: 3_600, pointsPerSecond: 10)

/// A short scripted history: 12 events (0 … 11).
let script: [(VaultAction, Int64)] = [
    (.deposit(depositor: "alice", amount: usd("1000")), 10),
    (.deposit(depositor: "bob", amount: usd("500")), 20),
    (.mark(equity: usd("1650")), 100),
    (.requestWithdraw(depositor: "alice", .percent(Ppm(raw: 250_000))), 200),
    (.transfer(from: "bob", to: "carol", shares: Shares(raw: 100_000_000_000)), 300),
    (.mark(equity: usd("1700")), 4_000),
    (.withdraw(depositor: "alice"), 4_000),
    (.crystallize(.all), 5_000),
    (.deposit(depositor: "mgr", amount: usd("10")), 6_000),
    (.accrue, 90_000),
    (.setFees(FeeTerms(managementFee: Ppm(raw: 10_000))), 90_001),
]

/// A file database holding vault "v" after ``script``.
func scriptedDatabase(in dir: URL) throws -> (path: String, db: VaultDatabase) {
    let path = dir.appendingPathComponent("store.sqlite").path
    let db = try VaultDatabase(path: path)
    try db.createVault(name: "v", terms: feeTerms, manager: "mgr", at: .zero)
    for (action, t) in script { _ = try db.apply(vault: "v", action, at: sec(t)).get() }
    return (path, db)
}

@Suite struct StoreTests {
    @Test func eachActionIsOneTransactionAndARefusalWritesNothing() throws {
        let db = try VaultDatabase.inMemory()
        try db.createVault(name: "v", terms: feeTerms, manager: "mgr", at: .zero)
        let recorder = db.recordCommits()
        var memory = try Vault(terms: feeTerms, manager: "mgr", createdAt: .zero)
        var expected: [Int] = []
        var refusals = 0
        var gen = ActionGenerator(seed: 7)
        var time: Int64 = 0
        for _ in 0..<300 {
            let (action, at) = gen.next(memory, time: &time)
            let before = try db.dump()
            let result = try db.apply(vault: "v", action, at: at)
            #expect(result == memory.apply(action, at: at))
            switch result {
            case .success:
                // One commit that wrote the event, the snapshot and at least one account.
                let last = recorder.commits.last ?? 0
                #expect(last >= 2)
                expected.append(last)
            case .failure:
                refusals += 1
                expected.append(0)
                #expect(try db.dump() == before, "a refused \(action) changed the database")
            }
            #expect(recorder.commits == expected, "\(action) was not exactly one transaction")
        }
        #expect(refusals > 30 && refusals < 270)
        #expect(try db.vault("v") == memory.drained)
    }

    @Test(arguments: [1, 2, 3, 4] as [Int64])
    func randomHistoryRoundTripsThroughTheDatabase(seed: Int64) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("round.sqlite").path
        var gen = ActionGenerator(seed: seed)
        let terms = gen.terms()
        var memory = try Vault(terms: terms, manager: "mgr", createdAt: Timestamp(milliseconds: 5))
        do {
            let db = try VaultDatabase(path: path, synchronous: seed % 2 == 0 ? .full : .normal)
            try db.createVault(name: "r", terms: terms, manager: "mgr", at: Timestamp(milliseconds: 5))
            var time: Int64 = 5
            for _ in 0..<400 {
                let (action, at) = gen.next(memory, time: &time)
                #expect(try db.apply(vault: "r", action, at: at) == memory.apply(action, at: at))
            }
            memory.checkInvariants()
            #expect(try db.vault("r") == memory.drained)
            #expect(try db.events(vault: "r") == memory.events)
        }
        // A new connection (no cache) rebuilds the same vault from the file.
        let reopened = try VaultDatabase(path: path)
        let stored = try reopened.events(vault: "r")
        #expect(stored == memory.events)
        #expect(stored.map(\.canonicalBytes) == memory.events.map(\.canonicalBytes))
        let replayed = try Vault.replay(stored)
        #expect(replayed == memory)
        #expect(try reopened.vault("r") == memory.drained)
        let report = try reopened.verify(vault: "r")
        #expect(report.vaults.map(\.name) == ["r"])
        #expect(report.vaults[0].eventCount == memory.eventCount)
        #expect(report.vaults[0].lastHash == memory.lastHash)
        // Paging.
        #expect(try reopened.events(vault: "r", from: 3, limit: 2) == Array(memory.events[3..<5]))
        #expect(try reopened.events(vault: "r", from: memory.eventCount).isEmpty)
    }

    @Test func twoConnectionsOnOneFileSeeEachOthersWrites() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (path, a) = try scriptedDatabase(in: dir)
        let b = try VaultDatabase(path: path)
        var memory = try Vault(terms: feeTerms, manager: "mgr", createdAt: .zero)
        for (action, t) in script { _ = memory.apply(action, at: sec(t)) }
        var gen = ActionGenerator(seed: 11)
        var time: Int64 = 90_001_000
        for i in 0..<60 {
            let (action, at) = gen.next(memory, time: &time)
            let db = i % 3 == 0 ? a : b
            #expect(try db.apply(vault: "v", action, at: at) == memory.apply(action, at: at))
        }
        #expect(try a.vault("v") == memory.drained)
        #expect(try b.vault("v") == memory.drained)
    }

    @Test func migrationsAreIdempotentAndReopeningChangesNothing() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (path, db) = try scriptedDatabase(in: dir)
        let migrations = try db.appliedMigrations()
        #expect(migrations == ["v1 vaults, events, accounts"])
        let dump = try db.dump()
        for _ in 0..<3 {
            let again = try VaultDatabase(path: path)
            #expect(try again.appliedMigrations() == migrations)
            #expect(try again.dump() == dump)
            #expect(try again.vaultNames() == ["v"])
        }
        // Writing through a reopened file carries on from the stored state.
        let reopened = try VaultDatabase(path: path)
        let receipt = try reopened.apply(vault: "v", .deposit(depositor: "dave", amount: usd("5")), at: sec(100_000)).get()
        #expect(receipt.sequence == Int64(script.count + 1))
    }

    @Test func synchronousModeReachesTheWriterConnection() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("sync.sqlite").path
        #expect(try VaultDatabase(path: path, synchronous: .full).synchronousSetting() == 2)
        #expect(try VaultDatabase(path: path, synchronous: .normal).synchronousSetting() == 1)
        #expect(try VaultDatabase(path: path).synchronousSetting() == 2)
    }

    @Test func namesAndErrors() throws {
        let db = try VaultDatabase.inMemory()
        #expect(try db.vaultNames() == [])
        try db.createVault(name: "b", terms: VaultTerms(), manager: "mgr", at: .zero)
        try db.createVault(name: "a", terms: VaultTerms(), manager: "mgr", at: sec(5))
        #expect(try db.vaultNames() == ["a", "b"])
        #expect(throws: VaultStoreError.vaultExists("a")) {
            try db.createVault(name: "a", terms: VaultTerms(), manager: "m2", at: .zero)
        }
        #expect(throws: VaultStoreError.invalid(.invalidName("*"))) {
            try db.createVault(name: "c", terms: VaultTerms(), manager: "*", at: .zero)
        }
        #expect(throws: VaultStoreError.invalid(.invalidName(""))) {
            try db.createVault(name: "", terms: VaultTerms(), manager: "mgr", at: .zero)
        }
        #expect(throws: VaultStoreError.unknownVault("zz")) {
            try db.apply(vault: "zz", .accrue, at: sec(1))
        }
        #expect(throws: VaultStoreError.unknownVault("zz")) { try db.vault("zz") }
        #expect(throws: VaultStoreError.unknownVault("zz")) { try db.events(vault: "zz") }
        #expect(throws: VaultStoreError.unknownVault("zz")) { try db.verify(vault: "zz") }
        #expect(try db.apply(vault: "a", .accrue, at: sec(1)) == .failure(.timeWentBackwards(last: sec(5), at: sec(1))))
        #expect(try db.verify().vaults.map(\.name) == ["a", "b"])
        #expect(
            VaultStoreError.corrupt(vault: "a", sequence: 3, reason: "x").description
                == "vault \"a\" is corrupt at event 3: x")
    }

    @Test func theLogIsAppendOnlyInSQL() throws {
        let db = try VaultDatabase.inMemory()
        try db.createVault(name: "v", terms: VaultTerms(), manager: "mgr", at: .zero)
        #expect(throws: (any Error).self) { try db.unsafeExecute(sql: "UPDATE vault_event SET time = 1") }
        #expect(throws: (any Error).self) { try db.unsafeExecute(sql: "DELETE FROM vault_event") }
        #expect(try db.rowCounts() == ["vault": 1, "vault_event": 1, "vault_account": 2])
    }

    @Test func importStoresALogInOneGo() throws {
        var memory = try Vault(terms: feeTerms, manager: "mgr", createdAt: .zero, sealing: .onDemand)
        for (action, t) in script { _ = try memory.apply(action, at: sec(t)).get() }
        let db = try VaultDatabase.inMemory()
        try db.importVault(name: "imp", events: memory.events)
        #expect(try db.vault("imp") == Vault.replay(memory.events).drained)
        #expect(try db.events(vault: "imp") == memory.events)
        var broken = memory.events
        broken[4].actor = "mallory"
        #expect(throws: VaultStoreError.self) { try db.importVault(name: "bad", events: broken) }
        #expect(try db.vaultNames() == ["imp"])
    }
}

/// Where a tampering should be reported.
enum Expected: Sendable {
    case at(Int64)
    case last
}

/// One way of tampering with a stored vault, run with raw SQL behind the store's back.
struct Tampering: Sendable, CustomTestStringConvertible {
    var name: String
    var sql: String
    var sequence: Expected
    var reason: String
    var testDescription: String { name }
}

let allowEventEdits = "DROP TRIGGER vault_event_no_update; DROP TRIGGER vault_event_no_delete;"
let lastSequence = Int64(script.count)

let tamperings: [Tampering] = [
    Tampering(
        name: "change the receipt amount inside event 5",
        sql: """
            UPDATE vault_event SET bytes = CAST(substr(bytes, 1, length(bytes) - 58) || x'AB' || substr(bytes, length(bytes) - 56) AS BLOB)
            WHERE sequence = 5
            """,
        sequence: .at(5), reason: "does not match its hash"),
    Tampering(
        name: "fill the absent fee time inside event 5",
        sql: "UPDATE vault_event SET bytes = CAST(substr(bytes, 1, length(bytes) - 1) || x'01' AS BLOB) WHERE sequence = 5",
        sequence: .at(5), reason: "absent fee effective time has a value"),
    Tampering(
        name: "zero the hash of event 3",
        sql: "UPDATE vault_event SET hash = zeroblob(32) WHERE sequence = 3", sequence: .at(3),
        reason: "does not match its hash"),
    Tampering(
        name: "truncate the bytes of event 2",
        sql: "UPDATE vault_event SET bytes = substr(bytes, 1, 50) WHERE sequence = 2", sequence: .at(2),
        reason: "end early"),
    Tampering(
        name: "delete event 7", sql: "DELETE FROM vault_event WHERE sequence = 7", sequence: .at(7),
        reason: "expected event 7, found 8"),
    Tampering(
        name: "delete the last event", sql: "DELETE FROM vault_event WHERE sequence = \(lastSequence)",
        sequence: .at(lastSequence - 1), reason: "the log ends at \(lastSequence - 1)"),
    Tampering(
        name: "rename the actor column of event 4", sql: "UPDATE vault_event SET actor = 'eve' WHERE sequence = 4",
        sequence: .at(4), reason: "actor disagrees"),
    Tampering(
        name: "shift the time column of event 6", sql: "UPDATE vault_event SET time = time + 1 WHERE sequence = 6",
        sequence: .at(6), reason: "time disagrees"),
    Tampering(
        name: "raise the snapshot equity", sql: "UPDATE vault SET equity = equity + 1", sequence: .last,
        reason: "snapshot's equity differs"),
    Tampering(
        name: "edit the snapshot total shares", sql: "UPDATE vault SET total_shares = '12345'", sequence: .last,
        reason: "total_shares"),
    Tampering(
        name: "edit the snapshot last hash", sql: "UPDATE vault SET last_hash = zeroblob(32)", sequence: .last,
        reason: "last_hash"),
    Tampering(
        name: "give alice more shares", sql: "UPDATE vault_account SET shares = shares || '0' WHERE name = 'alice'",
        sequence: .last, reason: "account alice's shares differs"),
    Tampering(
        name: "lower bob's high-water mark",
        sql: "UPDATE vault_account SET high_water_mark = high_water_mark - 1 WHERE name = 'bob'", sequence: .last,
        reason: "account bob's high_water_mark differs"),
    Tampering(
        name: "delete carol's account row", sql: "DELETE FROM vault_account WHERE name = 'carol'", sequence: .last,
        reason: "account carol is missing"),
    Tampering(
        name: "add an account row",
        sql: "INSERT INTO vault_account SELECT vault_id, 'zed', role, shares, high_water_mark, performance_fees_paid, net_deposits, total_deposited, total_withdrawn, last_deposit_at, withdraw_shares, withdraw_value, withdraw_requested_at, allowed, points FROM vault_account WHERE name = 'bob'",
        sequence: .last, reason: "account rows zed have no account"),
]

@Suite struct TamperTests {
    @Test(arguments: tamperings)
    func tamperingIsDetectedOnOpenAndOnVerify(_ t: Tampering) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (path, db) = try scriptedDatabase(in: dir)
        #expect(try db.verify().eventCount == lastSequence + 1)
        try db.unsafeExecute(sql: allowEventEdits + t.sql)
        let want: Int64
        switch t.sequence {
        case .at(let s): want = s
        case .last: want = lastSequence
        }
        func check(_ error: any Error) {
            guard case VaultStoreError.corrupt(let vault, let sequence, let reason) = error else {
                Issue.record("expected corrupt, got \(error)")
                return
            }
            #expect(vault == "v")
            #expect(sequence == want, "\(reason)")
            #expect(reason.contains(t.reason), "\(reason)")
        }
        do {
            _ = try VaultDatabase(path: path)
            Issue.record("opening a tampered database succeeded")
        } catch { check(error) }
        do {
            _ = try db.verify()
            Issue.record("verify of a tampered database succeeded")
        } catch { check(error) }
        // Without verification it opens, and the damage is still reported on demand.
        let unverified = try VaultDatabase(path: path, verifyOnOpen: false)
        do {
            _ = try unverified.verify(vault: "v")
            Issue.record("verify(vault:) of a tampered database succeeded")
        } catch { check(error) }
    }

    @Test func aConsistentlyRehashedEditIsCaughtByReplay() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (path, db) = try scriptedDatabase(in: dir)
        // Forge event 3 with a larger receipt and a valid hash for its new bytes.
        var forged = try db.events(vault: "v", from: 3, limit: 1)[0]
        forged.receipt.amount = forged.receipt.amount + usd("1")
        forged.hash = forged.computeHash()
        let hex = forged.canonicalBytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        let hashHex = forged.hash.description
        try db.unsafeExecute(
            sql: allowEventEdits + "UPDATE vault_event SET bytes = x'\(hex)', hash = x'\(hashHex)' WHERE sequence = 3")
        // Event 3 now matches its hash, so the chain breaks at 4 … unless replay catches 3 first.
        #expect(throws: VaultStoreError.corrupt(vault: "v", sequence: 3, reason: "vault log event 3 does not match what replay produces")) {
            _ = try VaultDatabase(path: path)
        }
    }
}
