import MarketCore

/// Why a withdrawal or transfer asked for more than the holder has.
public struct Shortfall: Hashable, Sendable {
    /// The holder.
    public var name: String
    /// Shares held (after any fee crystallised by the same action).
    public var holds: Shares
    /// What those shares are worth.
    public var worth: Amount
    /// What was asked for.
    public var wanted: WithdrawUnit
    /// `6 + δ`, to print shares.
    public var shareDecimals: Int

    /// Creates a shortfall description.
    public init(name: String, holds: Shares, worth: Amount, wanted: WithdrawUnit, shareDecimals: Int) {
        self.name = name
        self.holds = holds
        self.worth = worth
        self.wanted = wanted
        self.shareDecimals = shareDecimals
    }
}

/// Why the ledger refused an action. A refused action changes nothing, not even the log.
/// ``description`` is a sentence for a person (the CLI prints it and exits with code 2).
public enum VaultError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The terms break a rule (the text says which).
    case invalidTerms(String)
    /// A name is empty, too long, has control characters, or is `*`.
    case invalidName(String)
    /// The name belongs to the manager or protocol account, which cannot do this.
    case roleNotAllowed(name: String, action: String)
    /// No account has this name.
    case unknownAccount(String)
    /// Actions must come in time order.
    case timeWentBackwards(last: Timestamp, at: Timestamp)
    /// A time before the epoch or after ``Vault/maxTime`` (the end of the year 9999).
    case timeOutOfRange(Timestamp)
    /// Equity is unknown (oracle invalid); the action needs it.
    case markInvalid
    /// A mark outside `0...maxEquity`.
    case equityOutOfRange(Amount)
    /// An amount above the ledger's bound for it: one action's amount above ``Vault/maxAmount``
    /// (`what` names it), or the equity a deposit would leave above ``Vault/maxEquity``.
    case aboveMaximum(what: String, amount: Amount, maximum: Amount)
    /// Amounts, shares and percentages must be positive.
    case notPositive(String)
    /// The deposit is below the vault's minimum.
    case belowMinimumDeposit(amount: Amount, minimum: Amount)
    /// The capacity clamp leaves less room than the minimum deposit.
    case vaultFull(room: Amount, minimum: Amount)
    /// Equity is zero while shares are outstanding: no new money is taken.
    case wipedOut
    /// The vault is permissioned and this name is not on its access list.
    case notPermitted(String)
    /// A withdrawal request is already pending for this name.
    case withdrawalPending(String)
    /// No withdrawal request is pending for this name.
    case noWithdrawalPending(String)
    /// The name deposited too recently to withdraw or transfer out.
    case lockedUp(name: String, until: Timestamp)
    /// The redeem period of the pending request has not passed.
    case redeemPeriodNotOver(name: String, until: Timestamp)
    /// The request or transfer asks for more than the holder has.
    case insufficientShares(Shortfall)
    /// The request rounds to zero shares.
    case nothingToWithdraw(String)
    /// The deposit is worth less than one raw share.
    case depositTooSmall(Amount)
    /// The manager would hold less than its required stake.
    case managerStakeTooLow(minimum: Ppm)
    /// Percentages are `(0, 1]`.
    case percentOutOfRange(Ppm)
    /// The result would leave the ranges the ledger supports.
    case tooLarge(String)
    /// There is no pending fee update to cancel.
    case noPendingFeeUpdate
    /// Sender and receiver are the same.
    case selfTransfer(String)

    /// A sentence for a person, naming the account and the amounts involved.
    /// Times in messages: whole seconds since the epoch (milliseconds shown only when not whole).
    static func seconds(_ t: Timestamp) -> String {
        t.milliseconds % 1000 == 0 ? "t=\(t.milliseconds / 1000)s" : "t=\(t.milliseconds)ms"
    }

    public var description: String {
        switch self {
        case .invalidTerms(let why): return "invalid vault terms: \(why)"
        case .invalidName(let name): return "invalid account name \"\(name)\" (1 to 64 bytes, no control characters, not \"*\")"
        case .roleNotAllowed(let name, let action): return "\(name) is not a depositor and cannot \(action)"
        case .unknownAccount(let name): return "no account named \(name)"
        case .timeWentBackwards(let last, let at):
            return "time \(Self.seconds(at)) is before the last action at \(Self.seconds(last))"
        case .timeOutOfRange(let t): return "time \(Self.seconds(t)) is outside the supported range (epoch to the end of year 9999)"
        case .markInvalid: return "equity mark is invalid (oracle down); mark the vault before this action"
        case .equityOutOfRange(let e): return "equity \(money(e)) is outside 0...\(money(Vault.maxEquity))"
        case .aboveMaximum(let what, let amount, let maximum):
            return "\(what) \(money(amount)) is above the maximum \(money(maximum))"
        case .notPositive(let what): return "\(what) must be positive"
        case .belowMinimumDeposit(let amount, let minimum):
            return "deposit \(money(amount)) is below the minimum deposit \(money(minimum))"
        case .vaultFull(let room, let minimum):
            if room.raw <= 0 { return "vault is at capacity: no room for a deposit" }
            return "vault is at capacity: room for \(money(room)), below the minimum deposit \(money(minimum))"
        case .wipedOut: return "vault equity is zero with shares outstanding; it takes no deposits"
        case .notPermitted(let name): return "\(name) is not on the vault's access list"
        case .withdrawalPending(let name): return "\(name) has a pending withdrawal request"
        case .noWithdrawalPending(let name): return "\(name) has no pending withdrawal request"
        case .lockedUp(let name, let until): return "\(name) is in lock-up after a deposit until \(Self.seconds(until))"
        case .redeemPeriodNotOver(let name, let until): return "\(name)'s redeem period ends at \(Self.seconds(until))"
        case .insufficientShares(let s):
            let wanted: String
            switch s.wanted {
            case .amount(let a): wanted = "withdraw \(money(a))"
            case .shares(let n): wanted = "redeem \(n.formatted(decimals: s.shareDecimals)) shares"
            case .percent(let p): wanted = "withdraw \(p.formatted())"
            }
            return "\(s.name) holds \(s.holds.formatted(decimals: s.shareDecimals)) shares worth \(money(s.worth)); cannot \(wanted)"
        case .nothingToWithdraw(let name): return "\(name)'s request rounds to zero shares"
        case .depositTooSmall(let a): return "deposit \(money(a)) is worth less than one share unit"
        case .managerStakeTooLow(let minimum):
            return "the manager must keep at least \(minimum.formatted()) of all shares (1 = 100%)"
        case .percentOutOfRange(let p): return "percent \(p.formatted()) must be above 0 and at most 1 (1 = 100%)"
        case .tooLarge(let what): return "\(what) is too large for the ledger"
        case .noPendingFeeUpdate: return "no fee update is pending"
        case .selfTransfer(let name): return "\(name) cannot transfer shares to itself"
        }
    }
}

