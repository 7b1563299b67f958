import ArgumentParser

/// The `mmvault` root command.
public struct MMVaultCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mmvault",
        abstract: "Market-maker vault runtime: matching core, vault ledger, strategies, backtests.",
        subcommands: [MatchCommand.self, VaultCommand.self, BenchCommand.self]
    )
    public init() {}
}
