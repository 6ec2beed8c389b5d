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

// MARK: - Slot state (§10)

@c @implementation
public func gdopt_optimizer_slots(
    _ o: OpaquePointer?, _ slots: UnsafeMutablePointer<Int>?, _ cap: Int, _ count: UnsafeMutablePointer<Int>?
) -> gdopt_status {
    withStatus {
        let ids = try optimizer(o).slotIDs
        let count = try required(count, "count")
        count.pointee = ids.count
        guard cap != 0 else { return }
        let slots = try required(slots, "slots")
        guard UInt(bitPattern: cap) >= UInt(ids.count) else {
            throw BoundaryError(
                status: GDOPT_ERR_SIZE, message: "cap=\(UInt(bitPattern: cap)) is smaller than the \(ids.count) slots")
        }
        for (i, id) in ids.enumerated() { slots[i] = id }
    }
}

@c @implementation
public func gdopt_optimizer_slot_info(
    _ o: OpaquePointer?, _ slot: Int, _ info: UnsafeMutablePointer<gdopt_slot_info>?
) -> gdopt_status {
    withStatus {
        let opt = try optimizer(o)
        let info = try required(info, "info")
        let state = try slotInfo(opt, slot)
        let mask = opt.kind.stateNames.enumerated().reduce(UInt32(0)) { mask, entry in
            state.buffers.contains(entry.element) ? mask | 1 << entry.offset : mask
        }
        info.pointee = gdopt_slot_info(
            dtype: Codes.code(of: state.dtype, in: Codes.dtypes), buffers: mask, n: state.count, step: state.step)
    }
}

@c @implementation
public func gdopt_optimizer_slot_format(_ o: OpaquePointer?, _ slot: Int, _ format: UnsafeMutablePointer<Int32>?)
    -> gdopt_status
{
    withStatus {
        let format = try required(format, "format")
        format.pointee = Int32(try slotInfo(try optimizer(o), slot).format.rawValue)
    }
}

/// What a slot holds; INVALID before its first step.
private func slotInfo(_ opt: Optimizer, _ slot: Int) throws -> SlotInfo {
    guard let state = opt.slotInfo(slot: slot) else {
        throw GDOptError.invalid("slot \(UInt(bitPattern: slot)) has no state")
    }
    return state
}

private func stateGet<T: GDOptFloat>(
    _ o: OpaquePointer?, _ slot: Int, _ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<T>?, _ n: Int
) throws {
    let opt = try optimizer(o)
    let name = try string(name, "name")
    let out = try required(out, "out")
    try opt.readState(slot: slot, name: name, into: out, count: try elementCount(n, of: T.self))
}

@c @implementation
public func gdopt_optimizer_state_get_f32(
    _ o: OpaquePointer?, _ slot: Int, _ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Float>?, _ n: Int
) -> gdopt_status {
    withStatus { try stateGet(o, slot, name, out, n) }
}

@c @implementation
public func gdopt_optimizer_state_get_f64(
    _ o: OpaquePointer?, _ slot: Int, _ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Double>?, _ n: Int
) -> gdopt_status {
    withStatus { try stateGet(o, slot, name, out, n) }
}

private func stateSet<T: GDOptFloat>(
    _ o: OpaquePointer?, _ slot: Int, _ step: UInt64, _ n: Int, _ names: UnsafePointer<UnsafePointer<CChar>?>?,
    _ buffers: UnsafePointer<UnsafePointer<T>?>?, _ count: Int
) throws {
    let opt = try optimizer(o)
    let n = try elementCount(n, of: T.self)
    var named: [(name: String, values: UnsafePointer<T>)] = []
    if count != 0 {
        let names = try required(names, "names"), buffers = try required(buffers, "buffers")
        // Each named buffer is distinct, so more than the kind has is an error anyway.
        guard count > 0, count <= opt.kind.stateNames.count else {
            throw GDOptError.invalid(
                "count=\(UInt(bitPattern: count)) is more than the \(opt.kind.stateNames.count) buffers of \(opt.kind)"
            )
        }
        for i in 0..<count {
            named.append((try string(names[i], "names[\(i)]"), try required(buffers[i], "buffers[\(i)]")))
        }
    }
    try opt.setState(slot: slot, step: step, count: n, buffers: named)
}

@c @implementation
public func gdopt_optimizer_state_set_f32(
    _ o: OpaquePointer?, _ slot: Int, _ step: UInt64, _ n: Int, _ names: UnsafePointer<UnsafePointer<CChar>?>?,
    _ buffers: UnsafePointer<UnsafePointer<Float>?>?, _ count: Int
) -> gdopt_status {
    withStatus { try stateSet(o, slot, step, n, names, buffers, count) }
}

@c @implementation
public func gdopt_optimizer_state_set_f64(
    _ o: OpaquePointer?, _ slot: Int, _ step: UInt64, _ n: Int, _ names: UnsafePointer<UnsafePointer<CChar>?>?,
    _ buffers: UnsafePointer<UnsafePointer<Double>?>?, _ count: Int
) -> gdopt_status {
    withStatus { try stateSet(o, slot, step, n, names, buffers, count) }
}

@c @implementation
public func gdopt_optimizer_scalar_get(
    _ o: OpaquePointer?, _ slot: Int, _ name: UnsafePointer<CChar>?, _ value: UnsafeMutablePointer<Double>?
) -> gdopt_status {
    withStatus {
        let opt = try optimizer(o)
        let name = try string(name, "name")
        let value = try required(value, "value")
        value.pointee = try opt.scalarState(slot: slot, name: name)
    }
}

@c @implementation
public func gdopt_optimizer_scalar_set(_ o: OpaquePointer?, _ slot: Int, _ name: UnsafePointer<CChar>?, _ value: Double)
    -> gdopt_status
{
    withStatus { try optimizer(o).setScalarState(slot: slot, name: try string(name, "name"), value: value) }
}

@c @implementation
public func gdopt_optimizer_set_shape(_ o: OpaquePointer?, _ slot: Int, _ rows: Int, _ cols: Int) -> gdopt_status {
    withStatus { try optimizer(o).setShape(slot: slot, rows: rows, cols: cols) }
}

@c @implementation
public func gdopt_optimizer_slot_shape(
    _ o: OpaquePointer?, _ slot: Int, _ rows: UnsafeMutablePointer<Int>?, _ cols: UnsafeMutablePointer<Int>?
) -> gdopt_status {
    withStatus {
        let opt = try optimizer(o)
        let rows = try required(rows, "rows"), cols = try required(cols, "cols")
        let shape = try opt.slotShape(slot: slot)
        (rows.pointee, cols.pointee) = shape ?? (0, 0)
    }
}
