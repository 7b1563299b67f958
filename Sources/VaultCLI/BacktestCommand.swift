import ArgumentParser
import Backtesting
import Foundation

/// `mmvault backtest DIR`: runs a scenario through the strategy runtime and writes its reports.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Run a backtest scenario over its market data and write report.json, equity.csv, fills.csv and report.html.",
        discussion: """
        SCENARIO is a folder holding scenario.json (or that file itself): the market file, the data files and their roles, \
        the vault with its terms and deposits, the strategies with their parameters, allocations and risk limits, the flow \
        share, the sampling interval and the seed (format: docs/backtesting.md). The data streams through the same \
        StrategyRuntime that `serve` runs, on the data's clock; the same scenario and seed give byte-identical files.

        Prints a summary table; with stderr a terminal, a progress bar on stderr. Reports go to --out (default: \
        SCENARIO/out). A bad scenario or data row exits with code 2 and an error naming the file, the line or field, \
        and what was expected; --skip-bad-rows counts and skips bad data rows instead (report.json lists the counts).

        Example:
          mmvault backtest backtests/four-strategies-btc
        """
    )

    @Argument(help: "The scenario folder (or its scenario.json).")
    var scenario: String

    @Option(help: "Where to write the reports (default: SCENARIO/out).")
    var out: String?

    @Flag(help: "Count and skip data rows that do not parse, instead of stopping at the first.")
    var skipBadRows = false

    @Flag(help: "Print only the summary (no progress bar).")
    var quiet = false

    func run() throws {
        let config: BacktestConfig
        do {
            config = try ScenarioFile.load(scenario, skipBadRows: skipBadRows)
        } catch let e as InputError {
            writeError("error: \(e.message)")
            throw ExitCode(2)
        }
        let showProgress = !quiet && isatty(2) == 1
        let directory = out ?? defaultOut()
        // fills.csv is streamed while the run goes (nothing grows with the number of fills).
        let fills: FillsCSVWriter
        do {
            fills = try FillsCSVWriter(directory: directory)
        } catch {
            writeError("error: writing reports to \(directory): \(error)")
            throw ExitCode(1)
        }
        let result: BacktestResult
        do {
            result = try Backtest.run(config, fillSink: { fills.append($0) }, progress: showProgress ? { drawProgress($0) } : nil)
        } catch let e as BacktestError {
            fills.discard()
            if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
            writeError("error: \(e.description)")
            throw ExitCode(2)
        }
        if showProgress { drawProgress(1); FileHandle.standardError.write(Data("\n".utf8)) }
        do {
            try fills.finish()
            try BacktestReport.write(result, to: directory, fillsWritten: true)
        } catch {
            writeError("error: writing reports to \(directory): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        print(BacktestReport.summary(result), terminator: "")
        print("reports: \(directory)/{report.json,equity.csv,fills.csv,report.html}")
    }

    func defaultOut() -> String {
        var isDirectory: ObjCBool = false
        let folder = FileManager.default.fileExists(atPath: scenario, isDirectory: &isDirectory) && isDirectory.boolValue
            ? scenario : (scenario as NSString).deletingLastPathComponent
        return (folder as NSString).appendingPathComponent("out")
    }

    func drawProgress(_ fraction: Double) {
        let width = 40
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        FileHandle.standardError.write(Data(String(format: "\r  backtest [%@] %3.0f%%", bar, fraction * 100).utf8))
    }
}
