/// One accepted line-search step, for tests and diagnostics: φ(α) = f(x + α·d).
public struct LineSearchStep: Sendable {
    public let alpha, f0, slope0, f, slope: Double  // slope: φ'(α), NaN when not computed
}

/// Backtracking (Armijo): the first α = α0·2⁻ᵏ with φ(α) ≤ φ(0) + c1·α·φ'(0).
func backtracking(_ e: Evaluator, x: [Double], f0: Double, g0: [Double], direction d: [Double], alpha0: Double,
                  c1: Double, observe: ((LineSearchStep) -> Void)?) throws -> (alpha: Double, x: [Double], f: Double, g: [Double]) {
    let slope0 = dot(g0, d)
    guard slope0 < 0 else { throw Interruption.noProgress }
    var alpha = alpha0
    for _ in 0..<60 {
        // One call gives value and gradient (NLopt's objective), so each trial asks for both.
        let candidate = axpy(x, alpha, d)
        let (f, g) = try e.valueAndGradient(candidate)
        if f <= f0 + c1 * alpha * slope0 {
            observe?(LineSearchStep(alpha: alpha, f0: f0, slope0: slope0, f: f, slope: dot(g, d)))
            return (alpha, candidate, f, g)
        }
        alpha /= 2
    }
    throw Interruption.noProgress
}

/// Strong Wolfe line search (Nocedal & Wright, Algorithms 3.5 and 3.6): φ(α) ≤ φ(0) +
/// c1·α·φ'(0) and |φ'(α)| ≤ c2·|φ'(0)|, bracketing then zooming with cubic interpolation
/// safeguarded by bisection.
func strongWolfe(_ e: Evaluator, x: [Double], f0: Double, g0: [Double], direction d: [Double], alpha0: Double,
                 c1: Double, c2: Double, observe: ((LineSearchStep) -> Void)?) throws -> (alpha: Double, x: [Double], f: Double, g: [Double]) {
    let slope0 = dot(g0, d)
    guard slope0 < 0 else { throw Interruption.noProgress }
    func phi(_ alpha: Double) throws -> (f: Double, slope: Double, x: [Double], g: [Double]) {
        let point = axpy(x, alpha, d)
        let (f, g) = try e.valueAndGradient(point)
        return (f, dot(g, d), point, g)
    }
    func accept(_ alpha: Double, _ p: (f: Double, slope: Double, x: [Double], g: [Double])) -> (Double, [Double], Double, [Double]) {
        observe?(LineSearchStep(alpha: alpha, f0: f0, slope0: slope0, f: p.f, slope: p.slope))
        return (alpha, p.x, p.f, p.g)
    }
    func zoom(_ lo: (alpha: Double, f: Double, slope: Double), _ hi: (alpha: Double, f: Double, slope: Double)) throws -> (Double, [Double], Double, [Double]) {
        var lo = lo, hi = hi
        for _ in 0..<60 {
            let alpha = interpolate(lo, hi)
            let p = try phi(alpha)
            if p.f > f0 + c1 * alpha * slope0 || p.f >= lo.f {
                hi = (alpha, p.f, p.slope)
            } else {
                if Swift.abs(p.slope) <= -c2 * slope0 { return accept(alpha, p) }
                if p.slope * (hi.alpha - lo.alpha) >= 0 { hi = lo }
                lo = (alpha, p.f, p.slope)
            }
            if Swift.abs(hi.alpha - lo.alpha) <= 1e-16 * Swift.max(1, lo.alpha) { break }
        }
        throw Interruption.noProgress
    }
    var previous = (alpha: 0.0, f: f0, slope: slope0)
    var alpha = alpha0
    for i in 0..<50 {
        let p = try phi(alpha)
        if p.f > f0 + c1 * alpha * slope0 || (i > 0 && p.f >= previous.f) {
            return try zoom(previous, (alpha, p.f, p.slope))
        }
        if Swift.abs(p.slope) <= -c2 * slope0 { return accept(alpha, p) }
        if p.slope >= 0 { return try zoom((alpha, p.f, p.slope), previous) }
        previous = (alpha, p.f, p.slope)
        alpha *= 2
    }
    throw Interruption.noProgress
}

/// The minimiser of the cubic through two points with their slopes, kept well inside the
/// interval (else its midpoint).
private func interpolate(_ a: (alpha: Double, f: Double, slope: Double), _ b: (alpha: Double, f: Double, slope: Double)) -> Double {
    let d1 = a.slope + b.slope - 3 * (a.f - b.f) / (a.alpha - b.alpha)
    let radicand = d1 * d1 - a.slope * b.slope
    let low = Swift.min(a.alpha, b.alpha), high = Swift.max(a.alpha, b.alpha), width = high - low
    if radicand >= 0 {
        let d2 = (b.alpha > a.alpha ? 1.0 : -1.0) * radicand.squareRoot()
        let t = b.alpha - (b.alpha - a.alpha) * (b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2)
        if t.isFinite && t > low + 0.1 * width && t < high - 0.1 * width { return t }
    }
    return (low + high) / 2
}
