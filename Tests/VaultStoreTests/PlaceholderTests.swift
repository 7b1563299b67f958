import Testing
import VaultStore

@Test func storeModuleLinks() {
    #expect(String(describing: VaultStoreModule.self) == "VaultStoreModule")
}
