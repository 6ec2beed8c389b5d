import Glibc

/// A growable block of T for a tape's values or gradients. Unlike an Array it does not
/// initialise what it reserves (each op writes its whole output), and `removeAll` keeps the
/// memory, so a tape recording the same graph again neither allocates nor zero-fills.
final class Arena<T: GDOptFloat> {
    private(set) var base: UnsafeMutablePointer<T>
    private(set) var count = 0
    private var capacity: Int

    init() throws(GDOptError) {
        capacity = 1024
        base = try Allocation.raw(T.self, count: capacity, what: "a tape")
    }

    deinit { free(base) }

    /// Appends n uninitialised elements; returns the offset of the first.
    func grow(by n: Int) throws(GDOptError) -> Int {
        let offset = count
        let (needed, overflow) = count.addingReportingOverflow(n)
        guard n >= 0, !overflow else { throw .memory("cannot grow the tape by \(n) elements") }
        if needed > capacity {
            var wanted = capacity
            while wanted < needed { wanted = wanted > Int.max / 2 ? needed : 2 * wanted }
            try Allocation.checkBudget(vectors: 1, count: wanted, stride: MemoryLayout<T>.stride, what: "the tape")
            guard let moved = realloc(base, wanted * MemoryLayout<T>.stride) else {
                throw .memory("cannot grow the tape to \(wanted) elements")
            }
            base = moved.assumingMemoryBound(to: T.self)
            capacity = wanted
        }
        count = needed
        return offset
    }

    func removeAll() { count = 0 }

    subscript(i: Int) -> T {
        get { base[i] }
        set { base[i] = newValue }
    }
}
