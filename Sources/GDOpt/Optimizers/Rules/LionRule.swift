/// Lion's configuration (Chen et al. 2023; not in torch.optim, API.md §11); the update is `Lion.update`.
public struct Lion: OptimizerRule {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    /// Decoupled, as in the paper: p ← p·(1 − lr·wd).
    public var weightDecay: Double
    public var maximize: Bool
    /// How slots keep their moments from their first step on (set later, it applies to new slots).
    public var stateFormat: StateFormat

    public init(
        learningRate: Double = 1e-4, beta1: Double = 0.9, beta2: Double = 0.99, weightDecay: Double = 0,
        maximize: Bool = false,
        stateFormat: StateFormat = .native
    ) {
        self.stateFormat = stateFormat
        (self.learningRate, self.beta1, self.beta2) = (learningRate, beta1, beta2)
        (self.weightDecay, self.maximize) = (weightDecay, maximize)
    }

    public static let hyperparameters: [Hyperparameter<Self>] = [
        .init("lr", \.learningRate), .init("beta1", \.beta1, .fraction), .init("beta2", \.beta2, .fraction),
        .init("weight_decay", \.weightDecay), .init("maximize", \.maximize),
        .init("state_format", \.stateFormat),
    ]
    public static let stateNames = ["exp_avg"]
    public static let stateMoments: [Moment] = [.signed]
    public var kind: OptimizerKind { .lion }
}

extension Lion: SteppingRule {
    var statePlan: StatePlan { StatePlan(needed: .first) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func update<T: GDOptFloat>(_ s: SlotStep<T>) throws(GDOptError) {
        try Lion.run(
            parameters: s.parameters, gradients: s.gradients, momentum: s.buffer(0)!, count: s.count,
            configuration: self, clipCoefficient: s.clipCoefficient)
    }
}
