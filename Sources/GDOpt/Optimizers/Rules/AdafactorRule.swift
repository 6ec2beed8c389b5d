/// torch.optim.Adafactor's configuration; the update is `Adafactor.update`.
public struct Adafactor: OptimizerRule {
    /// The largest relative step size, and the weight decay's factor.
    public var learningRate: Double
    /// τ in 1 − β2_t = t^τ; at most 0.
    public var beta2Decay: Double
    /// torch's eps[0]; 0 stands for torch's None, the dtype's machine epsilon.
    public var eps1: Double
    /// torch's eps[1]: the smallest parameter scale.
    public var eps2: Double
    /// The clipping threshold of the update's RMS; at least 1.
    public var d: Double
    /// Decoupled: p ← p·(1 − lr·wd).
    public var weightDecay: Double
    public var maximize: Bool

    public init(
        learningRate: Double = 1e-2, beta2Decay: Double = -0.8, eps1: Double = 0, eps2: Double = 1e-3,
        d: Double = 1, weightDecay: Double = 0, maximize: Bool = false
    ) {
        (self.learningRate, self.beta2Decay, self.eps1, self.eps2) = (learningRate, beta2Decay, eps1, eps2)
        (self.d, self.weightDecay, self.maximize) = (d, weightDecay, maximize)
    }

    public static let hyperparameters: [Hyperparameter<Self>] = [
        .init("lr", \.learningRate), .init("beta2_decay", \.beta2Decay, .real), .init("eps1", \.eps1),
        .init("eps2", \.eps2), .init("d", \.d), .init("weight_decay", \.weightDecay), .init("maximize", \.maximize),
    ]
    /// A slot given a shape (gdopt_optimizer_set_shape) holds the row and column factors, others `variance`.
    public static let stateNames = ["row_var", "col_var", "variance"]
    public var kind: OptimizerKind { .adafactor }

    /// torch's checks: beta2_decay <= 0 and d >= 1.
    public func checkCombination() throws(GDOptError) {
        guard beta2Decay <= 0 else {
            throw GDOptError(
                .invalid, "beta2_decay=\(beta2Decay) must be <= 0", argument: "beta2_decay", value: "\(beta2Decay)")
        }
        guard d >= 1 else { throw GDOptError(.invalid, "d=\(d) must be >= 1", argument: "d", value: "\(d)") }
    }
}

extension Adafactor: SteppingRule {
    var statePlan: StatePlan { StatePlan(needed: .third, factoredNeeded: BufferSet([.first, .second])) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func update<T: GDOptFloat>(_ s: SlotStep<T>) throws(GDOptError) {
        try Adafactor.run(
            parameters: s.parameters, gradients: s.gradients, rowVariance: s.buffer(0), columnVariance: s.buffer(1),
            variance: s.buffer(2), count: s.count, rows: s.rows, cols: s.cols, step: s.step,
            configuration: self, clipCoefficient: s.clipCoefficient, scratch: s.scratch)
    }
}
