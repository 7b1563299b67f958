import ArgumentParser

/// `mmvault vault …`: the vault ledger.
struct VaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Vault ledger: shares, NAV, fees, withdrawals (SQLite via --db, or in memory with replay).",
        subcommands: [VaultCreateCommand.self, VaultDepositCommand.self, VaultRequestWithdrawCommand.self,
                      VaultCancelWithdrawCommand.self, VaultWithdrawCommand.self, VaultMarkCommand.self,
                      VaultCrystallizeCommand.self, VaultSetFeesCommand.self, VaultTransferCommand.self,
                      VaultShowCommand.self, VaultHistoryCommand.self, VaultVerifyCommand.self, VaultReplayCommand.self]
    )
}
