import Analytics
import Foundation
import MarketCore
import Matching
import StrategyKit
import StrategyRuntime
import VaultLedger

/// What a data file feeds into the run (docs/backtesting.md, "Fill model").
public enum DataRole: String, Sendable, Hashable, CaseIterable {
    /// Quotes (mid, half the spread as confidence) or trades (price) → the venue's oracle.
    case oracle
    /// Trades → external taker orders at `flowShare` of their size.
    case flow
    /// Trades (price ± `referenceHalfSpread`) or quotes → the reference quote of another venue.
    case reference
    /// Candles → the oracle along the intrabar path and taker flow from the bar's volume.
    case candles
    /// Funding rates → the rate of the venue's next funding update (instead of its premium rate).
    case funding
    /// L2 depth (snapshot + updates) → the external book resting in the venue, which gives the
    /// strategies' orders their queue position; flow takers are then limited to the trade's price.
    case depth
}

/// One data file of a backtest and its role.
public struct DataSource: Sendable, Hashable {
    public var file: DataFile
    public var role: DataRole
    public init(file: DataFile, role: DataRole) {
        self.file = file
        self.role = role
    }
}

/// One hosted strategy of a backtest.
public struct StrategySetup: Sendable {
    public var type: any Strategy.Type
    public var parameters: ParameterSet
    public var allocation: Ppm
    public var limits: RiskLimits
    public init(type: any Strategy.Type, parameters: ParameterSet, allocation: Ppm, limits: RiskLimits) {
        self.type = type
        self.parameters = parameters
        self.allocation = allocation
        self.limits = limits
    }
}

/// Everything a backtest needs, already validated (the CLI reads it from a scenario folder).
public struct BacktestConfig: Sendable {
    public var name: String
    public var market: MarketSpec
    public var data: [DataSource]
    /// Share of each historical trade sent to the venue as a taker (rounded down to the step).
    public var flowShare: Ppm
    /// At most one oracle update per this many milliseconds from quotes or trades.
    public var oracleIntervalMs: Int64
    /// A reference trade at p becomes the quote p ± this.
    public var referenceHalfSpread: Price
    /// Candle volume is quote currency (divided by the bar's close) rather than base.
    public var candleVolumeIsQuote: Bool
    /// `equity.csv` interval.
    public var samplingIntervalSeconds: Int64
    public var seed: UInt64
    public var manager: String
    public var terms: VaultTerms
    public var deposits: [(depositor: String, amount: Amount)]
    public var strategies: [StrategySetup]
    public var readOptions: ReadOptions
    /// Order latency (``RuntimeConfig/orderLatencyMs``).
    public var orderLatencyMs: Int64 = 0
    /// Feed latency (``RuntimeConfig/feedLatencyMs``).
    public var feedLatencyMs: Int64 = 0

    public init(name: String, market: MarketSpec, data: [DataSource], flowShare: Ppm = Ppm(raw: 100_000),
                oracleIntervalMs: Int64 = 100, referenceHalfSpread: Price = Price(raw: 10_000), candleVolumeIsQuote: Bool = false,
                samplingIntervalSeconds: Int64 = 1, seed: UInt64 = 1, manager: String = "manager", terms: VaultTerms = VaultTerms(),
                deposits: [(depositor: String, amount: Amount)], strategies: [StrategySetup], readOptions: ReadOptions = ReadOptions()) {
        self.name = name
        self.market = market
        self.data = data
        self.flowShare = flowShare
        self.oracleIntervalMs = oracleIntervalMs
        self.referenceHalfSpread = referenceHalfSpread
        self.candleVolumeIsQuote = candleVolumeIsQuote
        self.samplingIntervalSeconds = samplingIntervalSeconds
        self.seed = seed
        self.manager = manager
        self.terms = terms
        self.deposits = deposits
        self.strategies = strategies
        self.readOptions = readOptions
    }
}

/// One fill of a hosted strategy, as `fills.csv` lists it.
public struct FillRow: Sendable, Hashable {
    public enum Kind: String, Sendable { case maker, taker, auction, hedge }
    public var time: Timestamp
    public var strategy: String
    public var kind: Kind
    public var side: Side
    public var price: Price
    public var size: Quantity
    /// Paid (positive) or earned (negative, a rebate).
    public var fee: Amount
    public init(time: Timestamp, strategy: String, kind: Kind, side: Side, price: Price, size: Quantity, fee: Amount) {
        self.time = time
        self.strategy = strategy
        self.kind = kind
        self.side = side
        self.price = price
        self.size = size
        self.fee = fee
    }
}

