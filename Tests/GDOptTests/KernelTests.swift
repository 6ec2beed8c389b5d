import Foundation
import GDOpt
import Testing

@Suite(.serialized) struct KernelTests {
    /// The stateless kernels and the optimizer objects are one implementation: the same bits.
    @Test func statelessAdamEqualsTheOptimizer() throws {
        let config = Adam(learningRate: 0.01, weightDecay: .decoupled(1e-2), amsgrad: true)
        let adamw = try Optimizer(config)
        #expect(adamw.kind == .adamw)
        var random = TestRandom(state: 11)
        var p = random.array(50).map(Float.init)
        var q = p
        var m = [Float](repeating: 0, count: 50)
        var v = m
        var vmax = m
        for t in 1...20 {
            let g = random.array(50).map(Float.init)
            try adamw.step(slot: 0, parameters: &p, gradients: g)
            try Adam.update(
                parameters: &q, gradients: g, firstMoment: &m, secondMoment: &v, maxSecondMoment: &vmax,
                count: 50, step: UInt64(t), configuration: config)
        }
        #expect(p == q)
        #expect(adamw.stateBuffer(slot: 0, name: "max_exp_avg_sq", as: Float.self) == vmax)
    }

    /// Where the gradient stays 0 (a dead unit), the first moments and momentum buffers decay to
    /// exactly 0 instead of into the subnormals, where arithmetic is 10-100x slower; against a
    /// plain float32 loop of the equations with that rule, bit for bit.
    @Test func decayingAveragesStopAtZeroNotInTheSubnormals() throws {
        func flushed(_ x: Float) -> Float { abs(x) < Float.leastNormalMagnitude ? 0 : x }
        let steps = 1500  // 0.9^1500 ≈ 1e-69: far below the smallest float32 subnormal
        let gradients: [[Float]] = (0..<steps).map { $0 == 0 ? [1e-3, 2e-3] : [0, 0] }
        // Adam, with its reference.
        let adam = try Optimizer(Adam(learningRate: 1e-2))
        var p: [Float] = [0.5, -0.25], q = p, m: [Float] = [0, 0], v: [Float] = [0, 0]
        for (t, g) in gradients.enumerated() {
            try adam.step(slot: 0, parameters: &p, gradients: g)
            let bc1 = 1 - pow(0.9, Double(t + 1)), bc2 = 1 - pow(0.999, Double(t + 1))
            for i in 0..<2 {
                m[i] = flushed(Float(0.9) * m[i] + Float(0.1) * g[i])
                v[i] = Float(0.999) * v[i] + Float(1 - 0.999) * g[i] * g[i]
                q[i] -= Float(1e-2 / bc1) * m[i] / (v[i].squareRoot() / Float(bc2.squareRoot()) + Float(1e-8))
            }
        }
        #expect(p == q)
        #expect(adam.stateBuffer(slot: 0, name: "exp_avg", as: Float.self) == [0, 0])
        #expect(adam.stateBuffer(slot: 0, name: "exp_avg_sq", as: Float.self) == v && v.allSatisfy { $0.isNormal })
        // SGD's momentum buffer and RMSprop's (centred) averages.
        let sgd = try Optimizer(SGD(learningRate: 0.1, momentum: .heavyBall(0.9, dampening: 0)))
        let rmsprop = try Optimizer(RMSprop(alpha: 0.9, momentum: 0.9, centered: true))
        var a: [Float] = [0.5, -0.25], b = a
        for g in gradients {
            try sgd.step(slot: 0, parameters: &a, gradients: g)
            try rmsprop.step(slot: 0, parameters: &b, gradients: g)
        }
        #expect(sgd.stateBuffer(slot: 0, name: "momentum_buffer", as: Float.self) == [0, 0])
        #expect(rmsprop.stateBuffer(slot: 0, name: "momentum_buffer", as: Float.self) == [0, 0])
        #expect(rmsprop.stateBuffer(slot: 0, name: "grad_avg", as: Float.self) == [0, 0])
    }

    /// Serial and threaded steps give the same bits, reductions included.
    @Test(arguments: ["sgd", "adam", "rmsprop"])
    func threadCountDoesNotChangeResults(_ kind: String) throws {
        let n = 300_001
        var random = TestRandom(state: 5)
        let start = random.array(n)
        let gradients = (0..<3).map { _ in random.array(n, scale: 10) }
        var results: [[Double]] = []
        for threads in [1, 2, 3] {
            try Parallel.setThreadCount(threads)
            let optimizer = try Optimizer(kind: kind)
            try optimizer.set("max_grad_norm", 5)
            var p = start
            for g in gradients { try optimizer.step(slot: 0, parameters: &p, gradients: g) }
            results.append(p)
        }
        try Parallel.setThreadCount(0)
        #expect(results[0] == results[1] && results[1] == results[2])
        #expect(results[0] != start)
    }

