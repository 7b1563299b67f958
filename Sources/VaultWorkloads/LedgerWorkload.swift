import MarketCore
import VaultLedger

/// The ledger benchmark's vault and action mix, shared by `mmvault bench --workload ledger` and
/// the package-benchmark allocation counts: 10,000 depositors of 1,000 quote each, then actions in
/// groups of five per depositor — deposit, withdrawal request, payout, a mark (equity ±1 quote,
/// alternating), a crystallisation.
public struct LedgerWorkload: Sendable {
    public var vault: Vault
    public let names: [String]
    var equity: Int64

    /// A vault (20% performance fee, 2% management fee) with the 10,000 depositors in, its setup
    /// events drained.
    /// - Throws: if a setup deposit is refused (a bug).
    public init(sealing: LogSealing) throws {
        let terms = VaultTerms(fees: FeeTerms(managementFee: Ppm(raw: 20_000), performanceFee: Ppm(raw: 200_000)))
        vault = try Vault(terms: terms, manager: "manager", createdAt: Timestamp(seconds: 0), sealing: sealing)
        names = (0..<10_000).map { "d\($0)" }
        for (i, n) in names.enumerated() {
            guard case .success = vault.apply(.deposit(depositor: n, amount: Amount(raw: 1_000_000_000)),
                                              at: Timestamp(seconds: Int64(i / 100))) else {
                throw LedgerWorkloadError.setupRefused
            }
        }
        _ = vault.drainEvents()
        equity = vault.equity.raw
    }

    /// Applies action `i` of the mix at second 1,000 + `i`.
    /// - Returns: whether the vault applied it.
    public mutating func step(_ i: Int) -> Bool {
        let name = names[((i / 5) &* 7919) % names.count]
        let action: VaultAction
        switch i % 5 {
        case 0: action = .deposit(depositor: name, amount: Amount(raw: 10_000_000))
        case 1: action = .requestWithdraw(depositor: name, .amount(Amount(raw: 5_000_000)))
        case 2: action = .withdraw(depositor: name)
        case 3:
            // The equity the vault holds now (deposits and payouts since the last mark moved it).
            action = .mark(equity: Amount(raw: equity + (i % 10 == 3 ? 1 : -1) * 1_000_000))
        default: action = .crystallize(.depositor(name))
        }
        // E moves only by deposits (+ their amount), payouts (− theirs) and marks (set it): tracked
        // from the receipts, since reading `vault.equity` from outside the module copied the
        // whole vault (``checkEquity()`` compares the two after a run).
        guard case .success(let receipt) = vault.apply(action, at: Timestamp(seconds: 1_000 + Int64(i))) else { return false }
        switch i % 5 {
        case 0: equity += receipt.amount.raw
        case 2: equity -= receipt.amount.raw
        case 3: equity = receipt.amount.raw  // a mark's receipt carries the new equity
        default: break
        }
        return true
    }

    /// Traps unless the equity tracked from the receipts is the vault's (a bug in ``step(_:)``).
    public func checkEquity() {
        precondition(equity == vault.equity.raw, "ledger workload: tracked equity \(equity) ≠ vault \(vault.equity.raw)")
    }
}

/// Why ``LedgerWorkload`` could not be set up.
public enum LedgerWorkloadError: Error, CustomStringConvertible {
    case setupRefused
    public var description: String { "ledger workload: a setup deposit was refused" }
}
