import MarketCore
import Matching
import StrategyKit
import VaultLedger

extension StrategyRuntime {
    // MARK: - Vault actions

    /// A depositor's or the manager's action. The vault is marked first, so shares are priced at
    /// the current equity. A deposit's cash is allocated at once: each strategy of the vault gets
    /// `amount × allocation` (rounded down), the rest stays idle. A withdrawal request schedules
    /// the payout as a keeper job when the redeem period ends.
    mutating func vaultAction(_ v: Int, _ action: VaultAction, _ out: inout RuntimeEvents) {
        let ts = Timestamp(milliseconds: now)
        switch action {
        case .withdraw(let depositor):
            // Paid by a keeper job (or now if due): see `payout`.
            return payout(v, depositor, &out)
        default:
            break
        }
        mark(v, &out)
        switch vaults[v].apply(action, at: ts) {
        case .failure(let e):
            out.runtime.append(.vaultRefused(vault: v, action: action, error: e.description, ts))
        case .success(let r):
            out.runtime.append(.vaultApplied(vault: v, action: action, receipt: r, ts))
            switch action {
            case .deposit:
                idle[v] += r.amount
                allocate(v, r.amount, &out)
            case .requestWithdraw(let depositor, _):
                let due = now + vaults[v].terms.redeemPeriodSeconds * 1_000
                schedule(.maturedWithdrawal, vault: v, depositor: depositor, dueAt: due)
            default:
                break
            }
        }
    }

    /// Moves `amount × allocation` of vault `v`'s new cash to each of its strategies.
    mutating func allocate(_ v: Int, _ amount: Amount, _ out: inout RuntimeEvents) {
        for i in slots.indices where slots[i].vault == v && slots[i].allocation.raw > 0 {
            // Rounded down: the vault never allocates more than it received.
            let a = mulDiv(amount.raw, slots[i].allocation.raw, Ppm.scale, .down)
            guard a > 0, a <= idle[v].raw else { continue }
            let s = out.market.count
            if venue.deposit(slots[i].account, amount: Amount(raw: a), at: Timestamp(milliseconds: now), events: &out.market) == nil {
                idle[v] -= Amount(raw: a)
                out.runtime.append(.allocation(vault: v, strategy: i, amount: Amount(raw: a), Timestamp(milliseconds: now)))
            }
            route(from: s, &out)
            refresh(i)
        }
    }

    /// Pays `depositor`'s matured request from idle cash, first releasing what is missing from the
    /// vault's strategies pro rata to their equity (only free collateral: positions are not forced
    /// shut). If the strategies cannot free enough, the payout waits for the next keeper round.
    mutating func payout(_ v: Int, _ depositor: String, _ out: inout RuntimeEvents) {
        let ts = Timestamp(milliseconds: now)
        mark(v, &out)
        guard let request = vaults[v].account(depositor)?.withdrawRequest, let due = vaults[v].previewPayout(depositor, at: ts) else {
            out.runtime.append(.vaultRefused(vault: v, action: .withdraw(depositor: depositor), error: "no pending withdrawal", ts))
            return
        }
        // Not yet due: refused by the ledger's rule, before any capital moves.
        guard now >= request.requestedAt.milliseconds + vaults[v].terms.redeemPeriodSeconds * 1_000 else {
            out.runtime.append(.vaultRefused(vault: v, action: .withdraw(depositor: depositor),
                                             error: "the redeem period is not over", ts))
            return
        }
        // No valid mark (a held market's oracle is unusable): try again one mark interval later.
        guard vaults[v].isMarkValid else {
            out.runtime.append(.payoutWaiting(vault: v, depositor: depositor, needed: due, ts))
            schedule(.maturedWithdrawal, vault: v, depositor: depositor, dueAt: now + config.markIntervalMs)
            return
        }
        if due > idle[v] { release(v, due - idle[v], &out) }
        if due > idle[v] {
            out.runtime.append(.payoutWaiting(vault: v, depositor: depositor, needed: due - idle[v], ts))
            schedule(.maturedWithdrawal, vault: v, depositor: depositor, dueAt: now + config.markIntervalMs)
            return
        }
        switch vaults[v].apply(.withdraw(depositor: depositor), at: ts) {
        case .failure(let e):
            out.runtime.append(.vaultRefused(vault: v, action: .withdraw(depositor: depositor), error: e.description, ts))
        case .success(let r):
            idle[v] -= r.amount
            out.runtime.append(.vaultApplied(vault: v, action: .withdraw(depositor: depositor), receipt: r, ts))
        }
    }

    /// Moves up to `needed` from vault `v`'s strategies back to idle: first each gives its share
    /// of `needed` by equity (rounded up, so the total covers it), capped by its free collateral
    /// and cash; then whatever is still missing comes from those with free collateral left, in
    /// strategy order.
    mutating func release(_ v: Int, _ needed: Amount, _ out: inout RuntimeEvents) {
        let members = slots.indices.filter { slots[$0].vault == v }
        let total = members.reduce(Int64(0)) { $0 + Swift.max(0, strategyEquity($1)) }
        guard total > 0 else { return }
        let start = idle[v].raw
        for i in members {
            let share = mulDiv(needed.raw, Swift.max(0, strategyEquity(i)), total, .up)
            releaseFrom(i, v, share, &out)
        }
        for i in members {
            let short = needed.raw - (idle[v].raw - start)
            guard short > 0 else { break }
            releaseFrom(i, v, short, &out)
        }
    }