    /// The non-finite check reads blocks as eight streams plus a tail: a NaN or Inf at any
    /// position, in either dtype and on any thread count, must be found.
    @Test func nonFiniteCheckFindsEveryPosition() throws {
        let optimizer = Optimizer(.adam)
        try optimizer.set("reject_nonfinite", 1)
        func rejects<T: GDOptFloat>(_ g: [T]) -> Bool {
            g.withUnsafeBufferPointer { buffer in
                (try? optimizer.check(slot: 0, gradients: buffer.baseAddress!, count: buffer.count)) == nil
            }
        }
        for threads in [1, 2, 3] {
            try Parallel.setThreadCount(threads)
            for n in [1, 7, 8, 9, 64, 4095, 65_537, 300_007] {
                var positions = n <= 64 ? Array(0..<n) : (0..<41).map { $0 * (n - 1) / 40 }
                if n > 64 { positions += [1, n - 2, n - 9] }
                var floats = [Float](repeating: 0.5, count: n)
                var doubles = [Double](repeating: 0.5, count: n)
                #expect(!rejects(floats) && !rejects(doubles))
                for (position, bad) in zip(positions, [Double.nan, .infinity, -.infinity].cycled(positions.count)) {
                    floats[position] = Float(bad)
                    doubles[position] = bad
                    #expect(rejects(floats) && rejects(doubles), "n=\(n) position \(position) threads \(threads)")
                    floats[position] = 0.5
                    doubles[position] = 0.5
                }
            }
        }
        try Parallel.setThreadCount(0)
    }

    @Test func clipGradNormMatchesTorchsRule() throws {
        var a: [Double] = [3, 0]
        var b: [Double] = [0, 4]  // global norm 5
        let norm = try a.withUnsafeMutableBufferPointer { pa in
            try b.withUnsafeMutableBufferPointer { pb in try clipGradNorm([pa, pb], maxNorm: 1) }
        }
        let coefficient = 1 / (5 + 1e-6)
        #expect(norm == 5 && a == [3 * coefficient, 0] && b == [0, 4 * coefficient])
        var small: [Float] = [0.1]
        _ = try small.withUnsafeMutableBufferPointer { try clipGradNorm([$0], maxNorm: 1) }
        #expect(small == [0.1])
        #expect(throws: GDOptError.self) {
            _ = try small.withUnsafeMutableBufferPointer { try clipGradNorm([$0], maxNorm: -1) }
        }
    }

    /// The permutation recomputed here from the contract's words (§8).
    @Test(arguments: [(UInt64(0), UInt64(0), 1), (42, 3, 10), (7, 100, 1000)])
    func shuffleFollowsTheContract(seed: UInt64, epoch: UInt64, n: Int) {
        var perm = [Int](repeating: -1, count: n)
        perm.withUnsafeMutableBufferPointer { shuffledIndices(into: $0, seed: seed, epoch: epoch) }
        var expected = Array(0..<n)
        var s = seed &+ epoch &* 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for i in stride(from: n - 1, through: 1, by: -1) { expected.swapAt(i, Int(next() % UInt64(i + 1))) }
        #expect(perm == expected)
        #expect(Set(perm) == Set(0..<n))
    }

    @Test func kernelErrorsNameTheArgument() throws {
        var p: [Double] = [1]
        var g: [Double] = [1]
        #expect(throws: GDOptError.null("momentumBuffer is nil, but momentum 0.9 needs it")) {
            try SGD.update(
                parameters: &p, gradients: &g, momentumBuffer: nil, count: 1, firstStep: true,
                configuration: SGD(momentum: .heavyBall(0.9)))
        }
        let error = #expect(throws: GDOptError.self) { try Optimizer(Adam(beta1: 1)) }
        #expect(error?.code == .invalid && error?.argument == "beta1" && error?.value == "1.0")
        #expect(error?.message == "beta1=1.0 must be in [0, 1)")
        #expect(
            throws: GDOptError.invalid(
                "nesterov=1 needs momentum > 0 and dampening = 0, got momentum=0.0, dampening=0.0")
        ) {
            try Optimizer(SGD(momentum: .nesterov(0)))
        }
        #expect(throws: GDOptError.invalid("t=0 must be >= 1 (t is the 1-based step count)")) {
            var sum: [Double] = [0]
            try Adagrad.update(
                parameters: &p, gradients: &g, sum: &sum, count: 1, step: 0, configuration: Adagrad())
        }
        #expect(p == [1])
    }
}

extension Array {
    /// The elements repeated until there are `count` of them.
    fileprivate func cycled(_ count: Int) -> [Element] { (0..<count).map { self[$0 % self.count] } }
}
