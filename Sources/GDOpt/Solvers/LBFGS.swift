/// Limited-memory BFGS (Nocedal, 1980; Liu & Nocedal, 1989): the two-loop recursion over
/// the last `memory` pairs s = Δx, y = Δg, with H₀ = (sᵀy / yᵀy)·I, and a strong Wolfe
/// line search. A pair with sᵀy ≤ 0 (no curvature) is not stored.
struct LBFGS: Stepper {
    let memory: Int, c1: Double, c2: Double, observe: ((LineSearchStep) -> Void)?
    var pairs: [(s: [Double], y: [Double], rho: Double)] = []

    init(memory: Int, c1: Double, c2: Double, observe: ((LineSearchStep) -> Void)?) {
        (self.memory, self.c1, self.c2, self.observe) = (memory, c1, c2, observe)
    }

    mutating func step(_ state: inout Iterate, _ e: Evaluator) throws -> Double {
        var q = state.g
        var alphas = [Double](repeating: 0, count: pairs.count)
        for i in pairs.indices.reversed() {
            alphas[i] = pairs[i].rho * dot(pairs[i].s, q)
            q = axpy(q, -alphas[i], pairs[i].y)
        }
        if let last = pairs.last { q = q.map { $0 * dot(last.s, last.y) / dot(last.y, last.y) } }
        for i in pairs.indices {
            let beta = pairs[i].rho * dot(pairs[i].y, q)
            q = axpy(q, alphas[i] - beta, pairs[i].s)
        }
        let d = q.map { -$0 }
        // The first step has no curvature yet: scale it like scipy, to at most 1 in ∞-norm.
        let alpha0 = pairs.isEmpty ? Swift.min(1, 1 / Swift.max(maxNorm(state.g), 1e-300)) : 1
        let r = try strongWolfe(e, x: state.x, f0: state.f, g0: state.g, direction: d, alpha0: alpha0, c1: c1, c2: c2,
                                observe: observe)
        let s = zip(r.x, state.x).map { $0 - $1 }, y = zip(r.g, state.g).map { $0 - $1 }
        let sy = dot(s, y)
        if sy > 1e-12 * (dot(s, s).squareRoot() * dot(y, y).squareRoot()) {
            pairs.append((s, y, 1 / sy))
            if pairs.count > memory { pairs.removeFirst() }
        }
        (state.x, state.f, state.g) = (r.x, r.f, r.g)
        return maxNorm(s)
    }
}
