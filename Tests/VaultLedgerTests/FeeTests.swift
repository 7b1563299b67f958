import MarketCore
import Testing
import VaultLedger

/// Management fee (dilution, carried forward), performance fee on a net-of-fee per-depositor
/// high-water mark, soft and hard prorated hurdles, protocol fee and profit share, and the fee
/// timelock. δ = 3; year = 31_536_000 s; U = 1e6 × year = 31_536_000_000_000.
@Suite struct FeeTests {
    @Test func managementFeeDilutesByTheExactFee() throws {
        var v = try Vault.make(VaultTerms(fees: FeeTerms(managementFee: ppm("0.02"))))
        try v.ok(.deposit(depositor: "alice", amount: usd("1000")), at: 0)  // S = 1e12, E = 1e9
        let r = try v.ok(.accrue, at: year)
        // D = floor(1e12 × (1e9 + 1) / (1e12 + 1000)) = 1e9.
        // fee = floor(1e9 × 20_000 × year / U) = 20_000_000 (20 USDC).
        // minted = floor(2e7 × (1e12 + 1000) / (1e9 + 1 − 2e7)) = floor(2.000000002e19 / 980_000_001) = 20_408_163_264.
        #expect(r.managementFee == usd("20"))
        #expect(v.manager.shares == shares(20_408_163_264))
        #expect(v.feeTotals.managementFee == usd("20"))
        // Alice: 1e12 × 1_000_000_001 / 1_020_408_164_264 = 980.000000 — she paid exactly 20.
        #expect(v.value(of: "alice", at: sec(year)) == usd("980"))
        // The manager's shares: 20_408_163_264 × 1_000_000_001 / 1_020_408_164_264 = 19.999999 (≤ the fee).
        #expect(v.value(of: "mgr", at: sec(year)) == Amount(raw: 19_999_999))
    }

    @Test func managementFeeIsCarriedForwardNotErased() throws {
        let terms = VaultTerms(fees: FeeTerms(managementFee: ppm("0.02")))
        var v = try Vault.make(terms)
        try v.ok(.deposit(depositor: "alice", amount: usd("1")), at: 0)  // S = 1e9, E = 1e6, D = 1e6
        // Owed per second: 1e6 × 20_000 = 2e10 units; one quote unit is U = 3.1536e13 units, so
        // the first raw unit of fee is due after ceil(3.1536e13 / 2e10) = 1577 s.
        for t in stride(from: 100 as Int64, through: 1500, by: 100) {
            #expect(try v.ok(.accrue, at: t).managementFee == .zero)
        }
        #expect(try v.ok(.accrue, at: 1576).managementFee == .zero)  // 1576 × 2e10 = 3.152e13 < U
        // At 1577: owed 3.154e13 → fee 1 raw; minted floor(1 × (1e9 + 1000) / (1e6 + 1 − 1)) = 1000 shares.
        let r = try v.ok(.accrue, at: 1577)
        #expect(r.managementFee == Amount(raw: 1))
        #expect(v.manager.shares == shares(1000))
        // Frequent accruals charge exactly what one accrual at the end does.
        var once = try Vault.make(terms)
        try once.ok(.deposit(depositor: "alice", amount: usd("1")), at: 0)
        try once.ok(.accrue, at: 1577)
        #expect(once.manager.shares == v.manager.shares)
    }

