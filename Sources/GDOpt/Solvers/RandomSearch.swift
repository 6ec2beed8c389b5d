extension Solver {
    /// The baselines of the seeds: random_search samples the box [lower, upper]ⁿ uniformly
    /// and keeps the best point; random_local_search proposes best + step_scale·u, u uniform
    /// in [−1, 1]ⁿ (clamped to the box), and moves when the proposal is better. Both are
    /// reproducible from `seed` (SplitMix64) and use objective values only.
    func searchRandomly(_ e: Evaluator, start: [Double]) throws -> (Int, StopReason) {
        var random = SplitMix64(state: UInt64(option("seed")))
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        let lower = option("lower"), upper = option("upper"), scale = option("step_scale")
        var current = start
        var value = try e.value(start)
        var iteration = 0
        while iteration < Int(option("max_iter")) {
            let candidate: [Double]
            if method == .randomSearch {
                candidate = start.map { _ in lower + (upper - lower) * uniform() }
            } else {
                candidate = current.map { Swift.min(upper, Swift.max(lower, $0 + scale * (2 * uniform() - 1))) }
            }
            let f = try e.value(candidate)
            let previous = value
            if f < value { (current, value) = (candidate, f) }
            iteration += 1
            if progress?(SolverProgress(iteration: iteration, evaluations: e.evaluations, f: value, gradientNorm: .nan,
                                        step: value < previous ? maxNorm(zip(candidate, current).map { $0 - $1 }) : 0)) == true {
                return (iteration, .stoppedByCallback)
            }
        }
        return (iteration, .maxIterations)
    }
}
