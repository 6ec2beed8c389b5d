/// Limited-memory BFGS (Nocedal, 1980; Liu & Nocedal, 1989): the two-loop recursion over
/// the last `memory` pairs s = Δx, y = Δg, with H₀ = (sᵀy / yᵀy)·I, and a strong Wolfe line
/// search. A pair with sᵀy ≤ 1e-12·‖s‖‖y‖ (no curvature) is not stored. The pairs live in
/// a ring of preallocated vectors: an iteration costs O(n·memory) and allocates nothing.
struct LBFGS: SearchMethod {
    let c1: Double, c2: Double
    let ring: PairRing
    let direction: Vector
    var searching = false
    var search = StrongWolfe()

    var isMonotone: Bool { true }

    init(memory: Int, c1: Double, c2: Double, count n: Int) throws(GDOptError) {
        (self.c1, self.c2) = (c1, c2)
        ring = try PairRing(memory: memory, count: n)
        direction = try Vector(count: n)
    }

    mutating func advance(_ run: SolverRun) throws(GDOptError) -> MethodStep {
        let outcome: LineSearchOutcome
        if searching {
            outcome = search.resume(run, direction: direction, c1: c1, c2: c2)
        } else {
            let slope = ring.twoLoop(gradient: run.g, into: direction)
            // The first step has no curvature yet: scale it like scipy, to at most 1 in ∞-norm.
            let alpha0 = ring.count == 0 ? Swift.min(1, 1 / Swift.max(VectorMath.maxNorm(run.g), 1e-300)) : 1
            searching = true
            outcome = search.start(run, direction: direction, alpha0: alpha0, slope0: slope)
        }
        switch outcome {
        case .evaluate: return .evaluate(gradient: true)
        case .failed: return .lineSearchFailed
        case .accepted:
            searching = false
            let step = ring.push(newX: run.point, oldX: run.x, newG: run.pointG, oldG: run.g)
            run.accept()
            return .iterated(step: step)
        }
    }

    func archive(_ out: inout StateWriter) {
        out.bool(searching)
        out.vector(direction)
        search.archive(&out)
        ring.archive(&out)
    }

    mutating func restore(_ input: inout StateReader) throws(GDOptError) {
        searching = try input.bool()
        try input.vector(into: direction)
        try search.restore(&input)
        try ring.restore(&input)
    }
}

/// The last `memory` pairs (s, y) with ρ = 1/sᵀy, oldest first from `head`.
final class PairRing {
    let memory: Int
    let s: [Vector], y: [Vector]
    var rho: [Double], alphas: [Double]
    var head = 0, count = 0
    var gamma = 1.0  // sᵀy / yᵀy of the newest pair: H₀ = γ·I

    init(memory: Int, count n: Int) throws(GDOptError) {
        self.memory = memory
        (s, y) = try Vector.pairs(memory: memory, count: n)
        rho = try Allocation.array(repeating: 0.0, count: memory, what: "memory=\(memory)")
        alphas = rho
    }

    /// The slot of the i-th pair, oldest first.
    func slot(_ i: Int) -> Int { (head + i) % memory }

    /// d = −H·g by the two-loop recursion, returning gᵀd. Each update is fused with the
    /// dot product that follows it, so the recursion reads each pair's vectors once per loop.
    func twoLoop(gradient g: Vector, into d: Vector) -> Double {
        guard count > 0 else { return VectorMath.update(d, scale: -1, g, 0, g, thenDotWith: g) }
        var source = g  // q starts as g; the first update writes it into d
        var next = rho[slot(count - 1)] * VectorMath.dot(s[slot(count - 1)], g)
        for i in stride(from: count - 1, through: 0, by: -1) {
            let k = slot(i)
            alphas[k] = next
            // q = q − αᵢ·yᵢ (and γ·q after the oldest pair), then the next dot product.
            let last = i == 0
            let dot = VectorMath.update(
                d, scale: last ? gamma : 1, source, -alphas[k], y[k],
                thenDotWith: last ? y[slot(0)] : s[slot(i - 1)])
            next = last ? dot : rho[slot(i - 1)] * dot
            source = d
        }
        var beta = rho[slot(0)] * next
        for i in 0..<count {
            let k = slot(i)
            let last = i == count - 1
            // q = q + (αᵢ − βᵢ)·sᵢ, then βᵢ₊₁'s dot; the last pass writes d = −q and gᵀd.
            let dot = VectorMath.update(
                d, scale: last ? -1 : 1, d, alphas[k] - beta, s[k],
                thenDotWith: last ? g : y[slot(i + 1)])
            if last { return dot }
            beta = rho[slot(i + 1)] * dot
        }
        return 0
    }

    /// Stores s = newX − oldX, y = newG − oldG when it has curvature; returns ‖s‖∞.
    func push(newX: Vector, oldX: Vector, newG: Vector, oldG: Vector) -> Double {
        let k = slot(count == memory ? 0 : count)
        let (sy, ss, yy, _, step) = VectorMath.pair(s: s[k], y: y[k], newX: newX, oldX: oldX, newG: newG, oldG: oldG)
        if sy > 1e-12 * (ss.squareRoot() * yy.squareRoot()) {
            rho[k] = 1 / sy
            gamma = sy / yy
            if count == memory { head = (head + 1) % memory } else { count += 1 }
        }
        return step
    }

    func archive(_ out: inout StateWriter) {
        out.doubles(Double(count), gamma)
        for i in 0..<count {
            let k = slot(i)
            out.doubles(rho[k])
            out.vector(s[k])
            out.vector(y[k])
        }
    }

    func restore(_ input: inout StateReader) throws(GDOptError) {
        count = try input.count(atMost: memory)
        head = 0
        gamma = try input.double()
        for k in 0..<count {
            rho[k] = try input.double()
            try input.vector(into: s[k])
            try input.vector(into: y[k])
        }
    }
}
