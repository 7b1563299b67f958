import MarketCore

/// A number of vault shares: a raw `Int128` count of the smallest share unit.
///
/// One whole share is `10^(6 + δ)` raw units, where δ is the vault's virtual offset
/// (``VaultTerms/shareOffsetDigits``): an empty vault mints `10^δ` raw shares per raw quote unit,
/// so with δ = 3 one USDC buys one whole share (`10^9` raw). The type itself does not know δ;
/// ``formatted(decimals:)`` takes it from the vault (``Vault/shareDecimals``).
///
/// Stores persist shares as decimal text of ``raw`` (``description`` / ``init(_:)``), because
/// SQLite integers are 64-bit.
@frozen public struct Shares: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The raw count.
    public var raw: Int128

    /// Creates a share count from its raw integer.
    @inlinable public init(raw: Int128) { self.raw = raw }

    /// No shares.
    public static let zero = Shares(raw: 0)

    /// The most shares a vault may ever have outstanding (`10^30` raw). Actions that would go
    /// past it are refused (``VaultError/tooLarge(_:)``) so every product of shares and equity fits
    /// the 256-bit intermediates with room to spare.
    public static let limit = Shares(raw: 1_000_000_000_000_000_000_000_000_000_000)

    /// Orders by raw count.
    @inlinable public static func < (a: Shares, b: Shares) -> Bool { a.raw < b.raw }

    /// The raw count as decimal integer text (store format), e.g. `"100000000000"`.
    public var description: String { String(raw) }

    /// Parses the store format: an optional `-` and decimal digits, nothing else.
    /// - Parameter text: decimal integer text.
    /// - Returns: nil when the text is not a decimal integer that fits `Int128`.
    public init?(_ text: some StringProtocol) {
        guard !text.isEmpty, text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }),
            let value = Int128(String(text))
        else { return nil }
        raw = value
    }

    /// Human text with exactly `decimals` digits after the point, e.g. `"10.000000000"` for
    /// `10^10` raw at 9 decimals.
    /// - Parameter decimals: digits after the point (`6 + δ` for a vault's shares), `0...30`.
    /// - Returns: the formatted count.
    public func formatted(decimals: Int) -> String {
        precondition(decimals >= 0 && decimals <= 30, "share decimals out of range")
        var scale: UInt128 = 1
        for _ in 0..<decimals { scale *= 10 }
        let magnitude = raw.magnitude
        var out = raw < 0 ? "-" : ""
        out += String(magnitude / scale)
        if decimals > 0 {
            let fraction = String(magnitude % scale)
            out += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return out
    }
}
