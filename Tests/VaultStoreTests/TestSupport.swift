import Foundation
import MarketCore
import Testing
import VaultLedger


@testable import VaultStore

/// A fresh directory under the system temporary directory.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vaultstore-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A timestamp in whole seconds.
func sec(_ s: Int64) -> Timestamp { Timestamp(seconds: s) }

/// Quote from decimal text ("100", "0.5").
func usd(_ text: String) -> Amount { Amount(text)! }

extension Vault {
    /// This vault with its in-memory log drained: what `VaultDatabase.vault(_:)` returns.
    var drained: Vault {
        var copy = self
        _ = copy.drainEvents()
        return copy
    }
}
