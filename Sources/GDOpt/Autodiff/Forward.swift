/// Each op's value, computed when the op is recorded.
extension Tape {
    func forwardUnary(_ op: UnaryOp, _ input: Record, _ out: Record) {
        let n = input.shape.count
        let arena = values
        let x = arena.base + input.offset, y = arena.base + out.offset
        switch op {
        case .neg: for i in 0..<n { y[i] = -x[i] }
        case .exp: for i in 0..<n { y[i] = exponential(x[i]) }
        case .log: for i in 0..<n { y[i] = logarithm(x[i]) }
        case .tanh: for i in 0..<n { y[i] = hyperbolicTangent(x[i]) }
        case .sigmoid: for i in 0..<n { y[i] = logistic(x[i]) }
        case .relu: for i in 0..<n { y[i] = x[i] > 0 ? x[i] : 0 }
        case .square: for i in 0..<n { y[i] = x[i] * x[i] }
        case .sqrt: for i in 0..<n { y[i] = x[i].squareRoot() }
        case .abs: for i in 0..<n { y[i] = Swift.abs(x[i]) }
        case .sum, .mean:
            var total: T = 0
            for i in 0..<n { total += x[i] }
            y[0] = op == .sum ? total : total / T(n)
        case .transpose:
            walk(out.shape, input.shape.transposedStrides, out.shape.zeroStrides) { o, a, _, length, strideA, _ in
                for j in 0..<length { y[o + j] = x[a + j * strideA] }
            }
        }
    }

    func forwardBinary(_ op: BinaryOp, _ left: Record, _ right: Record, _ out: Record) {
        let arena = values
        let a = arena.base + left.offset, b = arena.base + right.offset
        let y = arena.base + out.offset
        if op == .matmul {
            let m = left.shape[0], k = left.shape[1], n = right.shape[1]
            BLAS.gemm(
                transposeA: false, transposeB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n,
                beta: 0, c: y, ldc: n)
            return
        }
        walk(out.shape, left.shape.broadcastStrides(to: out.shape), right.shape.broadcastStrides(to: out.shape)) {
            o, ia, ib, length, sa, sb in
            // The common runs (both contiguous, or one side broadcast) as plain loops over
            // unit strides, which vectorise; other strides fall through to the general form.
            if sa == 1 && sb == 1 {
                combine(op, y + o, a + ia, 1, b + ib, 1, length)
            } else if sa == 1 && sb == 0 {
                combine(op, y + o, a + ia, 1, b + ib, 0, length)
            } else if sa == 0 && sb == 1 {
                combine(op, y + o, a + ia, 0, b + ib, 1, length)
            } else {
                combine(op, y + o, a + ia, sa, b + ib, sb, length)
            }
        }
    }

    /// y[j] = a[j·sa] op b[j·sb]; inlined with constant strides at each call above.
    @inline(__always)
    private func combine(
        _ op: BinaryOp, _ y: UnsafeMutablePointer<T>, _ a: UnsafeMutablePointer<T>, _ sa: Int,
        _ b: UnsafeMutablePointer<T>, _ sb: Int, _ length: Int
    ) {
        switch op {
        case .add: for j in 0..<length { y[j] = a[j * sa] + b[j * sb] }
        case .sub: for j in 0..<length { y[j] = a[j * sa] - b[j * sb] }
        case .mul: for j in 0..<length { y[j] = a[j * sa] * b[j * sb] }
        case .div: for j in 0..<length { y[j] = a[j * sa] / b[j * sb] }
        case .matmul: break
        }
    }
}
