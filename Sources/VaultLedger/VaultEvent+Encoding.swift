import MarketCore

/// Somewhere canonical bytes go: a scratch buffer that is then hashed, or an array for inspection.
protocol ByteSink {
    mutating func put(_ byte: UInt8)
    /// Eight bytes, big-endian.
    mutating func put(u64 x: UInt64)
    /// Raw bytes, in order.
    mutating func put(bytes: UnsafeRawBufferPointer)
}

extension ByteSink {
    @inline(__always) mutating func put(u64 x: UInt64) {
        var shift: UInt64 = 56
        while true {
            put(UInt8(truncatingIfNeeded: x >> shift))
            if shift == 0 { break }
            shift -= 8
        }
    }
    @inline(__always) mutating func put(bytes: UnsafeRawBufferPointer) {
        for b in bytes { put(b) }
    }
}

/// Collects bytes into an array.
struct ByteArraySink: ByteSink {
    var bytes: [UInt8] = []
    mutating func put(_ byte: UInt8) { bytes.append(byte) }
}

/// Writes bytes into a caller-provided scratch buffer and feeds the buffer to SHA-256 in one
/// `update` call per `capacity` bytes (once for every event whose names are at most 64 bytes:
/// the largest such event is about 600 bytes).
struct ScratchHashSink: ByteSink {
    /// The scratch buffer; `base[0..<count]` holds bytes not yet hashed.
    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    private var count = 0
    private var hasher = SHA256Hasher()

    /// - Parameter buffer: scratch memory that outlives the sink (at least 8 bytes).
    init(_ buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= 8, "the scratch buffer must hold at least one 8-byte word")
        // A non-empty buffer has a base address.
        base = buffer.baseAddress!
        capacity = buffer.count
    }

    /// Hashes the buffered bytes and empties the buffer.
    @inline(never) private mutating func flush() {
        // Safe: `count <= capacity`, so the range lies inside the caller's buffer.
        hasher.update(UnsafeRawBufferPointer(start: base, count: count))
        count = 0
    }

    @inline(__always) mutating func put(_ byte: UInt8) {
        if count == capacity { flush() }
        // Safe: count < capacity after the flush check, so the byte lands inside the buffer.
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count &+= 1
    }

    @inline(__always) mutating func put(u64 x: UInt64) {
        if capacity &- count < 8 { flush() }
        // Safe: 8 bytes are free after the check (capacity ≥ 8); storeBytes allows any alignment.
        base.storeBytes(of: x.bigEndian, toByteOffset: count, as: UInt64.self)
        count &+= 8
    }

    mutating func put(bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        while !rest.isEmpty {
            if count == capacity { flush() }
            let n = min(rest.count, capacity &- count)
            // Safe: n ≤ the free room and n ≤ rest.count; source and scratch do not overlap.
            (base + count).copyMemory(from: rest.baseAddress!, byteCount: n)
            count &+= n
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
    }

    /// Hashes what is left and returns the digest.
    mutating func finalize() -> SHA256Digest {
        if count > 0 { flush() }
        return hasher.finalize()
    }
}

/// Writes bytes into scratch memory with no capacity check per write: for an encoding whose
/// size the caller has bounded first (``VaultEvent/hashApplied(previousHash:sequence:time:action:actor:equityBefore:equityAfter:totalSharesBefore:totalSharesAfter:actorSharesBefore:actorSharesAfter:actorValueBefore:actorValueAfter:feesBefore:feesAfter:receipt:)``
/// checks ``VaultEvent/appliedEncodingBound(action:actor:)`` against the buffer). The bytes are
/// then hashed in one call. Same bytes as ``ScratchHashSink`` (the same encoder writes into both).
struct FittedScratchSink: ByteSink {
    /// Start of the scratch memory; the caller guarantees it holds every byte written.
    private let base: UnsafeMutableRawPointer
    /// Bytes written.
    private(set) var count = 0

    /// - Parameter buffer: scratch memory at least as large as everything that will be written.
    init(_ buffer: UnsafeMutableRawBufferPointer) {
        // A non-empty buffer has a base address.
        base = buffer.baseAddress!
    }

