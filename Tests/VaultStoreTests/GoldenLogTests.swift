import MarketCore
import Testing
import VaultLedger
import VaultWorkloads

/// The log's bytes and hashes are a stored format: these pin them to values written by the
/// earlier, hand-written SHA-256 build, and check refusals over the torture writer's random mix.
@Suite struct GoldenLogTests {
    /// What `vaultstore-torture --seed 7 --ops 500` does, in memory.
    func tortureRun(seed: Int64, ops: Int, sealing: LogSealing, checkRefusals: Bool = false) throws -> Vault {
        var gen = ActionGenerator(seed: seed)
        var vault = try Vault(terms: gen.terms(), manager: "mgr", createdAt: .zero, sealing: sealing)
        var time = vault.lastActionAt.milliseconds
        for _ in 0..<ops {
            let (action, at) = gen.next(vault, time: &time)
            let before = checkRefusals ? vault : nil
            if case .failure(let error) = vault.apply(action, at: at), let before {
                #expect(vault == before, "refused \(action) (\(error)) changed the vault (seed \(seed))")
            }
        }
        return vault
    }

    @Test(arguments: [LogSealing.everyAction, .onDemand])
    func hashesMatchTheHandWrittenSHA256Build(sealing: LogSealing) throws {
        // `ack 278 279 54dac1ea…` is the last line the pre-swift-crypto build printed for
        // `vaultstore-torture --db F --seed 7 --ops 500` (2026-11-30).
        let vault = try tortureRun(seed: 7, ops: 500, sealing: sealing)
        #expect(vault.eventCount == 279)
        #expect(vault.lastHash.description == "54dac1ea8d4e10398f4fde542779501bd6271e2ad261905437931c4f5ad1e4a4")
        #expect(try Vault.replay(vault.events).lastHash == vault.lastHash)
    }

    @Test(arguments: [1, 2, 3, 4] as [Int64])
    func refusedActionsChangeNothingOverALongRandomMix(seed: Int64) throws {
        // Every action the generator makes (about half refused: bad names and amounts, time
        // going back, lock-ups, shortfalls, stake and capacity limits) on the in-memory ledger;
        // each refusal must leave the vault equal to what it was.
        var vault = try tortureRun(seed: seed, ops: 4_000, sealing: .onDemand, checkRefusals: true)
        vault.checkInvariants()
        #expect(try Vault.replay(vault.events) == vault)
    }
}
