import CGDOpt
import GDOpt

private func schedule(_ handle: OpaquePointer?) throws -> Schedule {
    try Handles.resolve(handle, .schedule, as: Schedule.self)
}

@c @implementation
public func gdopt_schedule_create(_ kind: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?)
    -> gdopt_status
{
    withStatus { try createHandle(.schedule, kind, argument: "kind", out) { Schedule(try ScheduleKind(name: $0)) } }
}

@c @implementation
public func gdopt_schedule_set(_ s: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: Double) -> gdopt_status {
    withStatus { try setOption(s, .schedule, Schedule.self, name, value) }
}

@c @implementation
public func gdopt_schedule_get(
    _ s: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: UnsafeMutablePointer<Double>?
) -> gdopt_status {
    withStatus { try getOption(s, .schedule, Schedule.self, name, value) }
}

@c @implementation
public func gdopt_schedule_lr(_ s: OpaquePointer?, _ step: UInt64, _ lr: UnsafeMutablePointer<Double>?) -> gdopt_status
{
    withStatus {
        let schedule = try schedule(s)
        let out = try required(lr, "lr")
        out.pointee = try schedule.learningRate(at: step)
    }
}

@c @implementation
public func gdopt_schedule_observe(_ s: OpaquePointer?, _ metric: Double) -> gdopt_status {
    withStatus { try schedule(s).observe(metric) }
}

@c @implementation
public func gdopt_schedule_destroy(_ s: OpaquePointer?) {
    Handles.destroy(s, .schedule)
}
