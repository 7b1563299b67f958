import Foundation
import MarketCore
import Matching
import RuntimeWorkloads
import StrategyKit
import StrategyRuntime

/// Inputs and setups shared by the runtime tests (the same as `mmvault bench --workload runtime`).
enum RT {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A BTC perpetual like Binance's (see ``RuntimeWorkload/btcSpec()``).
    static func btcSpec() -> MarketSpec { RuntimeWorkload.btcSpec() }

    /// The four built-ins tuned for BTC, 25% each of one vault (``RuntimeWorkload/fourOnOneVault(config:)``).
    static func fourOnOneVault(config: RuntimeConfig = RuntimeConfig(markIntervalMs: 1_000)) -> StrategyRuntime {
        try! RuntimeWorkload.fourOnOneVault(config: config)
    }

    /// The bundled real data as runtime inputs (``RuntimeWorkload/realInputs(root:flowShare:)``), the first `limit`.
    static func realInputs(limit: Int = .max) -> [(Timestamp, RuntimeInput)] {
        Array(try! RuntimeWorkload.realInputs(root: repo).prefix(limit))
    }
}
