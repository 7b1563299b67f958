import MarketCore
import Testing

/// The event buffer reuses its slots: `removeAll(keepingCapacity: true)` is O(1) and later
/// appends overwrite the old entries. None of the old events may show through.
@Suite struct EventBufferTests {
    @Test func clearedSlotsNeverShowThroughAndSequencesRunOn() {
        var b = EventBuffer()
        let t = Timestamp(milliseconds: 5)
        for i in 0..<10 { b.append(.accepted(OrderId(UInt32(i)), AccountId(1), t)) }
        #expect(b.count == 10)
        #expect(b.tag(at: 9).sequence == 10)
        b.removeAll(keepingCapacity: true)
        #expect(b.isEmpty)
        #expect(Array(b).isEmpty)
        b.market = 3
        b.append(.rejected(OrderId(42), .unknownOrder, t))
        b.append(.accepted(OrderId(43), AccountId(2), t), market: EventBuffer.venueWide)
        #expect(b.count == 2)
        #expect(b[0] == .rejected(OrderId(42), .unknownOrder, t))
        #expect(b[1] == .accepted(OrderId(43), AccountId(2), t))
        // Numbers run on across the clear; each event keeps the market it was appended under.
        #expect(b.tag(at: 0) == EventTag(market: 3, sequence: 11))
        #expect(b.tag(at: 1) == EventTag(market: EventBuffer.venueWide, sequence: 12))
        #expect(b.map { $0 } == [.rejected(OrderId(42), .unknownOrder, t), .accepted(OrderId(43), AccountId(2), t)])
        // Growing past the old peak appends; clearing without keeping capacity also empties it.
        for i in 0..<20 { b.append(.accepted(OrderId(UInt32(100 + i)), AccountId(1), t)) }
        #expect(b.count == 22)
        #expect(b[21] == .accepted(OrderId(119), AccountId(1), t))
        #expect(b.tag(at: 21).sequence == 32)
        b.removeAll()
        #expect(b.count == 0 && b.nextSequence == 33)
    }

    /// `fillCount` counts the fills among the live events only (not the cleared slots past them).
    @Test func fillCountCountsLiveFillsOnly() {
        var b = EventBuffer()
        let t = Timestamp(milliseconds: 1)
        let fill = Fill(taker: OrderId(1), takerAccount: AccountId(1), takerSide: .buy, maker: .amm, price: Price(raw: 10),
                        size: Quantity(raw: 1), notional: Amount(raw: 10), takerFee: .zero, makerFee: .zero, step: 0, time: t)
        #expect(b.fillCount == 0)
        for i in 0..<9 { b.append(i % 3 == 0 ? .fill(fill) : .accepted(OrderId(UInt32(i)), AccountId(1), t)) }
        #expect(b.fillCount == 3)  // events 0, 3 and 6
        b.removeAll(keepingCapacity: true)
        b.append(.accepted(OrderId(1), AccountId(1), t))
        b.append(.fill(fill))
        #expect(b.fillCount == 1)  // the three old fills in the kept slots do not count
    }

    /// Copies are independent values (the storage is copy-on-write): a random mix of appends,
    /// clears that keep or drop capacity, reservations and copies, on several buffers at once,
    /// against plain arrays of (event, sequence) as the model. A broken uniqueness check would
    /// let one copy's append overwrite an event another copy still shows.
    /// The buffer's raw memory is written over and freed without deinitialising its entries:
    /// that is only right while every event is a trivial value. An event case with a `String` or
    /// an array payload would fail here first.
    @Test func eventsAreTrivialValues() {
        #expect(_isPOD(MarketEvent.self))
        #expect(_isPOD(EventTag.self))
    }

    @Test func copiesStayIndependentAgainstAnArrayModel() {
        struct Pair { var buffer: EventBuffer; var model: [(MarketEvent, UInt64)] }
        var rng: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ n: UInt64) -> UInt64 {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
            return rng % n
        }
        var pairs = [Pair(buffer: EventBuffer(), model: [])]
        var copies = 0, appendsToShared = 0
        for step in 0..<20_000 {
            let k = Int(next(UInt64(pairs.count)))
            switch next(100) {
            case 0..<70:
                let e = MarketEvent.accepted(OrderId(UInt32(step)), AccountId(UInt32(k)), Timestamp(milliseconds: Int64(step)))
                if pairs.indices.contains(where: { $0 != k && pairs[$0].buffer.count > 0 }) { appendsToShared += 1 }
                pairs[k].model.append((e, pairs[k].buffer.nextSequence))
                pairs[k].buffer.append(e)
            case 70..<78:
                pairs[k].buffer.removeAll(keepingCapacity: true)
                pairs[k].model.removeAll()
            case 78..<80:
                pairs[k].buffer.removeAll()
                pairs[k].model.removeAll()
            case 80..<84:
                pairs[k].buffer.reserveCapacity(Int(next(64)))
            default:
                if pairs.count < 6 {
                    pairs.append(pairs[k])
                    copies += 1
                } else {
                    pairs.remove(at: k)
                }
            }
            for p in pairs {
                #expect(p.buffer.count == p.model.count)
                if p.buffer.count != p.model.count { return }
                for i in 0..<p.model.count where p.buffer[i] != p.model[i].0 || p.buffer.tag(at: i).sequence != p.model[i].1 {
                    Issue.record("event \(i) differs from the model at step \(step)")
                    return
                }
            }
        }
        // The mix really exercised copies and appends while other buffers held events.
        #expect(copies > 100)
        #expect(appendsToShared > 1_000)
    }
}
