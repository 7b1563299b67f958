import MarketCore

extension Vault {
    /// Appends an event built whole (the creation event), hashing it now if sealing every action.
    mutating func appendEvent(_ event: VaultEvent) {
        log.append(event, manager: managerRecord.name)
        nextSequence += 1
        if sealing == .everyAction { seal() }
    }

    /// Sequence number of the first buffered event.
    var firstBufferedSequence: Int64 { nextSequence - Int64(log.count) }

    /// The buffered event at byte `offset` (its `index`-th), without hashes.
    func decodeEvent(at offset: Int, index: Int) -> (event: VaultEvent, next: Int) {
        log.decode(at: offset, sequence: firstBufferedSequence + Int64(index), manager: managerRecord.name)
    }

    /// Hashes every event not yet hashed, chaining each to the one before.
    /// - Returns: the hash of the last event.
    /// - Complexity: O(unsealed events).
    @discardableResult public mutating func seal() -> SHA256Digest {
        while sealedCount < log.count {
            var (event, next) = decodeEvent(at: sealedOffset, index: sealedCount)
            event.previousHash = head
            let hash = event.computeHash()
            hashes.append(hash)
            head = hash
            sealedOffset = next
            sealedCount += 1
        }
        return head
    }

    /// The buffered events with their hashes; the log must be sealed.
    func sealedEvents() -> [VaultEvent] {
        precondition(sealedCount == log.count, "the log is not sealed")
        var out: [VaultEvent] = []
        out.reserveCapacity(log.count)
        var offset = 0
        var previous = baseHash
        for i in 0..<log.count {
            var (event, next) = decodeEvent(at: offset, index: i)
            event.previousHash = previous
            event.hash = hashes[i]
            previous = event.hash
            out.append(event)
            offset = next
        }
        return out
    }

    /// The log since creation (or since the last ``drainEvents()``), every event hashed.
    /// - Complexity: O(events) (decodes the packed log; hashes the unsealed tail of a copy).
    public var events: [VaultEvent] {
        if sealedCount == log.count { return sealedEvents() }
        var copy = self
        copy.seal()
        return copy.sealedEvents()
    }

    /// The latest event, hashed (what a store persists after each applied action).
    /// - Complexity: O(1) when sealed; otherwise O(unsealed events).
    public var lastEvent: VaultEvent? {
        guard log.count > 0 else { return nil }
        if sealedCount == log.count {
            var (event, _) = decodeEvent(at: log.lastOffset, index: log.count - 1)
            event.previousHash = sealedCount >= 2 ? hashes[sealedCount - 2] : baseHash
            event.hash = head
            return event
        }
        var hash = head
        var offset = sealedOffset
        for i in sealedCount..<log.count {
            var (event, next) = decodeEvent(at: offset, index: i)
            event.previousHash = hash
            event.hash = event.computeHash()
            if i == log.count - 1 { return event }
            hash = event.hash
            offset = next
        }
        return nil  // not reached: the loop returns at the last event
    }

    /// The hash of the latest event: what the next event will carry as its `previousHash`.
    public var lastHash: SHA256Digest {
        var hash = head
        var offset = sealedOffset
        for i in sealedCount..<log.count {
            var (event, next) = decodeEvent(at: offset, index: i)
            event.previousHash = hash
            hash = event.computeHash()
            offset = next
        }
        return hash
    }

    /// Reserves room for `count` more buffered events, so a long backtest does not pay for the
    /// log's regrowth (copying every buffered event each time it doubles). Reserves address
    /// space: memory the log never writes is never touched.
    public mutating func reserveEventCapacity(_ count: Int) {
        log.reserve(events: count)
        if sealing == .everyAction { hashes.reserveCapacity(hashes.count + count) }
    }

    /// Number of events ever appended (the next event's sequence number).
    public var eventCount: Int64 { nextSequence }

    /// Empties the buffer; the chain continues from `head`.
    private mutating func clearBuffer() {
        log.removeAll()
        hashes.removeAll(keepingCapacity: true)
        sealedCount = 0
        sealedOffset = 0
        baseHash = head
    }

    /// Seals and removes the buffered events, returning them; the chain continues from
    /// ``lastHash``. For a host that persists each event and does not want the log in memory.
    public mutating func drainEvents() -> [VaultEvent] {
        seal()
        let out = sealedEvents()
        clearBuffer()
        return out
    }

