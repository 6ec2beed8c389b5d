/// One accepted line-search step, for tests and diagnostics: φ(α) = f(x + α·d).
public struct LineSearchStep: Sendable {
    public let alpha, f0, slope0, f, slope: Double  // slope: φ'(α), NaN when not computed
}

enum LineSearchOutcome: Equatable {
    case evaluate  // run.point holds the next trial
    case accepted  // run.point, run.pointF and run.pointG hold the accepted point
    case failed
}

/// A trial point of φ: run.point = x + α·d, projected onto the box when there is one.
private func placeTrial(_ run: SolverRun, _ d: Vector, _ alpha: Double) {
    VectorMath.axpy(run.point, run.x, alpha, d)
    run.box?.project(run.point)
}

/// Armijo's sufficient decrease; inside a box, along the projected path, with the step
/// actually taken: f ≤ f0 + c1·gᵀ(P(x + α·d) − x).
private func sufficientDecrease(_ run: SolverRun, f0: Double, slope0: Double, alpha: Double, c1: Double) -> Bool {
    if run.box != nil { return run.pointF <= f0 + c1 * VectorMath.dot(run.g, run.point, minus: run.x) }
    return run.pointF <= f0 + c1 * alpha * slope0
}

/// Backtracking (Armijo): the first α = α0·2⁻ᵏ, k < 60, with sufficient decrease.
struct Backtracking {
    var alpha = 0.0, f0 = 0.0, slope0 = 0.0, tries = 0

    mutating func start(_ run: SolverRun, direction d: Vector, alpha0: Double) -> LineSearchOutcome {
        (f0, slope0, alpha, tries) = (run.f, VectorMath.dot(run.g, d), alpha0, 0)
        guard slope0 < 0 else { return .failed }
        placeTrial(run, d, alpha)
        return .evaluate
    }

    mutating func resume(_ run: SolverRun, direction d: Vector, c1: Double) -> LineSearchOutcome {
        if sufficientDecrease(run, f0: f0, slope0: slope0, alpha: alpha, c1: c1) {
            run.observer?(
                LineSearchStep(
                    alpha: alpha, f0: f0, slope0: slope0, f: run.pointF,
                    slope: VectorMath.dot(run.pointG, d)))
            return .accepted
        }
        tries += 1
        guard tries < 60 else { return .failed }
        alpha /= 2
        placeTrial(run, d, alpha)
        return .evaluate
    }

    func archive(_ out: inout StateWriter) { out.doubles(alpha, f0, slope0, Double(tries)) }

    mutating func restore(_ input: inout StateReader) throws(GDOptError) {
        (alpha, f0, slope0) = (try input.double(), try input.double(), try input.double())
        tries = try input.count(atMost: 60)
    }
}

/// Strong Wolfe line search (Nocedal & Wright, Algorithms 3.5 and 3.6): φ(α) ≤ φ(0) +
/// c1·α·φ'(0) and |φ'(α)| ≤ c2·|φ'(0)|, bracketing (α doubles, up to `alphaMax`) then
/// zooming with cubic interpolation safeguarded by bisection. At α = alphaMax (the edge of
/// a box) a point with sufficient decrease that still descends is accepted.
struct StrongWolfe {
    struct Point { var alpha = 0.0, f = 0.0, slope = 0.0 }
    var zooming = false
    var alpha = 0.0, alphaMax = Double.infinity, f0 = 0.0, slope0 = 0.0, tries = 0
    var previous = Point(), lo = Point(), hi = Point()

    /// `slope0` is gᵀd when the caller has it already.
    mutating func start(
        _ run: SolverRun, direction d: Vector, alpha0: Double, alphaMax: Double = .infinity,
        slope0: Double? = nil
    ) -> LineSearchOutcome {
        (f0, self.slope0, zooming, tries) = (run.f, slope0 ?? VectorMath.dot(run.g, d), false, 0)
        guard self.slope0 < 0, alphaMax > 0 else { return .failed }
        self.alphaMax = alphaMax
        alpha = Swift.min(alpha0, alphaMax)
        previous = Point(alpha: 0, f: f0, slope: self.slope0)
        placeTrial(run, d, alpha)
        return .evaluate
    }

