import MarketCore

/// When the log's hash chain is computed.
public enum LogSealing: Sendable, Hashable {
    /// Every applied action's event is hashed at once (for a store that persists each one).
    case everyAction
    /// Events are hashed when ``Vault/seal()``, ``Vault/events`` or ``Vault/drainEvents()`` is
    /// called (for backtests that apply millions of actions and read the log rarely).
    case onDemand
}

/// A market-maker vault's ledger: shares, NAV, withdrawals, fees and points, as a pure value
/// (no I/O, no clock: every action carries its time).
///
/// ## Model
/// E (``equity``) is the vault's marked equity; S (``totalShares``) every share outstanding.
/// With the virtual offset δ (``VaultTerms/shareOffsetDigits``, `V = 10^δ`):
/// - a deposit of `a` mints `floor(a × (S + V) / (E + 1))` shares (down: favours the vault);
/// - `n` shares are worth `floor(n × (E + 1) / (S + V))` (down: favours the vault).
/// Deposits add their amount to E, payouts subtract theirs, ``VaultAction/mark(equity:)`` sets it.
///
/// ## Use
/// ```swift
/// var vault = try Vault(terms: VaultTerms(), manager: "mgr", createdAt: Timestamp(seconds: 0))
/// let receipt = vault.apply(.deposit(depositor: "alice", amount: Amount("100")!), at: Timestamp(seconds: 1))
/// ```
/// ``apply(_:at:)`` either performs the action and appends one event to the hash-chained log, or
/// refuses it with a ``VaultError`` and changes nothing. ``replay(_:)`` rebuilds a vault from its
/// log. ``checkInvariants()`` is the expensive sweep tests run after every action.
///
/// ## Cost
/// Every action except ``CrystallizeTarget/all`` is O(1) (one dictionary lookup by name; fee
/// accrual adds one step per whole year since the last accrual, at most 8,035) and allocates only
/// for the log append (and a first-time name). With ``LogSealing/everyAction``
/// each action also hashes its event (a few SHA-256 blocks).
public struct Vault: Sendable {
    var core: VaultCore
    /// The manager's record; its `shares` always equals `core.managerShares` between actions.
    var managerRecord: VaultAccount
    /// The protocol account's record (its name is the terms' protocol name); `shares` equals
    /// `core.protocolShares` between actions.
    var protocolRecord: VaultAccount
    var depositors: ContiguousArray<VaultAccount>
    var slots: [String: Int]
    /// The depositors with ASCII names, indexed again for a cheaper lookup (``AsciiNameIndex``);
    /// derived from `depositors`, so not part of `==`.
    var asciiSlots: AsciiNameIndex
    /// The buffered events, packed (``PackedLog``).
    var log: PackedLog
    /// Hashes of the first `sealedCount` buffered events (`hashes.count == sealedCount`).
    var hashes: [SHA256Digest]
    /// The first `sealedCount` buffered events are hashed.
    var sealedCount: Int
    /// Byte offset in `log` of the first event not yet hashed.
    var sealedOffset: Int
    /// Hash of the last sealed event (`baseHash` when none is buffered).
    var head: SHA256Digest
    /// Hash of the event before the first buffered one (zero at creation).
    var baseHash: SHA256Digest
    /// Sequence number of the next event.
    var nextSequence: Int64
    /// When hashes are computed.
    public let sealing: LogSealing

    /// Largest equity the ledger accepts (``MarketCore/Bounds/maxTotal``, 1,000,000,000,000 USDC):
    /// a mark above it, or a deposit that would take equity above it, is refused.
    public static let maxEquity = Bounds.maxTotal
    /// Largest amount one action may move (``MarketCore/Bounds/maxAmount``, 100,000,000,000 USDC):
    /// a deposit, a withdrawal request or a transfer worth more is refused.
    public static let maxAmount = Bounds.maxAmount
    /// Latest time accepted (``MarketCore/Bounds/maxTimestamp``, 9999-12-31T23:59:59.999Z in
    /// milliseconds; the ledger's clock runs in whole seconds, `0...Bounds.maxSeconds`).
    public static let maxTime = Bounds.maxTimestamp

