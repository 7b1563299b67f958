import MarketCore

/// Placeholder: the vault ledger (issue 3) lands here.
public enum VaultLedgerModule {}
