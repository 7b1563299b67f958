#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import MarketCore

/// Floating-point helpers for strategy signals (z-scores, volatility, intensities). Signals may
/// use `Double`; every price, size or amount a strategy sends goes back through
/// ``FixedPoint/init(approximating:_:)`` with its rounding direction stated, so the money the
/// venue sees is exact. Deterministic on one platform (IEEE 754, no fast-math).
public enum StrategyMath {
    public static func ln(_ x: Double) -> Double { log(x) }
    public static func exponential(_ x: Double) -> Double { exp(x) }
    public static func squareRoot(_ x: Double) -> Double { x.squareRoot() }

    /// `Double(v)`, the same value (rounded to nearest, ties to even), without the standard
    /// library's unspecialised generic `Int128` conversion (about 4% of the runtime benchmark's
    /// time with mean reversion live): ``MarketCore/nearestDouble(_:)``.
    @inlinable public static func double(_ v: Int128) -> Double { nearestDouble(v) }
}

extension FixedPoint {
    /// The value as a `Double` in whole units (e.g. a price of 101.25 → 101.25).
    public var doubleValue: Double { Double(raw) / Double(Self.scale) }

    /// The fixed-point value nearest `x` in the stated direction (`.down`: the largest value ≤ x,
    /// `.up`: the smallest ≥ x); nil when `x` is not finite or outside ±9.2e18 raw units.
    public init?(approximating x: Double, _ rounding: Rounding) {
        let scaled = x * Double(Self.scale)
        guard scaled.isFinite else { return nil }
        let r = rounding == .down ? scaled.rounded(.down) : scaled.rounded(.up)
        guard r > -9.2e18 && r < 9.2e18 else { return nil }
        self.init(raw: Int64(r))
    }
}
