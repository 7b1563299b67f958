import ArgumentParser
import Backtesting
import Foundation

/// `mmvault sweep`: a backtest scenario over a grid of parameter values, on all cores, shardable.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a scenario over a grid of parameter values (all cores; shardable across machines) and merge shards.",
        subcommands: [SweepRunCommand.self, SweepMergeCommand.self],
        defaultSubcommand: SweepRunCommand.self
    )
}

struct SweepRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the grid (the default: `mmvault sweep SCENARIO --param …`).",
        discussion: """
        Every combination of the --param values is one parameter set, numbered from 0 with the first --param varying \
        slowest. Each set is the scenario's backtest with those values over the scenario's parameters (a set whose \
        parameters contradict each other is listed as refused). Writes sweep.csv (one row per set, by index: the \
        values, every metric of report.json, the final equity) and sweep.html (the best sets by Sharpe, a heat map \
        over the first two parameters, bootstrap intervals and the correlation of the best sets' returns) into \
        --out (default SCENARIO/sweep, or SCENARIO/sweep-I-of-N for a shard).

        --shard I/N runs the sets whose index is I−1 modulo N, so N machines each run one shard and \
        `mmvault sweep merge` joins their sweep.csv files into exactly the unsharded one. With a cluster \
        scheduler, each task passes its own index (docs/backtesting.md, "Sweeps"):
          Slurm job array:   mmvault sweep S --param … --shard $((SLURM_ARRAY_TASK_ID+1))/$SLURM_ARRAY_TASK_COUNT
          Kubernetes indexed job: mmvault sweep S --param … --shard $((JOB_COMPLETION_INDEX+1))/N

        Example:
          mmvault sweep backtests/grid-btc-2022-01 --param levels=11:41:10 --param orderSize=0.02:0.08:0.02
        """
    )

    @Argument(help: "The scenario folder (or its scenario.json).")
    var scenario: String

    @Option(name: .customLong("param"), help: "KEY=LO:HI:STEP (KEY is PARAM, or STRATEGY.PARAM when the scenario has several strategies). Repeatable.")
    var params: [String] = []

    @Option(help: "Parallel backtests (default: the number of cores).")
    var jobs: Int?

    @Option(help: "I/N: run only shard I of N (1-based).")
    var shard: String?

    @Option(help: "Where to write sweep.csv and sweep.html.")
    var out: String?

    @Flag(help: "Count and skip data rows that do not parse.")
    var skipBadRows = false

    func run() throws {
        do {
            try execute()
        } catch let e as InputError {
            writeError("error: \(e.message)")
            throw ExitCode(2)
        } catch let e as BacktestError {
            writeError("error: \(e.description)")
            throw ExitCode(2)
        }
    }

    func execute() throws {
        guard !params.isEmpty else { throw InputError(message: "give at least one --param KEY=LO:HI:STEP") }
        let config = try ScenarioFile.load(scenario, skipBadRows: skipBadRows)
        let axes = try params.map { try Sweep.axis($0, config: config) }
        if let dup = Dictionary(grouping: axes, by: \.label).first(where: { $0.value.count > 1 }) {
            throw InputError(message: "--param \(dup.key) given twice")
        }
        var part = (i: 1, n: 1)
        if let shard {
            let p = shard.split(separator: "/")
            guard p.count == 2, let i = Int(p[0]), let n = Int(p[1]), n >= 1, i >= 1, i <= n else {
                throw InputError(message: "--shard \(shard): expected I/N with 1 ≤ I ≤ N")
            }
            part = (i, n)
        }
        let jobs = self.jobs ?? ProcessInfo.processInfo.activeProcessorCount
        guard jobs >= 1 && jobs <= 1024 else { throw InputError(message: "--jobs \(jobs): expected 1…1024") }
        let total = Sweep.count(axes)
        let tty = isatty(2) == 1
        FileHandle.standardError.write(Data("sweep: \(total) sets\(part.n > 1 ? ", shard \(part.i)/\(part.n)" : ""), \(jobs) jobs\n".utf8))
        var progress: (@Sendable (Int, Int) -> Void)? = nil
        if tty {
            progress = { (done: Int, all: Int) in FileHandle.standardError.write(Data("\r  \(done)/\(all) sets".utf8)) }
        }
        let rows = try Sweep.run(config, axes: axes, jobs: jobs, shard: part, progress: progress)
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        let dir = out ?? defaultOut(part)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(Sweep.csv(rows, axes: axes).utf8).write(to: URL(fileURLWithPath: dir).appendingPathComponent("sweep.csv"))
        let html = SweepReport.html(name: config.name, rows: rows, axes: axes, seed: config.seed,
                                    intervalSeconds: Double(config.samplingIntervalSeconds))
        try Data(html.utf8).write(to: URL(fileURLWithPath: dir).appendingPathComponent("sweep.html"))
        let best = SweepReport.ranked(rows)
        print("best sets by Sharpe (of \(rows.count)):")
        for r in best.prefix(5) {
            let m = r.metrics!
            let values = zip(axes, r.values).map { "\($0.label)=\($1)" }.joined(separator: " ")
            print(String(format: "  #%d  %@  sharpe %.3f  return %.4f%%  max drawdown %.4f%%", r.index, values, m.sharpe, m.totalReturn * 100, m.maxDrawdown * 100))
        }
        let refused = rows.filter { $0.error != nil }.count
        if refused > 0 { print("  \(refused) sets refused (see sweep.csv, column error)") }
        print("reports: \(dir)/{sweep.csv,sweep.html}")
    }

    func defaultOut(_ part: (i: Int, n: Int)) -> String {
        var isDirectory: ObjCBool = false
        let folder = FileManager.default.fileExists(atPath: scenario, isDirectory: &isDirectory) && isDirectory.boolValue
            ? scenario : (scenario as NSString).deletingLastPathComponent
        return (folder as NSString).appendingPathComponent(part.n > 1 ? "sweep-\(part.i)-of-\(part.n)" : "sweep")
    }
}

struct SweepMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the sweep.csv files of a sweep's shards into one (equal to the unsharded sweep.csv).",
        discussion: """
        Every file must have the same header (the same parameters); a set may appear in only one file. Rows are \
        written by set index. Example:
          mmvault sweep merge sweep.csv shard-1/sweep.csv shard-2/sweep.csv shard-3/sweep.csv
        """
    )

    @Argument(help: "The merged file to write.")
    var output: String

    @Argument(help: "The shards' sweep.csv files.")
    var inputs: [String]

    func run() throws {
        do {
            let files = try inputs.map { path -> (String, String) in
                guard let text = String(validating: try readFile(path), as: UTF8.self) else { throw InputError(message: "\(path): not UTF-8 text") }
                return (path, text)
            }
            let merged = try Sweep.merge(files)
            try Data(merged.utf8).write(to: URL(fileURLWithPath: output))
            let rows = merged.split(whereSeparator: \.isNewline).count - 1
            print("merged \(rows) sets from \(inputs.count) files into \(output)")
        } catch let e as InputError {
            writeError("error: \(e.message)")
            throw ExitCode(2)
        } catch let e as BacktestError {
            writeError("error: \(e.description)")
            throw ExitCode(2)
        }
    }
}