    @inline(__always) mutating func put(_ byte: UInt8) {
        // Safe: the caller bounded the encoding's size by the buffer's (see the type's comment).
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count &+= 1
    }

    @inline(__always) mutating func put(u64 x: UInt64) {
        // Safe: as above; storeBytes allows any alignment.
        base.storeBytes(of: x.bigEndian, toByteOffset: count, as: UInt64.self)
        count &+= 8
    }

    mutating func put(bytes: UnsafeRawBufferPointer) {
        if let src = bytes.baseAddress, bytes.count > 0 {
            // Safe: as above; the source (a string's UTF-8) does not overlap the scratch memory.
            (base + count).copyMemory(from: src, byteCount: bytes.count)
        }
        count &+= bytes.count
    }
}

extension ByteSink {
    @inline(__always) mutating func put(i64 x: Int64) { put(u64: UInt64(bitPattern: x)) }
    @inline(__always) mutating func put(i128 x: Int128) {
        let u = UInt128(bitPattern: x)
        put(u64: UInt64(truncatingIfNeeded: u >> 64))
        put(u64: UInt64(truncatingIfNeeded: u))
    }
    @inline(__always) mutating func put(bool b: Bool) { put(b ? 1 : 0) }
    /// Length (u32) then UTF-8 bytes.
    mutating func put(string s: String) {
        var s = s
        s.withUTF8 { utf8 in
            let count = utf8.count
            precondition(count <= Int(UInt32.max), "string too long for the log")
            for shift in stride(from: 24, through: 0, by: -8) { put(UInt8(truncatingIfNeeded: count >> shift)) }
            put(bytes: UnsafeRawBufferPointer(utf8))
        }
    }
    mutating func put(digest d: SHA256Digest) {
        put(u64: d.w0)
        put(u64: d.w1)
        put(u64: d.w2)
        put(u64: d.w3)
    }
    mutating func put(fees f: FeeTotals) {
        put(i64: f.managementFee.raw)
        put(i64: f.protocolFee.raw)
        put(i64: f.performanceFee.raw)
        put(i64: f.protocolProfitShare.raw)
    }
    mutating func put(feeTerms f: FeeTerms) {
        put(i64: f.managementFee.raw)
        put(i64: f.performanceFee.raw)
        put(i64: f.hurdleRate.raw)
        put(f.hurdle.rawValue)
        put(i64: f.protocolFee.raw)
        put(i64: f.protocolProfitShare.raw)
    }
    mutating func put(terms t: VaultTerms) {
        put(feeTerms: t.fees)
        put(i64: Int64(t.shareOffsetDigits))
        put(i64: t.minDeposit.raw)
        put(bool: t.maxTokens != nil)
        put(i64: t.maxTokens?.raw ?? 0)
        put(bool: t.permissioned)
        put(i64: t.lockUpSeconds)
        put(i64: t.redeemPeriodSeconds)
        put(i64: t.managerMinimumStake.raw)
        put(string: t.protocolName)
        put(i64: t.pointsPerSecond)
    }
    mutating func put(action a: VaultAction) {
        switch a {
        case .deposit(let name, let amount):
            put(1)
            put(string: name)
            put(i64: amount.raw)
        case .requestWithdraw(let name, let unit):
            put(2)
            put(string: name)
            switch unit {
            case .amount(let x):
                put(1)
                put(i64: x.raw)
            case .shares(let x):
                put(2)
                put(i128: x.raw)
            case .percent(let x):
                put(3)
                put(i64: x.raw)
            }
        case .cancelWithdraw(let name):
            put(3)
            put(string: name)
        case .withdraw(let name):
            put(4)
            put(string: name)
        case .transfer(let from, let to, let shares):
            put(5)
            put(string: from)
            put(string: to)
            put(i128: shares.raw)
        case .mark(let equity):
            put(6)
            put(i64: equity.raw)
        case .markInvalid:
            put(7)
        case .accrue:
            put(8)
        case .crystallize(let target):
            put(9)
            switch target {
            case .depositor(let name):
                put(1)
                put(string: name)
            case .all:
                put(2)
            }
        case .setFees(let fees):
            put(10)
            put(feeTerms: fees)
        case .cancelFeeUpdate:
            put(11)
        case .setPermissioned(let on):
            put(12)
            put(bool: on)
        case .setAccess(let name, let allowed):
            put(13)
            put(string: name)
            put(bool: allowed)
        }
    }
    mutating func put(receipt r: VaultReceipt) {
        put(i64: r.sequence)
        put(i64: r.amount.raw)
        put(i128: r.shares.raw)
        put(i64: r.performanceFee.raw)
        put(i128: r.performanceFeeShares.raw)
        put(i64: r.managementFee.raw)
        put(bool: r.feesEffectiveAt != nil)
        put(i64: r.feesEffectiveAt?.milliseconds ?? 0)
    }
}

