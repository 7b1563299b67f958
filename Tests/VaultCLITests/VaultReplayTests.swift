import Foundation
import Testing
@testable import VaultCLI

func runReplay(_ lines: [String]) -> (out: [[String: Any]], error: String?) {
    var session = VaultReplaySession()
    var out: [[String: Any]] = []
    for (i, l) in lines.enumerated() {
        do {
            let line = try session.apply(line: Substring(l), number: i + 1)
            out.append(try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])
        } catch {
            return (out, "\(error)")
        }
    }
    return (out, nil)
}

@Suite struct VaultReplayTests {
    @Test func walkThrough() throws {
        let text = try String(contentsOf: repoRoot.appendingPathComponent("docs/examples/vault-replay.jsonl"), encoding: .utf8)
        let (out, error) = runReplay(text.split(separator: "\n").map(String.init))
        #expect(error == nil)
        #expect(out.count == 12)
        func dep(_ i: Int, _ name: String) -> [String: Any]? { (out[i]["depositors"] as? [String: Any])?[name] as? [String: Any] }
        // alice deposits 1000 into an empty vault: shares = 1000 × (0 + 10^3) / (0 + 1) → 1000 shares at 9 decimals, NAV 1.
        #expect(dep(1, "alice")?["shares"] as? String == "1000.000000000")
        #expect(out[1]["equity"] as? String == "1000.00")
        #expect(out[1]["navPerShare"] as? String == "1.00")
        // Withdrawing before the redeem period (requested at 90000 s, 1 day) is refused and changes nothing.
        #expect(out[6]["error"] as? String == "alice's redeem period ends at t=176400s")
        #expect(out[6]["equity"] as? String == "1650.00")
        // After the loss to 1500, alice's payout is the lower current value (not the 539.97 locked at the request):
        // equity drops by exactly what her 490.914072598 requested shares were then worth.
        let before = try #require(Double(out[7]["equity"] as! String))
        let after = try #require(Double(out[8]["equity"] as! String))
        let requestValue = try #require(Double((dep(7, "alice")?["pendingWithdrawal"] as? [String: Any])?["value"] as! String))
        #expect(before - after < requestValue)
        #expect(dep(8, "alice")?["shares"] as? String == "490.914072598")
        #expect(dep(8, "alice")?["pendingWithdrawal"] is NSNull)
        // A 25% performance fee is a raise: pending behind the one-week timelock (redeem period 1 day → max(7 d, 2 d)).
        #expect((out[10]["pendingFees"] as? [String: Any])?["effectiveAt"] as? Int == 200_000 + 604_800)
        // Below the minimum deposit: refused, state unchanged.
        #expect(out[11]["error"] as? String == "deposit 5.00 is below the minimum deposit 10.00")
        #expect(dep(11, "dave") == nil)
    }

    @Test(arguments: [
        (#"{"op":"deposit","ts":1,"depositor":"a","amount":"-5"}"#, "line 2: field 'amount': must be positive"),
        (#"{"op":"deposit","ts":1,"depositor":"a","amount":"1.0000001"}"#, "line 2: field 'amount': too many decimals (at most 6) in \"1.0000001\""),
        (#"{"op":"requestWithdraw","ts":1,"depositor":"a","amount":"1","percent":"5"}"#, "line 2: field 'amount': give exactly one of amount, shares or percent"),
        (#"{"op":"requestWithdraw","ts":1,"depositor":"a","percent":"150"}"#, "line 2: field 'percent': expected a percentage in (0, 100] with at most 4 decimals, got \"150\""),
        (#"{"op":"setFees","ts":1,"performanceFeePpm":2000000}"#, "line 2: field 'fees': performance fee 2 is outside 0...1 (1 = 100%)"),
        (#"{"op":"jump","ts":1}"#, "line 2: field 'op': unknown op \"jump\" (expected create, deposit, requestWithdraw, cancelWithdraw, withdraw, mark, crystallize, transfer, setFees, cancelFeeUpdate, advance, setPermissioned, setAccess)"),
    ])
    func badInputStops(line: String, message: String) {
        let create = #"{"op":"create","ts":0}"#
        let (out, error) = runReplay([create, line, #"{"op":"deposit","ts":2,"depositor":"a","amount":"10"}"#])
        #expect(error == message)
        #expect(out.count == 1)
    }

    @Test func refusalsAreStateLinesWithAnError() {
        let (out, error) = runReplay([
            #"{"op":"create","ts":0}"#,
            #"{"op":"withdraw","ts":1,"depositor":"ghost"}"#,
            #"{"op":"deposit","ts":2,"depositor":"a","amount":"10"}"#,
            #"{"op":"requestWithdraw","ts":3,"depositor":"a","amount":"20"}"#,
        ])
        #expect(error == nil)
        #expect((out[1]["error"] as? String)?.isEmpty == false)
        #expect(out[1]["equity"] as? String == "0.00")
        // a holds 10; asking for 20 is refused and nothing changes.
        #expect((out[3]["error"] as? String)?.contains("a holds") == true)
        #expect(out[3]["equity"] as? String == "10.00")
    }
}