/// Quote text with at least two decimals ("10.50").
@inline(__always) func money(_ a: Amount) -> String { a.formatted(minimumDecimals: 2) }

/// Why a log could not be replayed.
public enum VaultLogError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The log is empty or does not start with a creation event.
    case missingGenesis
    /// The creation event's terms are invalid.
    case invalidGenesis(VaultError)
    /// An event's `previousHash` is not the hash of the event before it.
    case brokenChain(sequence: Int64)
    /// An event's `hash` is not the hash of its own fields: it was edited.
    case hashMismatch(sequence: Int64)
    /// Sequence numbers are not 0, 1, 2, …
    case sequenceGap(expected: Int64, found: Int64)
    /// Re-running the event's action was refused.
    case refusedOnReplay(sequence: Int64, VaultError)
    /// Re-running the event's action produced a different event.
    case divergence(sequence: Int64)

    /// A sentence for a person, naming the event.
    public var description: String {
        switch self {
        case .missingGenesis: return "vault log does not start with a creation event"
        case .invalidGenesis(let e): return "vault log creation event is invalid: \(e)"
        case .brokenChain(let s): return "vault log chain is broken at event \(s)"
        case .hashMismatch(let s): return "vault log event \(s) does not match its hash (edited)"
        case .sequenceGap(let e, let f): return "vault log expected event \(e), found \(f)"
        case .refusedOnReplay(let s, let e): return "vault log event \(s) is refused on replay: \(e)"
        case .divergence(let s): return "vault log event \(s) does not match what replay produces"
        }
    }
}
