import Synchronization

/// Steps a slot whose moments are compact (bfloat16 or int8, API.md §11) in one pass: chunk by
/// chunk of `chunkSize` elements (whole int8 blocks), each compact buffer's chunk is decoded
/// into a working buffer, the rule's own loop updates the chunk, and the chunk is encoded back.
/// Each code is read once and written once, and the working buffers stay in the L1 cache.
/// Threads take whole chunks, and a block's absmax depends only on its own values, so the
/// result is the same on any thread count.
struct CompactStep<T: GDOptFloat, Rule: SteppingRule>: RangeKernel {
    static var chunkSize: Int { CompactBuffer.chunkSize }

    let rule: Rule
    let whole: SlotStep<T>
    let buffers: (CompactBuffer?, CompactBuffer?, CompactBuffer?)
    /// The scalar state before the step: each chunk starts from it, and the chunk holding
    /// element 0 writes its result (the same for every chunk) back.
    let scalarsBefore: (Double, Double)
    let scalarCount: Int
    let workspace: CompactWorkspace

    /// One step of `rule` on a compact slot; the caller has checked everything and reserved the
    /// workspace (`CompactWorkspace.reserve`). `step.scalars` holds `scalarCount` values (at most 2).
    static func run(
        _ rule: Rule, _ step: SlotStep<T>, buffers: (CompactBuffer?, CompactBuffer?, CompactBuffer?),
        scalarCount: Int, workspace: CompactWorkspace
    ) {
        let before = (scalarCount > 0 ? step.scalars[0] : 0, scalarCount > 1 ? step.scalars[1] : 0)
        workspace.claimed.store(0, ordering: .relaxed)
        let kernel = CompactStep(
            rule: rule, whole: step, buffers: buffers, scalarsBefore: before, scalarCount: scalarCount,
            workspace: workspace)
        Parallel.forEach(kernel, count: step.count)
    }

    /// Steps the chunks that start in `range`: the parts' element ranges split the chunks.
    /// Helper threads run this unspecialised, so it has no closure (each would allocate there).
    func callAsFunction(_ range: Range<Int>) {
        let size = CompactStep.chunkSize
        let part = workspace.claimed.add(1, ordering: .relaxed).oldValue
        let base = workspace.part(part).assumingMemoryBound(to: T.self)
        let scalars = UnsafeMutableRawPointer(base + 3 * size).assumingMemoryBound(to: Double.self)
        for chunk in (range.lowerBound + size - 1) / size..<(range.upperBound + size - 1) / size {
            let start = chunk * size
            let count = min(size, whole.count - start)
            for role in 0..<3 { buffer(role)?.chunk(at: start, count: count, values: base + role * size).decode() }
            (scalars[0], scalars[1]) = scalarsBefore
            let chunkStep = SlotStep(
                parameters: whole.parameters + start, gradients: whole.gradients + start, count: count,
                buffers: (
                    buffers.0 == nil ? nil : base, buffers.1 == nil ? nil : base + size,
                    buffers.2 == nil ? nil : base + 2 * size
                ),
                scalars: scalars, step: whole.step, fresh: whole.fresh, clipCoefficient: whole.clipCoefficient)
            // Every check of the step ran on the whole slot before any chunk.
            try? rule.update(chunkStep)
            if start == 0 { whole.scalars.update(from: scalars, count: scalarCount) }
            for role in 0..<3 { buffer(role)?.chunk(at: start, count: count, values: base + role * size).encode() }
        }
    }

    private func buffer(_ role: Int) -> CompactBuffer? { role == 0 ? buffers.0 : role == 1 ? buffers.1 : buffers.2 }
}

