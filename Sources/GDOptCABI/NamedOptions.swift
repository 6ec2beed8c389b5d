import GDOpt

/// Optimizers, solvers and schedules all take options by name; their C create, set and
/// get functions are these three helpers.
protocol NamedOptions: AnyObject {
    func set(_ name: String, _ value: Double) throws(GDOptError)
    func get(_ name: String) throws(GDOptError) -> Double
}

extension Optimizer: NamedOptions {}
extension Solver: NamedOptions {}
extension Schedule: NamedOptions {}

/// Makes the object named by the C string `kind` (the argument `argument`) and stores its handle in `out`.
func createHandle(
    _ handleKind: HandleKind, _ kind: UnsafePointer<CChar>?, argument: String,
    _ out: UnsafeMutablePointer<OpaquePointer?>?, make: (String) throws -> AnyObject
) throws {
    let out = try required(out, "out")
    out.pointee = Handles.make(try make(try string(kind, argument)), kind: handleKind)
}

func setOption<T: NamedOptions>(
    _ handle: OpaquePointer?, _ kind: HandleKind, _: T.Type,
    _ name: UnsafePointer<CChar>?, _ value: Double
) throws {
    try Handles.resolve(handle, kind, as: T.self).set(try string(name, "name"), value)
}

func getOption<T: NamedOptions>(
    _ handle: OpaquePointer?, _ kind: HandleKind, _: T.Type,
    _ name: UnsafePointer<CChar>?, _ value: UnsafeMutablePointer<Double>?
) throws {
    let object = try Handles.resolve(handle, kind, as: T.self), name = try string(name, "name")
    try required(value, "value").pointee = try object.get(name)
}
