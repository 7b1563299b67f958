import MarketCore

extension PerpVenue {
    /// Registers a keeper with a stake taken from its USDC collateral.
    public mutating func registerKeeper(account: AccountId, stake amount: Amount, at time: Timestamp,
                                        events: inout EventBuffer) -> Result<UInt32, VenueError> {
        let stake = amount.raw
        guard stake >= keeperConfig.minStake.raw else { return .failure(.stakeTooSmall(minimum: keeperConfig.minStake)) }
        ensureAccount(account)
        guard usdc[Int(account.raw)] >= stake else { return .failure(.insufficientBalance(have: usdc[Int(account.raw)])) }
        guard begin(time, &events) else { return .failure(.timeWentBackwards(now: self.time)) }
        defer { end(events) }
        usdc[Int(account.raw)] -= stake
        keepers.keepers.append(Keeper(account: account, stake: stake, score: 1_000_000, online: true))
        let id = UInt32(keepers.keepers.count - 1)
        events.append(.keeper(.registered(keeper: id, stake: amount, Timestamp(milliseconds: now))), market: EventBuffer.venueWide)
        return .success(id)
    }

    /// Marks a keeper as answering its jobs or not.
    public mutating func setKeeperOnline(_ keeper: UInt32, _ online: Bool) -> VenueError? {
        guard Int(keeper) < keepers.keepers.count else { return .unknownKeeper }
        keepers.keepers[Int(keeper)].online = online
        return nil
    }

    /// Queues a vault job (fee crystallisation, matured withdrawal) for the keepers.
    public mutating func schedule(_ job: ExternalJob) { externalJobs.append(job) }

    /// External jobs a keeper has taken since the last call, for the host to perform (by `reference`).
    public mutating func takeCompletedJobs() -> [ExternalJob] {
        defer { completedJobs.removeAll() }
        return completedJobs
    }

    /// Hands a job to keepers until one does it. A keeper that misses loses score and a slice
    /// of stake (to market `market`'s insurance fund), and the job goes to the next draw.
    /// Returns the keeper that did it, or nil if none could.
    mutating func assign(_ kind: KeeperJobKind, market: Int, excluding account: AccountId? = nil,
                         events: inout EventBuffer) -> Int? {
        // A keeper never takes a job about its own account (it would liquidate itself).
        var tried = keepers.keepers.map { $0.account == account }
        let ts = Timestamp(milliseconds: now)
        while let k = keepers.pick(excluding: tried) {
            tried[k] = true
            if keepers.keepers[k].online {
                keepers.keepers[k].done += 1
                let s = keepers.keepers[k].score + keeperConfig.successBonus.raw
                keepers.keepers[k].score = Swift.min(s, 1_000_000)
                return k
            }
            let slash = mulDiv(keepers.keepers[k].stake, keeperConfig.slash.raw, 1_000_000, .up)
            keepers.keepers[k].stake -= slash
            keepers.keepers[k].missed += 1
            keepers.keepers[k].score = mulDiv(keepers.keepers[k].score, keeperConfig.missPenalty.raw, 1_000_000, .down)
            markets[market].creditInsurance(slash)
            events.append(.keeper(.missed(keeper: UInt32(k), job: kind, slashed: Amount(raw: slash),
                                          score: Ppm(raw: keepers.keepers[k].score), ts)), market: UInt16(market))
        }
        return nil
    }

    /// Pays a keeper the flat job reward from the market's fee pool (as far as it holds it).
    mutating func reward(_ k: Int, market: Int, job: KeeperJobKind, events: inout EventBuffer) {
        let paid = markets[market].drawFeePool(keeperConfig.jobReward.raw)
        let a = keepers.keepers[k].account
        ensureAccount(a)
        usdc[Int(a.raw)] += paid
        events.append(.keeper(.done(keeper: UInt32(k), job: job, reward: Amount(raw: paid), Timestamp(milliseconds: now))),
                      market: UInt16(market))
    }

