import Testing
import VaultLedger

@Test func ledgerModuleLinks() {
    #expect(String(describing: VaultLedgerModule.self) == "VaultLedgerModule")
}
