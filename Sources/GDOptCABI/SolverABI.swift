import CGDOpt
import GDOpt

private func solver(_ handle: OpaquePointer?) throws -> Solver {
    try Handles.resolve(handle, .solver, as: Solver.self)
}

@c @implementation
public func gdopt_solver_create(_ method: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?)
    -> gdopt_status
{
    withStatus { try createHandle(.solver, method, argument: "method", out) { Solver(try SolverMethod(name: $0)) } }
}

@c @implementation
public func gdopt_solver_set(_ s: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: Double) -> gdopt_status {
    withStatus { try setOption(s, .solver, Solver.self, name, value) }
}

@c @implementation
public func gdopt_solver_get(_ s: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: UnsafeMutablePointer<Double>?)
    -> gdopt_status
{
    withStatus { try getOption(s, .solver, Solver.self, name, value) }
}

@c @implementation
public func gdopt_solver_set_progress(
    _ s: OpaquePointer?, _ cb: (@convention(c) (UnsafePointer<gdopt_progress>?, UnsafeMutableRawPointer?) -> Int32)?,
    _ data: UnsafeMutableRawPointer?
) -> gdopt_status {
    withStatus {
        let solver = try solver(s)
        try solver.checkIdle("set the progress callback")
        guard let cb else {
            solver.progress = nil
            return
        }
        solver.progress = { p in
            var progress = gdopt_progress(
                iteration: p.iteration, evaluations: p.evaluations, f: p.f,
                grad_norm: p.gradientNorm, step: p.step)
            return cb(&progress, data) != 0
        }
    }
}

@c @implementation
public func gdopt_solver_set_hessian(
    _ s: OpaquePointer?,
    _ hess: (
        @convention(c) (Int, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutableRawPointer?) -> Int32
    )?, _ data: UnsafeMutableRawPointer?
) -> gdopt_status {
    withStatus {
        let solver = try solver(s)
        try solver.checkIdle("set the Hessian callback")
        guard let hess else {
            solver.hessian = nil
            return
        }
        solver.hessian = { x, h throws(GDOptError) in
            if hess(x.count, x.baseAddress, h.baseAddress, data) != 0 {
                throw .callback("the Hessian callback asked to stop")
            }
        }
    }
}

@c @implementation
public func gdopt_solver_minimize(
    _ s: OpaquePointer?, _ f: gdopt_objective?, _ data: UnsafeMutableRawPointer?, _ x: UnsafeMutablePointer<Double>?,
    _ n: Int, _ res: UnsafeMutablePointer<gdopt_result>?
) -> gdopt_status {
    withStatus {
        let solver = try solver(s)
        let f = try required(f, "f")
        let x = try required(x, "x")
        let n = try elementCount(n, of: Double.self)
        let objective: Objective = { point, gradient in f(point.count, point.baseAddress, gradient?.baseAddress, data) }
        let r = try solver.minimize(objective, x: UnsafeMutableBufferPointer(start: x, count: n))
        res?.pointee = cResult(r)
    }
}

@c @implementation
public func gdopt_solver_destroy(_ s: OpaquePointer?) {
    Handles.destroy(s, .solver)
}

@c @implementation
public func gdopt_solver_set_bounds(
    _ s: OpaquePointer?, _ lower: UnsafePointer<Double>?, _ upper: UnsafePointer<Double>?, _ n: Int
) -> gdopt_status {
    withStatus {
        let solver = try solver(s)
        if lower == nil && upper == nil { return try solver.setBounds(lower: nil, upper: nil, count: 0) }
        let n = try elementCount(n, of: Double.self)
        func copied(_ side: UnsafePointer<Double>?, _ name: String) throws -> [Double]? {
            try side.map { try Allocation.array(copying: UnsafeBufferPointer(start: $0, count: n), what: name) }
        }
        try solver.setBounds(lower: copied(lower, "lower"), upper: copied(upper, "upper"), count: n)
    }
}

@c @implementation
public func gdopt_solver_begin(_ s: OpaquePointer?, _ x0: UnsafePointer<Double>?, _ n: Int) -> gdopt_status {
    withStatus {
        let solver = try solver(s)
        let x0 = try required(x0, "x0")
        let n = try elementCount(n, of: Double.self)
        try solver.begin(UnsafeBufferPointer(start: x0, count: n))
    }
}

@c @implementation
public func gdopt_solver_ask(
    _ s: OpaquePointer?, _ x: UnsafeMutablePointer<Double>?, _ n: Int, _ task: UnsafeMutablePointer<gdopt_task>?
) -> gdopt_status {
    withStatus {
        let solver = try solver(s)
        let x = try required(x, "x")
        let task = try required(task, "task")
        let n = try elementCount(n, of: Double.self)
        task.pointee = Codes.code(
            of: try solver.ask(into: UnsafeMutableBufferPointer(start: x, count: n)), in: Codes.tasks)
    }
}

@c @implementation
public func gdopt_solver_tell(_ s: OpaquePointer?, _ f: Double, _ grad: UnsafePointer<Double>?, _ n: Int)
    -> gdopt_status
{
    withStatus {
        let solver = try solver(s)
        let n = try elementCount(n, of: Double.self)
        try solver.tell(f: f, gradient: grad.map { UnsafeBufferPointer(start: $0, count: n) }, count: n)
    }
}

@c @implementation
public func gdopt_solver_stop(_ s: OpaquePointer?) -> gdopt_status {
    withStatus { try solver(s).stop() }
}

@c @implementation
public func gdopt_solver_result(_ s: OpaquePointer?, _ res: UnsafeMutablePointer<gdopt_result>?) -> gdopt_status {
    withStatus {
        let solver = try solver(s)
        let res = try required(res, "res")
        let (r, failure) = try solver.outcome()
        res.pointee = cResult(r)
        if let failure { throw failure }
    }
}

@c @implementation
public func gdopt_solver_save(_ s: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> gdopt_status {
    withStatus { try solver(s).save(to: try string(path, "path")) }
}

@c @implementation
public func gdopt_solver_load(_ s: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> gdopt_status {
    withStatus { try solver(s).load(from: try string(path, "path")) }
}

@c @implementation
public func gdopt_solver_serialize(
    _ s: OpaquePointer?, _ buf: UnsafeMutableRawPointer?, _ cap: Int, _ needed: UnsafeMutablePointer<Int>?
) -> gdopt_status {
    withStatus { try serialize(try solver(s), buf, cap, needed) }
}

@c @implementation
public func gdopt_solver_deserialize(_ s: OpaquePointer?, _ buf: UnsafeRawPointer?, _ len: Int) -> gdopt_status {
    withStatus {
        let solver = try solver(s)
        try solver.restore(from: try checkpointBytes(buf, len))
    }
}

private func cResult(_ r: SolverResult) -> gdopt_result {
    gdopt_result(
        f: r.f, grad_norm: r.gradientNorm, iterations: r.iterations, evaluations: r.evaluations,
        reason: Codes.code(of: r.reason, in: Codes.reasons))
}

@c @implementation
public func gdopt_solver_dimension(_ s: OpaquePointer?, _ n: UnsafeMutablePointer<Int>?) -> gdopt_status {
    withStatus {
        let solver = try solver(s)
        try required(n, "n").pointee = solver.dimension
    }
}
