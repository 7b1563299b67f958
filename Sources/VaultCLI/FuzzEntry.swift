import MarketCore
import Matching
import VaultLedger

/// Entry points for the libFuzzer target (`Sources/MMVaultFuzz`, built only by `.ci/fuzz`).
///
/// Each feeds raw bytes through the same readers and sessions as `mmvault match`,
/// `mmvault vault replay` and `--market FILE`: ``LineReader`` splits the lines (CRLF, BOM,
/// UTF-8 check), ``JSONFields`` parses and bounds every field, and the session drives the
/// engine and renders every event. A refused input (a thrown error) is an answer, not a
/// finding; only a trap is. After every line the engine's invariants are checked and a broken
/// one traps, so the fuzzer also reports value created or destroyed, not only crashes.
public enum FuzzEntry {
    /// Match ops (JSON lines) on a market: `market` holds a market file's bytes, nil = the default
    /// market. Returns the number of op lines applied before the end or the first refused line, or
    /// nil when the market file itself is refused.
    @discardableResult
    public static func match(_ lines: [UInt8], market: [UInt8]? = nil) -> Int? {
        let file: MarketFile
        if let market {
            guard let parsed = try? MarketFile.parse(market, name: "market") else { return nil }
            file = parsed
        } else {
            file = MarketFile.default
        }
        var session = MatchSession(file: file)
        var out = OutputBuffer(capture: true)
        var reader = LineReader(bytes: lines, name: "fuzz")
        var applied = 0
        do {
            while let line = try reader.next() {
                if isBlank(line) { continue }
                try session.apply(line: line, number: reader.lineNumber, out: &out)
                out.captured!.removeAll(keepingCapacity: true)
                checkInvariants(session)
                applied += 1
            }
        } catch {
            // Refused input: the run stops here, as the CLI's does (exit code 2).
        }
        _ = session.summary()
        return applied
    }

    /// Vault replay ops (JSON lines) on an in-memory ledger. Returns the number of op lines
    /// applied (a refused op counts: its state line carries the error) before the end or the
    /// first malformed line.
    @discardableResult
    public static func replay(_ lines: [UInt8]) -> Int {
        var session = VaultReplaySession()
        var reader = LineReader(bytes: lines, name: "fuzz")
        var applied = 0
        do {
            while let line = try reader.next() {
                if isBlank(line) { continue }
                _ = try session.apply(line: line, number: reader.lineNumber)
                session.vault?.checkInvariants()
                applied += 1
            }
        } catch {
            // Malformed input: the run stops here, as the CLI's does (exit code 2).
        }
        return applied
    }

    /// A market file alone; true when it is accepted.
    @discardableResult
    public static func marketFile(_ bytes: [UInt8]) -> Bool {
        guard let file = try? MarketFile.parse(bytes, name: "market") else { return false }
        _ = MatchSession(file: file)
        return true
    }

    /// What the tests check after every command: an uncrossed, consistent book, base netting to
    /// zero, and quote moving only through deposits and withdrawals.
    static func checkInvariants(_ session: MatchSession) {
        let v = session.venue
        for m in v.markets {
            m.book.checkInvariants()
            precondition(m.conservation.base == 0, "base not conserved: \(m.conservation.base)")
        }
        precondition(v.quoteSupply == v.netDeposits, "quote not conserved: supply \(v.quoteSupply) != net deposits \(v.netDeposits)")
    }
}
