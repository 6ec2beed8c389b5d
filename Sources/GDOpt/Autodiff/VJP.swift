/// The backward rules: each op's vector-Jacobian product, accumulated (+=) into its
/// inputs' gradients so that a node used several times sums its contributions.
extension Tape {
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
        switch op {
        case .neg: for i in 0..<n { gx[i] -= gy[i] }  // d(−x) = −1
        case .exp: for i in 0..<n { gx[i] += gy[i] * y[i] }  // d eˣ = eˣ
        case .log: for i in 0..<n { gx[i] += gy[i] / x[i] }  // d ln x = 1/x
        case .tanh: for i in 0..<n { gx[i] += gy[i] * (1 - y[i] * y[i]) }  // 1 − tanh²
        case .sigmoid: for i in 0..<n { gx[i] += gy[i] * y[i] * (1 - y[i]) }  // σ(1 − σ)
        case .relu: for i in 0..<n where x[i] > 0 { gx[i] += gy[i] }  // 1 where x > 0
        case .square: for i in 0..<n { gx[i] += 2 * x[i] * gy[i] }  // 2x
        case .sqrt: for i in 0..<n { gx[i] += gy[i] / (2 * y[i]) }  // 1/(2√x)
        case .abs: for i in 0..<n where x[i] != 0 { gx[i] += x[i] > 0 ? gy[i] : -gy[i] }  // sign x
        case .sum: for i in 0..<n { gx[i] += gy[0] }
        case .mean: for i in 0..<n { gx[i] += gy[0] / T(n) }
        case .transpose:  // the gradient is transposed back
            walk(input.shape, r.shape.transposedStrides, input.shape.zeroStrides) { o, a, _, length, strideA, _ in
                for j in 0..<length { gx[o + j] += gy[a + j * strideA] }
            }
        }
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
                    beta: 1, c: ga, ldc: k)
            }
            if needB {
                BLAS.gemm(
                    transposeA: true, transposeB: false, m: k, n: n, k: m, a: a, lda: k, b: gy, ldb: n,
                    beta: 1, c: gb, ldc: n)
            }
            return
        }
        // Broadcast inputs read through stride 0, so += here sums over the broadcast axes.
        // Unit-stride runs get loops with constant strides, which vectorise.
        walk(r.shape, left.shape.broadcastStrides(to: r.shape), right.shape.broadcastStrides(to: r.shape)) {
            o, ia, ib, length, sa, sb in
            let run = Run(gy: gy + o, a: a + ia, b: b + ib, ga: needA ? ga + ia : nil, gb: needB ? gb + ib : nil)
            if sa == 1 && sb == 1 {
                run.accumulate(op, 1, 1, length)
            } else if sa == 1 && sb == 0 {
                run.accumulate(op, 1, 0, length)
            } else if sa == 0 && sb == 1 {
                run.accumulate(op, 0, 1, length)
            } else {
                run.accumulate(op, sa, sb, length)
            }
        }
    }
}

/// One run of a broadcast binary op's backward pass: gradients into a and b (nil when that
/// input needs none) from the output gradient gy.
private struct Run<T: GDOptFloat> {
    let gy: UnsafeMutablePointer<T>, a: UnsafeMutablePointer<T>, b: UnsafeMutablePointer<T>
    let ga: UnsafeMutablePointer<T>?, gb: UnsafeMutablePointer<T>?

    @inline(__always)
    func accumulate(_ op: BinaryOp, _ sa: Int, _ sb: Int, _ length: Int) {
        if let ga {
            switch op {
            case .add, .sub: for j in 0..<length { ga[j * sa] += gy[j] }
            case .mul: for j in 0..<length { ga[j * sa] += gy[j] * b[j * sb] }
            case .div: for j in 0..<length { ga[j * sa] += gy[j] / b[j * sb] }  // d(x/z)/dx = 1/z
            case .matmul: break
            }
        }
        if let gb {
            switch op {
            case .add: for j in 0..<length { gb[j * sb] += gy[j] }
            case .sub: for j in 0..<length { gb[j * sb] -= gy[j] }
            case .mul: for j in 0..<length { gb[j * sb] += gy[j] * a[j * sa] }
            case .div: for j in 0..<length { gb[j * sb] -= gy[j] * a[j * sa] / (b[j * sb] * b[j * sb]) }  // −x/z²
            case .matmul: break
            }
        }
    }
}