    /// Removes the buffered, not yet hashed events if they are `stored` byte for byte apart from
    /// their hashes (the same canonical encoding: every string the same UTF-8, not merely equal
    /// as Swift compares strings), taking `stored`'s hashes as theirs; the chain then continues
    /// from the last of them. For a caller that re-executes a stored log without hashing it twice
    /// (the verifier adopts each vault's creation event this way, then ``reapply(_:)``s the rest):
    /// it must itself check that each stored `hash` is the SHA-256 of its event
    /// (``VaultEvent/isHashValid``); this method checks the rest of what ``seal()`` would
    /// produce: the sequence of events, and that each `previousHash` is the hash before it.
    /// - Returns: false, changing nothing, if anything differs (or some buffered event is sealed).
    /// - Complexity: O(events).
    public mutating func drainEvents(adopting stored: [VaultEvent]) -> Bool {
        guard sealedCount == 0, log.count == stored.count else { return false }
        let first = firstBufferedSequence
        let manager = managerRecord.name
        // The events are read in place through the array's buffer: binding `stored[i]` to a
        // local, or passing it on, copied the ~400-byte event (retaining its strings) each time.
        // SAFETY: the buffer is used only inside the closure, while `stored` (a parameter) is
        // alive and unchanged, and only at indices from its own `indices`.
        // `HotPathTests.adoptingAcceptsOnlyTheSameEvents` and `adoptingAndReapplyCompareBytes` read through it.
        let chained: SHA256Digest? = stored.withUnsafeBufferPointer { stored in
            var previous = head
            var offset = 0
            for i in stored.indices {
                if stored[i].previousHash != previous { return nil }
                if stored[i].sequence == first + Int64(i),
                    let next = log.recordEnd(ifPacking: stored[i], at: offset, manager: manager)
                {
                    // The buffered record is `stored[i]` packed, byte for byte: the same event (hashes apart).
                    offset = next
                } else {
                    let s = stored[i]
                    var (mine, next) = decodeEvent(at: offset, index: i)
                    mine.previousHash = s.previousHash
                    mine.hash = s.hash
                    // The canonical bytes, not `==`: Swift's `String ==` calls canonically
                    // equivalent strings equal ("K" and the Kelvin sign), whose bytes, and so
                    // hashes, differ. (Rare: the packed records differed; decoding is not hot.)
                    if mine.canonicalBytes != s.canonicalBytes { return nil }
                    offset = next
                }
                previous = stored[i].hash
            }
            return previous
        }
        guard let previous = chained else { return false }
        head = previous
        clearBuffer()
        return true
    }

    /// Re-applies a stored event's action and checks that it produces exactly that event, for a
    /// verifier that re-executes a stored log and has itself checked that the stored `hash` is
    /// the SHA-256 of the event (``VaultEvent/isHashValid``, or of its stored canonical bytes).
    /// Nothing is buffered or hashed: the chain moves on to `stored.hash`.
    ///
    /// What ``replay(_:)`` checks of one event, its hash apart: it is the next event
    /// (`sequence`), chained to the last (`previousHash` is ``lastHash``), an applied action the
    /// vault accepts at the event's time, and re-executing it gives an event equal to `stored`
    /// field for field (`==` on a ``VaultEvent`` built from the applied figures, as the packed log
    /// would decode it, so every field `VaultEvent` has is compared), with the actor's name the
    /// same UTF-8 bytes. (`String ==` calls canonically equivalent names equal, whose bytes, and so
    /// hashes, differ; the event's other strings are the action's names, taken from `stored`.)
    /// - Returns: false if anything differs, or if events are buffered (drain them first: a
    ///   replay drains its creation event with ``drainEvents(adopting:)``). After false the
    ///   vault may hold the refused event's effects: discard it.
    /// - Complexity: O(1) amortised, like ``apply(_:at:)``.
    public mutating func reapply(_ stored: borrowing VaultEvent) -> Bool {
        guard log.count == 0, stored.sequence == nextSequence, stored.previousHash == head,
            case .applied(let action) = stored.entry
        else { return false }
        let time = stored.time
        let equityBefore = core.equity, sharesBefore = core.totalShares, feesBefore = core.fees
        guard let plan = try? self.plan(action, at: time) else { return false }
        let (receipt, actorValueAfter) = conclude(plan, at: time)
        guard let actor = actorName(plan.actor, of: action) else { return false }
        let mine = VaultEvent(
            sequence: nextSequence, time: time, entry: .applied(action), actor: actor,
            equityBefore: Amount(raw: equityBefore), equityAfter: Amount(raw: core.equity),
            totalSharesBefore: Shares(raw: sharesBefore), totalSharesAfter: Shares(raw: core.totalShares),
            actorSharesBefore: Shares(raw: plan.actorSharesBefore), actorSharesAfter: Shares(raw: plan.actorSharesAfter),
            actorValueBefore: Amount(raw: plan.actorValueBefore), actorValueAfter: Amount(raw: actorValueAfter),
            feesBefore: feesBefore, feesAfter: core.fees, receipt: receipt,
            previousHash: stored.previousHash, hash: stored.hash)
        guard mine == stored, PackedLog.sameBytes(actor, stored.actor) else { return false }
        head = stored.hash
        baseHash = head
        nextSequence += 1
        return true
    }