    mutating func resume(_ run: SolverRun, direction d: Vector, c1: Double, c2: Double) -> LineSearchOutcome {
        let p = Point(alpha: alpha, f: run.pointF, slope: VectorMath.dot(run.pointG, d))
        let armijo = p.f <= f0 + c1 * alpha * slope0
        if zooming {
            if !armijo || p.f >= lo.f {
                hi = p
            } else {
                if Swift.abs(p.slope) <= -c2 * slope0 { return accept(run, p) }
                if p.slope * (hi.alpha - lo.alpha) >= 0 { hi = lo }
                lo = p
            }
            tries += 1
            if Swift.abs(hi.alpha - lo.alpha) <= 1e-16 * Swift.max(1, lo.alpha) || tries >= 60 { return .failed }
            return zoom(run, d)
        }
        if !armijo || (tries > 0 && p.f >= previous.f) { return startZoom(run, d, lo: previous, hi: p) }
        if Swift.abs(p.slope) <= -c2 * slope0 { return accept(run, p) }
        if p.slope >= 0 { return startZoom(run, d, lo: p, hi: previous) }
        if alpha >= alphaMax { return accept(run, p) }  // at the box's edge, still descending
        previous = p
        tries += 1
        guard tries < 50 else { return .failed }
        alpha = Swift.min(2 * alpha, alphaMax)
        placeTrial(run, d, alpha)
        return .evaluate
    }

    private mutating func startZoom(_ run: SolverRun, _ d: Vector, lo: Point, hi: Point) -> LineSearchOutcome {
        (zooming, self.lo, self.hi, tries) = (true, lo, hi, 0)
        return zoom(run, d)
    }

    private mutating func zoom(_ run: SolverRun, _ d: Vector) -> LineSearchOutcome {
        alpha = interpolate(lo, hi)
        placeTrial(run, d, alpha)
        return .evaluate
    }

    private func accept(_ run: SolverRun, _ p: Point) -> LineSearchOutcome {
        run.observer?(LineSearchStep(alpha: p.alpha, f0: f0, slope0: slope0, f: p.f, slope: p.slope))
        return .accepted
    }

    /// The minimiser of the cubic through two points with their slopes, kept well inside
    /// the interval (else its midpoint).
    private func interpolate(_ a: Point, _ b: Point) -> Double {
        let d1 = a.slope + b.slope - 3 * (a.f - b.f) / (a.alpha - b.alpha)
        let radicand = d1 * d1 - a.slope * b.slope
        let low = Swift.min(a.alpha, b.alpha)
        let high = Swift.max(a.alpha, b.alpha)
        let width = high - low
        if radicand >= 0 {
            let d2 = (b.alpha > a.alpha ? 1.0 : -1.0) * radicand.squareRoot()
            let t = b.alpha - (b.alpha - a.alpha) * (b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2)
            if t.isFinite && t > low + 0.1 * width && t < high - 0.1 * width { return t }
        }
        return (low + high) / 2
    }

    func archive(_ out: inout StateWriter) {
        out.bool(zooming)
        out.doubles(alpha, alphaMax, f0, slope0, Double(tries))
        for p in [previous, lo, hi] { out.doubles(p.alpha, p.f, p.slope) }
    }

    mutating func restore(_ input: inout StateReader) throws(GDOptError) {
        zooming = try input.bool()
        (alpha, alphaMax, f0, slope0) = (try input.double(), try input.double(), try input.double(), try input.double())
        tries = try input.count(atMost: 60)
        for k in 0..<3 {
            let p = Point(alpha: try input.double(), f: try input.double(), slope: try input.double())
            switch k {
            case 0: previous = p
            case 1: lo = p
            default: hi = p
            }
        }
    }
}