extension VaultEvent {
    /// Format version written first in every event's canonical bytes. Version 2: the same fields,
    /// replayed under the version-2 fee rules (management and protocol fees on depositors only,
    /// yearly compounding over long gaps, the mark lowered by payouts); a version-1 log would
    /// replay to different numbers, so it is refused rather than misread.
    static let encodingVersion: UInt8 = 2

    /// Writes the canonical encoding: version, previous hash, then every field in declaration
    /// order; integers big-endian fixed width (`Int64` 8 bytes, `Int128` 16), strings as a u32
    /// length and UTF-8, optionals as a presence byte, enums as a tag byte then their payload.
    /// ``hash`` itself is not included.
    func encode(into sink: inout some ByteSink) {
        Self.encodeHead(into: &sink, previousHash: previousHash, sequence: sequence, time: time)
        switch entry {
        case .created(let terms, let manager):
            sink.put(0)
            sink.put(terms: terms)
            sink.put(string: manager)
        case .applied(let action):
            sink.put(1)
            sink.put(action: action)
        }
        Self.encodeFigures(
            into: &sink, actor: actor, equityBefore: equityBefore.raw, equityAfter: equityAfter.raw,
            totalSharesBefore: totalSharesBefore.raw, totalSharesAfter: totalSharesAfter.raw,
            actorSharesBefore: actorSharesBefore.raw, actorSharesAfter: actorSharesAfter.raw,
            actorValueBefore: actorValueBefore.raw, actorValueAfter: actorValueAfter.raw,
            feesBefore: feesBefore, feesAfter: feesAfter, receipt: receipt)
    }

    /// The canonical encoding's fields before the entry: version, previous hash, sequence, time.
    @inline(__always) static func encodeHead(
        into sink: inout some ByteSink, previousHash: SHA256Digest, sequence: Int64, time: Timestamp
    ) {
        sink.put(encodingVersion)
        sink.put(digest: previousHash)
        sink.put(i64: sequence)
        sink.put(i64: time.milliseconds)
    }

    /// The canonical encoding's fields after the entry: actor, figures, fees, receipt.
    @inline(__always) static func encodeFigures(
        into sink: inout some ByteSink, actor: String, equityBefore: Int64, equityAfter: Int64,
        totalSharesBefore: Int128, totalSharesAfter: Int128, actorSharesBefore: Int128, actorSharesAfter: Int128,
        actorValueBefore: Int64, actorValueAfter: Int64, feesBefore: FeeTotals, feesAfter: FeeTotals,
        receipt: VaultReceipt
    ) {
        sink.put(string: actor)
        sink.put(i64: equityBefore)
        sink.put(i64: equityAfter)
        sink.put(i128: totalSharesBefore)
        sink.put(i128: totalSharesAfter)
        sink.put(i128: actorSharesBefore)
        sink.put(i128: actorSharesAfter)
        sink.put(i64: actorValueBefore)
        sink.put(i64: actorValueAfter)
        sink.put(fees: feesBefore)
        sink.put(fees: feesAfter)
        sink.put(receipt: receipt)
    }

