import Foundation
import GDOpt
import Testing

/// Every kind and option against the textbook equations over many steps.
@Suite struct ReferenceTests {
    static let steps = 60
    static let n = 37

    /// The torch defaults plus the case's values, as the reference needs all of them.
    static func hyperparameters(_ c: Case) throws -> (Optimizer, [String: Double]) {
        let optimizer = try Optimizer(kind: c.kind)
        for (name, value) in c.h { try optimizer.set(name, value) }
        var all: [String: Double] = [:]
        for spec in optimizer.kind.hyperparameters { all[spec.name] = try optimizer.get(spec.name) }
        return (optimizer, all)
    }

    /// float64: the whole trajectory, every step, within 1e-12 relative.
    @Test(arguments: referenceCases)
    func float64Trajectory(_ c: Case) throws {
        let (optimizer, h) = try Self.hyperparameters(c)
        let reference = ReferenceOptimizer(kind: c.kind, h: h)
        var random = TestRandom(state: 42)
        var ours = random.array(Self.n)
        var theirs = ours
        var state: [String: [Double]] = [:]
        for t in 1...Self.steps {
            let g = random.array(Self.n)
            try optimizer.step(slot: 7, parameters: &ours, gradients: g)
            reference.step(&theirs, g, &state, t: t)
            // Adafactor's norms are sums, taken in blocks of four lanes here and one by one in the
            // reference: their last-bit differences scale the step (about lr), not p, which can cancel.
            let stepScale = c.kind == "adafactor" ? h["lr"]! : 1e-300
            for i in 0..<Self.n {
                let scale = max(abs(ours[i]), abs(theirs[i]), stepScale)
                #expect(abs(ours[i] - theirs[i]) <= 1e-12 * scale, "step \(t) element \(i): \(ours[i]) vs \(theirs[i])")
            }
        }
        for (role, name) in optimizer.kind.stateNames.enumerated() {
            guard let buffer = optimizer.stateBuffer(slot: 7, name: name, as: Double.self) else { continue }
            for i in 0..<Self.n {
                let expected = state[name]![i]
                #expect(abs(buffer[i] - expected) <= 1e-12 * max(abs(expected), 1e-300), "buffer \(role) \(name)[\(i)]")
            }
        }
        for name in optimizer.kind.scalarStateNames {
            let value = try optimizer.scalarState(slot: 7, name: name), expected = state[name]![0]
            #expect(abs(value - expected) <= 1e-15 * abs(expected), "\(name): \(value) vs \(expected)")
        }
        #expect(optimizer.stepCount(slot: 7) == UInt64(Self.steps))
    }

    /// float32: each step, started from the float32 state, agrees with the float64
    /// reference within a few ulps of the magnitudes involved.
    @Test(arguments: referenceCases)
    func float32EachStep(_ c: Case) throws {
        let (optimizer, h) = try Self.hyperparameters(c)
        let reference = ReferenceOptimizer(kind: c.kind, h: h)
        var random = TestRandom(state: 7)
        var params = random.array(Self.n).map { Float($0) }
        for t in 1...Self.steps {
            let g = random.array(Self.n).map { Float($0) }
            var expected = params.map(Double.init)
            var state: [String: [Double]] = [:]
            for name in optimizer.kind.stateNames {
                if let buffer = optimizer.stateBuffer(slot: 0, name: name, as: Float.self) {
                    state[name] = buffer.map(Double.init)
                }
            }
            for name in optimizer.kind.scalarStateNames where t > 1 {
                state[name] = [try optimizer.scalarState(slot: 0, name: name)]
            }
            let before = state
            reference.step(&expected, g.map(Double.init), &state, t: t)
            let old = params
            try optimizer.step(slot: 0, parameters: &params, gradients: g)
            // Tolerance: 16 ulps of the magnitudes that meet in each result. A first-order
            // quantity (params, momentum, exp_avg, grad_avg) can cancel, so the magnitudes of
            // its inputs count; second-order ones (sums of squares) cannot.
            let wd = h["weight_decay"] ?? 0
            let lr = h["lr"]!
            let firstOrder: Set = ["momentum_buffer", "exp_avg", "grad_avg", "ax"]
            let tolerance = 16 * Double(Float.ulpOfOne)
            for i in 0..<Self.n {
                let input = Double(abs(g[i])) + wd * Double(abs(old[i]))
                let buffers = firstOrder.reduce(0.0) { $0 + abs(before[$1]?[i] ?? 0) + abs(state[$1]?[i] ?? 0) }
                let scale = max(
                    abs(expected[i]), Double(abs(old[i])), abs(expected[i] - Double(old[i])), lr * (input + buffers))
                #expect(
                    abs(Double(params[i]) - expected[i]) <= tolerance * scale,
                    "step \(t) element \(i): \(params[i]) vs \(expected[i])")
            }
            for name in optimizer.kind.stateNames {
                guard let buffer = optimizer.stateBuffer(slot: 0, name: name, as: Float.self), let want = state[name]
                else { continue }
                for i in 0..<Self.n {
                    let input = firstOrder.contains(name) ? Double(abs(g[i])) + wd * Double(abs(old[i])) : 0
                    let scale = max(abs(want[i]), abs(before[name]?[i] ?? 0), input)
                    #expect(abs(Double(buffer[i]) - want[i]) <= tolerance * scale + 1e-37, "step \(t) \(name)[\(i)]")
                }
            }
        }
    }
}
