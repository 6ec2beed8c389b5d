/// What a method wants next, after it has written any point to evaluate into `run.point`.
enum MethodStep {
    /// Evaluate f (and the gradient, when `gradient`) at run.point.
    case evaluate(gradient: Bool)
    /// The iteration ended: run.x, run.f and run.g hold the new iterate; `step` is ‖Δx‖∞.
    case iterated(step: Double)
    /// The line search found no acceptable step.
    case lineSearchFailed
}

/// One minimisation method as a resumable state machine: `advance` is called at the start
/// of each iteration and again after each evaluation it asked for (the value in run.pointF,
/// the gradient in run.pointG). All its state is in stored properties that `archive`
/// writes, so a run can stop between any two calls and continue in another process.
protocol SearchMethod {
    /// True for the line-search methods, whose iterates never increase f: an iteration
    /// without any decrease ends their run (the precision of f is exhausted).
    var isMonotone: Bool { get }
    mutating func advance(_ run: SolverRun) throws(GDOptError) -> MethodStep
    func archive(_ out: inout StateWriter)
    mutating func restore(_ input: inout StateReader) throws(GDOptError)
}