    @Test func performanceFeeUsesANetOfFeeHighWaterMark() throws {
        var v = try Vault.make(VaultTerms(fees: FeeTerms(performanceFee: ppm("0.1"))))
        try v.ok(.deposit(depositor: "alice", amount: usd("2000")), at: 0)  // S = 2e12, mark 2000
        try v.ok(.mark(equity: usd("2200")), at: 1)
        #expect(v.performanceFeeDue(of: "alice", at: sec(1)) == Amount(raw: 19_999_999))
        var r = try v.ok(.crystallize(.depositor("alice")), at: 1)
        // value = floor(2e12 × 2_200_000_001 / 2_000_000_001_000) = 2_199_999_999; profit 199_999_999;
        // fee = floor(199_999_999 × 0.1) = 19_999_999; shares moved = floor(19_999_999 × 2_000_000_001_000
        // / 2_200_000_001) = 18_181_817_273; new mark = 2_199_999_999 − 19_999_999 = 2180 (net of fee).
        #expect(r.performanceFee == Amount(raw: 19_999_999) && r.performanceFeeShares == shares(18_181_817_273))
        #expect(v.account("alice")?.highWaterMark == usd("2180"))
        #expect(v.sharesOf("alice") == 1_981_818_182_727)
        #expect(v.value(of: "alice", at: sec(1)) == usd("2180"))
        // Below the mark nobody pays: equity 1980 → alice worth 1962 < 2180.
        try v.ok(.mark(equity: usd("1980")), at: 2)
        #expect(try v.ok(.crystallize(.depositor("alice")), at: 2).performanceFee == .zero)
        // Recovery to 2210: alice worth floor(1_981_818_182_727 × 2_210_000_001 / 2_000_000_001_000)
        // = 2_189_909_091, above the net mark 2180 (though below the gross 2200): profit 9_909_091,
        // fee 990_909, shares floor(990_909 × 2_000_000_001_000 / 2_210_000_001) = 896_750_226.
        try v.ok(.mark(equity: usd("2210")), at: 3)
        r = try v.ok(.crystallize(.all), at: 3)
        #expect(r.performanceFee == Amount(raw: 990_909) && r.performanceFeeShares == shares(896_750_226))
        #expect(v.account("alice")?.highWaterMark == Amount(raw: 2_188_918_182))
        #expect(v.sharesOf("alice") == 1_980_921_432_501)
        #expect(v.feeTotals.performanceFee == Amount(raw: 20_990_908))
        #expect(v.account("alice")?.performanceFeesPaid == Amount(raw: 20_990_908))
        // (Drift's test_apply_profit_share_on_net_hwm has 2_180_000_000, 20_990_909 and 1_980_921_432
        // without the virtual offset; the offset's 1000 virtual shares shift the last digits.)
    }

