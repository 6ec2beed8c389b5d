import CGDOpt
import GDOpt

private func optimizer(_ handle: OpaquePointer?) throws -> Optimizer {
    try Handles.resolve(handle, .optimizer, as: Optimizer.self)
}

@c @implementation
public func gdopt_optimizer_create(_ kind: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?)
    -> gdopt_status
{
    withStatus { try createHandle(.optimizer, kind, argument: "kind", out) { Optimizer(try OptimizerKind(name: $0)) } }
}

@c @implementation
public func gdopt_optimizer_set(_ o: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: Double) -> gdopt_status {
    withStatus { try setOption(o, .optimizer, Optimizer.self, name, value) }
}

@c @implementation
public func gdopt_optimizer_get(
    _ o: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: UnsafeMutablePointer<Double>?
) -> gdopt_status {
    withStatus { try getOption(o, .optimizer, Optimizer.self, name, value) }
}

private func step<T: GDOptFloat>(
    _ o: OpaquePointer?, _ slot: Int, _ params: UnsafeMutablePointer<T>?, _ grads: UnsafePointer<T>?, _ n: Int
) throws {
    let opt = try optimizer(o)
    let p = try required(params, "params")
    let g = try required(grads, "grads")
    try opt.step(slot: slot, parameters: p, gradients: g, count: try elementCount(n, of: T.self))
}

@c @implementation
public func gdopt_optimizer_step_f32(
    _ o: OpaquePointer?, _ slot: Int, _ params: UnsafeMutablePointer<Float>?, _ grads: UnsafePointer<Float>?, _ n: Int
) -> gdopt_status {
    withStatus { try step(o, slot, params, grads, n) }
}

@c @implementation
public func gdopt_optimizer_step_f64(
    _ o: OpaquePointer?, _ slot: Int, _ params: UnsafeMutablePointer<Double>?, _ grads: UnsafePointer<Double>?, _ n: Int
) -> gdopt_status {
    withStatus { try step(o, slot, params, grads, n) }
}

private func check<T: GDOptFloat>(
    _ o: OpaquePointer?, _ slot: Int, _ params: UnsafePointer<T>?, _ grads: UnsafePointer<T>?, _ n: Int
) throws {
    let opt = try optimizer(o)
    _ = try required(params, "params")
    let g = try required(grads, "grads")
    try opt.check(slot: slot, gradients: g, count: try elementCount(n, of: T.self))
}

@c @implementation
public func gdopt_optimizer_check_f32(
    _ o: OpaquePointer?, _ slot: Int, _ params: UnsafePointer<Float>?, _ grads: UnsafePointer<Float>?, _ n: Int
) -> gdopt_status {
    withStatus { try check(o, slot, params, grads, n) }
}

@c @implementation
public func gdopt_optimizer_check_f64(
    _ o: OpaquePointer?, _ slot: Int, _ params: UnsafePointer<Double>?, _ grads: UnsafePointer<Double>?, _ n: Int
) -> gdopt_status {
    withStatus { try check(o, slot, params, grads, n) }
}

@c @implementation
public func gdopt_optimizer_reset(_ o: OpaquePointer?) -> gdopt_status {
    withStatus { try optimizer(o).reset() }
}

@c @implementation
public func gdopt_optimizer_save(_ o: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> gdopt_status {
    withStatus { try optimizer(o).save(to: try string(path, "path")) }
}

@c @implementation
public func gdopt_optimizer_load(_ o: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> gdopt_status {
    withStatus { try optimizer(o).load(from: try string(path, "path")) }
}

@c @implementation
public func gdopt_optimizer_serialize(
    _ o: OpaquePointer?, _ buf: UnsafeMutableRawPointer?, _ cap: Int, _ needed: UnsafeMutablePointer<Int>?
) -> gdopt_status {
    withStatus {
        try serialize(try optimizer(o), buf, cap, needed)
    }
}

@c @implementation
public func gdopt_optimizer_deserialize(_ o: OpaquePointer?, _ buf: UnsafeRawPointer?, _ len: Int) -> gdopt_status {
    withStatus {
        let opt = try optimizer(o)
        try opt.restore(from: try checkpointBytes(buf, len))
    }
}

@c @implementation
public func gdopt_optimizer_destroy(_ o: OpaquePointer?) {
    Handles.destroy(o, .optimizer)
}
