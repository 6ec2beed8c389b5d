/// Why a core call failed: what kind of failure (`code`), the argument or parameter at
/// fault and its value where there is one, and a message that names both. The C layer
/// prefixes the function name and maps `code` to a `gdopt_status`.
public struct GDOptError: Error, Equatable, CustomStringConvertible {
    public enum Code: Sendable {
        /// A buffer the configuration needs was not given.
        case null
        /// A bad value: unknown name, out-of-range hyperparameter, NaN, wrong dtype.
        case invalid
        /// Sizes or shapes do not match.
        case size
        /// A gradient held NaN or Inf and the optimizer rejects those.
        case nonFinite
        /// Checkpoint data is corrupted, truncated, or from another version or kind.
        case format
        /// A file could not be read or written.
        case io
        /// An allocation failed.
        case memory
        /// A user callback asked to stop, or returned NaN.
        case callback
        /// The call is not allowed in the current state.
        case state
    }

    public let code: Code
    public let message: String
    /// The argument or hyperparameter at fault (its torch name for a hyperparameter), when
    /// the failure is about one.
    public let argument: String?
    /// The rejected value, as written in the message.
    public let value: String?

    public init(_ code: Code, _ message: String, argument: String? = nil, value: String? = nil) {
        (self.code, self.message, self.argument, self.value) = (code, message, argument, value)
    }

    public static func null(_ message: String) -> Self { Self(.null, message) }
    public static func invalid(_ message: String) -> Self { Self(.invalid, message) }
    public static func size(_ message: String) -> Self { Self(.size, message) }
    public static func nonFinite(_ message: String) -> Self { Self(.nonFinite, message) }
    public static func format(_ message: String) -> Self { Self(.format, message) }
    public static func io(_ message: String) -> Self { Self(.io, message) }
    public static func memory(_ message: String) -> Self { Self(.memory, message) }
    public static func callback(_ message: String) -> Self { Self(.callback, message) }
    public static func state(_ message: String) -> Self { Self(.state, message) }

    /// Equal when the code and the message are: the argument and value restate the message.
    public static func == (a: Self, b: Self) -> Bool { a.code == b.code && a.message == b.message }

    public var description: String { message }
}
