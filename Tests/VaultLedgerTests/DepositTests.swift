import MarketCore
import Testing
import VaultLedger

/// Deposit rules: minimum, capacity clamp, access list, lock-up, wiped-out vault, invalid mark,
/// manager stake; refused actions change nothing. δ = 3 (1 USDC = 1e9 raw shares at the start).
@Suite struct DepositTests {
    @Test func minimumDeposit() throws {
        var v = try Vault.make(VaultTerms(minDeposit: usd("10")))
        #expect(
            v.refused(.deposit(depositor: "alice", amount: usd("9.999999")), at: 0)
                == .belowMinimumDeposit(amount: usd("9.999999"), minimum: usd("10")))
        #expect(v.refused(.deposit(depositor: "alice", amount: .zero), at: 0) == .notPositive("deposit amount"))
        #expect(try v.ok(.deposit(depositor: "alice", amount: usd("10")), at: 0).amount == usd("10"))
    }

    @Test func capacityClampsTheDeposit() throws {
        var v = try Vault.make(VaultTerms(minDeposit: usd("10"), maxTokens: usd("155")))
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)
        // Room = 155 − 100 = 55: bob's 80 is clamped to 55 (55_000_000 × 1000 = 5.5e10 shares).
        #expect(v.maxDeposit("bob", at: sec(0)) == usd("55"))
        let r = try v.ok(.deposit(depositor: "bob", amount: usd("80")), at: 0)
        #expect(r.amount == usd("55") && r.shares == shares(55_000_000_000))
        #expect(v.equity == usd("155"))
        // Gains may carry equity past the cap; then there is no room at all.
        try v.ok(.mark(equity: usd("160")), at: 0)
        #expect(v.maxDeposit("carol", at: sec(0)) == .zero)
        #expect(v.refused(.deposit(depositor: "carol", amount: usd("20")), at: 0) == .vaultFull(room: .zero, minimum: usd("10")))
        // After a loss to 150 there are 5 of room, still below the 10 minimum.
        try v.ok(.mark(equity: usd("150")), at: 0)
        #expect(v.refused(.deposit(depositor: "carol", amount: usd("20")), at: 0) == .vaultFull(room: usd("5"), minimum: usd("10")))
    }

    @Test func permissionedVaultTakesOnlyListedDepositors() throws {
        var v = try Vault.make(VaultTerms(permissioned: true))
        #expect(v.refused(.deposit(depositor: "alice", amount: usd("1")), at: 0) == .notPermitted("alice"))
        #expect(v.maxDeposit("alice", at: sec(0)) == .zero)
        try v.ok(.setAccess(depositor: "alice", allowed: true), at: 0)
        try v.ok(.deposit(depositor: "alice", amount: usd("1")), at: 0)
        // Shares cannot be moved to someone off the list either.
        #expect(v.refused(.transfer(from: "alice", to: "bob", shares: shares(1)), at: 0) == .notPermitted("bob"))
        try v.ok(.setAccess(depositor: "alice", allowed: false), at: 1)
        #expect(v.refused(.deposit(depositor: "alice", amount: usd("1")), at: 1) == .notPermitted("alice"))
        // Revoked depositors can still leave.
        try v.ok(.requestWithdraw(depositor: "alice", .percent(.one)), at: 1)
        // Opening the vault lets anyone in; the manager never needs to be listed.
        try v.ok(.deposit(depositor: "mgr", amount: usd("1")), at: 1)
        try v.ok(.setPermissioned(false), at: 1)
        try v.ok(.deposit(depositor: "bob", amount: usd("1")), at: 1)
        #expect(v.refused(.setAccess(depositor: "nobody", allowed: false), at: 1) == .unknownAccount("nobody"))
    }

    @Test func lockUpAfterADeposit() throws {
        var v = try Vault.make(VaultTerms(lockUpSeconds: 3600))
        try v.ok(.deposit(depositor: "alice", amount: usd("10")), at: 100)
        // Locked until 100 + 3600 = 3700 s.
        #expect(
            v.refused(.requestWithdraw(depositor: "alice", .percent(.one)), at: 3699)
                == .lockedUp(name: "alice", until: sec(3700)))
        #expect(
            v.refused(.transfer(from: "alice", to: "bob", shares: shares(1)), at: 3699)
                == .lockedUp(name: "alice", until: sec(3700)))
        #expect(v.maxWithdraw("alice", at: sec(3699)) == .zero)
        #expect(v.maxWithdraw("alice", at: sec(3700)) == usd("10"))
        try v.ok(.requestWithdraw(depositor: "alice", .percent(.one)), at: 3700)
    }

    @Test func wipedOutVaultAndInvalidMarkRefuseDeposits() throws {
        var v = try Vault.make()
        try v.ok(.deposit(depositor: "alice", amount: usd("10")), at: 0)
        try v.ok(.markInvalid, at: 1)
        #expect(v.refused(.deposit(depositor: "bob", amount: usd("10")), at: 2) == .markInvalid)
        #expect(v.refused(.requestWithdraw(depositor: "alice", .percent(.one)), at: 2) == .markInvalid)
        #expect(v.refused(.accrue, at: 2) == .markInvalid)
        try v.ok(.mark(equity: .zero), at: 3)
        #expect(v.refused(.deposit(depositor: "bob", amount: usd("10")), at: 3) == .wipedOut)
        #expect(v.maxDeposit("bob", at: sec(3)) == .zero)
        #expect(v.refused(.mark(equity: Amount(raw: -1)), at: 3) == .equityOutOfRange(Amount(raw: -1)))
    }

    @Test func managerMinimumStake() throws {
        var v = try Vault.make(VaultTerms(managerMinimumStake: ppm("0.1")))
        // The manager holds nothing yet: any depositor would leave it below 10%.
        #expect(v.refused(.deposit(depositor: "alice", amount: usd("1")), at: 0) == .managerStakeTooLow(minimum: ppm("0.1")))
        try v.ok(.deposit(depositor: "mgr", amount: usd("10")), at: 0)  // M = 1e10
        // Alice may bring S to at most M × 1e6 / 1e5 = 1e11 shares, i.e. 90 more USDC.
        #expect(v.maxDeposit("alice", at: sec(0)) == usd("90"))
        try v.ok(.deposit(depositor: "alice", amount: usd("90")), at: 0)  // 1e10 × 1e6 ≥ 1e5 × 1e11 (equal)
        #expect(
            v.refused(.deposit(depositor: "bob", amount: Amount(raw: 1)), at: 0) == .managerStakeTooLow(minimum: ppm("0.1")))
        // The manager cannot ask for 1 USDC back: (1e10 − 1e9) × 1e6 = 9e15 < 1e5 × (1e11 − 1e9) = 9.9e15.
        #expect(
            v.refused(.requestWithdraw(depositor: "mgr", .amount(usd("1"))), at: 0) == .managerStakeTooLow(minimum: ppm("0.1")))
        #expect(v.maxWithdraw("mgr", at: sec(0)) == .zero)
        // Alice takes 45 out (4.5e10 shares burned): S = 5.5e10. The manager may now release n with
        // (1e10 − n) × 1e6 ≥ 1e5 × (5.5e10 − n)  ⇔  n ≤ (1e16 − 5.5e15) / 9e5 = 5e9 (5 USDC),
        // which leaves it 5e9 of 5e10 = exactly 10%.
        try v.ok(.requestWithdraw(depositor: "alice", .amount(usd("45"))), at: 0)
        try v.ok(.withdraw(depositor: "alice"), at: 0)
        #expect(v.maxRedeem("mgr", at: sec(0)) == shares(5_000_000_000))
        #expect(
            v.refused(.requestWithdraw(depositor: "mgr", .shares(shares(5_000_000_001))), at: 0)
                == .managerStakeTooLow(minimum: ppm("0.1")))
        try v.ok(.requestWithdraw(depositor: "mgr", .shares(shares(5_000_000_000))), at: 0)
        // While that request is pending the manager's stake counts only its free shares:
        // 5e9 × 1e6 ≥ 1e5 × (5.5e10 + m − 5e9) allows m = 0 new shares, so bob is refused.
        #expect(
            v.refused(.deposit(depositor: "bob", amount: Amount(raw: 1)), at: 0) == .managerStakeTooLow(minimum: ppm("0.1")))
    }

    @Test func depositTooSmallForAShare() throws {
        var v = try Vault.make()
        try v.ok(.deposit(depositor: "alice", amount: Amount(raw: 1)), at: 0)  // 1000 shares, E = 1
        try v.ok(.mark(equity: Amount(raw: 5000)), at: 0)
        // 1 × (1000 + 1000) / 5001 = 0.39… → 0 shares: refused.
        #expect(v.refused(.deposit(depositor: "bob", amount: Amount(raw: 1)), at: 0) == .depositTooSmall(Amount(raw: 1)))
    }

    @Test func badInputsAreRefusedWithReadableMessages() throws {
        var v = try Vault.make()
        #expect(v.refused(.deposit(depositor: "", amount: usd("1")), at: 0) == .invalidName(""))
        #expect(v.refused(.deposit(depositor: "protocol", amount: usd("1")), at: 0) == .roleNotAllowed(name: "protocol", action: "deposit"))
        try v.ok(.deposit(depositor: "alice", amount: usd("10")), at: 10)
        #expect(v.refused(.deposit(depositor: "alice", amount: usd("1")), at: 9) == .timeWentBackwards(last: sec(10), at: sec(9)))
        #expect(v.refused(.withdraw(depositor: "zed"), at: 10) == .unknownAccount("zed"))
        #expect(throws: VaultError.self) { try Vault(terms: VaultTerms(), manager: "protocol", createdAt: .zero) }
        #expect(throws: VaultError.self) {
            try Vault(terms: VaultTerms(fees: FeeTerms(performanceFee: ppm("1"))), manager: "m", createdAt: .zero)
        }
        // Alice holds 1e10 shares = 10.000000000 whole shares. Marking 10.500001 makes them worth
        // 1e10 × 10_500_002 / 10_000_001_000 = 10_500_000.95… → 10.500000.
        try v.ok(.mark(equity: usd("10.500001")), at: 10)
        let error = v.refused(.requestWithdraw(depositor: "alice", .amount(usd("20"))), at: 10)
        #expect(error?.description == "alice holds 10.000000000 shares worth 10.50; cannot withdraw 20.00")
        #expect(VaultError.markInvalid.description.contains("invalid"))
    }
}
