/// What a progress callback sees after each iteration.
public struct SolverProgress: Sendable {
    public let iteration, evaluations: Int
    public let f, gradientNorm, step: Double
}

public struct SolverResult: Sendable, Equatable {
    public let f, gradientNorm: Double
    public let iterations, evaluations: Int
    public let reason: StopReason
}

public typealias HessianCallback = (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) throws(GDOptError)
    -> Void

/// Minimisation in the manner of scipy.optimize.minimize and NLopt: a method, options by
/// name, per-coordinate bounds, and either a callback objective (`minimize`) or reverse
/// communication (`begin`, `ask`, `tell`), which `minimize` is a loop over, so both visit
/// the same points bit for bit. A run can be saved between any two calls and resumed.
/// Not thread-safe: one solver per thread.
public final class Solver {
    public let method: SolverMethod
    var options = SolverOptions()
    public internal(set) var bounds: Box?
    var run: SolverRun?
    /// Called after every iteration by `minimize`; returning true stops the run (`.stoppedByCallback`).
    public var progress: ((SolverProgress) -> Bool)?
    /// The Hessian at x, row-major n×n, for `newton`; without it Newton differences the gradient.
    public var hessian: HessianCallback? { didSet { run?.hessian = hessian } }
    /// Sees every accepted line-search step (tests check the Wolfe conditions with it).
    public var lineSearchObserver: ((LineSearchStep) -> Void)? { didSet { run?.observer = lineSearchObserver } }

    public init(_ method: SolverMethod) { self.method = method }

    public convenience init(method name: String) throws(GDOptError) { self.init(try SolverMethod(name: name)) }

    /// True between begin and the end of the run (DONE): options and bounds are fixed then.
    public var isRunning: Bool { run.map { $0.phase != .done } ?? false }

    public func checkIdle(_ what: String) throws(GDOptError) {
        if isRunning { throw .state("cannot \(what) while a run is going (finish it, or begin a new one)") }
    }

    public func set(_ name: String, _ value: Double) throws(GDOptError) {
        guard let updated = try options.setting(name, value) else { _ = try index(of: name); return }
        try checkIdle("set \(name)")
        options = updated
    }

    public func get(_ name: String) throws(GDOptError) -> Double { options.values[try index(of: name)] }

    private func index(of name: String) throws(GDOptError) -> Int { try options.specs.index(of: name, in: "a solver") }

    /// Per-coordinate bounds (nil: none on that side; ±∞ allowed); nil for both clears them.
    public func setBounds(lower: [Double]?, upper: [Double]?, count n: Int) throws(GDOptError) {
        let box = lower == nil && upper == nil ? nil : try Box(lower: lower, upper: upper, count: n)
        try checkIdle("set bounds")
        bounds = box
    }

    /// The typed form: a `Box` (nil clears the bounds).
    public func setBounds(_ box: Box?) throws(GDOptError) {
        try checkIdle("set bounds")
        bounds = box
    }

    // MARK: - Reverse communication

    /// Starts a run from a copy of x0 (projected into the bounds); a run going is dropped.
    public func begin(_ x0: UnsafeBufferPointer<Double>) throws(GDOptError) {
        guard !x0.isEmpty else { throw .size("n=0 must be > 0") }
        if let bounds, bounds.count != x0.count {
            throw .size("the bounds were set for n=\(bounds.count), x0 has n=\(x0.count)")
        }
        if let i = x0.firstIndex(where: { !$0.isFinite }) { throw .invalid("x0[\(i)] is \(x0[i])") }
        try options.checkCombination()
        let box = bounds?.isActive == true ? bounds : nil
        let method = self.method
        let random = method == .randomSearch || method == .randomLocalSearch
        let run = try SolverRun(x0: x0, box: box, options: options, needsGradient: !random) { (n) throws(GDOptError) in
            try Self.makeMethod(method, options: options, box: box, count: n)
        }
        run.hessian = hessian
        run.observer = lineSearchObserver
        self.run = run
    }

