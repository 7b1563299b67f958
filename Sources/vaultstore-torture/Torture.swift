import Foundation
import MarketCore
import VaultLedger
import VaultWorkloads
import VaultStore

/// `vaultstore-torture`: the writer the crash test kills, and the store benchmarks.
///
/// ```
/// vaultstore-torture --db PATH --seed N --ops M [--synchronous full|normal]
///     Opens (verifying) the database, creates vault "torture" if missing, then applies M random
///     actions (valid and invalid) from a generator seeded with N, printing
///     `ack <sequence> <eventCount> <hash>` to stdout right after each committed transaction.
/// vaultstore-torture --bench tps --db PATH [--synchronous full|normal] [--ops 5000] [--depositors 1000]
///     Durable single-action transactions per second (deposit / mark / request / withdraw mix)
///     on a vault with D depositors; the file at PATH is replaced.
/// vaultstore-torture --bench apply --db PATH [--depositors 1000] [--ops 2000] [--repeat 3] [--synchronous normal|full]
///     Per-action cost of `VaultDatabase.apply` against the number of depositors: imports a vault
///     with D depositors, warms up, then times `--repeat` rounds of M single-deposit transactions
///     (random existing depositor each), then the same deposits on the in-memory ledger alone
///     (the floor). `--synchronous` defaults to NORMAL here; the file at PATH is replaced.
/// vaultstore-torture --bench verify --db PATH [--events 1000000] [--keep]
///     Builds an N-event log in memory (`LogSealing.onDemand`), imports it in one transaction,
///     then times `verify()` three times and an open with verification; PATH is replaced
///     (with --keep, an existing PATH is verified as it is, skipping the build and import).
/// ```
@main
struct Torture {
    static func main() {
        do {
            let options = try Options(CommandLine.arguments.dropFirst())
            switch options.bench {
            case nil: try torture(options)
            case "tps": try benchTPS(options)
            case "verify": try benchVerify(options)
            case "apply": try benchApply(options)
            case let other?: throw UsageError("unknown benchmark \(other) (tps, apply or verify)")
            }
        } catch {
            FileHandle.standardError.write(Data("vaultstore-torture: \(error)\n".utf8))
            exit(1)
        }
    }

    // MARK: Torture

    static let vaultName = "torture"

    static func torture(_ o: Options) throws {
        let db = try VaultDatabase(path: o.db, synchronous: o.synchronous, verifyOnOpen: true)
        var gen = ActionGenerator(seed: o.seed)
        if try !db.vaultNames().contains(vaultName) {
            do {
                try db.createVault(name: vaultName, terms: gen.terms(), manager: "mgr", at: .zero)
            } catch VaultStoreError.vaultExists {
                // Another writer created it first.
            }
        }
        var vault = try db.vault(vaultName)
        var time = vault.lastActionAt.milliseconds
        let out = FileHandle.standardOutput
        for _ in 0..<o.ops {
            let (action, at) = gen.next(vault, time: &time)
            switch try db.apply(vault: vaultName, action, at: at) {
            case .success(let receipt):
                vault = try db.vault(vaultName)
                out.write(Data("ack \(receipt.sequence) \(vault.eventCount) \(vault.lastHash)\n".utf8))
            case .failure:
                break
            }
        }
    }

    // MARK: Benchmarks

    /// Deletes a database file and its WAL companions.
    static func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    static func depositorName(_ i: Int) -> String { "d" + String(1_000_000 + i).dropFirst() }

    /// A vault with `depositors` depositors who each deposited, as a sealed in-memory ledger.
    static func seededVault(depositors: Int, sealing: LogSealing) throws -> Vault {
        var vault = try Vault(
            terms: VaultTerms(
                fees: FeeTerms(managementFee: Ppm(raw: 20_000), performanceFee: Ppm(raw: 200_000))),
            manager: "mgr", createdAt: .zero, sealing: sealing)
        for i in 0..<depositors {
            _ = try vault.apply(
                .deposit(depositor: depositorName(i), amount: Amount(raw: 1_000_000_000 + Int64(i))),
                at: Timestamp(seconds: Int64(i))
            ).get()
        }
        return vault
    }

