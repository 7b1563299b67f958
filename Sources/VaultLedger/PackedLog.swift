import MarketCore

/// Who acted, relative to the event's action, so a packed event need not hold the actor's name.
enum ActorCode: UInt8 {
    /// The action's (first) depositor name: deposit, withdrawals, transfer's `from`,
    /// crystallising one depositor, setAccess.
    case actionName = 0
    /// The manager (administrative actions).
    case manager = 1
    /// `*` (crystallising all depositors).
    case all = 2
    /// Any other name: stored in the record.
    case inline = 3
}

/// The in-memory log's buffered events, packed into bytes.
///
/// A `VaultEvent` is about 400 bytes in memory; an applied event packs into about 100 (integers
/// as a length byte and their significant little-endian bytes, the "before" figures as their
/// difference from the "after" ones, no sequence numbers, no hashes and no repeated actor name).
/// A backtest that applies millions of actions touches a quarter of the memory, which on these
/// machines mostly means a quarter of the page faults. Decoding gives back the event exactly
/// (``PackedLogTests`` round-trips random events with extreme values); the creation event, which
/// carries the terms, is kept whole in `spill`.
///
/// Value semantics: the bytes live in a ``PackedBytes`` object that is copied before a write when
/// it is shared (copy-on-write), so copies of a ``Vault`` never see each other's appends.
struct PackedLog: Sendable {
    private var storage: PackedBytes
    /// Events kept whole (the creation event).
    private var spill: [VaultEvent]
    /// Number of buffered events.
    private(set) var count: Int
    /// Byte offset of the last event's record (meaningless when `count == 0`).
    private(set) var lastOffset: Int

    init() {
        storage = PackedBytes(capacity: 0)
        spill = []
        count = 0
        lastOffset = 0
    }

    /// Byte offset one past the last record (where the first record starts: 0).
    var endOffset: Int { storage.count }

    /// Removes every event, keeping the byte capacity.
    mutating func removeAll() {
        if isKnownUniquelyReferenced(&storage) {
            storage.count = 0
        } else {
            storage = PackedBytes(capacity: storage.capacity)
        }
        spill.removeAll()
        count = 0
        lastOffset = 0
    }

    /// Reserves room for about `events` more applied events (address space only: pages the log
    /// never writes are never touched).
    mutating func reserve(events: Int) {
        let (bytes, overflow) = events.multipliedReportingOverflow(by: Self.reservedBytesPerEvent)
        guard !overflow else { return }
        _ = uniqueStorage(room: bytes)
    }

    /// Bytes reserved per event by ``reserve(events:)`` (an applied event with short names packs
    /// into about 100).
    static let reservedBytesPerEvent = 160

    /// Unique storage with at least `room` free bytes.
    private mutating func uniqueStorage(room: Int) -> PackedBytes {
        let needed = storage.count + room
        if !isKnownUniquelyReferenced(&storage) || needed > storage.capacity {
            storage = storage.copy(minimumCapacity: needed)
        }
        return storage
    }

    // MARK: Appending

    /// Appends an event: packed when it is an applied action, kept whole otherwise.
    mutating func append(_ e: VaultEvent, manager: String) {
        guard case .applied(let action) = e.entry else {
            appendSpilled(e)
            return
        }
        let code = Self.actorCode(e.actor, of: action, manager: manager)
        appendApplied(
            action: action, actor: code, actorName: e.actor, sequence: e.sequence, time: e.time,
            equityBefore: e.equityBefore.raw, equityAfter: e.equityAfter.raw,
            totalSharesBefore: e.totalSharesBefore.raw, totalSharesAfter: e.totalSharesAfter.raw,
            actorSharesBefore: e.actorSharesBefore.raw, actorSharesAfter: e.actorSharesAfter.raw,
            actorValueBefore: e.actorValueBefore.raw, actorValueAfter: e.actorValueAfter.raw,
            feesBefore: e.feesBefore, feesAfter: e.feesAfter, receipt: e.receipt)
    }

    /// How a record refers to `actor`, the actor of an applied `action`.
    static func actorCode(_ actor: String, of action: VaultAction, manager: String) -> ActorCode {
        if let first = action.firstName, sameBytes(actor, first) { return .actionName }
        if sameBytes(actor, manager) { return .manager }
        if sameBytes(actor, "*") { return .all }
        return .inline
    }

