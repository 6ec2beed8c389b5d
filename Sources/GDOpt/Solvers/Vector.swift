import Glibc

/// A solver's vector of n doubles, allocated once per run (malloc: a refused allocation is
/// `.memory`, not a trap). Iterations work in place on these and swap them by reference.
final class Vector {
    let count: Int
    let base: UnsafeMutablePointer<Double>

    init(count: Int) throws(GDOptError) {
        guard count > 0 else { throw .memory("a solver vector needs n > 0, not \(count)") }
        self.count = count
        base = try Allocation.raw(Double.self, count: count, what: "a solver vector")
        base.initialize(repeating: 0, count: count)
    }

    convenience init(copying source: UnsafeBufferPointer<Double>) throws(GDOptError) {
        try self.init(count: source.count)
        base.update(from: source.baseAddress!, count: count)
    }

    deinit { free(base) }

    /// `memory` pairs of vectors (s and y) of n doubles, refused as a whole when too large.
    static func pairs(memory: Int, count n: Int) throws(GDOptError) -> (s: [Vector], y: [Vector]) {
        try Allocation.checkBudget(vectors: 2 * memory + 2, count: n, what: "memory=\(memory)")
        var s: [Vector] = [], y: [Vector] = []
        s.reserveCapacity(memory)
        y.reserveCapacity(memory)
        for _ in 0..<memory {
            s.append(try Vector(count: n))
            y.append(try Vector(count: n))
        }
        return (s, y)
    }

    subscript(i: Int) -> Double {
        get { base[i] }
        set { base[i] = newValue }
    }

    var buffer: UnsafeBufferPointer<Double> { UnsafeBufferPointer(start: base, count: count) }

    func copy(from other: Vector) { base.update(from: other.base, count: count) }
    func copy(to out: UnsafeMutableBufferPointer<Double>) { out.baseAddress!.update(from: base, count: count) }
}

/// Runs `body` on a scratch array of `count` doubles for block partial sums: a buffer kept
/// per thread and only ever grown, so that after the first iteration no vector operation
/// allocates (withUnsafeTemporaryAllocation goes to the heap above 1 KiB here).
func withPartials<R>(count: Int, _ body: (UnsafeMutableBufferPointer<Double>) -> R) -> R {
    guard let scratch = PartialsScratch.buffer(count) else {
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: count, body)
    }
    return body(UnsafeMutableBufferPointer(start: scratch, count: count))
}

/// Grows this thread's scratch to `count` doubles now, so that a solver whose partial
/// arrays grow with its memory allocates them at begin, not in a later iteration.
func reservePartials(count: Int) { _ = PartialsScratch.buffer(count) }

private enum PartialsScratch {
    /// Per-thread: [capacity, values...], freed when the thread ends.
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { free($0) }
        return key
    }()

    static func buffer(_ count: Int) -> UnsafeMutablePointer<Double>? {
        var raw = pthread_getspecific(key)?.assumingMemoryBound(to: Double.self)
        if raw == nil || Int(raw![0]) < count {
            let capacity = Swift.max(count, 1024)
            guard let grown = realloc(raw, (capacity + 1) * MemoryLayout<Double>.stride) else { return nil }
            raw = grown.assumingMemoryBound(to: Double.self)
            raw![0] = Double(capacity)
            pthread_setspecific(key, grown)
        }
        return raw! + 1
    }
}

/// The vector operations of the solvers' iterations. Elementwise work is split over the
/// worker pool; a dot product is cut into blocks whose size depends only on n, each block
/// summed with four lanes and the block sums added in order, so the iterates are the same
/// bits on any number of threads.
enum VectorMath {
    static let maxBlocks = 256
    static let minimumBlock = 2048

    static func blockSize(_ n: Int) -> Int { max(minimumBlock, (n / maxBlocks + 16) & ~15) }

