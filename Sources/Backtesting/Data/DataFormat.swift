/// The market-data file layouts the readers understand (docs/data-formats.md).
public enum DataFormat: String, Sendable, Hashable, CaseIterable {
    /// `timestamp,price,size,side` (side: the taker's, `buy`/`sell`).
    case trades
    /// `timestamp,bid,bid_size,ask,ask_size`.
    case quotes
    /// `timestamp,kind,side,price,size` (kind `snapshot`/`update`, side `bid`/`ask`).
    case depth
    /// `timestamp,open,high,low,close,volume`.
    case candles
    /// `timestamp,rate`.
    case funding
    /// Binance's published aggTrades CSV (data.binance.vision), with or without its header.
    case binanceAggTrades = "binance-aggtrades"
    /// Binance's published klines CSV (data.binance.vision), with or without its header.
    case binanceKlines = "binance-klines"

    /// The columns the reader needs, by header name, in the order it uses them (the time first).
    /// Other columns may be present and are ignored.
    public var requiredColumns: [String] {
        switch self {
        case .trades: return ["timestamp", "price", "size", "side"]
        case .quotes: return ["timestamp", "bid", "bid_size", "ask", "ask_size"]
        case .depth: return ["timestamp", "kind", "side", "price", "size"]
        case .candles: return ["timestamp", "open", "high", "low", "close", "volume"]
        case .funding: return ["timestamp", "rate"]
        case .binanceAggTrades: return ["transact_time", "price", "quantity", "is_buyer_maker"]
        case .binanceKlines: return ["close_time", "open", "high", "low", "close", "volume"]
        }
    }

    /// The full published column list of a Binance layout (also its header when it has one), or
    /// nil for the formats whose header is required.
    public var binanceColumns: [String]? {
        switch self {
        case .binanceAggTrades:
            return ["agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time", "is_buyer_maker"]
        case .binanceKlines:
            return ["open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "count",
                    "taker_buy_volume", "taker_buy_quote_volume", "ignore"]
        default:
            return nil
        }
    }

    /// Where each of ``requiredColumns`` sits in a headerless Binance file.
    var headerlessPositions: [Int]? {
        guard let all = binanceColumns else { return nil }
        return requiredColumns.map { all.firstIndex(of: $0)! }
    }

    /// The merge rank at equal timestamps: trades (0), then quotes, candles and funding (1), then depth (2).
    public var mergeRank: Int {
        switch self {
        case .trades, .binanceAggTrades: return 0
        case .quotes, .candles, .funding, .binanceKlines: return 1
        case .depth: return 2
        }
    }

    /// The format a file name suggests, or nil: `trades.csv`, `quotes.csv`, `depth.csv`,
    /// `candles.csv`, `funding.csv`; Binance's `SYMBOL-aggTrades-DATE.csv` and
    /// `SYMBOL-INTERVAL-DATE.csv` (e.g. `BTCUSDT-1m-2024-08-08.csv`).
    /// - Parameter fileName: a file name or path; only its last component is looked at.
    public init?(fileName: String) {
        let name = fileName.split(separator: "/").last.map(String.init) ?? fileName
        guard name.lowercased().hasSuffix(".csv") else { return nil }
        let stem = name.dropLast(4)
        if let own = DataFormat(rawValue: String(stem)), own.binanceColumns == nil {
            self = own
            return
        }
        let parts = stem.split(separator: "-")
        guard parts.count >= 3 else { return nil }
        if parts[1] == "aggTrades" {
            self = .binanceAggTrades
        } else if Self.klineIntervals.contains(String(parts[1])) {
            self = .binanceKlines
        } else {
            return nil
        }
    }

    /// Binance's kline intervals as they appear in file names (`1mo` for a month).
    static let klineIntervals: Set<String> = [
        "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1mo",
    ]
}