    /// Keeps an event whole (record: tag 0, then its index in `spill`).
    mutating func appendSpilled(_ e: VaultEvent) {
        let s = uniqueStorage(room: 16)
        var w = ByteWriter(s.base + s.count)
        w.u8(0)
        w.u64(UInt64(spill.count))
        spill.append(e)
        lastOffset = s.count
        s.count += w.n
        count += 1
    }

    /// Packs an applied action's event from its fields (what ``Vault/apply(_:at:)`` calls: no
    /// `VaultEvent` is built). `actorName` is read only when `actor` is ``ActorCode/inline``.
    ///
    /// Record: action tag (1–13) and payload; a flags byte (actor code in bits 0–1, bit 2: the
    /// receipt's sequence differs from the event's, bit 3: `feesEffectiveAt` is set); the actor's
    /// name when inline; time; then each figure "after" followed by "before − after" (wrapping),
    /// the fees likewise, then the receipt.
    mutating func appendApplied(
        action: VaultAction, actor: ActorCode, actorName: String, sequence: Int64, time: Timestamp,
        equityBefore: Int64, equityAfter: Int64, totalSharesBefore: Int128, totalSharesAfter: Int128,
        actorSharesBefore: Int128, actorSharesAfter: Int128, actorValueBefore: Int64, actorValueAfter: Int64,
        feesBefore: FeeTotals, feesAfter: FeeTotals, receipt: VaultReceipt
    ) {
        let room = Self.recordRoom(action: action, actor: actor, actorName: actorName)
        let s = uniqueStorage(room: room)
        // Every write stays inside `room` bytes past `s.count` (ByteWriter's contract).
        var w = ByteWriter(s.base + s.count)
        Self.writeApplied(
            into: &w, action: action, actor: actor, actorName: actorName, sequence: sequence, time: time,
            equityBefore: equityBefore, equityAfter: equityAfter, totalSharesBefore: totalSharesBefore,
            totalSharesAfter: totalSharesAfter, actorSharesBefore: actorSharesBefore, actorSharesAfter: actorSharesAfter,
            actorValueBefore: actorValueBefore, actorValueAfter: actorValueAfter, feesBefore: feesBefore,
            feesAfter: feesAfter, receipt: receipt)
        precondition(w.n <= room, "packed event overran its reserved room")
        lastOffset = s.count
        s.count += w.n
        count += 1
    }

    /// Bytes to reserve for an applied action's record: every fixed field at its widest plus the
    /// names (with their length fields).
    @inline(__always) static func recordRoom(action: VaultAction, actor: ActorCode, actorName: String) -> Int {
        var room = maxFixedRecordBytes
        action.forEachName { room += $0.utf8.count + 9 }
        if actor == .inline { room += actorName.utf8.count + 9 }
        return room
    }

    /// Writes an applied action's record (see ``appendApplied(action:actor:actorName:sequence:time:equityBefore:equityAfter:totalSharesBefore:totalSharesAfter:actorSharesBefore:actorSharesAfter:actorValueBefore:actorValueAfter:feesBefore:feesAfter:receipt:)``)
    /// into memory with ``recordRoom(action:actor:actorName:)`` bytes reserved.
    @inline(__always) static func writeApplied(
        into w: inout ByteWriter, action: VaultAction, actor: ActorCode, actorName: String, sequence: Int64,
        time: Timestamp, equityBefore: Int64, equityAfter: Int64, totalSharesBefore: Int128, totalSharesAfter: Int128,
        actorSharesBefore: Int128, actorSharesAfter: Int128, actorValueBefore: Int64, actorValueAfter: Int64,
        feesBefore: FeeTotals, feesAfter: FeeTotals, receipt: VaultReceipt
    ) {
        w.action(action)
        var flags = actor.rawValue
        if receipt.sequence != sequence { flags |= 4 }
        if receipt.feesEffectiveAt != nil { flags |= 8 }
        w.u8(flags)
        if actor == .inline { w.string(actorName) }
        w.i64(time.milliseconds)
        w.i64(equityAfter)
        w.i64(equityBefore &- equityAfter)
        w.i128(totalSharesAfter)
        w.i128(totalSharesBefore &- totalSharesAfter)
        w.i128(actorSharesAfter)
        w.i128(actorSharesBefore &- actorSharesAfter)
        w.i64(actorValueAfter)
        w.i64(actorValueBefore &- actorValueAfter)
        w.fees(after: feesAfter, before: feesBefore)
        if receipt.sequence != sequence { w.i64(receipt.sequence) }
        w.i64(receipt.amount.raw)
        w.i128(receipt.shares.raw)
        w.i64(receipt.performanceFee.raw)
        w.i128(receipt.performanceFeeShares.raw)
        w.i64(receipt.managementFee.raw)
        if let at = receipt.feesEffectiveAt { w.i64(at.milliseconds) }
    }