    /// The benchmark mix: deposit, mark, request a withdrawal, pay it out.
    /// `pending` is the depositor whose request the next withdrawal pays out.
    /// `equity` is the vault's current equity (raw); the bench loops keep that, not a `Vault`
    /// read from the store, which would make the store's next action copy its depositor table.
    static func benchAction(_ step: Int, equity e: Int64, rng: inout SplitMix64, depositors: Int, pending: String?)
        -> VaultAction
    {
        let name = depositorName(Int(rng.next() % UInt64(depositors)))
        switch step % 4 {
        case 0: return .deposit(depositor: name, amount: Amount(raw: 1_000_000 + Int64(rng.next() % 100_000_000)))
        case 1:
            return .mark(equity: Amount(raw: e + e / 2000 - Int64(rng.next() % UInt64(max(1, e / 1000)))))
        case 2: return .requestWithdraw(depositor: name, .percent(Ppm(raw: 100_000)))
        default:
            // Pay out whoever has a request pending (the last one made).
            return .withdraw(depositor: pending ?? name)
        }
    }

    static func benchTPS(_ o: Options) throws {
        removeDatabase(o.db)
        let seeded = try seededVault(depositors: o.depositors, sealing: .everyAction)
        let db = try VaultDatabase(path: o.db, synchronous: o.synchronous, verifyOnOpen: false)
        try db.importVault(name: "bench", events: seeded.events)
        var equity = try db.vault("bench").equity.raw
        var time = try db.vault("bench").lastActionAt.milliseconds
        var rng = SplitMix64(seed: o.seed)
        let clock = ContinuousClock()
        var applied = 0, refused = 0
        var pending: String? = nil
        let start = clock.now
        for step in 0..<o.ops {
            time += 1000
            if step % 4 == 1 { equity = try db.vault("bench").equity.raw }  // the mark moves the current equity
            let action = benchAction(step, equity: equity, rng: &rng, depositors: o.depositors, pending: pending)
            switch try db.apply(vault: "bench", action, at: Timestamp(milliseconds: time)) {
            case .success:
                applied += 1
                if case .requestWithdraw(let name, _) = action { pending = name }
                if case .withdraw = action { pending = nil }
            case .failure: refused += 1
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let tps = Double(o.ops) / seconds
        print(
            "tps synchronous=\(o.synchronous.rawValue.uppercased()) depositors=\(o.depositors) transactions=\(o.ops) applied=\(applied) refused=\(refused) seconds=\(String(format: "%.3f", seconds)) tx/s=\(String(format: "%.0f", tps))"
        )
        let report = try db.verify()
        print("verified events=\(report.eventCount) in \(report.duration)")
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// One deposit by a random existing depositor (1 to 100 USDC).
    static func randomDeposit(_ rng: inout SplitMix64, depositors: Int) -> VaultAction {
        .deposit(
            depositor: depositorName(Int(rng.next() % UInt64(depositors))),
            amount: Amount(raw: 1_000_000 + Int64(rng.next() % 99_000_000)))
    }

    static func benchApply(_ o: Options) throws {
        removeDatabase(o.db)
        let clock = ContinuousClock()
        var t = clock.now
        let db: VaultDatabase
        do {
            let seeded = try seededVault(depositors: o.depositors, sealing: .onDemand)
            db = try VaultDatabase(path: o.db, synchronous: o.synchronous, verifyOnOpen: false)
            try db.importVault(name: "bench", events: seeded.events)
        }
        print("seeded and imported \(o.depositors) depositors in \(clock.now - t)")
        var rng = SplitMix64(seed: o.seed)
        var time = try db.vault("bench").lastActionAt.milliseconds
        func run(_ count: Int) throws -> Duration {
            let start = clock.now
            for _ in 0..<count {
                time += 1000
                let action = randomDeposit(&rng, depositors: o.depositors)
                _ = try db.apply(vault: "bench", action, at: Timestamp(milliseconds: time)).get()
            }
            return clock.now - start
        }
        _ = try run(max(100, o.ops / 10))  // warm-up: statement cache, page cache, first copies
        var perAction: [Double] = []
        for round in 1...o.repeats {
            let elapsed = try run(o.ops)
            let us = seconds(elapsed) / Double(o.ops) * 1e6
            perAction.append(us)
            print(
                "apply synchronous=\(o.synchronous.rawValue.uppercased()) depositors=\(o.depositors) round=\(round) deposits=\(o.ops) seconds=\(String(format: "%.3f", seconds(elapsed))) us/action=\(String(format: "%.1f", us))"
            )
        }
        let median = perAction.sorted()[perAction.count / 2]
        print("apply depositors=\(o.depositors) median us/action=\(String(format: "%.1f", median))")
        // The floor: the same kind of deposits on the in-memory ledger alone, hashing and draining
        // each event as the store does.
        var memory = try db.vault("bench")
        time += 1000
        _ = try memory.apply(.accrue, at: Timestamp(milliseconds: time)).get()  // its own copy, untimed
        t = clock.now
        for _ in 0..<o.ops {
            time += 1000
            _ = try memory.apply(randomDeposit(&rng, depositors: o.depositors), at: Timestamp(milliseconds: time)).get()
            _ = memory.drainEvents()
        }
        let floor = seconds(clock.now - t) / Double(o.ops) * 1e6
        print("ledger alone (in memory, every event hashed) us/action=\(String(format: "%.1f", floor))")
    }

    static func benchVerify(_ o: Options) throws {
        let clock = ContinuousClock()
        if !(o.keep && FileManager.default.fileExists(atPath: o.db)) { try buildVerifyDatabase(o) }
        let db = try VaultDatabase(path: o.db, synchronous: .full, verifyOnOpen: false)
        for run in 1...3 {
            let report = try db.verify()
            print("verify run \(run): events=\(report.eventCount) lastHash=\(report.vaults[0].lastHash) duration=\(report.duration)")
        }
        let t = clock.now
        _ = try VaultDatabase(path: o.db, synchronous: .full, verifyOnOpen: true)
        print("open with verifyOnOpen: \(clock.now - t)")
    }

    /// Builds the verify benchmark's database at `o.db` (replacing it).
    static func buildVerifyDatabase(_ o: Options) throws {
        removeDatabase(o.db)
        let clock = ContinuousClock()
        var t = clock.now
        var vault = try seededVault(depositors: 1000, sealing: .onDemand)
        vault.reserveEventCapacity(o.events)
        var rng = SplitMix64(seed: o.seed)
        var time = vault.lastActionAt.milliseconds
        var step = 0
        var pending: String? = nil
        while vault.eventCount < Int64(o.events) {
            time += 1000
            let action = benchAction(step, equity: vault.equity.raw, rng: &rng, depositors: 1000, pending: pending)
            step += 1
            if case .success = vault.apply(action, at: Timestamp(milliseconds: time)) {
                if case .requestWithdraw(let name, _) = action { pending = name }
                if case .withdraw = action { pending = nil }
            }
        }
        vault.seal()
        let events = vault.events
        print("built \(events.count) events in memory in \(clock.now - t)")
        // The floor the store cannot go below: the ledger's own work on the same events.
        t = clock.now
        try Vault.verifyChain(events)
        print("in memory: Vault.verifyChain (one SHA-256 per event) \(clock.now - t)")
        t = clock.now
        let replayed = try Vault.replay(events)
        print("in memory: Vault.replay (chain + re-apply, two SHA-256 per event) \(clock.now - t)")
        precondition(replayed.lastHash == vault.lastHash)
        t = clock.now
        do {
            let db = try VaultDatabase(path: o.db, synchronous: .normal, verifyOnOpen: false)
            try db.importVault(name: "bench", events: events)
        }
        print("imported (replay + one-transaction bulk insert) in \(clock.now - t)")
        let size = (try? FileManager.default.attributesOfItem(atPath: o.db)[.size] as? Int) ?? 0
        print("database file \(size / 1_000_000) MB (plus WAL)")
    }
}

// MARK: Options

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct Options {
    var db = ""
    var seed: Int64 = 1
    var ops = 100
    var synchronous = SynchronousMode.full
    var bench: String?
    var depositors = 1000
    var events = 1_000_000
    var repeats = 3
    var keep = false

    init(_ args: ArraySlice<String>) throws {
        var it = args.makeIterator()
        func value(_ flag: String) throws -> String {
            guard let v = it.next() else { throw UsageError("\(flag) needs a value") }
            return v
        }
        func int(_ flag: String) throws -> Int {
            guard let v = Int(try value(flag)) else { throw UsageError("\(flag) needs an integer") }
            return v
        }
        var sawOps = false, sawSynchronous = false
        while let flag = it.next() {
            switch flag {
            case "--db": db = try value(flag)
            case "--seed": seed = Int64(try int(flag))
            case "--ops":
                ops = try int(flag)
                sawOps = true
            case "--synchronous":
                guard let mode = SynchronousMode(rawValue: try value(flag).lowercased()) else {
                    throw UsageError("--synchronous is full or normal")
                }
                synchronous = mode
                sawSynchronous = true
            case "--bench": bench = try value(flag)
            case "--depositors": depositors = try int(flag)
            case "--events": events = try int(flag)
            case "--repeat": repeats = max(1, try int(flag))
            case "--keep": keep = true
            default: throw UsageError("unknown option \(flag)")
            }
        }
        if db.isEmpty { throw UsageError("--db PATH is required") }
        if bench == "tps" && !sawOps { ops = 5000 }
        if bench == "apply" && !sawOps { ops = 2000 }
        if bench == "apply" && !sawSynchronous { synchronous = .normal }
    }
}
