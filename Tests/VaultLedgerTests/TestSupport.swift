import MarketCore
import Testing
import VaultLedger

/// Quote from decimal text ("100", "0.000001").
func usd(_ text: String) -> Amount { Amount(text)! }

/// A timestamp in whole seconds.
func sec(_ s: Int64) -> Timestamp { Timestamp(seconds: s) }

/// A rate in parts per million from decimal text ("0.1" = 10%).
func ppm(_ text: String) -> Ppm { Ppm(text)! }

/// Shares from a raw count.
func shares(_ raw: Int128) -> Shares { Shares(raw: raw) }

let year: Int64 = 31_536_000
let day: Int64 = 86_400

extension Vault {
    /// A vault with manager "mgr" created at time 0; the tests' usual starting point.
    static func make(_ terms: VaultTerms = VaultTerms(), sealing: LogSealing = .everyAction) throws -> Vault {
        try Vault(terms: terms, manager: "mgr", createdAt: .zero, sealing: sealing)
    }

    /// Applies an action that must succeed at `seconds`, then sweeps the invariants.
    @discardableResult
    mutating func ok(_ action: VaultAction, at seconds: Int64) throws -> VaultReceipt {
        let receipt = try apply(action, at: sec(seconds)).get()
        checkInvariants()
        return receipt
    }

    /// Applies an action that must be refused at `seconds`, checks nothing changed, and returns the error.
    mutating func refused(_ action: VaultAction, at seconds: Int64) -> VaultError? {
        let before = self
        let result = apply(action, at: sec(seconds))
        guard case .failure(let error) = result else {
            Issue.record("expected \(action) to be refused, got \(result)")
            return nil
        }
        #expect(self == before, "a refused action changed the vault")
        return error
    }

    /// Shares held by `name` (0 if unknown).
    func sharesOf(_ name: String) -> Int128 { account(name)?.shares.raw ?? 0 }
}
