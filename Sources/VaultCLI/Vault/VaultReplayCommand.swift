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
        Bounds: ts in 0...253402300799 seconds; amounts in (0, 100000000000]; equity and maxTokens at most
        1000000000000. CRLF line endings are accepted; a repeated key is refused.
        A refused op prints the unchanged state with "error"; a malformed line stops with exit code 2 (the
        state lines of every earlier line are written first).
        """
    )

    @Argument(help: "Input file of JSON lines, or '-' for stdin.")
    var input: String = "-"

    func run() throws {
        var out = OutputBuffer()
        do {
            var session = VaultReplaySession()
            var reader = try LineReader(path: input)
            while let line = try reader.next() {
                if isBlank(line) { continue }
                out.line(try session.apply(line: line, number: reader.lineNumber))
                out.flush()  // each state line is out before the next line is read
            }
            out.flush()
        } catch let e as InputError {
            out.flush()
            writeError("error: \(e.message)")
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
        let ts = try f.seconds("ts")
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
