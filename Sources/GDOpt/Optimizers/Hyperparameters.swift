/// One named parameter as the tables list it: its name, its default and the values it
/// accepts. Optimizers, schedules and solvers all describe their parameters this way; C's
/// `gdopt_param_info` and Python's signatures are built from it.
public struct HyperparameterSpec: NamedParameter, Sendable {
    public enum Domain: Sendable {
        case nonNegative  // x >= 0
        case fraction  // 0 <= x < 1
        case unitInterval  // 0 <= x <= 1
        case boolean  // exactly 0 or 1
        case real  // any finite number
        case wholeNumber  // an integer in [0, 2^53]: a count, a seed or a limit
        case stateFormat  // 0 (native), 1 (bfloat16) or 2 (int8)
    }

    public let name: String
    public let defaultValue: Double
    public let domain: Domain

    public init(name: String, defaultValue: Double, domain: Domain) {
        (self.name, self.defaultValue, self.domain) = (name, defaultValue, domain)
    }

    /// The values the domain accepts, inclusive; booleans and whole numbers must also be integral.
    public var bounds: ClosedRange<Double> { domain.bounds }
    public var isIntegral: Bool { domain.isIntegral }

    public func check(_ value: Double) throws(GDOptError) { try domain.check(value, name: name) }
}

extension HyperparameterSpec.Domain {
    /// The values the domain accepts, inclusive (§10: an open bound such as beta < 1 is the
    /// largest double below it). Booleans and whole numbers must also be integral.
    var bounds: ClosedRange<Double> {
        switch self {
        case .nonNegative: 0...Double.greatestFiniteMagnitude
        case .fraction: 0...(1.0).nextDown
        case .unitInterval: 0...1
        case .boolean: 0...1
        case .real: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
        case .wholeNumber: 0...9_007_199_254_740_992
        case .stateFormat: 0...2
        }
    }

    var isIntegral: Bool { self == .boolean || self == .wholeNumber || self == .stateFormat }

    /// Throws `.invalid` naming `name` unless the domain accepts `value`.
    func check(_ value: Double, name: String) throws(GDOptError) {
        // An integral value is stored as a Bool or an Int, which have no -0: refusing it keeps
        // a checkpoint's bytes what they were read as.
        let integralOK = !isIntegral || (value.rounded() == value && value.sign == .plus)
        if value.isFinite && bounds.contains(value) && integralOK { return }
        func fail(_ requirement: String) -> GDOptError {
            GDOptError(.invalid, "\(name)=\(value) must \(requirement)", argument: name, value: "\(value)")
        }
        guard value.isFinite else { throw fail("be finite") }
        switch self {
        case .nonNegative: throw fail("be >= 0")
        case .fraction: throw fail("be in [0, 1)")
        case .unitInterval: throw fail("be in [0, 1]")
        case .boolean: throw fail("be 0 or 1")
        case .wholeNumber, .real: throw fail("be a whole number in [0, 2^53]")
        case .stateFormat: throw fail("be 0 (native), 1 (bfloat16) or 2 (int8)")
        }
    }
}

/// Anything listed by name in a parameter table.
public protocol NamedParameter { var name: String { get } }

extension Array where Element: NamedParameter {
    /// The index of the parameter called `name`; `owner` ("adam", "a solver") names the
    /// object in the error that lists the names it has.
    package func index(of name: String, in owner: String) throws(GDOptError) -> Int {
        guard let index = firstIndex(where: { $0.name == name }) else {
            throw GDOptError(
                .invalid,
                "name \"\(name)\" is not a parameter of \(owner); it has \(map(\.name).joined(separator: ", "))",
                argument: "name", value: name)
        }
        return index
    }
}

/// One entry of a typed configuration's descriptor table: the parameter's torch name, the
/// stored property it reads and writes (a key path), and its domain. The default is the
/// property's value in the default configuration, so it is written once, in the
/// configuration's initializer.
public struct Hyperparameter<Settings>: NamedParameter, Sendable {
    public let name: String
    public let domain: HyperparameterSpec.Domain
    private let read: @Sendable (Settings) -> Double
    private let write: @Sendable (inout Settings, Double) -> Void

