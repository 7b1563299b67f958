import MarketCore
import Testing

@testable import VaultLedger

/// Plans write the core in place; deposit, withdrawal request and transfer can refuse after they
/// have accrued (and crystallised), and then put back what they wrote (`VaultCore.Undo`). Each
/// late refusal below happens after a gap in which the accrual moves every number it can (fee
/// shares minted to the manager and protocol, points, hurdle, a fee raise falling due), and the
/// actor's crystallisation moves shares: the vault must still equal the one before the action.
@Suite struct UndoTests {
    static let fees = FeeTerms(
        managementFee: ppm("0.02"), performanceFee: ppm("0.2"), hurdleRate: ppm("0.05"), protocolFee: ppm("0.01"),
        protocolProfitShare: ppm("0.05"))
    /// A raise (pending for the timelock, one week here), due before `late`.
    static let raise = FeeTerms(
        managementFee: ppm("0.03"), performanceFee: ppm("0.2"), hurdleRate: ppm("0.05"), protocolFee: ppm("0.01"),
        protocolProfitShare: ppm("0.05"))
    /// When the refused actions come: 30 days on, past the raise's effective time.
    static let late: Int64 = 30 * day

    /// Manager, alice and bob deposit; a mark gives everyone a profit (a performance fee to
    /// crystallise); a fee raise is pending.
    func fixture(_ terms: VaultTerms = VaultTerms(fees: fees, minDeposit: usd("10"), pointsPerSecond: 1_000)) throws -> Vault {
        var v = try Vault.make(terms, sealing: .onDemand)
        try v.ok(.deposit(depositor: "mgr", amount: usd("3000")), at: 0)
        try v.ok(.deposit(depositor: "alice", amount: usd("10000")), at: 0)
        try v.ok(.deposit(depositor: "bob", amount: usd("5000")), at: 0)
        try v.ok(.mark(equity: usd("36000")), at: 10)
        try v.ok(.setFees(Self.raise), at: 20)
        #expect(v.pendingFeeUpdate != nil)
        return v
    }

    /// The accrual at `late` moves every number of the undo record that it writes, and the
    /// crystallisation of `name` the ones it writes: so a refusal there that failed to put them
    /// back would leave the vault different.
    func expectEveryFieldMoves(_ v: Vault, crystallising name: String) {
        var probe = v
        guard case .success = probe.apply(.crystallize(.depositor(name)), at: sec(Self.late)) else {
            Issue.record("probe crystallisation refused")
            return
        }
        let a = v.core.undoPoint, b = probe.core.undoPoint
        #expect(a.fees != b.fees && a.pendingFees != b.pendingFees && a.clock != b.clock)
        #expect(a.totalShares != b.totalShares && a.userShares != b.userShares)
        #expect(a.managerShares != b.managerShares && a.protocolShares != b.protocolShares)
        #expect(a.pointsIndex != b.pointsIndex && a.hurdleIndex != b.hurdleIndex && a.feeTotals != b.feeTotals)
    }

    @Test func aRefusedDepositAfterItsAccrualChangesNothing() throws {
        let v = try fixture()
        expectEveryFieldMoves(v, crystallising: "alice")
        // Below the minimum deposit (checked after the accrual).
        var w = v
        #expect(w.refused(.deposit(depositor: "alice", amount: usd("5")), at: Self.late) == .belowMinimumDeposit(amount: usd("5"), minimum: usd("10")))
        // Equity past the maximum.
        var big = try fixture(VaultTerms(fees: Self.fees, minDeposit: usd("10"), pointsPerSecond: 1_000))
        try big.ok(.mark(equity: Vault.maxEquity), at: 25)
        expectEveryFieldMoves(big, crystallising: "alice")
        guard case .aboveMaximum = big.refused(.deposit(depositor: "alice", amount: usd("1000")), at: Self.late) else {
            Issue.record("expected aboveMaximum")
            return
        }
    }