    /// Creates an empty vault and its first log event.
    /// - Parameters:
    ///   - terms: fees, limits and the virtual offset.
    ///   - manager: the manager's name (distinct from the protocol name).
    ///   - createdAt: creation time; fees accrue from here.
    ///   - sealing: when event hashes are computed.
    /// - Throws: ``VaultError/invalidTerms(_:)``, ``VaultError/invalidName(_:)`` or ``VaultError/timeOutOfRange(_:)``.
    public init(terms: VaultTerms, manager: String, createdAt: Timestamp, sealing: LogSealing = .everyAction)
        throws(VaultError)
    {
        if let problem = terms.problem { throw .invalidTerms(problem) }
        if Self.nameProblem(manager) != nil { throw .invalidName(manager) }
        if manager == terms.protocolName { throw .invalidTerms("manager and protocol need different names") }
        if createdAt < .zero || createdAt > Self.maxTime { throw .timeOutOfRange(createdAt) }
        core = VaultCore(terms: terms, createdAt: createdAt)
        managerRecord = VaultAccount(name: manager, role: .manager, pointsIndex: 0, hurdleIndex: 0)
        managerRecord.isAllowed = true
        protocolRecord = VaultAccount(name: terms.protocolName, role: .protocolAccount, pointsIndex: 0, hurdleIndex: 0)
        depositors = []
        slots = [:]
        asciiSlots = AsciiNameIndex()
        log = PackedLog()
        hashes = []
        sealedCount = 0
        sealedOffset = 0
        head = .zero
        baseHash = .zero
        nextSequence = 0
        self.sealing = sealing
        appendEvent(
            VaultEvent(
                sequence: 0, time: createdAt, entry: .created(terms: terms, manager: manager), actor: manager,
                equityBefore: .zero, equityAfter: .zero, totalSharesBefore: .zero, totalSharesAfter: .zero,
                actorSharesBefore: .zero, actorSharesAfter: .zero, actorValueBefore: .zero, actorValueAfter: .zero,
                feesBefore: .zero, feesAfter: .zero, receipt: VaultReceipt()))
    }

    /// Why a name cannot be an account name, or nil: 1 to 64 UTF-8 bytes, no control
    /// characters, not `*` (which stands for "all depositors" in the log).
    public static func nameProblem(_ name: String) -> String? {
        var count = 0
        var control = false
        for byte in name.utf8 {
            count += 1
            control = control || byte < 0x20 || byte == 0x7F
        }
        if count == 0 || count > 64 { return "must be 1 to 64 bytes" }
        if control { return "has control characters" }
        if count == 1 && name == "*" { return "\"*\" is reserved" }
        return nil
    }

    // MARK: Applying actions

