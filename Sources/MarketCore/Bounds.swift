/// The documented input bounds (docs/matching.md, "Input bounds"). Every value that enters the
/// engine, the venue, the ledger or a reader is checked against these, so that no arithmetic
/// further in can overflow `Int64`: with prices ≤ ``maxPrice`` and quantities ≤ ``maxQuantity``,
/// any notional is at most 1e12 USDC (1e18 raw), nine times inside `Int64`.
public enum Bounds {
    /// Largest price, oracle or order: 1,000,000 quote per base unit.
    public static let maxPrice = Price(raw: 1_000_000 * Price.scale)
    /// Largest oracle confidence interval (same bound as a price).
    public static let maxConfidence = Price(raw: 1_000_000 * Price.scale)
    /// Largest order size, position, and an account's open orders on one side of one market:
    /// 1,000,000 base units.
    public static let maxQuantity = Quantity(raw: 1_000_000 * Quantity.scale)
    /// Largest resting size on one side of one market's book, and open interest of one market:
    /// 100,000,000 base units.
    public static let maxOpenInterest = Quantity(raw: 100_000_000 * Quantity.scale)
    /// Largest single amount (deposit, withdrawal, transfer, ledger action): 100,000,000,000 USDC.
    public static let maxAmount = Amount(raw: 100_000_000_000 * Amount.scale)
    /// Largest total held by a venue or a vault: 1,000,000,000,000 USDC.
    public static let maxTotal = Amount(raw: 1_000_000_000_000 * Amount.scale)
    /// Latest timestamp accepted: 9999-12-31T23:59:59.999Z, in milliseconds since the epoch.
    /// Times are never negative.
    public static let maxTimestamp = Timestamp(milliseconds: 253_402_300_799_999)
    /// Latest time in whole seconds (the vault ledger's clock).
    public static let maxSeconds: Int64 = 253_402_300_799

    /// Whether `t` lies within `0...maxTimestamp`.
    @inlinable public static func contains(_ t: Timestamp) -> Bool { t.milliseconds >= 0 && t.milliseconds <= maxTimestamp.milliseconds }
}