    @Test func aFullOrWipedOutVaultRefusesADepositAfterItsAccrualAndChangesNothing() throws {
        // A capacity of 20,000: the fixture's 18,000 in, then a mark to 20,000 fills it.
        var full = try fixture(VaultTerms(fees: Self.fees, minDeposit: usd("10"), maxTokens: usd("20000"), pointsPerSecond: 1_000))
        try full.ok(.mark(equity: usd("20000")), at: 25)
        expectEveryFieldMoves(full, crystallising: "alice")
        #expect(full.refused(.deposit(depositor: "alice", amount: usd("100")), at: Self.late) == .vaultFull(room: .zero, minimum: usd("10")))
        // Equity marked to zero with shares outstanding: the accrual still moves the clock,
        // points and hurdle (no fee: depositor equity is zero) before the refusal.
        var wiped = try fixture()
        try wiped.ok(.mark(equity: .zero), at: 25)
        var probe = wiped
        try probe.ok(.accrue, at: Self.late)
        #expect(probe.core.clock != wiped.core.clock && probe.core.pointsIndex != wiped.core.pointsIndex)
        #expect(probe.core.hurdleIndex != wiped.core.hurdleIndex && probe.core.terms.fees != wiped.core.terms.fees)
        #expect(wiped.refused(.deposit(depositor: "alice", amount: usd("100")), at: Self.late) == .wipedOut)
    }

    @Test func aDepositThatMintsNothingOrBreaksTheManagerStakeChangesNothing() throws {
        // No minimum: a deposit of one raw unit at a share price above one unit mints nothing.
        var v = try fixture(VaultTerms(fees: Self.fees, shareOffsetDigits: 0, minDeposit: Amount(raw: 1), pointsPerSecond: 1_000))
        try v.ok(.mark(equity: usd("36000000")), at: 25)
        expectEveryFieldMoves(v, crystallising: "alice")
        #expect(v.refused(.deposit(depositor: "alice", amount: Amount(raw: 1)), at: Self.late) == .depositTooSmall(Amount(raw: 1)))
        // A manager stake of 15%: the manager holds about 1/6 of the shares, a large deposit dilutes it below.
        var s = try fixture(VaultTerms(fees: Self.fees, minDeposit: usd("10"), managerMinimumStake: ppm("0.15"), pointsPerSecond: 1_000))
        expectEveryFieldMoves(s, crystallising: "alice")
        #expect(s.refused(.deposit(depositor: "alice", amount: usd("100000")), at: Self.late) == .managerStakeTooLow(minimum: ppm("0.15")))
    }

    /// The overflow guards: a mint past the share limit, and a depositor's total deposits past
    /// `Int64` (93 deposits of the largest amount, each paid out again).
    @Test func theOverflowGuardsRefuseADepositAfterItsAccrualAndChangeNothing() throws {
        var v = try fixture()
        try v.ok(.deposit(depositor: "bob", amount: usd("1000000")), at: 21)
        try v.ok(.mark(equity: Amount(raw: 1)), at: 25)  // E + 1 = 2: the largest deposit mints ~2.6e31 shares
        var probe = v
        try probe.ok(.accrue, at: Self.late)
        #expect(probe.core.clock != v.core.clock && probe.core.pointsIndex != v.core.pointsIndex)
        #expect(probe.core.hurdleIndex != v.core.hurdleIndex && probe.core.terms.fees != v.core.terms.fees)
        #expect(v.refused(.deposit(depositor: "whale", amount: Vault.maxAmount), at: Self.late) == .tooLarge("the share count after this deposit"))

        var w = try fixture()
        for _ in 0..<92 {
            try w.ok(.deposit(depositor: "whale", amount: Vault.maxAmount), at: 100)
            try w.ok(.requestWithdraw(depositor: "whale", .percent(ppm("1"))), at: 100)
            try w.ok(.withdraw(depositor: "whale"), at: 100)
        }
        #expect(w.account("whale")?.totalDeposited == Amount(raw: 92 * Vault.maxAmount.raw))
        expectEveryFieldMoves(w, crystallising: "alice")
        #expect(w.refused(.deposit(depositor: "whale", amount: Vault.maxAmount), at: Self.late) == .tooLarge("whale's running deposit totals"))
    }

