import MarketCore
import Testing

@testable import VaultLedger

/// The packed in-memory log gives back every event exactly, at the widest values its unchecked
/// writer can meet, and copies of a vault never see each other's appends.
@Suite struct PackedLogTests {
    static let int64s: [Int64] = [0, 1, -1, 127, 128, 255, 256, -256, 1 << 40, -(1 << 40), .max, .min, .max - 1, .min + 1]
    static let int128s: [Int128] = [0, 1, -1, 1 << 64, -(1 << 64), (1 << 100) + 12345, .max, .min, .max - 1, .min + 1]
    static let names = [
        "a", "d1234", "exactly-fifteen", "sixteen-bytes-xx", String(repeating: "n", count: 64),
        String(repeating: "é", count: 200), "\u{212A}", "K", "*", "mgr",
    ]

    static func randomAction(_ g: inout SplitMix64) -> VaultAction {
        let name = names[g.int(names.count)], other = names[g.int(names.count)]
        let a = Amount(raw: int64s[g.int(int64s.count)]), s = Shares(raw: int128s[g.int(int128s.count)])
        switch g.int(16) {
        case 0: return .deposit(depositor: name, amount: a)
        case 1: return .requestWithdraw(depositor: name, .amount(a))
        case 2: return .requestWithdraw(depositor: name, .shares(s))
        case 3: return .requestWithdraw(depositor: name, .percent(Ppm(raw: a.raw)))
        case 4: return .cancelWithdraw(depositor: name)
        case 5: return .withdraw(depositor: name)
        case 6: return .transfer(from: name, to: other, shares: s)
        case 7: return .mark(equity: a)
        case 8: return .markInvalid
        case 9: return .accrue
        case 10: return .crystallize(.depositor(name))
        case 11: return .crystallize(.all)
        case 12:
            return .setFees(
                FeeTerms(
                    managementFee: Ppm(raw: a.raw), performanceFee: Ppm(raw: .max), hurdleRate: Ppm(raw: .min),
                    hurdle: g.int(2) == 0 ? .soft : .hard, protocolFee: Ppm(raw: -1), protocolProfitShare: Ppm(raw: 1)))
        case 13: return .cancelFeeUpdate
        case 14: return .setPermissioned(g.int(2) == 0)
        default: return .setAccess(depositor: name, allowed: g.int(2) == 0)
        }
    }

    static func randomEvent(_ g: inout SplitMix64, sequence: Int64) -> VaultEvent {
        func i64() -> Int64 { int64s[g.int(int64s.count)] }
        func i128() -> Int128 { int128s[g.int(int128s.count)] }
        func fees() -> FeeTotals {
            FeeTotals(
                managementFee: Amount(raw: i64()), protocolFee: Amount(raw: i64()), performanceFee: Amount(raw: i64()),
                protocolProfitShare: Amount(raw: i64()))
        }
        let action = randomAction(&g)
        let actor: String
        switch g.int(4) {
        case 0: actor = action.firstName ?? "*"
        case 1: actor = "mgr"
        case 2: actor = "*"
        default: actor = names[g.int(names.count)]
        }
        return VaultEvent(
            sequence: sequence, time: Timestamp(milliseconds: i64()), entry: .applied(action), actor: actor,
            equityBefore: Amount(raw: i64()), equityAfter: Amount(raw: i64()),
            totalSharesBefore: Shares(raw: i128()), totalSharesAfter: Shares(raw: i128()),
            actorSharesBefore: Shares(raw: i128()), actorSharesAfter: Shares(raw: i128()),
            actorValueBefore: Amount(raw: i64()), actorValueAfter: Amount(raw: i64()),
            feesBefore: fees(), feesAfter: fees(),
            receipt: VaultReceipt(
                sequence: g.int(3) == 0 ? i64() : sequence, amount: Amount(raw: i64()), shares: Shares(raw: i128()),
                performanceFee: Amount(raw: i64()), performanceFeeShares: Shares(raw: i128()),
                managementFee: Amount(raw: i64()),
                feesEffectiveAt: g.int(2) == 0 ? nil : Timestamp(milliseconds: i64())))
    }

    /// Random events at extreme values (every integer width, Int64/Int128 min and max, names
    /// from 1 to 400 bytes, actor codes of each kind, canonically equal but byte-different
    /// names) round-trip exactly, byte for byte, through many regrowths of the storage.
    @Test func randomEventsRoundTripExactly() {
        var g = SplitMix64(seed: 42)
        var log = PackedLog()
        var written: [VaultEvent] = []
        let genesis = VaultEvent(
            sequence: 0, time: .zero, entry: .created(terms: VaultTerms(), manager: "mgr"), actor: "mgr",
            equityBefore: .zero, equityAfter: .zero, totalSharesBefore: .zero, totalSharesAfter: .zero,
            actorSharesBefore: .zero, actorSharesAfter: .zero, actorValueBefore: .zero, actorValueAfter: .zero,
            feesBefore: .zero, feesAfter: .zero, receipt: VaultReceipt())
        log.append(genesis, manager: "mgr")
        written.append(genesis)
        for i in 1...5_000 {
            let e = Self.randomEvent(&g, sequence: Int64(i))
            log.append(e, manager: "mgr")
            written.append(e)
        }
        #expect(log.count == written.count)
        var offset = 0
        for (i, e) in written.enumerated() {
            let (d, next) = log.decode(at: offset, sequence: Int64(i), manager: "mgr")
            #expect(d == e)
            #expect(d.canonicalBytes == e.canonicalBytes)  // same bytes, not only canonically equal names
            if i == written.count - 1 { #expect(offset == log.lastOffset && next == log.endOffset) }
            offset = next
        }
    }

    /// A copied vault and its original append independently (copy-on-write of the packed bytes),
    /// including after the original reserved a large log.
    @Test func copiesDoNotShareAppends() throws {
        var a = try Vault.make(sealing: .onDemand)
        a.reserveEventCapacity(10_000)
        try a.ok(.deposit(depositor: "alice", amount: usd("100")), at: 1)
        var b = a
        try a.ok(.deposit(depositor: "bob", amount: usd("50")), at: 2)
        try b.ok(.deposit(depositor: "carol", amount: usd("70")), at: 2)
        for i in 0..<2_000 { try b.ok(.mark(equity: usd(i % 2 == 0 ? "171" : "170")), at: 3 + Int64(i)) }
        #expect(a.events.count == 3 && b.events.count == 2_003)
        #expect(a.events[2].actor == "bob" && b.events[2].actor == "carol")
        #expect(try Vault.replay(a.events) == a)
        #expect(try Vault.replay(b.events) == b)
        // Copies made only to write (a copy exists, nothing needs to grow) keep the capacity: a
        // long run of snapshot-then-apply does not double the block each time.
        var c = b
        for i in 0..<100 {
            let snapshot = c
            try c.ok(.mark(equity: usd(i % 2 == 0 ? "171" : "170")), at: 3_000 + Int64(i))
            #expect(snapshot.eventCount == c.eventCount - 1)
        }
        #expect(c.events.count == 2_103 && b.events.count == 2_003)
        // Draining one copy leaves the other's buffer alone.
        let drained = b.drainEvents()
        #expect(drained.count == 2_003 && b.events.isEmpty && a.events.count == 3)
    }
}
