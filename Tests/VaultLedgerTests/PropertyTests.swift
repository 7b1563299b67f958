import MarketCore
import PropertyBased
import Testing
import VaultLedger

/// Properties over long random operation sequences (RandomScenario), each seeded so a failure
/// can be reproduced with `.fixedSeed`.
@Suite struct PropertyTests {
    /// Every action on random terms: invariants hold after each (shares sum to the total, the
    /// floor values of all holdings never exceed equity), refused actions change nothing, previews
    /// and max views match what the action then does, rounding dust never favours the actor, and
    /// a crystallised fee never exceeds the fee rate times the profit above the mark.
    @Test func randomSequencesKeepEveryRule() async {
        await propertyCheck(count: 200, input: Gen.int64(in: 0...Int64.max), Gen.int(in: 100...400)) { seed, length in
            var s = RandomScenario(seed: seed)
            let terms = s.terms()
            guard var vault = try? Vault(terms: terms, manager: "mgr", createdAt: .zero, sealing: .onDemand) else {
                Issue.record("random terms must be valid")
                return
            }
            // With a manager stake, depositors can only enter once the manager has.
            if terms.managerMinimumStake.raw > 0 { _ = vault.apply(.deposit(depositor: "mgr", amount: usd("1000")), at: .zero) }
            var applied = 0
            for _ in 0..<length {
                s.time += s.advance()
                let t = Timestamp(seconds: s.time)
                let action = s.action(vault)
                let before = vault
                let result = vault.apply(action, at: t)
                switch result {
                case .failure(let error):
                    #expect(vault == before, "refused \(action) changed the vault (seed \(seed))")
                    expectMaxViewsHeld(before, action, t, error, seed)
                case .success(let receipt):
                    applied += 1
                    check(action, receipt, before: before, after: vault, at: t, seed: seed)
                }
                vault.checkInvariants()
            }
            // Guard against a generator that only produces refusals (the checks above would be vacuous).
            #expect(applied * 5 >= length, "only \(applied) of \(length) actions applied (seed \(seed))")
        }
    }

    /// A refused request or deposit must not have been promised by a max view.
    func expectMaxViewsHeld(_ before: Vault, _ action: VaultAction, _ t: Timestamp, _ error: VaultError, _ seed: Int64) {
        switch action {
        case .deposit(let name, let amount):
            let most = before.maxDeposit(name, at: t)
            let promised = amount >= before.terms.minDeposit && amount <= most && before.previewDeposit(amount, at: t).raw > 0
            #expect(!promised, "maxDeposit(\(name)) = \(most) but depositing \(amount) was refused: \(error) (seed \(seed))")
        case .requestWithdraw(let name, .amount(let amount)):
            let most = before.maxWithdraw(name, at: t)
            #expect(!(amount.raw > 0 && amount <= most), "maxWithdraw(\(name)) = \(most) but \(amount) was refused: \(error) (seed \(seed))")
        case .requestWithdraw(let name, .shares(let n)):
            let most = before.maxRedeem(name, at: t)
            #expect(!(n.raw > 0 && n <= most), "maxRedeem(\(name)) = \(most) but \(n) was refused: \(error) (seed \(seed))")
        default: break
        }
    }

    func check(_ action: VaultAction, _ r: VaultReceipt, before: Vault, after: Vault, at t: Timestamp, seed: Int64) {
        func valueBefore(_ name: String) -> Int64 { before.value(of: name, at: t)?.raw ?? 0 }
        func valueAfter(_ name: String) -> Int64 { after.value(of: name, at: t)?.raw ?? 0 }
        let feeRate = Int128(after.terms.fees.performanceFee.raw + after.terms.fees.protocolProfitShare.raw)
        /// The most crystallising `name` may charge: rate × (value − mark)⁺; also equal to the preview.
        func feeBound(_ name: String) -> Int64 {
            guard let a = before.account(name), a.role == .depositor else { return 0 }
            let profit = max(0, valueBefore(name) - a.highWaterMark.raw)
            return Int64(Int128(profit) * feeRate / 1_000_000)
        }
        func feeDue(_ name: String) -> Int64 { before.performanceFeeDue(of: name, at: t).raw }

        switch action {
        case .deposit(let name, let amount):
            #expect(r.amount <= amount && r.amount.raw > 0)
            #expect(r.shares == before.previewDeposit(r.amount, at: t), "previewDeposit (seed \(seed))")
            #expect(valueAfter(name) - valueBefore(name) <= r.amount.raw, "deposit dust favoured \(name) (seed \(seed))")
            #expect(r.performanceFee.raw <= feeBound(name) && r.performanceFee.raw == feeDue(name))
        case .requestWithdraw(let name, let unit):
            switch unit {
            case .amount(let a):
                #expect(r.amount == a && r.shares == before.previewWithdraw(a, at: t), "previewWithdraw (seed \(seed))")
            case .shares(let n):
                #expect(r.shares == n && r.amount == before.previewRedeem(n, at: t), "previewRedeem (seed \(seed))")
            case .percent:
                #expect(r.amount == before.previewRedeem(r.shares, at: t))
            }
            #expect(valueAfter(name) <= valueBefore(name))
            #expect(r.performanceFee.raw <= feeBound(name) && r.performanceFee.raw == feeDue(name))
            #expect(after.account(name)?.withdrawRequest?.value == r.amount)
        case .withdraw(let name):
            #expect(r.amount == before.previewPayout(name, at: t), "previewPayout (seed \(seed))")
            #expect(r.amount.raw + valueAfter(name) <= valueBefore(name), "withdraw dust favoured \(name) (seed \(seed))")
        case .cancelWithdraw(let name):
            #expect(valueAfter(name) <= valueBefore(name))
        case .transfer(let from, let to, _):
            // Two floors can gain one unit between them when shares move; never more.
            #expect(valueAfter(from) + valueAfter(to) <= valueBefore(from) + valueBefore(to) + 1)
            #expect(r.performanceFee.raw <= feeBound(from) + feeBound(to))
            #expect(r.performanceFee.raw == feeDue(from) + feeDue(to))
        case .crystallize(.depositor(let name)):
            #expect(r.performanceFee.raw <= feeBound(name) && r.performanceFee.raw == feeDue(name))
            // The shares moved for the fee are worth no more than the fee.
            #expect(after.convertToAssets(r.performanceFeeShares) <= r.performanceFee)
        case .accrue:
            expectAnnualFeesPaidOnlyByDepositors(before: before, after: after, at: t, seed: seed)
        case .crystallize(.all):
            var due: Int64 = 0
            for a in before.depositorAccounts where a.withdrawRequest == nil { due += feeDue(a.name) }
            #expect(r.performanceFee.raw == due)
            #expect(after.convertToAssets(r.performanceFeeShares) <= r.performanceFee)
        default: break
        }
        // Fees only ever accumulate.
        #expect(after.feeTotals.total >= before.feeTotals.total)
    }

