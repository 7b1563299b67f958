import GRDB
import VaultLedger

/// Placeholder: the SQLite store of the vault ledger lands here.
public enum VaultStoreModule {}