extension SteppingRule {
    @inline(__always)
    func updateCompact<T: GDOptFloat>(
        _ step: SlotStep<T>, buffers: (CompactBuffer?, CompactBuffer?, CompactBuffer?), scalarCount: Int,
        workspace: CompactWorkspace
    ) {
        // The element type made concrete here, so that the chunk loop is specialised (unspecialised,
        // its generic metadata lookups cost more than the codecs).
        if T.self == Float.self {
            CompactStep<Float, Self>.run(
                self, unsafeBitCast(step, to: SlotStep<Float>.self), buffers: buffers, scalarCount: scalarCount,
                workspace: workspace)
        } else {
            CompactStep<Double, Self>.run(
                self, unsafeBitCast(step, to: SlotStep<Double>.self), buffers: buffers, scalarCount: scalarCount,
                workspace: workspace)
        }
    }
}

/// Working memory for compact steps, kept by an optimizer across steps: per part of a parallel
/// step, three chunks of float64 and two scalars. A part claims its own by counting.
final class CompactWorkspace {
    private var memory: AlignedBuffer?
    let claimed = Atomic<Int>(0)

    static var partBytes: Int { 3 * CompactBuffer.chunkSize * 8 + 64 }

    /// Makes room for as many parts as a step can have now (one per thread); allocates only
    /// when that number grows.
    func reserve() throws(GDOptError) {
        let bytes = max(1, Parallel.threadCount) * CompactWorkspace.partBytes
        if (memory?.byteCount ?? 0) < bytes { memory = try AlignedBuffer(byteCount: bytes) }
    }

    func part(_ index: Int) -> UnsafeMutableRawPointer { memory!.bytes + index * CompactWorkspace.partBytes }
}

/// A compact state buffer: its codes (and, for int8, the absmax of each block after them) and
/// the map its moment takes.
struct CompactBuffer {
    let format: StateFormat
    let bytes: UnsafeMutableRawPointer
    /// The buffer's element count.
    let count: Int
    let moment: Moment

    /// A compact step's chunk: eight int8 blocks, large enough that the rule's per-call work
    /// (bias corrections) is small next to the chunk's, small enough that three working buffers
    /// stay in L1 (and on any thread's stack: 48 KB for float64).
    static var chunkSize: Int { 8 * StateFormat.blockSize }

    /// The codec work on elements start..<start+length, with their values at `values`.
    @inline(__always)
    func chunk<T: GDOptFloat>(at start: Int, count length: Int, values: UnsafeMutablePointer<T>) -> CompactChunk<T> {
        let absmax = (bytes + StateFormat.absmaxOffset(count)).assumingMemoryBound(to: Float.self)
        return CompactChunk(
            format: format, values: values, codes: bytes + start * (format == .bfloat16 ? 2 : 1),
            absmax: absmax + start / StateFormat.blockSize, map: moment.map, count: length)
    }

    /// Sets every element to `value`, as its encoding holds it.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func fill<T: GDOptFloat>(with value: T, as _: T.Type = T.self) {
        var working = InlineArray<2048, T>(repeating: value)
        withUnsafeMutableBytes(of: &working) { raw in
            let values = raw.baseAddress!.assumingMemoryBound(to: T.self)
            for start in stride(from: 0, to: count, by: CompactBuffer.chunkSize) {
                chunk(at: start, count: min(CompactBuffer.chunkSize, count - start), values: values).encode()
            }
        }
    }

    /// Decodes the whole buffer into `out` (`count` elements).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func decode<T: GDOptFloat>(into out: UnsafeMutablePointer<T>) {
        for start in stride(from: 0, to: count, by: CompactBuffer.chunkSize) {
            chunk(at: start, count: min(CompactBuffer.chunkSize, count - start), values: out + start).decode()
        }
    }

    /// Encodes `values` (`count` elements) into the whole buffer.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func encode<T: GDOptFloat>(from values: UnsafePointer<T>) {
        // Encoding only reads the values: no copy of them is needed.
        let values = UnsafeMutablePointer(mutating: values)
        for start in stride(from: 0, to: count, by: CompactBuffer.chunkSize) {
            chunk(at: start, count: min(CompactBuffer.chunkSize, count - start), values: values + start).encode()
        }
    }
}

extension CompactChunk {
    @inline(__always) func decode() { Vectors.loops(T.self).decodeState(self) }
    @inline(__always) func encode() { Vectors.loops(T.self).encodeState(self) }
}
