import MarketCore
import PropertyBased
import Testing
import VaultLedger

/// The ledger's input bounds (MarketCore `Bounds`): amounts, equity, time; `minDeposit` 0 and
/// `maxTokens` 0 meaning "none"; and a seeded random walk of huge, tiny and boundary values
/// through every action. δ = 3 unless stated.
@Suite struct BoundsTests {
    /// As in Drift: `min_deposit_amount` 0 is no minimum and `max_tokens` 0 is no cap. (Before
    /// this rule both were refused as invalid terms.)
    @Test func zeroMinimumDepositAndZeroCapMeanNone() throws {
        let terms = VaultTerms(minDeposit: .zero, maxTokens: .zero)
        #expect(terms.problem == nil && terms.capacity == nil)
        #expect(VaultTerms(maxTokens: usd("5")).capacity == usd("5") && VaultTerms(maxTokens: nil).capacity == nil)
        #expect(VaultTerms(minDeposit: Amount(raw: -1)).problem != nil)
        #expect(VaultTerms(maxTokens: Amount(raw: -1)).problem != nil)
        #expect(VaultTerms(minDeposit: Vault.maxAmount + Amount(raw: 1)).problem != nil)
        #expect(VaultTerms(maxTokens: Vault.maxEquity + Amount(raw: 1)).problem != nil)
        var v = try Vault.make(terms)
        // No minimum: one raw unit is a deposit (1 × (0 + 1000) / (0 + 1) = 1000 shares); zero is not.
        #expect(try v.ok(.deposit(depositor: "alice", amount: Amount(raw: 1)), at: 0).shares == shares(1000))
        #expect(v.refused(.deposit(depositor: "alice", amount: .zero), at: 0) == .notPositive("deposit amount"))
        // No cap: the largest single amount goes in whole (no clamp), and maxDeposit offers it.
        #expect(v.maxDeposit("bob", at: sec(0)) == Vault.maxAmount)
        #expect(try v.ok(.deposit(depositor: "bob", amount: Vault.maxAmount), at: 0).amount == Vault.maxAmount)
        // A positive cap still clamps, and a full vault with no minimum refuses with no room at all.
        var capped = try Vault.make(VaultTerms(minDeposit: .zero, maxTokens: usd("10")))
        #expect(try capped.ok(.deposit(depositor: "alice", amount: usd("15")), at: 0).amount == usd("10"))
        let full = capped.refused(.deposit(depositor: "bob", amount: Amount(raw: 1)), at: 0)
        #expect(full == .vaultFull(room: .zero, minimum: .zero))
        #expect(full?.description == "vault is at capacity: no room for a deposit")
    }

