import ArgumentParser
import Foundation
import MarketCore
import Matching

/// `mmvault match`: order events in, market events out (JSON lines).
struct MatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Run order events (JSON lines) through one market's matching core and print the resulting events.",
        discussion: """
        Input ops (one JSON object per line; decimals as strings; ts in milliseconds, never decreasing):
          {"op":"place","id":"o1","account":"a1","side":"buy","type":"limit","price":"100.5","size":"2","tif":"gtc","postOnly":false,"reduceOnly":false,"ts":1}
          {"op":"cancel","id":"o1","ts":2}
          {"op":"amend","id":"o1","price":"100.6","size":"1","ts":3}
          {"op":"oracle","price":"100.4","confidence":"0.01","ts":3}
          {"op":"pause","scope":"market"|"global","ts":4}   {"op":"resume",...}
          {"op":"breaker","trip":true,"ts":5}   {"op":"advance","ts":6}
        Output events: accepted, rejected, fill, cancelled, amended, auction_start, auction_end,
        breaker_trip, breaker_reset, oracle (invalid updates), paused, resumed.
        Bounds: prices in (0, 1000000], confidence in [0, 1000000], sizes in (0, 1000000], amounts in
        (0, 100000000000], ts in 0...253402300799999. CRLF line endings are accepted; a repeated key is refused.
        A malformed line stops the run with an error naming the line and field (exit code 2); the events of
        every earlier line are written first.
        """
    )

    @Argument(help: "Input file of JSON lines, or '-' for stdin.")
    var input: String = "-"

    @Option(name: .long, help: "Market configuration (JSON). Default: a plain price-time book, tick 0.01, step 0.001.")
    var market: String?

    @Flag(name: .long, help: "Print a summary (fills, volume, fee pool, insurance fund, conservation) to stderr at the end.")
    var summary = false

    func run() throws {
        var out = OutputBuffer()
        do {
            let file = try market.map(MarketFile.load) ?? MarketFile.default
            var session = MatchSession(file: file)
            var reader = try LineReader(path: input)
            while let line = try reader.next() {
                if isBlank(line) { continue }
                try session.apply(line: line, number: reader.lineNumber, out: &out)
                // Each line's events are out before the next line is read: a later error or a
                // trap never loses them.
                out.flush()
            }
            out.flush()
            if summary { writeError(session.summary()) }
        } catch let e as InputError {
            out.flush()
            writeError("error: \(e.message)")
            throw ExitCode(2)
        }
    }
}

/// A 1e9-scaled integer as decimal text (funding rates and indices).
func Decimal9(_ v: Int64) -> String { Quantity(raw: v).description }

/// Maps text ids to dense ids, drives a one-market venue, and renders its events.
struct MatchSession {
    var venue: PerpVenue
    var engine: MatchingEngine { venue.markets[0] }
    var providers: [FixedEdgeProvider]
    var orderIds: [String: UInt32] = [:]
    var orderNames: [String] = []
    var accountIds: [String: UInt32] = [:]
    var accountNames: [String] = []
    var providerNames: [String] = []
    var keeperIds: [String: UInt32] = [:]
    var keeperNames: [String] = []
    var events = EventBuffer()
    var refusals: [(String, String, String)] = []
    var lastTs: Int64 = .min
    let priceDecimals: Int
    let sizeDecimals: Int
    var fills = 0

    init(file: MarketFile) {
        venue = PerpVenue(markets: [MarketSpec(matching: file.config, risk: file.risk ?? RiskConfig())],
                          enforceMargin: file.risk != nil)
        priceDecimals = file.config.tick.significantDecimals
        sizeDecimals = file.config.step.significantDecimals
        providers = []
        for (i, p) in file.providers.enumerated() {
            providerNames.append(p.name)
            let account = AccountId(0)
            providers.append(FixedEdgeProvider(id: ProviderId(UInt32(i)), account: account, edge: p.edge, maxSize: p.maxSize, latency: p.latency))
        }
        for (i, p) in file.providers.enumerated() {
            providers[i].account = accountId(p.account)
            // Each provider quotes for its own account, registered with the venue (which drops any other quote).
            _ = venue.registerProvider(providers[i].id, account: providers[i].account)
        }
    }

    mutating func orderId(_ name: String) -> OrderId {
        if let id = orderIds[name] { return OrderId(id) }
        let id = UInt32(orderNames.count)
        orderIds[name] = id
        orderNames.append(name)
        return OrderId(id)
    }

