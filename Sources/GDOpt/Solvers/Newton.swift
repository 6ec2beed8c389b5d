import COpenBLAS

/// Newton's method: solves H·d = −g by Cholesky (LAPACK's dpotrf and dpotrs). Where H is
/// not positive definite (a saddle or a maximum) it factors H + τI instead, raising τ until
/// the factorisation succeeds (Nocedal & Wright §3.4), so d is always a descent direction;
/// then Armijo backtracking from α = 1 (projected onto the box, if any). H comes from the
/// Hessian callback, or from centred differences of the gradient, one-sided at a bound:
/// those points are EVALUATE tasks (probes that never become the result).
struct Newton: SearchMethod {
    enum Stage: UInt8 { case start, hessian, search }
    let c1: Double
    let n: Int
    let hessian: HessianMatrix, factor: HessianMatrix
    let direction: Vector, plusGradient: Vector
    var stage = Stage.start
    var column = 0, minusSide = false, plusX = 0.0, minusX = 0.0
    var search = Backtracking()

    var isMonotone: Bool { true }

    init(c1: Double, count n: Int) throws(GDOptError) {
        (self.c1, self.n) = (c1, n)
        hessian = try HessianMatrix(n)
        factor = try HessianMatrix(n)
        direction = try Vector(count: n)
        plusGradient = try Vector(count: n)
    }

    mutating func advance(_ run: SolverRun) throws(GDOptError) -> MethodStep {
        switch stage {
        case .start:
            if let callback = run.hessian {
                try callback(run.x.buffer, UnsafeMutableBufferPointer(start: hessian.base, count: n * n))
                for i in 0..<(n * n) where !hessian.base[i].isFinite {
                    throw .callback("the Hessian callback wrote \(hessian.base[i]) at H[\(i / n)][\(i % n)]")
                }
                return try solveAndSearch(run)
            }
            stage = .hessian
            column = 0
            minusSide = false
            return probe(run)
        case .hessian:
            if !minusSide {
                plusGradient.copy(from: run.pointG)
                minusSide = true
                return probe(run)
            }
            let width = plusX - minusX
            for i in 0..<n { hessian.base[i * n + column] = width > 0 ? (plusGradient[i] - run.pointG[i]) / width : 0 }
            column += 1
            minusSide = false
            if column < n { return probe(run) }
            return try solveAndSearch(run)
        case .search:
            switch search.resume(run, direction: direction, c1: c1) {
            case .evaluate: return .evaluate(gradient: true)
            case .failed: return .lineSearchFailed
            case .accepted:
                stage = .start
                let step =
                    run.box == nil
                    ? search.alpha * VectorMath.maxNorm(direction)
                    : VectorMath.maxNorm(run.point, minus: run.x)
                run.accept()
                return .iterated(step: step)
            }
        }
    }

    /// The gradient at x ± h·e_column, h = 1e-5·max(1, |x|), each side clamped to the box.
    private mutating func probe(_ run: SolverRun) -> MethodStep {
        let j = column
        let x = run.x[j]
        let h = 1e-5 * Swift.max(1, Swift.abs(x))
        if !minusSide {
            let plus = run.box.map { Swift.min($0.upper[j], x + h) } ?? x + h
            let minus = run.box.map { Swift.max($0.lower[j], x - h) } ?? x - h
            // Centred, the width is 2h exactly (as the tests' reference computes it).
            (plusX, minusX) = (plus, minus)
            if plus == x + h && minus == x - h { (plusX, minusX) = (x + h, x + h - 2 * h) }
        }
        run.point.copy(from: run.x)
        run.point[j] = minusSide ? minusX : plusX
        return .evaluate(gradient: true)
    }

    private mutating func solveAndSearch(_ run: SolverRun) throws(GDOptError) -> MethodStep {
        let h = hessian.base
        // Symmetrise: differences and user callbacks may be slightly asymmetric.
        for i in 0..<n {
            for j in 0..<i {
                let m = (h[i * n + j] + h[j * n + i]) / 2
                h[i * n + j] = m
                h[j * n + i] = m
            }
        }
        var scale = 1e-8
        for i in 0..<n { scale = Swift.max(scale, Swift.abs(h[i * n + i])) }
        var tau = 0.0
        while true {
            factor.base.update(from: h, count: n * n)
            for i in 0..<n { factor.base[i * n + i] += tau }
            if factor.choleskyInPlace() { break }
            tau = tau == 0 ? 1e-3 * scale : tau * 4
            if tau > 1e20 * scale { return .lineSearchFailed }
        }
        VectorMath.scale(direction, -1, run.g)
        factor.solve(direction)
        stage = .search
        switch search.start(run, direction: direction, alpha0: 1) {
        case .evaluate: return .evaluate(gradient: true)
        default: return .lineSearchFailed
        }
    }

    func archive(_ out: inout StateWriter) {
        out.doubles(Double(stage.rawValue), Double(column), plusX, minusX)
        out.bool(minusSide)
        out.vector(direction)
        out.vector(plusGradient)
        out.raw(hessian.base, count: n * n)
        search.archive(&out)
    }

    mutating func restore(_ input: inout StateReader) throws(GDOptError) {
        guard let stage = Stage(rawValue: UInt8(try input.count(atMost: 2))) else { throw .format("bad Newton stage") }
        self.stage = stage
        column = try input.count(atMost: n)
        (plusX, minusX) = (try input.double(), try input.double())
        minusSide = try input.bool()
        try input.vector(into: direction)
        try input.vector(into: plusGradient)
        try input.raw(into: hessian.base, count: n * n)
        try search.restore(&input)
    }
}

/// An n×n symmetric matrix of doubles (n² is checked: a size the host cannot hold is
/// `.memory`, not a trap), factored by LAPACK on one thread, so the bits do not depend on
/// the thread count.
final class HessianMatrix {
    let n: Int
    private let storage: Vector
    var base: UnsafeMutablePointer<Double> { storage.base }

    init(_ n: Int) throws(GDOptError) {
        let (squared, overflow) = n.multipliedReportingOverflow(by: n)
        guard !overflow, n <= Int(Int32.max) else {
            throw .memory("Newton's \(n)×\(n) Hessian is too large (lbfgs needs O(n) memory)")
        }
        self.n = n
        try Allocation.checkBudget(
            vectors: 2 * n, count: n, what: "Newton's \(n)×\(n) Hessian and its factor (lbfgs needs O(n) memory)")
        storage = try Vector(count: squared)
    }

    /// Cholesky factorisation A = L·Lᵀ in place (dpotrf); false when A is not positive definite.
    func choleskyInPlace() -> Bool {
        var size = Int32(n)
        var info: Int32 = 0
        BLAS.openBLAS.useThreads(1)  // LAPACK
        dpotrf_("L", &size, base, &size, &info)
        return info == 0
    }

    /// b := A⁻¹·b with the factor from `choleskyInPlace` (dpotrs).
    func solve(_ b: Vector) {
        var size = Int32(n)
        var one: Int32 = 1
        var info: Int32 = 0
        BLAS.openBLAS.useThreads(1)  // LAPACK
        dpotrs_("L", &size, &one, base, &size, b.base, &size, &info)
    }
}
