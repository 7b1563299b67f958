import MarketCore
import VaultLedger

/// SplitMix64: a tiny seeded generator so a failing property names a reproducible seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: Int64) { state = UInt64(bitPattern: seed) }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<n` (modulo: the small bias does not matter for test inputs).
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Random vault terms and random actions over a handful of names, for property tests.
struct RandomScenario {
    var rng: SplitMix64
    var time: Int64 = 0
    var names = ["alice", "bob", "carol", "dave", "mgr"]

    init(seed: Int64) { rng = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &rng) }
    mutating func chance(_ percent: Int64) -> Bool { int(1...100) <= percent }
    mutating func pick<T>(_ items: [T]) -> T { items[Int(int(0...Int64(items.count - 1)))] }

    /// A rate from 0 up to `max` ppm, zero a third of the time.
    mutating func rate(_ max: Int64) -> Ppm { chance(33) ? .zero : Ppm(raw: int(0...max)) }

    mutating func fees() -> FeeTerms {
        FeeTerms(
            managementFee: rate(50_000), performanceFee: rate(300_000), hurdleRate: rate(200_000),
            hurdle: chance(50) ? .soft : .hard, protocolFee: rate(10_000), protocolProfitShare: rate(100_000))
    }

    mutating func terms(offsets: [Int] = [0, 3, 6], lockUp: Bool = true) -> VaultTerms {
        VaultTerms(
            fees: fees(), shareOffsetDigits: pick(offsets), minDeposit: chance(70) ? Amount(raw: 1) : usd("1"),
            maxTokens: chance(70) ? nil : Amount(raw: int(1_000_000...10_000_000_000_000)), permissioned: false,
            lockUpSeconds: lockUp && chance(30) ? int(1...86_400) : 0,
            redeemPeriodSeconds: chance(40) ? 0 : int(1...2 * 86_400),
            managerMinimumStake: chance(80) ? .zero : Ppm(raw: int(1...100_000)),
            pointsPerSecond: chance(50) ? 0 : int(1...1000))
    }

    /// Log-uniform raw quote amount from 1 raw unit to 1e6 USDC.
    mutating func amount() -> Amount {
        let digits = int(0...12)
        var top: Int64 = 1
        for _ in 0..<digits { top *= 10 }
        return Amount(raw: int(1...top))
    }

    /// Seconds to wait before the next action: often none, sometimes up to ~2 days.
    mutating func advance() -> Int64 {
        if chance(40) { return 0 }
        return chance(70) ? int(1...3600) : int(3601...200_000)
    }

    /// A new equity: usually a move of −50%…+60%, sometimes a tiny nudge, rarely zero or invalid.
    mutating func markAction(_ vault: Vault) -> VaultAction {
        if chance(3) { return .markInvalid }
        let e = vault.equity.raw
        if chance(2) { return .mark(equity: .zero) }
        if chance(30) { return .mark(equity: Amount(raw: max(0, e + int(-1000...1000)))) }
        let factor = int(500_000...1_600_000)
        let next = Int64(Int128(e) * Int128(factor) / 1_000_000) + int(0...1_000_000)
        return .mark(equity: Amount(raw: min(next, Vault.maxEquity.raw)))
    }

    /// A random withdrawal size for `name`.
    mutating func unit(_ vault: Vault, _ name: String) -> WithdrawUnit {
        let held = vault.account(name)?.shares.raw ?? 0
        switch int(0...2) {
        case 0:
            let worth = vault.value(of: name, at: Timestamp(seconds: time))?.raw ?? 0
            return .amount(chance(80) && worth > 0 ? Amount(raw: int(1...worth)) : amount())
        case 1:
            return .shares(Shares(raw: held > 0 && chance(85) ? held * Int128(int(1...1_000_000)) / 1_000_000 + 1 : 1_000))
        default:
            return .percent(Ppm(raw: int(1...1_000_000)))
        }
    }

    /// The next random action among `names` (the manager included).
    mutating func action(_ vault: Vault) -> VaultAction {
        let name = pick(names)
        switch int(1...100) {
        case 1...28: return .deposit(depositor: name, amount: amount())
        case 29...42: return .requestWithdraw(depositor: name, unit(vault, name))
        case 43...47: return .cancelWithdraw(depositor: name)
        case 48...60: return .withdraw(depositor: name)
        case 61...68:
            // Transfers between depositors (the manager is refused as either side; rarely try it).
            let depositors = names.filter { $0 != "mgr" }
            let name = chance(90) && !depositors.isEmpty ? pick(depositors) : name
            let to = chance(90) && !depositors.isEmpty ? pick(depositors) : pick(names)
            let held = vault.account(name)?.shares.raw ?? 0
            let n = held > 0 ? max(1, held * Int128(int(1...1_100_000)) / 1_000_000) : 1
            return .transfer(from: name, to: to, shares: Shares(raw: n))
        case 69...84: return markAction(vault)
        case 85...89: return .accrue
        case 90...95: return .crystallize(chance(50) ? .all : .depositor(name))
        case 96...97: return .setFees(fees())
        default: return chance(50) ? .cancelFeeUpdate : .accrue
        }
    }
}
