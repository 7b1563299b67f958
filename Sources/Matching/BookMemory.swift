import MarketCore

/// The memory of one ``OrderBook``: its slot pool, free list, id map and the two level arrays,
/// allocated here and freed in `deinit`. Every element type is trivial (plain integers), so the
/// memory is never deinitialised element by element.
///
/// Ownership rule (what makes the book's unsafe pointers safe):
/// - the book reads and writes these buffers only through the pointers it holds, which always
///   equal the ones recorded here (a buffer that grows is re-recorded at once, and the old one
///   freed after its elements moved);
/// - the book mutates only after `isKnownUniquelyReferenced` on this object (copy-on-write): a copy
///   of a book shares the memory until either side mutates, and the mutating side first copies
///   every buffer into a fresh `BookMemory`. So no copy ever sees another's writes, and memory is
///   freed only when the last book holding it is gone;
/// - every index is checked against the buffer's count before use (`precondition`; a broken
///   invariant traps rather than touching memory outside the buffer).
/// `BookMemoryTests` checks value semantics across copies; the release ASan run in BENCHMARKS.md
/// covers the seeded streams.
final class BookMemory {
    var slots: UnsafeMutablePointer<Slot>
    var freeSlots: UnsafeMutablePointer<UInt32>
    var idToSlot: UnsafeMutablePointer<UInt32>
    var bids: UnsafeMutablePointer<Level>
    var asks: UnsafeMutablePointer<Level>

    init(slotCapacity: Int, idCapacity: Int, levelCapacity: Int) {
        slots = .allocate(capacity: slotCapacity)
        freeSlots = .allocate(capacity: slotCapacity)
        idToSlot = .allocate(capacity: idCapacity)
        idToSlot.initialize(repeating: kNil, count: idCapacity)
        bids = .allocate(capacity: levelCapacity)
        asks = .allocate(capacity: levelCapacity)
    }

    deinit {
        slots.deallocate()
        freeSlots.deallocate()
        idToSlot.deallocate()
        bids.deallocate()
        asks.deallocate()
    }
}

/// Moves the first `count` elements of `old` into a fresh buffer of `capacity` elements and frees
/// `old` (the growth step of every book buffer; the caller records the new pointer in its
/// ``BookMemory`` before anything else can free memory).
func relocate<T>(_ old: UnsafeMutablePointer<T>, count: Int, capacity: Int) -> UnsafeMutablePointer<T> {
    precondition(count >= 0 && count <= capacity, "relocating more elements than the new capacity")
    let fresh = UnsafeMutablePointer<T>.allocate(capacity: capacity)
    fresh.moveInitialize(from: old, count: count)
    old.deallocate()
    return fresh
}

/// A read-only view of one of a book's buffers (its levels, slots or id map) that keeps the
/// book's memory alive: while a view exists the memory is shared, so a mutation of the book
/// copies first and the view keeps seeing the state it was taken from. For tests, invariant
/// checks and cold paths; the hot paths read through the book's own accessors.
public struct BookView<Element>: RandomAccessCollection {
    let owner: BookMemory
    let base: UnsafePointer<Element>
    public let count: Int

    public typealias Indices = Range<Int>
    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public var indices: Range<Int> { 0..<count }
    public func index(after i: Int) -> Int { i + 1 }
    public func index(before i: Int) -> Int { i - 1 }
    public subscript(i: Int) -> Element {
        precondition(i >= 0 && i < count, "book view index out of range")
        return base[i]
    }
}

/// One side's sorted level array in a book's memory (best level last). A plain value: the book
/// owns the memory (``BookMemory``) and passes it in when the array must grow.
struct LevelArray: RandomAccessCollection {
    var base: UnsafeMutablePointer<Level>
    var count: Int
    var capacity: Int

    typealias Indices = Range<Int>
    var startIndex: Int { 0 }
    var endIndex: Int { count }
    var indices: Range<Int> { 0..<count }
    func index(after i: Int) -> Int { i + 1 }
    func index(before i: Int) -> Int { i - 1 }

    @inline(__always) subscript(i: Int) -> Level {
        get {
            precondition(i >= 0 && i < count, "level index out of range")
            return base[i]
        }
        nonmutating set {
            precondition(i >= 0 && i < count, "level index out of range")
            base[i] = newValue
        }
    }

    /// A pointer to level `i` (checked), to update its fields in place.
    @inline(__always) func at(_ i: Int) -> UnsafeMutablePointer<Level> {
        precondition(i >= 0 && i < count, "level index out of range")
        return base + i
    }

    var last: Level? { count > 0 ? base[count - 1] : nil }

    /// Binary search for `key` (ascending). Checks the best (last) level first.
    func search(_ key: Int64) -> (found: Bool, index: Int) {
        var hi = count
        if hi > 0 {
            let lastKey = base[hi - 1].key
            if lastKey == key { return (true, hi - 1) }
            if lastKey < key { return (false, hi) }
        }
        var lo = 0
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            let k = base[mid].key
            if k == key { return (true, mid) }
            if k < key { lo = mid &+ 1 } else { hi = mid }
        }
        return (false, lo)
    }

    /// Inserts `level` at `i` (0...count), shifting the better levels up by one.
    /// - Returns: the new base when the array had to grow (the caller records it), else nil.
    mutating func insert(_ level: Level, at i: Int) -> UnsafeMutablePointer<Level>? {
        precondition(i >= 0 && i <= count, "level insert index out of range")
        var grown: UnsafeMutablePointer<Level>? = nil
        if count == capacity {
            capacity = Swift.max(capacity * 2, 16)
            base = relocate(base, count: count, capacity: capacity)
            grown = base
        }
        // Overlapping move (allowed by `moveInitialize`): [i, count) up one place.
        if i < count { (base + i + 1).moveInitialize(from: base + i, count: count - i) }
        (base + i).initialize(to: level)
        count += 1
        return grown
    }

    /// Removes level `i`, shifting the better levels down by one.
    mutating func remove(at i: Int) {
        precondition(i >= 0 && i < count, "level remove index out of range")
        if i < count - 1 { (base + i).moveInitialize(from: base + i + 1, count: count - 1 - i) }
        count -= 1
    }
}
