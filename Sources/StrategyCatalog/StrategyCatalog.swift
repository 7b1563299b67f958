import ArbitrageStrategy
import GridStrategy
import LiquidityProvisionStrategy
import MeanReversionStrategy
import StrategyKit

/// The one list of built-in strategies. To add one: a folder under `strategies/`, a line in
/// Package.swift, a line here.
public enum StrategyCatalog {
    public static var all: [any Strategy.Type] {
        [
            Grid.self,
            MeanReversion.self,
            Arbitrage.self,
            LiquidityProvision.self,
        ]
    }

    /// The strategy type named `name` (its descriptor's name).
    public static func named(_ name: String) -> (any Strategy.Type)? {
        all.first { $0.descriptor.name == name }
    }

    /// Every built-in's name, in catalog order.
    public static var names: [String] { all.map { $0.descriptor.name } }
}
