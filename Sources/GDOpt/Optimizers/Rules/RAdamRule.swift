/// torch.optim.RAdam's configuration; the update is `RAdam.update`.
public struct RAdam: OptimizerRule {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    /// Decay the params (p·(1 − lr·wd), AdamW's form) instead of adding wd·p to the gradient.
    public var decoupledWeightDecay: Bool
    public var maximize: Bool
    /// How slots keep their moments from their first step on (set later, it applies to new slots).
    public var stateFormat: StateFormat

    public init(
        learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
        weightDecay: Double = 0, decoupledWeightDecay: Bool = false, maximize: Bool = false,
        stateFormat: StateFormat = .native
    ) {
        self.stateFormat = stateFormat
        (self.learningRate, self.beta1, self.beta2, self.epsilon) = (learningRate, beta1, beta2, epsilon)
        (self.weightDecay, self.decoupledWeightDecay, self.maximize) = (weightDecay, decoupledWeightDecay, maximize)
    }

    public static let hyperparameters: [Hyperparameter<Self>] = [
        .init("lr", \.learningRate), .init("beta1", \.beta1, .fraction), .init("beta2", \.beta2, .fraction),
        .init("eps", \.epsilon), .init("weight_decay", \.weightDecay),
        .init("decoupled_weight_decay", \.decoupledWeightDecay), .init("maximize", \.maximize),
        .init("state_format", \.stateFormat),
    ]
    public static let stateNames = ["exp_avg", "exp_avg_sq"]
    public static let stateMoments: [Moment] = [.signed, .unsigned]
    public var kind: OptimizerKind { .radam }
}

extension RAdam: SteppingRule {
    var statePlan: StatePlan { StatePlan(needed: BufferSet([.first, .second])) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func update<T: GDOptFloat>(_ s: SlotStep<T>) throws(GDOptError) {
        try RAdam.run(
            parameters: s.parameters, gradients: s.gradients, firstMoment: s.buffer(0)!, secondMoment: s.buffer(1)!,
            count: s.count, step: s.step, configuration: self, clipCoefficient: s.clipCoefficient)
    }
}
