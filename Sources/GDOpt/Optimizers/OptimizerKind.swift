/// The optimizer algorithms, named as in the C API (`gdopt_optimizer_create`).
public enum OptimizerKind: UInt32, CaseIterable, Sendable, CustomStringConvertible {
    case sgd = 1
    case adagrad = 2
    case rmsprop = 3
    case adam = 4
    case adamw = 5

    public init(name: String) throws(GDOptError) {
        guard let kind = Self.allCases.first(where: { $0.description == name }) else {
            throw .invalid(
                "kind \"\(name)\" is unknown; "
                    + "expected one of \(Self.allCases.map(\.description).joined(separator: ", "))"
            )
        }
        self = kind
    }

    public var description: String {
        switch self {
        case .sgd: "sgd"
        case .adagrad: "adagrad"
        case .rmsprop: "rmsprop"
        case .adam: "adam"
        case .adamw: "adamw"
        }
    }
}