    /// The hash of the `applied` event with these fields: what ``computeHash()`` returns for the
    /// `VaultEvent` built from them, without building it (``Vault/apply(_:at:)`` hashes each
    /// event from the figures it has just applied when sealing every action). Same encoder
    /// (``encodeHead(into:previousHash:sequence:time:)``, the action, then
    /// ``encodeFigures(into:actor:equityBefore:equityAfter:totalSharesBefore:totalSharesAfter:actorSharesBefore:actorSharesAfter:actorValueBefore:actorValueAfter:feesBefore:feesAfter:receipt:)``),
    /// so the bytes cannot differ.
    /// - Complexity: O(size of the event); no allocation.
    static func hashApplied(
        previousHash: SHA256Digest, sequence: Int64, time: Timestamp, action: VaultAction, actor: String,
        equityBefore: Int64, equityAfter: Int64, totalSharesBefore: Int128, totalSharesAfter: Int128,
        actorSharesBefore: Int128, actorSharesAfter: Int128, actorValueBefore: Int64, actorValueAfter: Int64,
        feesBefore: FeeTotals, feesAfter: FeeTotals, receipt: VaultReceipt
    ) -> SHA256Digest {
        // The one encoding of an applied event, into either sink below.
        @inline(__always) func encode<S: ByteSink>(into sink: inout S) {
            encodeHead(into: &sink, previousHash: previousHash, sequence: sequence, time: time)
            sink.put(1)
            sink.put(action: action)
            encodeFigures(
                into: &sink, actor: actor, equityBefore: equityBefore, equityAfter: equityAfter,
                totalSharesBefore: totalSharesBefore, totalSharesAfter: totalSharesAfter,
                actorSharesBefore: actorSharesBefore, actorSharesAfter: actorSharesAfter,
                actorValueBefore: actorValueBefore, actorValueAfter: actorValueAfter,
                feesBefore: feesBefore, feesAfter: feesAfter, receipt: receipt)
        }
        return withUnsafeTemporaryAllocation(byteCount: scratchBytes, alignment: 16) { scratch in
            if appliedEncodingBound(action: action, actor: actor) <= scratch.count {
                // Every event with names of at most 64 bytes (so every one the ledger writes): the
                // bytes fit the scratch buffer, so they are written without a check per write.
                var sink = FittedScratchSink(scratch)
                encode(into: &sink)
                precondition(sink.count <= scratch.count, "the applied event's encoding overran its bound")
                return SHA256Digest(hashing: UnsafeRawBufferPointer(start: scratch.baseAddress, count: sink.count))
            }
            var sink = ScratchHashSink(scratch)
            encode(into: &sink)
            return sink.finalize()
        }
    }

    /// The bytes that ``hash`` covers (for a store that wants to keep or show them).
    public var canonicalBytes: [UInt8] {
        var sink = ByteArraySink()
        encode(into: &sink)
        return sink.bytes
    }

    /// SHA-256 of ``canonicalBytes``, computed from the fields as they are now.
    ///
    /// The event is encoded into a 1 KiB stack buffer and hashed in one call (names are at most
    /// 64 bytes, so every event the ledger writes fits; a longer one is hashed in pieces).
    /// - Complexity: O(size of the event); no allocation.
    public func computeHash() -> SHA256Digest {
        withUnsafeTemporaryAllocation(byteCount: Self.scratchBytes, alignment: 16) { scratch in
            var sink = ScratchHashSink(scratch)
            encode(into: &sink)
            return sink.finalize()
        }
    }

    /// Size of the stack buffer ``computeHash()`` encodes into.
    static let scratchBytes = 1024

    /// An upper bound of the canonical encoding's size for an `applied` event with this action
    /// and actor: its names' UTF-8 bytes plus ``appliedFixedBytesBound``.
    @inline(__always) static func appliedEncodingBound(action: VaultAction, actor: String) -> Int {
        var bound = appliedFixedBytesBound &+ actor.utf8.count
        action.forEachName { bound &+= $0.utf8.count }
        return bound
    }

    /// Bound on an `applied` event's canonical bytes apart from names: head 49 (version,
    /// previous hash, sequence, time), entry tag 1, action at most 50 (tag, the longest payload
    /// being the fee terms' 41 bytes or a transfer's two 4-byte name lengths and 16-byte
    /// shares), actor length 4, figures 96, fees 64, receipt 73: 337, rounded up.
    /// `HotPathTests.appliedEncodingFitsItsBound` checks it on every action kind at the widest values.
    static let appliedFixedBytesBound = 400

    /// Whether ``hash`` matches the fields.
    public var isHashValid: Bool { computeHash() == hash }
}