    mutating func accountId(_ name: String) -> AccountId {
        if let id = accountIds[name] { return AccountId(id) }
        let id = UInt32(accountNames.count)
        accountIds[name] = id
        accountNames.append(name)
        return AccountId(id)
    }

    mutating func apply(line: Substring, number: Int, out: inout OutputBuffer) throws {
        var f = try JSONFields.parseObject(line, context: "line \(number)")
        let op = try f.string("op")
        let tsRaw = try f.milliseconds("ts")
        guard tsRaw >= lastTs else { throw f.fail("ts", "must not decrease (previous \(lastTs))") }
        let ts = Timestamp(milliseconds: tsRaw)
        events.removeAll(keepingCapacity: true)
        switch op {
        case "place":
            let id = try f.string("id")
            let account = try f.string("account")
            let side: Side
            switch try f.string("side") {
            case "buy": side = .buy
            case "sell": side = .sell
            default: throw f.fail("side", "expected \"buy\" or \"sell\"")
            }
            let type: OrderType
            switch try f.optionalString("type") ?? "limit" {
            case "limit": type = .limit
            case "market": type = .market
            default: throw f.fail("type", "expected \"limit\" or \"market\"")
            }
            // A market order's price is an optional protection price (absent = none).
            let price = type == .limit ? try f.price("price") : try f.optionalPrice("price") ?? .zero
            let size = try f.size("size")
            let tif: TimeInForce
            switch try f.optionalString("tif") ?? (type == .market ? "ioc" : "gtc") {
            case "gtc": tif = .gtc
            case "ioc": tif = .ioc
            case "fok": tif = .fok
            default: throw f.fail("tif", "expected \"gtc\", \"ioc\" or \"fok\"")
            }
            let postOnly = try f.bool("postOnly", default: false)
            let reduceOnly = try f.bool("reduceOnly", default: false)
            let oco = try f.optionalString("oco")
            let takeProfit = try f.optionalPrice("takeProfit")
            let stopLoss = try f.optionalPrice("stopLoss")
            guard (takeProfit == nil) == (stopLoss == nil) else { throw f.fail("stopLoss", "a bracket needs both takeProfit and stopLoss") }
            try f.rejectUnknown()
            let request = OrderRequest(id: orderId(id), account: accountId(account), side: side, type: type, price: price,
                                       size: size, tif: tif, postOnly: postOnly, reduceOnly: reduceOnly,
                                       ocoWith: oco.map { orderId($0) })
            if let takeProfit, let stopLoss {
                venue.placeBracket(market: 0, entry: request, takeProfit: orderId(id + ":tp"), takeProfitPrice: takeProfit,
                                   stopLoss: orderId(id + ":sl"), stopLossPrice: stopLoss, at: ts, events: &events)
            } else {
                venue.place(market: 0, request, at: ts, providers: &providers, events: &events)
            }
        case "trigger":
            let id = try f.string("id")
            let account = try f.string("account")
            let side: Side
            switch try f.string("side") {
            case "buy": side = .buy
            case "sell": side = .sell
            default: throw f.fail("side", "expected \"buy\" or \"sell\"")
            }
            let size = try f.size("size")
            let triggerPrice = try f.price("triggerPrice")
            let above = try f.bool("above", default: side == .buy)
            let limit = try f.optionalPrice("price")
            let reduceOnly = try f.bool("reduceOnly", default: true)
            try f.rejectUnknown()
            let request = OrderRequest(id: orderId(id), account: accountId(account), side: side, type: limit == nil ? .market : .limit,
                                       price: limit ?? .zero, size: size, tif: limit == nil ? .ioc : .gtc, reduceOnly: reduceOnly)
            venue.placeTrigger(market: 0, request, triggerPrice: triggerPrice, above: above)
            venue.advance(to: ts, events: &events)
        case "deposit", "withdraw":
            let account = try f.string("account")
            let amount = try f.amount("amount")
            try f.rejectUnknown()
            let a = accountId(account)
            let err = op == "deposit" ? venue.deposit(a, amount: amount, at: ts, events: &events)
                                      : venue.withdraw(a, amount: amount, at: ts, events: &events)
            if let err { refusals.append((op, account, "\(err)")) }
        case "keeper":
            let name = try f.string("id")
            if let known = keeperIds[name] {
                let online = try f.bool("online", default: true)
                try f.rejectUnknown()
                _ = venue.setKeeperOnline(known, online)
            } else {
                let account = try f.string("account")
                let stake = try f.amount("stake")
                try f.rejectUnknown()
                switch venue.registerKeeper(account: accountId(account), stake: stake, at: ts, events: &events) {
                case .success(let k):
                    keeperIds[name] = k
                    keeperNames.append(name)
                case .failure(let e):
                    refusals.append((op, name, "\(e)"))
                }
            }
        case "cancel":
            let id = try f.string("id")
            try f.rejectUnknown()
            venue.cancel(market: 0, orderId(id), at: ts, events: &events)
        case "amend":
            let id = try f.string("id")
            let price = try f.optionalPrice("price")
            let size = try f.optionalSize("size")
            guard price != nil || size != nil else { throw f.fail("price", "an amend needs a new price or size") }
            try f.rejectUnknown()
            let oid = orderId(id)
            venue.amend(market: 0, oid, price: price, size: size, at: ts, events: &events)
        case "oracle":
            let price = try f.price("price")
            let confidence = try f.optionalConfidence("confidence") ?? .zero
            try f.rejectUnknown()
            venue.updateOracle(market: 0, price: price, confidence: confidence, at: ts, events: &events)
        case "pause", "resume":
            let scope = try f.optionalString("scope") ?? "market"
            guard scope == "market" || scope == "global" else { throw f.fail("scope", "expected \"market\" or \"global\"") }
            try f.rejectUnknown()
            venue.setPaused(op == "pause", market: scope == "global" ? nil : 0, at: ts, events: &events)
        case "breaker":
            let trip = try f.bool("trip", default: true)
            try f.rejectUnknown()
            venue.setManualBreaker(trip, market: 0, at: ts, events: &events)
        case "advance":
            try f.rejectUnknown()
            venue.advance(to: ts, events: &events)
        default:
            throw f.fail("op", "unknown op \"\(op)\" (expected place, cancel, amend, oracle, pause, resume, breaker, advance, deposit, withdraw, keeper, trigger)")
        }
        lastTs = tsRaw
        for e in events { out.line(render(e)) }
        for (op, who, reason) in refusals {
            out.line(#"{"event":"refused","op":"\#(op)","id":\#(jsonString(who)),"reason":\#(jsonString(reason)),"ts":\#(tsRaw)}"#)
        }
        refusals.removeAll()
    }

    func p(_ x: Price) -> String { "\"" + x.formatted(minimumDecimals: priceDecimals) + "\"" }
    func q(_ x: Quantity) -> String { "\"" + x.formatted(minimumDecimals: sizeDecimals) + "\"" }
    func a(_ x: Amount) -> String { "\"" + x.formatted(minimumDecimals: 2) + "\"" }
    func o(_ id: OrderId) -> String { jsonString(orderNames[Int(id.raw)]) }
    func acc(_ id: AccountId) -> String { jsonString(accountNames[Int(id.raw)]) }

    mutating func render(_ e: MarketEvent) -> String {
        switch e {
        case let .accepted(id, account, ts):
            return #"{"event":"accepted","id":\#(o(id)),"account":\#(acc(account)),"ts":\#(ts)}"#
        case let .rejected(id, reason, ts):
            return #"{"event":"rejected","id":\#(o(id)),"reason":"\#(reason)","ts":\#(ts)}"#
        case let .fill(f):
            fills += 1
            let maker: String
            let makerAccount: String
            switch f.maker {
            case let .order(id, account): maker = o(id); makerAccount = acc(account)
            case let .provider(id, account): maker = jsonString(providerNames[Int(id.raw)]); makerAccount = acc(account)
            case .amm: maker = "\"amm\""; makerAccount = "\"amm\""
            }
            return #"{"event":"fill","taker":\#(o(f.taker)),"takerAccount":\#(acc(f.takerAccount)),"side":"\#(f.takerSide)","maker":\#(maker),"makerAccount":\#(makerAccount),"price":\#(p(f.price)),"size":\#(q(f.size)),"notional":\#(a(f.notional)),"takerFee":\#(a(f.takerFee)),"makerFee":\#(a(f.makerFee)),"step":\#(f.step),"ts":\#(f.time)}"#
        case let .cancelled(id, remaining, reason, ts):
            return #"{"event":"cancelled","id":\#(o(id)),"remaining":\#(q(remaining)),"reason":"\#(reason)","ts":\#(ts)}"#
        case let .amended(id, price, size, kept, ts):
            return #"{"event":"amended","id":\#(o(id)),"price":\#(p(price)),"size":\#(q(size)),"keptPriority":\#(kept),"ts":\#(ts)}"#
        case let .auctionStart(id, side, start, end, steps, ts):
            return #"{"event":"auction_start","id":\#(o(id)),"side":"\#(side)","start":\#(p(start)),"end":\#(p(end)),"steps":\#(steps),"ts":\#(ts)}"#
        case let .auctionEnd(id, filled, ts):
            return #"{"event":"auction_end","id":\#(o(id)),"filled":\#(q(filled)),"ts":\#(ts)}"#
        case let .breakerTrip(kind, ts):
            return #"{"event":"breaker_trip","kind":"\#(kind)","ts":\#(ts)}"#
        case let .breakerReset(kind, ts):
            return #"{"event":"breaker_reset","kind":"\#(kind)","ts":\#(ts)}"#
        case let .oracle(price, status, ts):
            return #"{"event":"oracle","price":\#(p(price)),"status":"\#(status)","ts":\#(ts)}"#
        case let .paused(global, ts):
            return #"{"event":"paused","scope":"\#(global ? "global" : "market")","ts":\#(ts)}"#
        case let .resumed(global, ts):
            return #"{"event":"resumed","scope":"\#(global ? "global" : "market")","ts":\#(ts)}"#
        case let .funding(rate, index, mark, oracle, ts):
            return #"{"event":"funding","rate":"\#(Decimal9(rate))","index":"\#(Decimal9(index))","mark":\#(p(mark)),"oracle":\#(p(oracle)),"ts":\#(ts)}"#
        case let .collateral(account, _, delta, balance, ts):
            return #"{"event":"collateral","account":\#(acc(account)),"delta":\#(a(Amount(raw: delta))),"balance":\#(a(Amount(raw: balance))),"ts":\#(ts)}"#
        case let .liquidation(l):
            return #"{"event":"liquidation","account":\#(acc(l.account)),"keeper":\#(jsonString(keeperNames[Int(l.keeper)])),"keeperAccount":\#(acc(l.keeperAccount)),"size":\#(q(l.size)),"price":\#(p(l.price)),"liquidatorFee":\#(a(l.liquidatorFee)),"insuranceFee":\#(a(l.insuranceFee)),"marginBefore":\#(a(l.marginBefore)),"marginAfter":\#(a(l.marginAfter)),"maintenanceRequirement":\#(a(l.requirement)),"ts":\#(l.time)}"#
        case let .bankruptcy(b):
            return #"{"event":"bankruptcy","account":\#(acc(b.account)),"badDebt":\#(a(b.badDebt)),"paidByInsurance":\#(a(b.insurance)),"paidByFeePool":\#(a(b.feePool)),"socialized":\#(a(b.socialized)),"unresolved":\#(a(b.unresolved)),"ts":\#(b.time)}"#
        case let .keeper(k):
            switch k {
            case let .registered(keeper, stake, ts):
                return #"{"event":"keeper_registered","keeper":\#(jsonString(keeperNames.indices.contains(Int(keeper)) ? keeperNames[Int(keeper)] : String(keeper))),"stake":\#(a(stake)),"ts":\#(ts)}"#
            case let .done(keeper, job, reward, ts):
                return #"{"event":"keeper_job","keeper":\#(jsonString(keeperNames[Int(keeper)])),"job":"\#(job)","reward":\#(a(reward)),"ts":\#(ts)}"#
            case let .missed(keeper, job, slashed, score, ts):
                return #"{"event":"keeper_missed","keeper":\#(jsonString(keeperNames[Int(keeper)])),"job":"\#(job)","slashed":\#(a(slashed)),"score":"\#(score)","ts":\#(ts)}"#
            }
        case let .triggerFired(id, price, ts):
            return #"{"event":"trigger_fired","id":\#(o(id)),"oraclePrice":\#(p(price)),"ts":\#(ts)}"#
        }
    }

    func summary() -> String {
        let c = engine.conservation
        let conserved = c.base == 0 && venue.quoteSupply == venue.netDeposits
        return "fills=\(fills) resting=\(engine.book.count) feePool=\(Amount(raw: engine.feePool)) insuranceFund=\(Amount(raw: engine.insuranceFund)) baseSum=\(c.base) quoteSupply=\(venue.quoteSupply) netDeposits=\(venue.netDeposits) conserved=\(conserved)"
    }
}
