/// One named hyperparameter: its torch.optim default and the values torch accepts.
/// `set`, `get`, validation, checkpoints and the tests all read these tables.
public struct HyperparameterSpec: Sendable {
    public enum Domain: Sendable {
        case nonNegative  // x >= 0
        case fraction  // 0 <= x < 1
        case boolean  // exactly 0 or 1
        case real  // any finite number
        case wholeNumber  // an integer in [0, 2^53]: a count, a seed or a limit
    }

    public let name: String
    public let defaultValue: Double
    public let domain: Domain

    /// The values the domain accepts, inclusive (§10: an open bound such as beta < 1 is the
    /// largest double below it). Booleans and whole numbers must also be integral.
    public var bounds: ClosedRange<Double> {
        switch domain {
        case .nonNegative: 0...Double.greatestFiniteMagnitude
        case .fraction: 0...(1.0).nextDown
        case .boolean: 0...1
        case .real: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
        case .wholeNumber: 0...9_007_199_254_740_992
        }
    }

    public var isIntegral: Bool { domain == .boolean || domain == .wholeNumber }

    public func check(_ value: Double) throws(GDOptError) {
        guard value.isFinite else { throw .invalid("\(name)=\(value) must be finite") }
        guard !bounds.contains(value) || (isIntegral && value.rounded() != value) else { return }
        switch domain {
        case .nonNegative: throw .invalid("\(name)=\(value) must be >= 0")
        case .fraction: throw .invalid("\(name)=\(value) must be in [0, 1)")
        case .boolean: throw .invalid("\(name)=\(value) must be 0 or 1")
        case .wholeNumber, .real: throw .invalid("\(name)=\(value) must be a whole number in [0, 2^53]")
        }
    }
}

extension OptimizerKind {
    /// The kind's hyperparameters in checkpoint order, with torch.optim's defaults.
    public var hyperparameters: [HyperparameterSpec] {
        switch self {
        case .sgd: Tables.sgd
        case .adagrad: Tables.adagrad
        case .rmsprop: Tables.rmsprop
        case .adam: Tables.adam
        case .adamw: Tables.adamw
        }
    }

    func spec(named name: String) throws(GDOptError) -> (index: Int, spec: HyperparameterSpec) {
        let table = hyperparameters
        guard let index = table.firstIndex(where: { $0.name == name }) else {
            throw .invalid(
                "name \"\(name)\" is not a hyperparameter of \(self); "
                    + "it has \(table.map(\.name).joined(separator: ", "))"
            )
        }
        return (index, table[index])
    }

    /// `value` if given, after checking it against this kind's table; else the default.
    func resolve(_ name: String, _ value: Double?) throws(GDOptError) -> Double {
        let spec = try spec(named: name).spec
        guard let value else { return spec.defaultValue }
        try spec.check(value)
        return value
    }

    func resolve(_ name: String, _ value: Bool?) throws(GDOptError) -> Bool {
        try resolve(name, value.map { $0 ? 1.0 : 0.0 }) != 0
    }
}

private enum Tables {
    static func spec(_ name: String, _ value: Double, _ domain: HyperparameterSpec.Domain = .nonNegative)
        -> HyperparameterSpec
    {
        HyperparameterSpec(name: name, defaultValue: value, domain: domain)
    }
    static let common = [spec("reject_nonfinite", 0, .boolean), spec("max_grad_norm", 0)]
    static let maximize = spec("maximize", 0, .boolean)

    static let sgd =
        [
            spec("lr", 1e-3), spec("momentum", 0), spec("dampening", 0, .real),
            spec("nesterov", 0, .boolean), spec("weight_decay", 0), maximize,
        ] + common
    static let adagrad =
        [
            spec("lr", 1e-2), spec("lr_decay", 0), spec("weight_decay", 0),
            spec("initial_accumulator_value", 0), spec("eps", 1e-10), maximize,
        ] + common
    static let rmsprop =
        [
            spec("lr", 1e-2), spec("alpha", 0.99), spec("eps", 1e-8), spec("weight_decay", 0),
            spec("momentum", 0), spec("centered", 0, .boolean), maximize,
        ] + common
    static func adamFamily(weightDecay: Double) -> [HyperparameterSpec] {
        [
            spec("lr", 1e-3), spec("beta1", 0.9, .fraction), spec("beta2", 0.999, .fraction), spec("eps", 1e-8),
            spec("weight_decay", weightDecay), spec("amsgrad", 0, .boolean), maximize,
        ] + common
    }
    static let adam = adamFamily(weightDecay: 0)
    static let adamw = adamFamily(weightDecay: 1e-2)
}
