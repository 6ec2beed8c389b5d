/// torch.optim.Rprop's configuration; the update is `Rprop.update`.
public struct Rprop: OptimizerRule {
    /// The step size every element starts at (the optimizer objects fill `step_size` with it).
    public var learningRate: Double
    public var etaMinus: Double
    public var etaPlus: Double
    public var stepSizeMin: Double
    public var stepSizeMax: Double
    public var maximize: Bool

    public init(
        learningRate: Double = 1e-2, etaMinus: Double = 0.5, etaPlus: Double = 1.2, stepSizeMin: Double = 1e-6,
        stepSizeMax: Double = 50, maximize: Bool = false
    ) {
        (self.learningRate, self.etaMinus, self.etaPlus) = (learningRate, etaMinus, etaPlus)
        (self.stepSizeMin, self.stepSizeMax, self.maximize) = (stepSizeMin, stepSizeMax, maximize)
    }

    public static let hyperparameters: [Hyperparameter<Self>] = [
        .init("lr", \.learningRate), .init("eta_minus", \.etaMinus, .fraction), .init("eta_plus", \.etaPlus),
        .init("step_size_min", \.stepSizeMin), .init("step_size_max", \.stepSizeMax), .init("maximize", \.maximize),
    ]
    public static let stateNames = ["prev", "step_size"]
    public var kind: OptimizerKind { .rprop }

    /// torch's check: 0 < eta_minus < 1 < eta_plus.
    public func checkCombination() throws(GDOptError) {
        guard etaMinus > 0, etaPlus > 1 else {
            throw GDOptError(
                .invalid, "eta_minus=\(etaMinus) and eta_plus=\(etaPlus) must satisfy 0 < eta_minus < 1 < eta_plus",
                argument: etaMinus > 0 ? "eta_plus" : "eta_minus", value: "\(etaMinus > 0 ? etaPlus : etaMinus)")
        }
    }
}

extension Rprop: SteppingRule {
    var statePlan: StatePlan { StatePlan(needed: BufferSet([.first, .second]), initialValues: [0, learningRate]) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func update<T: GDOptFloat>(_ s: SlotStep<T>) throws(GDOptError) {
        try Rprop.run(
            parameters: s.parameters, gradients: s.gradients, previous: s.buffer(0)!, stepSize: s.buffer(1)!,
            count: s.count, configuration: self, clipCoefficient: s.clipCoefficient)
    }
}
