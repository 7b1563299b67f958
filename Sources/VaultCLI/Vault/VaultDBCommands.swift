import ArgumentParser
import Foundation
import MarketCore
import VaultLedger
import VaultStore

/// Options every database-backed `vault` command shares.
struct VaultDBOptions: ParsableArguments {
    @Option(help: "SQLite database (created if missing).")
    var db: String = "./mmvault.sqlite"
    @Option(help: "Time of the action in seconds since the epoch (default: now).")
    var at: Int64?
    @Option(help: "SQLite synchronous mode: full (survives power loss) or normal (survives a crash).")
    var sync: String = "full"
    @Flag(help: "Print JSON instead of text.")
    var json = false

    func open() throws -> VaultDatabase {
        guard let mode = SynchronousMode(rawValue: sync) else { throw CLIError("--sync: expected full or normal, got \"\(sync)\"") }
        return try VaultDatabase(path: db, synchronous: mode)
    }

    /// The action's time: `--at` (checked against 0...`Bounds.maxSeconds` before it is turned
    /// into milliseconds), or now.
    func time() throws -> Timestamp {
        guard let at else { return Timestamp(seconds: Int64(Date().timeIntervalSince1970)) }
        guard at >= 0 else { throw CLIError("--at: must not be negative, got \(at)") }
        guard at <= Bounds.maxSeconds else {
            throw CLIError("--at: \(at) exceeds the maximum \(Bounds.maxSeconds) (seconds since the epoch: 9999-12-31T23:59:59Z)")
        }
        return Timestamp(seconds: at)
    }
}

/// Bad input or a refused action: printed as `error: …`, exit code 2, nothing written.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// Runs a command body, mapping every failure to a clear message and exit code 2. Anything
/// already printed is flushed before the error is written.
func vaultRun(_ body: () throws -> Void) throws {
    do { try body() } catch let e as CLIError {
        fflush(nil)  // print()'s buffered stdout first
        writeError("error: \(e.description)")
        throw ExitCode(2)
    } catch let e as VaultStoreError {
        fflush(nil)  // print()'s buffered stdout first
        writeError("error: \(e.description)")
        throw ExitCode(2)
    } catch let e as ExitCode {
        throw e
    } catch {
        fflush(nil)  // print()'s buffered stdout first
        writeError("error: \(error)")
        throw ExitCode(2)
    }
}

/// Parses decimal text into a fixed-point value, naming the argument on failure; with `max`,
/// a larger value (or more digits than 64 bits hold) is refused naming the bound.
func parseDecimal<T: FixedPoint>(_ text: String, _ type: T.Type, _ name: String, positive: Bool = true, max: T? = nil) throws -> T {
    switch T.parse(text) {
    case .success(let v):
        if positive && v.raw <= 0 { throw CLIError("\(name): must be positive, got \"\(text)\"") }
        if v.raw < 0 { throw CLIError("\(name): must not be negative, got \"\(text)\"") }
        if let max, v > max { throw CLIError("\(name): \(text) exceeds the maximum \(max.formatted())") }
        return v
    case .failure(.overflow) where max != nil && !text.hasPrefix("-"):
        throw CLIError("\(name): \(text) exceeds the maximum \(max!.formatted())")
    case .failure(let e): throw CLIError("\(name): \(e) in \"\(text)\"")
    }
}

