/// torch.optim.SGD's configuration; the update is `SGD.update`.
///
///     SGD(learningRate: 0.1, momentum: .nesterov(0.9), weightDecay: 1e-4)
public struct SGD: OptimizerRule {
    /// Momentum and its variants, which exclude each other.
    public enum Momentum: Sendable, Equatable {
        case none
        /// b ← μ·b + (1 − dampening)·g, then g ← b.
        case heavyBall(Double, dampening: Double = 0)
        /// Nesterov's lookahead, g ← g + μ·b (torch: dampening must be 0).
        case nesterov(Double)

        /// torch's flat form; nesterov needs momentum > 0 and dampening = 0.
        public init(momentum: Double, dampening: Double, nesterov: Bool) throws(GDOptError) {
            if nesterov && (momentum <= 0 || dampening != 0) {
                throw .invalid(
                    "nesterov=1 needs momentum > 0 and dampening = 0, got momentum=\(momentum), dampening=\(dampening)")
            }
            self =
                nesterov
                ? .nesterov(momentum)
                : momentum == 0 && dampening == 0 ? .none : .heavyBall(momentum, dampening: dampening)
        }
    }

    public var learningRate: Double
    public var weightDecay: Double
    public var maximize: Bool
    /// How slots keep their moments from their first step on (set later, it applies to new slots).
    public var stateFormat: StateFormat
    // torch's flat form: what `set` writes by name, in any order; `momentum` is the typed view.
    var momentumFactor = 0.0, dampening = 0.0, nesterov = false

    public init(
        learningRate: Double = 1e-3, momentum: Momentum = .none, weightDecay: Double = 0, maximize: Bool = false,
        stateFormat: StateFormat = .native
    ) {
        self.stateFormat = stateFormat
        (self.learningRate, self.weightDecay, self.maximize) = (learningRate, weightDecay, maximize)
        self.momentum = momentum
    }

    /// The typed view of the flat values; `.nesterov` even when they are not a valid combination.
    public var momentum: Momentum {
        get {
            (try? Momentum(momentum: momentumFactor, dampening: dampening, nesterov: nesterov))
                ?? .nesterov(momentumFactor)
        }
        set {
            switch newValue {
            case .none: (momentumFactor, dampening, nesterov) = (0, 0, false)
            case .heavyBall(let mu, let dampening): (momentumFactor, self.dampening, nesterov) = (mu, dampening, false)
            case .nesterov(let mu): (momentumFactor, dampening, nesterov) = (mu, 0, true)
            }
        }
    }

    public static let hyperparameters: [Hyperparameter<Self>] = [
        .init("lr", \.learningRate), .init("momentum", \.momentumFactor), .init("dampening", \.dampening, .real),
        .init("nesterov", \.nesterov), .init("weight_decay", \.weightDecay), .init("maximize", \.maximize),
        .init("state_format", \.stateFormat),
    ]
    public static let stateNames = ["momentum_buffer"]
    public static let stateMoments: [Moment] = [.signed]
    public var kind: OptimizerKind { .sgd }

    public func checkCombination() throws(GDOptError) {
        _ = try Momentum(momentum: momentumFactor, dampening: dampening, nesterov: nesterov)
    }
}

extension SGD: SteppingRule {
    var statePlan: StatePlan { StatePlan(needed: momentumFactor != 0 ? .first : []) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func update<T: GDOptFloat>(_ s: SlotStep<T>) throws(GDOptError) {
        try SGD.run(
            parameters: s.parameters, gradients: s.gradients, momentumBuffer: s.buffer(0), count: s.count,
            firstStep: s.fresh.contains(.first), configuration: self, clipCoefficient: s.clipCoefficient)
    }
}
