import CGDOpt
import GDOpt

private func solver(_ handle: OpaquePointer?) throws -> Solver {
    try Handles.resolve(handle, .solver, as: Solver.self)
}

@c @implementation
public func gdopt_solver_create(_ method: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> gdopt_status {
    withStatus { try createHandle(.solver, method, argument: "method", out) { Solver(try SolverMethod(name: $0)) } }
}

@c @implementation
public func gdopt_solver_set(_ s: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: Double) -> gdopt_status {
    withStatus { try setOption(s, .solver, Solver.self, name, value) }
}

@c @implementation
public func gdopt_solver_get(_ s: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: UnsafeMutablePointer<Double>?) -> gdopt_status {
    withStatus { try getOption(s, .solver, Solver.self, name, value) }
}

@c @implementation
public func gdopt_solver_set_progress(_ s: OpaquePointer?, _ cb: (@convention(c) (UnsafePointer<gdopt_progress>?, UnsafeMutableRawPointer?) -> Int32)?, _ data: UnsafeMutableRawPointer?) -> gdopt_status {
    withStatus {
        let solver = try solver(s)
        guard let cb else {
            solver.progress = nil
            return
        }
        solver.progress = { p in
            var progress = gdopt_progress(iteration: p.iteration, evaluations: p.evaluations, f: p.f,
                                          grad_norm: p.gradientNorm, step: p.step)
            return cb(&progress, data) != 0
        }
    }
}

@c @implementation
public func gdopt_solver_set_hessian(_ s: OpaquePointer?, _ hess: (@convention(c) (Int, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutableRawPointer?) -> Int32)?, _ data: UnsafeMutableRawPointer?) -> gdopt_status {
    withStatus {
        let solver = try solver(s)
        guard let hess else {
            solver.hessian = nil
            return
        }
        solver.hessian = { x, h throws(GDOptError) in
            if hess(x.count, x.baseAddress, h.baseAddress, data) != 0 { throw .callback("the Hessian callback asked to stop") }
        }
    }
}

@c @implementation
public func gdopt_solver_minimize(_ s: OpaquePointer?, _ f: gdopt_objective?, _ data: UnsafeMutableRawPointer?, _ x: UnsafeMutablePointer<Double>?, _ n: Int, _ res: UnsafeMutablePointer<gdopt_result>?) -> gdopt_status {
    withStatus {
        let solver = try solver(s), f = try required(f, "f"), x = try required(x, "x")
        let n = try elementCount(n, of: Double.self)
        let objective: Objective = { point, gradient in f(point.count, point.baseAddress, gradient?.baseAddress, data) }
        let r = try solver.minimize(objective, x: UnsafeMutableBufferPointer(start: x, count: n))
        res?.pointee = gdopt_result(f: r.f, grad_norm: r.gradientNorm, iterations: r.iterations,
                                    evaluations: r.evaluations, reason: r.reason.rawValue)
    }
}

@c @implementation
public func gdopt_solver_destroy(_ s: OpaquePointer?) {
    Handles.destroy(s, .solver)
}
