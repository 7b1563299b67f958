import MarketCore
import Testing
import VaultLedger

/// Share transfers between depositors and points per share-second. δ = 3.
@Suite struct TransferTests {
    @Test func transferMovesSharesAndMarks() throws {
        var v = try Vault.make()
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)  // 1e11 shares, mark 100
        // 4e10 shares at 1/1000 are worth 40 (exact, so floor = ceil).
        let r = try v.ok(.transfer(from: "alice", to: "bob", shares: shares(40_000_000_000)), at: 1)
        #expect(r.amount == usd("40"))
        #expect(v.sharesOf("alice") == 60_000_000_000 && v.sharesOf("bob") == 40_000_000_000)
        // Alice's mark drops by the 40 moved → 60; bob's mark is the value received, 40.
        #expect(v.account("alice")?.highWaterMark == usd("60") && v.account("bob")?.highWaterMark == usd("40"))
        #expect(v.account("alice")?.netDeposits == usd("60") && v.account("bob")?.netDeposits == usd("40"))
        #expect(v.totalShares == shares(100_000_000_000) && v.equity == usd("100"))
        #expect(v.refused(.transfer(from: "alice", to: "alice", shares: shares(1)), at: 1) == .selfTransfer("alice"))
        #expect(v.refused(.transfer(from: "alice", to: "mgr", shares: shares(1)), at: 1) == .roleNotAllowed(name: "mgr", action: "transfer shares"))
        #expect(v.refused(.transfer(from: "carol", to: "bob", shares: shares(1)), at: 1) == .unknownAccount("carol"))
        let error = v.refused(.transfer(from: "bob", to: "alice", shares: shares(40_000_000_001)), at: 1)
        #expect(error?.description == "bob holds 40.000000000 shares worth 40.00; cannot redeem 40.000000001 shares")
        try v.ok(.requestWithdraw(depositor: "bob", .percent(ppm("0.5"))), at: 1)
        #expect(v.refused(.transfer(from: "alice", to: "bob", shares: shares(1)), at: 1) == .withdrawalPending("bob"))
    }

    @Test func transferCrystallisesTheSenderFirst() throws {
        var v = try Vault.make(VaultTerms(fees: FeeTerms(performanceFee: ppm("0.1"))))
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)
        try v.ok(.mark(equity: usd("120")), at: 1)
        let r = try v.ok(.transfer(from: "alice", to: "bob", shares: shares(40_000_000_000)), at: 1)
        // Alice first pays: value floor(1e11 × 120_000_001 / 100_000_001_000) = 119_999_999,
        // fee floor(19_999_999 × 0.1) = 1_999_999 = floor(1_999_999 × 100_000_001_000 / 120_000_001)
        // = 1_666_665_836 shares; she keeps 98_333_334_164 with mark 118.
        #expect(r.performanceFee == Amount(raw: 1_999_999) && r.performanceFeeShares == shares(1_666_665_836))
        // The 4e10 moved are worth floor(4e10 × 120_000_001 / 100_000_001_000) = 47_999_999;
        // bob's mark is the ceiling, 48; alice's mark drops by the floor, 118 − 47.999999 = 70.000001.
        #expect(r.amount == Amount(raw: 47_999_999))
        #expect(v.account("bob")?.highWaterMark == usd("48"))
        #expect(v.account("alice")?.highWaterMark == Amount(raw: 70_000_001))
        // Neither owes anything right after: both sit at their marks.
        #expect(v.performanceFeeDue(of: "alice", at: sec(1)) == .zero && v.performanceFeeDue(of: "bob", at: sec(1)) == .zero)
    }

    /// Shares sent at a loss take their value off the sender's mark (like a payout), so the sender
    /// keeps the rest of its loss to recover before paying a fee, and the receiver starts at value.
    @Test func transferOutAtALossLowersTheMarkByTheValueMoved() throws {
        var v = try Vault.make(VaultTerms(fees: FeeTerms(performanceFee: ppm("0.2"))))
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)  // S = 1e11, mark 100
        try v.ok(.mark(equity: usd("50")), at: 1)
        // 5e10 shares are worth 2_500_000_050_000_000_000 / 100_000_001_000 = 25_000_000.25:
        // floor 25 (the amount moved, off alice's mark), ceiling 25.000001 (bob's mark).
        let r = try v.ok(.transfer(from: "alice", to: "bob", shares: shares(50_000_000_000)), at: 1)
        #expect(r.amount == usd("25"))
        #expect(v.account("alice")?.highWaterMark == usd("75"))  // the old rule: 100 × ½ = 50
        #expect(v.account("bob")?.highWaterMark == Amount(raw: 25_000_001))
        #expect(v.account("alice")?.netDeposits == usd("75") && v.account("bob")?.netDeposits == usd("25"))
        // At equity 80 each holds floor(5e10 × 80_000_001 / 100_000_001_000) = 40.000000: alice is under
        // her 75 (no fee); bob is 14.999999 above his 25.000001: fee floor(14.999999 × 0.2) = 2.999999.
        try v.ok(.mark(equity: usd("80")), at: 2)
        #expect(v.performanceFeeDue(of: "alice", at: sec(2)) == .zero)
        #expect(v.performanceFeeDue(of: "bob", at: sec(2)) == Amount(raw: 2_999_999))
    }

    @Test func pointsAccruePerShareSecondProRata() throws {
        var v = try Vault.make(VaultTerms(pointsPerSecond: 10))
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)  // 1e11 shares
        try v.ok(.deposit(depositor: "bob", amount: usd("300")), at: 100)  // 3e11 shares
        // 0–100 s: alice alone earns 10 × 100 = 1000 (index step 1000 × 1e18 / 1e11 = 1e10 per raw share).
        // 100–200 s: 1000 points split 1 : 3 (step 1000 × 1e18 / 4e11 = 2.5e9): alice 250, bob 750.
        #expect(v.points(of: "alice", at: sec(200)) == 1250)
        #expect(v.points(of: "bob", at: sec(200)) == 750)
        // The manager's own shares earn no points.
        try v.ok(.deposit(depositor: "mgr", amount: usd("100")), at: 200)
        // 200–300 s: still 1 : 3 among depositors only: alice 250, bob 750 more.
        #expect(v.points(of: "alice", at: sec(300)) == 1500)
        #expect(v.points(of: "bob", at: sec(300)) == 1500)
        #expect(v.points(of: "mgr", at: sec(300)) == 0)
        // Settled on touch: a transfer at 300 settles both, then bob holds everything.
        try v.ok(.transfer(from: "alice", to: "bob", shares: shares(100_000_000_000)), at: 300)
        #expect(v.account("alice")?.points == 1500 && v.account("bob")?.points == 1500)
        #expect(v.points(of: "bob", at: sec(400)) == 2500)
        #expect(v.points(of: "alice", at: sec(400)) == 1500)
    }
}
