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
        // Alice's mark: 100 less the 50 paid out → 50.
        #expect(v.account("alice")?.highWaterMark == usd("50"))
    }

    /// The mark is net deposits plus profit already charged (DESIGN §6): a payout comes off it
    /// one for one, so a depositor still under its net deposits pays no performance fee.
    @Test func markDropsByThePayoutNotInProportionToShares() throws {
        let fees = FeeTerms(performanceFee: ppm("0.2"), hurdleRate: ppm("0.1"))
        var v = try Vault.make(VaultTerms(fees: fees))
        let half = year / 2
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)  // S = 1e11, mark 100
        try v.ok(.mark(equity: usd("50")), at: half)
        // Half her shares: n = 5e10, worth floor(5e10 × 50_000_001 / 100_000_001_000)
        // = floor(2_500_000_050_000_000_000 / 100_000_001_000) = 25.000000. Under her mark: no fee.
        let request = try v.ok(.requestWithdraw(depositor: "alice", .percent(ppm("0.5"))), at: half)
        #expect(request.amount == usd("25") && request.performanceFee == .zero)
        // The request settled her hurdle: 1e8 (mark) × 100_000 (10%) × 15_768_000 s = 1.5768e20 units.
        #expect(v.account("alice")?.hurdleAccrued == 157_680_000_000_000_000_000)
        #expect(try v.ok(.withdraw(depositor: "alice"), at: half).amount == usd("25"))
        // Mark 100 − 25 = 75 (the old rule scaled it by the shares left, to 50). The accrued hurdle
        // scales with the mark: ceil(1.5768e20 × 75 / 100) = 1.1826e20.
        #expect(v.account("alice")?.highWaterMark == usd("75"))
        #expect(v.account("alice")?.hurdleAccrued == 118_260_000_000_000_000_000)
        // E = 25, S = 5e10. Equity recovers to 60: her 5e10 shares are worth
        // floor(5e10 × 60_000_001 / 50_000_001_000) = 59.999999, still 15 under her 75: no fee
        // (the old rule charged floor((59.999999 − 50) × 0.2) = 1.999999 here).
        try v.ok(.mark(equity: usd("60")), at: half)
        #expect(v.performanceFeeDue(of: "alice", at: sec(half)) == .zero)
        #expect(try v.ok(.crystallize(.depositor("alice")), at: half).performanceFee == .zero)
        // Above her net deposits at 80: worth floor(5e10 × 80_000_001 / 50_000_001_000) = 79.999999,
        // profit 4.999999 over the hurdle ceil(1.1826e20 / U) = 3.75 (10% × ½ year × 75, not × 100):
        // fee floor(4.999999 × 0.2) = 0.999999, and the mark becomes 79.999999 − 0.999999 = 79.
        try v.ok(.mark(equity: usd("80")), at: half)
        #expect(try v.ok(.crystallize(.depositor("alice")), at: half).performanceFee == Amount(raw: 999_999))
        #expect(v.account("alice")?.highWaterMark == usd("79"))
    }

    /// A payout above the mark (profit not charged because it was under the hurdle) leaves the
    /// mark at zero, never negative.
    @Test func markNeverGoesBelowZero() throws {
        let fees = FeeTerms(performanceFee: ppm("0.2"), hurdleRate: ppm("0.5"))
        var v = try Vault.make(VaultTerms(fees: fees))
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)
        try v.ok(.deposit(depositor: "bob", amount: usd("100")), at: 0)  // S = 2e11, E = 2e8
        // +30% over a year: alice worth floor(1e11 × 260_000_001 / 200_000_001_000) = 129.999999,
        // profit 29.999999 under the hurdle ceil(1e8 × 500_000 × year / U) = 50: no fee at the request.
        try v.ok(.mark(equity: usd("260")), at: year)
        // 99% of her shares: n = 99e9, worth floor(99e9 × 260_000_001 / 200_000_001_000) = 128.699999.
        let request = try v.ok(.requestWithdraw(depositor: "alice", .percent(ppm("0.99"))), at: year)
        #expect(request.amount == Amount(raw: 128_699_999) && request.performanceFee == .zero)
        try v.ok(.withdraw(depositor: "alice"), at: year)
        // 100 − 128.699999 < 0 → 0 (and the hurdle with it); she still holds 1e9 shares.
        #expect(v.account("alice")?.highWaterMark == .zero && v.account("alice")?.hurdleAccrued == 0)
        #expect(v.sharesOf("alice") == 1_000_000_000)
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