    /// Moves up to `wanted` from strategy `i`'s sub-account to vault `v`'s idle cash, within its
    /// free collateral and cash.
    mutating func releaseFrom(_ i: Int, _ v: Int, _ wanted: Int64, _ out: inout RuntimeEvents) {
        let free = venue.margin(slots[i].account).freeCollateral.raw
        let cash = venue.balance(slots[i].account).raw
        let a = Swift.min(wanted, free, cash)
        guard a > 0 else { return }
        let s = out.market.count
        if venue.withdraw(slots[i].account, amount: Amount(raw: a), at: Timestamp(milliseconds: now), events: &out.market) == nil {
            idle[v] += Amount(raw: a)
            // Capital returned is not a loss: the drawdown peak drops with it.
            slots[i].equityPeak = Swift.max(0, slots[i].equityPeak - a)
            out.runtime.append(.allocation(vault: v, strategy: i, amount: Amount(raw: -a), Timestamp(milliseconds: now)))
        }
        route(from: s, &out)
        refresh(i)
    }

    // MARK: - Marks

    /// Marks vault `v` at idle + Σ strategy equity when every market its strategies hold allows a
    /// vault mark (docs/matching.md, oracle action matrix); otherwise declares the mark invalid.
    /// Also runs the drawdown kill switch of each of its strategies.
    mutating func mark(_ v: Int, _ out: inout RuntimeEvents) {
        let ts = Timestamp(milliseconds: now)
        lastMark[v] = now
        var usable = true
        for i in slots.indices where slots[i].vault == v {
            refresh(i)
            if !venue.oracleAllows(.vaultMark, market: slots[i].market) && venue.position(slots[i].account, market: slots[i].market).base.raw != 0 {
                usable = false
            }
            let e = strategyEquity(i)
            if e > slots[i].equityPeak { slots[i].equityPeak = e }
            let peak = slots[i].equityPeak
            if slots[i].isActive, peak > 0,
               Int128(peak - e) * Int128(Ppm.scale) > Int128(peak) * Int128(slots[i].context.limits.maxDrawdown.raw) {
                stop(i, .drawdown, &out)
            }
        }
        if !usable {
            if vaults[v].isMarkValid, case .success = vaults[v].apply(.markInvalid, at: ts) {
                out.runtime.append(.markInvalid(vault: v, ts))
            }
            return
        }
        // The ledger holds no negative equity: a vault whose strategies lost more than it holds marks at zero.
        let equity = Amount(raw: Swift.min(Swift.max(0, vaultEquity(v)), Vault.maxEquity.raw))
        if case .success = vaults[v].apply(.mark(equity: equity), at: ts) {
            out.runtime.append(.marked(vault: v, equity: equity, sharePrice: vaults[v].sharePrice, ts))
        }
        let view = VaultView(equity: equity, pendingWithdrawals: vaults[v].totalWithdrawRequested, idle: idle[v])
        for i in slots.indices where slots[i].vault == v { slots[i].context.vault = view }
    }

    // MARK: - Keeper jobs

    mutating func schedule(_ kind: KeeperJobKind, vault v: Int, depositor: String?, dueAt: Int64) {
        let ref = nextJob
        nextJob += 1
        jobs[ref] = (v, depositor)
        venue.schedule(ExternalJob(kind: kind, reference: ref, dueAt: dueAt))
    }

    /// Performs the vault jobs the keepers completed since the last input.
    mutating func performJobs(_ out: inout RuntimeEvents) {
        guard !venue.completedJobs.isEmpty else { return }
        for job in venue.takeCompletedJobs() {
            guard let j = jobs.removeValue(forKey: job.reference) else { continue }
            switch job.kind {
            case .maturedWithdrawal:
                if let d = j.depositor { payout(j.vault, d, &out) }
            case .feeCrystallization:
                mark(j.vault, &out)
                let ts = Timestamp(milliseconds: now)
                switch vaults[j.vault].apply(.crystallize(.all), at: ts) {
                case .success(let r): out.runtime.append(.vaultApplied(vault: j.vault, action: .crystallize(.all), receipt: r, ts))
                case .failure(let e): out.runtime.append(.vaultRefused(vault: j.vault, action: .crystallize(.all), error: e.description, ts))
                }
            default:
                continue
            }
        }
    }

    // MARK: - Manager commands

    mutating func strategyCommand(_ i: Int, _ command: StrategyCommand, _ out: inout RuntimeEvents) {
        let ts = Timestamp(milliseconds: now)
        switch command {
        case .pause:
            guard slots[i].started, slots[i].state == .running || slots[i].state == .suspended else { return }
            var o = Intents()
            if slots[i].state == .running { boxes[i].stop(slots[i].context, &o) }
            slots[i].state = .paused
            pullOrders(i, &out)
            out.runtime.append(.strategyPaused(strategy: i, ts))
        case .resume:
            guard slots[i].started, slots[i].state == .paused else { return }
            slots[i].state = .running
            out.runtime.append(.strategyResumed(strategy: i, ts))
            suspend(market: slots[i].market, &out)  // straight to suspended if its market is halted
            refresh(i)
            call(i, &out) { b, c, o in b.start(c, &o) }
        case .stop:
            stop(i, .requested, &out)
        case .update(let assignments):
            let descriptor = type(of: boxes[i]).descriptorOf(boxes[i])
            switch descriptor.parameters(assignments.map { ($0.key, $0.value) }, over: slots[i].parameters, liveOnly: true) {
            case .failure(let e):
                out.runtime.append(.parametersRefused(strategy: i, reason: e.description, ts))
            case .success(let p):
                slots[i].parameters = p
                out.runtime.append(.parametersUpdated(strategy: i, ts))
                call(i, &out) { b, c, o in b.update(p, c, &o) }
            }
        }
    }
}
