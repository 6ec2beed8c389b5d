import CGDOpt
import GDOpt
import Glibc

/// A list of names as a static C array (never freed: the library stays loaded, -z nodelete).
private struct CNames {
    let pointer: UnsafeMutablePointer<UnsafePointer<CChar>?>
    let count: Int

    init(_ names: [String]) {
        pointer = .allocate(capacity: max(names.count, 1))
        for (i, name) in names.enumerated() { pointer[i] = UnsafePointer(strdup(name)!) }
        count = names.count
    }
}

/// A parameter table as a static C array, from the core's table: the one the object's set,
/// get, checks and checkpoints read.
private struct CParams {
    let pointer: UnsafeMutablePointer<gdopt_param_info>
    let count: Int

    init(_ specs: [HyperparameterSpec]) {
        pointer = .allocate(capacity: max(specs.count, 1))
        for (i, spec) in specs.enumerated() {
            let flags = spec.domain == .boolean ? GDOPT_PARAM_BOOL : spec.isIntegral ? GDOPT_PARAM_INTEGER : 0
            pointer[i] = gdopt_param_info(
                name: UnsafePointer(strdup(spec.name)!), default_value: spec.defaultValue,
                min: spec.bounds.lowerBound, max: spec.bounds.upperBound, flags: Int32(flags))
        }
        count = specs.count
    }
}

nonisolated(unsafe) private let optimizerKinds = CNames(OptimizerKind.allCases.map(\.description))
nonisolated(unsafe) private let optimizerParams = OptimizerKind.allCases.map { CParams($0.hyperparameters) }
nonisolated(unsafe) private let optimizerStateNames = OptimizerKind.allCases.map { CNames($0.stateNames) }
nonisolated(unsafe) private let optimizerScalarNames = OptimizerKind.allCases.map { CNames($0.scalarStateNames) }
nonisolated(unsafe) private let scheduleKinds = CNames(ScheduleKind.allCases.map(\.rawValue))
nonisolated(unsafe) private let scheduleParams = ScheduleKind.allCases.map { CParams($0.parameters) }
nonisolated(unsafe) private let solverMethods = CNames(SolverMethod.allCases.map(\.rawValue))
nonisolated(unsafe) private let solverParams = CParams(SolverOptions().specs)

private func hand(
    _ names: CNames, _ out: UnsafeMutablePointer<UnsafePointer<UnsafePointer<CChar>?>?>?,
    _ count: UnsafeMutablePointer<Int>?
) throws {
    let out = try required(out, "names"), count = try required(count, "count")
    (out.pointee, count.pointee) = (UnsafePointer(names.pointer), names.count)
}

private func hand(
    _ params: CParams, _ out: UnsafeMutablePointer<UnsafePointer<gdopt_param_info>?>?,
    _ count: UnsafeMutablePointer<Int>?
) throws {
    let out = try required(out, "table"), count = try required(count, "count")
    (out.pointee, count.pointee) = (UnsafePointer(params.pointer), params.count)
}

/// The index of the optimizer kind named by `kind`, in OptimizerKind.allCases order.
private func optimizerIndex(_ kind: UnsafePointer<CChar>?) throws -> Int {
    OptimizerKind.allCases.firstIndex(of: try OptimizerKind(name: try string(kind, "kind")))!
}

@c @implementation
public func gdopt_optimizer_kinds(
    _ names: UnsafeMutablePointer<UnsafePointer<UnsafePointer<CChar>?>?>?, _ count: UnsafeMutablePointer<Int>?
) -> gdopt_status {
    withStatus { try hand(optimizerKinds, names, count) }
}

@c @implementation
public func gdopt_optimizer_params(
    _ kind: UnsafePointer<CChar>?, _ table: UnsafeMutablePointer<UnsafePointer<gdopt_param_info>?>?,
    _ count: UnsafeMutablePointer<Int>?
) -> gdopt_status {
    withStatus { try hand(optimizerParams[try optimizerIndex(kind)], table, count) }
}

@c @implementation
public func gdopt_optimizer_state_names(
    _ kind: UnsafePointer<CChar>?, _ names: UnsafeMutablePointer<UnsafePointer<UnsafePointer<CChar>?>?>?,
    _ count: UnsafeMutablePointer<Int>?
) -> gdopt_status {
    withStatus { try hand(optimizerStateNames[try optimizerIndex(kind)], names, count) }
}

@c @implementation
public func gdopt_optimizer_scalar_names(
    _ kind: UnsafePointer<CChar>?, _ names: UnsafeMutablePointer<UnsafePointer<UnsafePointer<CChar>?>?>?,
    _ count: UnsafeMutablePointer<Int>?
) -> gdopt_status {
    withStatus { try hand(optimizerScalarNames[try optimizerIndex(kind)], names, count) }
}

@c @implementation
public func gdopt_schedule_kinds(
    _ names: UnsafeMutablePointer<UnsafePointer<UnsafePointer<CChar>?>?>?, _ count: UnsafeMutablePointer<Int>?
) -> gdopt_status {
    withStatus { try hand(scheduleKinds, names, count) }
}

@c @implementation
public func gdopt_schedule_params(
    _ kind: UnsafePointer<CChar>?, _ table: UnsafeMutablePointer<UnsafePointer<gdopt_param_info>?>?,
    _ count: UnsafeMutablePointer<Int>?
) -> gdopt_status {
    withStatus {
        let kind = try ScheduleKind(name: try string(kind, "kind"))
        try hand(scheduleParams[ScheduleKind.allCases.firstIndex(of: kind)!], table, count)
    }
}

@c @implementation
public func gdopt_solver_methods(
    _ names: UnsafeMutablePointer<UnsafePointer<UnsafePointer<CChar>?>?>?, _ count: UnsafeMutablePointer<Int>?
) -> gdopt_status {
    withStatus { try hand(solverMethods, names, count) }
}

@c @implementation
public func gdopt_solver_params(
    _ method: UnsafePointer<CChar>?, _ table: UnsafeMutablePointer<UnsafePointer<gdopt_param_info>?>?,
    _ count: UnsafeMutablePointer<Int>?
) -> gdopt_status {
    withStatus {
        _ = try SolverMethod(name: try string(method, "method"))
        try hand(solverParams, table, count)
    }
}
