/// torch.optim.ASGD's configuration; the update is `ASGD.update`.
public struct ASGD: OptimizerRule {
    public var learningRate: Double
    /// The decay term λ.
    public var lambd: Double
    /// The power in η's schedule.
    public var alpha: Double
    /// The step after which averaging starts.
    public var t0: Double
    /// L2, added to the gradient.
    public var weightDecay: Double
    public var maximize: Bool

    public init(
        learningRate: Double = 1e-2, lambd: Double = 1e-4, alpha: Double = 0.75, t0: Double = 1e6,
        weightDecay: Double = 0, maximize: Bool = false
    ) {
        (self.learningRate, self.lambd, self.alpha, self.t0) = (learningRate, lambd, alpha, t0)
        (self.weightDecay, self.maximize) = (weightDecay, maximize)
    }

    public static let hyperparameters: [Hyperparameter<Self>] = [
        .init("lr", \.learningRate), .init("lambd", \.lambd), .init("alpha", \.alpha), .init("t0", \.t0, .real),
        .init("weight_decay", \.weightDecay), .init("maximize", \.maximize),
    ]
    public static let stateNames = ["ax"]
    /// The step size η, which starts at lr, and the averaging weight μ, which starts at 1.
    public static let scalarState = [
        ScalarStateSpec("eta", 0...Double.greatestFiniteMagnitude, start: "lr"),
        ScalarStateSpec("mu", 0...1, start: "1"),
    ]
    public var kind: OptimizerKind { .asgd }
}

extension ASGD: SteppingRule {
    var statePlan: StatePlan { StatePlan(needed: .first, scalarStarts: [learningRate, 1]) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func update<T: GDOptFloat>(_ s: SlotStep<T>) throws(GDOptError) {
        // Two inout accesses to one array would overlap (Swift's exclusivity rule): copy out and back.
        var (eta, mu) = (s.scalars[0], s.scalars[1])
        try ASGD.run(
            parameters: s.parameters, gradients: s.gradients, average: s.buffer(0)!, eta: &eta, mu: &mu,
            count: s.count, step: s.step, configuration: self, clipCoefficient: s.clipCoefficient)
        (s.scalars[0], s.scalars[1]) = (eta, mu)
    }
}