    /// Checks the hash chain alone (no re-execution): sequence numbers follow on, each event's
    /// `previousHash` is the hash of the one before, and each `hash` matches its fields.
    /// - Parameters:
    ///   - events: consecutive events.
    ///   - previous: the hash before the first of them (zero for a log that starts at creation).
    /// - Throws: ``VaultLogError`` at the first bad event.
    /// - Complexity: O(total event size).
    public static func verifyChain(_ events: some Sequence<VaultEvent>, after previous: SHA256Digest = .zero)
        throws(VaultLogError)
    {
        var prev = previous
        var expected: Int64? = nil
        for event in events {
            if let e = expected, event.sequence != e { throw .sequenceGap(expected: e, found: event.sequence) }
            if event.previousHash != prev { throw .brokenChain(sequence: event.sequence) }
            if !event.isHashValid { throw .hashMismatch(sequence: event.sequence) }
            prev = event.hash
            expected = event.sequence + 1
        }
    }

    /// Rebuilds a vault from its complete log: verifies the chain, re-creates the vault from the
    /// first event, re-applies every action and checks each produces exactly the logged event.
    /// The result equals (`==`) the vault that wrote the log.
    /// - Parameter events: the log from creation on.
    /// - Returns: the rebuilt vault (sealing every action).
    /// - Throws: ``VaultLogError`` naming the first event that is missing, edited, refused or different.
    /// - Complexity: O(events).
    public static func replay(_ events: some Sequence<VaultEvent>) throws(VaultLogError) -> Vault {
        var iterator = events.makeIterator()
        guard let first = iterator.next(), case .created(let terms, let manager) = first.entry else {
            throw .missingGenesis
        }
        if first.sequence != 0 { throw .sequenceGap(expected: 0, found: first.sequence) }
        if first.previousHash != .zero { throw .brokenChain(sequence: 0) }
        if !first.isHashValid { throw .hashMismatch(sequence: 0) }
        var vault: Vault
        do {
            vault = try Vault(terms: terms, manager: manager, createdAt: first.time)
        } catch {
            throw .invalidGenesis(error)
        }
        if vault.lastEvent != first { throw .divergence(sequence: 0) }
        var previous = first.hash
        var expected: Int64 = 1
        while let event = iterator.next() {
            if event.sequence != expected { throw .sequenceGap(expected: expected, found: event.sequence) }
            if event.previousHash != previous { throw .brokenChain(sequence: event.sequence) }
            if !event.isHashValid { throw .hashMismatch(sequence: event.sequence) }
            guard let action = event.action else { throw .divergence(sequence: event.sequence) }
            if case .failure(let error) = vault.apply(action, at: event.time) {
                throw .refusedOnReplay(sequence: event.sequence, error)
            }
            if vault.lastEvent != event { throw .divergence(sequence: event.sequence) }
            previous = event.hash
            expected += 1
        }
        return vault
    }
}

extension Vault: Equatable {
    /// Same state and same log (hashes included), whatever the sealing mode.
    public static func == (lhs: Vault, rhs: Vault) -> Bool {
        guard lhs.core == rhs.core && lhs.managerRecord == rhs.managerRecord && lhs.protocolRecord == rhs.protocolRecord
            && lhs.depositors == rhs.depositors && lhs.slots == rhs.slots
            && lhs.nextSequence == rhs.nextSequence
        else { return false }
        guard lhs.log.count == rhs.log.count else { return false }
        // Same sealing progress: compare the buffered events and their stored hashes (no hashing).
        if lhs.sealedCount == rhs.sealedCount && lhs.head == rhs.head && lhs.baseHash == rhs.baseHash
            && lhs.hashes == rhs.hashes
        {
            var l = 0, r = 0
            for i in 0..<lhs.log.count {
                let (a, nl) = lhs.decodeEvent(at: l, index: i)
                let (b, nr) = rhs.decodeEvent(at: r, index: i)
                if a != b { return false }
                l = nl
                r = nr
            }
            return true
        }
        return lhs.events == rhs.events
    }
}
