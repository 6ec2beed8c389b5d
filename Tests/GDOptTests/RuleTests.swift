import GDOpt
import Testing

/// The typed rules (issue 14): each configuration, its descriptor table and the named
/// set/get/C tables are one thing seen three ways.
@Suite struct RuleTests {
    /// torch's defaults, written here from torch's documentation, not read from our tables.
    static let torchDefaults: [OptimizerKind: [String: Double]] = [
        .sgd: ["lr": 1e-3, "momentum": 0, "dampening": 0, "nesterov": 0, "weight_decay": 0, "maximize": 0],
        .adagrad: [
            "lr": 1e-2, "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0, "eps": 1e-10, "maximize": 0,
        ],
        .rmsprop: [
            "lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0, "momentum": 0, "centered": 0, "maximize": 0,
        ],
        .adam: [
            "lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0, "amsgrad": 0, "maximize": 0,
        ],
        .adamw: [
            "lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": 0, "maximize": 0,
        ],
        // Lion is not in torch: Chen et al. 2023's defaults, as API.md §11 lists them.
        .lion: ["lr": 1e-4, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0, "maximize": 0],
        .adamax: ["lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0, "maximize": 0],
        .adadelta: ["lr": 1, "rho": 0.9, "eps": 1e-6, "weight_decay": 0, "maximize": 0],
        .rprop: [
            "lr": 1e-2, "eta_minus": 0.5, "eta_plus": 1.2, "step_size_min": 1e-6, "step_size_max": 50, "maximize": 0,
        ],
        .nadam: [
            "lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0, "momentum_decay": 4e-3,
            "decoupled_weight_decay": 0, "maximize": 0,
        ],
        .radam: [
            "lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0, "decoupled_weight_decay": 0,
            "maximize": 0,
        ],
        .asgd: ["lr": 1e-2, "lambd": 1e-4, "alpha": 0.75, "t0": 1e6, "weight_decay": 0, "maximize": 0],
        .adafactor: [
            "lr": 1e-2, "beta2_decay": -0.8, "eps1": 0, "eps2": 1e-3, "d": 1, "weight_decay": 0, "maximize": 0,
        ],
    ]

    @Test(arguments: OptimizerKind.allCases)
    func theTypedDefaultsAreTorchsAndTheTablesAgree(_ kind: OptimizerKind) throws {
        let optimizer = Optimizer(kind)
        let expected = try #require(Self.torchDefaults[kind]).merging(policyDefaults(kind.description)) { $1 }
        #expect(Set(kind.hyperparameters.map(\.name)) == Set(expected.keys))
        for spec in kind.hyperparameters {
            #expect(spec.defaultValue == expected[spec.name], "\(kind) \(spec.name)")
            #expect(try optimizer.get(spec.name) == spec.defaultValue)
        }
        #expect(optimizer.configuration.kind == kind)
        #expect(optimizer.values == kind.hyperparameters.map(\.defaultValue))
    }

    /// `set` by name writes the typed field the table's key path names.
    @Test func namedSetsReachTheTypedFields() throws {
        let adam = Optimizer(.adamw)
        try adam.set("lr", 0.25)
        try adam.set("weight_decay", 0.5)
        try adam.set("amsgrad", 1)
        let typed = try #require(adam.configuration as? Adam)
        #expect(typed == Adam(learningRate: 0.25, weightDecay: .decoupled(0.5), amsgrad: true))
        #expect(adam.kind == .adamw && typed.kind == .adamw)

        let sgd = Optimizer(.sgd)
        try sgd.set("nesterov", 1)  // momentum 0 for now: allowed until a step
        try sgd.set("momentum", 0.9)
        #expect((sgd.configuration as? SGD)?.momentum == .nesterov(0.9))
        try sgd.set("nesterov", 0)
        try sgd.set("dampening", 0.1)
        #expect((sgd.configuration as? SGD)?.momentum == .heavyBall(0.9, dampening: 0.1))
        try sgd.set("max_grad_norm", 2)
        #expect(sgd.policy == GradientPolicy(maxGradNorm: 2))
    }

    /// A typed configuration steps exactly as the same values set by name.
    @Test func typedAndNamedConfigurationsStepTheSameBits() throws {
        let typed = try Optimizer(
            RMSprop(learningRate: 0.05, alpha: 0.9, momentum: 0.5, centered: true),
            policy: GradientPolicy(maxGradNorm: 1))
        let named = Optimizer(.rmsprop)
        for (name, value) in [("lr", 0.05), ("alpha", 0.9), ("momentum", 0.5), ("centered", 1), ("max_grad_norm", 1)] {
            try named.set(name, value)
        }
        var random = TestRandom(state: 3)
        var p = random.array(9), q = p
        for _ in 0..<6 {
            let g = random.array(9)
            try typed.step(slot: 0, parameters: &p, gradients: g)
            var span = q.mutableSpan
            try named.step(slot: 0, parameters: &span, gradients: g.span)
        }
        #expect(p == q)
        #expect(typed.serialized() == named.serialized())
    }

    @Test func invalidTypedConfigurationsAreRefused() throws {
        for rule in [SGD(momentum: .nesterov(0)), SGD(learningRate: -1)] as [SGD] {
            #expect(throws: GDOptError.self) { try Optimizer(rule) }
        }
        #expect(throws: GDOptError.self) { try Optimizer(Adam(), policy: GradientPolicy(maxGradNorm: .nan)) }
        #expect(
            throws: GDOptError.invalid(
                "nesterov=1 needs momentum > 0 and dampening = 0, got momentum=0.5, dampening=0.5")
        ) {
            try SGD.Momentum(momentum: 0.5, dampening: 0.5, nesterov: true)
        }
        // Flags and counts are stored as Bool and Int: -0 would not read back as written.
        #expect(throws: GDOptError.invalid("maximize=-0.0 must be 0 or 1")) {
            try Optimizer(.adam).set("maximize", -0.0)
        }
        #expect(throws: GDOptError.self) { try Solver(.lbfgs).set("memory", -0.0) }
        let unknown = #expect(throws: GDOptError.self) { try Optimizer(.adam).set("betas", 0.9) }
        #expect(unknown?.argument == "name" && unknown?.value == "betas")
    }
}
