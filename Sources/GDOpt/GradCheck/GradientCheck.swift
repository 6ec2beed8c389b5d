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
}

/// An objective: the value at x, and the gradient written into `gradient` when it is not
/// nil. Returning NaN (or throwing) aborts the computation.
public typealias Objective = (_ x: UnsafeBufferPointer<Double>, _ gradient: UnsafeMutableBufferPointer<Double>?) throws(GDOptError) -> Double

private func evaluate(_ f: Objective, _ x: UnsafeBufferPointer<Double>, _ gradient: UnsafeMutableBufferPointer<Double>?) throws(GDOptError) -> Double {
    let value = try f(x, gradient)
    guard !value.isNaN else { throw .callback("the objective returned NaN") }
    return value
}

/// Writes the centred-difference gradient of `f` at `x` into `out`; x is never written.
public func numericalGradient(of f: Objective, at x: UnsafeBufferPointer<Double>, h: Double,
                              into out: UnsafeMutableBufferPointer<Double>) throws(GDOptError) {
    guard !x.isEmpty else { throw .size("n=0 must be > 0") }
    guard h.isFinite, h > 0 else { throw .invalid("h=\(h) must be finite and > 0") }
    guard out.count == x.count else { throw .size("the gradient has \(out.count) elements, x has \(x.count)") }
    var probe = Array(x)
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
                out[i] = (plus - minus) / (2 * h)
            }
        } catch { failure = error }
    }
    if let failure { throw failure }
}

/// Compares `f`'s analytic gradient with centred differences at `x`.
public func gradientCheck(of f: Objective, at x: UnsafeBufferPointer<Double>, h: Double) throws(GDOptError) -> GradientCheck {
    guard !x.isEmpty else { throw .size("n=0 must be > 0") }
    var analytic = [Double](repeating: 0, count: x.count), numeric = analytic
    let copy = Array(x)
    var failure: GDOptError?
    copy.withUnsafeBufferPointer { point in
        analytic.withUnsafeMutableBufferPointer { a in
            numeric.withUnsafeMutableBufferPointer { n in
                do throws(GDOptError) {
                    _ = try evaluate(f, point, a)
                    try numericalGradient(of: f, at: point, h: h, into: n)
                } catch { failure = error }
            }
        }
    }
    if let failure { throw failure }
    var result = GradientCheck(evaluations: 1 + 2 * x.count)
    result.maxRelativeError = -1
    for i in 0..<x.count {
        let a = analytic[i], n = numeric[i], difference = Swift.abs(a - n)
        let scale = Swift.max(Swift.abs(a), Swift.abs(n))
        let relative = scale == 0 ? 0 : difference / scale
        result.maxAbsoluteError = Swift.max(result.maxAbsoluteError, difference)
        if relative > result.maxRelativeError {
            (result.maxRelativeError, result.worstIndex, result.analyticAtWorst, result.numericAtWorst) = (relative, i, a, n)
        }
    }
    return result
}