    /// Bound on a record's bytes apart from names: 1 tag + 2 action bytes + 6 action integers
    /// (fee terms; at most 17 bytes each) + flags + 30 integers (17 each) + booleans, rounded up.
    static let maxFixedRecordBytes = 640

    // MARK: Reading

    /// Decodes the record at byte `offset` (with `previousHash` and `hash` zero, except for a
    /// spilled event, which keeps its own), and the offset of the next record.
    /// - Parameters:
    ///   - sequence: the event's sequence number (records do not store it).
    ///   - manager: the manager's name (for events whose actor is the manager).
    func decode(at offset: Int, sequence: Int64, manager: String) -> (event: VaultEvent, next: Int) {
        precondition(offset >= 0 && offset < storage.count, "no packed event at this offset")
        var r = ByteReader(storage.base, offset: offset, end: storage.count)
        let tag = r.u8()
        if tag == 0 {
            let index = Int(r.u64())
            var e = spill[index]
            e.previousHash = .zero
            e.hash = .zero
            return (e, r.n)
        }
        let action = r.action(tag: tag)
        let flags = r.u8()
        let actor: String
        switch flags & 3 {
        case ActorCode.actionName.rawValue: actor = action.firstName!
        case ActorCode.manager.rawValue: actor = manager
        case ActorCode.all.rawValue: actor = "*"
        default: actor = r.string()
        }
        let time = Timestamp(milliseconds: r.i64())
        let equityAfter = r.i64()
        let equityBefore = equityAfter &+ r.i64()
        let totalAfter = r.i128()
        let totalBefore = totalAfter &+ r.i128()
        let sharesAfter = r.i128()
        let sharesBefore = sharesAfter &+ r.i128()
        let valueAfter = r.i64()
        let valueBefore = valueAfter &+ r.i64()
        let (feesAfter, feesBefore) = r.fees()
        let receiptSequence = flags & 4 != 0 ? r.i64() : sequence
        let amount = r.i64()
        let shares = r.i128()
        let performanceFee = r.i64()
        let performanceFeeShares = r.i128()
        let managementFee = r.i64()
        let feesEffectiveAt = flags & 8 != 0 ? Timestamp(milliseconds: r.i64()) : nil
        let e = VaultEvent(
            sequence: sequence, time: time, entry: .applied(action), actor: actor,
            equityBefore: Amount(raw: equityBefore), equityAfter: Amount(raw: equityAfter),
            totalSharesBefore: Shares(raw: totalBefore), totalSharesAfter: Shares(raw: totalAfter),
            actorSharesBefore: Shares(raw: sharesBefore), actorSharesAfter: Shares(raw: sharesAfter),
            actorValueBefore: Amount(raw: valueBefore), actorValueAfter: Amount(raw: valueAfter),
            feesBefore: feesBefore, feesAfter: feesAfter,
            receipt: VaultReceipt(
                sequence: receiptSequence, amount: Amount(raw: amount), shares: Shares(raw: shares),
                performanceFee: Amount(raw: performanceFee), performanceFeeShares: Shares(raw: performanceFeeShares),
                managementFee: Amount(raw: managementFee), feesEffectiveAt: feesEffectiveAt))
        return (e, r.n)
    }

