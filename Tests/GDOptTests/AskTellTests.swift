import Foundation
import GDOpt
import Testing

/// Ask/tell, bounds, differences and checkpoints of the solvers (§9).
@Suite struct AskTellTests {
    /// Every method on a problem it can run, with and without a box that cuts off the minimum.
    static let runs: [(SolverMethod, Problem, [String: Double], Box?)] = {
        let p = Problem.rosenbrock(10)
        let n = 10
        let box = try! Box(
            lower: [Double](repeating: -2, count: n), upper: (0..<n).map { $0 % 3 == 0 ? 0.5 : .infinity }, count: n)
        let few: [String: Double] = ["max_iter": 60]
        let table: [(SolverMethod, [String: Double])] = [
            (.gd, few.merging(["lr": 1e-4]) { $1 }), (.gdLineSearch, few),
            (.momentum, few.merging(["lr": 1e-5]) { $1 }),
            (.adam, few.merging(["lr": 1e-2]) { $1 }), (.lbfgs, [:]), (.newton, few),
            (.randomSearch, ["max_iter": 200, "lower": -3, "upper": 3]),
            (.randomLocalSearch, ["max_iter": 200, "lower": -3, "upper": 3]),
        ]
        return table.flatMap { method, options in [(method, p, options, nil), (method, p, options, box)] }
            + [(.lbfgs, p, ["finite_differences": 1], box), (.newton, Problem.beale, ["finite_differences": 1], nil)]
    }()

    static func solver(_ row: Int) throws -> (Solver, Problem) {
        let (method, problem, options, box) = runs[row]
        let solver = Solver(method)
        for (name, value) in options { try solver.set(name, value) }
        if let box { try solver.setBounds(lower: box.lower, upper: box.upper, count: box.count) }
        return (solver, problem)
    }

