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
        values.withUnsafeBufferPointer { arena in
            gradients.withUnsafeMutableBufferPointer { grads in
                let x = arena.baseAddress! + input.offset, y = arena.baseAddress! + r.offset
                let gx = grads.baseAddress! + input.offset, gy = grads.baseAddress! + r.offset
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
        }
    }

    private func backwardBinary(_ op: BinaryOp, _ r: Record) {
        let left = records[r.a], right = records[r.b]
        let needA = left.requiresGradient, needB = right.requiresGradient
        values.withUnsafeBufferPointer { arena in
            gradients.withUnsafeMutableBufferPointer { grads in
                let a = arena.baseAddress! + left.offset, b = arena.baseAddress! + right.offset
                let ga = grads.baseAddress! + left.offset, gb = grads.baseAddress! + right.offset
                let gy = grads.baseAddress! + r.offset
                if op == .matmul {  // Y = A·B: dA = dY·Bᵀ, dB = Aᵀ·dY
                    let m = left.shape[0], k = left.shape[1], n = right.shape[1]
                    if needA {
                        BLAS.gemm(transposeA: false, transposeB: true, m: m, n: k, k: n, a: gy, lda: n, b: b, ldb: n,
                                  beta: 1, c: ga, ldc: k)
                    }
                    if needB {
                        BLAS.gemm(transposeA: true, transposeB: false, m: k, n: n, k: m, a: a, lda: k, b: gy, ldb: n,
                                  beta: 1, c: gb, ldc: n)
                    }
                    return
                }
                // Broadcast inputs read through stride 0, so += here sums over the broadcast axes.
                walk(r.shape, left.shape.broadcastStrides(to: r.shape), right.shape.broadcastStrides(to: r.shape)) {
                    o, ia, ib, length, sa, sb in
                    for j in 0..<length {
                        let g = gy[o + j], x = a[ia + j * sa], z = b[ib + j * sb]
                        switch op {
                        case .add:
                            if needA { ga[ia + j * sa] += g }
                            if needB { gb[ib + j * sb] += g }
                        case .sub:
                            if needA { ga[ia + j * sa] += g }
                            if needB { gb[ib + j * sb] -= g }
                        case .mul:
                            if needA { ga[ia + j * sa] += g * z }
                            if needB { gb[ib + j * sb] += g * x }
                        case .div:  // d(x/z) = 1/z dx − x/z² dz
                            if needA { ga[ia + j * sa] += g / z }
                            if needB { gb[ib + j * sb] -= g * x / (z * z) }
                        case .matmul: break
                        }
                    }
                }
            }
        }
    }
}
