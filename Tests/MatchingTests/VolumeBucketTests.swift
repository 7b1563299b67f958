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

/// The volume breaker's running window total (`CircuitBreakers.lastWindow`, summed again only
/// when a fill opens a new bucket) equals an independent model after every fill: the exact volume
/// (`Int128`) per bucket `time / width`, summed over the 16 buckets ending at the current one, then
/// clamped to `Int64.max`. Times
/// mostly creep forward within a bucket (the remembered total's path), sometimes jump buckets or
/// windows; sizes are mostly small, sometimes huge (saturation); the width changes now and then.
/// The breaker trips exactly when the model's total exceeds the limit.
@Suite struct VolumeWindowTests {
    @Test func runningTotalEqualsTheModel() {
        var rng = SplitMix64(seed: 0x70_7A1)
        var fastPath = 0, saturated = 0, trips = 0
        for round in 0..<40 {
            var breakers = CircuitBreakers()
            var window: Int64 = [16, 1_600, 60_000, 17][round % 4]
            let limit: Int64 = round % 5 == 0 ? Int64.max : 1 + Int64(rng.next() % 5_000_000_000)
            var volume: [Int64: Int128] = [:]  // bucket → exact volume
            var now: Int64 = Int64(rng.next() % 10_000)
            for _ in 0..<2_000 {
                switch rng.next() % 50 {
                case 0: now += Int64(rng.next() % 200_000)  // a jump, often past the whole window
                case 1: window = [16, 1_600, 60_000, 17][Int(rng.next() % 4)]; volume.removeAll()  // a new config: a new window
                        breakers = CircuitBreakers()
                default: now += Int64(rng.next() % 3)
                }
                let qty = rng.next() % 100 == 0 ? Int64.max / 3 : 1 + Int64(rng.next() % 10_000_000)
                let width = Swift.max(window / 16, 1)
                let config = BreakerConfig(maxPriceMove: nil, maxVolume: Quantity(raw: limit), volumeWindowMs: window)
                let before = breakers.lastWindow
                var events = EventBuffer()
                breakers.observeVolume(qty, at: now, config: config, events: &events)
                let b = now / width
                volume[b, default: 0] += Int128(qty)
                var exact: Int128 = 0
                for k in (b - 15)...b { exact += volume[k] ?? 0 }
                let model = exact > Int128(Int64.max) ? Int64.max : Int64(exact)
                #expect(breakers.lastWindow.total == model, "round \(round) now \(now) width \(width)")
                #expect(breakers.windowVolume(bucket: b) == model)
                if before.bucket == b && before.width == width { fastPath += 1 }
                if model == Int64.max { saturated += 1 }
                if model > limit {
                    #expect(breakers.isTripped(.volume))
                    trips += 1
                    breakers = CircuitBreakers()  // start over (a trip lasts its cooldown); the model follows
                    volume.removeAll()
                } else {
                    #expect(!breakers.isTripped(.volume))
                }
            }
        }
        #expect(fastPath > 40_000)  // the remembered total carried most fills
        #expect(saturated > 50)     // and saturation was reached along the way
        #expect(trips > 100)
    }
}
