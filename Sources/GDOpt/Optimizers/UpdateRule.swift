/// A kind's hyperparameters decoded into its kernel configuration, so that a step reads
/// typed fields instead of looking names up. Rebuilt whenever a hyperparameter changes.
enum UpdateRule {
    case sgd(SGD.Configuration)
    case adagrad(Adagrad.Configuration, initialAccumulator: Double)
    case rmsprop(RMSprop.Configuration)
    case adam(Adam.Configuration)

    /// `values` are in the order of `kind.hyperparameters`.
    init(kind: OptimizerKind, values: [Double]) throws(GDOptError) {
        let table = kind.hyperparameters
        func value(_ name: String) -> Double { values[table.firstIndex { $0.name == name } ?? 0] }
        func flag(_ name: String) -> Bool { value(name) != 0 }
        switch kind {
        case .sgd:
            self = .sgd(
                try SGD.Configuration(
                    lr: value("lr"), momentum: value("momentum"), dampening: value("dampening"),
                    weightDecay: value("weight_decay"), nesterov: flag("nesterov"), maximize: flag("maximize")))
        case .adagrad:
            self = .adagrad(
                try Adagrad.Configuration(
                    lr: value("lr"), lrDecay: value("lr_decay"), weightDecay: value("weight_decay"),
                    eps: value("eps"), maximize: flag("maximize")),
                initialAccumulator: value("initial_accumulator_value"))
        case .rmsprop:
            self = .rmsprop(
                try RMSprop.Configuration(
                    lr: value("lr"), alpha: value("alpha"), eps: value("eps"), weightDecay: value("weight_decay"),
                    momentum: value("momentum"), centered: flag("centered"), maximize: flag("maximize")))
        case .adam, .adamw:
            self = .adam(
                try Adam.Configuration(
                    lr: value("lr"), beta1: value("beta1"), beta2: value("beta2"), eps: value("eps"),
                    weightDecay: value("weight_decay"), decoupledWeightDecay: kind == .adamw,
                    amsgrad: flag("amsgrad"), maximize: flag("maximize")))
        }
    }

    /// The checks that span several values; the ranges were checked on `set`.
    func checkCombination() throws(GDOptError) {
        if case .sgd(let c) = self { try c.checkCombination() }
    }

    /// Which state buffers this configuration uses, and the value a new one starts at.
    var bufferPlan: (needed: BufferSet, initialValue: Double) {
        switch self {
        case .sgd(let c): (c.momentum != 0 ? .first : [], 0)
        case .adagrad(_, let initial): (.first, initial)
        case .rmsprop(let c): (BufferSet.first.union(c.centered ? .second : []).union(c.momentum > 0 ? .third : []), 0)
        case .adam(let c): (BufferSet([.first, .second]).union(c.amsgrad ? .third : []), 0)
        }
    }

    /// Runs the kernel on one slot. `fresh` marks buffers created for this step: SGD starts
    /// its momentum buffer from the gradient then, as torch does.
    func apply<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, slot: Slot, step: UInt64,
        fresh: BufferSet, clipCoefficient: Double
    ) throws(GDOptError) {
        let b0 = slot[0]?.elements(T.self)
        let b1 = slot[1]?.elements(T.self)
        let b2 = slot[2]?.elements(T.self)
        let n = slot.count
        switch self {
        case .sgd(let c):
            try SGD.update(
                parameters: parameters, gradients: gradients, momentumBuffer: b0, count: n,
                firstStep: fresh.contains(.first), configuration: c, clipCoefficient: clipCoefficient)
        case .adagrad(let c, _):
            try Adagrad.update(
                parameters: parameters, gradients: gradients, sum: b0!, count: n, step: step,
                configuration: c, clipCoefficient: clipCoefficient)
        case .rmsprop(let c):
            try RMSprop.update(
                parameters: parameters, gradients: gradients, squareAverage: b0!, gradAverage: b1,
                momentumBuffer: b2, count: n, configuration: c, clipCoefficient: clipCoefficient)
        case .adam(let c):
            try Adam.update(
                parameters: parameters, gradients: gradients, firstMoment: b0!, secondMoment: b1!,
                maxSecondMoment: b2, count: n, step: step, configuration: c,
                clipCoefficient: clipCoefficient)
        }
    }
}