/// One `equity.csv` row: the vault at a sampling instant.
public struct EquitySample: Sendable, Hashable {
    public var time: Timestamp
    public var equity: Amount
    /// Net asset value per share after fees (the ledger's share price at the latest mark).
    public var navPerShare: Amount
    /// Σ |position| of the strategies (base units), for the inventory chart.
    public var inventory: Double
    /// The last oracle price (0 before the first), for the fills-on-price chart.
    public var price: Price
}

/// A finished backtest.
public struct BacktestResult: Sendable {
    public var name: String
    public var samples: [EquitySample]
    /// Every fill, in order — unless the run streamed them to a sink (then empty: see `chartFills`).
    public var fills: [FillRow]
    /// At most ``Backtest/chartFillLimit`` fills spread evenly over the run (every k-th, k a power
    /// of two), for the fills-on-price chart: bounded whatever the run's length.
    public var chartFills: [FillRow]
    public var strategies: [StrategyReport]
    public var metrics: Metrics
    public var inputs: Int
    public var records: Int
    public var readStatistics: [ReadStatistics]
    public var files: [String]
    public var start: Timestamp
    public var end: Timestamp
    public var samplingIntervalSeconds: Int64
    public var inventoryMean: Double
    public var inventoryMax: Double
    /// Each strategy's equity at every sample (quote units), for the portfolio risk.
    public var strategyEquity: [[Double]]
    /// Each strategy's allocation (fraction of the vault's deposits).
    public var allocations: [Double]
    /// Every modelling choice, stated (report.json `model`).
    public var model: [(String, String)]
}

public struct BacktestError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// The backtester: streams the data through a ``StrategyRuntime`` (the same kernel `serve`
/// runs) on the data's clock, and collects the vault's equity, the fills and the metrics.
public enum Backtest {
    /// Fills kept for the chart.
    public static let chartFillLimit = 4_096

