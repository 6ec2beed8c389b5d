/// Why a core call failed. The message names the argument and the bad value; the C
/// layer prefixes the function name and maps the case to a `gdopt_status`.
public enum GDOptError: Error, Equatable, CustomStringConvertible {
    /// A buffer the configuration needs was not given.
    case null(String)
    /// A bad value: unknown name, out-of-range hyperparameter, NaN, wrong dtype.
    case invalid(String)
    /// Sizes or shapes do not match.
    case size(String)
    /// A gradient held NaN or Inf and the optimizer rejects those.
    case nonFinite(String)
    /// Checkpoint data is corrupted, truncated, or from another version or kind.
    case format(String)
    /// A file could not be read or written.
    case io(String)
    /// An allocation failed.
    case memory(String)
    /// A user callback asked to stop, or returned NaN.
    case callback(String)
    /// The call is not allowed in the current state.
    case state(String)

    public var message: String {
        switch self {
        case .null(let m), .invalid(let m), .size(let m), .nonFinite(let m), .format(let m),
            .io(let m), .memory(let m), .callback(let m), .state(let m):
            return m
        }
    }

    public var description: String { message }
}
