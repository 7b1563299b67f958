import ArgumentParser
import Foundation
import MarketCore
import VaultLedger

/// `mmvault vault replay`: vault operations as JSON lines on an in-memory ledger; the state after each.
struct VaultReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run vault operations (JSON lines) on an in-memory ledger and print the state after each.",
        discussion: """
        First line: {"op":"create","ts":0,"managementFeePpm":20000,"performanceFeePpm":200000,"hurdlePpm":0,
          "hurdleMode":"soft","redeemPeriodSeconds":86400,"minDeposit":"10","maxTokens":"1000000","lockupSeconds":0,"manager":"mgr"}
        Then: deposit {depositor, amount} · requestWithdraw {depositor, amount | shares | percent} · cancelWithdraw {depositor}
          · withdraw {depositor} · mark {equity} or {valid:false} · crystallize {depositor?} · transfer {from, to, shares}
          · setFees {…Ppm fields} · advance · setPermissioned {permissioned} · setAccess {depositor, allowed}; each with ts (seconds).
        A refused op prints the unchanged state with "error"; a malformed line stops with exit code 2.
        """
    )

    @Argument(help: "Input file of JSON lines, or '-' for stdin.")
    var input: String = "-"

    func run() throws {
        var out = OutputBuffer()
        do {
            var session = VaultReplaySession()
            var lineNo = 0
            for line in try readLines(input) {
                lineNo += 1
                if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
                out.line(try session.apply(line: line, number: lineNo))
            }
            out.flush()
        } catch let e as InputError {
            out.flush()
            FileHandle.standardError.write(Data("error: \(e.message)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// One in-memory vault driven by op lines.
struct VaultReplaySession {
    var vault: Vault?
    var lastTs: Int64 = .min

    mutating func apply(line: Substring, number: Int) throws -> String {
        var f = try JSONFields.parseObject(line, context: "line \(number)")
        let op = try f.string("op")
        let ts = try f.int("ts")
        guard ts >= 0 else { throw f.fail("ts", "expected a non-negative integer (seconds)") }
        guard ts >= lastTs else { throw f.fail("ts", "must not decrease (previous \(lastTs))") }
        let time = Timestamp(seconds: ts)
        if op == "create" {
            guard vault == nil else { throw f.fail("op", "the vault already exists (create must be the first op, once)") }
            let manager = try f.optionalString("manager") ?? "manager"
            let terms = try VaultOps.terms(&f)
            try f.rejectUnknown()
            do {
                vault = try Vault(terms: terms, manager: manager, createdAt: time)
            } catch {
                throw f.fail("create", "\(error)")
            }
            lastTs = ts
            return VaultJSON.state(vault!, at: time, error: nil)
        }
        guard var v = vault else { throw f.fail("op", "the first op must be create") }
        let action = try VaultOps.action(op, &f, vault: v)
        try f.rejectUnknown()
        lastTs = ts
        switch v.apply(action, at: time) {
        case .success:
            _ = v.drainEvents()
            vault = v
            return VaultJSON.state(v, at: time, error: nil)
        case .failure(let e):
            return VaultJSON.state(vault!, at: time, error: "\(e)")
        }
    }
}