/// Applies one action and prints the result (and the state with --json).
func applyAndReport(_ options: VaultDBOptions, vault name: String, _ action: VaultAction, describe: (VaultReceipt, Vault) -> String) throws {
    let time = try options.time()
    let db = try options.open()
    switch try db.apply(vault: name, action, at: time) {
    case .failure(let e):
        throw CLIError(e.description)
    case .success(let receipt):
        let vault = try db.vault(name)
        if options.json {
            print(#"{"sequence":\#(receipt.sequence),"amount":\#(VaultJSON.amount(receipt.amount)),"shares":\#(VaultJSON.shares(receipt.shares, vault)),"performanceFee":\#(VaultJSON.amount(receipt.performanceFee)),"managementFee":\#(VaultJSON.amount(receipt.managementFee)),"state":\#(VaultJSON.state(vault, at: time, error: nil))}"#)
        } else {
            print(describe(receipt, vault))
        }
    }
}

/// Fee options shared by `create` and `set-fees` (ratios as decimals: 0.02 = 2%).
struct FeeOptions: ParsableArguments {
    @Option(help: "Annual management fee, e.g. 0.02.") var managementFee: String?
    @Option(help: "Performance fee on profit above the high-water mark, e.g. 0.2.") var performanceFee: String?
    @Option(help: "Annual hurdle rate, e.g. 0.05.") var hurdle: String?
    @Option(help: "Hurdle mode: soft (fee on all profit once cleared) or hard (on the excess).") var hurdleMode: String?
    @Option(help: "Annual protocol fee.") var protocolFee: String?
    @Option(help: "Protocol share of profit.") var protocolProfitShare: String?

    func apply(to base: FeeTerms) throws -> FeeTerms {
        var f = base
        if let v = managementFee { f.managementFee = try parseDecimal(v, Ppm.self, "--management-fee", positive: false) }
        if let v = performanceFee { f.performanceFee = try parseDecimal(v, Ppm.self, "--performance-fee", positive: false) }
        if let v = hurdle { f.hurdleRate = try parseDecimal(v, Ppm.self, "--hurdle", positive: false) }
        if let v = protocolFee { f.protocolFee = try parseDecimal(v, Ppm.self, "--protocol-fee", positive: false) }
        if let v = protocolProfitShare { f.protocolProfitShare = try parseDecimal(v, Ppm.self, "--protocol-profit-share", positive: false) }
        if let m = hurdleMode {
            switch m {
            case "soft": f.hurdle = .soft
            case "hard": f.hurdle = .hard
            default: throw CLIError("--hurdle-mode: expected soft or hard, got \"\(m)\"")
            }
        }
        if let p = f.problem { throw CLIError(p) }
        return f
    }
}

struct VaultCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a vault with its fee terms.")
    @OptionGroup var options: VaultDBOptions
    @OptionGroup var fees: FeeOptions
    @Argument(help: "Vault name.") var name: String
    @Option(help: "The manager's account name.") var manager: String = "manager"
    @Option(help: "Seconds between a withdrawal request and its payout.") var redeemPeriod: Int64 = 0
    @Option(help: "Seconds after a deposit before a withdrawal may be requested.") var lockup: Int64 = 0
    @Option(help: "Minimum deposit (0 = no minimum).") var minDeposit: String = "1"
    @Option(help: "Capacity: deposits are clamped to the room under it (0 = no cap).") var maxTokens: String?
    @Flag(help: "Only listed depositors may deposit.") var permissioned = false
    @Option(help: "Share of the vault the manager must keep, e.g. 0.05.") var managerMinStake: String?
    @Option(help: "Virtual share offset digits δ (first-depositor attack protection).") var shareOffset: Int = 3

    func run() throws {
        try vaultRun {
            var terms = VaultTerms()
            terms.fees = try fees.apply(to: .none)
            terms.redeemPeriodSeconds = redeemPeriod
            terms.lockUpSeconds = lockup
            terms.minDeposit = try parseDecimal(minDeposit, Amount.self, "--min-deposit", positive: false, max: Bounds.maxAmount)
            terms.maxTokens = try maxTokens.map { try parseDecimal($0, Amount.self, "--max-tokens", positive: false, max: Bounds.maxTotal) }
            terms.permissioned = permissioned
            if let s = managerMinStake { terms.managerMinimumStake = try parseDecimal(s, Ppm.self, "--manager-min-stake", positive: false) }
            guard (0...12).contains(shareOffset) else { throw CLIError("--share-offset: expected 0...12") }
            terms.shareOffsetDigits = shareOffset
            if let p = terms.problem { throw CLIError(p) }
            let time = try options.time()
            let db = try options.open()
            try db.createVault(name: name, terms: terms, manager: manager, at: time)
            let vault = try db.vault(name)
            print(options.json ? VaultJSON.state(vault, at: time, error: nil)
                               : "created vault \(name) (manager \(manager)) in \(options.db)")
        }
    }
}

