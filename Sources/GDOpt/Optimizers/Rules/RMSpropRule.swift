/// torch.optim.RMSprop's configuration; the update is `RMSprop.update`.
public struct RMSprop: OptimizerRule {
    public var learningRate: Double
    /// The smoothing constant of the squared-gradient average.
    public var alpha: Double
    public var epsilon: Double
    public var weightDecay: Double
    public var momentum: Double
    /// Divide by the variance estimate v − ḡ² instead of v.
    public var centered: Bool
    public var maximize: Bool
    /// How slots keep their moments from their first step on (set later, it applies to new slots).
    public var stateFormat: StateFormat

    public init(
        learningRate: Double = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8, weightDecay: Double = 0,
        momentum: Double = 0, centered: Bool = false, maximize: Bool = false,
        stateFormat: StateFormat = .native
    ) {
        self.stateFormat = stateFormat
        (self.learningRate, self.alpha, self.epsilon, self.weightDecay) = (learningRate, alpha, epsilon, weightDecay)
        (self.momentum, self.centered, self.maximize) = (momentum, centered, maximize)
    }

    public static let hyperparameters: [Hyperparameter<Self>] = [
        .init("lr", \.learningRate), .init("alpha", \.alpha), .init("eps", \.epsilon),
        .init("weight_decay", \.weightDecay), .init("momentum", \.momentum), .init("centered", \.centered),
        .init("maximize", \.maximize),
        .init("state_format", \.stateFormat),
    ]
    public static let stateNames = ["square_avg", "grad_avg", "momentum_buffer"]
    public static let stateMoments: [Moment] = [.unsigned, .signed, .signed]
    public var kind: OptimizerKind { .rmsprop }
}

extension RMSprop: SteppingRule {
    var statePlan: StatePlan {
        StatePlan(needed: BufferSet.first.union(centered ? .second : []).union(momentum > 0 ? .third : []))
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func update<T: GDOptFloat>(_ s: SlotStep<T>) throws(GDOptError) {
        try RMSprop.run(
            parameters: s.parameters, gradients: s.gradients, squareAverage: s.buffer(0)!, gradAverage: s.buffer(1),
            momentumBuffer: s.buffer(2), count: s.count, configuration: self, clipCoefficient: s.clipCoefficient)
    }
}
