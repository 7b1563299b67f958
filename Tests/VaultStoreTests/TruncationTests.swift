import Foundation
import Testing
import VaultLedger

@testable import VaultStore

/// A store's file cut short must give an error, never a crash. The verifier reads with `pread`;
/// a memory map (`PRAGMA mmap_size`, considered for speed) would raise `SIGBUS` on a read past the
/// end of a file shorter than the map, killing the process: these tests cut a store's file short,
/// before opening it (an error) and between two verifications of an open store (an error, or
/// the cached committed pages' same report), and check that no map of the file outlives a
/// verification.
@Suite struct TruncationTests {
    /// A file store holding one vault of `count` events, its log checkpointed into the main
    /// file (an empty WAL), so that cutting the file cuts event pages.
    static func store(at path: String, count: Int) throws -> VaultDatabase {
        let db = try VaultDatabase(path: path)
        try db.importVault(name: "v", events: try ReplayEquivalenceTests.log(seed: 11, count: count))
        try db.unsafeExecute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        return db
    }

    /// Cuts the file at `path` to `fraction` of its size.
    static func cut(_ path: String, to fraction: Double) throws {
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(Double(size) * fraction) / 4096 * 4096)
        try handle.close()
    }

    /// Whether this process has `path` memory-mapped (Linux: `/proc/self/maps`; elsewhere
    /// always false).
    static func isMapped(_ path: String) -> Bool {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return false }
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        return maps.split(separator: "\n").contains { $0.hasSuffix(real) || $0.hasSuffix(path) }
    }

    @Test func aFileCutShortBeforeOpeningIsAnError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("cut.sqlite").path
        do { _ = try Self.store(at: path, count: 3_000) }
        for fraction in [0.9, 0.5, 0.1] {
            try Self.cut(path, to: fraction)
            #expect(throws: (any Error).self, "file cut to \(fraction)") { _ = try VaultDatabase(path: path) }
        }
    }

    @Test func aFileCutShortBetweenVerificationsNeverCrashesAndNeverStaysMapped() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("open.sqlite").path
        let db = try Self.store(at: path, count: 3_000)
        // Had the verification mapped the file (at its whole size) and kept the map, reading
        // through it after the cut would raise SIGBUS.
        let report = try db.verify()
        #expect(report.eventCount == 3_001)
        #expect(!Self.isMapped(path), "the verifier's map of the file outlived the verification")
        // The same connections, the file now half as long: pages past the new end are short
        // reads, an error. (Pages still in the reader's own page cache — this small store fits
        // in it — are the committed ones: then the same report. Never a crash.)
        try Self.cut(path, to: 0.5)
        if let again = try? db.verify() {
            #expect(again.vaults.map(\.lastHash) == report.vaults.map(\.lastHash))
            #expect(again.eventCount == report.eventCount)
        }
        #expect(!Self.isMapped(path))
    }

    @Test func verifyingTwiceGivesTheSameReport() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try Self.store(at: dir.appendingPathComponent("twice.sqlite").path, count: 2_000)
        let first = try db.verify(), second = try db.verify()
        #expect(first.vaults.map(\.lastHash) == second.vaults.map(\.lastHash))
        #expect(first.eventCount == 2_001 && second.eventCount == 2_001)
    }
}
