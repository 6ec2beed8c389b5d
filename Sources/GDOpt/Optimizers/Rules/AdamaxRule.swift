/// torch.optim.Adamax's configuration; the update is `Adamax.update`.
public struct Adamax: OptimizerRule {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    /// L2, added to the gradient.
    public var weightDecay: Double
    public var maximize: Bool
    /// How slots keep their moments from their first step on (set later, it applies to new slots).
    public var stateFormat: StateFormat

    public init(
        learningRate: Double = 2e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
        weightDecay: Double = 0, maximize: Bool = false,
        stateFormat: StateFormat = .native
    ) {
        self.stateFormat = stateFormat
        (self.learningRate, self.beta1, self.beta2, self.epsilon) = (learningRate, beta1, beta2, epsilon)
        (self.weightDecay, self.maximize) = (weightDecay, maximize)
    }

    public static let hyperparameters: [Hyperparameter<Self>] = [
        .init("lr", \.learningRate), .init("beta1", \.beta1, .fraction), .init("beta2", \.beta2, .fraction),
        .init("eps", \.epsilon), .init("weight_decay", \.weightDecay), .init("maximize", \.maximize),
        .init("state_format", \.stateFormat),
    ]
    public static let stateNames = ["exp_avg", "exp_inf"]
    public static let stateMoments: [Moment] = [.signed, .unsigned]
    public var kind: OptimizerKind { .adamax }
}

extension Adamax: SteppingRule {
    var statePlan: StatePlan { StatePlan(needed: BufferSet([.first, .second])) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func update<T: GDOptFloat>(_ s: SlotStep<T>) throws(GDOptError) {
        try Adamax.run(
            parameters: s.parameters, gradients: s.gradients, firstMoment: s.buffer(0)!, infinityNorm: s.buffer(1)!,
            count: s.count, step: s.step, configuration: self, clipCoefficient: s.clipCoefficient)
    }
}
