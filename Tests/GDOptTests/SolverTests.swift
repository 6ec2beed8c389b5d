import GDOpt
import Testing

@Suite struct SolverTests {
    @Test(arguments: Problem.all)
    func problemsCheckThemselves(_ p: Problem) throws {
        #expect(p.f(p.minimum).0 == p.fmin)
        #expect(p.f(p.minimum).1.allSatisfy { Swift.abs($0) < 1e-12 })
        let check = try p.start.withUnsafeBufferPointer { (x) throws(GDOptError) in try gradientCheck(of: p.objective, at: x, h: 1e-6) }
        #expect(check.maxRelativeError < 1e-6)
    }

    static func run(_ method: SolverMethod, _ p: Problem, _ options: [String: Double] = [:],
                    observe: ((LineSearchStep) -> Void)? = nil) throws -> (SolverResult, [Double]) {
        let solver = Solver(method)
        for (name, value) in options { try solver.set(name, value) }
        solver.lineSearchObserver = observe
        var x = p.start
        let result = try x.withUnsafeMutableBufferPointer { (buffer) throws(GDOptError) in try solver.minimize(p.objective, x: buffer) }
        return (result, x)
    }

    /// The documented accuracy of each method (gdopt.h): (method, problem, options, f − fmin).
    static let accuracy: [(SolverMethod, Problem, [String: Double], Double)] = [
        (.lbfgs, .rosenbrock(2), ["gtol": 1e-8], 1e-14), (.lbfgs, .rosenbrock(10), ["gtol": 1e-8], 1e-14),
        (.lbfgs, .rosenbrock(100), ["gtol": 1e-8], 1e-14), (.lbfgs, .quadratic, ["gtol": 1e-8], 1e-14),
        (.lbfgs, .beale, ["gtol": 1e-8], 1e-14),
        // (From the standard start Newton ends in Rosenbrock-10's other local minimum, f ≈ 3.99.)
        (.newton, .rosenbrock(2), ["gtol": 1e-8], 1e-14),
        (.newton, .quadratic, ["gtol": 1e-8], 1e-14), (.newton, .beale, ["gtol": 1e-8], 1e-14),
        (.gdLineSearch, .rosenbrock(2), ["max_iter": 20000, "gtol": 1e-6], 1e-8),
        (.gdLineSearch, .beale, ["max_iter": 20000, "gtol": 1e-6], 1e-10),
        (.gd, .rosenbrock(2), ["lr": 1e-3, "max_iter": 50000], 1e-6),
        (.momentum, .rosenbrock(2), ["lr": 1e-4, "momentum": 0.9, "max_iter": 50000], 1e-6),
        (.adam, .rosenbrock(2), ["lr": 1e-2, "max_iter": 20000], 1e-6),
        (.adam, .beale, ["lr": 1e-2, "max_iter": 20000], 1e-8),
    ]

    @Test(arguments: 0..<accuracy.count)
    func eachMethodReachesItsDocumentedAccuracy(_ row: Int) throws {
        let (method, problem, options, tolerance) = Self.accuracy[row]
        var lineSearchSteps = 0
        let (result, x) = try Self.run(method, problem, options) { step in
            lineSearchSteps += 1
            // Every accepted step satisfies Armijo, and L-BFGS's also the strong curvature condition.
            #expect(step.f <= step.f0 + 1e-4 * step.alpha * step.slope0)
            if method == .lbfgs { #expect(Swift.abs(step.slope) <= 0.9 * Swift.abs(step.slope0) + 1e-300) }
        }
        #expect(result.f - problem.fmin <= tolerance, "\(method) on \(problem.name): f=\(result.f) after \(result.iterations) iterations, reason \(result.reason)")
        #expect(problem.f(x).0 == result.f)  // x holds the best point
        if method == .lbfgs || method == .newton || method == .gdLineSearch { #expect(lineSearchSteps == result.iterations) }
        if options["gtol"] == 1e-8 && (method == .lbfgs || method == .newton) {
            #expect(result.reason == .gradientTolerance && result.gradientNorm <= 1e-8)
        }
    }
}