    /// The offset just past the record at `offset` if that record is, byte for byte, the record
    /// ``append(_:manager:)`` would write for `e`, an applied event at sequence `e.sequence`;
    /// nil otherwise (a different event, a spilled record, or an equal event whose actor the
    /// record names another way: the caller then decodes and compares).
    ///
    /// Equal bytes mean an equal event, hashes apart, when the record's sequence is
    /// `e.sequence` (the caller checks it: records do not store it): decoding is a function of
    /// the bytes and gives back exactly the event that was packed (``PackedLogTests``), so both
    /// decode to `e`. A record is self-delimiting, so the record at `offset` is exactly that long.
    func recordEnd(ifPacking e: borrowing VaultEvent, at offset: Int, manager: String) -> Int? {
        guard case .applied(let action) = e.entry, offset >= 0, offset < storage.count else { return nil }
        let code = Self.actorCode(e.actor, of: action, manager: manager)
        let room = Self.recordRoom(action: action, actor: code, actorName: e.actor)
        return withUnsafeTemporaryAllocation(byteCount: room, alignment: 16) { scratch in
            // `room` bytes: ByteWriter's contract, as for an append (a non-empty buffer has a base).
            var w = ByteWriter(scratch.baseAddress!)
            Self.writeApplied(
                into: &w, action: action, actor: code, actorName: e.actor, sequence: e.sequence, time: e.time,
                equityBefore: e.equityBefore.raw, equityAfter: e.equityAfter.raw,
                totalSharesBefore: e.totalSharesBefore.raw, totalSharesAfter: e.totalSharesAfter.raw,
                actorSharesBefore: e.actorSharesBefore.raw, actorSharesAfter: e.actorSharesAfter.raw,
                actorValueBefore: e.actorValueBefore.raw, actorValueAfter: e.actorValueAfter.raw,
                feesBefore: e.feesBefore, feesAfter: e.feesAfter, receipt: e.receipt)
            precondition(w.n <= room, "packed event overran its reserved room")
            let length = w.n
            guard length <= storage.count &- offset else { return nil }
            // Safe: `scratch` holds `length` written bytes and the log holds `length` bytes from
            // `offset` (checked just above); both are compared 8 bytes at a time, then byte by byte.
            let mine = UnsafeRawPointer(storage.base + offset), theirs = UnsafeRawPointer(scratch.baseAddress!)
            return Self.equalBytes(mine, theirs, count: length) ? offset &+ length : nil
        }
    }

    /// Whether the `count` bytes at `p` and at `q` are equal: 8 bytes at a time, then byte by byte.
    /// The caller guarantees both ranges are readable for `count` bytes (every load ends at or
    /// before `count`); the two callers above and below state why theirs are.
    @inline(__always) static func equalBytes(_ p: UnsafeRawPointer, _ q: UnsafeRawPointer, count: Int) -> Bool {
        var i = 0
        while i &+ 8 <= count {
            if p.loadUnaligned(fromByteOffset: i, as: UInt64.self) != q.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i &+= 8
        }
        while i < count {
            if p.load(fromByteOffset: i, as: UInt8.self) != q.load(fromByteOffset: i, as: UInt8.self) { return false }
            i &+= 1
        }
        return true
    }

    /// Whether two strings have the same UTF-8 bytes (`==` compares canonical equivalence; the
    /// log must give back the bytes it was given).
    ///
    /// Compares the raw UTF-8 buffers (native strings, small or not, lend theirs without a copy
    /// to the heap), 8 bytes at a time; the generic `elementsEqual` over two `UTF8View`s cost
    /// about 500 instructions per call. Strings without contiguous UTF-8 (none on Linux) take
    /// the generic path. `SameBytesTests.sameBytesComparesUTF8` checks it against `Array(utf8)`.
    @inline(__always) static func sameBytes(_ a: String, _ b: String) -> Bool {
        let au = a.utf8, bu = b.utf8
        let count = au.count
        guard count == bu.count else { return false }
        let fast = au.withContiguousStorageIfAvailable { pa in
            bu.withContiguousStorageIfAvailable { pb in
                // SAFETY: `pa` and `pb` are the two strings' own UTF-8 buffers, valid inside these
                // closures, and both hold exactly `count` bytes (checked above: `utf8.count` is the
                // buffer's length); every load below ends at or before `count`.
                guard count > 0, let x = pa.baseAddress, let y = pb.baseAddress else { return true }
                return equalBytes(UnsafeRawPointer(x), UnsafeRawPointer(y), count: count)
            }
        }
        if let fast, let result = fast { return result }
        return au.elementsEqual(bu)
    }
}

