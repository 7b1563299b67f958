/// The documented input bounds (docs/matching.md, "Input bounds"). Every value that enters the
/// engine, the venue, the ledger or a reader is checked against these, so that no arithmetic
/// further in can overflow `Int64`: with prices ≤ ``maxPrice`` and quantities ≤ ``maxQuantity``,
/// any notional is at most 1e12 USDC (1e18 raw), nine times inside `Int64`. Raw literals (not
/// `n * scale`) in inlinable accessors, so each bound is a constant on the hot path (a `static
/// let` across modules is read through an accessor call).
public enum Bounds {
    /// Largest price, oracle or order: 1,000,000 quote per base unit.
    @inlinable public static var maxPrice: Price { Price(raw: 1_000_000_000_000) }
    /// Largest oracle confidence interval (same bound as a price).
    @inlinable public static var maxConfidence: Price { Price(raw: 1_000_000_000_000) }
    /// Largest order size, position, and an account's open orders on one side of one market:
    /// 1,000,000 base units.
    @inlinable public static var maxQuantity: Quantity { Quantity(raw: 1_000_000_000_000_000) }
    /// Largest resting size on one side of one market's book, and open interest of one market:
    /// 100,000,000 base units.
    @inlinable public static var maxOpenInterest: Quantity { Quantity(raw: 100_000_000_000_000_000) }
    /// Largest single amount (deposit, withdrawal, transfer, ledger action): 100,000,000,000 USDC.
    @inlinable public static var maxAmount: Amount { Amount(raw: 100_000_000_000_000_000) }
    /// Largest total held by a venue or a vault: 1,000,000,000,000 USDC.
    @inlinable public static var maxTotal: Amount { Amount(raw: 1_000_000_000_000_000_000) }
    /// Latest timestamp accepted: 9999-12-31T23:59:59.999Z, in milliseconds since the epoch.
    /// Times are never negative.
    @inlinable public static var maxTimestamp: Timestamp { Timestamp(milliseconds: 253_402_300_799_999) }
    /// Latest time in whole seconds (the vault ledger's clock).
    @inlinable public static var maxSeconds: Int64 { 253_402_300_799 }
}