    /// Drives an ask/tell run to the end, recording each point asked for; `interrupt` may
    /// replace the solver (a checkpoint and restore) before the k-th ask.
    static func drive(
        _ solver: Solver, _ p: Problem, from: Int = 0, points: inout [[Double]], evaluated: inout [[Double]],
        interrupt: ((Int, Solver) throws -> Solver)? = nil
    ) throws -> (SolverResult, [Double]) {
        var solver = solver
        var x = p.start
        var calls = from
        while true {
            if let interrupt { solver = try interrupt(calls, solver) }
            calls += 1
            let task = try x.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in try solver.ask(into: b) }
            points.append(x)
            switch task {
            case .evaluate:
                evaluated.append(x)
                let (f, g) = p.f(x)
                let gradient = solver.wantsGradient ? g : nil
                try gradient.withUnsafeBufferPointerIfAny { try solver.tell(f: f, gradient: $0) }
            case .iterate: continue
            case .done: return (try solver.result(), x)
            }
        }
    }

    @Test(arguments: 0..<runs.count)
    func askTellVisitsTheSamePointsAsMinimize(_ row: Int) throws {
        let (solver, p) = try Self.solver(row)
        var seen: [[Double]] = []
        let box = Self.runs[row].3
        let recording: Objective = { x, g in
            seen.append(Array(x))
            if let box { #expect(x.indices.allSatisfy { box.lower[$0] <= x[$0] && x[$0] <= box.upper[$0] }) }
            return try p.objective(x, g)
        }
        var x = p.start
        let viaMinimize = try x.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in
            try solver.minimize(recording, x: b)
        }
        try p.start.withUnsafeBufferPointer { (b) throws(GDOptError) in try solver.begin(b) }
        var asked: [[Double]] = []
        var evaluated: [[Double]] = []
        let (viaAskTell, best) = try Self.drive(solver, p, points: &asked, evaluated: &evaluated)
        #expect(same(viaAskTell, viaMinimize) && best == x)
        #expect(viaAskTell.evaluations == seen.count && evaluated == seen)
    }

    @Test(arguments: 0..<runs.count)
    func aRunRestoredFromACheckpointContinuesBitForBit(_ row: Int) throws {
        let (solver, p) = try Self.solver(row)
        try p.start.withUnsafeBufferPointer { (b) throws(GDOptError) in try solver.begin(b) }
        var plain: [[Double]] = []
        var scratch: [[Double]] = []
        let (expected, expectedX) = try Self.drive(solver, p, points: &plain, evaluated: &scratch)
        // The same run, moved through a checkpoint (a fresh solver each time) before several asks,
        // some of them while a tell is due inside a line search.
        let (fresh, _) = try Self.solver(row)
        try p.start.withUnsafeBufferPointer { (b) throws(GDOptError) in try fresh.begin(b) }
        var resumed: [[Double]] = []
        let (result, x) = try Self.drive(fresh, p, points: &resumed, evaluated: &scratch) { k, current in
            guard k % 7 == 3 else { return current }
            let bytes = current.serialized()
            let (next, _) = try Self.solver(row)
            try next.restore(from: bytes)
            #expect(next.serialized() == bytes)
            return next
        }
        #expect(same(result, expected) && x == expectedX && resumed == plain)
    }

    @Test func aCheckpointTakenWhileATellIsDueAsksThatPointAgain() throws {
        let solver = Solver(.lbfgs)
        var x = Problem.beale.start
        try x.withUnsafeBufferPointer { (b) throws(GDOptError) in try solver.begin(b) }
        for _ in 0..<5 {
            if try x.withUnsafeMutableBufferPointer({ (b) throws(GDOptError) in try solver.ask(into: b) }) == .evaluate
            {
                let (f, g) = Problem.beale.f(x)
                try g.withUnsafeBufferPointer { (b) throws(GDOptError) in try solver.tell(f: f, gradient: b) }
            }
        }
        #expect(try x.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in try solver.ask(into: b) } == .evaluate)
        let due = x
        let bytes = solver.serialized()
        let restored = Solver(.lbfgs)
        try restored.restore(from: bytes)
        var again = [0.0, 0.0]
        #expect(
            try again.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in try restored.ask(into: b) }
                == .evaluate)
        #expect(again == due)
        #expect(throws: GDOptError.state("a tell is due for the last EVALUATE")) {
            _ = try again.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in try restored.ask(into: b) }
        }
    }

    @Test func outOfTurnCallsAndBadCheckpointsChangeNothing() throws {
        let solver = Solver(.lbfgs)
        #expect(throws: GDOptError.self) { try solver.tell(f: 1, gradient: nil) }
        #expect(throws: GDOptError.self) { _ = try solver.result() }
        var x = Problem.beale.start
        try x.withUnsafeBufferPointer { (b) throws(GDOptError) in try solver.begin(b) }
        #expect(throws: GDOptError.self) { try solver.tell(f: 1, gradient: nil) }  // before ask
        #expect(throws: GDOptError.self) { try solver.set("gtol", 1) }  // a run is going
        _ = try x.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in try solver.ask(into: b) }
        let before = solver.serialized()
        #expect(throws: GDOptError.self) { try solver.tell(f: 1, gradient: nil) }  // lbfgs needs the gradient
        #expect(solver.serialized() == before)
        for cut in [0, 10, before.count / 2, before.count - 1] {
            #expect(throws: GDOptError.self) { try solver.restore(from: Array(before[..<cut])) }
        }
        var flipped = before
        flipped[before.count / 2] ^= 0x10
        #expect(throws: GDOptError.self) { try solver.restore(from: flipped) }
        #expect(throws: GDOptError.self) { try Solver(.newton).restore(from: before) }  // another method
        #expect(solver.serialized() == before)
        // A NaN ends the run: DONE with the best point, and the result is the objective's error.
        #expect(throws: GDOptError.self) {
            try [1.0, 1.0].withUnsafeBufferPointer { (g) throws(GDOptError) in try solver.tell(f: .nan, gradient: g) }
        }
        #expect(try x.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in try solver.ask(into: b) } == .done)
        #expect(throws: GDOptError.self) { _ = try solver.result() }
    }

    /// min ½Σλᵢ(xᵢ − cᵢ)² over a box: the solution x* is c clamped to the box, whatever the
    /// conditioning; L-BFGS-B must find it. (f is written as ½Σλᵢ(xᵢ − x*ᵢ)(xᵢ + x*ᵢ − 2cᵢ),
    /// the same function less its value at x*, so that rounding does not hide the last digits.)
    @Test(arguments: [1, 3, 10])
    func lbfgsbFindsTheClampedMinimumOfASeparableQuadratic(_ memory: Int) throws {
        let n = 200
        let lambda = (0..<n).map { Foundation.pow(10, 3 * Double($0) / Double(n - 1)) }
        let centre = (0..<n).map { 3 * sin(Double($0)) }
        let lower = (0..<n).map { $0 % 4 == 0 ? -.infinity : -1.0 }
        let upper = (0..<n).map { $0 % 5 == 0 ? Double.infinity : 1.5 }
        let solution = (0..<n).map { Swift.min(upper[$0], Swift.max(lower[$0], centre[$0])) }
        let quadratic = Problem(name: "clamped", start: [Double](repeating: 0, count: n), minimum: solution, fmin: 0) {
            x in
            var f = 0.0
            var g = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let offset: Double = x[i] - solution[i]
                let sum: Double = x[i] + solution[i] - 2 * centre[i]
                f += 0.5 * lambda[i] * offset * sum
                g[i] = lambda[i] * (x[i] - centre[i])
            }
            return (f, g)
        }
        let solver = Solver(.lbfgs)
        try solver.set("memory", Double(memory))
        try solver.set("gtol", 1e-9)
        try solver.set("max_iter", 5000)
        try solver.setBounds(lower: lower, upper: upper, count: n)
        var x = quadratic.start
        let r = try x.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in
            try solver.minimize(quadratic.objective, x: b)
        }
        #expect(r.reason == .gradientTolerance && r.gradientNorm <= 1e-9, "\(r)")
        for i in 0..<n {
            #expect(Swift.abs(x[i] - solution[i]) <= 1e-9 / lambda[i], "x[\(i)]=\(x[i]), expected \(solution[i])")
        }
    }

    /// Large runs split their vector work over the pool: the iterates do not depend on it.
    @Test func iteratesAreTheSameBitsOnOneAndTwoThreads() throws {
        let p = Problem.rosenbrock(200_000)
        func run(threads: Int) throws -> ([Double], SolverResult) {
            try Parallel.setThreadCount(threads)
            defer { try? Parallel.setThreadCount(0) }
            let solver = Solver(.lbfgs)
            try solver.set("max_iter", 15)
            var x = p.start
            let r = try x.withUnsafeMutableBufferPointer { (b) throws(GDOptError) in
                try solver.minimize(p.objective, x: b)
            }
            return (x, r)
        }
        let (one, r1) = try run(threads: 1)
        let (two, r2) = try run(threads: 2)
        #expect(one == two && r1 == r2 && r1.iterations == 15)
    }
}

/// Equal results, NaN grad_norm (the random methods) included.
private func same(_ a: SolverResult, _ b: SolverResult) -> Bool {
    a.f == b.f && a.gradientNorm.bitPattern == b.gradientNorm.bitPattern && a.iterations == b.iterations
        && a.evaluations == b.evaluations && a.reason == b.reason
}

extension Optional where Wrapped == [Double] {
    fileprivate func withUnsafeBufferPointerIfAny<R>(_ body: (UnsafeBufferPointer<Double>?) throws -> R) rethrows -> R {
        guard let self else { return try body(nil) }
        return try self.withUnsafeBufferPointer { try body($0) }
    }
}