    /// No sequence of deposits, withdrawals, cancels and transfers lets a group of accounts end
    /// with more than it put in plus its share of marked gains: payouts + Σ floor(value) ≤ B, where
    /// B adds each deposit and, at each mark from E to E + g, `ceil(G × g / (S + V))` for the
    /// group's G shares (rounded in the group's favour, so B is an upper bound of the exact claim).
    @Test func noGroupGainsMoreThanItsDepositsAndShareOfMarks() async {
        await propertyCheck(count: 200, input: Gen.int64(in: 0...Int64.max), Gen.int(in: 100...400)) { seed, length in
            var s = RandomScenario(seed: seed)
            let terms = s.terms()
            guard var vault = try? Vault(terms: terms, manager: "mgr", createdAt: .zero, sealing: .onDemand) else { return }
            var virtualShares: Int128 = 1
            for _ in 0..<terms.shareOffsetDigits { virtualShares *= 10 }
            _ = vault.apply(.deposit(depositor: "mgr", amount: s.amount()), at: .zero)
            _ = vault.apply(.deposit(depositor: "p1", amount: s.amount()), at: .zero)
            _ = vault.apply(.deposit(depositor: "p2", amount: s.amount()), at: .zero)
            let group = ["eve", "eve2"]
            s.names = group
            var bound: Int128 = 0
            var payouts: Int128 = 0
            for _ in 0..<length {
                s.time += s.advance()
                let t = Timestamp(seconds: s.time)
                var action = s.action(vault)
                if case .setFees = action { action = .accrue }
                if case .transfer(let from, _, let n) = action { action = .transfer(from: from, to: s.pick(group), shares: n) }
                let groupShares = group.reduce(Int128(0)) { $0 + vault.sharesOf($1) }
                let equityBefore = Int128(vault.equity.raw)
                guard case .success(let r) = vault.apply(action, at: t) else { continue }
                switch action {
                case .deposit: bound += Int128(r.amount.raw)
                case .withdraw: payouts += Int128(r.amount.raw)
                case .mark(let e):
                    let g = Int128(e.raw) - equityBefore
                    bound += ceilMulDiv(groupShares, g, vault.totalShares.raw + virtualShares)
                default: break
                }
                let wealth = payouts + group.reduce(Int128(0)) { $0 + Int128(vault.value(of: $1, at: t)?.raw ?? 0) }
                #expect(wealth <= bound, "group ends with \(wealth) > bound \(bound) after \(action) (seed \(seed))")
            }
            vault.checkInvariants()
        }
    }