    @Test func performanceFeeCrystallisesAtDepositBeforeTheMarkMoves() throws {
        var v = try Vault.make(VaultTerms(fees: FeeTerms(performanceFee: ppm("0.1"))))
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)
        try v.ok(.mark(equity: usd("120")), at: 1)
        // alice: value floor(1e11 × 120_000_001 / 100_000_001_000) = 119_999_999, profit 19_999_999,
        // fee 1_999_999; then the deposit adds 10 to her mark: 119_999_999 − 1_999_999 + 10 = 128.
        let r = try v.ok(.deposit(depositor: "alice", amount: usd("10")), at: 1)
        #expect(r.performanceFee == Amount(raw: 1_999_999))
        #expect(v.account("alice")?.highWaterMark == usd("128"))
    }

    @Test func performanceFeeCrystallisesAtTheWithdrawalRequest() throws {
        var v = try Vault.make(VaultTerms(fees: FeeTerms(performanceFee: ppm("0.1"))))
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)
        try v.ok(.mark(equity: usd("120")), at: 1)
        // Fee 1_999_999 as above, paid with floor(1_999_999 × 100_000_001_000 / 120_000_001) = 1_666_665_836
        // shares; the request then covers the 98_333_334_164 left, worth
        // floor(98_333_334_164 × 120_000_001 / 100_000_001_000) = 118 exactly.
        let r = try v.ok(.requestWithdraw(depositor: "alice", .percent(.one)), at: 1)
        #expect(r.performanceFee == Amount(raw: 1_999_999) && r.performanceFeeShares == shares(1_666_665_836))
        #expect(r.shares == shares(98_333_334_164) && r.amount == usd("118"))
        // While the request is pending nobody can crystallise her again.
        #expect(v.refused(.crystallize(.depositor("alice")), at: 2) == .withdrawalPending("alice"))
        #expect(try v.ok(.withdraw(depositor: "alice"), at: 2).amount == usd("118"))
    }

    @Test(arguments: [HurdleKind.soft, .hard])
    func hurdleIsProratedSinceTheMarkWasSet(kind: HurdleKind) throws {
        let fees = FeeTerms(performanceFee: ppm("0.2"), hurdleRate: ppm("0.1"), hurdle: kind)
        var v = try Vault.make(VaultTerms(fees: fees))
        try v.ok(.deposit(depositor: "alice", amount: usd("1000")), at: 0)  // mark 1000, S = 1e12
        let half = year / 2
        // Half a year at 10%/yr on a mark of 1000: threshold = ceil(1e9 × 100_000 × 15_768_000 / U) = 50.
        // Equity 1040: alice worth floor(1e12 × 1_040_000_001 / 1_000_000_001_000) = 1_039_999_999;
        // profit 39.999999 ≤ 50: no fee either way.
        try v.ok(.mark(equity: usd("1040")), at: half)
        #expect(try v.ok(.crystallize(.depositor("alice")), at: half).performanceFee == .zero)
        // Equity 1060: worth 1_059_999_999, profit 59_999_999 > 50_000_000.
        // soft: fee on the whole profit, floor(59_999_999 × 0.2) = 11_999_999;
        // hard: fee on the excess only, floor(9_999_999 × 0.2) = 1_999_999.
        try v.ok(.mark(equity: usd("1060")), at: half)
        let r = try v.ok(.crystallize(.depositor("alice")), at: half)
        #expect(r.performanceFee == Amount(raw: kind == .soft ? 11_999_999 : 1_999_999))
        // The new mark is the value after fee, and the hurdle restarts from zero.
        #expect(v.account("alice")?.highWaterMark == Amount(raw: 1_059_999_999 - r.performanceFee.raw))
        #expect(v.account("alice")?.hurdleAccrued == 0)
    }

    @Test func hurdleKeepsAccruingWhileNotCleared() throws {
        let fees = FeeTerms(performanceFee: ppm("0.2"), hurdleRate: ppm("0.1"))
        var v = try Vault.make(VaultTerms(fees: fees))
        try v.ok(.deposit(depositor: "alice", amount: usd("1000")), at: 0)
        let half = year / 2
        // Profit 39.999999 (see above) against a half-year threshold of 50: no fee.
        try v.ok(.mark(equity: usd("1040")), at: half)
        #expect(try v.ok(.crystallize(.depositor("alice")), at: half).performanceFee == .zero)
        // Crystallising did not restart the hurdle: a day later it is
        // ceil(1e9 × 100_000 × (15_768_000 + 86_400) / U) = 50.273973 (not 0.273973), still above the profit.
        #expect(try v.ok(.crystallize(.depositor("alice")), at: half + day).performanceFee == .zero)
        #expect(v.account("alice")?.hurdleAccrued == Int128(1_000_000_000) * 100_000 * Int128(half + day))
    }

    @Test func managerActionsKeepTheFeeSharesAccruedInTheSameAction() throws {
        var v = try Vault.make(VaultTerms(fees: FeeTerms(managementFee: ppm("0.02"))))
        try v.ok(.deposit(depositor: "alice", amount: usd("1000")), at: 0)
        // A year of fee (20_408_163_264 shares, see managementFeeDilutesByTheExactFee) is minted by
        // the manager's own deposit; its 10 USDC then buy floor(1e7 × 1_020_408_164_264 / 1_000_000_001)
        // = 10_204_081_632 more shares.
        let r = try v.ok(.deposit(depositor: "mgr", amount: usd("10")), at: year)
        #expect(r.managementFee == usd("20") && r.shares == shares(10_204_081_632))
        #expect(v.manager.shares == shares(20_408_163_264 + 10_204_081_632))
    }

    @Test func protocolFeeAndProfitShare() throws {
        let fees = FeeTerms(
            managementFee: ppm("0.02"), performanceFee: ppm("0.1"), protocolFee: ppm("0.01"),
            protocolProfitShare: ppm("0.05"))
        var v = try Vault.make(VaultTerms(fees: fees))
        try v.ok(.deposit(depositor: "alice", amount: usd("1000")), at: 0)
        let r = try v.ok(.accrue, at: year)
        // Manager first: fee 20 USDC, 20_408_163_264 shares (see managementFeeDilutesByTheExactFee).
        // Protocol on what depositors hold after that: D' = floor(1e12 × 1_000_000_001 / 1_020_408_164_264) = 980;
        // fee = 980 × 1% = 9.8; minted floor(9_800_000 × 1_020_408_164_264 / (1e9 + 1 − 9_800_000)) = 10_098_969_904.
        #expect(r.managementFee == usd("29.8"))
        #expect(v.feeTotals.managementFee == usd("20") && v.feeTotals.protocolFee == usd("9.8"))
        #expect(v.protocolAccount.shares == shares(10_098_969_904))
        // Alice: 1e12 × 1_000_000_001 / 1_030_507_134_168 = 970.396 (= 1000 × 0.98 × 0.99).
        #expect(v.value(of: "alice", at: sec(year)) == usd("970.396"))

        // Profit share: a 10% mark-up, split 10% to the manager and 5% to the protocol.
        var p = try Vault.make(VaultTerms(fees: FeeTerms(performanceFee: ppm("0.1"), protocolProfitShare: ppm("0.05"))))
        try p.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)
        try p.ok(.mark(equity: usd("200")), at: 1)
        // alice worth floor(1e11 × 200_000_001 / 100_000_001_000) = 199_999_999; profit 99_999_999;
        // manager floor(9_999_999.9) = 9_999_999, protocol floor(4_999_999.95) = 4_999_999.
        let c = try p.ok(.crystallize(.depositor("alice")), at: 1)
        #expect(c.performanceFee == Amount(raw: 14_999_998))
        #expect(p.feeTotals.performanceFee == Amount(raw: 9_999_999))
        #expect(p.feeTotals.protocolProfitShare == Amount(raw: 4_999_999))
        // The protocol can take its fees out like anyone.
        try p.ok(.requestWithdraw(depositor: "protocol", .percent(.one)), at: 1)
        #expect(try p.ok(.withdraw(depositor: "protocol"), at: 1).amount == Amount(raw: 4_999_998))
        #expect(p.refused(.crystallize(.depositor("protocol")), at: 1) == .roleNotAllowed(name: "protocol", action: "pay performance fees"))
    }

    @Test func feeRaiseWaitsForTheTimelockAndLoweringIsInstant() throws {
        // Redeem period 5 days → timelock max(7 days, 10 days) = 10 days.
        var v = try Vault.make(VaultTerms(fees: FeeTerms(performanceFee: ppm("0.1")), redeemPeriodSeconds: 5 * day))
        #expect(v.terms.feeTimelockSeconds == 10 * day)
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)
        try v.ok(.deposit(depositor: "bob", amount: usd("100")), at: 0)
        let raise = try v.ok(.setFees(FeeTerms(performanceFee: ppm("0.2"))), at: 0)
        #expect(raise.feesEffectiveAt == sec(10 * day))
        #expect(v.terms.fees.performanceFee == ppm("0.1") && v.pendingFeeUpdate?.effectiveAt == sec(10 * day))
        // Equity +10%: each is worth floor(1e11 × 220_000_001 / 200_000_001_000) = 109_999_999, profit 9_999_999.
        try v.ok(.mark(equity: usd("220")), at: day)
        // Before the timelock: 10% → 999_999. After it: 20% → 1_999_999.
        #expect(try v.ok(.crystallize(.depositor("alice")), at: day).performanceFee == Amount(raw: 999_999))
        #expect(try v.ok(.crystallize(.depositor("bob")), at: 10 * day).performanceFee == Amount(raw: 1_999_999))
        #expect(v.terms.fees.performanceFee == ppm("0.2") && v.pendingFeeUpdate == nil)
        // Lowering applies at once.
        let lower = try v.ok(.setFees(FeeTerms(performanceFee: ppm("0.05"))), at: 11 * day)
        #expect(lower.feesEffectiveAt == sec(11 * day) && v.terms.fees.performanceFee == ppm("0.05"))
        // Lowering the hurdle or switching hard → soft counts as a raise.
        #expect(FeeTerms(hurdleRate: ppm("0.05")).isRaise(from: FeeTerms(hurdleRate: ppm("0.1"))))
        #expect(FeeTerms(hurdle: .soft).isRaise(from: FeeTerms(hurdle: .hard)))
        #expect(!FeeTerms(hurdle: .hard).isRaise(from: FeeTerms(hurdle: .soft)))
        try v.ok(.setFees(FeeTerms(performanceFee: ppm("0.3"))), at: 12 * day)
        try v.ok(.cancelFeeUpdate, at: 12 * day)
        #expect(v.pendingFeeUpdate == nil && v.refused(.cancelFeeUpdate, at: 12 * day) == .noPendingFeeUpdate)
    }

    @Test func managementFeeRaiseAccruesAtTheOldRateUntilItApplies() throws {
        var v = try Vault.make()
        try v.ok(.deposit(depositor: "alice", amount: usd("1000")), at: 0)
        // No redeem period: the timelock is one week (604_800 s).
        try v.ok(.setFees(FeeTerms(managementFee: ppm("0.1"))), at: 0)
        let r = try v.ok(.accrue, at: 14 * day)
        // Only the second week is charged: floor(1e9 × 100_000 × 604_800 / U) = 1_917_808;
        // minted floor(1_917_808 × (1e12 + 1000) / (1e9 + 1 − 1_917_808)) = 1_921_493_054.
        #expect(r.managementFee == Amount(raw: 1_917_808))
        #expect(v.manager.shares == shares(1_921_493_054))
    }
}
