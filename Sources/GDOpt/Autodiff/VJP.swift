/// The backward rules: each op's vector-Jacobian product, accumulated into its inputs'
/// gradients so that a node used several times sums its contributions. The gradient arena is
/// not zeroed before a backward pass (that cost as much as an elementwise op per node): the
/// first contribution to a node writes its gradient, later ones add (`claimGradient`), and a
/// node that received none reads as zeros (`Tape.hasGradient`).
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
        let adding = claimGradient(r.a)
        switch op {
        case .neg: deposit(gx, count: n, adding: adding) { -gy[$0] }  // d(−x) = −1
        case .exp: deposit(gx, count: n, adding: adding) { gy[$0] * y[$0] }  // d eˣ = eˣ
        case .log: deposit(gx, count: n, adding: adding) { gy[$0] / x[$0] }  // d ln x = 1/x
        case .tanh: deposit(gx, count: n, adding: adding) { gy[$0] * (1 - y[$0] * y[$0]) }  // 1 − tanh²
        case .sigmoid: deposit(gx, count: n, adding: adding) { gy[$0] * y[$0] * (1 - y[$0]) }  // σ(1 − σ)
        case .relu: deposit(gx, count: n, adding: adding) { gy[$0].kept(if: x[$0] > 0) }  // 1 where x > 0
        case .square: deposit(gx, count: n, adding: adding) { 2 * x[$0] * gy[$0] }  // 2x
        case .sqrt: deposit(gx, count: n, adding: adding) { gy[$0] / (2 * y[$0]) }  // 1/(2√x)
        case .abs:  // sign x
            deposit(gx, count: n, adding: adding) { i in
                let g = gy[i]
                return (x[i] > 0 ? g : -g).kept(if: x[i] != 0)
            }
        case .sum: deposit(gx, count: n, adding: adding) { _ in gy[0] }
        case .mean: deposit(gx, count: n, adding: adding) { _ in gy[0] / T(n) }
        case .transpose: break
        }
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
                    beta: claimGradient(r.a) ? 1 : 0, c: ga, ldc: k)
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
        // Unit-stride runs get loops with constant strides, which vectorise.
        walk(r.shape, left.shape.broadcastStrides(to: r.shape), right.shape.broadcastStrides(to: r.shape)) {
            o, ia, ib, length, sa, sb in
            let run = Run(
                gy: gy + o, a: a + ia, b: b + ib, ga: needA ? ga + ia : nil, gb: needB ? gb + ib : nil,
                addA: addA, addB: addB)
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
/// input needs none) from the output gradient gy, added to (addA, addB) or written.
private struct Run<T: GDOptFloat> {
    let gy: UnsafeMutablePointer<T>, a: UnsafeMutablePointer<T>, b: UnsafeMutablePointer<T>
    let ga: UnsafeMutablePointer<T>?, gb: UnsafeMutablePointer<T>?
    let addA: Bool, addB: Bool

    @inline(__always)
    func accumulate(_ op: BinaryOp, _ sa: Int, _ sb: Int, _ length: Int) {
        if let ga {
            switch op {
            case .add, .sub: deposit(ga, stride: sa, count: length, adding: addA) { gy[$0] }
            case .mul: deposit(ga, stride: sa, count: length, adding: addA) { gy[$0] * b[$0 * sb] }
            case .div: deposit(ga, stride: sa, count: length, adding: addA) { gy[$0] / b[$0 * sb] }  // d(x/z)/dx = 1/z
            case .matmul: break
            }
        }
        if let gb {
            switch op {
            case .add: deposit(gb, stride: sb, count: length, adding: addB) { gy[$0] }
            case .sub: deposit(gb, stride: sb, count: length, adding: addB) { -gy[$0] }
            case .mul: deposit(gb, stride: sb, count: length, adding: addB) { gy[$0] * a[$0 * sa] }
            case .div:
                deposit(gb, stride: sb, count: length, adding: addB) {
                    -(gy[$0] * a[$0 * sa] / (b[$0 * sb] * b[$0 * sb]))
                }  // −x/z²
            case .matmul: break
            }
        }
    }
}

/// g[i·stride] += term(i) when adding, else = term(i), for i in 0..<n: one loop each, so both
/// vectorise (x − t and x + (−t) are the same float).
@inline(__always)
func deposit<T: GDOptFloat>(
    _ g: UnsafeMutablePointer<T>, stride: Int = 1, count n: Int, adding: Bool, _ term: (Int) -> T
) {
    if adding {
        for i in 0..<n { g[i * stride] += term(i) }
    } else {
        for i in 0..<n { g[i * stride] = term(i) }
    }
}