    @Test func amountsAboveTheBoundsAreRefused() throws {
        #expect(Vault.maxAmount == Bounds.maxAmount && Vault.maxEquity == Bounds.maxTotal)
        var v = try Vault.make()
        let over = Vault.maxAmount + Amount(raw: 1)  // 100_000_000_000.000001
        #expect(
            v.refused(.deposit(depositor: "alice", amount: over), at: 0)
                == .aboveMaximum(what: "deposit", amount: over, maximum: Vault.maxAmount))
        #expect(v.refused(.deposit(depositor: "alice", amount: Amount(raw: .max)), at: 0) != nil)
        // Ten of the largest deposits fill the vault to exactly maxTotal (1e18 raw): S = 1e21.
        for _ in 0..<10 { try v.ok(.deposit(depositor: "alice", amount: Vault.maxAmount), at: 0) }
        #expect(v.equity == Vault.maxEquity)
        let error = v.refused(.deposit(depositor: "bob", amount: Amount(raw: 1)), at: 0)
        #expect(
            error == .aboveMaximum(
                what: "vault equity after this deposit", amount: Vault.maxEquity + Amount(raw: 1), maximum: Vault.maxEquity))
        #expect(error?.description == "vault equity after this deposit 1000000000000.000001 is above the maximum 1000000000000.00")
        #expect(v.maxDeposit("bob", at: sec(0)) == .zero)
        // Marks: maxTotal is fine, one raw unit more is not.
        #expect(v.refused(.mark(equity: Vault.maxEquity + Amount(raw: 1)), at: 0) == .equityOutOfRange(Vault.maxEquity + Amount(raw: 1)))
        try v.ok(.mark(equity: Vault.maxEquity), at: 0)
        // Withdrawals: by amount, and by shares or percent when the shares are worth more.
        #expect(
            v.refused(.requestWithdraw(depositor: "alice", .amount(over)), at: 0)
                == .aboveMaximum(what: "withdrawal", amount: over, maximum: Vault.maxAmount))
        // All of alice's 1e21 shares are worth 1e21 × (1e18 + 1) / (1e21 + 1000) = 1e18 exactly
        // (1e18 × (1e21 + 1000) = 1e39 + 1e21 = 1e21 × (1e18 + 1)): ten times the largest amount.
        #expect(
            v.refused(.requestWithdraw(depositor: "alice", .percent(.one)), at: 0)
                == .aboveMaximum(what: "withdrawal", amount: Vault.maxEquity, maximum: Vault.maxAmount))
        // The max views stop at one request's worth: floor(n × (1e18 + 1) / (1e21 + 1000)) ≤ 1e17 for
        // n ≤ ceil((1e17 + 1) × (1e21 + 1000) / (1e18 + 1)) − 1; with (E + 1) / (S + V) = 1/1000 exactly
        // that is (1e17 + 1) × 1000 − 1 = 1e20 + 999 shares, worth floor(1e17 + 0.999) = 1e17.
        #expect(v.maxRedeem("alice", at: sec(0)) == shares(100_000_000_000_000_000_999))
        #expect(v.maxWithdraw("alice", at: sec(0)) == Vault.maxAmount)
        // A tenth of them (1e20 shares) is worth exactly the largest amount, 1e17: allowed.
        #expect(try v.ok(.requestWithdraw(depositor: "alice", .percent(ppm("0.1"))), at: 0).amount == Vault.maxAmount)
        try v.ok(.withdraw(depositor: "alice"), at: 0)
        // Now E = 9e17 and S = 9e20, still 1/1000 a share: 2e20 shares are worth 2e17 > maxAmount.
        let big = v.refused(.transfer(from: "alice", to: "bob", shares: shares(200_000_000_000_000_000_000)), at: 0)
        if case .aboveMaximum(what: "transfer", _, let maximum) = big { #expect(maximum == Vault.maxAmount) } else {
            Issue.record("expected a transfer above the maximum to be refused, got \(String(describing: big))")
        }
    }

    @Test func timesOutsideTheRangeOrGoingBackwardsAreRefused() throws {
        // Timestamps are milliseconds; the ledger's clock is whole seconds, 0...Bounds.maxSeconds.
        #expect(Vault.maxTime == Bounds.maxTimestamp && Vault.maxTime.seconds == Bounds.maxSeconds)
        #expect(throws: VaultError.timeOutOfRange(Timestamp(milliseconds: -1))) {
            try Vault(terms: VaultTerms(), manager: "mgr", createdAt: Timestamp(milliseconds: -1))
        }
        #expect(throws: VaultError.timeOutOfRange(Vault.maxTime + 1)) {
            try Vault(terms: VaultTerms(), manager: "mgr", createdAt: Vault.maxTime + 1)
        }
        var v = try Vault.make()
        let before = v
        #expect(v.apply(.accrue, at: Timestamp(milliseconds: -1)) == .failure(.timeOutOfRange(Timestamp(milliseconds: -1))))
        #expect(v.apply(.accrue, at: Vault.maxTime + 1) == .failure(.timeOutOfRange(Vault.maxTime + 1)))
        #expect(
            VaultError.timeOutOfRange(Vault.maxTime + 1).description
                == "time t=253402300800s is outside the supported range (epoch to the end of year 9999)")
        #expect(v == before)
        // Backwards is an error even within one second (1.5 s, then 1.2 s), not silently ignored.
        _ = try v.apply(.deposit(depositor: "alice", amount: usd("1")), at: Timestamp(milliseconds: 1500)).get()
        let back = v
        #expect(
            v.apply(.accrue, at: Timestamp(milliseconds: 1200))
                == .failure(.timeWentBackwards(last: Timestamp(milliseconds: 1500), at: Timestamp(milliseconds: 1200))))
        #expect(v == back)
        // The last instant is accepted.
        _ = try v.apply(.accrue, at: Vault.maxTime).get()
        v.checkInvariants()
    }

    /// One accrual across the whole time range (0 to the end of year 9999, 8,035 years) neither
    /// traps nor loses the fee.
    @Test func theWholeTimeRangeAccruesInOneStep() throws {
        var v = try Vault.make(VaultTerms(fees: FeeTerms(managementFee: ppm("0.02"))))
        try v.ok(.deposit(depositor: "alice", amount: usd("100000000")), at: 0)  // D = 1e14, S = 1e17
        let r = try v.apply(.accrue, at: Timestamp(seconds: Bounds.maxSeconds)).get()
        v.checkInvariants()
        // Bounds.maxSeconds = 253_402_300_799 = 8_035 years + 10_540_799 s. Yearly D_{k+1} = D_k − floor(D_k / 50)
        // falls while D_k ≥ 50 and, once in 50...99, one unit a year, so it stops at exactly 49; the
        // remaining 10_540_799 s owe 49 × 20_000 × 10_540_799 = 10_329_983_020_000 < U units (carried).
        // Fee = 1e14 − 49.
        #expect(r.managementFee == Amount(raw: 99_999_999_999_951))
        #expect(v.value(of: "alice", at: Timestamp(seconds: Bounds.maxSeconds)) == Amount(raw: 49))
        // T' = floor((1e17 + 1000) × (1e14 + 1) / (1e14 + 1 − (1e14 − 49))) = floor(10_000_000_000_000_200_000_000_000_001_000 / 50)
        //    = 200_000_000_000_004_000_000_000_000_020, so S = T' − 1000, well under the 1e30 limit.
        #expect(v.totalShares == shares(200_000_000_000_003_999_999_999_999_020))
    }

    /// Random walks through every action with huge, tiny and boundary inputs (amounts around
    /// `maxAmount`, equity around `maxTotal`, share counts up to `Int128.max`, percentages around
    /// 100%, times jumping decades, to the last instant, past it and backwards, extreme terms):
    /// nothing traps; a refused action changes nothing, says why and was not promised by a max
    /// view; an applied one stays in bounds; the invariants hold after every action; annual fees pay each recipient at most its
    /// fee and take at most the fees from depositors. Tallies prove each bound was exercised.
    @Test func boundaryValuesThroughEveryActionNeverTrap() async {
        var tally = BoundaryTally()
        await propertyCheck(count: 150, input: Gen.int64(in: 0...Int64.max)) { seed in
            var walk = BoundaryWalk(seed: seed)
            let terms = walk.terms()
            guard terms.problem == nil, var vault = try? Vault(terms: terms, manager: "mgr", createdAt: .zero, sealing: .onDemand)
            else {
                Issue.record("generated terms must be valid (seed \(seed)): \(String(describing: terms.problem))")
                return
            }
            var applied = 0
            for _ in 0..<120 {
                let at = walk.time(after: vault.lastActionAt)
                let action = walk.action(vault)
                let before = vault
                let result = vault.apply(action, at: at)
                vault.checkInvariants()
                switch result {
                case .failure(let error):
                    #expect(vault == before, "refused \(action) changed the vault (seed \(seed))")
                    #expect(!error.description.isEmpty)
                    // No max view promised what was refused (maxDeposit, maxWithdraw, maxRedeem).
                    PropertyTests().expectMaxViewsHeld(before, action, at, error, seed)
                    if at < .zero || at > Vault.maxTime {
                        #expect(error == .timeOutOfRange(at), "seed \(seed)")
                        tally.timeOutOfRange += 1
                    } else if at < before.lastActionAt {
                        #expect(error == .timeWentBackwards(last: before.lastActionAt, at: at), "seed \(seed)")
                        tally.backwards += 1
                    }
                    if case .aboveMaximum = error { tally.aboveMaximum += 1 }
                    if case .equityOutOfRange = error { tally.equityOutOfRange += 1 }
                    if case .tooLarge = error { tally.tooLarge += 1 }
                case .success(let receipt):
                    applied += 1
                    #expect(at >= before.lastActionAt && at <= Vault.maxTime && vault.lastActionAt == at)
                    #expect(vault.equity <= Vault.maxEquity && vault.totalShares <= Shares.limit)
                    switch action {
                    case .deposit(_, let amount):
                        #expect(amount <= Vault.maxAmount && receipt.amount <= amount, "seed \(seed)")
                        tally.deposits += 1
                    case .requestWithdraw, .transfer:
                        #expect(receipt.amount <= Vault.maxAmount, "seed \(seed)")
                    case .accrue:
                        expectAnnualFeesPaidOnlyByDepositors(before: before, after: vault, at: at, seed: seed)
                        if receipt.managementFee.raw > 0 {
                            tally.feesCharged += 1
                            if at.seconds - before.lastActionAt.seconds > 31_536_000 { tally.multiYearFees += 1 }
                        }
                    default: break
                    }
                    if at.seconds - before.lastActionAt.seconds > 31_536_000 { tally.multiYearGaps += 1 }
                    if at == Vault.maxTime { tally.lastInstant += 1 }
                }
            }
            // Each walk applies something; across all walks at least 10% apply (a per-walk 10% floor
            // failed on an unlucky seed with 11 of 120: the walks are meant to be mostly hostile).
            #expect(applied >= 1, "no action of 120 applied (seed \(seed))")
            tally.applied += applied
            tally.walks += 1
        }
        // Not vacuous: every bound was hit, and the applied side did real work.
        #expect(tally.applied * 10 >= tally.walks * 120, "only \(tally.applied) of \(tally.walks * 120) actions applied")
        #expect(tally.timeOutOfRange > 0 && tally.backwards > 0 && tally.lastInstant > 0, "\(tally)")
        #expect(tally.aboveMaximum > 0 && tally.equityOutOfRange > 0, "\(tally)")
        #expect(tally.deposits > 0 && tally.feesCharged > 0 && tally.multiYearGaps > 0 && tally.multiYearFees > 0, "\(tally)")
    }
}