    public init(
        _ name: String, _ keyPath: WritableKeyPath<Settings, Double> & Sendable,
        _ domain: HyperparameterSpec.Domain = .nonNegative
    ) {
        self.init(name, domain, keyPath)
    }

    /// A flag: 0 or 1 in the tables, a Bool in Swift.
    public init(_ name: String, _ keyPath: WritableKeyPath<Settings, Bool> & Sendable) {
        self.init(name, .boolean, keyPath)
    }

    /// A count, a seed or a limit: a whole number in [0, 2^53].
    public init(_ name: String, _ keyPath: WritableKeyPath<Settings, Int> & Sendable) {
        self.init(name, .wholeNumber, keyPath)
    }

    /// A compact state format: its code in the tables.
    public init(_ name: String, _ keyPath: WritableKeyPath<Settings, StateFormat> & Sendable) {
        self.init(name, .stateFormat, keyPath)
    }

    private init<Value: TableValue>(
        _ name: String, _ domain: HyperparameterSpec.Domain, _ keyPath: WritableKeyPath<Settings, Value> & Sendable
    ) {
        (self.name, self.domain) = (name, domain)
        // A stored property is read at its offset: projecting a key path costs a runtime call
        // each time, and the kernels check their configuration on every call.
        if let offset = MemoryLayout<Settings>.offset(of: keyPath) {
            read = { settings in
                withUnsafeBytes(of: settings) { $0.load(fromByteOffset: offset, as: Value.self) }.tableValue
            }
        } else {
            read = { $0[keyPath: keyPath].tableValue }
        }
        write = { $0[keyPath: keyPath] = Value(tableValue: $1) }
    }

    public func value(in settings: Settings) -> Double { read(settings) }

    /// Sets the parameter in `settings` after checking `value` against its domain.
    public func set(_ value: Double, in settings: inout Settings) throws(GDOptError) {
        try domain.check(value, name: name)
        write(&settings, value)
    }

    func spec(defaultValue: Double) -> HyperparameterSpec {
        HyperparameterSpec(name: name, defaultValue: defaultValue, domain: domain)
    }
}

/// The Swift types a table entry can name, and how each reads as the tables' Double.
protocol TableValue: Sendable {
    var tableValue: Double { get }
    init(tableValue: Double)
}

extension Double: TableValue {
    var tableValue: Double { self }
    init(tableValue: Double) { self = tableValue }
}

extension Bool: TableValue {
    var tableValue: Double { self ? 1 : 0 }
    init(tableValue: Double) { self = tableValue != 0 }
}

extension StateFormat: TableValue {
    var tableValue: Double { Double(rawValue) }
    init(tableValue: Double) { self = StateFormat(rawValue: UInt32(tableValue)) ?? .native }
}

extension Int: TableValue {
    var tableValue: Double { Double(self) }
    init(tableValue: Double) { self = Int(tableValue) }
}

/// A value type whose parameters are listed in a descriptor table.
public protocol Configurable: Sendable {
    static var hyperparameters: [Hyperparameter<Self>] { get }
}

extension Configurable {
    /// The table with this configuration's values as the defaults: what C's and Python's
    /// tables list.
    public var specs: [HyperparameterSpec] {
        Self.hyperparameters.map { $0.spec(defaultValue: $0.value(in: self)) }
    }

    /// The values in table order: the checkpoint's order.
    public var values: [Double] { Self.hyperparameters.map { $0.value(in: self) } }

    /// Checks every value against its domain (a configuration built in Swift is not checked
    /// until it is used).
    public func checkRanges() throws(GDOptError) {
        for parameter in Self.hyperparameters {
            try parameter.domain.check(parameter.value(in: self), name: parameter.name)
        }
    }

    /// A copy with the parameter called `name` set to `value`, checked.
    func setting(_ name: String, _ value: Double) throws(GDOptError) -> Self? {
        guard let parameter = Self.hyperparameters.first(where: { $0.name == name }) else { return nil }
        var copy = self
        try parameter.set(value, in: &copy)
        return copy
    }

    /// A copy with every value replaced, in table order, each checked.
    func setting(values: some Collection<Double>) throws(GDOptError) -> Self {
        var copy = self
        for (parameter, value) in zip(Self.hyperparameters, values) { try parameter.set(value, in: &copy) }
        return copy
    }
}
