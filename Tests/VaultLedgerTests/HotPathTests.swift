import MarketCore
import Testing

@testable import VaultLedger

/// The ledger's hot-path shortcuts against the paths they replace: the stack SHA-256 hasher,
/// hashing each event from its figures when sealing every action, the ASCII name index in front
/// of the name dictionary, the packed reader's 8-byte loads and the 64-bit division fast paths.
@Suite struct HotPathTests {
    // MARK: SHA-256 (SHA256Hasher on a stack context)

    /// FIPS 180-4 vectors fed in two pieces split at every offset (and with empty updates): the
    /// context carries partial blocks across updates exactly.
    @Test func hasherSplitsAtEveryOffset() {
        let vectors: [(String, String)] = [
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
            (
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
            ),
        ]
        for (message, hex) in vectors {
            let bytes = Array(message.utf8)
            for split in 0...bytes.count {
                var h = SHA256Hasher()
                bytes.withUnsafeBytes { all in
                    h.update(UnsafeRawBufferPointer(rebasing: all[..<split]))
                    h.update(UnsafeRawBufferPointer(start: nil, count: 0))
                    h.update(UnsafeRawBufferPointer(rebasing: all[split...]))
                }
                #expect(h.finalize().description == hex, "split at \(split)")
            }
        }
        var empty = SHA256Hasher()
        #expect(empty.finalize().description == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// The long FIPS vector (1,000,000 × 'a') in 1,000 updates of 1,000 bytes.
    @Test func hasherLongMessageInPieces() {
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        var h = SHA256Hasher()
        for _ in 0..<1000 { chunk.withUnsafeBytes { h.update($0) } }
        #expect(h.finalize().description == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    // MARK: Hashing each event from its figures

    /// On random terms and actions (every actor kind: a depositor, the manager, `*`), a vault
    /// sealing every action (each event hashed from the figures just applied) and one sealing on
    /// demand (each event decoded from the packed log, then hashed) agree on every hash after
    /// every action, refused or not; and every hash is SHA-256 of the event's canonical bytes,
    /// built byte by byte.
    @Test func hashingAsAppliedMatchesHashingOnDemand() throws {
        var kinds = Set<String>()
        for seed in Int64(1)...Int64(40) {
            var s = RandomScenario(seed: seed)
            let terms = s.terms()
            guard var eager = try? Vault(terms: terms, manager: "mgr", createdAt: .zero, sealing: .everyAction),
                var lazy = try? Vault(terms: terms, manager: "mgr", createdAt: .zero, sealing: .onDemand)
            else {
                Issue.record("random terms must be valid")
                return
            }
            if terms.managerMinimumStake.raw > 0 {
                _ = eager.apply(.deposit(depositor: "mgr", amount: usd("1000")), at: .zero)
                _ = lazy.apply(.deposit(depositor: "mgr", amount: usd("1000")), at: .zero)
            }
            for _ in 0..<150 {
                s.time += s.advance()
                let action = s.action(eager)
                let a = eager.apply(action, at: sec(s.time)), b = lazy.apply(action, at: sec(s.time))
                #expect(a == b, "seed \(seed): \(action)")
                // `seal()` decodes the new packed record and hashes it: the other path.
                let sealed = lazy.seal()
                #expect(eager.lastHash == sealed, "seed \(seed): \(action)")
                if case .success = a, let e = eager.lastEvent { kinds.insert(e.actor == "*" ? "*" : e.actor == "mgr" ? "mgr" : "depositor") }
            }
            let events = eager.events
            #expect(events == lazy.events, "seed \(seed)")
            for e in events { #expect(e.hash == SHA256Digest(hashing: e.canonicalBytes), "seed \(seed), event \(e.sequence)") }
            try Vault.verifyChain(events)
            lazy.seal()
            #expect(lazy == eager, "seed \(seed)")
        }
        #expect(kinds.count == 3, "the scenarios must cover every actor kind, got \(kinds)")
    }

    // MARK: Adopting stored events (records compared as bytes)

    /// A vault (sealing every action) after 60 random actions of `RandomScenario(seed:)`, and its terms.
    static func randomHistory(seed: Int64) throws -> (VaultTerms, Vault) {
        var s = RandomScenario(seed: seed)
        let terms = s.terms()
        var source = try Vault(terms: terms, manager: "mgr", createdAt: .zero, sealing: .everyAction)
        if terms.managerMinimumStake.raw > 0 { _ = source.apply(.deposit(depositor: "mgr", amount: usd("1000")), at: .zero) }
        for _ in 0..<60 {
            s.time += s.advance()
            _ = source.apply(s.action(source), at: sec(s.time))
        }
        return (terms, source)
    }

    /// One edit of each field of an event apart from its time and hashes (the tests add those
    /// they check), named.
    static var figureEdits: [(String, (inout VaultEvent) -> Void)] { [
        ("sequence", { $0.sequence += 1 }), ("actor", { $0.actor += "x" }), ("action", { $0.entry = .applied(.accrue) }),
        ("equityBefore", { $0.equityBefore.raw += 1 }), ("equityAfter", { $0.equityAfter.raw -= 1 }),
        ("totalSharesBefore", { $0.totalSharesBefore.raw += 1 }), ("totalSharesAfter", { $0.totalSharesAfter.raw += 1 << 80 }),
        ("actorSharesBefore", { $0.actorSharesBefore.raw -= 1 }), ("actorSharesAfter", { $0.actorSharesAfter.raw += 1 }),
        ("actorValueBefore", { $0.actorValueBefore.raw += 1 }), ("actorValueAfter", { $0.actorValueAfter.raw += 1 }),
        ("feesBefore", { $0.feesBefore.protocolFee.raw += 1 }), ("feesAfter", { $0.feesAfter.performanceFee.raw += 1 }),
        ("receipt.sequence", { $0.receipt.sequence += 1 }), ("receipt.amount", { $0.receipt.amount.raw += 1 }),
        ("receipt.shares", { $0.receipt.shares.raw += 1 }), ("receipt.managementFee", { $0.receipt.managementFee.raw += 1 }),
        ("receipt.performanceFee", { $0.receipt.performanceFee.raw += 1 }),
        ("receipt.performanceFeeShares", { $0.receipt.performanceFeeShares.raw += 1 }),
        ("receipt.feesEffectiveAt", { $0.receipt.feesEffectiveAt = $0.receipt.feesEffectiveAt == nil ? $0.time : nil }),
    ] }

    /// A vault rebuilt on demand from a random history adopts exactly that history; the same
    /// history with any one field of one event changed (each field in turn, hashes left as they
    /// were) is refused and leaves the rebuilt vault as it was.
    @Test func adoptingAcceptsOnlyTheSameEvents() throws {
        for seed in Int64(1)...Int64(6) {
            let (terms, source) = try Self.randomHistory(seed: seed)
            let events = source.events
            func rebuilt() throws -> Vault {
                var v = try Vault(terms: terms, manager: "mgr", createdAt: .zero, sealing: .onDemand)
                for e in events.dropFirst() { _ = try v.apply(#require(e.action), at: e.time).get() }
                return v
            }
            var whole = try rebuilt()
            let adopted = whole.drainEvents(adopting: events)
            #expect(adopted, "seed \(seed)")
            #expect(whole.lastHash == source.lastHash && whole.eventCount == source.eventCount)

            let edits = [("time", { (e: inout VaultEvent) in e.time = Timestamp(milliseconds: e.time.milliseconds + 1) })] + Self.figureEdits
            let before = try rebuilt()
            for (field, edit) in edits {
                for i in [1, events.count / 2, events.count - 1] where i >= 1 {
                    var edited = events
                    edit(&edited[i])
                    if edited[i] == events[i] { continue }  // the edit changed nothing (e.g. an action already `accrue`)
                    var v = before
                    let adopted = v.drainEvents(adopting: edited)
                    #expect(!adopted, "seed \(seed): \(field) of event \(i) edited")
                    #expect(v == before, "a refused adoption changed the vault")
                }
            }
        }
    }

    /// `reapply` (the verifier's re-execution, one event at a time, nothing buffered) accepts
    /// exactly the stored history: replaying a random history event by event ends in the vault
    /// that adopting the whole history gives; the same history with any one field of one event
    /// changed (each field in turn, and `previousHash`) is refused at that event. It also
    /// refuses while events are buffered, and an event whose action the vault refuses.
    @Test func reapplyAcceptsOnlyTheSameEvents() throws {
        var refusedEdits = 0
        for seed in Int64(1)...Int64(6) {
            let (terms, source) = try Self.randomHistory(seed: seed)
            let events = source.events
            #expect(events.count > 20, "seed \(seed): too few applied actions to test anything")
            func fresh() throws -> Vault {
                var v = try Vault(terms: terms, manager: "mgr", createdAt: .zero, sealing: .onDemand)
                let early = v.reapply(events[1])
                #expect(!early, "reapply with the creation event still buffered")
                let adopted = v.drainEvents(adopting: [events[0]])
                #expect(adopted)
                return v
            }
            // The reference: the whole history re-applied, then adopted at once.
            var whole = try Vault(terms: terms, manager: "mgr", createdAt: .zero, sealing: .onDemand)
            for e in events.dropFirst() { _ = try whole.apply(#require(e.action), at: e.time).get() }
            let adoptedWhole = whole.drainEvents(adopting: events)
            #expect(adoptedWhole)

            var v = try fresh()
            for (i, e) in events.enumerated().dropFirst() {
                let accepted = v.reapply(e)
                #expect(accepted, "seed \(seed): event \(i) refused")
            }
            #expect(v == whole, "seed \(seed): reapplied vault differs from the adopted one")
            #expect(v.lastHash == source.lastHash && v.eventCount == source.eventCount)
            let twice = v.reapply(events[events.count - 1])
            #expect(!twice, "the same event twice")

            // Every field but `time` and `hash`: the action is re-applied at the stored time, so an
            // event moved in time is checked by what re-executing it there gives (as `Vault.replay`
            // does), and its hash (which covers the time) is the caller's check.
            let edits = Self.figureEdits + [("previousHash", { (e: inout VaultEvent) in e.previousHash = SHA256Digest(hashing: [1, 2, 3]) })]
            for i in [1, events.count / 2, events.count - 1] {
                // The vault just before event i, built once per position.
                var before = try fresh()
                for e in events[1..<i] {
                    let accepted = before.reapply(e)
                    #expect(accepted)
                }
                for (field, edit) in edits {
                    var edited = events[i]
                    edit(&edited)
                    if edited == events[i] { continue }  // the edit changed nothing (e.g. an action already `accrue`)
                    var w = before
                    let accepted = w.reapply(edited)
                    #expect(!accepted, "seed \(seed): \(field) of event \(i) edited")
                    if !accepted { refusedEdits += 1 }
                }
                // The unedited event is still accepted there.
                var w = before
                let unedited = w.reapply(events[i])
                #expect(unedited)
            }
        }
        // 6 seeds × 3 positions × 21 edits, less the few edits that change nothing.
        #expect(refusedEdits >= 6 * 3 * 19)
    }

    /// `reapply` refuses an event whose action the vault refuses (a withdrawal by nobody) where
    /// it accepts the real one.
    @Test func reapplyRefusesARefusedAction() throws {
        let terms = VaultTerms()
        var source = try Vault(terms: terms, manager: "mgr", createdAt: .zero, sealing: .everyAction)
        _ = try source.apply(.deposit(depositor: "alice", amount: usd("100")), at: sec(10)).get()
        let events = source.events
        var v = try Vault(terms: terms, manager: "mgr", createdAt: .zero, sealing: .onDemand)
        let adopted = v.drainEvents(adopting: [events[0]])
        #expect(adopted)
        var forged = events[1]
        forged.entry = .applied(.withdraw(depositor: "nobody"))
        forged.actor = "nobody"
        var w = v
        let refused = w.reapply(forged)
        #expect(!refused)
        #expect(w == v, "a refused action changed the vault")
        let accepted = v.reapply(events[1])
        #expect(accepted)
    }

    /// `reapply` refuses, changing nothing, while events are buffered, even an event that is
    /// the next one, chained to the last and applicable (without that check it would be applied).
    @Test func reapplyRefusesWhileEventsAreBuffered() throws {
        var source = try Vault(terms: VaultTerms(), manager: "mgr", createdAt: .zero, sealing: .everyAction)
        _ = try source.apply(.deposit(depositor: "alice", amount: usd("100")), at: sec(10)).get()
        let events = source.events
        var v = try Vault(terms: VaultTerms(), manager: "mgr", createdAt: .zero, sealing: .onDemand)
        let adopted = v.drainEvents(adopting: [events[0]])
        #expect(adopted)
        _ = try v.apply(.deposit(depositor: "bob", amount: usd("50")), at: sec(20)).get()  // buffered
        var forged = events[1]
        forged.sequence = v.eventCount
        forged.previousHash = v.head
        forged.time = sec(30)
        let before = v
        let accepted = v.reapply(forged)
        #expect(!accepted)
        #expect(v == before, "a refusal for buffered events changed the vault")
    }

    /// A name and a canonically equivalent one with other bytes ("K" and the Kelvin sign) are
    /// equal to Swift's `==` but make different events (other bytes, other hashes), as
    /// `Vault.replay` finds: `reapply` and `drainEvents(adopting:)` refuse a stored event whose
    /// actor is spelled the other way, and accept the real one.
    @Test func adoptingAndReapplyCompareBytes() throws {
        let kelvin = "\u{212A}"
        #expect(kelvin == "K" && Array(kelvin.utf8) != Array("K".utf8))  // the trap itself
        // Re-execution: a deposit by "K", its stored actor spelled as the Kelvin sign and rehashed.
        var source = try Vault(terms: VaultTerms(), manager: "mgr", createdAt: .zero, sealing: .everyAction)
        _ = try source.apply(.deposit(depositor: "K", amount: usd("100")), at: sec(10)).get()
        let events = source.events
        var forged = events[1]
        forged.actor = kelvin
        forged.hash = forged.computeHash()
        #expect(throws: VaultLogError.self) { try Vault.replay([events[0], forged]) }  // the authority
        var v = try Vault(terms: VaultTerms(), manager: "mgr", createdAt: .zero, sealing: .onDemand)
        let adopted = v.drainEvents(adopting: [events[0]])
        #expect(adopted)
        var w = v
        let forgedAccepted = w.reapply(forged)
        #expect(!forgedAccepted)
        let realAccepted = v.reapply(events[1])
        #expect(realAccepted)
        // Adoption: a creation event whose actor, the manager "K", is spelled as the Kelvin sign.
        let made = try Vault(terms: VaultTerms(), manager: "K", createdAt: .zero, sealing: .onDemand)
        var creation = made.events
        creation[0].actor = kelvin
        creation[0].hash = creation[0].computeHash()
        #expect(throws: VaultLogError.self) { try Vault.replay(creation) }
        var m = made
        let forgedAdopted = m.drainEvents(adopting: creation)
        #expect(!forgedAdopted)
        m = made
        let realAdopted = m.drainEvents(adopting: made.events)
        #expect(realAdopted)
    }

    // MARK: ASCII name index

    /// Lookups through the index agree with a dictionary of the same names, for a table grown
    /// well past its first size (many colliding buckets), names of every length up to 64 bytes,
    /// and non-ASCII names (never indexed).
    @Test func asciiIndexAgreesWithADictionary() {
        var g = SplitMix64(seed: 7)
        var depositors = ContiguousArray<VaultAccount>()
        var index = AsciiNameIndex()
        var reference: [String: Int] = [:]
        func randomName() -> String {
            let length = 1 + g.int(64)
            let alphabet = Array("abcXYZ019-_.".utf8)
            var bytes = (0..<length).map { _ in alphabet[g.int(alphabet.count)] }
            if g.int(10) == 0 { bytes[g.int(bytes.count)] = 0xC3; bytes.append(0xA9) }  // é: not ASCII
            return String(decoding: bytes, as: UTF8.self)
        }
        for _ in 0..<3_000 {
            let name = randomName()
            if reference[name] != nil { continue }
            depositors.append(VaultAccount(name: name, role: .depositor, pointsIndex: 0, hurdleIndex: 0))
            reference[name] = depositors.count - 1
            index.add(depositors.count - 1, in: depositors)
        }
        #expect(index.count == reference.keys.filter { $0.utf8.allSatisfy { $0 < 0x80 } }.count)
        for (name, i) in reference {
            let ascii = name.utf8.allSatisfy { $0 < 0x80 }
            #expect(index.index(of: name, in: depositors) == (ascii ? i : nil), "\(name)")
        }
        for _ in 0..<3_000 {
            let name = randomName()
            if reference[name] == nil { #expect(index.index(of: name, in: depositors) == nil, "\(name)") }
        }
    }

    /// Names that are canonically equivalent but byte-different (`K` and the Kelvin sign U+212A)
    /// are one account, in either order, as they were with the dictionary alone.
    @Test func canonicallyEquivalentNamesStayOneAccount() throws {
        for (first, second) in [("K", "\u{212A}"), ("\u{212A}", "K")] {
            var v = try Vault.make()
            try v.ok(.deposit(depositor: first, amount: usd("10")), at: 1)
            try v.ok(.deposit(depositor: second, amount: usd("5")), at: 2)
            #expect(v.depositorAccounts.count == 1)
            #expect(v.depositorAccounts[0].name == first && v.depositorAccounts[0].totalDeposited == usd("15"))
            // The manager's name is never a depositor's, whichever index is consulted first.
            try v.ok(.deposit(depositor: "mgr", amount: usd("1")), at: 3)
            #expect(v.depositorAccounts.count == 1 && v.manager.totalDeposited == usd("1"))
        }
    }

    // MARK: Packed reader (8-byte loads)

    /// Every integer length, at the very end of the written bytes (byte-at-a-time path) and
    /// with room after it (8-byte loads, masked), reads back exactly; the bytes after a field
    /// (left over from the writer's whole-word stores) never leak into it.
    @Test func packedIntegersReadBackAtEveryLength() {
        let base = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)
        defer { base.deallocate() }
        var values64: [UInt64] = [0]
        var values128: [UInt128] = [0]
        for bits in 0..<64 { values64 += [1 << UInt64(bits), (1 << UInt64(bits)) | 0xA5, UInt64.max >> UInt64(63 - bits)] }
        for bits in 0..<128 { values128 += [1 << UInt128(bits), (1 << UInt128(bits)) | 0x5A, UInt128.max >> UInt128(127 - bits)] }
        for v in values64 {
            for trailer in [0, 1, 7, 8, 16] {
                base.initializeMemory(as: UInt8.self, repeating: 0xFF, count: 4096)
                var w = ByteWriter(base)
                w.u64(v)
                let fieldEnd = w.n
                for _ in 0..<trailer { w.u8(0xEE) }
                var r = ByteReader(base, offset: 0, end: w.n)
                #expect(r.u64() == v && r.n == fieldEnd, "\(v) with \(trailer) bytes after it")
            }
        }
        for v in values128 {
            for trailer in [0, 1, 8, 15, 16, 32] {
                base.initializeMemory(as: UInt8.self, repeating: 0xFF, count: 4096)
                var w = ByteWriter(base)
                w.u128(v)
                let fieldEnd = w.n
                for _ in 0..<trailer { w.u8(0xEE) }
                var r = ByteReader(base, offset: 0, end: w.n)
                #expect(r.u128() == v && r.n == fieldEnd, "\(v) with \(trailer) bytes after it")
            }
        }
    }

    // MARK: Division fast paths

    /// `quotient` is `/` for every sign and size, including the 64-bit path's edges.
    @Test func quotientIsDivision() {
        let values: [Int128] = [
            0, 1, 2, 3, 7, 1_000_000, Int128(Int64.max) - 1, Int128(Int64.max), Int128(Int64.max) + 1, 1 << 64,
            (1 << 100) + 17, .max, -1, -7, Int128(Int64.min), Int128(Int64.min) - 1, .min + 1,
            VaultCore.ratePerYearUnit,
        ]
        for a in values {
            for b in values where b != 0 && !(a == .min && b == -1) { #expect(quotient(a, b) == a / b, "\(a) / \(b)") }
        }
    }

    /// `divFull` with a dividend and a divisor below 2^64 (one 64-bit division) gives the
    /// library's quotient and remainder.
    @Test func smallDivisionsMatchTheLibrary() {
        var g = SplitMix64(seed: 11)
        for _ in 0..<20_000 {
            let low = UInt128(g.next() >> UInt64(g.int(64)))
            let d = UInt128(max(1, g.next() >> UInt64(g.int(64))))
            let (q, r) = divFull(0, low, by: d)
            #expect(q == low / d && r == low % d, "\(low) / \(d)")
        }
    }

    // MARK: Fee arithmetic fast paths

    /// Values around the 63- and 64-bit edges, both signs, and the ledger's constants.
    static let edgeValues: [Int128] = [
        0, 1, 2, 3, 7, 999_999, 1_000_000, 1_000_001, Int128(Int64.max) - 1, Int128(Int64.max), Int128(Int64.max) + 1,
        (1 << 64) - 1, 1 << 64, (1 << 100) + 17, .max, -1, -7, Int128(Int64.min), Int128(Int64.min) - 1, .min + 1,
        VaultCore.ratePerYearUnit, VaultCore.ratePerYearUnit - 1, VaultCore.ratePerYearUnit + 1,
    ]

    /// `product` is `*` wherever `*` does not trap (it traps where `*` does: same library call).
    @Test func productIsMultiplication() {
        var g = SplitMix64(seed: 12)
        var values = Self.edgeValues
        for _ in 0..<300 { values.append(Int128(Int64(bitPattern: g.next()) >> Int64(g.int(64)))) }
        for a in values {
            for b in values {
                let (want, overflow) = a.multipliedReportingOverflow(by: b)
                if !overflow { #expect(product(a, b) == want, "\(a) × \(b)") }
            }
        }
    }

    /// The fee mint's division-free bound: `k × 2^25 ≥ ceil(k × (E + 1) × 2^64 / (limit + V))` for
    /// every E up to 2^60 − 1 and k below 2^100, the ranges `dilute` takes it in (and the share
    /// limit is at least 2^99, which the bound needs).
    @Test func feeMintBoundCoversTheExactOne() {
        #expect(Shares.limit.raw >= 1 << 99)
        #expect(Vault.maxEquity.raw < 1 << 60)
        var g = SplitMix64(seed: 14)
        var ks: [Int128] = [1, 2, 1_000, (1 << 64) - 1, 1 << 64, (1 << 100) - 1]
        var es: [Int128] = [0, 1, Int128(Vault.maxEquity.raw), (1 << 60) - 1]
        for _ in 0..<2_000 {
            let raw = (UInt128(g.next()) << 64) | UInt128(g.next())
            ks.append(max(1, Int128(raw >> UInt128(28 + g.int(100)))))  // below 2^100
            es.append(Int128(g.next() >> UInt64(4 + g.int(60))))
        }
        for v in [Int128(1), 1_000, 1_000_000_000_000_000_000] {
            for (k, e) in zip(ks, es) {
                let exact = mulDivWide(k, (e + 1) << 64, Shares.limit.raw + v, .up)
                #expect(k << 25 >= exact, "k \(k), E \(e)")
            }
        }
    }

    /// `mulDivChecked`'s inlined path (every operand below 2^64) against the 256-bit one.
    @Test func mulDivSixtyFourBitPathMatchesTheGeneralOne() {
        var g = SplitMix64(seed: 15)
        var values: [Int128] = [0, 1, 2, (1 << 32) - 1, 1 << 32, (1 << 63) - 1, 1 << 63, (1 << 64) - 2, (1 << 64) - 1]
        for _ in 0..<200 { values.append(Int128(g.next() >> UInt64(g.int(64)))) }
        for a in values {
            for b in values.prefix(60) {
                for c in values.suffix(40) where c > 0 {
                    for rounding in [Rounding.down, .up] {
                        #expect(mulDivChecked(a, b, c, rounding) == mulDivCheckedGeneral(a, b, c, rounding), "\(a) × \(b) / \(c)")
                    }
                }
            }
        }
    }

    /// The canonical encoding of an applied event fits `appliedEncodingBound` (what lets
    /// `hashApplied` write it without a check per write) for every action kind, at the widest
    /// values and with 64-byte names; and `hashApplied` then gives `computeHash`'s digest.
    @Test func appliedEncodingFitsItsBound() {
        let long = String(repeating: "é", count: 32)  // 64 UTF-8 bytes
        let wide = FeeTerms(
            managementFee: Ppm(raw: .min), performanceFee: Ppm(raw: .min), hurdleRate: Ppm(raw: .min), hurdle: .hard,
            protocolFee: Ppm(raw: .min), protocolProfitShare: Ppm(raw: .min))
        let actions: [VaultAction] = [
            .deposit(depositor: long, amount: Amount(raw: .min)),
            .requestWithdraw(depositor: long, .amount(Amount(raw: .min))),
            .requestWithdraw(depositor: long, .shares(Shares(raw: .min))),
            .requestWithdraw(depositor: long, .percent(Ppm(raw: .min))),
            .cancelWithdraw(depositor: long), .withdraw(depositor: long),
            .transfer(from: long, to: long, shares: Shares(raw: .min)), .mark(equity: Amount(raw: .min)), .markInvalid,
            .accrue, .crystallize(.depositor(long)), .crystallize(.all), .setFees(wide), .cancelFeeUpdate,
            .setPermissioned(true), .setAccess(depositor: long, allowed: true),
        ]
        let fees = FeeTotals(
            managementFee: Amount(raw: .min), protocolFee: Amount(raw: .min), performanceFee: Amount(raw: .min),
            protocolProfitShare: Amount(raw: .min))
        let receipt = VaultReceipt(
            sequence: .min, amount: Amount(raw: .min), shares: Shares(raw: .min), performanceFee: Amount(raw: .min),
            performanceFeeShares: Shares(raw: .min), managementFee: Amount(raw: .min), feesEffectiveAt: Timestamp(milliseconds: .min))
        for action in actions {
            var e = VaultEvent(
                sequence: .max, time: Timestamp(milliseconds: .max), entry: .applied(action), actor: long,
                equityBefore: Amount(raw: .min), equityAfter: Amount(raw: .max), totalSharesBefore: Shares(raw: .min),
                totalSharesAfter: Shares(raw: .max), actorSharesBefore: Shares(raw: .min), actorSharesAfter: Shares(raw: .max),
                actorValueBefore: Amount(raw: .min), actorValueAfter: Amount(raw: .max), feesBefore: fees, feesAfter: fees,
                receipt: receipt)
            e.previousHash = SHA256Digest(.max, 1, 2, .max)
            let bound = VaultEvent.appliedEncodingBound(action: action, actor: long)
            #expect(e.canonicalBytes.count <= bound, "\(action)")
            #expect(bound <= VaultEvent.scratchBytes)
            let hash = VaultEvent.hashApplied(
                previousHash: e.previousHash, sequence: e.sequence, time: e.time, action: action, actor: long,
                equityBefore: e.equityBefore.raw, equityAfter: e.equityAfter.raw, totalSharesBefore: e.totalSharesBefore.raw,
                totalSharesAfter: e.totalSharesAfter.raw, actorSharesBefore: e.actorSharesBefore.raw,
                actorSharesAfter: e.actorSharesAfter.raw, actorValueBefore: e.actorValueBefore.raw,
                actorValueAfter: e.actorValueAfter.raw, feesBefore: fees, feesAfter: fees, receipt: receipt)
            #expect(hash == e.computeHash(), "\(action)")
        }
    }
}