/// How often each bound was exercised across all seeds.
struct BoundaryTally: CustomStringConvertible {
    var timeOutOfRange = 0, backwards = 0, lastInstant = 0, aboveMaximum = 0, equityOutOfRange = 0, tooLarge = 0
    var deposits = 0, feesCharged = 0, multiYearGaps = 0, multiYearFees = 0
    var applied = 0, walks = 0
    var description: String {
        "time out of range \(timeOutOfRange), backwards \(backwards), last instant \(lastInstant), above maximum \(aboveMaximum), "
            + "equity out of range \(equityOutOfRange), too large \(tooLarge), deposits \(deposits), fees \(feesCharged), "
            + "multi-year gaps \(multiYearGaps), multi-year fees \(multiYearFees)"
    }
}

/// After an applied `.accrue` (nothing but time passes): the manager gains at most the management
/// fee charged, the protocol at most the protocol fee, each at least its fee less the stated dust
/// (two raw shares' worth and a raw unit per dilution, plus one raw share's worth for being scaled
/// in the other's dilution and one raw unit for the floors of the two values compared), and the
/// depositors together lose at most both fees.
func expectAnnualFeesPaidOnlyByDepositors(before: Vault, after: Vault, at: Timestamp, seed: Int64) {
    let dm = Int128(after.feeTotals.managementFee.raw) - Int128(before.feeTotals.managementFee.raw)
    let dp = Int128(after.feeTotals.protocolFee.raw) - Int128(before.feeTotals.protocolFee.raw)
    // Values as the state stands (no accrual: an action that does not accrue, such as setAccess,
    // can leave the fee clock behind the last action's time, and the accrue charges from the clock).
    let mgrGain = Int128(after.convertToAssets(after.manager.shares).raw) - Int128(before.convertToAssets(before.manager.shares).raw)
    let protocolGain =
        Int128(after.convertToAssets(after.protocolAccount.shares).raw)
        - Int128(before.convertToAssets(before.protocolAccount.shares).raw)
    let depositorsBefore = Int128(before.convertToAssets(before.depositorShares).raw)
    let depositorsAfter = Int128(after.convertToAssets(after.depositorShares).raw)
    // Price of one raw share before, rounded up: (E + 1) / (S + V). Minting only lowers it, so it
    // bounds the price at each dilution of the accrual.
    var virtualShares: Int128 = 1
    for _ in 0..<before.terms.shareOffsetDigits { virtualShares *= 10 }
    let e1 = Int128(before.equity.raw) + 1, t = before.totalShares.raw + virtualShares
    let share = (e1 + t - 1) / t
    // A pending fee update may split the accrual in two, hence twice the per-accrual dust.
    let dust = 2 * (2 + 4 * share)
    #expect(mgrGain <= dm && mgrGain >= dm - dust, "manager gained \(mgrGain) for a fee of \(dm) (seed \(seed))")
    #expect(protocolGain <= dp && protocolGain >= dp - dust, "protocol gained \(protocolGain) for a fee of \(dp) (seed \(seed))")
    #expect(depositorsBefore - depositorsAfter <= dm + dp, "depositors lost more than the fees (seed \(seed))")
}

