import ArgumentParser
import Foundation

/// The `mmvault` root command.
public struct MMVaultCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mmvault",
        abstract: "Market-maker vault runtime: matching core, vault ledger, strategies, backtests.",
        subcommands: [MatchCommand.self, VaultCommand.self, BacktestCommand.self, SweepCommand.self, BenchCommand.self, StrategiesCommand.self]
    )
    public init() {}
}

extension MMVaultCommand {
    /// Parses and runs the command line. Bad input of any kind (usage errors included) exits
    /// with code 2 and a message naming what was wrong.
    public static func runMain(_ arguments: [String]? = nil) -> Never {
        let args = arguments ?? Array(CommandLine.arguments.dropFirst())
        // A negative number is never a flag here; say so instead of "missing argument".
        if let negative = args.first(where: { $0.count > 1 && $0.hasPrefix("-") && $0.dropFirst().first!.isNumber }) {
            FileHandle.standardError.write(Data("error: \(negative): amounts, prices and sizes must not be negative\n".utf8))
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot(args)
            try command.run()
            Foundation.exit(0)
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

