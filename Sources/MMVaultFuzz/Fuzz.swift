// libFuzzer target over the CLI's JSON-lines readers and the engines. Built only by `.ci/fuzz`
// (MMVAULT_FUZZ=1, see Package.swift), never by CI or the default build.
//
// Input: the first byte picks what the rest is (byte % 6):
//   0  match ops (JSON lines) on the default market
//   1  match ops on docs/examples/market.json (auction, JIT providers, AMM, breakers)
//   2  match ops on docs/examples/perp-market.json (margin, liquidations, keepers, triggers)
//   3  vault replay ops (JSON lines)
//   4  a market file
//   5  a market file, a NUL byte, then match ops run on that market (when it is accepted)
// A refused input is fine; a trap (including a broken invariant after a line) is a finding.
import Foundation
import VaultCLI

/// The example market files, read once from the source tree (found from this file's path, so
/// the fuzzer does not depend on the working directory and always runs the current examples).
let exampleMarkets: [[UInt8]] = ["market.json", "perp-market.json"].map { name in
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let path = root.appendingPathComponent("docs/examples/\(name)").path
    guard let data = FileManager.default.contents(atPath: path) else { fatalError("MMVaultFuzz: cannot read \(path)") }
    let bytes = [UInt8](data)
    precondition(FuzzEntry.marketFile(bytes), "MMVaultFuzz: \(path) is refused")
    return bytes
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 6 {
    case 0: FuzzEntry.match(rest)
    case 1: FuzzEntry.match(rest, market: exampleMarkets[0])
    case 2: FuzzEntry.match(rest, market: exampleMarkets[1])
    case 3: FuzzEntry.replay(rest)
    case 4: FuzzEntry.marketFile(rest)
    default:
        if let nul = rest.firstIndex(of: 0) {
            FuzzEntry.match(Array(rest[(nul + 1)...]), market: Array(rest[..<nul]))
        } else {
            FuzzEntry.marketFile(rest)
        }
    }
    return 0
}

/// libFuzzer's driver (`int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t))`).
@_extern(c, "LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM gives an executable target its own entry point (it links `main` to this one), so the
/// target starts libFuzzer's driver itself rather than relying on libFuzzer's `main`.
@main
enum MMVaultFuzz {
    static func main() {
        _ = exampleMarkets
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
    }
}