    /// Runs `config`. With `fillSink`, every fill goes to it as it happens and none is kept (memory
    /// then does not grow with the number of fills; equity samples, one per sampling interval, are
    /// kept for the metrics). `progress` (0…1, by bytes read) is called at most ~100 times.
    public static func run(_ config: BacktestConfig, fillSink: ((FillRow) -> Void)? = nil,
                           progress: ((Double) -> Void)? = nil) throws -> BacktestResult {
        let stream: MarketStream
        do {
            stream = try MarketStream(config.data.map(\.file), options: config.readOptions)
        } catch {
            throw BacktestError(error.description)
        }
        var rt = StrategyRuntime(markets: [config.market], config: RuntimeConfig(seed: config.seed, orderLatencyMs: config.orderLatencyMs,
                                                                                   feedLatencyMs: config.feedLatencyMs))
        let tick = config.market.matching.tick.raw
        let step = config.market.matching.step.raw

        var out = RuntimeEvents()
        var started = false
        var vault = 0
        var accounts: [AccountId: Int] = [:]
        var names: [String] = []
        var samples: [EquitySample] = []
        var fills: [FillRow] = []
        var chartFills: [FillRow] = []
        var chartStride = 1, fillIndex = 0
        var lastOracle = [Int64?](repeating: nil, count: config.data.count)  // per source
        var nav = Amount.zero
        var nextSample: Int64 = 0
        let interval = config.samplingIntervalSeconds * 1_000
        var inputs = 0, records = 0
        var first = Timestamp.zero, last = Timestamp.zero
        // Average-cost book per strategy for closed-trade PnL and inventory.
        var pos = [Int64](repeating: 0, count: config.strategies.count)
        var cost = [Double](repeating: 0, count: config.strategies.count)  // quote spent on the open position
        var closed: [Double] = []
        var activity = TradingActivity()
        var inventorySum = 0.0, inventoryMax = 0.0, inventoryCount = 0
        var refused: [String] = []
        var oracle: Int64 = 0
        var strategyEquity = [[Double]](repeating: [], count: config.strategies.count)

        func setUp(at t: Timestamp) throws {
            do {
                vault = try rt.addVault(terms: config.terms, manager: config.manager, at: t)
                for s in config.strategies {
                    let i = try rt.addStrategy(s.type, parameters: s.parameters,
                                               placement: StrategyPlacement(name: s.type.descriptor.name, vault: vault,
                                                                            allocation: s.allocation, limits: s.limits))
                    accounts[rt.report(i).account] = i
                    names.append(s.type.descriptor.name)
                }
            } catch {
                throw BacktestError("setting up the vault and strategies: \(error)")
            }
            // Deposits first, so the strategies start with their allocations.
            for d in config.deposits {
                rt.handle(.vault(vault, .deposit(depositor: d.depositor, amount: d.amount)), at: t, into: &out)
            }
            rt.start(at: t, into: &out)
        }

        func book(_ i: Int, side: Side, price: Price, size: Quantity, fee: Amount, kind: FillRow.Kind, time: Timestamp) {
            let row = FillRow(time: time, strategy: names[i], kind: kind, side: side, price: price, size: size, fee: fee)
            if let fillSink { fillSink(row) } else { fills.append(row) }
            // The chart's sample: every `chartStride`-th fill; when full, every other one is dropped
            // and the stride doubles (so the kept fills stay evenly spread).
            if fillIndex % chartStride == 0 {
                if chartFills.count == chartFillLimit {
                    chartFills = chartFills.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
                    chartStride *= 2
                }
                if fillIndex % chartStride == 0 { chartFills.append(row) }
            }
            fillIndex += 1
            let q = Double(size.raw) / 1e9, p = Double(price.raw) / 1e6
            activity.tradedNotional += q * p
            activity.fills += 1
            if fee.raw >= 0 { activity.feesPaid += Double(fee.raw) / 1e6 } else { activity.feesEarned -= Double(fee.raw) / 1e6 }
            // Average cost: a fill against the open position closes that part at the average entry.
            let signed = side == .buy ? size.raw : -size.raw
            var rest = signed
            if pos[i] != 0 && (pos[i] > 0) != (signed > 0) {
                let closing = Swift.min(abs(signed), abs(pos[i]))
                let avg = cost[i] / Double(pos[i])  // quote per raw base unit
                let pnl = (pos[i] > 0 ? 1.0 : -1.0) * (p / 1e9 - avg) * Double(closing)
                closed.append(pnl - Double(fee.raw) / 1e6 * Double(closing) / Double(abs(signed)))
                cost[i] -= avg * Double(pos[i] > 0 ? closing : -closing)
                pos[i] += pos[i] > 0 ? -closing : closing
                rest = signed > 0 ? signed - closing : signed + closing
            }
            if rest != 0 {
                cost[i] += p / 1e9 * Double(rest)
                pos[i] += rest
            }
        }

        func collect() {
            for k in 0..<out.market.count {
                guard case .fill(let f) = out.market[k] else { continue }
                var makerAccount: AccountId? = nil
                var kind = FillRow.Kind.maker
                switch f.maker {
                case .order(_, let a): makerAccount = a
                case .provider(_, let a): makerAccount = a; kind = .auction
                case .amm: break
                }
                if let a = makerAccount, let i = accounts[a] {
                    book(i, side: f.takerSide.opposite, price: f.price, size: f.size, fee: f.makerFee, kind: kind, time: f.time)
                    if kind == .auction { activity.auctionsWon += 1 }
                }
                if let i = accounts[f.takerAccount] {
                    book(i, side: f.takerSide, price: f.price, size: f.size, fee: f.takerFee, kind: .taker, time: f.time)
                }
            }
            for e in out.runtime {
                switch e {
                case .hedgeFill(let s, let side, let price, let size, let fee, let t):
                    book(s, side: side, price: price, size: size, fee: fee, kind: .hedge, time: t)
                case .marked(let v, _, let share, _) where v == vault:
                    nav = share
                case .inputRefused(let reason, let t):
                    if refused.count < 10 { refused.append("\(t.milliseconds): \(reason)") }
                default: break
                }
            }
            out.removeAll()
        }

        func sample(upTo t: Int64) {
            while nextSample <= t {
                var inv = 0.0
                for i in 0..<rt.strategyCount {
                    let report = rt.report(i)
                    inv += abs(Double(report.position.raw)) / 1e9
                    strategyEquity[i].append(Double(report.equity.raw) / 1e6)
                }
                samples.append(EquitySample(time: Timestamp(milliseconds: nextSample), equity: Amount(raw: rt.vaultEquity(vault)),
                                            navPerShare: nav, inventory: inv, price: Price(raw: oracle)))
                inventorySum += inv
                inventoryMax = Swift.max(inventoryMax, inv)
                inventoryCount += 1
                nextSample += interval
            }
        }

        func feed(_ input: RuntimeInput, _ t: Timestamp) {
            if case .oracle(_, let p, _) = input { oracle = p.raw }
            rt.handle(input, at: t, into: &out)
            inputs += 1
            collect()
        }

        let hasDepth = config.data.contains { $0.role == .depth }
        var inSnapshot = [Bool](repeating: false, count: config.data.count)
        var reported = -1.0
        while true {
            let r: StampedRecord?
            do { r = try stream.next() } catch { throw BacktestError(error.description) }
            guard let r else { break }
            records += 1
            let t = r.time
            if !started {
                started = true
                first = t
                nextSample = t.milliseconds
                try setUp(at: t)
                collect()
            }
            // A sample at instant T is the state after every input up to and including T: it is taken
        // when the first record after T arrives (or at the end).
            if t.milliseconds > nextSample { sample(upTo: t.milliseconds - 1) }
            last = t
            let role = config.data[r.source].role
            switch (role, r.record) {
            case (.oracle, .quote(let bid, _, let ask, _)):
                guard bid.raw > 0, ask.raw >= bid.raw, throttle(&lastOracle, r.source, t, config.oracleIntervalMs) else { break }
                let mid = (bid.raw / 2 + ask.raw / 2) / tick * tick  // down to the tick
                feed(.oracle(market: 0, price: Price(raw: mid), confidence: Price(raw: (ask.raw - bid.raw + 1) / 2)), t)
            case (.oracle, .trade(let price, _, _)):
                guard throttle(&lastOracle, r.source, t, config.oracleIntervalMs) else { break }
                feed(.oracle(market: 0, price: price, confidence: Price(raw: tick)), t)
            case (.flow, .trade(let price, let size, let side)):
                // Down to the step: the venue never sees more flow than the share allows.
                let share = mulDiv(size.raw, config.flowShare.raw, Ppm.scale, .down) / step * step
                guard share > 0 else { break }
                // With the external book in the venue a taker goes no further than the trade did.
                feed(.taker(market: 0, side: side, size: Quantity(raw: share), limit: hasDepth ? price : .zero), t)
            case (.reference, .trade(let price, _, _)):
                let hs = config.referenceHalfSpread.raw
                guard price.raw > hs else { break }
                feed(.reference(ReferenceQuote(bid: Price(raw: price.raw - hs), ask: Price(raw: price.raw + hs), time: t)), t)
            case (.reference, .quote(let bid, _, let ask, _)):
                guard bid.raw > 0, ask.raw >= bid.raw else { break }
                feed(.reference(ReferenceQuote(bid: bid, ask: ask, time: t)), t)
            case (.candles, .candle(let o, let h, let l, let c, let volume)):
                // Intrabar path (as NautilusTrader's bars): open, the nearer of high and low, the
                // other, close; the volume × flowShare split evenly over the three legs, each leg's
                // taker on the side of its move (none for a flat leg).
                let nearHigh = (h.raw - o.raw) <= (o.raw - l.raw)
                let path = nearHigh ? [o, h, l, c] : [o, l, h, c]
                var base = Int128(volume.raw)
                if config.candleVolumeIsQuote { base = c.raw > 0 ? base * Int128(Price.scale) / Int128(c.raw) : 0 }
                let perLeg = Int64(clamping: base * Int128(config.flowShare.raw) / Int128(Ppm.scale) / 3) / step * step
                feed(.oracle(market: 0, price: path[0], confidence: Price(raw: tick)), t)
                for k in 1..<4 {
                    feed(.oracle(market: 0, price: path[k], confidence: Price(raw: tick)), t)
                    if perLeg > 0 && path[k] != path[k - 1] {
                        feed(.taker(market: 0, side: path[k] > path[k - 1] ? .buy : .sell, size: Quantity(raw: perLeg), limit: .zero), t)
                    }
                }
            case (.depth, .depth(let side, let price, let size, let snapshot)):
                // A snapshot block replaces the external book: cleared at its first row.
                if snapshot && !inSnapshot[r.source] { feed(.clearDepth(market: 0), t) }
                inSnapshot[r.source] = snapshot
                feed(.depth(market: 0, side: side, price: price, size: size), t)
            case (.funding, .funding(let rate)):
                feed(.fundingRate(market: 0, rate), t)
            default:
                break
            }
            if let progress, records & 0x3FFF == 0 {
                let frac = stream.progress
                if frac - reported >= 0.01 { reported = frac; progress(frac) }
            }
        }
        guard started else { throw BacktestError("no data rows in \(config.data.map(\.file.path).joined(separator: ", "))") }
        // A closing tick marks the vault at the last instant, then the final sample.
        feed(.tick, last)
        sample(upTo: last.milliseconds)
        if samples.last?.time != last {
            samples.append(EquitySample(time: last, equity: Amount(raw: rt.vaultEquity(vault)), navPerShare: nav,
                                        inventory: samples.last?.inventory ?? 0, price: Price(raw: oracle)))
        }

        let equity = samples.map { Double($0.equity.raw) / 1e6 }
        // Net funding of the strategies, settled and accrued: received positive, paid negative (metrics.md).
        var paid: Int64 = 0
        for i in 0..<rt.strategyCount {
            let p = rt.venue.position(rt.report(i).account, market: 0)
            paid += p.funding.raw + p.pendingFunding.raw
        }
        activity.funding = paid == 0 ? 0 : -Double(paid) / 1e6
        let metrics = Metrics(equity: equity, intervalSeconds: Double(config.samplingIntervalSeconds), closedTradePnL: closed,
                              activity: activity)
        var model: [(String, String)] = [
            ("engine", "StrategyRuntime over one PerpVenue market: JIT auction, then the price-time book, then the AMM when configured"),
            ("flow", "each historical trade of a flow file is an IOC taker from the flow account for flowShare (\(config.flowShare)) of its size, rounded down to the step (smaller ones are skipped), \(hasDepth ? "limited to the trade's price" : "a market order") through the JIT auction, the book and the AMM; it is one order, so its size is never taken twice"),
            ("oracle", "quotes: the mid rounded down to the tick, confidence half the spread, at most one per \(config.oracleIntervalMs) ms; trades: the price"),
            ("reference", "reference trades at p quote p ± \(config.referenceHalfSpread); reference quotes as they are"),
            ("candles", "open, then the nearer of high and low, then the other, then close, all at the bar's timestamp; volume × flowShare split evenly over the three legs as takers on each leg's side"),
            ("queuePosition", hasDepth
                ? "the depth file's book rests in the venue as the book account's post-only orders (sizes down to the step); a strategy's order joins a level behind the size already there; shrinks come off the newest external orders first (pessimistic), so the queue ahead shrinks by trades first; levels that cannot rest are skipped (\(rt.externalSkipped) skipped)"
                : "no depth file: the book holds only the strategies' orders, so a resting order is at the front of its level"),
            ("latency", (config.orderLatencyMs > 0
                ? "order latency \(config.orderLatencyMs) ms: a strategy's order or cancel reaches the venue at the first input at or after its send time + \(config.orderLatencyMs) ms (a cancel in flight can still be filled); "
                : "order latency 0 ms; ") + (config.feedLatencyMs > 0
                ? "feed latency \(config.feedLatencyMs) ms: market data (oracle, trades, book top, reference, funding) reaches the strategies at the first input at or after its time + \(config.feedLatencyMs) ms, their own fills and order events at once; "
                : "feed latency 0 ms; ") + "JIT answers in the auction use each answer's own latency in auction steps; hedge legs fill after each strategy's hedge latency"),
            ("fees", "the market's fee schedule: taker fee, maker fee (negative = rebate)"),
            ("funding", config.data.contains { $0.role == .funding }
                ? "each funding row sets the rate of the venue's next funding update (every \(config.market.matching.funding.periodMs / 1000) s, clamped to ±\(config.market.matching.funding.maxRate)); between rows the venue's own premium rate applies"
                : "the venue's own premium funding: the time-weighted premium of the mark over the oracle each \(config.market.matching.funding.periodMs / 1000) s, clamped to ±\(config.market.matching.funding.maxRate)"),
            ("equity", "vault equity = idle cash + Σ strategy equity from the venue, sampled every \(config.samplingIntervalSeconds) s from the first data row, each sample after every input up to and including its instant"),
            ("closedTrades", "a fill that reduces a strategy's position closes that part at its average entry price; its PnL net of the fill's fee share is one closed trade"),
        ]
        if !refused.isEmpty { model.append(("refusedInputs", refused.joined(separator: "; "))) }
        return BacktestResult(name: config.name, samples: samples, fills: fills, chartFills: chartFills, strategies: (0..<rt.strategyCount).map { rt.report($0) },
                              metrics: metrics, inputs: inputs, records: records, readStatistics: stream.statistics,
                              files: config.data.map(\.file.path), start: first, end: last,
                              samplingIntervalSeconds: config.samplingIntervalSeconds,
                              inventoryMean: inventoryCount > 0 ? inventorySum / Double(inventoryCount) : 0, inventoryMax: inventoryMax,
                              strategyEquity: strategyEquity,
                              allocations: config.strategies.map { Double($0.allocation.raw) / Double(Ppm.scale) },
                              model: model)
    }

    static func throttle(_ last: inout [Int64?], _ source: Int, _ t: Timestamp, _ interval: Int64) -> Bool {
        if let l = last[source], t.milliseconds - l < interval { return false }
        last[source] = t.milliseconds
        return true
    }
}

extension MarketStream {
    /// How far through its files the stream is (0…1): the least advanced file's share of bytes read.
    var progress: Double { readers.map(\.progress).min() ?? 1 }
}
