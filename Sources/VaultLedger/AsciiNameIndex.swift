/// A second index of the depositor table, for names that are all ASCII: what ``Vault/slot(of:)``
/// consults first, so the usual lookup hashes a few bytes instead of a `String` (the
/// dictionary `Vault.slots` hashes with SipHash and compares by canonical equivalence).
///
/// Why looking here first finds exactly what `slots` would:
/// - it holds only names of depositors, each exactly as it was added, with its index;
/// - two ASCII strings are canonically equivalent only when their bytes are equal, so an ASCII
///   name found here is the one key of `slots` that matches it, with the same index;
/// - a depositor exists only if its name matched neither the manager's nor the protocol's when
///   it was added, and those names never change, so a name found here is neither of them;
/// - anything not found here (a new name, a name with non-ASCII bytes, or an ASCII name equivalent
///   to a stored non-ASCII one, such as `K` and the Kelvin sign) goes on to the manager, the
///   protocol and `slots`, as before.
///
/// A value type (its buckets are an array, copied on write with the vault). `slots` stays the
/// authority; ``Vault/checkInvariants()`` checks the two agree, and `HotPathTests` checks the
/// lookups against `slots` on names that collide, names that are canonically equivalent and
/// tables that grow.
struct AsciiNameIndex: Sendable {
    /// Open addressing with linear probing: a depositor's index + 1, or 0 for an empty bucket.
    /// The count is a power of two (or 0), at least twice ``count``, so a probe always ends.
    private var buckets: [Int32] = []
    /// Names indexed.
    private(set) var count = 0

    /// A hash of `name`'s UTF-8 bytes (FNV-1a, folded), or nil if some byte is not ASCII.
    @inline(__always) static func hash(_ name: String) -> Int? {
        var name = name
        return name.withUTF8 { bytes in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            var all: UInt8 = 0
            for b in bytes {
                all |= b
                h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3
            }
            return all < 0x80 ? Int(truncatingIfNeeded: h ^ (h &>> 29)) : nil
        }
    }

    /// The index of the depositor named exactly `name`, if `name` is ASCII and indexed.
    /// - Parameter depositors: the vault's depositor table (names are compared against it).
    @inline(__always) func index(of name: String, in depositors: ContiguousArray<VaultAccount>) -> Int? {
        guard count > 0, let h = Self.hash(name) else { return nil }
        let mask = buckets.count &- 1
        var b = h & mask
        while true {
            let entry = Int(buckets[b])
            if entry == 0 { return nil }
            // Both ASCII (only ASCII names are indexed), so `==` is byte equality here.
            if depositors[entry &- 1].name == name { return entry &- 1 }
            b = (b &+ 1) & mask
        }
    }

    /// Indexes the depositor at `index` (already in `depositors`) if its name is ASCII.
    /// - Precondition: no indexed name equals it (the vault adds a depositor only for a new name).
    mutating func add(_ index: Int, in depositors: ContiguousArray<VaultAccount>) {
        guard let h = Self.hash(depositors[index].name) else { return }
        precondition(index < Int(Int32.max), "too many depositors for the name index")
        if (count &+ 1) &* 2 > buckets.count {
            // Re-place every indexed depositor in a table twice the size (at least 16).
            let old = buckets
            buckets = [Int32](repeating: 0, count: Swift.max(16, old.count &* 2))
            for entry in old where entry != 0 {
                // Indexed names are ASCII, so their hash is not nil.
                place(Int(entry) &- 1, hash: Self.hash(depositors[Int(entry) &- 1].name)!)
            }
        }
        place(index, hash: h)
        count &+= 1
    }

    /// Puts `index` in the first empty bucket from `hash` on (there is one: the table is at most half full).
    private mutating func place(_ index: Int, hash: Int) {
        let mask = buckets.count &- 1
        var b = hash & mask
        while buckets[b] != 0 { b = (b &+ 1) & mask }
        buckets[b] = Int32(truncatingIfNeeded: index &+ 1)
    }
}
