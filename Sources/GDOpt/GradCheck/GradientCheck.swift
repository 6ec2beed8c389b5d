/// Centred finite differences, (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h, on a private copy of x,
/// and their comparison with an analytic gradient (cs231n's gradient check).
public struct GradientCheck: Sendable, Equatable {
    public var maxAbsoluteError = 0.0
    /// |a − b| / max(|a|, |b|), and 0 where both are 0.
    public var maxRelativeError = 0.0
    /// The coordinate with the largest relative error.
    public var worstIndex = 0
    public var analyticAtWorst = 0.0
    public var numericAtWorst = 0.0
    /// Calls of the objective: 1 for the analytic gradient and 2 per coordinate.
    public var evaluations = 0
    /// The first coordinate where either gradient is NaN or Inf (then worstIndex too): a
    /// check that measured nothing there, which `gradientCheck` reports as `.nonFinite`.
    public var nonFiniteIndex: Int?

    /// The error for a check with a non-finite entry, nil otherwise.
    public var nonFiniteError: GDOptError? {
        nonFiniteIndex.map { i in
            .nonFinite(
                "at entry \(i) the analytic gradient is \(analyticAtWorst) and the numerical one \(numericAtWorst)")
        }
    }
}

private func evaluate(_ f: Objective, _ x: UnsafeBufferPointer<Double>, _ gradient: UnsafeMutableBufferPointer<Double>?)
    throws(GDOptError) -> Double
{
    let value = try f(x, gradient)
    guard !value.isNaN else { throw .callback("the objective returned NaN") }
    return value
}

/// Writes the centred-difference gradient of `f` at `x` into `out`; x is never written, and
/// `out` only when every entry is finite (else `.nonFinite`, naming the first bad entry).
public func numericalGradient(
    of f: Objective, at x: UnsafeBufferPointer<Double>, h: Double,
    into out: UnsafeMutableBufferPointer<Double>
) throws(GDOptError) {
    guard out.count == x.count else { throw .size("the gradient has \(out.count) elements, x has \(x.count)") }
    let gradient = try differences(of: f, at: x, h: h)
    if let i = gradient.firstIndex(where: { !$0.isFinite }) {
        throw .nonFinite("the numerical gradient's entry \(i) is \(gradient[i]) (f is not finite near x)")
    }
    for i in 0..<gradient.count { out[i] = gradient[i] }
}

private func differences(of f: Objective, at x: UnsafeBufferPointer<Double>, h: Double) throws(GDOptError) -> [Double] {
    guard !x.isEmpty else { throw .size("n=0 must be > 0") }
    guard h.isFinite, h > 0 else { throw .invalid("h=\(h) must be finite and > 0") }
    var probe = try Allocation.array(copying: x, what: "a copy of x")
    var gradient = try Allocation.array(repeating: 0.0, count: x.count, what: "the numerical gradient")
    var failure: GDOptError?
    probe.withUnsafeMutableBufferPointer { p in
        do throws(GDOptError) {
            for i in 0..<p.count {
                let original = p[i]
                p[i] = original + h
                let plus = try evaluate(f, UnsafeBufferPointer(p), nil)
                p[i] = original - h
                let minus = try evaluate(f, UnsafeBufferPointer(p), nil)
                p[i] = original
                gradient[i] = (plus - minus) / (2 * h)
            }
        } catch { failure = error }
    }
    if let failure { throw failure }
    return gradient
}

/// Compares `f`'s analytic gradient with centred differences at `x`. A NaN or Inf in either
/// gradient is `.nonFinite`: a check never reports a pass it did not measure.
public func gradientCheck(of f: Objective, at x: UnsafeBufferPointer<Double>, h: Double) throws(GDOptError)
    -> GradientCheck
{
    let report = try gradientCheckReport(of: f, at: x, h: h)
    if let error = report.nonFiniteError { throw error }
    return report
}

/// `gradientCheck`'s measurements, with `nonFiniteIndex` set instead of an error (the C
/// call fills its result, worst_index included, before it returns NONFINITE).
public func gradientCheckReport(of f: Objective, at x: UnsafeBufferPointer<Double>, h: Double) throws(GDOptError)
    -> GradientCheck
{
    guard !x.isEmpty else { throw .size("n=0 must be > 0") }
    var analytic = try Allocation.array(repeating: 0.0, count: x.count, what: "the analytic gradient")
    let copy = try Allocation.array(copying: x, what: "a copy of x")
    var failure: GDOptError?
    var numeric: [Double] = []
    copy.withUnsafeBufferPointer { point in
        analytic.withUnsafeMutableBufferPointer { a in
            do throws(GDOptError) {
                _ = try evaluate(f, point, a)
                numeric = try differences(of: f, at: point, h: h)
            } catch { failure = error }
        }
    }
    if let failure { throw failure }
    var result = GradientCheck(evaluations: 1 + 2 * x.count)
    if let i = (0..<x.count).first(where: { !analytic[$0].isFinite || !numeric[$0].isFinite }) {
        (result.nonFiniteIndex, result.worstIndex, result.analyticAtWorst, result.numericAtWorst) = (
            i, i, analytic[i], numeric[i]
        )
        (result.maxAbsoluteError, result.maxRelativeError) = (.nan, .nan)
        return result
    }
    result.maxRelativeError = -1
    for i in 0..<x.count {
        let a = analytic[i]
        let n = numeric[i]
        let difference = Swift.abs(a - n)
        let scale = Swift.max(Swift.abs(a), Swift.abs(n))
        let relative = scale == 0 ? 0 : difference / scale
        result.maxAbsoluteError = Swift.max(result.maxAbsoluteError, difference)
        if relative > result.maxRelativeError {
            (result.maxRelativeError, result.worstIndex, result.analyticAtWorst, result.numericAtWorst) = (
                relative, i, a, n
            )
        }
    }
    return result
}