    /// Applies one action at `time`.
    ///
    /// Every action that needs equity first accrues management and protocol fees, points and the
    /// hurdle up to `time` (and applies a fee update whose timelock has run out); depositor
    /// actions then settle the actor's points and, for deposit, withdrawal request, transfer and
    /// crystallise, its performance fee, before doing their own work.
    /// - Parameters:
    ///   - action: what to do.
    ///   - time: when; not before the previous action.
    /// - Returns: what was done, or why nothing was done (the vault is then unchanged).
    /// - Complexity: O(1) amortised; O(depositors) for ``CrystallizeTarget/all``.
    public mutating func apply(_ action: VaultAction, at time: Timestamp) -> Result<VaultReceipt, VaultError> {
        let equityBefore = core.equity, sharesBefore = core.totalShares, feesBefore = core.fees
        let plan: Plan
        do {
            plan = try self.plan(action, at: time)
        } catch {
            return .failure(error)
        }
        // Done: nothing below can fail.
        let (receipt, actorValueAfter) = conclude(plan, at: time)
        // Sealing every action, every earlier event is already hashed: this one is hashed below
        // straight from its figures instead of being decoded back out of the packed log.
        let hashNow = sealing == .everyAction && sealedCount == log.count
        // The event is packed straight from these figures (no `VaultEvent` is built).
        log.appendApplied(
            action: action, actor: plan.actor, actorName: "", sequence: nextSequence, time: time,
            equityBefore: equityBefore, equityAfter: core.equity, totalSharesBefore: sharesBefore,
            totalSharesAfter: core.totalShares, actorSharesBefore: plan.actorSharesBefore,
            actorSharesAfter: plan.actorSharesAfter, actorValueBefore: plan.actorValueBefore,
            actorValueAfter: actorValueAfter, feesBefore: feesBefore, feesAfter: core.fees,
            receipt: receipt)
        if hashNow, let actor = actorName(plan.actor, of: action) {
            // The same fields, and the same encoder, that `seal()` would hash after decoding the
            // record (`HotPathTests` checks both sealing modes give the same chain, action by action).
            let hash = VaultEvent.hashApplied(
                previousHash: head, sequence: nextSequence, time: time, action: action, actor: actor,
                equityBefore: equityBefore, equityAfter: core.equity, totalSharesBefore: sharesBefore,
                totalSharesAfter: core.totalShares, actorSharesBefore: plan.actorSharesBefore,
                actorSharesAfter: plan.actorSharesAfter, actorValueBefore: plan.actorValueBefore,
                actorValueAfter: actorValueAfter, feesBefore: feesBefore, feesAfter: core.fees, receipt: receipt)
            hashes.append(hash)
            head = hash
            sealedCount += 1
            sealedOffset = log.endOffset
        }
        nextSequence += 1
        if sealing == .everyAction { seal() }  // nothing left to hash when hashed above
        return .success(receipt)
    }

    /// Checks `time` and plans `action` (the work shared by ``apply(_:at:)`` and
    /// ``reapply(_:)``): on success the core and the account records hold the action's effects,
    /// except what ``conclude(_:at:)`` writes; on a refusal nothing has changed.
    @inline(__always) mutating func plan(_ action: VaultAction, at time: Timestamp) throws(VaultError) -> Plan {
        if time < .zero || time > Self.maxTime { throw .timeOutOfRange(time) }
        if time < core.lastActionAt { throw .timeWentBackwards(last: core.lastActionAt, at: time) }
        // Plans write the core in place (no copy of it per action). Each writes the account records
        // it changed only after its last check that can refuse; the three that can refuse after
        // accruing (deposit, withdrawal request, transfer) put back the core's numbers they wrote
        // (``VaultCore/Undo``), so a refused action changes nothing.
        switch action {
        case .deposit(let name, let amount): return try planDeposit(name, amount, time)
        case .requestWithdraw(let name, let unit): return try planRequest(name, unit, time)
        case .cancelWithdraw(let name): return try planCancel(name, time)
        case .withdraw(let name): return try planWithdraw(name, time)
        case .transfer(let from, let to, let shares): return try planTransfer(from, to, shares, time)
        case .mark(let equity): return try planMark(equity, time)
        case .markInvalid: return try planMarkInvalid(time)
        case .accrue: return try planAccrue(time)
        case .crystallize(.depositor(let name)): return try planCrystallize(name, time)
        case .crystallize(.all): return try crystallizeAll(time)
        case .setFees(let fees): return try planSetFees(fees, time)
        case .cancelFeeUpdate: return try planCancelFeeUpdate()
        case .setPermissioned(let on): return try planSetPermissioned(on)
        case .setAccess(let name, let allowed): return try planSetAccess(name, allowed)
        }
    }

    /// Finishes a planned action (it can no longer fail): the clock, the manager's and
    /// protocol's records, the receipt's sequence number.
    /// - Returns: the receipt and the actor's holding's value after the action.
    @inline(__always) mutating func conclude(_ plan: Plan, at time: Timestamp) -> (receipt: VaultReceipt, actorValueAfter: Int64) {
        core.lastActionAt = time
        // Accrual and crystallisation move the manager's and protocol's shares inside the core.
        managerRecord.shares.raw = core.managerShares
        protocolRecord.shares.raw = core.protocolShares
        var receipt = plan.receipt
        receipt.sequence = nextSequence
        return (receipt, core.value(ofHeld: plan.actorSharesAfter))
    }

