import MarketCore
import Testing
import VaultLedger

/// Management fee (dilution of depositor shares only, carried forward, compounding yearly over
/// long gaps), performance fee on a net-of-fee per-depositor high-water mark, soft and hard
/// prorated hurdles, protocol fee and profit share, and the fee timelock.
/// δ = 3 (V = 1000); year = 31_536_000 s; U = 1e6 × year = 31_536_000_000_000.
///
/// A management or protocol fee f on depositor equity D = floor(depositorShares × (E+1)/(S+V))
/// is paid by minting T' − (S+V) shares, T' = floor(K(E+1)/(W−f)), with Q = depositor + virtual
/// shares, W = Q(E+1)/(S+V) (their value; an integer in most tests below, where
/// (E+1)/(S+V) = 1/1000 exactly), K = Q, or Q − 1 when the other fee recipient holds shares. The
/// other recipient is scaled by T'/(S+V) (floor); the receiver gets the rest.
@Suite struct FeeTests {
    @Test func managementFeeDilutesByTheExactFee() throws {
        var v = try Vault.make(VaultTerms(fees: FeeTerms(managementFee: ppm("0.02"))))
        try v.ok(.deposit(depositor: "alice", amount: usd("1000")), at: 0)  // S = 1e12, E = 1e9
        let r = try v.ok(.accrue, at: year)
        // D = floor(1e12 × (1e9 + 1) / (1e12 + 1000)) = 1e9.
        // fee = floor(1e9 × 20_000 × year / U) = 20_000_000 (20 USDC).
        // Q = 1e12 + 1000, W = Q × (1e9 + 1) / (1e12 + 1000) = 1_000_000_001, K = Q (no protocol shares);
        // T' = floor((1e12 + 1000) × 1_000_000_001 / (1_000_000_001 − 2e7))
        //    = floor(1_000_000_002_000_000_001_000 / 980_000_001) = 1_020_408_164_264;
        // manager = T' − V − U = 1_020_408_164_264 − 1000 − 1e12 = 20_408_163_264.
        #expect(r.managementFee == usd("20"))
        #expect(v.manager.shares == shares(20_408_163_264))
        #expect(v.feeTotals.managementFee == usd("20"))
        // Alice: floor(1e12 × 1_000_000_001 / 1_020_408_164_264) = 980.000000 — she paid exactly 20.
        #expect(v.value(of: "alice", at: sec(year)) == usd("980"))
        // The manager: floor(20_408_163_264 × 1_000_000_001 / 1_020_408_164_264) = 19.999999 (≤ the fee).
        #expect(v.value(of: "mgr", at: sec(year)) == Amount(raw: 19_999_999))
    }

