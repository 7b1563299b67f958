import Foundation
import Testing
import MarketCore
import StrategyKit
@testable import MeanReversionStrategy

@Suite struct MeanReversionParameterTests {
    let d = MeanReversion.descriptor

    func error(_ inputs: [(key: String, value: ParameterInput)]) -> String? {
        if case .failure(let e) = d.parameters(inputs) { return e.description }
        return nil
    }

    @Test func defaultsFileMatchesTheDescriptor() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("strategies/mean-reversion/defaults.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["strategy"] as? String == "mean-reversion")
        #expect(d.name == "mean-reversion")
        let params = try #require(json["parameters"] as? [String: Any])
        #expect(Set(params.keys) == Set(d.parameters.map(\.name)))
        for spec in d.parameters {
            let value = try #require(params[spec.name], "missing \(spec.name)")
            let text: String
            switch spec.kind {
            case .decimal:
                // Decimals are JSON strings.
                text = try #require(value as? String, "\(spec.name) should be a string")
            case .integer:
                #expect(!(value is Bool), "\(spec.name) should be a number, not a boolean")
                let n = try #require(value as? Int, "\(spec.name) should be a whole number")
                text = String(n)
            case .flag:
                #expect(value is Bool, "\(spec.name) should be a boolean")
                let b = try #require(value as? Bool)
                text = b ? "true" : "false"
            case .choice:
                text = try #require(value as? String)
            }
            #expect(text == spec.text(spec.defaultValue), "\(spec.name)")
        }
        // The defaults pass the cross-parameter check.
        #expect(d.check(d.defaults) == nil)
    }

    @Test func everyParameterIsDocumented() {
        for spec in d.parameters {
            #expect(!spec.doc.isEmpty, "\(spec.name)")
            if case .decimal = spec.kind { #expect(!spec.unit.isEmpty, "\(spec.name)") }
            if case .integer = spec.kind { #expect(!spec.unit.isEmpty, "\(spec.name)") }
        }
        #expect(d.parameters.first { $0.name == "lookback" }?.live == false)
        #expect(d.parameters.first { $0.name == "entryZ" }?.live == true)
    }

    @Test func outOfRangeNamesTheKeyAndTheRange() {
        #expect(error([("lookback", .number("1"))]) == "parameter 'lookback': 1 is out of range; expected 2...10000 (samples)")
        #expect(error([("entryZ", .string("0.05"))]) == "parameter 'entryZ': \"0.05\" is out of range; expected 0.1...100 (sigma)")
        #expect(error([("stopLoss", .string("0.6"))]) == "parameter 'stopLoss': \"0.6\" is out of range; expected 0...0.5 (fraction)")
    }

    @Test func wrongTypeNamesTheKey() {
        #expect(error([("entryZ", .bool(true))]) == "parameter 'entryZ': true is not a decimal")
        #expect(error([("lookback", .string("1.5"))]) == "parameter 'lookback': \"1.5\" is not an integer")
        #expect(error([("answerAuctions", .string("yes"))]) == "parameter 'answerAuctions': \"yes\" is not a boolean")
    }

    @Test func unknownKeyListsTheKnownOnes() throws {
        let e = try #require(error([("lookbak", .number("5"))]))
        #expect(e.hasPrefix("unknown parameter 'lookbak'; expected one of lookback, sampleIntervalMs, entryZ, exitZ,"))
    }

    @Test func crossParameterChecks() throws {
        // exitZ must be below entryZ.
        let a = try #require(error([("entryZ", .string("1.5")), ("exitZ", .string("1.5"))]))
        #expect(a.hasPrefix("exitZ (1.5) must be below entryZ (1.5)"))
        // entryZ above √(lookback − 1) = 2 can never be reached.
        let b = try #require(error([("lookback", .number("5")), ("entryZ", .string("2.0001"))]))
        #expect(b.hasPrefix("entryZ (2.0001) can never be reached with lookback 5"))
        // … while exactly 2 is allowed (the worked example).
        #expect(error([("lookback", .number("5")), ("entryZ", .string("2"))]) == nil)
        // orderSize within maxPosition.
        let c = try #require(error([("orderSize", .string("6")), ("maxPosition", .string("5"))]))
        #expect(c == "orderSize (6) must not exceed maxPosition (5)")
    }
}
