/// Seeded random vault actions shared by the crash-test writer (`vaultstore-torture`) and the
/// store's tests, so both exercise the same mix.
import MarketCore
import VaultLedger

/// SplitMix64: a tiny seeded generator, so a failing round names a reproducible seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: Int64) { state = UInt64(bitPattern: seed) }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random actions for the torture writer: mostly sensible ones over a few names, plus a steady
/// share the ledger must refuse (unknown or invalid names, bad amounts, time going backwards).
public struct ActionGenerator: Sendable {
    public var rng: SplitMix64
    public let names = ["alice", "bob", "carol", "dave", "erin", "mgr"]

    public init(seed: Int64) { rng = SplitMix64(seed: seed) }

    public mutating func int(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &rng) }
    public mutating func chance(_ percent: Int64) -> Bool { int(1...100) <= percent }
    public mutating func pick<T>(_ items: [T]) -> T { items[Int(int(0...Int64(items.count - 1)))] }

    /// Terms with every fee on, a lock-up and a redeem period.
    public mutating func terms() -> VaultTerms {
        VaultTerms(
            fees: FeeTerms(
                managementFee: Ppm(raw: 20_000), performanceFee: Ppm(raw: 200_000), hurdleRate: Ppm(raw: 50_000),
                hurdle: chance(50) ? .soft : .hard, protocolFee: Ppm(raw: 5_000), protocolProfitShare: Ppm(raw: 50_000)),
            lockUpSeconds: 600, redeemPeriodSeconds: 3_600, pointsPerSecond: 10)
    }

    /// Log-uniform raw quote amount from 1 raw unit to 1e6 USDC.
    public mutating func amount() -> Amount {
        var top: Int64 = 1
        for _ in 0..<int(0...12) { top *= 10 }
        return Amount(raw: int(1...top))
    }

    /// The next action and its time; `time` (milliseconds) only moves forward.
    public mutating func next(_ vault: Vault, time: inout Int64) -> (VaultAction, Timestamp) {
        if !chance(40) { time += chance(80) ? int(1...3_600_000) : int(3_600_001...200_000_000) }
        let at = chance(3) ? Timestamp(milliseconds: time - int(1...10_000_000)) : Timestamp(milliseconds: time)
        return (action(vault), at)
    }

    public mutating func action(_ vault: Vault) -> VaultAction {
        if chance(5) {
            // Refused by the ledger whatever the state.
            switch int(0...4) {
            case 0: return .deposit(depositor: "bad\u{7}name", amount: amount())
            case 1: return .deposit(depositor: pick(names), amount: Amount(raw: -int(0...1000)))
            case 2: return .withdraw(depositor: "nobody")
            case 3: return .transfer(from: "alice", to: "alice", shares: Shares(raw: 1))
            default: return .mark(equity: Amount(raw: -1))
            }
        }
        let name = pick(names)
        let held = vault.account(name)?.shares.raw ?? 0
        switch int(1...100) {
        case 1...30: return .deposit(depositor: name, amount: amount())
        case 31...42:
            switch int(0...2) {
            case 0: return .requestWithdraw(depositor: name, .amount(amount()))
            case 1: return .requestWithdraw(depositor: name, .shares(Shares(raw: held > 0 ? held / Int128(int(1...4)) + 1 : 1)))
            default: return .requestWithdraw(depositor: name, .percent(Ppm(raw: int(1...1_000_000))))
            }
        case 43...46: return .cancelWithdraw(depositor: name)
        case 47...60: return .withdraw(depositor: name)
        case 61...67:
            let to = pick(names.filter { $0 != "mgr" })
            return .transfer(from: name, to: to, shares: Shares(raw: held > 0 ? max(1, held / Int128(int(1...8))) : 1))
        case 68...85:
            if chance(3) { return .markInvalid }
            let e = vault.equity.raw
            let next = Int64(Int128(e) * Int128(int(700_000...1_400_000)) / 1_000_000) + int(0...1_000_000)
            return .mark(equity: Amount(raw: min(next, Vault.maxEquity.raw)))
        case 86...90: return .accrue
        case 91...96: return .crystallize(chance(50) ? .all : .depositor(name))
        case 97...98:
            return .setFees(
                FeeTerms(
                    managementFee: Ppm(raw: int(0...40_000)), performanceFee: Ppm(raw: int(0...300_000)),
                    hurdleRate: Ppm(raw: int(0...100_000)), hurdle: chance(50) ? .soft : .hard,
                    protocolFee: Ppm(raw: int(0...10_000)), protocolProfitShare: Ppm(raw: int(0...100_000))))
        default: return chance(50) ? .cancelFeeUpdate : .setAccess(depositor: name, allowed: chance(50))
        }
    }
}