    /// aᵀb.
    static func dot(_ a: Vector, _ b: Vector) -> Double { dot(a.base, b.base, count: a.count) }

    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count n: Int) -> Double {
        let block = blockSize(n)
        let blocks = (n + block - 1) / block
        return withPartials(count: blocks) { partials in
            let kernel = Dot(a: a, b: b, count: n, block: block, partials: partials.baseAddress!)
            Parallel.forEach(kernel, count: blocks, grain: max(1, Parallel.minimumElementsPerThread / block))
            var sum = 0.0
            for partial in partials { sum += partial }
            return sum
        }
    }

    /// v·uⱼ for every uⱼ in `others`, into `out[j]`, in one sweep: each block of v is read
    /// once from memory and stays in cache while the uⱼ stream past it. Each out[j] has
    /// the same bits as dot(v, uⱼ).
    static func dots(_ v: Vector, _ others: [Vector], into out: UnsafeMutablePointer<Double>) {
        let n = v.count
        let block = blockSize(n)
        let blocks = (n + block - 1) / block
        let k = others.count
        guard k > 0 else { return }
        withPartials(count: blocks * k) { partials in
            others.withUnsafeBufferPointer { vectors in
                let kernel = MultiDot(
                    v: v.base, others: vectors.baseAddress!, k: k, count: n, block: block,
                    partials: partials.baseAddress!)
                Parallel.forEach(kernel, count: blocks, grain: max(1, Parallel.minimumElementsPerThread / block))
            }
            for j in 0..<k {
                var sum = 0.0
                for b in 0..<blocks { sum += partials[b * k + j] }
                out[j] = sum
            }
        }
    }

    /// out = a + alpha·d (out may be a).
    static func axpy(_ out: Vector, _ a: Vector, _ alpha: Double, _ d: Vector) {
        Parallel.forEach(Axpy(out: out.base, a: a.base, alpha: alpha, d: d.base), count: out.count)
    }

    /// out = alpha·a.
    static func scale(_ out: Vector, _ alpha: Double, _ a: Vector) {
        Parallel.forEach(Scale(out: out.base, alpha: alpha, a: a.base), count: out.count)
    }

    /// gᵀ(a − b), with the blocks of `dot`.
    static func dot(_ g: Vector, _ a: Vector, minus b: Vector) -> Double {
        let n = g.count
        let block = blockSize(n)
        let blocks = (n + block - 1) / block
        return withPartials(count: blocks) { partials in
            let kernel = DotOfDifference(
                g: g.base, a: a.base, b: b.base, count: n, block: block,
                partials: partials.baseAddress!)
            Parallel.forEach(kernel, count: blocks, grain: max(1, Parallel.minimumElementsPerThread / block))
            var sum = 0.0
            for partial in partials { sum += partial }
            return sum
        }
    }

    /// out = a − b.
    static func difference(_ out: Vector, _ a: Vector, _ b: Vector) {
        Parallel.forEach(Axpy(out: out.base, a: a.base, alpha: -1, d: b.base), count: out.count)
    }

    /// out = scale·(a + alpha·x), and returns wᵀout (0 without w): one pass where an update
    /// and the next dot product would take two. The dot has the bits of `dot(w, out)`.
    static func update(
        _ out: Vector, scale: Double = 1, _ a: Vector, _ alpha: Double, _ x: Vector,
        thenDotWith w: Vector?
    ) -> Double {
        let n = out.count
        let block = blockSize(n)
        let blocks = (n + block - 1) / block
        return withPartials(count: blocks) { partials in
            let kernel = UpdateDot(
                out: out.base, a: a.base, x: x.base, w: w?.base, scale: scale, alpha: alpha, count: n,
                block: block, partials: partials.baseAddress!)
            Parallel.forEach(kernel, count: blocks, grain: max(1, Parallel.minimumElementsPerThread / block))
            var sum = 0.0
            for partial in partials { sum += partial }
            return sum
        }
    }

    /// s = newX − oldX and y = newG − oldG in one pass, returning sᵀy, sᵀs, yᵀy, oldGᵀs (each
    /// with the bits of `dot`) and ‖s‖∞.
    static func pair(
        s: Vector, y: Vector, newX: Vector, oldX: Vector, newG: Vector,
        oldG: Vector
    ) -> (sy: Double, ss: Double, yy: Double, gs: Double, step: Double) {
        overBlocks(
            count: s.count, perBlock: 5,
            { block, partials in
                PairDifferences(
                    s: s.base, y: y.base, newX: newX.base, oldX: oldX.base, newG: newG.base, oldG: oldG.base,
                    count: s.count, block: block, partials: partials)
            },
            combine: { blocks, partials in
                var sy = 0.0
                var ss = 0.0
                var yy = 0.0
                var gs = 0.0
                var step = 0.0
                for b in 0..<blocks {
                    sy += partials[5 * b]
                    ss += partials[5 * b + 1]
                    yy += partials[5 * b + 2]
                    gs += partials[5 * b + 3]
                    step = Swift.max(step, partials[5 * b + 4])
                }
                return (sy, ss, yy, gs, step)
            })
    }

    /// Runs a kernel over the fixed blocks of an n-vector with `perBlock` partial values
    /// each, then hands the partials (in block order) to `combine`.
    static func overBlocks<K: RangeKernel, R>(
        count n: Int, perBlock: Int, _ makeKernel: (Int, UnsafeMutablePointer<Double>) -> K,
        combine: (Int, UnsafeMutableBufferPointer<Double>) -> R
    ) -> R {
        let block = blockSize(n)
        let blocks = (n + block - 1) / block
        return withPartials(count: blocks * perBlock) { partials in
            Parallel.forEach(
                makeKernel(block, partials.baseAddress!), count: blocks,
                grain: max(1, Parallel.minimumElementsPerThread / block))
            return combine(blocks, partials)
        }
    }

    /// ‖a − b‖∞ (‖a‖∞ when b is nil).
    static func maxNorm(_ a: Vector, minus b: Vector? = nil) -> Double {
        let n = a.count
        let block = blockSize(n)
        let blocks = (n + block - 1) / block
        return withPartials(count: blocks) { partials in
            let kernel = MaxAbs(a: a.base, b: b?.base, count: n, block: block, partials: partials.baseAddress!)
            Parallel.forEach(kernel, count: blocks, grain: max(1, Parallel.minimumElementsPerThread / block))
            var norm = 0.0
            for partial in partials { norm = Swift.max(norm, partial) }
            return norm
        }
    }

    struct Dot: RangeKernel {
        let a: UnsafePointer<Double>, b: UnsafePointer<Double>, count: Int, block: Int
        let partials: UnsafeMutablePointer<Double>

        func callAsFunction(_ blocks: Range<Int>) {
            for k in blocks {
                let start = k * block
                partials[k] = blockDot(a + start, b + start, min(block, count - start))
            }
        }
    }

    struct MultiDot: RangeKernel {
        let v: UnsafePointer<Double>, others: UnsafePointer<Vector>, k: Int, count: Int, block: Int
        let partials: UnsafeMutablePointer<Double>

        func callAsFunction(_ blocks: Range<Int>) {
            for b in blocks {
                let start = b * block
                let length = min(block, count - start)
                for j in 0..<k { partials[b * k + j] = blockDot(v + start, others[j].base + start, length) }
            }
        }
    }

    @inline(__always)
    static func blockDot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var lanes = SIMD4<Double>()
        var i = 0
        while i + 4 <= n {
            lanes += SIMD4(a[i], a[i + 1], a[i + 2], a[i + 3]) * SIMD4(b[i], b[i + 1], b[i + 2], b[i + 3])
            i += 4
        }
        var sum = lanes.sum()
        while i < n {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    struct UpdateDot: RangeKernel {
        let out: UnsafeMutablePointer<Double>, a: UnsafePointer<Double>, x: UnsafePointer<Double>
        let w: UnsafePointer<Double>?, scale: Double, alpha: Double, count: Int, block: Int
        let partials: UnsafeMutablePointer<Double>

        func callAsFunction(_ blocks: Range<Int>) {
            for k in blocks {
                let start = k * block
                let end = min(start + block, count)
                for i in start..<end { out[i] = scale * (a[i] + alpha * x[i]) }
                partials[k] = w.map { blockDot($0 + start, out + start, end - start) } ?? 0
            }
        }
    }

    struct PairDifferences: RangeKernel {
        let s: UnsafeMutablePointer<Double>, y: UnsafeMutablePointer<Double>
        let newX: UnsafePointer<Double>, oldX: UnsafePointer<Double>, newG: UnsafePointer<Double>,
            oldG: UnsafePointer<Double>
        let count: Int, block: Int, partials: UnsafeMutablePointer<Double>

        func callAsFunction(_ blocks: Range<Int>) {
            for k in blocks {
                let start = k * block
                let end = min(start + block, count)
                var step = 0.0
                for i in start..<end {
                    s[i] = newX[i] - oldX[i]
                    y[i] = newG[i] - oldG[i]
                    step = Swift.max(step, Swift.abs(s[i]))
                }
                let length = end - start
                partials[5 * k] = blockDot(s + start, y + start, length)
                partials[5 * k + 1] = blockDot(s + start, s + start, length)
                partials[5 * k + 2] = blockDot(y + start, y + start, length)
                partials[5 * k + 3] = blockDot(oldG + start, s + start, length)
                partials[5 * k + 4] = step
            }
        }
    }

    struct Axpy: RangeKernel {
        let out: UnsafeMutablePointer<Double>, a: UnsafePointer<Double>, alpha: Double, d: UnsafePointer<Double>

        func callAsFunction(_ range: Range<Int>) {
            for i in range { out[i] = a[i] + alpha * d[i] }
        }
    }

    struct Scale: RangeKernel {
        let out: UnsafeMutablePointer<Double>, alpha: Double, a: UnsafePointer<Double>

        func callAsFunction(_ range: Range<Int>) {
            for i in range { out[i] = alpha * a[i] }
        }
    }

    struct DotOfDifference: RangeKernel {
        let g: UnsafePointer<Double>, a: UnsafePointer<Double>, b: UnsafePointer<Double>, count: Int, block: Int
        let partials: UnsafeMutablePointer<Double>

        func callAsFunction(_ blocks: Range<Int>) {
            for k in blocks {
                var sum = 0.0
                for i in (k * block)..<min(k * block + block, count) { sum += g[i] * (a[i] - b[i]) }
                partials[k] = sum
            }
        }
    }

    struct MaxAbs: RangeKernel {
        let a: UnsafePointer<Double>, b: UnsafePointer<Double>?, count: Int, block: Int
        let partials: UnsafeMutablePointer<Double>

        func callAsFunction(_ blocks: Range<Int>) {
            for k in blocks {
                var norm = 0.0
                let range = (k * block)..<min(k * block + block, count)
                if let b {
                    for i in range { norm = Swift.max(norm, Swift.abs(a[i] - b[i])) }
                } else {
                    for i in range { norm = Swift.max(norm, Swift.abs(a[i])) }
                }
                partials[k] = norm
            }
        }
    }
}
