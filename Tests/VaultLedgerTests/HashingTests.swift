import MarketCore
import Testing
import VaultLedger

/// ``VaultEvent/computeHash()`` encodes into a stack buffer and hashes it in one call; these
/// check it against SHA-256 of ``VaultEvent/canonicalBytes`` (built byte by byte, another path)
/// for ordinary events and for events too long for the buffer (hashed in pieces).
@Suite struct HashingTests {
    func event(actor: String, depositor: String) -> VaultEvent {
        VaultEvent(
            sequence: 7, time: Timestamp(milliseconds: 123_456), entry: .applied(.deposit(depositor: depositor, amount: Amount(raw: 42))),
            actor: actor, equityBefore: Amount(raw: 1), equityAfter: Amount(raw: 43), totalSharesBefore: Shares(raw: 5),
            totalSharesAfter: Shares(raw: 1 << 100), actorSharesBefore: .zero, actorSharesAfter: Shares(raw: -3),
            actorValueBefore: .zero, actorValueAfter: Amount(raw: 9), feesBefore: .zero,
            feesAfter: FeeTotals(managementFee: Amount(raw: 1), protocolFee: Amount(raw: 2), performanceFee: Amount(raw: 3), protocolProfitShare: Amount(raw: 4)),
            receipt: VaultReceipt(sequence: 7, amount: Amount(raw: 42), feesEffectiveAt: Timestamp(milliseconds: 5)),
            previousHash: SHA256Digest(1, 2, 3, 0xFFFF_FFFF_FFFF_FFFF))
    }

    @Test(arguments: [0, 1, 15, 64, 600, 1000, 1024, 3000])
    func scratchHashMatchesTheCanonicalBytes(nameLength: Int) {
        // Lengths around and far past the 1 KiB scratch buffer, and a non-ASCII name.
        let long = String(repeating: "x", count: max(nameLength, 1))
        for e in [event(actor: long, depositor: "alice"), event(actor: "bob", depositor: long), event(actor: "é€𝄞", depositor: long)] {
            #expect(e.computeHash() == SHA256Digest(hashing: e.canonicalBytes))
        }
    }

    @Test func aLedgerEventHashesAsSHA256OfItsBytes() throws {
        var v = try Vault(terms: VaultTerms(), manager: "mgr", createdAt: .zero)
        _ = v.apply(.deposit(depositor: "alice", amount: Amount(raw: 1_000_000)), at: Timestamp(seconds: 1))
        for e in v.events {
            #expect(e.hash == SHA256Digest(hashing: e.canonicalBytes))
            #expect(e.isHashValid)
        }
    }
}