struct VaultDepositCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deposit", abstract: "Deposit for a depositor (mints shares).")
    @OptionGroup var options: VaultDBOptions
    @Argument(help: "Vault name.") var vault: String
    @Argument(help: "Depositor.") var depositor: String
    @Argument(help: "Amount (USDC), e.g. 1000.50.") var amount: String
    func run() throws {
        try vaultRun {
            let a = try parseDecimal(amount, Amount.self, "amount", max: Bounds.maxAmount)
            try applyAndReport(options, vault: vault, .deposit(depositor: depositor, amount: a)) { r, v in
                "deposited \(r.amount.formatted(minimumDecimals: 2)) for \(depositor): \(r.shares.formatted(decimals: v.shareDecimals)) shares at NAV \(v.sharePrice.formatted(minimumDecimals: 6))"
            }
        }
    }
}

struct VaultRequestWithdrawCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "request-withdraw",
                                                    abstract: "Request a withdrawal by amount, shares or percent; paid after the redeem period.")
    @OptionGroup var options: VaultDBOptions
    @Argument(help: "Vault name.") var vault: String
    @Argument(help: "Depositor.") var depositor: String
    @Option(help: "Amount of USDC.") var amount: String?
    @Option(help: "Number of shares.") var shares: String?
    @Option(help: "Percent of the holding, e.g. 50.") var percent: String?
    func run() throws {
        try vaultRun {
            let given = [amount, shares, percent].compactMap { $0 }
            guard given.count == 1 else { throw CLIError("give exactly one of --amount, --shares or --percent") }
            let db = try options.open()
            let v = try db.vault(vault)
            let unit: WithdrawUnit
            if let amount {
                unit = .amount(try parseDecimal(amount, Amount.self, "--amount", max: Bounds.maxAmount))
            } else if let shares {
                guard let s = VaultOps.parseShares(shares, decimals: v.shareDecimals), s.raw > 0 else {
                    throw CLIError("--shares: expected a positive number with at most \(v.shareDecimals) decimals, got \"\(shares)\"")
                }
                unit = .shares(s)
            } else {
                let p = try parseDecimal(percent!, Ppm.self, "--percent")
                guard p.raw <= 100_000_000, p.raw % 100 == 0 else { throw CLIError("--percent: expected (0, 100] with at most 4 decimals") }
                unit = .percent(Ppm(raw: p.raw / 100))
            }
            try applyAndReport(options, vault: vault, .requestWithdraw(depositor: depositor, unit)) { r, v in
                "\(depositor) requested \(r.shares.formatted(decimals: v.shareDecimals)) shares worth \(r.amount.formatted(minimumDecimals: 2)); payable after \(v.terms.redeemPeriodSeconds) s at the lower of that and their value then"
            }
        }
    }
}

struct VaultCancelWithdrawCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel-withdraw", abstract: "Cancel a pending withdrawal (forfeits the gain since the request).")
    @OptionGroup var options: VaultDBOptions
    @Argument(help: "Vault name.") var vault: String
    @Argument(help: "Depositor.") var depositor: String
    func run() throws {
        try vaultRun {
            try applyAndReport(options, vault: vault, .cancelWithdraw(depositor: depositor)) { r, v in
                "\(depositor) cancelled the request; \(r.shares.formatted(decimals: v.shareDecimals)) shares forfeited"
            }
        }
    }
}

struct VaultWithdrawCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "withdraw", abstract: "Pay out a matured withdrawal request.")
    @OptionGroup var options: VaultDBOptions
    @Argument(help: "Vault name.") var vault: String
    @Argument(help: "Depositor.") var depositor: String
    func run() throws {
        try vaultRun {
            try applyAndReport(options, vault: vault, .withdraw(depositor: depositor)) { r, v in
                "paid \(r.amount.formatted(minimumDecimals: 2)) to \(depositor) for \(r.shares.formatted(decimals: v.shareDecimals)) shares"
            }
        }
    }
}

