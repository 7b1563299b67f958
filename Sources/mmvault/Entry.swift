import VaultCLI

/// Thin entry point: every command lives in `VaultCLI`.
@main
enum Entry {
    static func main() {
        MMVaultCommand.runMain()
    }
}
