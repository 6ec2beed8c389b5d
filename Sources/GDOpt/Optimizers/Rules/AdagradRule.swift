/// torch.optim.Adagrad's configuration; the update is `Adagrad.update`.
public struct Adagrad: OptimizerRule {
    public var learningRate: Double
    public var learningRateDecay: Double
    public var weightDecay: Double
    /// The value the optimizer objects start `sum` at.
    public var initialAccumulatorValue: Double
    public var epsilon: Double
    public var maximize: Bool
    /// How slots keep their moments from their first step on (set later, it applies to new slots).
    public var stateFormat: StateFormat

    public init(
        learningRate: Double = 1e-2, learningRateDecay: Double = 0, weightDecay: Double = 0,
        initialAccumulatorValue: Double = 0, epsilon: Double = 1e-10, maximize: Bool = false,
        stateFormat: StateFormat = .native
    ) {
        self.stateFormat = stateFormat
        (self.learningRate, self.learningRateDecay, self.weightDecay) = (learningRate, learningRateDecay, weightDecay)
        (self.initialAccumulatorValue, self.epsilon, self.maximize) = (initialAccumulatorValue, epsilon, maximize)
    }

    public static let hyperparameters: [Hyperparameter<Self>] = [
        .init("lr", \.learningRate), .init("lr_decay", \.learningRateDecay), .init("weight_decay", \.weightDecay),
        .init("initial_accumulator_value", \.initialAccumulatorValue), .init("eps", \.epsilon),
        .init("maximize", \.maximize),
        .init("state_format", \.stateFormat),
    ]
    public static let stateNames = ["sum"]
    public static let stateMoments: [Moment] = [.unsigned]
    public var kind: OptimizerKind { .adagrad }
}

extension Adagrad: SteppingRule {
    var statePlan: StatePlan { StatePlan(needed: .first, initialValues: [initialAccumulatorValue]) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func update<T: GDOptFloat>(_ s: SlotStep<T>) throws(GDOptError) {
        try Adagrad.run(
            parameters: s.parameters, gradients: s.gradients, sum: s.buffer(0)!, count: s.count, step: s.step,
            configuration: self, clipCoefficient: s.clipCoefficient)
    }
}
