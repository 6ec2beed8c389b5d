/// torch.optim.Adam's and AdamW's configuration; the update is `Adam.update`.
///
///     Adam(learningRate: 3e-4, weightDecay: .decoupled(1e-2), amsgrad: true)   // AdamW
public struct Adam: OptimizerRule {
    /// Weight decay as an L2 term in the gradient (Adam) or decoupled from it (AdamW).
    public enum WeightDecay: Sendable, Equatable {
        case l2(Double)
        case decoupled(Double)

        /// The coefficient, whichever the form.
        public var rate: Double {
            switch self {
            case .l2(let rate), .decoupled(let rate): rate
            }
        }

        public var isDecoupled: Bool {
            if case .decoupled = self { true } else { false }
        }
    }

    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var amsgrad: Bool
    public var maximize: Bool
    /// How slots keep their moments from their first step on (set later, it applies to new slots).
    public var stateFormat: StateFormat
    // Stored flat, so that the table reads the rate at its offset; `weightDecay` is the typed view.
    var weightDecayRate = 0.0, decoupled = false

    public var weightDecay: WeightDecay {
        get { decoupled ? .decoupled(weightDecayRate) : .l2(weightDecayRate) }
        set { (weightDecayRate, decoupled) = (newValue.rate, newValue.isDecoupled) }
    }

    public init(
        learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
        weightDecay: WeightDecay = .l2(0), amsgrad: Bool = false, maximize: Bool = false,
        stateFormat: StateFormat = .native
    ) {
        self.stateFormat = stateFormat
        (self.learningRate, self.beta1, self.beta2, self.epsilon) = (learningRate, beta1, beta2, epsilon)
        (self.amsgrad, self.maximize) = (amsgrad, maximize)
        self.weightDecay = weightDecay
    }

    public static let hyperparameters: [Hyperparameter<Self>] = [
        .init("lr", \.learningRate), .init("beta1", \.beta1, .fraction), .init("beta2", \.beta2, .fraction),
        .init("eps", \.epsilon), .init("weight_decay", \.weightDecayRate), .init("amsgrad", \.amsgrad),
        .init("maximize", \.maximize),
        .init("state_format", \.stateFormat),
    ]
    public static let stateNames = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    public static let stateMoments: [Moment] = [.signed, .unsigned, .unsigned]
    public var kind: OptimizerKind { decoupled ? .adamw : .adam }
}

extension Adam: SteppingRule {
    var statePlan: StatePlan { StatePlan(needed: BufferSet([.first, .second]).union(amsgrad ? .third : [])) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func update<T: GDOptFloat>(_ s: SlotStep<T>) throws(GDOptError) {
        try Adam.run(
            parameters: s.parameters, gradients: s.gradients, firstMoment: s.buffer(0)!, secondMoment: s.buffer(1)!,
            maxSecondMoment: s.buffer(2), count: s.count, step: s.step, configuration: self,
            clipCoefficient: s.clipCoefficient)
    }
}
