import MarketCore
import Testing
import VaultLedger

/// Withdrawal request → redeem period → payout of min(value at request, value at payout);
/// cancelling forfeits the gain since the request.
///
/// Setup used below: δ = 3, redeem period 1 day, alice and bob each deposit 100 at t = 0, so
/// E = 200_000_000, S = 2e11, S + V = 200_000_001_000 and (E + 1)/(S + V) = 1/1000 exactly.
@Suite struct WithdrawTests {
    func twoDepositors() throws -> Vault {
        var v = try Vault.make(VaultTerms(redeemPeriodSeconds: day))
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)
        try v.ok(.deposit(depositor: "bob", amount: usd("100")), at: 0)
        return v
    }

    @Test func requestByAmountSharesOrPercent() throws {
        var v = try twoDepositors()
        // Amount 50: n = ceil(5e7 × 200_000_001_000 / 200_000_001) = 5e10 exactly; value 50.
        #expect(v.previewWithdraw(usd("50"), at: sec(0)) == shares(50_000_000_000))
        var r = try v.ok(.requestWithdraw(depositor: "alice", .amount(usd("50"))), at: 0)
        #expect(r.shares == shares(50_000_000_000) && r.amount == usd("50"))
        #expect(v.totalWithdrawRequested == usd("50"))
        #expect(v.refused(.requestWithdraw(depositor: "alice", .amount(usd("1"))), at: 0) == .withdrawalPending("alice"))
        #expect(v.refused(.deposit(depositor: "alice", amount: usd("1")), at: 0) == .withdrawalPending("alice"))
        // Percent 25%: n = floor(1e11 × 250_000 / 1e6) = 2.5e10; value = 2.5e10 / 1000 = 25.
        r = try v.ok(.requestWithdraw(depositor: "bob", .percent(ppm("0.25"))), at: 0)
        #expect(r.shares == shares(25_000_000_000) && r.amount == usd("25"))
        #expect(v.totalWithdrawRequested == usd("75"))
        try v.ok(.cancelWithdraw(depositor: "bob"), at: 0)
        // Shares 1e9 (one whole share): value 1e9 / 1000 = 1.
        r = try v.ok(.requestWithdraw(depositor: "bob", .shares(shares(1_000_000_000))), at: 0)
        #expect(r.amount == usd("1"))
        #expect(v.refused(.requestWithdraw(depositor: "carol", .percent(.one)), at: 0) == .unknownAccount("carol"))
        #expect(
            v.refused(.requestWithdraw(depositor: "mgr", .percent(ppm("1.5"))), at: 0) == .percentOutOfRange(ppm("1.5")))
    }

    @Test func payoutWaitsForTheRedeemPeriodAndKeepsTheLowerValue() throws {
        var v = try twoDepositors()
        try v.ok(.requestWithdraw(depositor: "alice", .amount(usd("50"))), at: 0)
        #expect(v.refused(.withdraw(depositor: "alice"), at: day - 1) == .redeemPeriodNotOver(name: "alice", until: sec(day)))
        #expect(v.refused(.withdraw(depositor: "bob"), at: day) == .noWithdrawalPending("bob"))
        // Equity rises 50% during the wait: E = 300_000_000.
        try v.ok(.mark(equity: usd("300")), at: 10)
        // 5e10 shares are now worth 5e10 × 300_000_001 / 200_000_001_000 = 74_999_999.9… → 74.999999,
        // but the payout is capped at the 50 requested: the gain stays with the vault.
        #expect(v.previewPayout("alice", at: sec(day)) == usd("50"))
        let r = try v.ok(.withdraw(depositor: "alice"), at: day)
        #expect(r.amount == usd("50") && r.shares == shares(50_000_000_000))
        // E = 250_000_000, S = 1.5e11: bob's 1e11 are worth 1e11 × 250_000_001 / 150_000_001_000 = 166.666666…,
        // alice's remaining 5e10 are worth 83.333333.
        #expect(v.value(of: "bob", at: sec(day)) == Amount(raw: 166_666_666))
        #expect(v.value(of: "alice", at: sec(day)) == Amount(raw: 83_333_333))
        #expect(v.totalWithdrawRequested == .zero)
        // Alice's mark: 100 scaled by (1e11 − 5e10)/1e11 → 50.
        #expect(v.account("alice")?.highWaterMark == usd("50"))
    }

    @Test func payoutSharesALossDuringTheWait() throws {
        var v = try twoDepositors()
        try v.ok(.requestWithdraw(depositor: "alice", .amount(usd("50"))), at: 0)
        try v.ok(.mark(equity: usd("100")), at: 10)
        // Now 5e10 × 100_000_001 / 200_000_001_000 = 25_000_000.1… → 25: min(50, 25) = 25.
        let r = try v.ok(.withdraw(depositor: "alice"), at: day)
        #expect(r.amount == usd("25"))
        // E = 75, S = 1.5e11 → bob's 1e11 are worth 50, alice's 5e10 are worth 25.
        #expect(v.value(of: "bob", at: sec(day)) == usd("50"))
        #expect(v.value(of: "alice", at: sec(day)) == usd("25"))
    }

    @Test func cancelForfeitsTheGainSinceTheRequest() throws {
        var v = try twoDepositors()
        try v.ok(.requestWithdraw(depositor: "alice", .shares(shares(50_000_000_000))), at: 0)  // value 50
        try v.ok(.mark(equity: usd("300")), at: 10)
        // Without cancelling alice's 1e11 would be worth 1e11 × 300_000_001 / 200_000_001_000 = 149.999999.
        // Cancel keeps keep = floor(value × (S + V − n) / (E + 1 − value))
        //   = floor(5e7 × 150_000_001_000 / 250_000_001) = 30_000_000_079; lost = 5e10 − keep = 19_999_999_921.
        let r = try v.ok(.cancelWithdraw(depositor: "alice"), at: 20)
        #expect(r.shares == shares(19_999_999_921))
        #expect(v.totalShares == shares(180_000_000_079))
        #expect(v.totalWithdrawRequested == .zero)
        // The kept 30_000_000_079 shares are worth 30_000_000_079 × 300_000_001 / 180_000_001_079 = 49.999999,
        // i.e. the requested value; everyone's remaining shares gained from the burn:
        // alice's 80_000_000_079 → 133.333333, bob's 1e11 → 166.666666.
        #expect(v.value(of: "alice", at: sec(20)) == Amount(raw: 133_333_333))
        #expect(v.value(of: "bob", at: sec(20)) == Amount(raw: 166_666_666))
    }

    @Test func cancelAfterALossForfeitsNothing() throws {
        var v = try twoDepositors()
        try v.ok(.requestWithdraw(depositor: "alice", .shares(shares(50_000_000_000))), at: 0)
        try v.ok(.mark(equity: usd("150")), at: 10)
        #expect(try v.ok(.cancelWithdraw(depositor: "alice"), at: 20).shares == .zero)
        #expect(v.sharesOf("alice") == 100_000_000_000)
        #expect(v.refused(.cancelWithdraw(depositor: "alice"), at: 20) == .noWithdrawalPending("alice"))
    }

    @Test func soleHolderCancelForfeitsNothing() throws {
        var v = try Vault.make()
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)
        try v.ok(.requestWithdraw(depositor: "alice", .percent(ppm("0.5"))), at: 0)
        try v.ok(.mark(equity: usd("200")), at: 1)
        // Alice owns every share: the gain could only go to the virtual shares, so nothing is burned.
        #expect(try v.ok(.cancelWithdraw(depositor: "alice"), at: 2).shares == .zero)
    }

    @Test func maxWithdrawCanBeRequestedInFull() throws {
        var v = try twoDepositors()
        try v.ok(.mark(equity: usd("333.333333")), at: 0)
        let most = v.maxWithdraw("alice", at: sec(5))
        #expect(most == v.value(of: "alice", at: sec(5)))
        #expect(
            v.refused(.requestWithdraw(depositor: "alice", .amount(most + Amount(raw: 1))), at: 5) != nil)
        let r = try v.ok(.requestWithdraw(depositor: "alice", .amount(most)), at: 5)
        #expect(r.shares.raw <= 100_000_000_000 && r.amount == most)
        // Withdrawing everything resets the mark: a fresh start for a later deposit.
        try v.ok(.cancelWithdraw(depositor: "alice"), at: 5)
        try v.ok(.requestWithdraw(depositor: "alice", .percent(.one)), at: 5)
        try v.ok(.withdraw(depositor: "alice"), at: 5 + day)
        #expect(v.account("alice")?.shares == .zero && v.account("alice")?.highWaterMark == .zero)
    }
}
