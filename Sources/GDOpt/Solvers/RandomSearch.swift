/// The baselines of the seeds: random_search samples the box uniformly and keeps the best
/// point; random_local_search proposes best + step_scale·u, u uniform in [−1, 1]ⁿ (clamped
/// to the box), and moves when the proposal is better. The box is the solver's bounds,
/// with the scalar options `lower`/`upper` standing in for an infinite side. Both are
/// reproducible from `seed` (SplitMix64) and use objective values only.
struct RandomSearch: SearchMethod {
    let local: Bool, stepScale: Double
    let lower: [Double], upper: [Double]
    var random: SplitMix64
    var waiting = false

    var isMonotone: Bool { false }

    init(local: Bool, options: SolverOptions, box: Box?, count n: Int) throws(GDOptError) {
        self.local = local
        stepScale = options.stepScale
        lower = (0..<n).map { i in box.map { $0.lower[i].isFinite ? $0.lower[i] : options.lower } ?? options.lower }
        upper = (0..<n).map { i in box.map { $0.upper[i].isFinite ? $0.upper[i] : options.upper } ?? options.upper }
        for i in 0..<n where !(lower[i] < upper[i]) {
            throw .invalid(
                "the sampling box of coordinate \(i), [\(lower[i]), \(upper[i])], is empty "
                    + "(lower=\(options.lower) and upper=\(options.upper) stand in for infinite bounds)")
        }
        random = SplitMix64(state: UInt64(options.seed))
    }

    private mutating func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }

    mutating func advance(_ run: SolverRun) throws(GDOptError) -> MethodStep {
        guard waiting else {
            for i in 0..<run.n {
                if local {
                    run.point[i] = Swift.min(upper[i], Swift.max(lower[i], run.x[i] + stepScale * (2 * uniform() - 1)))
                } else {
                    run.point[i] = lower[i] + (upper[i] - lower[i]) * uniform()
                }
            }
            waiting = true
            return .evaluate(gradient: false)
        }
        waiting = false
        guard run.pointF < run.f else { return .iterated(step: 0) }
        let step = VectorMath.maxNorm(run.point, minus: run.x)
        run.accept()
        return .iterated(step: step)
    }

    func archive(_ out: inout StateWriter) {
        out.bool(waiting)
        out.doubles(Double(bitPattern: random.state))
    }

    mutating func restore(_ input: inout StateReader) throws(GDOptError) {
        waiting = try input.bool()
        random = SplitMix64(state: try input.double().bitPattern)
    }
}
