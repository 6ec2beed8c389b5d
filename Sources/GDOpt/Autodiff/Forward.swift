/// Each op's value, computed when the op is recorded (and again by `replay`). The element-wise
/// loops are GDOptLoops', in the CPU's SIMD level (Kernels/Vectors.swift).
extension Tape {
    /// An op's value from its inputs' (a leaf's is its data): when recorded, and when replayed.
    func forward(_ r: Record) {
        switch r.kind {
        case .variable, .constant: break
        case .unary(let op): forwardUnary(op, records[r.a], r)
        case .binary(let op): forwardBinary(op, records[r.a], records[r.b], r)
        case .loss(let kind): forwardLoss(kind, records[r.a], r)
        }
    }

    private func forwardUnary(_ op: UnaryOp, _ input: Record, _ out: Record) {
        let x = values.base + input.offset, y = values.base + out.offset
        guard op != .transpose else {
            walk(out.shape, input.shape.transposedStrides, out.shape.zeroStrides) { o, a, _, length, strideA, _ in
                for j in 0..<length { y[o + j] = x[a + j * strideA] }
            }
            return
        }
        Vectors.loops(T.self).unaryForward(UnaryForward(op: op, x: x, y: y, count: input.shape.count))
    }

    private func forwardBinary(_ op: BinaryOp, _ left: Record, _ right: Record, _ out: Record) {
        let a = values.base + left.offset, b = values.base + right.offset
        let y = values.base + out.offset
        if op == .matmul {
            let m = left.shape[0], k = left.shape[1], n = right.shape[1]
            BLAS.gemm(
                transposeA: false, transposeB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n,
                beta: 0, c: y, ldc: n)
            return
        }
        let run = Vectors.loops(T.self).binaryForward
        walk(out.shape, left.shape.broadcastStrides(to: out.shape), right.shape.broadcastStrides(to: out.shape)) {
            o, ia, ib, length, sa, sb in
            run(BinaryForward(op: op, y: y + o, a: a + ia, sa: sa, b: b + ib, sb: sb, count: length))
        }
    }

    private func forwardLoss(_ kind: LossKind, _ input: Record, _ out: Record) {
        values[out.offset] = labels.withUnsafeBufferPointer { classes in
            Vectors.loops(T.self).lossForward(rows(kind, input, out, classes))
        }
    }

    /// A loss record's scores, labels and saved softmax (cross-entropy's; unused by the hinge).
    func rows(_ kind: LossKind, _ input: Record, _ out: Record, _ classes: UnsafeBufferPointer<Int>) -> LossRows<T> {
        LossRows(
            kind: kind, scores: values.base + input.offset, labels: classes.baseAddress! + out.labelOffset,
            softmax: values.base + Swift.max(out.saved, 0), rows: input.shape[0], columns: input.shape[1])
    }
}
