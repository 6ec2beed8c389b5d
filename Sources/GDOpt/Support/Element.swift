/// The element types gdopt steps in place.
public enum DType: UInt32, Sendable, CustomStringConvertible {
    case float32 = 1
    case float64 = 2

    public var byteCount: Int { self == .float32 ? 4 : 8 }
    public var description: String { self == .float32 ? "float32" : "float64" }
}

/// Float and Double: every kernel is generic over this protocol and specialised for both.
public protocol GDOptFloat: BinaryFloatingPoint, Sendable {
    static var dtype: DType { get }
}

extension Float: GDOptFloat {
    public static var dtype: DType { .float32 }
}

extension Double: GDOptFloat {
    public static var dtype: DType { .float64 }
}