    // MARK: Plans

    /// Where an account lives.
    enum Slot: Hashable {
        case manager, protocolAccount, depositor(Int), new
    }

    /// What a planned action reports for its event (its records are already written). Plans
    /// return it and throw their refusal (typed): a `Result` of the two, 145 bytes, was copied
    /// twice on its way back to ``apply(_:at:)``.
    struct Plan {
        var receipt: VaultReceipt
        /// Who acted: the action's name, the manager or `*` (the event's actor).
        var actor: ActorCode
        var actorSharesBefore: Int128
        var actorValueBefore: Int64
        var actorSharesAfter: Int128
    }

    /// The event's actor name for an actor code (what the packed log's decoder gives back), or
    /// nil for ``ActorCode/inline``, which an applied action never uses.
    /// (Inlined, like ``slot(of:)`` and ``account(at:named:in:)``: called out of line from a
    /// `mutating` method, a non-mutating method gets a copy of the whole vault, about 1 KB.)
    @inline(__always) func actorName(_ code: ActorCode, of action: VaultAction) -> String? {
        switch code {
        case .actionName: action.firstName
        case .manager: managerRecord.name
        case .all: "*"
        case .inline: nil
        }
    }

    @inline(__always) func slot(of name: String) -> Slot {
        // First the ASCII index: a name found there is a depositor's, and neither the manager's
        // nor the protocol's (see ``AsciiNameIndex``).
        if let i = asciiSlots.index(of: name, in: depositors) { return .depositor(i) }
        if name == managerRecord.name { return .manager }
        if name == protocolRecord.name { return .protocolAccount }
        if let i = slots[name] { return .depositor(i) }
        return .new
    }

    @inline(__always) func account(at slot: Slot, named name: String, in c: VaultCore) -> VaultAccount {
        switch slot {
        case .manager:
            var a = managerRecord
            a.shares.raw = c.managerShares
            return a
        case .protocolAccount:
            var a = protocolRecord
            a.shares.raw = c.protocolShares
            return a
        case .depositor(let i): return depositors[i]
        case .new: return VaultAccount(name: name, role: .depositor, pointsIndex: c.pointsIndex, hurdleIndex: c.hurdleIndex)
        }
    }

    /// Brings the manager's or protocol's share count in a record read before an accrual up to
    /// date (a depositor's record does not change with accrual).
    @inline(__always) static func refreshShares(_ account: inout VaultAccount, at slot: Slot, from c: VaultCore) {
        switch slot {
        case .manager: account.shares.raw = c.managerShares
        case .protocolAccount: account.shares.raw = c.protocolShares
        case .depositor, .new: break
        }
    }

    /// Writes an account's record (and, for the manager or protocol, its share count into the
    /// core). A plan calls it only after its last check that can refuse, so a refused action has
    /// written no record (validate, then commit).
    mutating func commit(_ account: VaultAccount, at slot: Slot) {
        switch slot {
        case .manager:
            core.managerShares = account.shares.raw
            managerRecord = account
        case .protocolAccount:
            core.protocolShares = account.shares.raw
            protocolRecord = account
        case .depositor(let i): depositors[i] = account
        case .new:
            slots[account.name] = depositors.count
            depositors.append(account)
            asciiSlots.add(depositors.count - 1, in: depositors)
        }
    }

    /// Refuses a plan that has already written the core (accrued, crystallised): puts back the
    /// numbers saved at `undo` and returns `error` to throw, so the refused action changes nothing.
    @inline(__always) mutating func refuse(_ error: VaultError, _ undo: VaultCore.Undo) -> VaultError {
        core.restore(undo)
        return error
    }

    /// A plan for an administrative action whose actor is the manager; `before` is the manager's
    /// (shares, value) before the action and `managerShares` its shares after it.
    static func managerPlan(_ receipt: VaultReceipt, before: (Int128, Int64), after managerShares: Int128) -> Plan {
        Plan(
            receipt: receipt, actor: .manager, actorSharesBefore: before.0, actorValueBefore: before.1,
            actorSharesAfter: managerShares)
    }
}
