import MarketCore
import VaultLedger

/// Why a stored event's canonical bytes could not be read back.
struct MalformedEvent: Error, CustomStringConvertible {
    var description: String
}

/// Reads the canonical encoding written by `VaultEvent.canonicalBytes` (VaultLedger
/// `VaultEvent+Encoding.swift`, format version 2) back into a ``VaultEvent``.
///
/// The reader is strict, so that decoding is one-to-one: booleans are 0 or 1, tags are known,
/// an absent optional's placeholder is zero, strings are valid UTF-8 and every byte is consumed.
/// Any other byte string is refused, so the hash `Vault.replay` computes from the decoded fields
/// is the hash of the stored bytes themselves: editing any stored byte is detected.
/// Use it only inside the scope that owns `bytes`.
struct CanonicalReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Format version of the encoding this reader understands (see `VaultEvent.encodingVersion`).
    static let encodingVersion: UInt8 = 2

    var isAtEnd: Bool { offset == bytes.count }

    @inline(__always) mutating func u8() throws(MalformedEvent) -> UInt8 {
        guard offset < bytes.count else { throw MalformedEvent(description: "event bytes end early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    @inline(__always) mutating func u64() throws(MalformedEvent) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw MalformedEvent(description: "event bytes end early") }
        // Safe: the guard leaves 8 bytes at `offset` inside the buffer; loadUnaligned allows any alignment.
        let x = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        offset += 8
        return x
    }

    @inline(__always) mutating func i64() throws(MalformedEvent) -> Int64 { Int64(bitPattern: try u64()) }

    @inline(__always) mutating func i128() throws(MalformedEvent) -> Int128 {
        let hi = try u64(), lo = try u64()
        return Int128(bitPattern: UInt128(hi) << 64 | UInt128(lo))
    }

    @inline(__always) mutating func bool() throws(MalformedEvent) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let b: throw MalformedEvent(description: "boolean byte \(b) is not 0 or 1")
        }
    }

    mutating func string() throws(MalformedEvent) -> String {
        var count = 0
        for _ in 0..<4 { count = count << 8 | Int(try u8()) }
        guard bytes.count - offset >= count else { throw MalformedEvent(description: "string runs past the event bytes") }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        // ASCII (every byte below 0x80) is valid UTF-8 as it stands: decode it without the
        // validating pass; anything else must validate strictly.
        var ascii = true
        for b in slice where b >= 0x80 {
            ascii = false
            break
        }
        if ascii { return String(decoding: slice, as: UTF8.self) }
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw MalformedEvent(description: "string is not valid UTF-8")
        }
        return s
    }

    /// Reads a string that is usually `candidate` (an event's actor is usually the name its
    /// action carries): when the stored bytes are exactly `candidate`'s UTF-8, returns
    /// `candidate` itself instead of building (and validating) a second equal string; otherwise,
    /// or on any length problem, reads it as ``string()`` does, with the same errors. Either way
    /// the result has exactly the stored bytes.
    mutating func string(reusing candidate: String?) throws(MalformedEvent) -> String {
        guard let candidate, bytes.count - offset >= 4 else { return try string() }
        // Safe: the guard leaves 4 bytes at `offset` inside the buffer.
        let count = Int(UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        let start = offset + 4
        guard bytes.count - start >= count, candidate.utf8.count == count else { return try string() }
        let same = candidate.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            // SAFETY: `utf8` holds `count` bytes (its count, checked above) and the event bytes
            // hold `count` bytes from `start` (checked above); the loop reads below `count` in both.
            // `ColumnReaderTests.reusedActorIsOnlyTakenOnEqualBytes` edits those bytes.
            guard let base = bytes.baseAddress else { return count == 0 }
            var i = 0
            while i < count {
                if utf8[i] != base.load(fromByteOffset: start &+ i, as: UInt8.self) { return false }
                i &+= 1
            }
            return true
        }
        guard same == true else { return try string() }
        offset = start + count
        return candidate
    }

    @inline(__always) mutating func digest() throws(MalformedEvent) -> SHA256Digest {
        SHA256Digest(try u64(), try u64(), try u64(), try u64())
    }

    @inline(__always) mutating func amount() throws(MalformedEvent) -> Amount { Amount(raw: try i64()) }
    @inline(__always) mutating func ppm() throws(MalformedEvent) -> Ppm { Ppm(raw: try i64()) }
    @inline(__always) mutating func shares() throws(MalformedEvent) -> Shares { Shares(raw: try i128()) }

    mutating func fees() throws(MalformedEvent) -> FeeTotals {
        FeeTotals(
            managementFee: try amount(), protocolFee: try amount(), performanceFee: try amount(),
            protocolProfitShare: try amount())
    }

    mutating func feeTerms() throws(MalformedEvent) -> FeeTerms {
        let management = try ppm(), performance = try ppm(), hurdleRate = try ppm()
        let kind = try u8()
        guard let hurdle = HurdleKind(rawValue: kind) else {
            throw MalformedEvent(description: "unknown hurdle kind \(kind)")
        }
        return FeeTerms(
            managementFee: management, performanceFee: performance, hurdleRate: hurdleRate, hurdle: hurdle,
            protocolFee: try ppm(), protocolProfitShare: try ppm())
    }

    mutating func terms() throws(MalformedEvent) -> VaultTerms {
        let fees = try feeTerms()
        let offsetDigits = try i64()
        guard (0...12).contains(offsetDigits) else {
            throw MalformedEvent(description: "share offset digits \(offsetDigits) out of range")
        }
        let minDeposit = try amount()
        let hasMax = try bool()
        let maxRaw = try i64()
        if !hasMax && maxRaw != 0 { throw MalformedEvent(description: "absent max tokens has a value") }
        return VaultTerms(
            fees: fees, shareOffsetDigits: Int(offsetDigits), minDeposit: minDeposit,
            maxTokens: hasMax ? Amount(raw: maxRaw) : nil, permissioned: try bool(), lockUpSeconds: try i64(),
            redeemPeriodSeconds: try i64(), managerMinimumStake: try ppm(), protocolName: try string(),
            pointsPerSecond: try i64())
    }

    mutating func action() throws(MalformedEvent) -> VaultAction {
        let tag = try u8()
        switch tag {
        case 1: return .deposit(depositor: try string(), amount: try amount())
        case 2:
            let name = try string()
            let unit: WithdrawUnit
            switch try u8() {
            case 1: unit = .amount(try amount())
            case 2: unit = .shares(try shares())
            case 3: unit = .percent(try ppm())
            case let t: throw MalformedEvent(description: "unknown withdrawal unit tag \(t)")
            }
            return .requestWithdraw(depositor: name, unit)
        case 3: return .cancelWithdraw(depositor: try string())
        case 4: return .withdraw(depositor: try string())
        case 5: return .transfer(from: try string(), to: try string(), shares: try shares())
        case 6: return .mark(equity: try amount())
        case 7: return .markInvalid
        case 8: return .accrue
        case 9:
            switch try u8() {
            case 1: return .crystallize(.depositor(try string()))
            case 2: return .crystallize(.all)
            case let t: throw MalformedEvent(description: "unknown crystallize target tag \(t)")
            }
        case 10: return .setFees(try feeTerms())
        case 11: return .cancelFeeUpdate
        case 12: return .setPermissioned(try bool())
        case 13: return .setAccess(depositor: try string(), allowed: try bool())
        default: throw MalformedEvent(description: "unknown action tag \(tag)")
        }
    }

    mutating func receipt() throws(MalformedEvent) -> VaultReceipt {
        let sequence = try i64(), amount = try amount(), shares = try shares()
        let performanceFee = try self.amount(), performanceFeeShares = try self.shares()
        let managementFee = try self.amount()
        let hasEffective = try bool()
        let effective = try i64()
        if !hasEffective && effective != 0 { throw MalformedEvent(description: "absent fee effective time has a value") }
        return VaultReceipt(
            sequence: sequence, amount: amount, shares: shares, performanceFee: performanceFee,
            performanceFeeShares: performanceFeeShares, managementFee: managementFee,
            feesEffectiveAt: hasEffective ? Timestamp(milliseconds: effective) : nil)
    }

    /// Reads a whole event; `hash` is set to `hash` (the bytes do not contain it).
    mutating func event(hash: SHA256Digest) throws(MalformedEvent) -> VaultEvent {
        let version = try u8()
        guard version == Self.encodingVersion else {
            throw MalformedEvent(description: version < Self.encodingVersion
                ? "event encoding version \(version) was written under earlier fee rules; this build replays version \(Self.encodingVersion) only (recreate the vault)"
                : "unknown event encoding version \(version)")
        }
        let previousHash = try digest()
        let sequence = try i64()
        let time = Timestamp(milliseconds: try i64())
        let entry: VaultEvent.Entry
        switch try u8() {
        case 0: entry = .created(terms: try terms(), manager: try string())
        case 1: entry = .applied(try action())
        case let t: throw MalformedEvent(description: "unknown entry tag \(t)")
        }
        // The name the action carries (transfer: `from`), usually also the actor.
        var name: String? = nil
        if case .applied(let action) = entry {
            switch action {
            case .deposit(let n, _), .requestWithdraw(let n, _), .cancelWithdraw(let n), .withdraw(let n),
                .transfer(let n, _, _), .crystallize(.depositor(let n)), .setAccess(let n, _):
                name = n
            case .mark, .markInvalid, .accrue, .crystallize(.all), .setFees, .cancelFeeUpdate, .setPermissioned:
                break
            }
        }
        let event = VaultEvent(
            sequence: sequence, time: time, entry: entry, actor: try string(reusing: name), equityBefore: try amount(),
            equityAfter: try amount(), totalSharesBefore: try shares(), totalSharesAfter: try shares(),
            actorSharesBefore: try shares(), actorSharesAfter: try shares(), actorValueBefore: try amount(),
            actorValueAfter: try amount(), feesBefore: try fees(), feesAfter: try fees(), receipt: try receipt(),
            previousHash: previousHash, hash: hash)
        guard isAtEnd else { throw MalformedEvent(description: "event bytes have \(bytes.count - offset) trailing bytes") }
        return event
    }
}

