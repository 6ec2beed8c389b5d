/// The backward rules: each op's vector-Jacobian product, accumulated into its inputs'
/// gradients so that a node used several times sums its contributions. The gradient arena is
/// not zeroed before a backward pass (that cost as much as an elementwise op per node): the
/// first contribution to a node writes its gradient, later ones add (`claimGradient`), and a
/// node that received none reads as zeros (`Tape.copyGradient`). The element-wise rules are
/// GDOptLoops', in the CPU's SIMD level.
extension Tape {
    /// Whether the gradient of record `index` already holds a contribution (the caller adds to
    /// it) or not (the caller writes every element of it); from now on it does.
    func claimGradient(_ index: Int) -> Bool {
        defer { written[index] = true }
        return written[index]
    }

    /// `claimGradient` for rules that only add: a first contribution starts from zeros.
    private func claimZeroed(_ index: Int) {
        if !claimGradient(index) {
            (gradients.base + records[index].offset).update(repeating: 0, count: records[index].shape.count)
        }
    }

    func backpropagate(_ r: Record) {
        switch r.kind {
        case .variable, .constant: return
        case .unary(let op): backwardUnary(op, r)
        case .binary(let op): backwardBinary(op, r)
        case .loss(let kind): backwardLoss(kind, r)
        }
    }

    private func backwardUnary(_ op: UnaryOp, _ r: Record) {
        let input = records[r.a]
        guard input.requiresGradient else { return }
        let n = input.shape.count
        let arena = values
        let grads = gradients
        let x = arena.base + input.offset, y = arena.base + r.offset
        let gx = grads.base + input.offset, gy = grads.base + r.offset
        if op == .transpose {  // the gradient is transposed back
            claimZeroed(r.a)
            walk(input.shape, r.shape.transposedStrides, input.shape.zeroStrides) { o, a, _, length, strideA, _ in
                for j in 0..<length { gx[o + j] += gy[a + j * strideA] }
            }
            return
        }
        Vectors.loops(T.self).unaryBackward(
            UnaryBackward(op: op, x: x, y: y, gx: gx, gy: gy, count: n, adding: claimGradient(r.a)))
    }

    /// `claimGradient` for an input covered `whole` by one pass; a broadcast one is zeroed first.
    private func claim(_ index: Int, whole: Bool) -> Bool {
        guard whole else {
            claimZeroed(index)
            return true
        }
        return claimGradient(index)
    }

    private func backwardBinary(_ op: BinaryOp, _ r: Record) {
        let left = records[r.a], right = records[r.b]
        let needA = left.requiresGradient, needB = right.requiresGradient
        let arena = values
        let grads = gradients
        let a = arena.base + left.offset, b = arena.base + right.offset
        let ga = grads.base + left.offset, gb = grads.base + right.offset
        let gy = grads.base + r.offset
        if op == .matmul {  // Y = A·B: dA = dY·Bᵀ, dB = Aᵀ·dY
            let m = left.shape[0], k = left.shape[1], n = right.shape[1]
            if needA {
                BLAS.gemm(
                    transposeA: false, transposeB: true, m: m, n: k, k: n, a: gy, lda: n, b: b, ldb: n,
                    beta: claimGradient(r.a) ? 1 : 0, c: ga, ldc: k, scratch: scratch)
            }
            if needB {
                BLAS.gemm(
                    transposeA: true, transposeB: false, m: k, n: n, k: m, a: a, lda: k, b: gy, ldb: n,
                    beta: claimGradient(r.b) ? 1 : 0, c: gb, ldc: n)
            }
            return
        }
        // An input of the output's shape is written or added to once per element; a broadcast
        // one reads through stride 0, so it is zeroed first and += sums over the broadcast axes.
        let addA = needA && claim(r.a, whole: left.shape.count == r.shape.count)
        let addB = needB && claim(r.b, whole: right.shape.count == r.shape.count)
        let run = Vectors.loops(T.self).binaryBackward
        walk(r.shape, left.shape.broadcastStrides(to: r.shape), right.shape.broadcastStrides(to: r.shape)) {
            o, ia, ib, length, sa, sb in
            run(
                BinaryBackward(
                    op: op, gy: gy + o, a: a + ia, b: b + ib, ga: needA ? ga + ia : nil, gb: needB ? gb + ib : nil,
                    sa: sa, sb: sb, count: length, addA: addA, addB: addB))
        }
    }
}
