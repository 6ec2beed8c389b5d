import CGDOpt
import GDOpt

/// The C objective as a core `Objective`.
private func objective(_ f: gdopt_objective?, _ data: UnsafeMutableRawPointer?) throws -> Objective {
    let f = try required(f, "f")
    return { x, gradient in f(x.count, x.baseAddress, gradient?.baseAddress, data) }
}

@c @implementation
public func gdopt_numerical_gradient(
    _ f: gdopt_objective?, _ data: UnsafeMutableRawPointer?, _ x: UnsafePointer<Double>?, _ n: Int, _ h: Double,
    _ grad_out: UnsafeMutablePointer<Double>?
) -> gdopt_status {
    withStatus {
        let f = try objective(f, data)
        let x = try required(x, "x")
        let out = try required(grad_out, "grad_out")
        let n = try elementCount(n, of: Double.self)
        try numericalGradient(
            of: f, at: UnsafeBufferPointer(start: x, count: n), h: h,
            into: UnsafeMutableBufferPointer(start: out, count: n))
    }
}

@c @implementation
public func gdopt_gradcheck(
    _ f: gdopt_objective?, _ data: UnsafeMutableRawPointer?, _ x: UnsafePointer<Double>?, _ n: Int, _ h: Double,
    _ res: UnsafeMutablePointer<gdopt_gradcheck_result>?
) -> gdopt_status {
    withStatus {
        let f = try objective(f, data)
        let x = try required(x, "x")
        let res = try required(res, "res")
        let n = try elementCount(n, of: Double.self)
        let r = try gradientCheckReport(of: f, at: UnsafeBufferPointer(start: x, count: n), h: h)
        res.pointee = gdopt_gradcheck_result(
            max_abs_error: r.maxAbsoluteError, max_rel_error: r.maxRelativeError, worst_index: r.worstIndex,
            analytic_at_worst: r.analyticAtWorst, numeric_at_worst: r.numericAtWorst, evaluations: r.evaluations)
        if let error = r.nonFiniteError { throw error }  // res is filled: worst_index names the entry
    }
}