/// Seeded generator of boundary inputs for ``BoundsTests``.
struct BoundaryWalk {
    var rng: SplitMix64
    let names = ["alice", "bob", "carol", "mgr", "protocol", "", "*"]

    init(seed: Int64) { rng = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &rng) }
    mutating func chance(_ percent: Int64) -> Bool { int(1...100) <= percent }
    mutating func pick<T>(_ items: [T]) -> T { items[Int(int(0...Int64(items.count - 1)))] }

    /// Log-uniform from 1 to 10^digits.
    mutating func logUniform(_ digits: Int64) -> Int64 {
        var top: Int64 = 1
        for _ in 0..<int(0...digits) { top *= 10 }
        return int(1...top)
    }

    /// Valid but extreme terms.
    mutating func terms() -> VaultTerms {
        let management = pick([0, 1, 20_000, 500_000, 999_000] as [Int64])
        let protocolFee = management == 999_000 ? 0 : pick([0, 1, 10_000, 400_000] as [Int64])
        let performance = pick([0, 1, 200_000, 999_999] as [Int64])
        let fees = FeeTerms(
            managementFee: Ppm(raw: management), performanceFee: Ppm(raw: performance),
            hurdleRate: Ppm(raw: pick([0, 1, 100_000, 1_000_000] as [Int64])), hurdle: chance(50) ? .soft : .hard,
            protocolFee: Ppm(raw: protocolFee), protocolProfitShare: Ppm(raw: performance == 999_999 ? 0 : pick([0, 1, 50_000] as [Int64])))
        return VaultTerms(
            fees: fees, shareOffsetDigits: pick([0, 3, 6, 12]),
            minDeposit: pick([.zero, Amount(raw: 1), usd("10"), Vault.maxAmount]),
            maxTokens: pick([nil, .zero, Amount(raw: 1), usd("1000"), Vault.maxEquity]),
            lockUpSeconds: pick([0, 0, 1, 365 * 86_400]), redeemPeriodSeconds: pick([0, 0, 1, 90 * 86_400 - 1]),
            managerMinimumStake: chance(85) ? .zero : Ppm(raw: pick([1, 999_999] as [Int64])),
            pointsPerSecond: pick([0, 1, 1_000_000] as [Int64]))
    }

    /// The next action's time: mostly forward by 0 to decades, sometimes the last instant, past
    /// it, before the epoch, or backwards.
    mutating func time(after last: Timestamp) -> Timestamp {
        let ms = last.milliseconds
        // At the last instant only that instant (or a refused time) remains.
        let room = Vault.maxTime.milliseconds - ms
        func forward(_ step: Int64) -> Timestamp { Timestamp(milliseconds: ms + min(step, room)) }
        switch int(1...100) {
        case 1...25: return last
        case 26...45: return forward(int(1...999))
        case 46...65: return forward(1000 * int(1...86_400))
        case 66...77: return forward(1000 * int(31_536_000...60 * 31_536_000))
        case 78...79: return Vault.maxTime
        case 81...84: return Timestamp(milliseconds: Vault.maxTime.milliseconds + int(1...1_000_000))
        case 85...87: return Timestamp(milliseconds: -int(1...1_000_000))
        case 88...92: return ms > 0 ? Timestamp(milliseconds: ms - int(1...min(ms, 1_000_000_000))) : last
        default: return forward(int(0...1_000_000_000_000))
        }
    }

    /// A boundary amount: zero, negative, one raw unit, around maxAmount and maxTotal, Int64 extremes.
    mutating func amount() -> Amount {
        let one = Amount(raw: 1)
        switch int(1...12) {
        case 1: return .zero
        case 2: return Amount(raw: -int(1...Int64.max))
        case 3: return one
        case 4: return Vault.maxAmount - one
        case 5, 6: return Vault.maxAmount
        case 7: return Vault.maxAmount + one
        case 8: return Vault.maxEquity
        case 9: return Amount(raw: .max)
        default: return Amount(raw: logUniform(17))
        }
    }

    /// A boundary equity for a mark.
    mutating func equity(_ vault: Vault) -> Amount {
        let e = vault.equity.raw
        switch int(1...12) {
        case 1: return .zero
        case 2: return Amount(raw: 1)
        case 3: return Vault.maxEquity
        case 4: return Vault.maxEquity + Amount(raw: 1)
        case 5: return Amount(raw: .max)
        case 6: return Amount(raw: -1)
        case 7: return Amount(raw: e / 1_000_000_000)
        case 8: return Amount(raw: e < Vault.maxEquity.raw / 10 ? e * 10 : e)
        case 9: return Amount(raw: max(0, e + int(-1...1)))
        default: return Amount(raw: logUniform(18))
        }
    }

    /// A boundary share count for `name`.
    mutating func shareCount(_ vault: Vault, _ name: String) -> Shares {
        let held = vault.account(name)?.shares.raw ?? 0
        switch int(1...10) {
        case 1: return .zero
        case 2: return Shares(raw: -1)
        case 3: return Shares(raw: 1)
        case 4, 5: return Shares(raw: held)
        case 6: return Shares(raw: held + 1)
        case 7: return Shares(raw: held / 2 + 1)
        case 8: return Shares.limit
        case 9: return Shares(raw: .max)
        default: return Shares(raw: Int128.min)
        }
    }

    mutating func percent() -> Ppm {
        Ppm(raw: pick([0, -1, 1, 500_000, 1_000_000, 1_000_000, 1_000_001, Int64.max] as [Int64]))
    }

    mutating func action(_ vault: Vault) -> VaultAction {
        let name = chance(90) ? pick(["alice", "bob", "carol", "mgr"]) : pick(names)
        switch int(1...100) {
        case 1...30: return .deposit(depositor: name, amount: amount())
        case 31...42:
            switch int(0...2) {
            case 0: return .requestWithdraw(depositor: name, .amount(amount()))
            case 1: return .requestWithdraw(depositor: name, .shares(shareCount(vault, name)))
            default: return .requestWithdraw(depositor: name, .percent(percent()))
            }
        case 43...46: return .cancelWithdraw(depositor: name)
        case 47...56: return .withdraw(depositor: name)
        case 57...62: return .transfer(from: name, to: pick(names), shares: shareCount(vault, name))
        case 63...76: return chance(5) ? .markInvalid : .mark(equity: equity(vault))
        case 77...88: return .accrue
        case 89...93: return .crystallize(chance(50) ? .all : .depositor(name))
        case 94...96: return .setFees(terms().fees)
        case 97: return .cancelFeeUpdate
        case 98: return .setPermissioned(chance(20))
        default: return .setAccess(depositor: name, allowed: chance(80))
        }
    }
}