extension VaultAction {
    /// The first depositor name the action carries (transfer: `from`), if any.
    var firstName: String? {
        switch self {
        case .deposit(let n, _), .requestWithdraw(let n, _), .cancelWithdraw(let n), .withdraw(let n),
            .transfer(let n, _, _), .crystallize(.depositor(let n)), .setAccess(let n, _):
            return n
        case .mark, .markInvalid, .accrue, .crystallize(.all), .setFees, .cancelFeeUpdate, .setPermissioned:
            return nil
        }
    }

    /// Calls `body` with each name the action carries.
    func forEachName(_ body: (String) -> Void) {
        switch self {
        case .transfer(let from, let to, _):
            body(from)
            body(to)
        default:
            if let n = firstName { body(n) }
        }
    }
}

/// The packed log's bytes: a heap block owned by one object (copied on write by ``PackedLog``).
///
/// `@unchecked Sendable`: ``PackedLog`` writes to a block only while it holds the one reference
/// to it (`isKnownUniquelyReferenced`, otherwise it copies first), so a block shared between
/// values, and so between threads, is only ever read.
final class PackedBytes: @unchecked Sendable {
    /// Start of the block (`capacity` bytes, of which `count` are written).
    let base: UnsafeMutableRawPointer
    /// Bytes written.
    var count: Int
    /// Bytes allocated.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 256)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
        count = 0
    }

    /// A copy of the written bytes in a block of at least `minimumCapacity` bytes: the same
    /// capacity when that is enough (a copy made only because the block is shared), otherwise at
    /// least double it, so appends stay amortised O(1).
    func copy(minimumCapacity: Int) -> PackedBytes {
        let grown = minimumCapacity <= capacity ? capacity : max(minimumCapacity, capacity < (1 << 40) ? 2 * capacity : capacity)
        let c = PackedBytes(capacity: grown)
        // Safe: both blocks hold at least `count` bytes (c.capacity ≥ capacity ≥ count) and are distinct.
        c.base.copyMemory(from: base, byteCount: count)
        c.count = count
        return c
    }

    deinit { base.deallocate() }
}

/// Writes a record into memory the caller has reserved.
///
/// Contract (what makes the unchecked stores safe): the caller reserved at least
/// ``PackedLog/maxFixedRecordBytes`` plus, for each string written, its UTF-8 length + 9 bytes
/// past the start pointer. Each integer write stores 1 + 8 (or 1 + 16) bytes even when it keeps
/// fewer, so every write stays within 17 bytes of the fields' bound; `appendApplied` checks
/// `n <= room` after the record and ``PackedLogTests`` writes records at the widest values.
struct ByteWriter {
    let p: UnsafeMutableRawPointer
    /// Bytes written so far.
    var n = 0

    init(_ p: UnsafeMutableRawPointer) { self.p = p }

    @inline(__always) mutating func u8(_ b: UInt8) {
        p.storeBytes(of: b, toByteOffset: n, as: UInt8.self)
        n &+= 1
    }

    /// A length byte (0–8) then that many low bytes of `v`, little-endian.
    @inline(__always) mutating func u64(_ v: UInt64) {
        let length = (71 &- v.leadingZeroBitCount) &>> 3
        p.storeBytes(of: UInt8(truncatingIfNeeded: length), toByteOffset: n, as: UInt8.self)
        // Stores all 8 bytes; only `length` of them count (the rest is overwritten or unused).
        p.storeBytes(of: v.littleEndian, toByteOffset: n &+ 1, as: UInt64.self)
        n &+= 1 &+ length
    }

    /// A length byte (0–16) then that many low bytes of `v`, little-endian.
    @inline(__always) mutating func u128(_ v: UInt128) {
        let length = (135 &- v.leadingZeroBitCount) &>> 3
        p.storeBytes(of: UInt8(truncatingIfNeeded: length), toByteOffset: n, as: UInt8.self)
        p.storeBytes(of: UInt64(truncatingIfNeeded: v).littleEndian, toByteOffset: n &+ 1, as: UInt64.self)
        p.storeBytes(of: UInt64(truncatingIfNeeded: v &>> 64).littleEndian, toByteOffset: n &+ 9, as: UInt64.self)
        n &+= 1 &+ length
    }