    /// Drift's `test_smol_management_fee`: the manager's own stake does not pay the fee.
    @Test func managementFeeIsPaidByDepositorsOnly() throws {
        var v = try Vault.make(VaultTerms(fees: FeeTerms(managementFee: ppm("0.001"))))
        try v.ok(.deposit(depositor: "mgr", amount: usd("100")), at: 0)  // M = 1e11
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)  // U = 1e11; S = 2e11, E = 2e8
        #expect(v.value(of: "mgr", at: .zero) == usd("100"))
        let r = try v.ok(.accrue, at: year)
        // D = floor(1e11 × 200_000_001 / 200_000_001_000) = 1e8 (alice only; the manager's 100 is exempt).
        // fee = floor(1e8 × 1000 × year / U) = 100_000 (0.1 USDC = 0.1% of 100, not of 200).
        // Q = 1e11 + 1000, W = Q × 200_000_001 / 200_000_001_000 = 100_000_001, K = Q;
        // T' = floor((1e11 + 1000) × 200_000_001 / (100_000_001 − 100_000))
        //    = floor(20_000_000_300_000_001_000 / 99_900_001) = 200_200_201_199;
        // manager = T' − V − U = 200_200_201_199 − 1000 − 1e11 = 100_200_200_199.
        #expect(r.managementFee == usd("0.1") && v.feeTotals.managementFee == usd("0.1"))
        #expect(v.manager.shares == shares(100_200_200_199))
        // Alice: floor(1e11 × 200_000_001 / 200_200_201_199) = 99.900000, as in Drift (99_900_000).
        #expect(v.value(of: "alice", at: sec(year)) == usd("99.9"))
        // The manager: floor(100_200_200_199 × 200_000_001 / 200_200_201_199) = 100.099999: its value
        // rose by 0.099999, the 0.1 fee less 1 raw unit of dust (it receives at most the fee).
        #expect(v.value(of: "mgr", at: sec(year)) == Amount(raw: 100_099_999))
        // (Drift: total shares 200_200_200 without the virtual offset.)
    }

    /// Drift's `test_management_fee_high_frequency` at 2% a year, alice alone, accrued weekly from
    /// t = 0 while t < 1 year, then once more at t = 53 weeks: 53 weekly charges.
    @Test func managementFeeAccruedWeeklyCompoundsOnlyOnDepositorEquity() throws {
        var v = try Vault.make(VaultTerms(fees: FeeTerms(managementFee: ppm("0.02"))))
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)
        let week: Int64 = 7 * day
        var t: Int64 = 0
        var first: VaultReceipt? = nil
        while t < year {
            let r = try v.ok(.accrue, at: t)
            if t == week { first = r }
            t += week
        }
        try v.ok(.accrue, at: t)
        #expect(t == 53 * week)
        // Week 1: D = 1e8, owed = 1e8 × 20_000 × 604_800 = 1_209_600_000_000_000_000 units;
        // fee = floor(owed / U) = 38_356 (0.16 of a raw unit carried), as Drift's 38_356.
        #expect(first?.managementFee == Amount(raw: 38_356))
        // Each week alice keeps D_k − fee_k where fee_k = floor((carry + D_k × 20_000 × 604_800) / U),
        // and only her shares are diluted, so the manager's earlier fee shares never absorb a later
        // fee. The exact rational result is 100 × (1 − 0.02 × 7/365)^53 = 97.98726480 (to 8 places);
        // every floor favours her, so she keeps 97.987265 (≥ the exact figure, by under one raw unit).
        #expect(v.value(of: "alice", at: sec(t)) == Amount(raw: 97_987_265))
        // The 53 fees sum to 2.012735 = 100 − 97.987265 (her floored value fell by exactly the fees
        // charged); the manager holds 2.012734: what it received is the fees less dust below one raw
        // unit in all (the virtual shares' sliver and the share floors), shown floored.
        #expect(v.feeTotals.managementFee == Amount(raw: 2_012_735))
        #expect(v.value(of: "mgr", at: sec(t)) == Amount(raw: 2_012_734))
        // Drift's test asserts 97_990_968: 3_703 micro-USDC more for the depositor, because Drift
        // truncates its share factor D × 1e6 / (D − fee) to six decimals each week (under-minting up
        // to 1 ppm of all shares per accrual) and drops each week's fee fraction instead of carrying
        // it. Ours is the exact figure rounded in the depositor's favour; it never favours the manager.
    }

    /// With a manager stake and both annual fees, each recipient gains its own fee and nobody's
    /// shares but the depositors' pay: not the manager's stake, not its earlier fee shares, not the
    /// protocol's shares.
    @Test func feeRecipientsKeepTheirOwnStakes() throws {
        let fees = FeeTerms(managementFee: ppm("0.02"), protocolFee: ppm("0.01"))
        var v = try Vault.make(VaultTerms(fees: fees))
        try v.ok(.deposit(depositor: "mgr", amount: usd("100")), at: 0)
        try v.ok(.deposit(depositor: "alice", amount: usd("100")), at: 0)  // U = M = 1e11, E = 2e8
        let r = try v.ok(.accrue, at: year)
        // D = 100 (alice only): management 2, protocol 1, both on D.
        // Manager: Q = 1e11 + 1000, W = Q × 200_000_001 / 200_000_001_000 = 100_000_001;
        //   K = Q (the protocol holds nothing yet): T1 = floor((1e11 + 1000) × 200_000_001 / (100_000_001 − 2e6))
        //      = floor(20_000_000_300_000_001_000 / 98_000_001) = 204_081_633_631; manager = T1 − 1000 − 1e11 = 104_081_632_631.
        // Protocol: W2 = Q × 200_000_001 / T1 = 20_000_000_300_000_001_000 / T1 (98_000_001.0013…), K = Q − 1
        //   (the manager holds shares): T2 = floor((Q − 1) × 200_000_001 × T1 / (Q × 200_000_001 − 1e6 × T1))
        //      = floor(4_081_632_733_803_673_966_451_351_997_369 / 19_795_918_666_369_001_000) = 206_185_567_974;
        //   manager scaled: floor(104_081_632_631 × T2 / T1) = floor(21_460_130_539_683_946_959_594 / T1)
        //      = 105_154_639_140; protocol = T2 − 1000 − 1e11 − 105_154_639_140 = 1_030_927_834.
        #expect(r.managementFee == usd("3"))
        #expect(v.manager.shares == shares(105_154_639_140) && v.protocolAccount.shares == shares(1_030_927_834))
        // Values at 200_000_001 / 206_185_567_974: alice 97.000000 (paid 2 + 1), the manager
        // 101.999999 (its 100 untouched, plus the 2 fee less 1 raw of dust), the protocol 0.999999.
        #expect(v.value(of: "alice", at: sec(year)) == usd("97"))
        #expect(v.value(of: "mgr", at: sec(year)) == Amount(raw: 101_999_999))
        #expect(v.value(of: "protocol", at: sec(year)) == Amount(raw: 999_999))
        // A second year: D = 97, fees 1.94 and 0.97. Alice ends at 97 − 2.91 = 94.09; the manager and
        // protocol each gain exactly their fee (their earlier fee shares are not diluted by the new fee).
        let r2 = try v.ok(.accrue, at: 2 * year)
        #expect(r2.managementFee == usd("2.91"))
        #expect(v.value(of: "alice", at: sec(2 * year)) == usd("94.09"))
        #expect(v.value(of: "mgr", at: sec(2 * year)) == Amount(raw: 101_999_999 + 1_940_000))
        #expect(v.value(of: "protocol", at: sec(2 * year)) == Amount(raw: 999_999 + 970_000))
        #expect(v.feeTotals.managementFee == usd("3.94") && v.feeTotals.protocolFee == usd("1.97"))
    }

    /// A gap of years between actions: linear within a year, compounding once a year, so the fee
    /// is never lost (and a 100 M vault is charged like a 1,000 USDC one).
    @Test func aFiftyYearGapIsChargedAsYearlyCompounding() throws {
        var v = try Vault.make(VaultTerms(fees: FeeTerms(managementFee: ppm("0.02"))))
        try v.ok(.deposit(depositor: "alice", amount: usd("100000000")), at: 0)  // E = 1e14, S = 1e17
        let r = try v.ok(.accrue, at: 50 * year)
        // D_0 = floor(1e17 × (1e14 + 1) / (1e17 + 1000)) = 1e14, and each whole year
        // D_{k+1} = D_k − floor(D_k × 20_000 / 1e6) = D_k − floor(D_k / 50):
        //   D_1 = 98_000_000_000_000, D_2 = 96_040_000_000_000, …, D_7 = 86_812_553_324_672 (exact so far),
        //   D_8 = 86_812_553_324_672 − floor(1_736_251_066_493.44) = 85_076_302_258_179, …,
        //   D_50 = 36_416_968_008_724.
        // Check: 1e14 × 0.98^50 = 36_416_968_008_711.7; each year's floor leaves alice under one raw unit
        // more, so D_50 lies in [36_416_968_008_712, 36_416_968_008_761]. Fee = 1e14 − D_50 = 63_583_031_991_276.
        #expect(r.managementFee == Amount(raw: 63_583_031_991_276))
        // Q = K = 1e17 + 1000, W = 1e14 + 1; T' = floor((1e17 + 1000) × (1e14 + 1) / (1e14 + 1 − 63_583_031_991_276))
        //   = floor(10_000_000_000_000_200_000_000_000_001_000 / 36_416_968_008_725) = 274_597_270_085_865_984;
        // the manager gets T' − 1000 − 1e17 = 174_597_270_085_864_984 shares (S grows 2.75×, far below the limit).
        #expect(v.manager.shares == shares(174_597_270_085_864_984))
        // Alice: floor(1e17 × (1e14 + 1) / T') = 36_416_968.008724; the manager 63_583_031.991275.
        #expect(v.value(of: "alice", at: sec(50 * year)) == Amount(raw: 36_416_968_008_724))
        #expect(v.value(of: "mgr", at: sec(50 * year)) == Amount(raw: 63_583_031_991_275))
        // Later accruals keep charging: one more year is floor(36_416_968_008_724 / 50) = 728_339_360_174.
        #expect(try v.ok(.accrue, at: 51 * year).managementFee == Amount(raw: 728_339_360_174))

        // The same gap on 1,000 USDC: D_50 = 364_169_697 by the same recurrence from 1e9
        // (1e9 × 0.98^50 = 364_169_680.09), so the fee is 635.830303, not 999.999999.
        var small = try Vault.make(VaultTerms(fees: FeeTerms(managementFee: ppm("0.02"))))
        try small.ok(.deposit(depositor: "alice", amount: usd("1000")), at: 0)
        #expect(try small.ok(.accrue, at: 50 * year).managementFee == Amount(raw: 635_830_303))
        #expect(small.value(of: "alice", at: sec(50 * year)) == Amount(raw: 364_169_697))
    }

    /// The fee is cut (and the cut forgiven) only when minting it would take S past
    /// `Shares.limit`: no trap, no overflow.
    @Test func aFeeThatWouldPassTheShareLimitIsCut() throws {
        // δ = 12: 1e12 raw shares per raw unit. Nine deposits of the largest amount (1e17 raw each)
        // make E = 9e17 and S = 9e29, a tenth below the limit of 1e30.
        var v = try Vault.make(VaultTerms(fees: FeeTerms(managementFee: ppm("0.02")), shareOffsetDigits: 12))
        for _ in 0..<9 { try v.ok(.deposit(depositor: "alice", amount: Vault.maxAmount), at: 0) }
        #expect(v.totalShares == shares(900_000_000_000_000_000_000_000_000_000))
        // Ten years would charge 9e17 − D_10 (D_{k+1} = D_k − floor(D_k / 50)) = 164_634_473_801_207_798,
        // needing S × 9e17 / D_10 > 1e30 shares. The largest fee that fits: W − (Q − 1)(E + 1)/(limit + V)
        // with Q = S + V = 9e29 + 1e12 and W = E + 1 = 9e17 + 1, i.e.
        // (9e17 + 1) × (1e29 + 1) / (1e30 + 1e12) = 9e16 + 0.0099… → 9e16 (one tenth of the vault).
        let r = try v.ok(.accrue, at: 10 * year)
        #expect(r.managementFee == Amount(raw: 90_000_000_000_000_000))
        #expect(v.totalShares <= Shares.limit)
        // Alice keeps 9e17 − 9e16 = 8.1e17.
        #expect(v.value(of: "alice", at: sec(10 * year)) == Amount(raw: 810_000_000_000_000_000))
        // With no room left, the next day's fee is cut to nothing (forgiven, not carried).
        #expect(try v.ok(.accrue, at: 10 * year + day).managementFee == .zero)
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
        // At 1577: owed 3.154e13 → fee 1 raw. Q = 1e9 + 1000, W = Q × (1e6 + 1) / (1e9 + 1000) = 1_000_001;
        // T' = floor((1e9 + 1000) × 1_000_001 / (1_000_001 − 1)) = floor(1_000_002_000_001_000 / 1e6)
        //    = 1_000_002_000; manager = T' − 1000 − 1e9 = 1000 shares (worth 1000 × 1_000_001 / 1_000_002_000 < 1 raw).
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
        // A year of fee (20_408_163_264 shares, S + V = 1_020_408_164_264, see
        // managementFeeDilutesByTheExactFee) is minted by the manager's own deposit; its 10 USDC then
        // buy floor(1e7 × 1_020_408_164_264 / 1_000_000_001) = 10_204_081_632 more shares.
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
        // Both fees on the same depositor equity D = 1000 (as in Drift): 2% = 20, 1% = 10.
        // Manager first: T1 = 1_020_408_164_264, M1 = 20_408_163_264 (see managementFeeDilutesByTheExactFee).
        // Protocol next, on W2 = (1e12 + 1000) × 1_000_000_001 / T1 = 1_000_000_002_000_000_001_000 / T1
        // (980_000_001.0018…), with K = Q − 1 as the manager now holds shares:
        //   T2 = floor((1e12 + 999) × 1_000_000_001 / (W2 − 1e7))
        //      = floor(1_000_000_001_999_000_000_999 × T1 / (1_000_000_002_000_000_001_000 − 1e7 × T1))
        //      = floor(1_020_408_166_303_795_921_383_123_756_099_736 / 989_795_920_357_360_001_000) = 1_030_927_836_048;
        // the manager is scaled, not diluted: M2 = floor(M1 × T2 / T1) = floor(21_039_343_591_469_808_540_672 / T1)
        //   = 20_618_556_699; the protocol gets the rest: T2 − 1000 − 1e12 − M2 = 10_309_278_349.
        #expect(r.managementFee == usd("30"))
        #expect(v.feeTotals.managementFee == usd("20") && v.feeTotals.protocolFee == usd("10"))
        #expect(v.protocolAccount.shares == shares(10_309_278_349))
        #expect(v.manager.shares == shares(20_618_556_699))
        // Alice: floor(1e12 × 1_000_000_001 / 1_030_927_836_048) = 970.000000 (= 1000 − 20 − 10);
        // manager floor(20_618_556_699 × 1_000_000_001 / T2) = 19.999999, protocol 9.999999: neither
        // recipient's shares paid any part of the other's fee.
        #expect(v.value(of: "alice", at: sec(year)) == usd("970"))
        #expect(v.value(of: "mgr", at: sec(year)) == Amount(raw: 19_999_999))
        #expect(v.value(of: "protocol", at: sec(year)) == Amount(raw: 9_999_999))

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
        // T' = floor((1e12 + 1000) × 1_000_000_001 / (1_000_000_001 − 1_917_808)) = 1_001_921_494_054,
        // so the manager gets T' − 1000 − 1e12 = 1_921_493_054 shares.
        #expect(r.managementFee == Amount(raw: 1_917_808))
        #expect(v.manager.shares == shares(1_921_493_054))
    }
}
