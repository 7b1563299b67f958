import MarketCore
import Testing
import VaultLedger
import VaultWorkloads

@testable import VaultStore

/// The verifier's one-hash replay must accept exactly the logs `Vault.replay` accepts, and
/// rebuild the same vault.
@Suite struct ReplayEquivalenceTests {
    /// A random log of `count` applied events after creation.
    static func log(seed: Int64, count: Int) throws -> [VaultEvent] {
        var gen = ActionGenerator(seed: seed)
        var vault = try Vault(terms: gen.terms(), manager: "mgr", createdAt: .zero, sealing: .onDemand)
        var time: Int64 = 0
        while vault.eventCount <= count {
            let (action, at) = gen.next(vault, time: &time)
            _ = vault.apply(action, at: at)
        }
        return vault.events
    }

    /// Feeds `events` in chunks of random sizes.
    static func oneHash(_ events: [VaultEvent], rng: inout SplitMix64) -> Vault? {
        let replay = OneHashReplay()
        var i = 0
        while i < events.count {
            let n = Int(rng.next() % 97) + 1
            replay.feed(Array(events[i..<min(events.count, i + n)]))
            i += n
        }
        return replay.result
    }

    @Test(arguments: 1...6 as ClosedRange<Int64>)
    func acceptsWhatReplayAcceptsAndNothingElse(seed: Int64) throws {
        var rng = SplitMix64(seed: seed)
        let events = try Self.log(seed: seed, count: 200)
        let replayed = try Vault.replay(events)
        #expect(Self.oneHash(events, rng: &rng) == replayed.drained)

        for trial in 0..<24 {
            var bad = events
            let k = Int(rng.next() % UInt64(events.count))
            switch trial % 8 {
            case 0: bad[k].time = Timestamp(milliseconds: bad[k].time.milliseconds + 1)
            case 1:
                bad[k].equityAfter = bad[k].equityAfter + Amount(raw: 1)
                bad[k].hash = bad[k].computeHash()  // a forger who re-hashes
            case 2: bad[k].actor += "x"
            case 3: bad[k].previousHash = bad[(k + 1) % bad.count].hash
            case 4: bad.remove(at: k)
            case 5: bad.swapAt(k, (k + 1) % bad.count)
            case 6:
                bad[k].receipt.shares = Shares(raw: bad[k].receipt.shares.raw + 1)
                bad[k].hash = bad[k].computeHash()
                // … and every later event re-chained, so only re-execution can tell.
                for j in (k + 1)..<bad.count {
                    bad[j].previousHash = bad[j - 1].hash
                    bad[j].hash = bad[j].computeHash()
                }
            default: bad[k].hash = SHA256Digest(1, 2, 3, 4)
            }
            let authority: Vault? = try? Vault.replay(bad)
            let fast = Self.oneHash(bad, rng: &rng)
            #expect((authority == nil) == (fast == nil), "trial \(trial) at \(k)")
            if let authority { #expect(fast == authority.drained) }
        }
    }

    @Test func emptyAndHeadlessLogsAreRefused() throws {
        var rng = SplitMix64(seed: 1)
        let events = try Self.log(seed: 3, count: 20)
        #expect(Self.oneHash([], rng: &rng) == nil)
        #expect(Self.oneHash(Array(events.dropFirst()), rng: &rng) == nil)
    }
}
