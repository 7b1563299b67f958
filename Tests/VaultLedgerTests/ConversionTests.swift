import MarketCore
import Testing
import VaultLedger

/// ERC-4626 views and the virtual offset. δ = 3 throughout, so V = 10^δ = 1000 virtual shares
/// and 1 virtual quote unit: shares = floor(a × (S + 1000) / (E + 1)), assets = floor(n × (E + 1) / (S + 1000)).
@Suite struct ConversionTests {
    @Test func emptyVaultMintsTenToTheDeltaSharesPerUnit() throws {
        var v = try Vault.make()
        // Empty: S = 0, E = 0. previewDeposit(1.000000) = 1_000_000 × (0 + 1000) / (0 + 1) = 1_000_000_000.
        #expect(v.previewDeposit(usd("1"), at: sec(0)) == shares(1_000_000_000))
        // previewMint(1e9) = ceil(1e9 × 1 / 1000) = 1_000_000.
        #expect(v.previewMint(shares(1_000_000_000), at: sec(0)) == usd("1"))
        let r = try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)
        // 100_000_000 × 1000 / 1 = 100_000_000_000 shares; one whole share (1e9 raw, 9 decimals) per USDC.
        #expect(r.shares == shares(100_000_000_000))
        #expect(v.shareDecimals == 9)
        #expect(v.sharePrice == usd("1"))
        // (E + 1) / (S + V) = 100_000_001 / 100_000_001_000 = 1/1000 exactly, so 1e11 shares are worth 1e8.
        #expect(v.convertToAssets(shares(100_000_000_000)) == usd("100"))
    }

    @Test func roundingFollowsTheStandard() throws {
        var v = try Vault.make()
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)
        try v.ok(.mark(equity: usd("150")), at: 0)
        // E = 150_000_000, S = 1e11: S + V = 100_000_001_000, E + 1 = 150_000_001.
        // 10 USDC → 1e7 × 100_000_001_000 / 150_000_001 = 6_666_666_688.88…
        #expect(v.convertToShares(usd("10")) == shares(6_666_666_688))  // floor
        #expect(v.previewDeposit(usd("10"), at: sec(0)) == shares(6_666_666_688))  // floor
        #expect(v.previewWithdraw(usd("10"), at: sec(0)) == shares(6_666_666_689))  // ceil
        // 1e9 shares → 1e9 × 150_000_001 / 100_000_001_000 = 1_499_999.99…
        #expect(v.convertToAssets(shares(1_000_000_000)) == Amount(raw: 1_499_999))  // floor
        #expect(v.previewRedeem(shares(1_000_000_000), at: sec(0)) == Amount(raw: 1_499_999))  // floor
        #expect(v.previewMint(shares(1_000_000_000), at: sec(0)) == Amount(raw: 1_500_000))  // ceil
        // Alice's 1e11 shares: 1e11 × 150_000_001 / 100_000_001_000 = 149_999_999.5… → 149.999999;
        // the virtual shares hold the other half unit.
        #expect(v.value(of: "alice", at: sec(0)) == Amount(raw: 149_999_999))
        #expect(v.maxWithdraw("alice", at: sec(0)) == Amount(raw: 149_999_999))
        #expect(v.maxRedeem("alice", at: sec(0)) == shares(100_000_000_000))
        // Zero and negative inputs are worth nothing.
        #expect(v.convertToShares(.zero) == .zero && v.previewRedeem(shares(-5), at: sec(0)) == .zero)
    }

    @Test func previewsIncludeFeeAccrualAtTheGivenTime() throws {
        var v = try Vault.make(VaultTerms(fees: FeeTerms(managementFee: ppm("0.02"))))
        try v.ok(.deposit(depositor: "alice", amount: usd("1000")), at: 0)
        // A year later 20 USDC of fee is due (FeeTests.managementFeeDilutesByTheExactFee); the
        // preview at that time sees the diluted price, the convert view (no accrual) does not.
        let preview = v.previewDeposit(usd("100"), at: sec(year))
        #expect(v.convertToShares(usd("100")) == shares(100_000_000_000))
        let r = try v.ok(.deposit(depositor: "bob", amount: usd("100")), at: year)
        #expect(r.shares == preview)
        #expect(preview > shares(100_000_000_000))
    }

    @Test func donationAttackCostsTheAttackerMoreThanTheVictimLoses() throws {
        var v = try Vault.make()
        // The attacker deposits 1 raw unit: 1 × 1000 / 1 = 1000 shares; E = 1.
        #expect(try v.ok(.deposit(depositor: "eve", amount: Amount(raw: 1)), at: 0).shares == shares(1000))
        // ... then "donates" 100_000 raw units to the strategies' account: the mark becomes 100_001.
        try v.ok(.mark(equity: Amount(raw: 100_001)), at: 0)
        // A victim depositing 50 would get 50 × 2000 / 100_002 = 0.99… → 0 shares: refused, not swallowed.
        #expect(v.refused(.deposit(depositor: "vic", amount: Amount(raw: 50)), at: 0) == .depositTooSmall(Amount(raw: 50)))
        // 100 → 100 × 2000 / 100_002 = 1.99… → 1 share. Then E = 100_101, S = 1001.
        #expect(try v.ok(.deposit(depositor: "vic", amount: Amount(raw: 100)), at: 0).shares == shares(1))
        // Victim's share: 1 × 100_102 / 2001 = 50.02… → 50: loses 50 of 100.
        #expect(v.value(of: "vic", at: sec(0)) == Amount(raw: 50))
        // Attacker: 1000 × 100_102 / 2001 = 50_025.98… → 50_025 for 100_001 paid: loses 49_976.
        #expect(v.value(of: "eve", at: sec(0)) == Amount(raw: 50_025))
        // The virtual shares absorbed the difference; the attack is 999 times as costly as its damage.
    }
}