    /// The keepers' round: funding updates, triggers, liquidations, then the vault's jobs.
    /// Jobs no keeper takes stay pending for the next round.
    public mutating func runKeepers(events: inout EventBuffer) {
        guard !keepers.keepers.isEmpty else { return }
        events.continueSequence(from: sequence)
        defer { end(events) }
        let ts = Timestamp(milliseconds: now)
        for m in markets.indices where markets[m].fundingDue && markets[m].oracleStatus.allows(.fundingUpdate) {
            guard let k = assign(.funding, market: m, events: &events) else { continue }
            markets[m].updateFunding(at: ts, events: &events)
            reward(k, market: m, job: .funding, events: &events)
        }
        var t = 0
        while t < triggers.count {
            let tr = triggers[t]
            // Only a valid oracle fires a trigger (an invalid one is never the trigger price).
            let o = markets[tr.market].oracle
            let hit = markets[tr.market].oracleStatus.allows(.triggerFire)
                && (tr.fireWhenAbove ? o.price >= tr.triggerPrice : o.price <= tr.triggerPrice)
            guard hit, let k = assign(.trigger, market: tr.market, events: &events) else { t += 1; continue }
            triggers.remove(at: t)
            events.append(.triggerFired(tr.request.id, price: Price(raw: o.price), ts), market: UInt16(tr.market))
            if let linked = tr.linked, markets[tr.market].book.contains(linked) {
                cancel(market: tr.market, linked, at: ts, events: &events)
            }
            place(market: tr.market, tr.request, at: ts, events: &events)
            reward(k, market: tr.market, job: .trigger, events: &events)
        }
        // A bankruptcy socialises its loss over other positions and can push an account already
        // scanned below maintenance: scan again until a pass liquidates nobody (bounded).
        // Liquidation waits while a market's oracle does not allow it (an account holding a
        // position there is not touched): an invalid oracle never liquidates.
        let blocked = liquidationBlockedMarkets()
        for _ in 0..<8 {
            var progressed = false
            for a in 0..<accountCount where margin(AccountId(UInt32(a))).belowMaintenance {
                let account = AccountId(UInt32(a))
                if isBlocked(account, blocked) { continue }
                guard let k = assign(.liquidation, market: 0, excluding: account, events: &events) else { continue }
                liquidate(account, keeper: k, events: &events)
                progressed = true
            }
            if !progressed { break }
        }
        var j = 0
        while j < externalJobs.count {
            guard externalJobs[j].dueAt <= now, let k = assign(externalJobs[j].kind, market: 0, events: &events) else { j += 1; continue }
            reward(k, market: 0, job: externalJobs[j].kind, events: &events)
            completedJobs.append(externalJobs.remove(at: j))
        }
    }

    /// Accounts a keeper may liquidate now: below maintenance, with every market they hold a
    /// position in allowing liquidation (``OracleAction/liquidation``).
    /// - Complexity: O(accounts × markets).
    public func liquidatable() -> [AccountId] {
        let blocked = liquidationBlockedMarkets()
        return (0..<accountCount).lazy.map { AccountId(UInt32($0)) }.filter { margin($0).belowMaintenance && !isBlocked($0, blocked) }
    }

    /// Per market, whether its oracle forbids liquidation now; empty when none does (the usual case).
    func liquidationBlockedMarkets() -> [Bool] {
        var blocked: [Bool] = []
        for m in markets.indices where !markets[m].oracleStatus.allows(.liquidation) {
            if blocked.isEmpty { blocked = Array(repeating: false, count: markets.count) }
            blocked[m] = true
        }
        return blocked
    }

    func isBlocked(_ account: AccountId, _ blocked: [Bool]) -> Bool {
        !blocked.isEmpty && markets.indices.contains { blocked[$0] && markets[$0].account(account).base != 0 }
    }
}
