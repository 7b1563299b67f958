import MarketCore
import VaultLedger

/// Parsing of vault operations from JSON objects (shared by `vault replay`).
enum VaultOps {
    /// Terms for a `create` op: fee fields in ppm (integers), amounts as decimal strings, times in seconds.
    static func terms(_ f: inout JSONFields) throws -> VaultTerms {
        var t = VaultTerms()
        t.fees = try fees(&f, base: .none)
        if let v = try f.optionalInt("redeemPeriodSeconds") { t.redeemPeriodSeconds = v }
        if let v = try f.optionalInt("lockupSeconds") { t.lockUpSeconds = v }
        if let v = try f.optionalDecimal("minDeposit", Amount.self, lower: .nonNegative, max: Bounds.maxAmount) { t.minDeposit = v }
        if let v = try f.optionalDecimal("maxTokens", Amount.self, lower: .nonNegative, max: Bounds.maxTotal) { t.maxTokens = v }
        t.permissioned = try f.bool("permissioned", default: false)
        if let v = try f.optionalInt("managerMinimumStakePpm") { t.managerMinimumStake = Ppm(raw: v) }
        if let v = try f.optionalInt("shareOffsetDigits") {
            guard (0...12).contains(v) else { throw f.fail("shareOffsetDigits", "expected 0...12") }
            t.shareOffsetDigits = Int(v)
        }
        if let v = try f.optionalInt("pointsPerSecond") { t.pointsPerSecond = v }
        if let v = try f.optionalString("protocolName") { t.protocolName = v }
        if let p = t.problem { throw f.fail("create", p) }
        return t
    }

    /// Fee terms: each field optional, defaulting to `base`.
    static func fees(_ f: inout JSONFields, base: FeeTerms) throws -> FeeTerms {
        var fees = base
        if let v = try f.optionalInt("managementFeePpm") { fees.managementFee = Ppm(raw: v) }
        if let v = try f.optionalInt("performanceFeePpm") { fees.performanceFee = Ppm(raw: v) }
        if let v = try f.optionalInt("hurdlePpm") { fees.hurdleRate = Ppm(raw: v) }
        if let v = try f.optionalInt("protocolFeePpm") { fees.protocolFee = Ppm(raw: v) }
        if let v = try f.optionalInt("protocolProfitSharePpm") { fees.protocolProfitShare = Ppm(raw: v) }
        if let mode = try f.optionalString("hurdleMode") {
            switch mode {
            case "soft": fees.hurdle = .soft
            case "hard": fees.hurdle = .hard
            default: throw f.fail("hurdleMode", "expected \"soft\" or \"hard\"")
            }
        }
        if let p = fees.problem { throw f.fail("fees", p) }
        return fees
    }

    /// An amount field in (0, `Bounds.maxAmount`].
    static func positive(_ f: inout JSONFields, _ key: String) throws -> Amount {
        try f.amount(key)
    }

    /// Shares as decimal text with the vault's share decimals.
    static func shares(_ f: inout JSONFields, _ key: String, decimals: Int) throws -> Shares {
        let text = try f.string(key)
        guard let s = parseShares(text, decimals: decimals), s.raw > 0 else {
            throw f.fail(key, "expected a positive number of shares with at most \(decimals) decimals, got \"\(text)\"")
        }
        return s
    }

    /// Parses decimal share text exactly at `decimals`.
    static func parseShares(_ text: String, decimals: Int) -> Shares? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let ip = parts.first, !ip.isEmpty, ip.allSatisfy(\.isNumber) else { return nil }
        let frac = parts.count == 2 ? parts[1] : ""
        guard frac.count <= decimals, frac.allSatisfy(\.isNumber), parts.count == 1 || !frac.isEmpty else { return nil }
        guard let i = Int128(ip), let fr = Int128(frac.isEmpty ? "0" : String(frac)) else { return nil }
        var scale: Int128 = 1
        for _ in 0..<decimals { scale *= 10 }
        var fscale: Int128 = 1
        for _ in 0..<(decimals - frac.count) { fscale *= 10 }
        let (m, o) = i.multipliedReportingOverflow(by: scale)
        guard !o, m <= Shares.limit.raw else { return nil }
        return Shares(raw: m + fr * fscale)
    }

    /// A percentage as decimal text ("12.5" = 12.5%), to ppm.
    static func percent(_ f: inout JSONFields, _ key: String) throws -> Ppm {
        let text = try f.string(key)
        // "12.5" percent = 125000 ppm: parse with 4 decimals, then ×10.
        guard case .success(let p) = Ppm.parse(text), p.raw > 0, p.raw <= 100_000_000, p.raw % 100 == 0 else {
            throw f.fail(key, "expected a percentage in (0, 100] with at most 4 decimals, got \"\(text)\"")
        }
        return Ppm(raw: p.raw / 100)
    }

    /// The action of one op line (not `create`).
    static func action(_ op: String, _ f: inout JSONFields, vault: Vault) throws -> VaultAction {
        switch op {
        case "deposit":
            return .deposit(depositor: try f.string("depositor"), amount: try positive(&f, "amount"))
        case "requestWithdraw":
            let who = try f.string("depositor")
            let given = ["amount", "shares", "percent"].filter { f.has($0) }
            guard given.count == 1 else { throw f.fail("amount", "give exactly one of amount, shares or percent") }
            switch given[0] {
            case "amount": return .requestWithdraw(depositor: who, .amount(try positive(&f, "amount")))
            case "shares": return .requestWithdraw(depositor: who, .shares(try shares(&f, "shares", decimals: vault.shareDecimals)))
            default: return .requestWithdraw(depositor: who, .percent(try percent(&f, "percent")))
            }
        case "cancelWithdraw": return .cancelWithdraw(depositor: try f.string("depositor"))
        case "withdraw": return .withdraw(depositor: try f.string("depositor"))
        case "mark":
            if f.has("valid"), try f.bool("valid", default: true) == false { return .markInvalid }
            // Equity is a vault's total: 0...Bounds.maxTotal.
            return .mark(equity: try f.decimal("equity", Amount.self, lower: .nonNegative, max: Bounds.maxTotal))
        case "crystallize":
            if let who = try f.optionalString("depositor") { return .crystallize(.depositor(who)) }
            return .crystallize(.all)
        case "transfer":
            return .transfer(from: try f.string("from"), to: try f.string("to"),
                             shares: try shares(&f, "shares", decimals: vault.shareDecimals))
        case "setFees":
            return .setFees(try fees(&f, base: vault.terms.fees))
        case "cancelFeeUpdate": return .cancelFeeUpdate
        case "advance": return .accrue
        case "setPermissioned": return .setPermissioned(try f.bool("permissioned", default: true))
        case "setAccess":
            return .setAccess(depositor: try f.string("depositor"), allowed: try f.bool("allowed", default: true))
        default:
            throw f.fail("op", "unknown op \"\(op)\" (expected create, deposit, requestWithdraw, cancelWithdraw, withdraw, mark, crystallize, transfer, setFees, cancelFeeUpdate, advance, setPermissioned, setAccess)")
        }
    }
}
