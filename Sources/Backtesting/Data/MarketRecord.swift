import MarketCore

/// One row of market data, as a value. Which file format it came from does not matter once read.
public enum MarketRecord: Sendable, Hashable {
    /// A trade; `side` is the taker's (aggressor's) side.
    case trade(price: Price, size: Quantity, side: Side)
    /// Top of book.
    case quote(bid: Price, bidSize: Quantity, ask: Price, askSize: Quantity)
    /// One L2 level: `side` `.buy` is a bid, `.sell` an ask; size 0 deletes the level. `snapshot`
    /// rows rebuild the book (a snapshot row after an update row of the same source starts a new
    /// book); the others are updates applied on top (docs/data-formats.md, "Depth").
    case depth(side: Side, price: Price, size: Quantity, snapshot: Bool)
    /// A bar, stamped at the time it is known (docs/data-formats.md, "Candles").
    case candle(open: Price, high: Price, low: Price, close: Price, volume: Quantity)
    /// A funding rate for the period that settles at the record's time.
    case funding(rate: FundingRate)
}

/// A record with its time and where it came from.
public struct StampedRecord: Sendable, Hashable {
    /// When it happened (milliseconds since the Unix epoch, UTC).
    public var time: Timestamp
    /// The index of its file among the files given to the stream (0 for a lone reader).
    public var source: Int
    /// Its line in the file, 1-based, the header being line 1.
    public var line: Int
    /// The data.
    public var record: MarketRecord

    /// Creates a stamped record.
    public init(time: Timestamp, source: Int, line: Int, record: MarketRecord) {
        self.time = time
        self.source = source
        self.line = line
        self.record = record
    }
}
