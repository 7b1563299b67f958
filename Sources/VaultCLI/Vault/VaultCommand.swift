import ArgumentParser

/// `mmvault vault …`: the vault ledger.
struct VaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Vault ledger: shares, NAV, fees, withdrawals (SQLite via --db, or in memory with replay).",
        subcommands: [VaultReplayCommand.self]
    )
}
