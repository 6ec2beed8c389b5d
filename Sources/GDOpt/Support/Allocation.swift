import Glibc

/// The one gate for memory whose size comes from an argument or a file (§8): a size that
/// overflows, exceeds the machine, or that the system refuses is `.memory`, never a trap.
package enum Allocation {
    /// Refuses, before any of them is allocated, `vectors` blocks of `count` elements of
    /// `stride` bytes that overflow or exceed physical memory (memory = 1e15 pairs, say,
    /// would otherwise allocate small vectors until the host is killed).
    package static func checkBudget(vectors: Int, count: Int, stride: Int = 8, what: String) throws(GDOptError) {
        let (perVector, overflowA) = count.multipliedReportingOverflow(by: stride)
        let (bytes, overflowB) = perVector.multipliedReportingOverflow(by: vectors)
        guard count >= 0, vectors >= 0, !overflowA, !overflowB, physicalBytes.map({ bytes <= $0 }) ?? true else {
            throw .memory("\(what) needs \(vectors) blocks of \(count) elements, more than this machine's memory")
        }
    }

    /// The machine's memory, or nil when the system does not say (or it overflows). Read
    /// once: sysconf's sysinfo call was a tenth of a solver checkpoint's restore.
    private static let physicalBytes: Int? = {
        let (bytes, overflow) = Int(sysconf(Int32(_SC_PHYS_PAGES))).multipliedReportingOverflow(
            by: Int(sysconf(Int32(_SC_PAGESIZE))))
        return overflow || bytes <= 0 ? nil : bytes
    }()

    /// An array of `count` copies of `value`. Swift traps when an array's malloc fails, so
    /// the size is checked and asked of malloc first; under a memory limit the probe fails
    /// where the array would have.
    package static func array<T>(repeating value: T, count: Int, what: String) throws(GDOptError) -> [T] {
        try probe(count: count, of: T.self, what: what)
        return [T](repeating: value, count: count)
    }

    /// Below 1 MiB only the budget is checked: a process that cannot get that much back from
    /// malloc is past recovering anyway (the error message needs memory too), and the probe
    /// was a tenth of a small solver checkpoint's restore.
    package static func probe<T>(count: Int, of _: T.Type, what: String) throws(GDOptError) {
        guard count >= (1 << 20) / MemoryLayout<T>.stride else {
            return try checkBudget(vectors: 1, count: count, stride: MemoryLayout<T>.stride, what: what)
        }
        free(try raw(T.self, count: count + 64 / MemoryLayout<T>.stride, what: what))  // raw checks the budget
    }

    /// Makes room in `array` for `adding` more elements, checked as `array` is.
    package static func reserve<T>(_ array: inout [T], adding: Int, what: String) throws(GDOptError) {
        let (wanted, overflow) = array.count.addingReportingOverflow(adding)
        guard !overflow else { throw .memory("\(what) cannot grow by \(adding) elements") }
        guard wanted > array.capacity else { return }
        let grown = Swift.max(wanted, 2 * array.capacity)
        try probe(count: grown, of: T.self, what: what)
        array.reserveCapacity(grown)
    }

    /// A copy of memory the caller owns, checked as `array` is.
    package static func array<T>(copying source: UnsafeBufferPointer<T>, what: String) throws(GDOptError) -> [T] {
        try probe(count: source.count, of: T.self, what: what)
        return Array(source)
    }

    /// Raw memory for `count` elements of T, uninitialised; the caller frees it.
    package static func raw<T>(_: T.Type, count: Int, what: String) throws(GDOptError) -> UnsafeMutablePointer<T> {
        try checkBudget(vectors: 1, count: count, stride: MemoryLayout<T>.stride, what: what)
        guard let raw = malloc(max(count * MemoryLayout<T>.stride, 1)) else {
            throw .memory("cannot allocate \(count) elements for \(what)")
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }
}
