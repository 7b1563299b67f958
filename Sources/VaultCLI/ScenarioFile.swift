import Backtesting
import Foundation
import MarketCore
import Matching
import StrategyCatalog
import StrategyKit
import StrategyRuntime
import VaultLedger

/// A backtest scenario: `backtests/<name>/scenario.json` (format in docs/backtesting.md). Paths
/// inside it are relative to the scenario's folder. Every field is checked here, with errors
/// naming the file and the field, before anything runs.
enum ScenarioFile {
    static let fileName = "scenario.json"

    /// Loads the scenario in `directory` (or the file itself when `path` names a `.json` file).
    static func load(_ path: String, skipBadRows: Bool = false) throws -> BacktestConfig {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(message: "\(path): no such scenario folder or file")
        }
        let file = isDirectory.boolValue ? (path as NSString).appendingPathComponent(fileName) : path
        let directory = (file as NSString).deletingLastPathComponent
        var bytes = try readFile(file)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw InputError(message: "\(file): not UTF-8 text") }
        var f = try JSONFields.parseObject(Substring(text), context: file)
        func resolve(_ p: String) -> String {
            let joined = p.hasPrefix("/") ? p : (directory as NSString).appendingPathComponent(p)
            return (joined as NSString).standardizingPath
        }

        let name = try f.optionalString("name") ?? ((directory as NSString).lastPathComponent)
        _ = try f.optionalString("description")
        // The market: a market file (the `--market` format of `mmvault match`), without JIT providers.
        let marketPath = try f.string("market")
        let market = try MarketFile.load(resolve(marketPath))
        guard market.providers.isEmpty else {
            throw f.fail("market", "\(marketPath) lists JIT providers; in a backtest the scenario's strategies are the providers")
        }
        let spec = MarketSpec(matching: market.config, risk: market.risk ?? RiskConfig())

        guard let dataList = try f.array("data"), !dataList.isEmpty else { throw f.fail("data", "expected a non-empty array of data files") }
        var data: [DataSource] = []
        for var d in dataList {
            let p = try d.string("path")
            let formatText = try d.string("format")
            guard let format = DataFormat(rawValue: formatText) else {
                throw d.fail("format", "\"\(formatText)\" is not a data format; expected one of \(DataFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let roleText = try d.string("role")
            guard let role = DataRole(rawValue: roleText) else {
                throw d.fail("role", "\"\(roleText)\" is not a role; expected one of \(DataRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let fits: Bool
            switch role {
            case .oracle, .reference: fits = [.quotes, .trades, .binanceAggTrades].contains(format)
            case .flow: fits = [.trades, .binanceAggTrades].contains(format)
            case .candles: fits = [.candles, .binanceKlines].contains(format)
            case .depth: fits = format == .depth
            case .funding: fits = format == .funding
            }
            guard fits else { throw d.fail("role", "a \(format.rawValue) file cannot be used as \(role.rawValue)") }
            try d.rejectUnknown()
            data.append(DataSource(file: DataFile(path: resolve(p), format: format), role: role))
        }

        let flowShare = try f.optionalDecimal("flowShare", Ppm.self, lower: .positive, max: Ppm.one) ?? Ppm(raw: 100_000)
        let oracleInterval = try f.optionalInt("oracleIntervalMs", in: 0...86_400_000) ?? 100
        let halfSpread = try f.optionalDecimal("referenceHalfSpread", Price.self, lower: .nonNegative, max: Bounds.maxPrice) ?? Price(raw: 10_000)
        var volumeIsQuote = false
        if let v = try f.optionalString("candleVolume") {
            guard v == "base" || v == "quote" else { throw f.fail("candleVolume", "expected \"base\" or \"quote\"") }
            volumeIsQuote = v == "quote"
        }
        let sampling = try f.optionalInt("samplingIntervalSeconds", in: 1...31_536_000) ?? 1
        let seed = try f.optionalInt("seed", in: 0...Int64.max) ?? 1
        var orderLatency: Int64 = 0, feedLatency: Int64 = 0
        if var l = try f.nested("latency") {
            orderLatency = try l.optionalInt("orderMs", in: 0...60_000) ?? 0
            feedLatency = try l.optionalInt("feedMs", in: 0...60_000) ?? 0
            try l.rejectUnknown()
        }

        guard var v = try f.nested("vault") else { throw f.fail("vault", "missing; expected {\"manager\": …, \"deposits\": […]}") }
        let manager = try v.optionalString("manager") ?? "manager"
        var terms = VaultTerms()
        if var t = try v.nested("terms") {
            terms = try VaultOps.terms(&t)
            try t.rejectUnknown()
        }
        guard let depositList = try v.array("deposits"), !depositList.isEmpty else {
            throw v.fail("deposits", "expected a non-empty array of {\"depositor\": NAME, \"amount\": DECIMAL}")
        }
        var deposits: [(depositor: String, amount: Amount)] = []
        for var d in depositList {
            deposits.append((try d.string("depositor"), try d.amount("amount")))
            try d.rejectUnknown()
        }
        try v.rejectUnknown()

        guard let strategyList = try f.array("strategies"), !strategyList.isEmpty else {
            throw f.fail("strategies", "expected a non-empty array of {\"strategy\": NAME, \"parameters\": {…}, \"allocation\": …}")
        }
        var strategies: [StrategySetup] = []
        var total: Int64 = 0
        for (k, var s) in strategyList.enumerated() {
            let context = "\(file): strategies[\(k)]"
            let parsed = try StrategyFile.from(s.object.filter { $0.key == "strategy" || $0.key == "parameters" }, name: context)
            s.used.formUnion(["strategy", "parameters"])
            let allocation = try s.decimal("allocation", Ppm.self, lower: .nonNegative, max: Ppm.one)
            total += allocation.raw
            var limits = RiskLimits()
            if var l = try s.nested("limits") {
                if let x = try l.optionalDecimal("maxPosition", Quantity.self, lower: .positive, max: Bounds.maxQuantity) { limits.maxPosition = x }
                if let x = try l.optionalDecimal("maxNotional", Amount.self, lower: .positive, max: Bounds.maxTotal) { limits.maxNotional = x }
                if let x = try l.optionalInt("maxOpenOrders", in: 1...10_000) { limits.maxOpenOrders = Int(x) }
                if let x = try l.optionalInt("maxOrdersPerSecond", in: 1...1_000_000) { limits.maxOrdersPerSecond = Int(x) }
                if let x = try l.optionalDecimal("maxDrawdown", Ppm.self, lower: .positive, max: Ppm.one) { limits.maxDrawdown = x }
                try l.rejectUnknown()
            }
            try s.rejectUnknown()
            guard let type = StrategyCatalog.named(parsed.descriptor.name) else { throw InputError(message: "\(context): unknown strategy") }
            strategies.append(StrategySetup(type: type, parameters: parsed.parameters, allocation: allocation, limits: limits))
        }
        guard total <= Ppm.one.raw else {
            throw f.fail("strategies", "the allocations add up to \(Ppm(raw: total)), more than the whole vault (1)")
        }
        _ = try f.nested("expected")  // the golden test's section (optional)
        try f.rejectUnknown()
        var config = BacktestConfig(name: name, market: spec, data: data, flowShare: flowShare, oracleIntervalMs: oracleInterval,
                                    referenceHalfSpread: halfSpread, candleVolumeIsQuote: volumeIsQuote,
                                    samplingIntervalSeconds: sampling, seed: UInt64(seed), manager: manager, terms: terms,
                                    deposits: deposits, strategies: strategies, readOptions: ReadOptions(skipBadRows: skipBadRows))
        config.orderLatencyMs = orderLatency
        config.feedLatencyMs = feedLatency
        return config
    }
}
