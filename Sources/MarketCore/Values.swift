/// A price in quote per one base unit, scale 1e6 (PRICE_PRECISION).
@frozen public struct Price: FixedPoint {
    @inlinable public static var decimals: Int { 6 }
    public var raw: Int64
    @inlinable public init(raw: Int64) { self.raw = raw }
}

/// A base-asset quantity, scale 1e9 (BASE_PRECISION). Positions are signed.
@frozen public struct Quantity: FixedPoint {
    @inlinable public static var decimals: Int { 9 }
    public var raw: Int64
    @inlinable public init(raw: Int64) { self.raw = raw }
}

/// A quote amount (USDC), scale 1e6 (QUOTE_PRECISION).
@frozen public struct Amount: FixedPoint {
    @inlinable public static var decimals: Int { 6 }
    public var raw: Int64
    @inlinable public init(raw: Int64) { self.raw = raw }
}

/// A ratio in parts per million: 1_000_000 = 100%. Fees, spreads and thresholds use it.
@frozen public struct Ppm: FixedPoint {
    @inlinable public static var decimals: Int { 6 }
    public var raw: Int64
    @inlinable public init(raw: Int64) { self.raw = raw }
    /// 100%.
    @inlinable public static var one: Ppm { Ppm(raw: 1_000_000) }
}

extension Amount {
    /// The quote value of `quantity` at `price`: `price × quantity / 1e9`, rounded as stated.
    /// - Complexity: O(1).
    @inlinable public static func notional(_ price: Price, _ quantity: Quantity, _ rounding: Rounding) -> Amount {
        Amount(raw: mulDiv(price.raw, quantity.raw, Quantity.scale, rounding))
    }

    /// `self × ratio`, rounded as stated.
    @inlinable public func applying(_ ratio: Ppm, _ rounding: Rounding) -> Amount {
        Amount(raw: mulDiv(raw, ratio.raw, Ppm.scale, rounding))
    }
}

extension Price {
    /// `self × ratio`, rounded as stated.
    @inlinable public func applying(_ ratio: Ppm, _ rounding: Rounding) -> Price {
        Price(raw: mulDiv(raw, ratio.raw, Ppm.scale, rounding))
    }

    /// Snaps to a multiple of `tick`, rounded as stated.
    @inlinable public func snapped(to tick: Price, _ rounding: Rounding) -> Price {
        Price(raw: mulDiv(raw, 1, tick.raw, rounding) * tick.raw)
    }
}

extension Quantity {
    /// Snaps to a multiple of `step`, rounded as stated.
    @inlinable public func snapped(to step: Quantity, _ rounding: Rounding) -> Quantity {
        Quantity(raw: mulDiv(raw, 1, step.raw, rounding) * step.raw)
    }
}

/// A point in time, in milliseconds since the Unix epoch. The core never reads a clock:
/// time arrives in events.
@frozen public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64
    @inlinable public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    /// Whole seconds since the epoch.
    @inlinable public init(seconds: Int64) { self.milliseconds = seconds * 1000 }
    @inlinable public var seconds: Int64 { milliseconds >= 0 ? milliseconds / 1000 : -((-milliseconds + 999) / 1000) }
    @inlinable public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }
    @inlinable public static func + (a: Timestamp, ms: Int64) -> Timestamp { Timestamp(milliseconds: a.milliseconds + ms) }
    @inlinable public static var zero: Timestamp { Timestamp(milliseconds: 0) }
    public var description: String { String(milliseconds) }
}

/// A funding rate per funding period, scale 1e9: `0.0001` (0.01%) is `raw == 100_000`; positive:
/// longs pay shorts.
///
/// Exchanges print funding rates with up to 8 decimals (`0.00010000`); the extra digit of scale keeps
/// every published rate exact. Negative rates (shorts pay longs) are allowed.
public struct FundingRate: FixedPoint {
    @inlinable public static var decimals: Int { 9 }
    public var raw: Int64
    @inlinable public init(raw: Int64) { self.raw = raw }
}