struct VaultMarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mark", abstract: "Set the vault's equity (marked to the oracle), or mark it invalid.")
    @OptionGroup var options: VaultDBOptions
    @Argument(help: "Vault name.") var vault: String
    @Argument(help: "Equity in USDC.") var equity: String?
    @Flag(help: "Mark the equity invalid (actions that need it are refused).") var invalid = false
    func run() throws {
        try vaultRun {
            let action: VaultAction
            if invalid {
                guard equity == nil else { throw CLIError("give an equity or --invalid, not both") }
                action = .markInvalid
            } else {
                guard let equity else { throw CLIError("equity: missing (or use --invalid)") }
                action = .mark(equity: try parseDecimal(equity, Amount.self, "equity", positive: false, max: Bounds.maxTotal))
            }
            try applyAndReport(options, vault: vault, action) { _, v in
                v.isMarkValid ? "equity \(v.equity.formatted(minimumDecimals: 2)), NAV per share \(v.sharePrice.formatted(minimumDecimals: 6))" : "mark invalid"
            }
        }
    }
}

struct VaultCrystallizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crystallize", abstract: "Charge the performance fee above each depositor's high-water mark.")
    @OptionGroup var options: VaultDBOptions
    @Argument(help: "Vault name.") var vault: String
    @Argument(help: "One depositor (default: all).") var depositor: String?
    func run() throws {
        try vaultRun {
            try applyAndReport(options, vault: vault, .crystallize(depositor.map { .depositor($0) } ?? .all)) { r, _ in
                "performance fee charged: \(r.performanceFee.formatted(minimumDecimals: 2))"
            }
        }
    }
}

struct VaultSetFeesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set-fees", abstract: "Change fees: lowering is instant, raising waits the timelock.")
    @OptionGroup var options: VaultDBOptions
    @OptionGroup var fees: FeeOptions
    @Argument(help: "Vault name.") var vault: String
    func run() throws {
        try vaultRun {
            let time = try options.time()
            let db = try options.open()
            let current = try db.vault(vault).terms.fees
            try applyAndReport(options, vault: vault, .setFees(try fees.apply(to: current))) { r, _ in
                if let at = r.feesEffectiveAt, at > time { return "fee raise pending until t=\(at.seconds)s" }
                return "fees changed"
            }
        }
    }
}

struct VaultTransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "transfer", abstract: "Move shares between depositors.")
    @OptionGroup var options: VaultDBOptions
    @Argument(help: "Vault name.") var vault: String
    @Argument(help: "From depositor.") var from: String
    @Argument(help: "To depositor.") var to: String
    @Argument(help: "Shares.") var shares: String
    func run() throws {
        try vaultRun {
            let db = try options.open()
            let v = try db.vault(vault)
            guard let s = VaultOps.parseShares(shares, decimals: v.shareDecimals), s.raw > 0 else {
                throw CLIError("shares: expected a positive number with at most \(v.shareDecimals) decimals, got \"\(shares)\"")
            }
            try applyAndReport(options, vault: vault, .transfer(from: from, to: to, shares: s)) { r, v in
                "moved \(r.shares.formatted(decimals: v.shareDecimals)) shares (\(r.amount.formatted(minimumDecimals: 2))) from \(from) to \(to)"
            }
        }
    }
}

