import GDOpt
import Testing

/// The contract's defaults (API.md §2), typed in from the contract, not from the tables.
/// The kinds with moment buffers (API.md §11, compact state), which have state_format; Adafactor
/// has moments too, but its step spans the whole tensor (README: not compact).
let compactKinds: Set = ["sgd", "adagrad", "rmsprop", "adam", "adamw", "lion", "adamax", "adadelta", "nadam", "radam"]

/// What every kind adds to its own table: the gradient policy, and state_format where it applies.
func policyDefaults(_ kind: String) -> [String: Double] {
    ["reject_nonfinite": 0, "max_grad_norm": 0].merging(compactKinds.contains(kind) ? ["state_format": 0] : [:]) { $1 }
}

let contractDefaults: [String: [String: Double]] = [
    "sgd": ["lr": 1e-3, "momentum": 0, "dampening": 0, "nesterov": 0, "weight_decay": 0, "maximize": 0],
    "adagrad": [
        "lr": 1e-2, "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0, "eps": 1e-10, "maximize": 0,
    ],
    "rmsprop": [
        "lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0, "momentum": 0, "centered": 0, "maximize": 0,
    ],
    "adam": ["lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0, "amsgrad": 0, "maximize": 0],
    "adamw": [
        "lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": 0, "maximize": 0,
    ],
    "lion": ["lr": 1e-4, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0, "maximize": 0],
    "adamax": ["lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0, "maximize": 0],
    "adadelta": ["lr": 1, "rho": 0.9, "eps": 1e-6, "weight_decay": 0, "maximize": 0],
    "rprop": [
        "lr": 1e-2, "eta_minus": 0.5, "eta_plus": 1.2, "step_size_min": 1e-6, "step_size_max": 50, "maximize": 0,
    ],
    "nadam": [
        "lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0, "momentum_decay": 4e-3,
        "decoupled_weight_decay": 0, "maximize": 0,
    ],
    "radam": [
        "lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0, "decoupled_weight_decay": 0,
        "maximize": 0,
    ],
    "asgd": ["lr": 1e-2, "lambd": 1e-4, "alpha": 0.75, "t0": 1e6, "weight_decay": 0, "maximize": 0],
    "adafactor": [
        "lr": 1e-2, "beta2_decay": -0.8, "eps1": 0, "eps2": 1e-3, "d": 1, "weight_decay": 0, "maximize": 0,
    ],
]

@Suite struct OptimizerTests {
    @Test(arguments: allKinds)
    func defaultsAreTorchs(_ kind: String) throws {
        let optimizer = try Optimizer(kind: kind)
        let expected = contractDefaults[kind]!.merging(policyDefaults(kind)) { $1 }
        #expect(Set(optimizer.kind.hyperparameters.map(\.name)) == Set(expected.keys))
        for (name, value) in expected { #expect(try optimizer.get(name) == value, "\(kind).\(name)") }
    }

    @Test func badHyperparametersAreRejectedAndChangeNothing() throws {
        let adam = Optimizer(.adam)
        let bad: [(String, Double)] = [
            ("lr", -1), ("lr", .nan), ("lr", .infinity), ("beta1", 1), ("beta2", -0.1),
            ("eps", -1e-8), ("amsgrad", 0.5), ("weight_decay", -1), ("momentum", 0.9),
        ]
        for (name, value) in bad {
            #expect(throws: GDOptError.self, "\(name)=\(value)") { try adam.set(name, value) }
        }
        #expect(try adam.get("lr") == 1e-3)
        #expect(try adam.get("beta1") == 0.9)
        #expect(
            throws: GDOptError.invalid(
                "kind \"lbfgs\" is unknown; expected one of sgd, adagrad, rmsprop, adam, adamw, lion, adamax, adadelta, "
                    + "rprop, nadam, radam, asgd, adafactor"
            )
        ) {
            try Optimizer(kind: "lbfgs")
        }
    }

    @Test func slotsAreCreatedLazilyAndKeepTheirSizeAndDtype() throws {
        let sgd = Optimizer(.sgd)
        try sgd.set("momentum", 0.9)
        #expect(sgd.slotIDs.isEmpty)
        var p: [Float] = [1, 2, 3]
        var g: [Float] = [0.5, 0.5, 0.5]
        try sgd.step(slot: 3, parameters: &p, gradients: g)
        #expect(sgd.slotIDs == [3] && sgd.stepCount(slot: 3) == 1 && sgd.stepCount(slot: 0) == nil)
        #expect(sgd.stateBuffer(slot: 3, name: "momentum_buffer", as: Float.self) == g)

        let before = (p, sgd.serialized())
        var longer: [Float] = [1, 2, 3, 4]
        #expect(throws: GDOptError.size("slot 3 was created with n=3, got n=4")) {
            try sgd.step(slot: 3, parameters: &longer, gradients: [1, 1, 1, 1])
        }
        var doubles: [Double] = [1, 2, 3]
        #expect(throws: GDOptError.invalid("slot 3 was created with dtype float32, got float64")) {
            try sgd.step(slot: 3, parameters: &doubles, gradients: [1, 1, 1])
        }
        #expect(longer == [1, 2, 3, 4] && doubles == [1, 2, 3])
        #expect(p == before.0 && sgd.serialized() == before.1)

        // Another slot is independent, and reset forgets every slot but keeps lr.
        try sgd.step(slot: 4, parameters: &doubles, gradients: [1, 1, 1])
        try sgd.set("lr", 0.5)
        sgd.reset()
        #expect(sgd.slotIDs.isEmpty)
        #expect(try sgd.get("lr") == 0.5)
    }

    @Test func nesterovNeedsMomentumAtStepTime() throws {
        let sgd = Optimizer(.sgd)
        try sgd.set("nesterov", 1)  // allowed now, so the order of set calls does not matter
        var p: [Double] = [1]
        #expect(throws: GDOptError.self) { try sgd.step(slot: 0, parameters: &p, gradients: [1]) }
        #expect(p == [1] && sgd.slotIDs.isEmpty)
        try sgd.set("momentum", 0.9)
        try sgd.step(slot: 0, parameters: &p, gradients: [1])
        #expect(p != [1])
    }

    @Test(arguments: allKinds)
    func rejectedNonFiniteStepLeavesEverythingBitIdentical(_ kind: String) throws {
        let optimizer = try Optimizer(kind: kind)
        try optimizer.set("reject_nonfinite", 1)
        var random = TestRandom(state: 3)
        var p = random.array(100)
        try optimizer.step(slot: 0, parameters: &p, gradients: random.array(100))
        let before = (p, optimizer.serialized())
        for bad in [Double.nan, .infinity, -.infinity] {
            var g = random.array(100)
            g[57] = bad
            #expect(throws: GDOptError.self) { try optimizer.step(slot: 0, parameters: &p, gradients: g) }
            #expect(p.map(\.bitPattern) == before.0.map(\.bitPattern) && optimizer.serialized() == before.1)
        }
        // Large but finite gradients whose squares overflow are still accepted.
        try optimizer.step(slot: 0, parameters: &p, gradients: Array(repeating: 1e200, count: 100))
    }

    @Test(arguments: allKinds)
    func checkpointRoundTripContinuesBitIdentically(_ kind: String) throws {
        let a = try Optimizer(kind: kind)
        try a.set("lr", 0.01)
        if kind == "sgd" || kind == "rmsprop" { try a.set("momentum", 0.5) }
        var random = TestRandom(state: 9)
        var p32 = random.array(10).map(Float.init)
        var p64 = random.array(20)
        for _ in 0..<5 {
            try a.step(slot: 1, parameters: &p32, gradients: random.array(10).map(Float.init))
            try a.step(slot: -1, parameters: &p64, gradients: random.array(20))
        }
        let b = try Optimizer(kind: kind)
        try b.restore(from: a.serialized())
        #expect(try b.get("lr") == 0.01)
        #expect(b.slotIDs == a.slotIDs)
        var q32 = p32
        var q64 = p64
        for _ in 0..<5 {
            let g32 = random.array(10).map(Float.init)
            let g64 = random.array(20)
            try a.step(slot: 1, parameters: &p32, gradients: g32)
            try b.step(slot: 1, parameters: &q32, gradients: g32)
            try a.step(slot: -1, parameters: &p64, gradients: g64)
            try b.step(slot: -1, parameters: &q64, gradients: g64)
        }
        #expect(p32 == q32 && p64 == q64 && a.serialized() == b.serialized())
    }

    @Test func corruptCheckpointsAreRejectedAndChangeNothing() throws {
        let adam = Optimizer(.adam)
        var p: [Float] = [1, 2, 3]
        try adam.step(slot: 0, parameters: &p, gradients: [0.1, 0.2, 0.3])
        let good = adam.serialized()
        let target = Optimizer(.adam)
        try target.set("lr", 0.5)
        let untouched = target.serialized()
        for cut in 0..<good.count {
            #expect(throws: GDOptError.self) { try target.restore(from: Array(good[..<cut])) }
        }
        for bit in 0..<(good.count * 8) {
            var flipped = good
            flipped[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(throws: GDOptError.self) { try target.restore(from: flipped) }
        }
        #expect(target.serialized() == untouched)
        #expect(throws: GDOptError.self) { try Optimizer(.sgd).restore(from: good) }  // another kind
        try target.restore(from: good)
        #expect(target.serialized() == good)
    }

    @Test func saveAndLoadThroughAFile() throws {
        let sgd = Optimizer(.sgd)
        try sgd.set("momentum", 0.9)
        var p: [Double] = [1, 2]
        try sgd.step(slot: 0, parameters: &p, gradients: [1, 1])
        let path = "/tmp/gdopt-swift-test-\(UInt32.random(in: 0...UInt32.max)).ckpt"
        try sgd.save(to: path)
        let copy = Optimizer(.sgd)
        try copy.load(from: path)
        #expect(copy.serialized() == sgd.serialized())
        #expect(throws: GDOptError.self) { try copy.load(from: path + ".missing") }
        #expect(throws: GDOptError.self) { try sgd.save(to: "/nonexistent-folder/x.ckpt") }
    }
}
