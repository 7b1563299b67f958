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
    /// library's unspecialised generic `Int128` conversion (witness-table calls: about 4% of the
    /// runtime benchmark's time with mean reversion live). Values within ±2^63 convert from
    /// `Int64`; larger magnitudes keep their top 64 bits with every lower bit folded into the last
    /// one (a sticky bit: it lies below the rounding position, so it only breaks what would be a
    /// tie, as the bits it stands for do), convert, and scale by the exact power of two.
    /// Checked against `Double(v)` in `StrategyMathTests`.
    @inlinable public static func double(_ v: Int128) -> Double {
        if v >= Int128(Int64.min) && v <= Int128(Int64.max) { return Double(Int64(truncatingIfNeeded: v)) }
        let m = v.magnitude  // > 2^63 here
        let shift = 64 - m.leadingZeroBitCount  // 0...64: m >> shift fits 64 bits
        let top = UInt64(truncatingIfNeeded: m >> shift) | (m & ((1 << shift) - 1) != 0 ? 1 : 0)
        let d = Double(top) * Double(bitPattern: UInt64(1023 + shift) << 52)  // × 2^shift, exact
        return v < 0 ? -d : d
    }
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
