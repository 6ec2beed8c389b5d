/// Newton's method: solves H·d = −g by Cholesky. Where H is not positive definite (a saddle
/// or a maximum), it factors H + τI instead, raising τ until the factorisation succeeds
/// (Nocedal & Wright §3.4), so d is always a descent direction; then Armijo backtracking
/// from α = 1. H comes from the user's callback, or from centred differences of the gradient.
struct Newton: Stepper {
    let hessian: ((UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) throws(GDOptError) -> Void)?
    let c1: Double, observe: ((LineSearchStep) -> Void)?

    mutating func step(_ state: inout Iterate, _ e: Evaluator) throws -> Double {
        let n = state.x.count
        var h = try hessianMatrix(state.x, e)
        // Symmetrise: differences and user callbacks may be slightly asymmetric.
        for i in 0..<n { for j in 0..<i { let m = (h[i * n + j] + h[j * n + i]) / 2; h[i * n + j] = m; h[j * n + i] = m } }
        var tau = 0.0
        var factor: [Double]?
        let scale = Swift.max(1e-8, (0..<n).map { Swift.abs(h[$0 * n + $0]) }.max() ?? 1)
        while factor == nil {
            var shifted = h
            for i in 0..<n { shifted[i * n + i] += tau }
            factor = cholesky(shifted, n)
            tau = tau == 0 ? 1e-3 * scale : tau * 4
            if tau > 1e20 * scale { throw Interruption.noProgress }
        }
        let d = solve(factor!, n, state.g.map { -$0 })
        let r = try backtracking(e, x: state.x, f0: state.f, g0: state.g, direction: d, alpha0: 1, c1: c1, observe: observe)
        let step = r.alpha * maxNorm(d)
        (state.x, state.f, state.g) = (r.x, r.f, r.g)
        return step
    }

    private func hessianMatrix(_ x: [Double], _ e: Evaluator) throws -> [Double] {
        let n = x.count
        var h = [Double](repeating: 0, count: n * n)
        if let hessian {
            var failure: GDOptError?
            x.withUnsafeBufferPointer { point in
                h.withUnsafeMutableBufferPointer { out in
                    do throws(GDOptError) { try hessian(point, out) } catch { failure = error }
                }
            }
            if let failure { throw Interruption.failed(failure) }
            guard h.allSatisfy(\.isFinite) else { throw Interruption.failed(.callback("the Hessian callback wrote NaN or Inf")) }
            return h
        }
        for j in 0..<n {
            let step = 1e-5 * Swift.max(1, Swift.abs(x[j]))
            var plus = x, minus = x
            plus[j] += step
            minus[j] -= step
            let (_, gPlus) = try e.valueAndGradient(plus, candidate: false)
            let (_, gMinus) = try e.valueAndGradient(minus, candidate: false)
            for i in 0..<n { h[i * n + j] = (gPlus[i] - gMinus[i]) / (2 * step) }
        }
        return h
    }
}

/// The lower-triangular L with L·Lᵀ = a (row-major n×n), or nil when a is not positive definite.
func cholesky(_ a: [Double], _ n: Int) -> [Double]? {
    var l = [Double](repeating: 0, count: n * n)
    for j in 0..<n {
        var diagonal = a[j * n + j]
        for k in 0..<j { diagonal -= l[j * n + k] * l[j * n + k] }
        guard diagonal > 0, diagonal.isFinite else { return nil }
        let root = diagonal.squareRoot()
        l[j * n + j] = root
        for i in (j + 1)..<Swift.max(j + 1, n) {
            var sum = a[i * n + j]
            for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
            l[i * n + j] = sum / root
        }
    }
    return l
}

/// Solves L·Lᵀ·x = b.
func solve(_ l: [Double], _ n: Int, _ b: [Double]) -> [Double] {
    var y = b
    for i in 0..<n {
        for k in 0..<i { y[i] -= l[i * n + k] * y[k] }
        y[i] /= l[i * n + i]
    }
    for i in (0..<n).reversed() {
        for k in (i + 1)..<Swift.max(i + 1, n) { y[i] -= l[k * n + i] * y[k] }
        y[i] /= l[i * n + i]
    }
    return y
}
