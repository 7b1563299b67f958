@testable import Matching
import MarketCore
import Testing

/// The volume breaker's remembered bucket (`CircuitBreakers.bucket(at:width:)`) is always the
/// plain quotient `now / width`: over random walks of time (forward, backward, jumps, negative
/// times) and widths that change, from any remembered state.
@Suite struct VolumeBucketTests {
    @Test func rememberedBucketIsTheQuotient() {
        var breakers = CircuitBreakers()
        var rng = SplitMix64(seed: 0xB0C4)
        var now: Int64 = 0
        var width: Int64 = 3_750
        var hits = 0
        for _ in 0..<200_000 {
            switch rng.next() % 100 {
            case 0: width = 1 + Int64(rng.next() % 10_000)          // the config changed
            case 1: now = -Int64(rng.next() % 50_000)               // before the epoch
            case 2: now = Int64(rng.next() % 1_000_000_000)         // a jump
            case 3, 4: now -= Int64(rng.next() % 5_000)             // backwards
            default: now += Int64(rng.next() % 200)                 // the usual: a little later
            }
            let before = breakers.lastBucket
            let b = breakers.bucket(at: now, width: width)
            #expect(b == now / width, "now \(now) width \(width)")
            if before.width == width && before.index == b && now >= 0 { hits += 1 }
        }
        #expect(hits > 50_000)  // the remembered path ran, not only the division
    }
}
