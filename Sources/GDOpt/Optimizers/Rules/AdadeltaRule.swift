/// torch.optim.Adadelta's configuration; the update is `Adadelta.update`.
public struct Adadelta: OptimizerRule {
    public var learningRate: Double
    public var rho: Double
    public var epsilon: Double
    /// L2, added to the gradient.
    public var weightDecay: Double
    public var maximize: Bool
    /// How slots keep their moments from their first step on (set later, it applies to new slots).
    public var stateFormat: StateFormat

    public init(
        learningRate: Double = 1, rho: Double = 0.9, epsilon: Double = 1e-6, weightDecay: Double = 0,
        maximize: Bool = false,
        stateFormat: StateFormat = .native
    ) {
        self.stateFormat = stateFormat
        (self.learningRate, self.rho, self.epsilon, self.weightDecay) = (learningRate, rho, epsilon, weightDecay)
        self.maximize = maximize
    }

    public static let hyperparameters: [Hyperparameter<Self>] = [
        .init("lr", \.learningRate), .init("rho", \.rho, .unitInterval), .init("eps", \.epsilon),
        .init("weight_decay", \.weightDecay), .init("maximize", \.maximize),
        .init("state_format", \.stateFormat),
    ]
    public static let stateNames = ["square_avg", "acc_delta"]
    public static let stateMoments: [Moment] = [.unsigned, .unsigned]
    public var kind: OptimizerKind { .adadelta }
}

extension Adadelta: SteppingRule {
    var statePlan: StatePlan { StatePlan(needed: BufferSet([.first, .second])) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func update<T: GDOptFloat>(_ s: SlotStep<T>) throws(GDOptError) {
        try Adadelta.run(
            parameters: s.parameters, gradients: s.gradients, squareAverage: s.buffer(0)!,
            deltaAverage: s.buffer(1)!, count: s.count, configuration: self, clipCoefficient: s.clipCoefficient)
    }
}
