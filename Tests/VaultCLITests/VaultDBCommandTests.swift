import Foundation
import MarketCore
import Testing
import VaultLedger
import VaultStore
@testable import VaultCLI

/// The built `mmvault`: `$MMVAULT_BIN`, or next to the test bundle in the build products directory.
func mmvaultBinary() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["MMVAULT_BIN"] { return URL(fileURLWithPath: path) }
    var dirs: [URL] = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") { dirs.append(bundle.bundleURL.deletingLastPathComponent()) }
    if let arg0 = CommandLine.arguments.first { dirs.append(URL(fileURLWithPath: arg0).resolvingSymlinksInPath().deletingLastPathComponent()) }
    for dir in dirs where FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("mmvault").path) {
        return dir.appendingPathComponent("mmvault")
    }
    struct NotFound: Error, CustomStringConvertible {
        var description: String { "mmvault not found next to the tests; run `swift build --build-tests` or set MMVAULT_BIN" }
    }
    throw NotFound()
}

/// Runs `mmvault` (the built binary) and returns its exit code, stdout and stderr.
func runBinary(_ args: [String]) throws -> (code: Int32, out: String, err: String) {
    let bin = try mmvaultBinary()
    let p = Process()
    p.executableURL = bin
    p.arguments = args
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// A class so each test's database (and its WAL files) is removed when the test's instance goes.
@Suite(.serialized) final class VaultDBCommandTests {
    let db = FileManager.default.temporaryDirectory.appendingPathComponent("mmvault-cli-\(UUID()).sqlite").path

    deinit {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
    }

    func vault(_ args: String...) throws -> (code: Int32, out: String, err: String) { try vault(args) }
    func vault(_ args: [String]) throws -> (code: Int32, out: String, err: String) {
        try runBinary(["vault"] + args + ["--db", db])
    }

    @Test func depositorWalkThrough() throws {
        #expect(try vault("create", "alpha", "--manager", "mgr", "--performance-fee", "0.2", "--redeem-period", "86400", "--at", "1000").code == 0)
        // Empty vault: 1000 × (0 + 10^3) / (0 + 1) = 1,000,000 virtual-offset units = 1000 shares at NAV 1.
        let d = try vault("deposit", "alpha", "alice", "1000", "--at", "1000")
        #expect(d.code == 0)
        #expect(d.out == "deposited 1000.00 for alice: 1000.000000000 shares at NAV 1.000000\n")
        #expect(try vault("mark", "alpha", "1200", "--at", "2000").code == 0)
        // Profit 200 above the 1000 mark: fee 20% = 40.00 (the virtual shares take a hair of it).
        let c = try vault("crystallize", "alpha", "--at", "2000")
        #expect(c.code == 0)
        #expect(c.out.hasPrefix("performance fee charged: 39.9"))
        #expect(try vault("request-withdraw", "alpha", "alice", "--percent", "100", "--at", "3000").code == 0)
        let early = try vault("withdraw", "alpha", "alice", "--at", "4000")
        #expect(early.code == 2)
        #expect(early.err == "error: alice's redeem period ends at t=89400s\n")
        let paid = try vault("withdraw", "alpha", "alice", "--at", "90000")
        #expect(paid.code == 0)
        // Alice held every depositor share: value at request 1200 − 40 fee = 1160, and the equity did not move since.
        #expect(paid.out.hasPrefix("paid 1160.00 to alice"))
        let show = try vault("show", "alpha", "--json", "--at", "90000")
        let state = try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as! [String: Any]
        #expect((state["depositors"] as! [String: Any])["alice"] != nil)
        #expect(try vault("verify").out.contains("alpha: 6 events, chain and replay OK"))
    }

    @Test func badInputExitsTwoAndWritesNothing() throws {
        #expect(try vault("create", "beta", "--at", "10").code == 0)
        let before = try VaultDatabase(path: db).events(vault: "beta").count
        for args in [["deposit", "beta", "a", "-5"], ["deposit", "beta", "a", "1.0000001"], ["deposit", "beta", "a", "abc"],
                     ["deposit", "ghost", "a", "10"], ["withdraw", "beta", "nobody"], ["request-withdraw", "beta", "a", "--amount", "5"],
                     ["set-fees", "beta", "--performance-fee", "1.5"], ["deposit", "beta"]] {
            let r = try vault(args + ["--at", "20"])
            #expect(r.code == 2, Comment(rawValue: "\(args)"))
            #expect(r.err.hasPrefix("error: ") || r.err.hasPrefix("Error: "), Comment(rawValue: "\(args): \(r.err)"))
        }
        #expect(try VaultDatabase(path: db).events(vault: "beta").count == before)
    }
}
