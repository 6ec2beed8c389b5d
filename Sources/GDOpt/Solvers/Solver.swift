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

/// The state a method advances by one iteration.
struct Iterate {
    var x: [Double]
    var f: Double
    var g: [Double]
    var iteration = 0
}

/// One method's iteration: moves `state` and returns the step taken (‖Δx‖∞).
protocol Stepper {
    mutating func step(_ state: inout Iterate, _ e: Evaluator) throws -> Double
}

/// Unconstrained minimisation in the manner of scipy.optimize.minimize and NLopt: a method,
/// options by name, an objective with NLopt's signature, a progress callback, and a result
/// with the reason the run ended. Not thread-safe: one solver per thread.
public final class Solver {
    public let method: SolverMethod
    private var values = SolverOptions.table.map(\.defaultValue)
    /// Called after every iteration; returning true stops the run (`.stoppedByCallback`).
    public var progress: ((SolverProgress) -> Bool)?
    /// The Hessian at x, row-major n×n, for `newton`; without it Newton differentiates the
    /// gradient by centred differences.
    public var hessian: ((UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) throws(GDOptError) -> Void)?
    /// Sees every accepted line-search step (tests check the Wolfe conditions with it).
    public var lineSearchObserver: ((LineSearchStep) -> Void)?

    public init(_ method: SolverMethod) { self.method = method }

    public convenience init(method name: String) throws(GDOptError) { self.init(try SolverMethod(name: name)) }

    public func set(_ name: String, _ value: Double) throws(GDOptError) {
        let index = try SolverOptions.index(of: name)
        try SolverOptions.table[index].check(value)
        values[index] = value
    }

    public func get(_ name: String) throws(GDOptError) -> Double { values[try SolverOptions.index(of: name)] }

    func option(_ name: String) -> Double { values[(try? SolverOptions.index(of: name)) ?? 0] }

    /// Minimises `objective` from `x`; on return `x` holds the best point seen, also when the
    /// objective fails (NaN or an error: `.callback`).
    public func minimize(_ objective: @escaping Objective, x: UnsafeMutableBufferPointer<Double>) throws(GDOptError) -> SolverResult {
        guard !x.isEmpty else { throw .size("n=0 must be > 0") }
        guard option("lower") < option("upper") else {
            throw .invalid("lower=\(option("lower")) must be below upper=\(option("upper"))")
        }
        if option("c2") <= option("c1") { throw .invalid("c2=\(option("c2")) must be above c1=\(option("c1"))") }
        let e = Evaluator(objective, start: Array(x), limit: Int(option("max_evals")))
        var iterations = 0
        var reason = StopReason.maxIterations
        var failure: GDOptError?
        do {
            switch method {
            case .randomSearch, .randomLocalSearch:
                (iterations, reason) = try searchRandomly(e, start: Array(x))
            default:
                (iterations, reason) = try descend(e, start: Array(x))
            }
        } catch Interruption.evaluationLimit {
            reason = .maxEvaluations
        } catch Interruption.failed(let error) {
            failure = error
        } catch {
            reason = .stepTolerance
        }
        for i in 0..<x.count { x[i] = e.best[i] }
        if let failure { throw failure }
        let gradientNorm = e.bestGradient.map(maxNorm) ?? .nan
        return SolverResult(f: e.bestValue, gradientNorm: gradientNorm, iterations: iterations,
                            evaluations: e.evaluations, reason: reason)
    }

