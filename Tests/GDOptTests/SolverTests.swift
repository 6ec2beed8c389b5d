import GDOpt
import Testing

@Suite struct SolverTests {
    @Test(arguments: Problem.all)
    func problemsCheckThemselves(_ p: Problem) throws {
        #expect(p.f(p.minimum).0 == p.fmin)
        #expect(p.f(p.minimum).1.allSatisfy { Swift.abs($0) < 1e-12 })
        let check = try p.start.withUnsafeBufferPointer { (x) throws(GDOptError) in
            try gradientCheck(of: p.objective, at: x, h: 1e-6)
        }
        #expect(check.maxRelativeError < 1e-6)
    }

    static func run(
        _ method: SolverMethod, _ p: Problem, _ options: [String: Double] = [:],
        observe: ((LineSearchStep) -> Void)? = nil
    ) throws -> (SolverResult, [Double]) {
        let solver = Solver(method)
        for (name, value) in options { try solver.set(name, value) }
        solver.lineSearchObserver = observe
        var x = p.start
        let result = try x.withUnsafeMutableBufferPointer { (buffer) throws(GDOptError) in
            try solver.minimize(p.objective, x: buffer)
        }
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
        #expect(
            result.f - problem.fmin <= tolerance,
            "\(method) on \(problem.name): f=\(result.f) after \(result.iterations) iterations, reason \(result.reason)"
        )
        #expect(problem.f(x).0 == result.f)  // x holds the best point
        if method == .lbfgs || method == .newton || method == .gdLineSearch {
            #expect(lineSearchSteps == result.iterations)
        }
        if options["gtol"] == 1e-8 && (method == .lbfgs || method == .newton) {
            #expect(result.reason == .gradientTolerance && result.gradientNorm <= 1e-8)
        }
    }
}

@Suite struct StoppingTests {
    typealias Run = SolverTests

    @Test func limitsAndTolerancesGiveTheirReasons() throws {
        let p = Problem.rosenbrock(2)
        var (r, _) = try Run.run(.gd, p, ["max_iter": 7])
        #expect(r.reason == .maxIterations && r.iterations == 7 && r.evaluations == 8)
        (r, _) = try Run.run(.lbfgs, p, ["max_evals": 10])
        #expect(r.reason == .maxEvaluations && r.evaluations == 10)
        (r, _) = try Run.run(.lbfgs, p, ["ftol": 1e-3])
        #expect(r.reason == .functionTolerance)
        (r, _) = try Run.run(.gd, p, ["xtol": 1e-2, "lr": 1e-4])
        #expect(r.reason == .stepTolerance)
        let atMinimum = Problem(name: "at minimum", start: [1, 1], minimum: [1, 1], fmin: 0, f: p.f)
        (r, _) = try Run.run(.lbfgs, atMinimum)
        #expect(r.reason == .gradientTolerance && r.iterations == 0 && r.evaluations == 1)
    }

    @Test func theProgressCallbackSeesEveryIterationAndCanStop() throws {
        let solver = Solver(.lbfgs)
        var seen: [Int] = []
        solver.progress = { progress in
            seen.append(progress.iteration)
            return progress.iteration == 3
        }
        var x = Problem.beale.start
        let r = try x.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in
            try solver.minimize(Problem.beale.objective, x: b)
        }
        #expect(r.reason == .stoppedByCallback && r.iterations == 3 && seen == [1, 2, 3])
    }

    @Test func nanFromTheObjectiveStopsWithTheBestPointInX() throws {
        let p = Problem.rosenbrock(2)
        var calls = 0
        let failing: Objective = { x, g in
            calls += 1
            return calls > 5 ? .nan : try p.objective(x, g)
        }
        var x = p.start
        #expect(throws: GDOptError.self) {
            _ = try x.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in
                try Solver(.lbfgs).minimize(failing, x: b)
            }
        }
        #expect(p.f(x).0 < p.f(p.start).0)  // x holds the best of the 5 good calls
    }

    @Test func randomSearchesAreReproducibleAndStayInTheBox() throws {
        let p = Problem.beale
        let options: [String: Double] = ["seed": 42, "lower": -4.5, "upper": 4.5, "max_iter": 2000, "step_scale": 0.2]
        let (a, xa) = try Run.run(.randomSearch, p, options)
        let (b, xb) = try Run.run(.randomSearch, p, options)
        #expect(a.f == b.f && a.evaluations == b.evaluations && xa == xb)  // (gradientNorm is NaN: no gradients)
        #expect(a.f < p.f(p.start).0 && xa.allSatisfy { (-4.5...4.5).contains($0) } && a.gradientNorm.isNaN)
        let (c, _) = try Run.run(.randomSearch, p, options.merging(["seed": 43]) { $1 })
        #expect(c.f != a.f)
        let (local, xl) = try Run.run(.randomLocalSearch, p, options)
        #expect(local.f < 0.1 && local.evaluations == 2001 && xl.allSatisfy { (-4.5...4.5).contains($0) })
    }

    @Test func newtonUsesTheHessianCallbackAndEscapesASaddle() throws {
        // f = x² − y² + y⁴/4 has a saddle at the origin and minima at (0, ±√2).
        let saddle = Problem(name: "saddle", start: [0.5, 1e-3], minimum: [0, 2.0.squareRoot()], fmin: -1) { v in
            (v[0] * v[0] - v[1] * v[1] + v[1] * v[1] * v[1] * v[1] / 4, [2 * v[0], -2 * v[1] + v[1] * v[1] * v[1]])
        }
        let (r, x) = try Run.run(.newton, saddle, ["gtol": 1e-10])
        #expect(Swift.abs(r.f + 1) < 1e-12 && Swift.abs(Swift.abs(x[1]) - 2.0.squareRoot()) < 1e-6)

        let solver = Solver(.newton)
        try solver.set("gtol", 1e-10)
        var hessianCalls = 0
        solver.hessian = { x, h in
            hessianCalls += 1
            (h[0], h[1], h[2], h[3]) = (2, 0, 0, -2 + 3 * x[1] * x[1])
        }
        var y = saddle.start
        let exact = try y.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in
            try solver.minimize(saddle.objective, x: b)
        }
        #expect(hessianCalls == exact.iterations && Swift.abs(exact.f + 1) < 1e-12)
        #expect(exact.evaluations < r.evaluations)  // no finite-difference probes
    }

    @Test func badOptionsAreErrors() throws {
        let solver = Solver(.lbfgs)
        #expect(throws: GDOptError.self) { try solver.set("tolerance", 1) }
        #expect(throws: GDOptError.self) { try solver.set("gtol", -1) }
        #expect(throws: GDOptError.self) { try solver.set("c1", 1) }
        #expect(throws: GDOptError.self) { try Solver(method: "bfgs") }
        try solver.set("lower", 2)
        var x = [0.0]
        #expect(throws: GDOptError.invalid("lower=2.0 must be below upper=1.0")) {
            _ = try x.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in
                try solver.minimize(Problem.beale.objective, x: b)
            }
        }
        var empty: [Double] = []
        #expect(throws: GDOptError.size("n=0 must be > 0")) {
            _ = try empty.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in
                try Solver(.gd).minimize(Problem.beale.objective, x: b)
            }
        }
    }
}