struct VaultShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a vault: equity, NAV, depositors, fees.")
    @OptionGroup var options: VaultDBOptions
    @Argument(help: "Vault name (default: list the vaults).") var vault: String?
    func run() throws {
        try vaultRun {
            let time = try options.time()
            let db = try options.open()
            guard let vault else {
                for n in try db.vaultNames() { print(n) }
                return
            }
            let v = try db.vault(vault)
            let t = Swift.max(time, v.lastActionAt)
            if options.json {
                print(VaultJSON.state(v, at: t, error: nil))
                return
            }
            let d = v.shareDecimals
            print("vault \(vault): equity \(v.equity.formatted(minimumDecimals: 2))\(v.isMarkValid ? "" : " (mark INVALID)"), \(v.totalShares.formatted(decimals: d)) shares, NAV per share \(v.sharePrice.formatted(minimumDecimals: 6))")
            let f = v.terms.fees
            print("fees: management \(f.managementFee) / yr, performance \(f.performanceFee), hurdle \(f.hurdleRate) (\(f.hurdle)); redeem period \(v.terms.redeemPeriodSeconds) s; charged so far \(v.feeTotals.total.formatted(minimumDecimals: 2))")
            if let p = v.pendingFeeUpdate { print("pending fee change effective at t=\(p.effectiveAt.seconds)s") }
            print(pad("account", 16) + pad("shares", 22) + pad("value", 16) + pad("high-water", 16) + pad("fees paid", 12) + "pending")
            let m = v.manager
            print(pad(m.name + " (manager)", 16) + pad(m.shares.formatted(decimals: d), 22) + pad((v.value(of: m.name, at: t) ?? .zero).formatted(minimumDecimals: 2), 16) + pad("-", 16) + pad("-", 12) + (m.withdrawRequest.map { "\($0.value.formatted(minimumDecimals: 2))" } ?? ""))
            for a in v.depositorAccounts {
                print(pad(a.name, 16) + pad(a.shares.formatted(decimals: d), 22) + pad((v.value(of: a.name, at: t) ?? .zero).formatted(minimumDecimals: 2), 16)
                      + pad(a.highWaterMark.formatted(minimumDecimals: 2), 16) + pad(a.performanceFeesPaid.formatted(minimumDecimals: 2), 12)
                      + (a.withdrawRequest.map { "\($0.value.formatted(minimumDecimals: 2)) from t=\($0.requestedAt.seconds)s" } ?? ""))
            }
        }
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
}

struct VaultHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "The vault's event log (hash-chained).")
    @OptionGroup var options: VaultDBOptions
    @Argument(help: "Vault name.") var vault: String
    @Option(help: "First sequence.") var from: Int64 = 0
    @Option(help: "At most this many events.") var limit: Int = 1000
    func run() throws {
        try vaultRun {
            let db = try options.open()
            for e in try db.events(vault: vault, from: from, limit: limit) {
                let action = e.action.map { "\($0)" } ?? "create"
                if options.json {
                    print(#"{"sequence":\#(e.sequence),"ts":\#(e.time.seconds),"actor":\#(jsonString(e.actor)),"action":\#(jsonString(action)),"equityBefore":\#(VaultJSON.amount(e.equityBefore)),"equityAfter":\#(VaultJSON.amount(e.equityAfter)),"actorValueAfter":\#(VaultJSON.amount(e.actorValueAfter)),"feesAfter":\#(VaultJSON.amount(e.feesAfter.total)),"hash":"\#(e.hash)","previousHash":"\#(e.previousHash)"}"#)
                } else {
                    print("#\(e.sequence) t=\(e.time.seconds)s \(e.actor): \(action) — equity \(e.equityBefore.formatted(minimumDecimals: 2)) → \(e.equityAfter.formatted(minimumDecimals: 2)), \(String("\(e.hash)".prefix(16)))…")
                }
            }
        }
    }
}

struct VaultVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check every stored vault against its hash-chained log (chain + replay).")
    @OptionGroup var options: VaultDBOptions
    @Argument(help: "Vault name (default: all).") var vault: String?
    func run() throws {
        try vaultRun {
            guard let mode = SynchronousMode(rawValue: options.sync) else { throw CLIError("--sync: expected full or normal") }
            let db = try VaultDatabase(path: options.db, synchronous: mode, verifyOnOpen: false)
            let report = try db.verify(vault: vault)
            for v in report.vaults {
                print(options.json ? #"{"vault":\#(jsonString(v.name)),"events":\#(v.eventCount),"lastHash":"\#(v.lastHash)","ok":true}"#
                                   : "\(v.name): \(v.eventCount) events, chain and replay OK, last hash \(v.lastHash)")
            }
            if !options.json { print("verified \(report.eventCount) events in \(report.duration)") }
        }
    }
}
