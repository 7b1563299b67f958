import Foundation
import StrategyCatalog
import StrategyKit
import Testing

/// The repository root (this file is Tests/StrategyCatalogTests/…).
private let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Each folder under `strategies/` and the `strategy` name its defaults.json declares.
private func strategyFolders() throws -> [(folder: String, name: String)] {
    let dir = repoRoot.appendingPathComponent("strategies")
    let folders = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { entry in
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: dir.appendingPathComponent(entry).path, isDirectory: &isDirectory)
            && isDirectory.boolValue
    }.sorted()
    return try folders.map { folder in
        let data = try Data(contentsOf: dir.appendingPathComponent(folder).appendingPathComponent("defaults.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(folder)/defaults.json")
        let name = try #require(object["strategy"] as? String, "\(folder)/defaults.json: 'strategy'")
        return (folder, name)
    }
}

/// `value` written as a parameter file would write it.
private func input(_ spec: ParameterSpec, _ value: ParameterValue) -> ParameterInput {
    switch spec.kind {
    case .decimal, .integer: return .number(spec.text(value))
    case .flag: return .bool(spec.text(value) == "true")
    case .choice: return .string(spec.text(value))
    }
}

@Suite struct CatalogTests {
    @Test func catalogListsExactlyTheStrategyFolders() throws {
        let names = StrategyCatalog.names
        #expect(Set(names).count == names.count, "catalog names repeat: \(names)")
        let folders = try strategyFolders()
        #expect(!folders.isEmpty)
        for (folder, name) in folders {
            #expect(names.contains(name), "strategies/\(folder)/defaults.json names '\(name)', which is not in the catalog \(names)")
        }
        for name in names {
            #expect(folders.contains { $0.name == name }, "catalog strategy '\(name)' has no folder under strategies/")
        }
        #expect(Set(folders.map(\.name)).count == folders.count, "two folders declare the same strategy: \(folders)")
        #expect(folders.count == names.count)
        #expect(StrategyCatalog.named("grid")?.descriptor.name == "grid")
        #expect(StrategyCatalog.named("no-such-strategy") == nil)
    }

    @Test func everyDescriptorsDefaultsValidate() {
        for type in StrategyCatalog.all {
            let d = type.descriptor
            #expect(d.check(d.defaults) == nil, "\(d.name): defaults fail the cross-parameter check")
            // Every default, written out as a file would, reads back as itself (in range, not too precise).
            let inputs = d.parameters.map { (key: $0.name, value: input($0, $0.defaultValue)) }
            switch d.parameters(inputs) {
            case .success(let set): #expect(set == d.defaults, "\(d.name)")
            case .failure(let e): Issue.record("\(d.name): defaults refused: \(e)")
            }
        }
    }

    @Test func everyParameterIsDocumented() {
        for type in StrategyCatalog.all {
            let d = type.descriptor
            #expect(!d.name.isEmpty && !d.summary.isEmpty)
            #expect(!d.parameters.isEmpty, "\(d.name) declares no parameters")
            #expect(Set(d.parameters.map(\.name)).count == d.parameters.count, "\(d.name): parameter names repeat")
            for p in d.parameters {
                #expect(!p.doc.trimmingCharacters(in: .whitespaces).isEmpty, "\(d.name).\(p.name): empty doc")
                #expect(!p.doc.contains("\n"), "\(d.name).\(p.name): doc is not one line")
                // Flags and choices are their own unit; numbers need one.
                switch p.kind {
                case .flag, .choice: break
                case .decimal, .integer: #expect(!p.unit.isEmpty, "\(d.name).\(p.name): a number without a unit")
                }
            }
        }
    }

    @Test func everyReadmeMentionsEveryParameter() throws {
        for (folder, name) in try strategyFolders() {
            let d = try #require(StrategyCatalog.named(name)?.descriptor)
            let readme = try String(contentsOf: repoRoot.appendingPathComponent("strategies/\(folder)/README.md"), encoding: .utf8)
            let words = Set(readme.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
            for p in d.parameters {
                #expect(words.contains(p.name), "strategies/\(folder)/README.md never mentions '\(p.name)'")
            }
        }
    }
}
