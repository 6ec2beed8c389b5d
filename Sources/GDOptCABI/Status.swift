import CGDOpt
import GDOpt
import GDOptShim
import Glibc

/// A failure detected at the boundary, before the core is called.
struct BoundaryError: Error {
    let status: gdopt_status
    let message: String
}

/// Runs one exported call: maps every thrown error to its status and records the
/// message, prefixed with the C function's name, as this thread's last error.
@inline(__always)
func withStatus(_ function: StaticString = #function, _ body: () throws -> Void) -> gdopt_status {
    do {
        try body()
        return GDOPT_OK
    } catch let error as BoundaryError {
        return record(function, error.status, error.message)
    } catch let error as GDOptError {
        return record(function, status(of: error), error.message)
    } catch {
        return record(function, GDOPT_ERR_INVALID, "\(error)")
    }
}

private func status(of error: GDOptError) -> gdopt_status {
    switch error.code {
    case .null: GDOPT_ERR_NULL
    case .invalid: GDOPT_ERR_INVALID
    case .size: GDOPT_ERR_SIZE
    case .nonFinite: GDOPT_ERR_NONFINITE
    case .format: GDOPT_ERR_FORMAT
    case .io: GDOPT_ERR_IO
    case .memory: GDOPT_ERR_MEMORY
    case .callback: GDOPT_ERR_CALLBACK
    case .state: GDOPT_ERR_STATE
    }
}

private func record(_ function: StaticString, _ status: gdopt_status, _ message: String) -> gdopt_status {
    // #function is the Swift name, e.g. "gdopt_shuffle(_:_:_:_:)": keep the C name (read as
    // bytes: walking Characters cost more than the failed call itself).
    let name = function.withUTF8Buffer { String(decoding: $0.prefix { $0 != UInt8(ascii: "(") }, as: UTF8.self) }
    "\(name): \(message)".withCString { gdoptshim_set_error($0) }
    return status
}

// MARK: - Argument checks shared by every export

func required<P>(_ pointer: P?, _ name: String) throws -> P {
    guard let pointer else { throw BoundaryError(status: GDOPT_ERR_NULL, message: "\(name) is NULL") }
    return pointer
}

/// n as a Swift count of T, rejecting 0 and sizes whose byte count overflows (a huge
/// size_t arrives as a negative Int).
func elementCount<T>(_ n: Int, of _: T.Type, name: String = "n") throws -> Int {
    guard n != 0 else { throw BoundaryError(status: GDOPT_ERR_SIZE, message: "\(name)=0 must be > 0") }
    guard n > 0, !n.multipliedReportingOverflow(by: MemoryLayout<T>.stride).overflow else {
        throw BoundaryError(status: GDOPT_ERR_SIZE, message: "\(name)=\(UInt(bitPattern: n)) is too large")
    }
    return n
}

func flag(_ value: Int32, _ name: String) throws -> Bool {
    guard value == 0 || value == 1 else {
        throw BoundaryError(status: GDOPT_ERR_INVALID, message: "\(name)=\(value) must be 0 or 1")
    }
    return value == 1
}

func string(_ pointer: UnsafePointer<CChar>?, _ name: String) throws -> String {
    String(cString: try required(pointer, name))
}

// MARK: - Library-wide functions

/// Static C strings built once (never freed: the library stays loaded, -z nodelete).
nonisolated(unsafe) private let versionText = strdup(
    "\(GDOPT_VERSION_MAJOR).\(GDOPT_VERSION_MINOR).\(GDOPT_VERSION_PATCH)")!
nonisolated(unsafe) private let statusNames =
    ([
        "GDOPT_OK", "GDOPT_ERR_NULL", "GDOPT_ERR_INVALID", "GDOPT_ERR_SIZE", "GDOPT_ERR_NONFINITE", "GDOPT_ERR_FORMAT",
        "GDOPT_ERR_IO", "GDOPT_ERR_MEMORY", "GDOPT_ERR_CALLBACK", "GDOPT_ERR_STATE", "GDOPT_UNKNOWN_STATUS",
    ] as [String]).map { strdup($0)! }

@c @implementation
public func gdopt_version() -> UnsafePointer<CChar>! { UnsafePointer(versionText) }

@c @implementation
public func gdopt_abi_version() -> Int32 { GDOPT_ABI_VERSION }

nonisolated(unsafe) private let buildInfoText = strdup(BuildInfo.description)!

@c @implementation
public func gdopt_build_info() -> UnsafePointer<CChar>! { UnsafePointer(buildInfoText) }

@c @implementation
public func gdopt_status_name(_ status: gdopt_status) -> UnsafePointer<CChar>! {
    UnsafePointer(statusNames[(0..<statusNames.count - 1).contains(Int(status)) ? Int(status) : statusNames.count - 1])
}

@c @implementation
public func gdopt_last_error() -> UnsafePointer<CChar>! { gdoptshim_last_error() }

@c @implementation
public func gdopt_set_num_threads(_ k: Int32) -> gdopt_status {
    withStatus { try Parallel.setThreadCount(Int(k)) }
}

// MARK: - Checkpoint buffers (optimizers and solvers)

/// serialize's contract (§8): *needed always; cap = 0 only asks for the size, which is
/// computed without building the checkpoint; buf = NULL with cap > 0 is NULL whatever the
/// size; the bytes go straight into buf.
func serialize(
    _ object: Checkpointed, _ buf: UnsafeMutableRawPointer?, _ cap: Int,
    _ needed: UnsafeMutablePointer<Int>?
) throws {
    let needed = try required(needed, "needed")
    let size = object.checkpointSize
    needed.pointee = size
    guard cap != 0 else { return }
    let buf = try required(buf, "buf")
    guard UInt(bitPattern: cap) >= UInt(size) else {
        throw BoundaryError(
            status: GDOPT_ERR_SIZE, message: "cap=\(UInt(bitPattern: cap)) is smaller than the \(size) bytes needed")
    }
    _ = object.writeCheckpoint(to: buf)
}

/// deserialize's input; len = 0 is a truncated checkpoint (FORMAT), not an empty buffer (§8).
func checkpointBytes(_ buf: UnsafeRawPointer?, _ len: Int) throws -> UnsafeRawBufferPointer {
    let buf = try required(buf, "buf")
    guard len >= 0 else {
        throw BoundaryError(status: GDOPT_ERR_SIZE, message: "len=\(UInt(bitPattern: len)) is too large")
    }
    return UnsafeRawBufferPointer(start: buf, count: len)
}