    static func makeMethod(
        _ method: SolverMethod, options o: SolverOptions, box: Box?,
        count n: Int
    ) throws(GDOptError) -> any SearchMethod {
        switch method {
        case .gd: try KernelDescent(kind: .gd, options: o, count: n)
        case .momentum: try KernelDescent(kind: .momentum, options: o, count: n)
        case .adam: try KernelDescent(kind: .adam, options: o, count: n)
        case .gdLineSearch: try SteepestDescent(c1: o.c1, count: n)
        case .lbfgs where box != nil: try LBFGSB(memory: o.pairCount, c1: o.c1, c2: o.c2, count: n)
        case .lbfgs: try LBFGS(memory: o.pairCount, c1: o.c1, c2: o.c2, count: n)
        case .newton: try Newton(c1: o.c1, count: n)
        case .randomSearch: try RandomSearch(local: false, options: o, box: box, count: n)
        case .randomLocalSearch: try RandomSearch(local: true, options: o, box: box, count: n)
        }
    }

    private func currentRun(_ call: String) throws(GDOptError) -> SolverRun {
        guard let run else { throw .state("\(call) before begin: no run") }
        return run
    }

    /// The next task, its point written into x (n must be the run's).
    public func ask(into x: UnsafeMutableBufferPointer<Double>) throws(GDOptError) -> SolverTask {
        let run = try currentRun("ask")
        guard x.count == run.n else { throw .size("x has n=\(x.count), the run has n=\(run.n)") }
        return try run.ask(into: x)
    }

    /// f, and the gradient (nil for the random methods, or with finite_differences), at
    /// the last EVALUATE's point. NaN ends the run with `.callback` (the one failing call
    /// that changes the solver).
    public func tell(f: Double, gradient: UnsafeBufferPointer<Double>?) throws(GDOptError) {
        try currentRun("tell").tell(f: f, gradient: gradient)
    }

    /// tell, with n checked against the run (the C call's n).
    public func tell(f: Double, gradient: UnsafeBufferPointer<Double>?, count n: Int) throws(GDOptError) {
        let run = try currentRun("tell")
        guard n == run.n else { throw .size("n=\(n), the run has n=\(run.n)") }
        try run.tell(f: f, gradient: gradient)
    }

    /// Ends the run: the next ask gives DONE with reason `.stoppedByCallback`.
    public func stop() throws(GDOptError) {
        let run = try currentRun("stop")
        if run.phase != .done { run.finish(.stoppedByCallback) }
    }

    /// The result once the run is done; a run ended by the objective throws its error.
    public func result() throws(GDOptError) -> SolverResult {
        let (result, failure) = try outcome()
        if let failure { throw failure }
        return result
    }

    /// The result and, for a run the objective ended, the error (C fills res in both cases).
    public func outcome() throws(GDOptError) -> (SolverResult, GDOptError?) {
        let run = try currentRun("result")
        guard run.phase == .done else { throw .state("the run is not done: ask until DONE first") }
        return (run.result(), run.failure)
    }

    /// n of the run (0 when there is none).
    public var dimension: Int { run?.n ?? 0 }

    /// Whether the EVALUATE just asked for wants the gradient from the caller.
    public var wantsGradient: Bool { run?.expectsGradient ?? false }

    // MARK: - Callback interface

    /// Minimises `objective` from `x`; on return `x` holds the best point seen, also when the
    /// objective fails (NaN or an error: `.callback`). The loop over ask/tell.
    public func minimize(_ objective: @escaping Objective, x: UnsafeMutableBufferPointer<Double>) throws(GDOptError)
        -> SolverResult
    {
        try begin(UnsafeBufferPointer(x))
        let run = self.run!
        while true {
            switch try run.next() {
            case .evaluate:
                // f reads the run's own point and writes the gradient where tell keeps it: no copies.
                let wanted = run.expectsGradient
                let gradient = UnsafeMutableBufferPointer(start: run.pointG.base, count: run.n)
                let value: Double
                do {
                    value = try objective(run.evaluationPoint.buffer, wanted ? gradient : nil)
                } catch {
                    run.abort(error)
                    continue
                }
                do { try run.tell(f: value, gradient: wanted ? UnsafeBufferPointer(gradient) : nil) } catch {
                    if run.phase != .done { throw error }
                }
            case .iterate:
                if let progress,
                    progress(
                        SolverProgress(
                            iteration: run.iteration, evaluations: run.evaluations, f: run.f,
                            gradientNorm: run.gradientNorm, step: run.lastStep))
                {
                    try stop()
                }
            case .done:
                run.best.copy(to: x)
                return try result()
            }
        }
    }
}
