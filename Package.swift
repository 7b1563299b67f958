// swift-tools-version: 6.1
import Foundation
import PackageDescription

// Layers (DESIGN.md §2): a target imports only targets of a lower layer.
//   0  MarketCore                    fixed-point values, ids, orders, events (no Foundation)
//   1  Matching, VaultLedger         pure engines: no I/O, no wall clock
//   1  StrategyKit                   the strategy plugin API
//   2  strategies/* (one target each), StrategyRuntime (the host kernel)
//   2  VaultStore, MatchingWorkloads SQLite persistence (GRDB); benchmark workloads
//   0  CBLAS (system BLAS shim); 1  Analytics (its only user)
//   3  StrategyCatalog, RuntimeWorkloads, Backtesting  built-ins; runtime workloads; the backtester
//   4  VaultCLI + mmvault            commands (swift-argument-parser)
// Benchmarks live in their own package under Benchmarks/ so the default build stays lean.
/// The built-in strategies: (target, folder under strategies/). Adding one is one line here, its
/// folder, and one line in Sources/StrategyCatalog/StrategyCatalog.swift (see README).
let strategies: [(target: String, folder: String)] = [
    ("GridStrategy", "grid"),
    ("MeanReversionStrategy", "mean-reversion"),
    ("ArbitrageStrategy", "arbitrage"),
    ("LiquidityProvisionStrategy", "liquidity-provision"),
]

/// A built-in strategy: its own target, sources in `strategies/<folder>/`, importing only the plugin API.
func strategy(_ name: String, _ folder: String) -> Target {
    .target(name: name, dependencies: ["MarketCore", "StrategyKit"], path: "strategies/\(folder)",
            exclude: ["README.md", "defaults.json"])
}

