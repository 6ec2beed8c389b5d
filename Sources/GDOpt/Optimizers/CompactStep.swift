/// Steps a slot whose moments are compact (bfloat16 or int8, API.md §11) in one pass: chunk by
/// chunk of `chunkSize` elements (whole int8 blocks), each compact buffer's chunk is decoded
/// into a working buffer on the stack, the rule's own loop updates the chunk, and the chunk is
/// encoded back. Each code is read once and written once, and the working buffers stay in the
/// L1 cache. Threads take whole chunks, and a block's absmax depends only on its own values, so
/// the result is the same on any thread count.
struct CompactStep<T: GDOptFloat, Rule: SteppingRule>: RangeKernel {
    static var chunkSize: Int { CompactBuffer.chunkSize }

    let rule: Rule
    let whole: SlotStep<T>
    let buffers: (CompactBuffer?, CompactBuffer?, CompactBuffer?)
    /// The scalar state before the step: each chunk starts from it, and the chunk holding
    /// element 0 writes its result (the same for every chunk) back.
    let scalarsBefore: (Double, Double)
    let scalarCount: Int

    /// One step of `rule` on a compact slot; the caller has checked everything.
    /// `step.scalars` holds `scalarCount` values (at most 2).
    static func run(
        _ rule: Rule, _ step: SlotStep<T>, buffers: (CompactBuffer?, CompactBuffer?, CompactBuffer?),
        scalarCount: Int
    ) {
        let before = (scalarCount > 0 ? step.scalars[0] : 0, scalarCount > 1 ? step.scalars[1] : 0)
        let kernel = CompactStep(
            rule: rule, whole: step, buffers: buffers, scalarsBefore: before, scalarCount: scalarCount)
        let chunks = (step.count + chunkSize - 1) / chunkSize
        Parallel.forEach(kernel, count: chunks, grain: max(1, Parallel.minimumElementsPerThread / chunkSize))
    }

    func callAsFunction(_ chunks: Range<Int>) {
        var working = InlineArray<3, InlineArray<2048, T>>(repeating: InlineArray(repeating: 0))
        var scalars = InlineArray<2, Double>(repeating: 0)
        withUnsafeMutableBytes(of: &working) { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: T.self)
            func working(_ role: Int) -> UnsafeMutablePointer<T> { base + role * CompactStep.chunkSize }
            for chunk in chunks {
                let start = chunk * CompactStep.chunkSize
                let count = min(CompactStep.chunkSize, whole.count - start)
                for role in 0..<3 { buffer(role)?.chunk(at: start, count: count, values: working(role)).decode() }
                (scalars[0], scalars[1]) = scalarsBefore
                withUnsafeMutableBytes(of: &scalars) { scalarBytes in
                    let chunkStep = SlotStep(
                        parameters: whole.parameters + start, gradients: whole.gradients + start, count: count,
                        buffers: (
                            buffers.0 == nil ? nil : working(0), buffers.1 == nil ? nil : working(1),
                            buffers.2 == nil ? nil : working(2)
                        ),
                        scalars: scalarBytes.baseAddress!.assumingMemoryBound(to: Double.self), step: whole.step,
                        fresh: whole.fresh, clipCoefficient: whole.clipCoefficient)
                    // Every check of the step ran on the whole slot before any chunk.
                    try? rule.update(chunkStep)
                    if start == 0 { whole.scalars.update(from: chunkStep.scalars, count: scalarCount) }
                }
                for role in 0..<3 { buffer(role)?.chunk(at: start, count: count, values: working(role)).encode() }
            }
        }
    }

    private func buffer(_ role: Int) -> CompactBuffer? { role == 0 ? buffers.0 : role == 1 ? buffers.1 : buffers.2 }
}

extension SteppingRule {
    /// One step on a compact slot (`CompactStep`), with the rule's type known.
    func updateCompact<T: GDOptFloat>(
        _ step: SlotStep<T>, buffers: (CompactBuffer?, CompactBuffer?, CompactBuffer?), scalarCount: Int
    ) {
        CompactStep<T, Self>.run(self, step, buffers: buffers, scalarCount: scalarCount)
    }
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
    func chunk<T: GDOptFloat>(at start: Int, count length: Int, values: UnsafeMutablePointer<T>) -> CompactChunk<T> {
        let absmax = (bytes + StateFormat.absmaxOffset(count)).assumingMemoryBound(to: Float.self)
        return CompactChunk(
            format: format, values: values, codes: bytes + start * (format == .bfloat16 ? 2 : 1),
            absmax: absmax + start / StateFormat.blockSize, map: moment.map, count: length)
    }

    /// Sets every element to `value`, as its encoding holds it.
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
    func decode<T: GDOptFloat>(into out: UnsafeMutablePointer<T>) {
        for start in stride(from: 0, to: count, by: CompactBuffer.chunkSize) {
            chunk(at: start, count: min(CompactBuffer.chunkSize, count - start), values: out + start).decode()
        }
    }

    /// Encodes `values` (`count` elements) into the whole buffer.
    func encode<T: GDOptFloat>(from values: UnsafePointer<T>) {
        var working = InlineArray<2048, T>(repeating: 0)
        withUnsafeMutableBytes(of: &working) { raw in
            let scratch = raw.baseAddress!.assumingMemoryBound(to: T.self)
            for start in stride(from: 0, to: count, by: CompactBuffer.chunkSize) {
                let length = min(CompactBuffer.chunkSize, count - start)
                scratch.update(from: values + start, count: length)
                chunk(at: start, count: length, values: scratch).encode()
            }
        }
    }
}

extension CompactChunk {
    func decode() { Vectors.codecs(T.self).decode(self) }
    func encode() { Vectors.codecs(T.self).encode(self) }
}
