import Foundation
import MarketCore
import Matching

/// The `--market FILE` format: a market configuration plus the JIT providers to run in it.
struct MarketFile {
    var config: MarketConfig
    /// Margin rules; nil = no margin checks (a pure matching run).
    var risk: RiskConfig? = nil
    var providers: [(name: String, account: String, edge: Ppm, maxSize: Quantity, latency: Int32)]

    /// The default market: a plain price-time book (tick 0.01, step 0.001) with 10 bps taker /
    /// 2 bps maker rebate, no auction, no AMM, no breakers.
    static var `default`: MarketFile {
        var c = MarketConfig.plainBook(tick: Price(raw: 10_000), step: Quantity(raw: 1_000_000))
        c.fees = FeeSchedule()
        return MarketFile(config: c, providers: [])
    }

    static func load(_ path: String) throws -> MarketFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError(message: "\(path): cannot read file") }
        guard let text = String(data: data, encoding: .utf8) else { throw InputError(message: "\(path): not UTF-8 text") }
        var f = try JSONFields.parseObject(Substring(text), context: path)
        var c = MarketConfig()
        c.tick = try f.optionalDecimal("tick", Price.self) ?? c.tick
        c.step = try f.optionalDecimal("step", Quantity.self) ?? c.step
        c.minSize = try f.optionalDecimal("minSize", Quantity.self) ?? c.step
        if var fees = try f.nested("fees") {
            var schedule = FeeSchedule()
            if let tiers = try fees.array("tiers") {
                schedule.tiers = try tiers.map { t in
                    var t = t
                    let tier = FeeTier(minVolume: try t.optionalDecimal("minVolume", Amount.self) ?? .zero,
                                       taker: try t.decimal("taker", Ppm.self), maker: try t.decimal("maker", Ppm.self))
                    try t.rejectUnknown()
                    return tier
                }
            }
            schedule.insuranceShare = try fees.optionalDecimal("insuranceShare", Ppm.self) ?? schedule.insuranceShare
            try fees.rejectUnknown()
            c.fees = schedule
        }
        if var a = try f.nested("auction") {
            if let d = try a.optionalInt("duration") {
                guard d >= 0 && d <= 1000 else { throw a.fail("duration", "expected 0...1000 steps") }
                c.auction.duration = Int32(d)
            }
            c.auction.endOffset = try a.optionalDecimal("endOffset", Ppm.self) ?? c.auction.endOffset
            try a.rejectUnknown()
        }
        if f.has("amm") {
            if var a = try f.nested("amm") {
                var amm = AMMConfig(sqrtK: try a.optionalDecimal("sqrtK", Quantity.self) ?? AMMConfig().sqrtK)
                amm.baseSpread = try a.optionalDecimal("baseSpread", Ppm.self) ?? amm.baseSpread
                amm.maxSpread = try a.optionalDecimal("maxSpread", Ppm.self) ?? amm.maxSpread
                amm.priceImpactThreshold = try a.optionalDecimal("priceImpactThreshold", Ppm.self) ?? amm.priceImpactThreshold
                amm.inventoryWeight = try a.optionalDecimal("inventoryWeight", Ppm.self) ?? amm.inventoryWeight
                amm.lossUnit = try a.optionalDecimal("lossUnit", Amount.self) ?? amm.lossUnit
                amm.maxKChange = try a.optionalDecimal("maxKChange", Ppm.self) ?? amm.maxKChange
                amm.minSqrtK = try a.optionalDecimal("minSqrtK", Quantity.self) ?? amm.minSqrtK
                amm.maxSqrtK = try a.optionalDecimal("maxSqrtK", Quantity.self) ?? amm.maxSqrtK
                amm.kIntervalMs = try a.optionalInt("kIntervalMs") ?? amm.kIntervalMs
                try a.rejectUnknown()
                c.amm = amm
            }
        } else {
            c.amm = nil
        }
        if var o = try f.nested("oracle") {
            c.oracle.maxStalenessMs = try o.optionalInt("maxStalenessMs") ?? c.oracle.maxStalenessMs
            c.oracle.maxConfidence = try o.optionalDecimal("maxConfidence", Ppm.self) ?? c.oracle.maxConfidence
            c.oracle.maxTwapDivergence = try o.optionalDecimal("maxTwapDivergence", Ppm.self) ?? c.oracle.maxTwapDivergence
            c.oracle.maxMarkDivergence = try o.optionalDecimal("maxMarkDivergence", Ppm.self) ?? c.oracle.maxMarkDivergence
            c.oracle.twapWindowMs = try o.optionalInt("twapWindowMs") ?? c.oracle.twapWindowMs
            try o.rejectUnknown()
        }
        if f.has("breaker") {
            if var b = try f.nested("breaker") {
                var br = BreakerConfig()
                if b.has("maxPriceMove") { br.maxPriceMove = try b.decimal("maxPriceMove", Ppm.self) }
                br.priceWindowMs = try b.optionalInt("priceWindowMs") ?? br.priceWindowMs
                if b.has("maxVolume") { br.maxVolume = try b.decimal("maxVolume", Quantity.self) }
                br.volumeWindowMs = try b.optionalInt("volumeWindowMs") ?? br.volumeWindowMs
                br.tripOnInvalidOracle = try b.bool("tripOnInvalidOracle", default: br.tripOnInvalidOracle)
                br.cooldownMs = try b.optionalInt("cooldownMs") ?? br.cooldownMs
                try b.rejectUnknown()
                c.breaker = br
            }
        } else {
            c.breaker = nil
        }
        if let stp = try f.optionalString("selfTrade") {
            switch stp {
            case "cancelResting": c.selfTrade = .cancelResting
            case "cancelTaker": c.selfTrade = .cancelTaker
            default: throw f.fail("selfTrade", "expected \"cancelResting\" or \"cancelTaker\"")
            }
        }
        if var fu = try f.nested("funding") {
            c.funding.periodMs = try fu.optionalInt("periodMs") ?? c.funding.periodMs
            c.funding.maxRate = try fu.optionalDecimal("maxRate", Ppm.self) ?? c.funding.maxRate
            try fu.rejectUnknown()
        }
        var risk: RiskConfig? = nil
        if var r = try f.nested("risk") {
            var rc = RiskConfig()
            rc.initialMargin = try r.optionalDecimal("initialMargin", Ppm.self) ?? rc.initialMargin
            rc.maintenanceMargin = try r.optionalDecimal("maintenanceMargin", Ppm.self) ?? rc.maintenanceMargin
            rc.sizePremium = try r.optionalDecimal("sizePremium", Ppm.self) ?? rc.sizePremium
            rc.liquidatorFee = try r.optionalDecimal("liquidatorFee", Ppm.self) ?? rc.liquidatorFee
            rc.insuranceFee = try r.optionalDecimal("insuranceFee", Ppm.self) ?? rc.insuranceFee
            rc.liquidationBuffer = try r.optionalDecimal("liquidationBuffer", Ppm.self) ?? rc.liquidationBuffer
            rc.liquidationStep = try r.optionalDecimal("liquidationStep", Ppm.self) ?? rc.liquidationStep
            try r.rejectUnknown()
            if let problem = rc.validate().first { throw InputError(message: "\(path): \(problem)") }
            risk = rc
        }
        var providers: [(String, String, Ppm, Quantity, Int32)] = []
        for var p in try f.array("providers") ?? [] {
            let latency = try p.optionalInt("latency") ?? 0
            guard latency >= 0 && latency <= 1000 else { throw p.fail("latency", "expected 0...1000 steps") }
            providers.append((try p.string("id"), try p.string("account"), try p.decimal("edge", Ppm.self),
                              try p.decimal("maxSize", Quantity.self), Int32(latency)))
            try p.rejectUnknown()
        }
        try f.rejectUnknown()
        let problems = c.validate()
        if let first = problems.first { throw InputError(message: "\(path): \(first)") }
        return MarketFile(config: c, risk: risk, providers: providers.map { ($0.0, $0.1, $0.2, $0.3, $0.4) })
    }
}