let package = Package(
    name: "MMVault",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mmvault", targets: ["mmvault"]),
        .library(name: "MarketCore", targets: ["MarketCore"]),
        .library(name: "Matching", targets: ["Matching"]),
        .library(name: "VaultLedger", targets: ["VaultLedger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .target(name: "MarketCore"),
        .target(name: "Matching", dependencies: ["MarketCore"]),
        // SHA-256 of the event log from swift-crypto (pure computation: no I/O).
        .target(name: "VaultLedger", dependencies: ["MarketCore", .product(name: "Crypto", package: "swift-crypto")]),
        // Layer 1: the strategy plugin API (strategies import only it and MarketCore).
        .target(name: "StrategyKit", dependencies: ["MarketCore"]),
        // Layer 2: the host kernel that backtests and `serve` drive.
        .target(name: "StrategyRuntime", dependencies: ["MarketCore", "Matching", "VaultLedger", "StrategyKit"]),
        // Layer 0: the system BLAS through one shim; layer 1: analytics, its only user.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .target(name: "Analytics", dependencies: ["CBLAS"]),
        // Layer 3: data readers, replay, fill model, scenarios, reports (drives StrategyRuntime).
        .target(name: "Backtesting", dependencies: [
            "MarketCore", "Matching", "VaultLedger", "StrategyKit", "StrategyRuntime", "StrategyCatalog", "Analytics",
        ]),
        // Layer 3: the one list of built-in strategies.
        .target(name: "StrategyCatalog", dependencies: ["StrategyKit"] + strategies.map { .target(name: $0.target) }),
        // Layer 2: SQLite persistence of the vault ledger (the only GRDB user).
        .target(name: "VaultStore", dependencies: [
            "MarketCore", "VaultLedger", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Seeded random vault actions (crash-test writer and store tests).
        .target(name: "VaultWorkloads", dependencies: ["MarketCore", "VaultLedger"]),
        // Deterministic workloads shared by `mmvault bench` and the benchmark package.
        .target(name: "MatchingWorkloads", dependencies: ["MarketCore", "Matching"]),
        // Seeded runtime workloads over the built-ins (`mmvault bench --workload runtime|dispatch`).
        .target(name: "RuntimeWorkloads", dependencies: [
            "MarketCore", "Matching", "VaultLedger", "StrategyKit", "StrategyRuntime", "StrategyCatalog",
        ]),
        .target(name: "VaultCLI", dependencies: [
            "MarketCore", "Matching", "MatchingWorkloads", "VaultLedger", "VaultStore", "VaultWorkloads",
            "StrategyKit", "StrategyCatalog", "StrategyRuntime", "RuntimeWorkloads", "Backtesting", "Analytics",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "mmvault", dependencies: ["VaultCLI"]),
        // Writes random ledger actions and acknowledges each commit: the crash test kills it with SIGKILL.
        .executableTarget(name: "vaultstore-torture", dependencies: ["VaultStore", "VaultLedger", "VaultWorkloads", "MarketCore"],
                          path: "Sources/vaultstore-torture"),
        .testTarget(name: "MarketCoreTests", dependencies: [
            "MarketCore", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "MatchingTests", dependencies: [
            "MarketCore", "Matching", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "VaultCLITests", dependencies: [
            "VaultCLI", "MarketCore", "Matching", "VaultLedger", "VaultStore", "StrategyKit", "StrategyCatalog", "Backtesting",
        ]),
        .testTarget(name: "StrategyCatalogTests", dependencies: ["StrategyKit", "StrategyCatalog"]),
        .testTarget(name: "VaultStoreTests", dependencies: [
            "MarketCore", "VaultLedger", "VaultStore", "VaultWorkloads",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "AnalyticsTests", dependencies: ["Analytics", "CBLAS"]),
        .testTarget(name: "BacktestingTests", dependencies: [
            "MarketCore", "Matching", "VaultLedger", "StrategyKit", "StrategyRuntime", "StrategyCatalog", "Analytics", "Backtesting",
        ]),
        .testTarget(name: "StrategyKitTests", dependencies: ["MarketCore", "StrategyKit"]),
        .testTarget(name: "StrategyRuntimeTests", dependencies: [
            "MarketCore", "Matching", "VaultLedger", "StrategyKit", "StrategyRuntime", "StrategyCatalog", "RuntimeWorkloads",
        ]),
        // Each built-in's tests (Tests/<Target>Tests/), when it has them.
        .testTarget(name: "GridStrategyTests", dependencies: ["MarketCore", "StrategyKit", "GridStrategy"]),
        .testTarget(name: "MeanReversionStrategyTests", dependencies: ["MarketCore", "StrategyKit", "MeanReversionStrategy"]),
        .testTarget(name: "ArbitrageStrategyTests", dependencies: ["MarketCore", "StrategyKit", "ArbitrageStrategy"]),
        .testTarget(name: "LiquidityProvisionStrategyTests", dependencies: ["MarketCore", "StrategyKit", "LiquidityProvisionStrategy"]),
        .testTarget(name: "VaultLedgerTests", dependencies: [
            "MarketCore", "VaultLedger", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
    ] + strategies.map { strategy($0.target, $0.folder) }
)

// Benchmarks (package-benchmark) stay out of the default build so CI stays fast:
//   MMVAULT_BENCHMARKS=1 swift package --scratch-path .build-bench benchmark
if ProcessInfo.processInfo.environment["MMVAULT_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "MatchingBenchmarks",
            dependencies: ["MarketCore", "Matching", "MatchingWorkloads", "VaultLedger", "VaultWorkloads", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/MatchingBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]))
}

// The libFuzzer target stays out of the default build (and CI): `.ci/fuzz` builds it with
//   MMVAULT_FUZZ=1 swift build -c release --scratch-path .build-fuzz --product MMVaultFuzz -Xswiftc -sanitize=fuzzer,address
// (its @main starts libFuzzer's driver on LLVMFuzzerTestOneInput; see Sources/MMVaultFuzz/Fuzz.swift).
if ProcessInfo.processInfo.environment["MMVAULT_FUZZ"] != nil {
    package.targets.append(
        .executableTarget(
            name: "MMVaultFuzz",
            dependencies: ["VaultCLI"],
            path: "Sources/MMVaultFuzz",
            swiftSettings: [.enableExperimentalFeature("Extern")]))
}