    /// Zigzag (small magnitudes of either sign stay short).
    @inline(__always) mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: (v &<< 1) ^ (v &>> 63))) }
    @inline(__always) mutating func i128(_ v: Int128) { u128(UInt128(bitPattern: (v &<< 1) ^ (v &>> 127))) }

    /// Length (as ``u64(_:)``) then the UTF-8 bytes.
    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            u64(UInt64(utf8.count))
            if let src = utf8.baseAddress {
                // Safe: the caller reserved utf8.count + 9 bytes for this string.
                (p + n).copyMemory(from: src, byteCount: utf8.count)
            }
            n &+= utf8.count
        }
    }

    mutating func fees(after a: FeeTotals, before b: FeeTotals) {
        i64(a.managementFee.raw)
        i64(b.managementFee.raw &- a.managementFee.raw)
        i64(a.protocolFee.raw)
        i64(b.protocolFee.raw &- a.protocolFee.raw)
        i64(a.performanceFee.raw)
        i64(b.performanceFee.raw &- a.performanceFee.raw)
        i64(a.protocolProfitShare.raw)
        i64(b.protocolProfitShare.raw &- a.protocolProfitShare.raw)
    }

    mutating func feeTerms(_ f: FeeTerms) {
        i64(f.managementFee.raw)
        i64(f.performanceFee.raw)
        i64(f.hurdleRate.raw)
        u8(f.hurdle.rawValue)
        i64(f.protocolFee.raw)
        i64(f.protocolProfitShare.raw)
    }

    /// Tag (1–13, the canonical encoding's action tags) and payload.
    mutating func action(_ a: VaultAction) {
        switch a {
        case .deposit(let name, let amount):
            u8(1)
            string(name)
            i64(amount.raw)
        case .requestWithdraw(let name, let unit):
            u8(2)
            string(name)
            switch unit {
            case .amount(let x):
                u8(1)
                i64(x.raw)
            case .shares(let x):
                u8(2)
                i128(x.raw)
            case .percent(let x):
                u8(3)
                i64(x.raw)
            }
        case .cancelWithdraw(let name):
            u8(3)
            string(name)
        case .withdraw(let name):
            u8(4)
            string(name)
        case .transfer(let from, let to, let shares):
            u8(5)
            string(from)
            string(to)
            i128(shares.raw)
        case .mark(let equity):
            u8(6)
            i64(equity.raw)
        case .markInvalid: u8(7)
        case .accrue: u8(8)
        case .crystallize(.depositor(let name)):
            u8(9)
            u8(1)
            string(name)
        case .crystallize(.all):
            u8(9)
            u8(2)
        case .setFees(let fees):
            u8(10)
            feeTerms(fees)
        case .cancelFeeUpdate: u8(11)
        case .setPermissioned(let on):
            u8(12)
            u8(on ? 1 : 0)
        case .setAccess(let name, let allowed):
            u8(13)
            string(name)
            u8(allowed ? 1 : 0)
        }
    }
}

/// Reads what ``ByteWriter`` wrote; every read is bounds-checked against the written bytes.
struct ByteReader {
    let p: UnsafeRawPointer
    /// Read position.
    var n: Int
    /// End of the written bytes.
    let end: Int

    init(_ p: UnsafeMutableRawPointer, offset: Int, end: Int) {
        self.p = UnsafeRawPointer(p)
        n = offset
        self.end = end
    }

    @inline(__always) mutating func u8() -> UInt8 {
        precondition(n < end, "packed log read past its end")
        let b = p.load(fromByteOffset: n, as: UInt8.self)
        n &+= 1
        return b
    }

    /// The low `length` bytes (0–8) of a little-endian word: a mask of `length × 8` one bits
    /// (the non-masking shift gives 0 for `length` 0).
    @inline(__always) static func lowBytes(_ length: Int) -> UInt64 { UInt64.max >> (64 &- 8 &* length) }

