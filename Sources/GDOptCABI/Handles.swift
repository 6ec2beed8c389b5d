import CGDOpt
import GDOpt
import Glibc

/// What a C handle points at: a small header that is never freed, only recycled, so a
/// call on a destroyed handle reads a valid header marked dead and fails with
/// GDOPT_ERR_STATE instead of touching freed memory.
struct HandleHeader {
    var tag: UInt64
    var object: UnsafeMutableRawPointer?
}

enum HandleKind: UInt64 {
    case optimizer = 0x6764_6f70_744f_5054  // "gdoptOPT"
    case tape = 0x6764_6f70_7454_4150  // "gdoptTAP"
    case solver = 0x6764_6f70_7453_4f4c  // "gdoptSOL"
    case schedule = 0x6764_6f70_7453_4348  // "gdoptSCH"
    case destroyed = 0xDEAD_DEAD_DEAD_DEAD

    /// The name of the handle argument in gdopt.h, for messages.
    var argumentName: String {
        switch self {
        case .optimizer: "o"
        case .tape: "t"
        case .solver, .schedule, .destroyed: "s"
        }
    }

    var typeName: String {
        switch self {
        case .optimizer: "gdopt_optimizer"
        case .tape: "gdopt_tape"
        case .solver: "gdopt_solver"
        case .schedule: "gdopt_schedule"
        case .destroyed: "destroyed handle"
        }
    }
}

enum Handles {
    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        return lock
    }()
    nonisolated(unsafe) private static var recycled: [UnsafeMutablePointer<HandleHeader>] = []

    static func make(_ object: AnyObject, kind: HandleKind) -> OpaquePointer {
        pthread_mutex_lock(lock)
        // Reuse the oldest of many dead headers, so a stale handle stays recognisably dead
        // for a while instead of aliasing the very next object.
        let header =
            recycled.count > 64 ? recycled.removeFirst() : UnsafeMutablePointer<HandleHeader>.allocate(capacity: 1)
        pthread_mutex_unlock(lock)
        header.initialize(to: HandleHeader(tag: kind.rawValue, object: Unmanaged.passRetained(object).toOpaque()))
        return OpaquePointer(header)
    }

    static func resolve<T: AnyObject>(_ handle: OpaquePointer?, _ kind: HandleKind, as _: T.Type) throws -> T {
        let name = kind.argumentName
        let header = UnsafeMutablePointer<HandleHeader>(try required(handle, name))
        guard header.pointee.tag == kind.rawValue, let object = header.pointee.object else {
            if header.pointee.tag == HandleKind.destroyed.rawValue {
                throw BoundaryError(status: GDOPT_ERR_STATE, message: "\(name) was destroyed")
            }
            throw BoundaryError(status: GDOPT_ERR_INVALID, message: "\(name) is not a \(kind.typeName)")
        }
        return Unmanaged<T>.fromOpaque(object).takeUnretainedValue()
    }

    /// Releases the object; NULL, foreign and already-destroyed handles are ignored.
    static func destroy(_ handle: OpaquePointer?, _ kind: HandleKind) {
        guard let handle else { return }
        let header = UnsafeMutablePointer<HandleHeader>(handle)
        guard header.pointee.tag == kind.rawValue, let object = header.pointee.object else { return }
        header.pointee = HandleHeader(tag: HandleKind.destroyed.rawValue, object: nil)
        Unmanaged<AnyObject>.fromOpaque(object).release()
        pthread_mutex_lock(lock)
        recycled.append(header)
        pthread_mutex_unlock(lock)
    }
}
