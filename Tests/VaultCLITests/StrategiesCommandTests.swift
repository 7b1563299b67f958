import Foundation
import StrategyCatalog
import StrategyKit
import Testing
@testable import VaultCLI

/// `mmvault strategies list|describe|validate`, run as the built binary.
@Suite struct StrategiesCommandTests {
    static let names = ["grid", "mean-reversion", "arbitrage", "liquidity-provision"]
    static let known = "expected one of grid, mean-reversion, arbitrage, liquidity-provision"

    /// A table row with its column padding squeezed to one space.
    static func squeezed(_ line: Substring) -> String {
        line.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    @Test func listShowsEveryStrategyWithItsParameters() throws {
        let r = try runBinary(["strategies", "list"])
        #expect(r.code == 0)
        #expect(r.err == "")
        let lines = r.out.split(separator: "\n")
        #expect(StrategyCatalog.names == Self.names)
        for type in StrategyCatalog.all {
            let d = type.descriptor
            #expect(lines.contains { $0 == "\(d.name): \(d.summary)" }, "\(d.name): no header line")
            for p in d.parameters {
                let unit = p.unit.isEmpty ? "-" : p.unit
                let row = "\(p.name) \(StrategyListing.typeWord(p.kind)) \(p.text(p.defaultValue)) \(p.kind.rangeText) \(unit) \(p.live ? "yes" : "no") \(p.doc)"
                #expect(lines.contains { Self.squeezed($0) == Self.squeezed(Substring(row)) }, "\(d.name): no row for \(p.name)")
            }
        }
        // Hand-written rows (padding squeezed).
        let rows = Set(lines.map(Self.squeezed))
        #expect(rows.contains("levels integer 11 2...200 levels yes Number of price levels, both bounds included"))
        #expect(rows.contains("spacing choice arithmetic arithmetic|geometric - yes arithmetic: equal price steps; geometric: equal ratios between levels"))
        #expect(rows.contains("lookback integer 60 2...10000 samples no Samples in the rolling window (mean and population standard deviation)"))
        #expect(rows.contains("jit boolean true true|false - yes Answer JIT auctions at the level-0 quote (reservation ± half spread)"))
        #expect(rows.contains("PARAMETER TYPE DEFAULT RANGE UNIT LIVE DOC"))
    }

    @Test func listJSONHoldsEveryDescriptorDefault() throws {
        let r = try runBinary(["strategies", "list", "--json"])
        #expect(r.code == 0)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(Array(doc.keys) == ["strategies"])
        let strategies = try #require(doc["strategies"] as? [[String: Any]])
        #expect(strategies.compactMap { $0["name"] as? String } == Self.names)
        for (object, type) in zip(strategies, StrategyCatalog.all) {
            let d = type.descriptor
            #expect(object["summary"] as? String == d.summary)
            let params = try #require(object["parameters"] as? [[String: Any]])
            #expect(params.compactMap { $0["name"] as? String } == d.parameters.map(\.name))
            for (p, spec) in zip(params, d.parameters) {
                let what = "\(d.name).\(spec.name)"
                #expect(p["unit"] as? String == spec.unit, "\(what)")
                #expect(p["live"] as? Bool == spec.live, "\(what)")
                #expect(p["doc"] as? String == spec.doc, "\(what)")
                switch (spec.kind, spec.defaultValue) {
                case (.decimal(let decimals, let lo, let hi), .decimal(let raw)):
                    #expect(p["type"] as? String == "decimal", "\(what)")
                    // Decimals are strings, exact.
                    #expect(p["default"] as? String == formatFixed(raw, decimals), "\(what)")
                    #expect(p["min"] as? String == formatFixed(lo, decimals), "\(what)")
                    #expect(p["max"] as? String == formatFixed(hi, decimals), "\(what)")
                    #expect((p["decimals"] as? NSNumber)?.intValue == decimals, "\(what)")
                case (.integer(let lo, let hi), .integer(let v)):
                    #expect(p["type"] as? String == "integer", "\(what)")
                    #expect((p["default"] as? NSNumber)?.int64Value == v, "\(what)")
                    #expect((p["min"] as? NSNumber)?.int64Value == lo, "\(what)")
                    #expect((p["max"] as? NSNumber)?.int64Value == hi, "\(what)")
                case (.flag, .flag(let b)):
                    #expect(p["type"] as? String == "boolean", "\(what)")
                    #expect(p["default"] as? Bool == b, "\(what)")
                case (.choice(let words), .choice(let w)):
                    #expect(p["type"] as? String == "choice", "\(what)")
                    #expect(p["default"] as? String == w, "\(what)")
                    #expect(p["choices"] as? [String] == words, "\(what)")
                default:
                    Issue.record("\(what): default does not match its kind")
                }
            }
        }
        // Hand-written: the grid's levels and lower as the document states them.
        #expect(r.out.contains(#"{"name": "levels", "type": "integer", "default": 11, "min": 2, "max": 200, "unit": "levels", "live": true, "doc": "Number of price levels, both bounds included"}"#))
        #expect(r.out.contains(#"{"name": "lower", "type": "decimal", "default": "90", "min": "0.000001", "max": "1000000", "decimals": 6, "unit": "price", "live": true, "doc": "Lowest level of the ladder (and the base of the stop-out band)"}"#))
        // Stable: the same bytes every run.
        #expect(try runBinary(["strategies", "list", "--json"]).out == r.out)
    }

    @Test func describeShowsOneStrategy() throws {
        let r = try runBinary(["strategies", "describe", "grid"])
        #expect(r.code == 0)
        #expect(r.out.hasPrefix("grid\n  Ladder of bids and asks between two bounds; each fill re-arms the opposite order one level away\n\nParameters (7):\n"))
        #expect(r.out.contains("""
              levels
                type:    integer
                default: 11
                range:   2...200
                unit:    levels
                live:    yes (may change while the strategy runs)
                doc:     Number of price levels, both bounds included
            """))
        let j = try runBinary(["strategies", "describe", "mean-reversion", "--json"])
        #expect(j.code == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [String: Any])
        #expect(object["name"] as? String == "mean-reversion")
        #expect((object["parameters"] as? [Any])?.count == 12)
    }

    @Test func describeUnknownExitsTwo() throws {
        let r = try runBinary(["strategies", "describe", "momentum"])
        #expect(r.code == 2)
        #expect(r.out == "")
        #expect(r.err == "error: unknown strategy 'momentum'; \(Self.known)\n")
    }

    @Test(arguments: ["grid", "mean-reversion", "arbitrage", "liquidity-provision"])
    func everyDefaultsFileValidates(folder: String) throws {
        let path = repoRoot.appendingPathComponent("strategies/\(folder)/defaults.json").path
        let r = try runBinary(["strategies", "validate", path])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err == "")
        let d = try #require(StrategyCatalog.named(folder)?.descriptor)
        let lines = r.out.split(separator: "\n")
        #expect(lines.first == "\(path): ok (\(folder), \(d.parameters.count) parameters)"[...])
        #expect(lines.count == 1 + d.parameters.count)
        #expect(!r.out.contains("(default)"))
        // The file holds exactly the descriptor's defaults.
        #expect(try StrategyFile.load(path).parameters == d.defaults)
    }

    @Test func validatePrintsTheResolvedSet() throws {
        let path = try temporaryFile(#"{"strategy": "grid", "parameters": {"lower": "95", "upper": 105, "levels": 21}}"#, name: "my-grid.json")
        let r = try runBinary(["strategies", "validate", path])
        #expect(r.code == 0)
        #expect(r.out == """
            \(path): ok (grid, 3 parameters)
              lower         = 95
              upper         = 105
              levels        = 21
              spacing       = arithmetic  (default)
              orderSize     = 0.1  (default)
              takeProfit    = 0.1  (default)
              stopOutBuffer = 0.02  (default)

            """)
        // A byte-order mark and CRLF line endings read alike; "parameters" may be left out.
        let crlf = try temporaryFile("\u{FEFF}{\r\n  \"strategy\": \"liquidity-provision\",\r\n  \"parameters\": {\"jit\": false}\r\n}\r\n", name: "lp.json")
        let c = try runBinary(["strategies", "validate", crlf])
        #expect(c.code == 0, "\(c.err)")
        #expect(c.out.hasPrefix("\(crlf): ok (liquidity-provision, 1 parameter)\n"))
        #expect(c.out.contains("\n  jit                  = false\n"))
        let bare = try temporaryFile(#"{"strategy": "arbitrage"}"#, name: "arb.json")
        #expect(try runBinary(["strategies", "validate", bare]).out.hasPrefix("\(bare): ok (arbitrage, 0 parameters)\n"))
    }

    /// One bad file per kind of error: exit 2, nothing on stdout, and the exact message.
    @Test(arguments: [
        // unknown key
        (#"{"strategy":"grid","parameters":{"levles":3}}"#,
         "unknown parameter 'levles'; expected one of lower, upper, levels, spacing, orderSize, takeProfit, stopOutBuffer"),
        // wrong type
        (#"{"strategy":"grid","parameters":{"levels":"x"}}"#, #"parameter 'levels': "x" is not an integer"#),
        (#"{"strategy":"grid","parameters":{"levels":12.5}}"#, "parameter 'levels': 12.5 is not an integer"),
        (#"{"strategy":"grid","parameters":{"lower":true}}"#, "parameter 'lower': true is not a decimal"),
        (#"{"strategy":"grid","parameters":{"lower":null}}"#, "parameter 'lower': null is not a decimal"),
        (#"{"strategy":"grid","parameters":{"lower":[90]}}"#, "parameter 'lower': an array is not a decimal"),
        (#"{"strategy":"grid","parameters":{"lower":1e2}}"#, "parameter 'lower': 1e2 is not a decimal"),
        (#"{"strategy":"grid","parameters":{"spacing":{}}}"#, "parameter 'spacing': an object is not one of arithmetic|geometric"),
        (#"{"strategy":"liquidity-provision","parameters":{"jit":"yes"}}"#, #"parameter 'jit': "yes" is not a boolean"#),
        // out of range
        (#"{"strategy":"grid","parameters":{"levels":1}}"#, "parameter 'levels': 1 is out of range; expected 2...200 (levels)"),
        (#"{"strategy":"grid","parameters":{"lower":"0"}}"#, #"parameter 'lower': "0" is out of range; expected 0.000001...1000000 (price)"#),
        (#"{"strategy":"mean-reversion","parameters":{"stopLoss":0.75}}"#, "parameter 'stopLoss': 0.75 is out of range; expected 0...0.5 (fraction)"),
        (#"{"strategy":"grid","parameters":{"spacing":"log"}}"#, #"parameter 'spacing': "log" is out of range; expected arithmetic|geometric"#),
        (#"{"strategy":"grid","parameters":{"levels":99999999999999999999}}"#, "parameter 'levels': 99999999999999999999 is out of range; expected 2...200 (levels)"),
        // too many decimals
        (#"{"strategy":"grid","parameters":{"lower":"90.1234567"}}"#, #"parameter 'lower': "90.1234567" has more than 6 decimal places"#),
        (#"{"strategy":"grid","parameters":{"orderSize":0.0000000001}}"#, "parameter 'orderSize': 0.0000000001 has more than 9 decimal places"),
        // parameters that contradict each other
        (#"{"strategy":"grid","parameters":{"lower":"120"}}"#, "parameter 'lower' (120) must be below parameter 'upper' (110)"),
        // missing or unknown strategy
        (#"{"parameters":{}}"#, "field 'strategy': missing; expected one of grid, mean-reversion, arbitrage, liquidity-provision"),
        (#"{"strategy":"gird"}"#, "unknown strategy 'gird'; expected one of grid, mean-reversion, arbitrage, liquidity-provision"),
        (#"{"strategy":5}"#, "field 'strategy': 5 is not a strategy name; expected one of grid, mean-reversion, arbitrage, liquidity-provision"),
        // not an object
        ("[1, 2]", #"expected a JSON object {"strategy": NAME, "parameters": {...}}"#),
        (#"{"strategy":"grid","parameters":["lower"]}"#, "field 'parameters': expected an object of parameter values, not an array"),
        // unknown top-level key
        (#"{"strategy":"grid","params":{}}"#, "unknown field 'params'; expected strategy, parameters"),
        // malformed JSON, with its line
        ("{\n  \"strategy\": \"grid\",\n  \"parameters\": {\n    \"levels\": 11,\n  }\n}\n", "line 5: not valid JSON"),
        ("{\r\n\"strategy\": \"grid\",\r\n\"parameters\": {\"lower\": \"9", "line 3: not valid JSON"),
        ("", "line 1: not valid JSON"),
        // a repeated key
        (#"{"strategy":"grid","parameters":{"lower":"95","lower":"96"}}"#, "parameters: duplicate field 'lower'"),
    ])
    func badFileExitsTwoNamingTheProblem(text: String, message: String) throws {
        let path = try temporaryFile(text, name: "params.json")
        let r = try runBinary(["strategies", "validate", path])
        #expect(r.code == 2)
        #expect(r.out == "")
        #expect(r.err == "error: \(path): \(message)\n")
    }

    @Test func missingFileExitsTwo() throws {
        let r = try runBinary(["strategies", "validate", "/nonexistent/params.json"])
        #expect(r.code == 2)
        #expect(r.err == "error: /nonexistent/params.json: cannot read file\n")
    }

    @Test func malformedJSONLineAgreesWithTheParser() {
        // The locator finds no error exactly when the strict parser accepts the text.
        for text in ["{}", "[1, -2.5e+3, \"a\\u00e9\\n\", true, false, null]", "{\"a\": {\"b\": []}}", "  7  ",
                     "{", "[1,]", "01", "1.", "-", "\"\\x\"", "\"\u{01}\"", "[1 2]", "{\"a\" 1}", "tru", "{} {}"] {
            let bytes = Array(text.utf8)
            let parses = (try? JSONParser.parse(Substring(text))) != nil
            #expect((JSONSyntax.errorOffset(bytes) == nil) == parses, "\(text)")
        }
        #expect(JSONSyntax.errorOffset(Array("[1,\n2,\n]".utf8)) == 7)
    }

    @Test func helpTextsCarryAnExample() throws {
        for sub in ["list", "describe", "validate"] {
            let r = try runBinary(["strategies", sub, "--help"])
            #expect(r.code == 0)
            #expect(r.out.contains("mmvault strategies \(sub)"), "\(sub)")
        }
        #expect(try runBinary(["--help"]).out.contains("strategies"))
    }
}