extension VaultEvent {
    /// Decodes an event from its canonical bytes and its stored hash.
    /// - Throws: ``MalformedEvent`` when the bytes are not a version-1 canonical encoding.
    static func decode(canonical bytes: UnsafeRawBufferPointer, hash: SHA256Digest) throws(MalformedEvent) -> VaultEvent {
        var reader = CanonicalReader(bytes)
        return try reader.event(hash: hash)
    }

    /// A short name for the event's kind, stored in its own column for queries.
    var kindName: String {
        switch entry {
        case .created: return "created"
        case .applied(let action):
            switch action {
            case .deposit: return "deposit"
            case .requestWithdraw: return "requestWithdraw"
            case .cancelWithdraw: return "cancelWithdraw"
            case .withdraw: return "withdraw"
            case .transfer: return "transfer"
            case .mark: return "mark"
            case .markInvalid: return "markInvalid"
            case .accrue: return "accrue"
            case .crystallize: return "crystallize"
            case .setFees: return "setFees"
            case .cancelFeeUpdate: return "cancelFeeUpdate"
            case .setPermissioned: return "setPermissioned"
            case .setAccess: return "setAccess"
            }
        }
    }
}

extension SHA256Digest {
    /// Reads 32 bytes (a BLOB column) as a digest; nil for any other length.
    init?(blob: UnsafeRawBufferPointer) {
        guard blob.count == 32 else { return nil }
        func word(_ at: Int) -> UInt64 {
            // Safe: at ≤ 24 and the blob holds 32 bytes; loadUnaligned allows any alignment.
            UInt64(bigEndian: blob.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        }
        self.init(word(0), word(8), word(16), word(24))
    }
}