    mutating func u64() -> UInt64 {
        let length = Int(u8())
        precondition(length <= 8 && n + length <= end, "corrupt packed log")
        var v: UInt64 = 0
        if end &- n >= 8 {
            // Safe: `n + 8 <= end`, so the 8 bytes lie inside the written bytes; loadUnaligned
            // allows any alignment. Bytes past `length` belong to the next field: masked off.
            // (`PackedLogTests` round-trips every length at the end of the log and away from it.)
            v = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: n, as: UInt64.self)) & Self.lowBytes(length)
        } else {
            for i in 0..<length { v |= UInt64(p.load(fromByteOffset: n + i, as: UInt8.self)) << (8 * UInt64(i)) }
        }
        n += length
        return v
    }

    mutating func u128() -> UInt128 {
        let length = Int(u8())
        precondition(length <= 16 && n + length <= end, "corrupt packed log")
        var v: UInt128 = 0
        if end &- n >= 16 {
            // Safe: `n + 16 <= end`, so both 8-byte loads lie inside the written bytes; bytes
            // past `length` are masked off, as in `u64()`.
            let low = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: n, as: UInt64.self))
            let high = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: n &+ 8, as: UInt64.self))
            if length <= 8 {
                v = UInt128(low & Self.lowBytes(length))
            } else {
                v = UInt128(high & Self.lowBytes(length &- 8)) &<< 64 | UInt128(low)
            }
        } else {
            for i in 0..<length { v |= UInt128(p.load(fromByteOffset: n + i, as: UInt8.self)) << (8 * UInt128(i)) }
        }
        n += length
        return v
    }

    mutating func i64() -> Int64 {
        let u = u64()
        return Int64(bitPattern: (u &>> 1) ^ (0 &- (u & 1)))
    }

    mutating func i128() -> Int128 {
        let u = u128()
        return Int128(bitPattern: (u &>> 1) ^ (0 &- (u & 1)))
    }

    mutating func bool() -> Bool { u8() != 0 }

    mutating func string() -> String {
        let count = Int(u64())
        precondition(count >= 0 && n + count <= end, "corrupt packed log")
        let s = String(decoding: UnsafeRawBufferPointer(start: p + n, count: count), as: UTF8.self)
        n += count
        return s
    }

    mutating func fees() -> (after: FeeTotals, before: FeeTotals) {
        let m = i64(), dm = i64(), p = i64(), dp = i64(), f = i64(), df = i64(), s = i64(), ds = i64()
        return (
            FeeTotals(
                managementFee: Amount(raw: m), protocolFee: Amount(raw: p), performanceFee: Amount(raw: f),
                protocolProfitShare: Amount(raw: s)),
            FeeTotals(
                managementFee: Amount(raw: m &+ dm), protocolFee: Amount(raw: p &+ dp),
                performanceFee: Amount(raw: f &+ df), protocolProfitShare: Amount(raw: s &+ ds))
        )
    }

    mutating func feeTerms() -> FeeTerms {
        let m = i64(), pf = i64(), h = i64()
        guard let kind = HurdleKind(rawValue: u8()) else { preconditionFailure("corrupt packed log") }
        let pr = i64(), ps = i64()
        return FeeTerms(
            managementFee: Ppm(raw: m), performanceFee: Ppm(raw: pf), hurdleRate: Ppm(raw: h), hurdle: kind,
            protocolFee: Ppm(raw: pr), protocolProfitShare: Ppm(raw: ps))
    }

    mutating func action(tag: UInt8) -> VaultAction {
        switch tag {
        case 1:
            let name = string()
            return .deposit(depositor: name, amount: Amount(raw: i64()))
        case 2:
            let name = string()
            switch u8() {
            case 1: return .requestWithdraw(depositor: name, .amount(Amount(raw: i64())))
            case 2: return .requestWithdraw(depositor: name, .shares(Shares(raw: i128())))
            case 3: return .requestWithdraw(depositor: name, .percent(Ppm(raw: i64())))
            default: preconditionFailure("corrupt packed log")
            }
        case 3: return .cancelWithdraw(depositor: string())
        case 4: return .withdraw(depositor: string())
        case 5:
            let from = string(), to = string()
            return .transfer(from: from, to: to, shares: Shares(raw: i128()))
        case 6: return .mark(equity: Amount(raw: i64()))
        case 7: return .markInvalid
        case 8: return .accrue
        case 9:
            switch u8() {
            case 1: return .crystallize(.depositor(string()))
            case 2: return .crystallize(.all)
            default: preconditionFailure("corrupt packed log")
            }
        case 10: return .setFees(feeTerms())
        case 11: return .cancelFeeUpdate
        case 12: return .setPermissioned(bool())
        case 13:
            let name = string()
            return .setAccess(depositor: name, allowed: bool())
        default: preconditionFailure("corrupt packed log")
        }
    }
}
