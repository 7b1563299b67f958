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

    /// Largest AMM `inventoryWeight` accepted (×1000; the default is ×10).
    static let maxInventoryWeight = Ppm(raw: 1_000 * Ppm.scale)

    static func load(_ path: String) throws -> MarketFile {
        try parse(try readFile(path), name: path)
    }

    /// A market file's bytes (`name` prefixes the error messages, e.g. the file's path).
    static func parse(_ bytes: [UInt8], name path: String) throws -> MarketFile {
        var bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a UTF-8 byte-order mark
        guard let text = String(validating: bytes, as: UTF8.self) else { throw InputError(message: "\(path): not UTF-8 text") }
        // Repeated keys (at any depth) are refused by the parser; every number is range-checked
        // here, before any of it reaches the engine's types (see README, "Market file").
        var f = try JSONFields.parseObject(Substring(text), context: path)
        var c = MarketConfig()
        c.tick = try f.optionalDecimal("tick", Price.self, lower: .positive, max: Bounds.maxPrice) ?? c.tick
        c.step = try f.optionalDecimal("step", Quantity.self, lower: .positive, max: Bounds.maxQuantity) ?? c.step
        c.minSize = try f.optionalDecimal("minSize", Quantity.self, lower: .positive, max: Bounds.maxQuantity) ?? c.step
        if var fees = try f.nested("fees") {
            var schedule = FeeSchedule()
            if let tiers = try fees.array("tiers") {
                schedule.tiers = try tiers.map { t in
                    var t = t
                    let tier = FeeTier(minVolume: try t.optionalDecimal("minVolume", Amount.self, lower: .nonNegative, max: Bounds.maxTotal) ?? .zero,
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
            if let d = try a.optionalInt("duration", in: 0...1000) { c.auction.duration = Int32(d) }
            c.auction.endOffset = try a.optionalDecimal("endOffset", Ppm.self) ?? c.auction.endOffset
            try a.rejectUnknown()
        }
        if f.has("amm") {
            if var a = try f.nested("amm") {
                // √k bounds are checked before AMMConfig is built (its defaults derive from sqrtK).
                let maxSqrtK = Quantity(raw: 100_000 * Quantity.scale)
                var amm = AMMConfig(sqrtK: try a.optionalDecimal("sqrtK", Quantity.self, lower: .positive, max: maxSqrtK) ?? AMMConfig().sqrtK)
                amm.baseSpread = try a.optionalDecimal("baseSpread", Ppm.self) ?? amm.baseSpread
                amm.maxSpread = try a.optionalDecimal("maxSpread", Ppm.self) ?? amm.maxSpread
                amm.priceImpactThreshold = try a.optionalDecimal("priceImpactThreshold", Ppm.self) ?? amm.priceImpactThreshold
                amm.inventoryWeight = try a.optionalDecimal("inventoryWeight", Ppm.self, lower: .nonNegative, max: Self.maxInventoryWeight) ?? amm.inventoryWeight
                amm.lossUnit = try a.optionalDecimal("lossUnit", Amount.self, lower: .positive, max: Bounds.maxAmount) ?? amm.lossUnit
                amm.maxKChange = try a.optionalDecimal("maxKChange", Ppm.self) ?? amm.maxKChange
                amm.minSqrtK = try a.optionalDecimal("minSqrtK", Quantity.self, lower: .positive, max: maxSqrtK) ?? amm.minSqrtK
                amm.maxSqrtK = try a.optionalDecimal("maxSqrtK", Quantity.self, lower: .positive, max: maxSqrtK) ?? amm.maxSqrtK
                amm.kIntervalMs = try a.optionalInt("kIntervalMs", in: 1...Bounds.maxTimestamp.milliseconds) ?? amm.kIntervalMs
                try a.rejectUnknown()
                c.amm = amm
            }
        } else {
            c.amm = nil
        }
        if var o = try f.nested("oracle") {
            c.oracle.maxStalenessMs = try o.optionalMilliseconds("maxStalenessMs") ?? c.oracle.maxStalenessMs
            c.oracle.maxConfidence = try o.optionalDecimal("maxConfidence", Ppm.self, lower: .nonNegative) ?? c.oracle.maxConfidence
            c.oracle.maxTwapDivergence = try o.optionalDecimal("maxTwapDivergence", Ppm.self, lower: .nonNegative) ?? c.oracle.maxTwapDivergence
            c.oracle.maxMarkDivergence = try o.optionalDecimal("maxMarkDivergence", Ppm.self, lower: .nonNegative) ?? c.oracle.maxMarkDivergence
            c.oracle.twapWindowMs = try o.optionalInt("twapWindowMs", in: 1...Bounds.maxTimestamp.milliseconds) ?? c.oracle.twapWindowMs
            try o.rejectUnknown()
        }
        if f.has("breaker") {
            if var b = try f.nested("breaker") {
                var br = BreakerConfig()
                if b.has("maxPriceMove") { br.maxPriceMove = try b.decimal("maxPriceMove", Ppm.self, lower: .nonNegative) }
                br.priceWindowMs = try b.optionalInt("priceWindowMs", in: 1...Bounds.maxTimestamp.milliseconds) ?? br.priceWindowMs
                if b.has("maxVolume") { br.maxVolume = try b.decimal("maxVolume", Quantity.self, lower: .positive, max: Bounds.maxOpenInterest) }
                br.volumeWindowMs = try b.optionalInt("volumeWindowMs", in: 1...Bounds.maxTimestamp.milliseconds) ?? br.volumeWindowMs
                br.tripOnInvalidOracle = try b.bool("tripOnInvalidOracle", default: br.tripOnInvalidOracle)
                br.cooldownMs = try b.optionalMilliseconds("cooldownMs") ?? br.cooldownMs
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
            c.funding.periodMs = try fu.optionalInt("periodMs", in: 1...Bounds.maxTimestamp.milliseconds) ?? c.funding.periodMs
            c.funding.maxRate = try fu.optionalDecimal("maxRate", Ppm.self) ?? c.funding.maxRate
            c.funding.impactNotional = try fu.optionalDecimal("impactNotional", Amount.self, lower: .nonNegative, max: Bounds.maxAmount)
                ?? c.funding.impactNotional
            try fu.rejectUnknown()
        }
        var risk: RiskConfig? = nil
        if var r = try f.nested("risk") {
            var rc = RiskConfig()
            // Every ratio within 0...1 before RiskConfig.validate adds any of them.
            func ratio(_ key: String, _ current: Ppm) throws -> Ppm {
                try r.optionalDecimal(key, Ppm.self, lower: .nonNegative, max: .one) ?? current
            }
            rc.initialMargin = try ratio("initialMargin", rc.initialMargin)
            rc.maintenanceMargin = try ratio("maintenanceMargin", rc.maintenanceMargin)
            rc.sizePremium = try ratio("sizePremium", rc.sizePremium)
            rc.liquidatorFee = try ratio("liquidatorFee", rc.liquidatorFee)
            rc.insuranceFee = try ratio("insuranceFee", rc.insuranceFee)
            rc.liquidationBuffer = try ratio("liquidationBuffer", rc.liquidationBuffer)
            rc.liquidationStep = try ratio("liquidationStep", rc.liquidationStep)
            try r.rejectUnknown()
            if let problem = rc.validate().first { throw InputError(message: "\(path): \(problem)") }
            risk = rc
        }
        var providers: [(String, String, Ppm, Quantity, Int32)] = []
        for var p in try f.array("providers") ?? [] {
            let id = try p.string("id")
            let account = try p.string("account")
            // edge: 0...1 (a quote between the oracle and twice or zero times it); maxSize: an order size.
            let edge = try p.decimal("edge", Ppm.self, lower: .nonNegative, max: .one)
            let maxSize = try p.decimal("maxSize", Quantity.self, lower: .positive, max: Bounds.maxQuantity)
            let latency = try p.optionalInt("latency", in: 0...1000) ?? 0
            try p.rejectUnknown()
            providers.append((id, account, edge, maxSize, Int32(latency)))
        }
        try f.rejectUnknown()
        let problems = c.validate()
        if let first = problems.first { throw InputError(message: "\(path): \(first)") }
        return MarketFile(config: c, risk: risk, providers: providers.map { ($0.0, $0.1, $0.2, $0.3, $0.4) })
    }
}
