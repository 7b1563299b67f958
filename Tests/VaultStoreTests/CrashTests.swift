import Foundation
import MarketCore
import Synchronization
import Testing
import VaultLedger
import VaultWorkloads

@testable import VaultStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `vaultstore-torture` executable: `$VAULTSTORE_TORTURE`, or next to the test bundle in
/// the build products directory.
func tortureBinary() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["VAULTSTORE_TORTURE"] {
        return URL(fileURLWithPath: path)
    }
    var dirs: [URL] = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
    if let exe = Bundle.main.executableURL { dirs.append(exe.deletingLastPathComponent()) }
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        dirs.append(bundle.bundleURL.deletingLastPathComponent())
    }
    if let arg0 = CommandLine.arguments.first {
        dirs.append(URL(fileURLWithPath: arg0).resolvingSymlinksInPath().deletingLastPathComponent())
    }
    for dir in dirs {
        let candidate = dir.appendingPathComponent("vaultstore-torture")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    struct NotFound: Error, CustomStringConvertible {
        var dirs: [URL]
        var description: String {
            "vaultstore-torture not found in \(dirs.map(\.path)); run `swift build --build-tests` or set VAULTSTORE_TORTURE"
        }
    }
    throw NotFound(dirs: dirs)
}

/// One acknowledged transaction as printed by the writer: `ack <sequence> <eventCount> <hash>`.
struct Ack: Hashable {
    var sequence: Int64
    var eventCount: Int64
    var hash: String

    init?(_ line: Substring) {
        let parts = line.split(separator: " ")
        guard parts.count == 4, parts[0] == "ack", let s = Int64(parts[1]), let n = Int64(parts[2]) else { return nil }
        sequence = s
        eventCount = n
        hash = String(parts[3])
    }
}

/// Reads complete lines from a pipe, blocking until each arrives (no sleeps, no polling).
struct LineReader {
    let handle: FileHandle
    var buffer: [UInt8] = []

    /// The next complete line, or nil at end of file.
    mutating func next() -> Substring? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return Substring(line)
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(contentsOf: chunk)
        }
    }
}

/// Busy work the optimiser cannot drop.
@inline(never) func spin(_ iterations: Int) {
    var x: UInt64 = 1
    for _ in 0..<iterations { x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
    spinSink.withLock { $0 ^= x }
}
let spinSink = Mutex<UInt64>(0)

@Suite(.serialized) struct CrashTests {
    /// Rounds of: start the writer, wait for a random number of acknowledgements, SIGKILL it
    /// (it is always in the middle of something: the writer never pauses), reopen with
    /// verification and check that nothing acknowledged was lost and nothing partial survived.
    @Test func sigkillLosesNoAcknowledgedActionAndLeavesNothingPartial() throws {
        let binary = try tortureBinary()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("crash.sqlite").path
        let rounds = 50
        var rng = SplitMix64(seed: 20_251_125)
        var acked: [Int64: String] = [:]  // every acknowledged sequence → its hash, over all rounds
        var lastAcked: Int64? = nil
        var killedBeforeAnyAck = 0
        var unacknowledgedCommits = 0
        var lateAcks = 0
        var previousStored: Int64? = nil

        for round in 0..<rounds {
            // Every tenth round dies before its first ack (during open, migration or creation).
            let killAfter = round % 10 == 3 ? 0 : Int(rng.next() % 40) + 1
            let process = Process()
            process.executableURL = binary
            process.arguments = [
                "--db", path, "--seed", String(9_000 + round), "--ops", "1000000",
                "--synchronous", round % 2 == 0 ? "full" : "normal",
            ]
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            var reader = LineReader(handle: out.fileHandleForReading)
            var roundAcks: [Ack] = []
            while roundAcks.count < killAfter, let line = reader.next() {
                guard let ack = Ack(line) else {
                    Issue.record("round \(round): unexpected output \(line)")
                    break
                }
                roundAcks.append(ack)
            }
            // Let the writer run on for a seeded random amount of our own work (0 to a few of its
            // transactions; no sleeping, no clock), so the kill lands anywhere in a transaction:
            // before the commit, inside the WAL write or sync, at a checkpoint, or after the
            // commit and before the ack.
            spin(Int(rng.next() % 400_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let stoppedEarly = roundAcks.count < killAfter
            // The writer ran on between the ack we stopped at and the kill: the acks it printed
            // meanwhile are acknowledgements too. Read them to the end of the pipe.
            while let line = reader.next() {
                // A line cut by the kill is not an ack; anything else must be.
                guard let ack = Ack(line) else { continue }
                roundAcks.append(ack)
            }
            if stoppedEarly {
                let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                Issue.record("round \(round): the writer stopped by itself after \(roundAcks.count) acks: \(message)")
                return
            }
            #expect(process.terminationReason == .uncaughtSignal, "round \(round)")
            // Acks arrive in order, one event each.
            for (i, ack) in roundAcks.enumerated() {
                #expect(ack.eventCount == ack.sequence + 1)
                if i > 0 { #expect(ack.sequence == roundAcks[i - 1].sequence + 1) }
                else if let lastAcked { #expect(ack.sequence > lastAcked) }
                acked[ack.sequence] = ack.hash
            }
            if roundAcks.isEmpty { killedBeforeAnyAck += 1 }
            lateAcks += roundAcks.count - killAfter
            lastAcked = roundAcks.last?.sequence ?? lastAcked

            // Reopen: migrations, hash chain, replay, snapshot and account rows all verified.
            let db = try VaultDatabase(path: path)
            guard try db.vaultNames().contains("torture") else {
                #expect(lastAcked == nil, "round \(round): the vault vanished")
                continue
            }
            let vault = try db.vault("torture")
            let stored = vault.eventCount - 1
            // Every acknowledged action is there, nothing stored before is lost…
            if let lastAcked { #expect(stored >= lastAcked, "round \(round): acknowledged event \(lastAcked) lost") }
            if let previousStored { #expect(stored >= previousStored, "round \(round): stored events lost") }
            // … and at most the one transaction in flight at the kill committed without its ack
            // (the creation event prints no ack either).
            let known = max(lastAcked ?? 0, previousStored ?? 0)
            #expect(stored <= known + 1, "round \(round): event \(stored) is past the last ack \(lastAcked ?? -1)")
            if stored > known { unacknowledgedCommits += 1 }
            previousStored = stored
            let events = try db.events(vault: "torture")
            #expect(Int64(events.count) == vault.eventCount)
            for event in events where acked[event.sequence] != nil {
                #expect(acked[event.sequence] == event.hash.description, "round \(round): event \(event.sequence) changed")
            }
            #expect(acked.keys.allSatisfy { $0 <= stored })
            // The log replays to the stored state, which satisfies the ledger's invariants.
            let replayed = try Vault.replay(events)
            replayed.checkInvariants()
            #expect(replayed.drained == vault)
            let report = try db.verify()
            #expect(report.vaults.map(\.eventCount) == [vault.eventCount])
            #expect(report.vaults.first?.lastHash == replayed.lastHash)
        }
        #expect(acked.count >= rounds * 10, "too few acknowledged actions (\(acked.count)) to mean anything")
        #expect(killedBeforeAnyAck >= rounds / 10)
        print(
            "crash test: \(rounds) SIGKILLs (\(killedBeforeAnyAck) before any ack), \(acked.count) acknowledged actions all present (\(lateAcks) printed between the awaited ack and the kill), \(unacknowledgedCommits) kills landed after a commit and before its ack")
    }
}