    private func descend(_ e: Evaluator, start: [Double]) throws -> (Int, StopReason) {
        let (f0, g0) = try e.valueAndGradient(start)
        var state = Iterate(x: start, f: f0, g: g0)
        var stepper = try makeStepper(count: start.count)
        let gtol = option("gtol"), ftol = option("ftol"), xtol = option("xtol"), maxIter = Int(option("max_iter"))
        if maxNorm(state.g) <= gtol { return (0, .gradientTolerance) }
        while state.iteration < maxIter {
            let previous = state.f
            let step = try stepper.step(&state, e)
            state.iteration += 1
            let gradientNorm = maxNorm(state.g)
            if progress?(SolverProgress(iteration: state.iteration, evaluations: e.evaluations, f: state.f,
                                        gradientNorm: gradientNorm, step: step)) == true {
                return (state.iteration, .stoppedByCallback)
            }
            if gradientNorm <= gtol { return (state.iteration, .gradientTolerance) }
            if ftol > 0 && Swift.abs(previous - state.f) <= ftol * Swift.max(1, Swift.abs(state.f)) {
                return (state.iteration, .functionTolerance)
            }
            if xtol > 0 && step <= xtol * Swift.max(1, maxNorm(state.x)) { return (state.iteration, .stepTolerance) }
        }
        return (state.iteration, .maxIterations)
    }

    private func makeStepper(count n: Int) throws -> any Stepper {
        let lr = option("lr"), c1 = option("c1"), c2 = option("c2")
        switch method {
        case .gd: return KernelStepper(kind: .gd, lr: lr, momentum: 0, count: n)
        case .momentum: return KernelStepper(kind: .momentum, lr: lr, momentum: option("momentum"), count: n)
        case .adam: return KernelStepper(kind: .adam, lr: lr, momentum: 0, count: n)
        case .gdLineSearch: return SteepestDescent(c1: c1, observe: lineSearchObserver)
        case .lbfgs: return LBFGS(memory: Swift.max(1, Int(option("memory"))), c1: c1, c2: c2, observe: lineSearchObserver)
        case .newton: return Newton(hessian: hessian, c1: c1, observe: lineSearchObserver)
        case .randomSearch, .randomLocalSearch: throw Interruption.noProgress
        }
    }
}

/// gd, momentum and adam: the optimizer kernels on the full gradient, not copies of them.
struct KernelStepper: Stepper {
    enum Kind { case gd, momentum, adam }
    let kind: Kind, lr: Double, momentum: Double
    var first: [Double], second: [Double]

    init(kind: Kind, lr: Double, momentum: Double, count: Int) {
        (self.kind, self.lr, self.momentum) = (kind, lr, momentum)
        first = [Double](repeating: 0, count: count)
        second = first
    }

    mutating func step(_ s: inout Iterate, _ e: Evaluator) throws -> Double {
        let before = s.x, n = s.x.count
        do throws(GDOptError) {
            switch kind {
            case .gd:
                try SGD.update(parameters: &s.x, gradients: s.g, momentumBuffer: nil, count: n, firstStep: true,
                               configuration: try SGD.Configuration(lr: lr))
            case .momentum:
                try SGD.update(parameters: &s.x, gradients: s.g, momentumBuffer: &first, count: n,
                               firstStep: s.iteration == 0, configuration: try SGD.Configuration(lr: lr, momentum: momentum))
            case .adam:
                try Adam.update(parameters: &s.x, gradients: s.g, firstMoment: &first, secondMoment: &second,
                                maxSecondMoment: nil, count: n, step: UInt64(s.iteration + 1),
                                configuration: try Adam.Configuration(lr: lr))
            }
        } catch { throw Interruption.failed(error) }
        (s.f, s.g) = try e.valueAndGradient(s.x)
        return maxNorm(zip(s.x, before).map { $0 - $1 })
    }
}

/// Steepest descent with Armijo backtracking, starting each search at twice the last step.
struct SteepestDescent: Stepper {
    let c1: Double, observe: ((LineSearchStep) -> Void)?
    var alpha = 1.0

    mutating func step(_ s: inout Iterate, _ e: Evaluator) throws -> Double {
        let d = s.g.map { -$0 }
        let r = try backtracking(e, x: s.x, f0: s.f, g0: s.g, direction: d, alpha0: 2 * alpha, c1: c1, observe: observe)
        alpha = r.alpha
        (s.x, s.f, s.g) = (r.x, r.f, r.g)
        return r.alpha * maxNorm(d)
    }
}