    @Test func aRefusedWithdrawalRequestAfterItsAccrualChangesNothing() throws {
        var v = try fixture()
        expectEveryFieldMoves(v, crystallising: "alice")
        // Each unit with the refusal it must get (checked after the accrual).
        let refusals: [(WithdrawUnit, (VaultError) -> Bool)] = [
            (.amount(Amount(raw: 0)), { $0 == .notPositive("withdrawal amount") }),
            (.amount(usd("1000000")), { if case .insufficientShares = $0 { true } else { false } }),
            (.shares(Shares(raw: 0)), { $0 == .notPositive("shares to redeem") }),
            (.shares(Shares(raw: Int128(1) << 100)), { if case .insufficientShares = $0 { true } else { false } }),
            (.percent(Ppm(raw: 0)), { $0 == .percentOutOfRange(Ppm(raw: 0)) }),
            (.percent(Ppm(raw: 2_000_000)), { $0 == .percentOutOfRange(Ppm(raw: 2_000_000)) }),
            (.amount(Amount(raw: Vault.maxAmount.raw + 1)), { if case .aboveMaximum = $0 { true } else { false } }),
        ]
        for (unit, expected) in refusals {
            let error = v.refused(.requestWithdraw(depositor: "alice", unit), at: Self.late)
            #expect(error.map(expected) == true, "\(unit): \(String(describing: error))")
        }
        // One part per million of under a million raw shares rounds to no share.
        var small = try fixture(VaultTerms(fees: Self.fees, shareOffsetDigits: 0, minDeposit: Amount(raw: 1), pointsPerSecond: 1_000))
        try small.ok(.deposit(depositor: "carol", amount: usd("1")), at: 21)
        #expect(small.sharesOf("carol") > 0 && small.sharesOf("carol") < 1_000_000)
        expectEveryFieldMoves(small, crystallising: "alice")
        #expect(small.refused(.requestWithdraw(depositor: "carol", .percent(Ppm(raw: 1))), at: Self.late) == .nothingToWithdraw("carol"))
        // The manager asking for everything breaks its own minimum stake.
        var s = try fixture(VaultTerms(fees: Self.fees, minDeposit: usd("10"), managerMinimumStake: ppm("0.1"), pointsPerSecond: 1_000))
        expectEveryFieldMoves(s, crystallising: "alice")
        #expect(s.refused(.requestWithdraw(depositor: "mgr", .percent(ppm("1"))), at: Self.late) == .managerStakeTooLow(minimum: ppm("0.1")))
    }

    @Test func aRefusedTransferAfterItsAccrualChangesNothing() throws {
        var v = try fixture()
        expectEveryFieldMoves(v, crystallising: "alice")
        guard case .insufficientShares = v.refused(.transfer(from: "alice", to: "bob", shares: Shares(raw: Int128(1) << 100)), at: Self.late)
        else {
            Issue.record("expected insufficientShares")
            return
        }
        // Worth more than one action may move: a vault marked at the maximum equity.
        var big = try fixture()
        try big.ok(.mark(equity: Vault.maxEquity), at: 25)
        expectEveryFieldMoves(big, crystallising: "alice")
        // Half of alice's shares (she keeps more than that after her fee), about a quarter of equity.
        let half = Shares(raw: big.sharesOf("alice") / 2)
        guard case .aboveMaximum = big.refused(.transfer(from: "alice", to: "bob", shares: half), at: Self.late) else {
            Issue.record("expected aboveMaximum")
            return
        }
    }
}
