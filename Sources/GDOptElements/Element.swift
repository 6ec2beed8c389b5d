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
    /// The value where `condition` holds, else +0, by masking its bits: a loop over
    /// `p[i].kept(if: c)` vectorises, where `c ? p[i] : 0` becomes a branch around the load.
    func kept(if condition: Bool) -> Self
}

extension Float: GDOptFloat {
    @inlinable public static var dtype: DType { .float32 }
    @inlinable @inline(__always)
    public func kept(if condition: Bool) -> Float { Float(bitPattern: bitPattern & (condition ? ~0 : 0)) }
}

extension Double: GDOptFloat {
    @inlinable public static var dtype: DType { .float64 }
    @inlinable @inline(__always)
    public func kept(if condition: Bool) -> Double { Double(bitPattern: bitPattern & (condition ? ~0 : 0)) }
}
