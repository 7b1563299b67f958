import MarketCore

/// One function per layout, each kept out of line so that the field parsers inline into it with
/// their scales and bounds as constants. Columns are parsed left to right (the first bad one is
/// reported); `field(p, j)` is required column `j` of ``DataFormat/requiredColumns``.
extension MarketDataReader {
    /// `timestamp,price,size,side`.
    @inline(never)
    func trade(_ p: UnsafePointer<UInt8>) throws(RowFailure) -> (time: Timestamp, record: MarketRecord) {
        let time = try TimestampParsing.parse(field(p, 0), column: 0)
        let price = try DecimalRule.price.parse(field(p, 1), column: 1)
        let size = try DecimalRule.tradeSize.parse(field(p, 2), column: 2)
        let side = try Words.side(field(p, 3), column: 3)
        return (time, .trade(price: Price(raw: price), size: Quantity(raw: size), side: side))
    }

    /// Binance aggTrades: `transact_time,price,quantity,is_buyer_maker` (by name or position).
    /// The buyer was the maker ⇒ the seller took: the taker side is `sell`.
    @inline(never)
    func aggTrade(_ p: UnsafePointer<UInt8>) throws(RowFailure) -> (time: Timestamp, record: MarketRecord) {
        let time = try TimestampParsing.parse(field(p, 0), column: 0)
        let price = try DecimalRule.price.parse(field(p, 1), column: 1)
        let size = try DecimalRule.tradeSize.parse(field(p, 2), column: 2)
        let buyerMaker = try Words.bool(field(p, 3), column: 3)
        return (time, .trade(price: Price(raw: price), size: Quantity(raw: size), side: buyerMaker ? .sell : .buy))
    }

    /// `timestamp,bid,bid_size,ask,ask_size`.
    @inline(never)
    func quote(_ p: UnsafePointer<UInt8>) throws(RowFailure) -> (time: Timestamp, record: MarketRecord) {
        let time = try TimestampParsing.parse(field(p, 0), column: 0)
        let bid = try DecimalRule.price.parse(field(p, 1), column: 1)
        let bidSize = try DecimalRule.bookSize.parse(field(p, 2), column: 2)
        let ask = try DecimalRule.price.parse(field(p, 3), column: 3)
        let askSize = try DecimalRule.bookSize.parse(field(p, 4), column: 4)
        return (time, .quote(bid: Price(raw: bid), bidSize: Quantity(raw: bidSize), ask: Price(raw: ask),
                             askSize: Quantity(raw: askSize)))
    }

    /// `timestamp,open,high,low,close,volume`, or Binance klines stamped at `close_time`. The high
    /// must be at least the open, close and low; the low at most the open and close.
    @inline(never)
    func candle(_ p: UnsafePointer<UInt8>) throws(RowFailure) -> (time: Timestamp, record: MarketRecord) {
        let time = try TimestampParsing.parse(field(p, 0), column: 0)
        let open = try DecimalRule.price.parse(field(p, 1), column: 1)
        let high = try DecimalRule.price.parse(field(p, 2), column: 2)
        let low = try DecimalRule.price.parse(field(p, 3), column: 3)
        let close = try DecimalRule.price.parse(field(p, 4), column: 4)
        let volume = try DecimalRule.volume.parse(field(p, 5), column: 5)
        if _slowPath(high < max(open, close, low)) {
            throw RowFailure(column: 2, message: "high \(field(p, 2).quoted) is below the open, close or low")
        }
        if _slowPath(low > min(open, close)) {
            throw RowFailure(column: 3, message: "low \(field(p, 3).quoted) is above the open or close")
        }
        return (time, .candle(open: Price(raw: open), high: Price(raw: high), low: Price(raw: low),
                              close: Price(raw: close), volume: Quantity(raw: volume)))
    }

    /// `timestamp,rate`.
    @inline(never)
    func funding(_ p: UnsafePointer<UInt8>) throws(RowFailure) -> (time: Timestamp, record: MarketRecord) {
        let time = try TimestampParsing.parse(field(p, 0), column: 0)
        let rate = try DecimalRule.rate.parseSigned(field(p, 1), column: 1)
        return (time, .funding(rate: FundingRate(raw: rate)))
    }

    /// `timestamp,kind,side,price,size`, through the snapshot rules (nil: a dropped update). The
    /// time is checked here so that a snapshot's state changes only for a row that is returned.
    @inline(never)
    func depthRow(_ p: UnsafePointer<UInt8>) throws(RowFailure) -> (time: Timestamp, record: MarketRecord)? {
        let snapshot = try Words.kind(field(p, 1), column: 1)
        let side = try Words.bookSide(field(p, 2), column: 2)
        let price = try DecimalRule.price.parse(field(p, 3), column: 3)
        let size = try DecimalRule.bookSize.parse(field(p, 4), column: 4)
        let stamp = field(p, 0)
        let time: Timestamp
        if snapshot {
            time = stamp.count == 0 ? try readAheadTime() : try TimestampParsing.parse(stamp, column: 0)
            try checkOrder(time)
            beginOrContinueSnapshot(at: time)
        } else {
            time = try TimestampParsing.parse(stamp, column: 0)
            guard keepUpdate(at: time) else { return nil }
        }
        return (time, .depth(side: side, price: Price(raw: price), size: Quantity(raw: size), snapshot: snapshot))
    }
}
