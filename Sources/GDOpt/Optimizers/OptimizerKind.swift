/// The optimizer algorithms by their C names (`gdopt_optimizer_create`). The raw values
/// are the checkpoint's kind codes. Adding a kind means a case here, with its name and
/// default configuration, and a rule file.
public enum OptimizerKind: UInt32, CaseIterable, Sendable, CustomStringConvertible {
    case sgd = 1
    case adagrad = 2
    case rmsprop = 3
    case adam = 4
    case adamw = 5
    case lion = 6
    case adamax = 7
    case adadelta = 8
    case rprop = 9
    case nadam = 10
    case radam = 11
    case asgd = 12
    case adafactor = 13

    public init(name: String) throws(GDOptError) {
        guard let kind = Self.allCases.first(where: { $0.description == name }) else {
            throw GDOptError(
                .invalid,
                "kind \"\(name)\" is unknown; "
                    + "expected one of \(Self.allCases.map(\.description).joined(separator: ", "))",
                argument: "kind", value: name)
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
        case .lion: "lion"
        case .adamax: "adamax"
        case .adadelta: "adadelta"
        case .rprop: "rprop"
        case .nadam: "nadam"
        case .radam: "radam"
        case .asgd: "asgd"
        case .adafactor: "adafactor"
        }
    }

    /// torch.optim's defaults for this kind.
    var defaultRule: any SteppingRule {
        switch self {
        case .sgd: SGD()
        case .adagrad: Adagrad()
        case .rmsprop: RMSprop()
        case .adam: Adam()
        case .adamw: Adam(weightDecay: .decoupled(1e-2))
        case .lion: Lion()
        case .adamax: Adamax()
        case .adadelta: Adadelta()
        case .rprop: Rprop()
        case .nadam: NAdam()
        case .radam: RAdam()
        case .asgd: ASGD()
        case .adafactor: Adafactor()
        }
    }

    /// The kind's hyperparameters in checkpoint order, with torch's defaults: the rule's
    /// table, then the gradient policy's.
    public var hyperparameters: [HyperparameterSpec] { defaultRule.specs + GradientPolicy().specs }

    /// torch's names for a slot's state buffers, in checkpoint order.
    public var stateNames: [String] { type(of: defaultRule).stateNames }

    /// Each state buffer's kind of moment, for the kinds that can keep compact state; else empty.
    public var stateMoments: [Moment] { type(of: defaultRule).stateMoments }

    /// torch's names for a slot's scalar state, in checkpoint order.
    public var scalarStateNames: [String] { type(of: defaultRule).scalarState.map(\.name) }

    /// Whether slots given a shape keep factored state (Adafactor's row and column factors).
    public var factorsState: Bool { defaultRule.statePlan.factoredNeeded != nil }

    /// The slot's scalar state, in checkpoint order.
    public var scalarState: [ScalarStateSpec] { type(of: defaultRule).scalarState }
}
