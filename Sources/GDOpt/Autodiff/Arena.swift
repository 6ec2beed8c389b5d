import Glibc

/// A growable block of T for a tape's values or gradients. Unlike an Array it does not
/// initialise what it reserves (each op writes its whole output), and `removeAll` keeps the
/// memory, so a tape recording the same graph again neither allocates nor zero-fills.
final class Arena<T: GDOptFloat> {
    private(set) var base: UnsafeMutablePointer<T>
    private(set) var count = 0
    private var capacity: Int

    init() {
        capacity = 1024
        base = UnsafeMutableRawPointer(malloc(capacity * MemoryLayout<T>.stride)!).assumingMemoryBound(to: T.self)
    }

    deinit { free(base) }

    /// Appends n uninitialised elements; returns the offset of the first.
    func grow(by n: Int) throws(GDOptError) -> Int {
        let offset = count
        if count + n > capacity {
            var wanted = capacity
            while wanted < count + n { wanted *= 2 }
            guard let moved = realloc(base, wanted * MemoryLayout<T>.stride) else {
                throw .memory("cannot grow the tape to \(wanted) elements")
            }
            base = moved.assumingMemoryBound(to: T.self)
            capacity = wanted
        }
        count += n
        return offset
    }

    /// Sets the count to n, every element zero.
    func zeroed(count n: Int) throws(GDOptError) {
        count = 0
        _ = try grow(by: n)
        base.initialize(repeating: 0, count: n)
    }

    func removeAll() { count = 0 }

    subscript(i: Int) -> T {
        get { base[i] }
        set { base[i] = newValue }
    }
}
