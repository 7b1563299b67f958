import MarketCore
import VaultLedger

/// JSON rendering of a vault's state (the `vault replay` state line and `vault show --json`).
enum VaultJSON {
    static func amount(_ a: Amount) -> String { "\"" + a.formatted(minimumDecimals: 2) + "\"" }
    static func shares(_ s: Shares, _ vault: Vault) -> String { "\"" + s.formatted(decimals: vault.shareDecimals) + "\"" }

    static func request(_ r: WithdrawRequest?, _ vault: Vault) -> String {
        guard let r else { return "null" }
        return #"{"shares":\#(shares(r.shares, vault)),"value":\#(amount(r.value)),"requestedAt":\#(r.requestedAt.seconds)}"#
    }

    /// The state of `vault` at `time` as one JSON object (no trailing newline).
    static func state(_ vault: Vault, at time: Timestamp, error: String?) -> String {
        var deps: [String] = []
        for a in vault.depositorAccounts {
            let value = vault.value(of: a.name, at: time) ?? .zero
            deps.append(#"\#(jsonString(a.name)):{"shares":\#(shares(a.shares, vault)),"value":\#(amount(value)),"highWaterMark":\#(amount(a.highWaterMark)),"feesPaid":\#(amount(a.performanceFeesPaid)),"pendingWithdrawal":\#(request(a.withdrawRequest, vault))}"#)
        }
        let m = vault.manager
        let fees = vault.feeTotals
        let managerValue = vault.value(of: m.name, at: time) ?? .zero
        var out = #"{"ts":\#(time.seconds),"equity":\#(amount(vault.equity)),"markValid":\#(vault.isMarkValid),"totalShares":\#(shares(vault.totalShares, vault)),"navPerShare":\#(amount(vault.sharePrice)),"depositors":{\#(deps.joined(separator: ","))},"manager":{"name":\#(jsonString(m.name)),"shares":\#(shares(m.shares, vault)),"value":\#(amount(managerValue)),"feesEarned":\#(amount(fees.managementFee + fees.performanceFee)),"pendingWithdrawal":\#(request(m.withdrawRequest, vault))}"#
        let p = vault.protocolAccount
        let t = vault.terms.fees
        if p.shares != .zero || t.protocolFee != .zero || t.protocolProfitShare != .zero {
            let pv = vault.value(of: p.name, at: time) ?? .zero
            out += #","protocol":{"name":\#(jsonString(p.name)),"shares":\#(shares(p.shares, vault)),"value":\#(amount(pv)),"feesEarned":\#(amount(fees.protocolFee + fees.protocolProfitShare))}"#
        }
        if let pending = vault.pendingFeeUpdate {
            out += #","pendingFees":{"effectiveAt":\#(pending.effectiveAt.seconds),"managementFeePpm":\#(pending.fees.managementFee.raw),"performanceFeePpm":\#(pending.fees.performanceFee.raw)}"#
        }
        out += #","error":\#(error.map(jsonString) ?? "null")}"#
        return out
    }
}