    /// `redeem(deposit(a)) ≤ a` on a vault in a random state, and the mint round trip: depositing
    /// `previewMint(n)` yields at least `n` shares.
    @Test func roundTripsNeverPayTheCaller() async {
        await propertyCheck(count: 300, input: Gen.int64(in: 0...Int64.max), Gen.int(in: 0...100)) { seed, warmup in
            var s = RandomScenario(seed: seed)
            guard var vault = try? Vault(terms: s.terms(), manager: "mgr", createdAt: .zero, sealing: .onDemand) else { return }
            for _ in 0..<warmup {
                s.time += s.advance()
                _ = vault.apply(s.action(vault), at: Timestamp(seconds: s.time))
            }
            if !vault.isMarkValid { _ = vault.apply(.mark(equity: vault.equity), at: Timestamp(seconds: s.time)) }
            let a = s.amount()
            var t = s.time
            guard case .success(let dep) = vault.apply(.deposit(depositor: "zed", amount: a), at: Timestamp(seconds: t)) else { return }
            t += vault.terms.lockUpSeconds + s.int(0...1000)
            guard case .success = vault.apply(.requestWithdraw(depositor: "zed", .shares(dep.shares)), at: Timestamp(seconds: t))
            else {
                Issue.record("zed could not request its own shares back (seed \(seed))")
                return
            }
            t += vault.terms.redeemPeriodSeconds
            guard case .success(let out) = vault.apply(.withdraw(depositor: "zed"), at: Timestamp(seconds: t)) else {
                Issue.record("zed could not withdraw (seed \(seed))")
                return
            }
            #expect(out.amount <= dep.amount, "redeem(deposit(\(dep.amount))) = \(out.amount) (seed \(seed))")
            vault.checkInvariants()

            let want = Shares(raw: Int128(s.int(1...1_000_000_000_000)))
            let cost = vault.previewMint(want, at: Timestamp(seconds: t))
            if case .success(let minted) = vault.apply(.deposit(depositor: "yan", amount: cost), at: Timestamp(seconds: t)),
                minted.amount == cost
            {
                #expect(minted.shares >= want, "depositing previewMint(\(want)) minted \(minted.shares) (seed \(seed))")
            }
        }
    }

    /// First-depositor donation attack with δ = 3 or 6: the attacker deposits a₀, "donates" a₁
    /// by raising the mark, the victim deposits u, then both leave (in either order). Whenever the
    /// victim loses more than one unit of rounding, the attacker has lost strictly more.
    @Test func donationAttackCostsTheAttackerMore() async {
        await propertyCheck(
            count: 2000, input: Gen.int64(in: 0...9), Gen.int64(in: 0...12), Gen.int64(in: 0...12), Gen.int64(in: 0...Int64.max)
        ) { e0, e1, eu, seed in
            var rng = SplitMix64(seed: seed)
            func upTo(_ digits: Int64) -> Int64 {
                var top: Int64 = 1
                for _ in 0..<digits { top *= 10 }
                return Int64.random(in: 1...top, using: &rng)
            }
            let a0 = upTo(e0), a1 = upTo(e1), u = upTo(eu)
            let offset = Bool.random(using: &rng) ? 3 : 6
            guard var v = try? Vault(terms: VaultTerms(shareOffsetDigits: offset), manager: "mgr", createdAt: .zero, sealing: .onDemand)
            else { return }
            let t = Timestamp.zero
            guard case .success = v.apply(.deposit(depositor: "eve", amount: Amount(raw: a0)), at: t) else { return }
            _ = v.apply(.mark(equity: Amount(raw: a0 + a1)), at: t)
            let victimIn = (try? v.apply(.deposit(depositor: "vic", amount: Amount(raw: u)), at: t).get())?.amount.raw ?? 0
            var paid = ["eve": Int64(0), "vic": Int64(0)]
            let order = Bool.random(using: &rng) ? ["eve", "vic"] : ["vic", "eve"]
            for name in order where (v.account(name)?.shares.raw ?? 0) > 0 {
                _ = v.apply(.requestWithdraw(depositor: name, .percent(.one)), at: t)
                paid[name] = (try? v.apply(.withdraw(depositor: name), at: t).get())?.amount.raw ?? 0
            }
            let attackerLoss = a0 + a1 - paid["eve"]!
            let victimLoss = victimIn - paid["vic"]!
            #expect(victimLoss <= 1 || attackerLoss > victimLoss, "a0 \(a0) a1 \(a1) u \(u) δ \(offset): attacker lost \(attackerLoss), victim \(victimLoss)")
            v.checkInvariants()
        }
    }

    /// Random logs (hashed every action) replay to the identical vault.
    @Test func randomLogsReplayIdentically() async {
        await propertyCheck(count: 20, input: Gen.int64(in: 0...Int64.max)) { seed in
            var s = RandomScenario(seed: seed)
            guard var vault = try? Vault(terms: s.terms(), manager: "mgr", createdAt: .zero) else { return }
            for _ in 0..<80 {
                s.time += s.advance()
                _ = vault.apply(s.action(vault), at: Timestamp(seconds: s.time))
            }
            let rebuilt = try? Vault.replay(vault.events)
            #expect(rebuilt == vault, "replay differs (seed \(seed))")
        }
    }

    /// `ceil(a × g / d)` for `a ≥ 0`, signed `g` and `d > 0`, through a 256-bit product (shares
    /// times equity can pass `Int128`).
    func ceilMulDiv(_ a: Int128, _ g: Int128, _ d: Int128) -> Int128 {
        let wide = UInt128(a).multipliedFullWidth(by: g.magnitude)
        let (q, r) = UInt128(d).dividingFullWidth(wide)
        let magnitude = Int128(q)
        // Up for a gain; for a loss, −floor(|…|) is the ceiling of the negative quotient.
        return g >= 0 ? magnitude + (r != 0 ? 1 : 0) : -magnitude
    }
}
