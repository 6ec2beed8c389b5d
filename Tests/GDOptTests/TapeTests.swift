import Foundation
import GDOpt
import Testing

typealias DTape = Tape<Double>

/// f(x) = Σ w ⊙ build(x) for fixed random w, with the tape's gradient as the analytic one.
func weightedObjective(
    shapes: [[Int]], seed: UInt64, build: @escaping (DTape, [DTape.Node]) throws(GDOptError) -> DTape.Node
) -> Objective {
    let tape = try! DTape()  // a test helper: a failure here is a test failure
    return { (x, gradient) throws(GDOptError) -> Double in
        tape.clear()
        var inputs: [DTape.Node] = []
        var offset = 0
        for dims in shapes {
            let shape = try Shape(dims)
            inputs.append(
                try tape.variable(UnsafeBufferPointer(rebasing: x[offset..<(offset + shape.count)]), shape: shape))
            offset += shape.count
        }
        let y = try build(tape, inputs)
        let shape = try tape.shape(of: y)
        var random = TestRandom(state: seed)
        let weights = random.array(shape.count)
        let w = try weights.withUnsafeBufferPointer { (p) throws(GDOptError) in try tape.constant(p, shape: shape) }
        let loss = try tape.unary(.sum, try tape.binary(.mul, y, w))
        var value = [0.0]
        try value.withUnsafeMutableBufferPointer { (p) throws(GDOptError) in try tape.value(of: loss, into: p) }
        if let gradient {
            try tape.backward(from: loss)
            var offset = 0
            for node in inputs {
                let n = try tape.shape(of: node).count
                try tape.gradient(of: node, into: UnsafeMutableBufferPointer(rebasing: gradient[offset..<(offset + n)]))
                offset += n
            }
        }
        return value[0]
    }
}

func check(_ f: Objective, at x: [Double]) throws -> GradientCheck {
    try x.withUnsafeBufferPointer { (p) throws(GDOptError) in try gradientCheck(of: f, at: p, h: 1e-5) }
}

@Suite struct TapeTests {
    static let shapes: [[Int]] = [[], [7], [3, 4], [2, 3, 4]]

    /// Inputs kept where each op is smooth: positive for log and sqrt, away from 0 for relu and abs.
    static func input(_ op: UnaryOp, count: Int, seed: UInt64) -> [Double] {
        var random = TestRandom(state: seed)
        return random.array(count).map { v in
            switch op {
            case .log, .sqrt: return 0.5 + Swift.abs(v)
            case .relu, .abs: return v < 0 ? v - 0.1 : v + 0.1
            default: return v
            }
        }
    }

    @Test(arguments: UnaryOp.allCases, shapes)
    func unaryGradientsMatchFiniteDifferences(_ op: UnaryOp, _ dims: [Int]) throws {
        let count = dims.reduce(1, *)
        let f = weightedObjective(shapes: [dims], seed: 1) { (tape, x) throws(GDOptError) in try tape.unary(op, x[0]) }
        let result = try check(f, at: Self.input(op, count: count, seed: 2))
        #expect(result.maxRelativeError < 1e-6, "\(op) on \(dims): \(result)")
    }

    static let broadcastPairs: [([Int], [Int])] = [
        ([3, 4], [3, 4]), ([3, 4], [4]), ([3, 1], [1, 4]), ([2, 3, 4], [3, 1]),
        ([], [2, 3]), ([5], []),
    ]

    @Test(arguments: [BinaryOp.add, .sub, .mul, .div], broadcastPairs)
    func binaryGradientsWithBroadcasting(_ op: BinaryOp, _ pair: ([Int], [Int])) throws {
        let f = weightedObjective(shapes: [pair.0, pair.1], seed: 3) { (tape, x) throws(GDOptError) in
            try tape.binary(op, x[0], x[1])
        }
        let n = pair.0.reduce(1, *)
        let m = pair.1.reduce(1, *)
        var random = TestRandom(state: 4)
        let x = random.array(n) + random.array(m).map { op == .div ? 1 + Swift.abs($0) : $0 }
        let result = try check(f, at: x)
        #expect(result.maxRelativeError < 1e-6, "\(op) \(pair): \(result)")
    }

    @Test func matmulAndANodeUsedTwice() throws {
        let f = weightedObjective(shapes: [[3, 4], [4, 5]], seed: 5) { (tape, x) throws(GDOptError) in
            let product = try tape.binary(.matmul, x[0], x[1])
            return try tape.binary(.add, product, try tape.unary(.tanh, product))  // product used twice
        }
        var random = TestRandom(state: 6)
        #expect(try check(f, at: random.array(32)).maxRelativeError < 1e-6)
        let square = weightedObjective(shapes: [[3, 3]], seed: 7) { (tape, x) throws(GDOptError) in
            try tape.binary(.matmul, x[0], x[0])
        }
        #expect(try check(square, at: random.array(9)).maxRelativeError < 1e-6)
    }

    static func lossObjective(_ kind: LossKind, labels: [Int]) -> Objective {
        weightedObjective(shapes: [[labels.count, 4]], seed: 8) { (tape, x) throws(GDOptError) in
            try labels.withUnsafeBufferPointer { (l) throws(GDOptError) in try tape.loss(kind, scores: x[0], labels: l)
            }
        }
    }

    @Test(arguments: LossKind.allCases)
    func lossValuesAndGradients(_ kind: LossKind) throws {
        let labels = [0, 3, 1, 1, 2]
        var random = TestRandom(state: 9)
        let scores = random.array(20).map { $0 * 3 }
        #expect(try check(Self.lossObjective(kind, labels: labels), at: scores).maxRelativeError < 1e-6)

        // The value against a plain computation.
        let tape = try DTape()
        let s = try scores.withUnsafeBufferPointer { try tape.variable($0, shape: try Shape([5, 4])) }
        let loss = try labels.withUnsafeBufferPointer { try tape.loss(kind, scores: s, labels: $0) }
        var value = [0.0]
        try value.withUnsafeMutableBufferPointer { try tape.value(of: loss, into: $0) }
        var expected = 0.0
        for i in 0..<5 {
            let row = Array(scores[(4 * i)..<(4 * i + 4)])
            let y = labels[i]
            if kind == .softmaxCrossEntropy {
                expected += -Foundation.log(Foundation.exp(row[y]) / row.map { Foundation.exp($0) }.reduce(0, +))
            } else {
                expected += (0..<4).filter { $0 != y }.map { max(0, row[$0] - row[y] + 1) }.reduce(0, +)
            }
        }
        #expect(Swift.abs(value[0] - expected / 5) < 1e-12)

        // The SVM gradient in closed form: for the label, −(number of violating classes)·/N;
        // for another class, 1[violates]/N (d loss / d scores, with loss weighted by 1).
        guard kind == .multiclassHinge else { return }
        try tape.backward(from: loss)
        var gradient = [Double](repeating: 0, count: 20)
        try gradient.withUnsafeMutableBufferPointer { try tape.gradient(of: s, into: $0) }
        for i in 0..<5 {
            let row = Array(scores[(4 * i)..<(4 * i + 4)])
            let y = labels[i]
            let violates = (0..<4).map { $0 != y && row[$0] - row[y] + 1 > 0 }
            for j in 0..<4 {
                let closed = j == y ? -Double(violates.filter { $0 }.count) / 5 : (violates[j] ? 1.0 / 5 : 0)
                #expect(Swift.abs(gradient[4 * i + j] - closed) < 1e-15)
            }
        }
    }

    @Test func theGradientCheckCatchesAWrongGradient() throws {
        let cube: Objective = { (x, gradient) throws(GDOptError) in
            if let gradient { for i in 0..<x.count { gradient[i] = 2 * x[i] } }  // wrong: d x³ = 3x²
            return x.reduce(0) { $0 + $1 * $1 * $1 }
        }
        let result = try check(cube, at: [0.5, 1.5, -2])
        #expect(result.maxRelativeError > 0.1 && result.evaluations == 7)
        #expect(result.worstIndex == 2 && result.analyticAtWorst == -4 && Swift.abs(result.numericAtWorst - 12) < 1e-6)
        let nan: Objective = { _, _ in .nan }
        #expect(throws: GDOptError.callback("the objective returned NaN")) { _ = try check(nan, at: [1]) }
    }

    @Test func badInputsAreErrors() throws {
        let tape = try DTape()
        let data = [Double](repeating: 1, count: 12)
        let a = try data.withUnsafeBufferPointer { try tape.variable($0, shape: try Shape([3, 4])) }
        let b = try data.withUnsafeBufferPointer {
            try tape.variable(UnsafeBufferPointer(rebasing: $0[0..<5]), shape: try Shape([5]))
        }
        #expect(throws: GDOptError.size("shapes (3, 4) and (5) do not broadcast (axis -1: 4 vs 5)")) {
            try tape.binary(.add, a, b)
        }
        #expect(throws: GDOptError.self) { try tape.binary(.matmul, a, a) }
        #expect(throws: GDOptError.invalid("labels[1]=4 is outside 0..<4")) {
            try [0, 4, 1].withUnsafeBufferPointer { try tape.loss(.softmaxCrossEntropy, scores: a, labels: $0) }
        }
        #expect(throws: GDOptError.size("backward needs a scalar, node \(a.id) has shape (3, 4)")) {
            try tape.backward(from: a)
        }
        #expect(throws: GDOptError.self) {
            try data.withUnsafeBufferPointer { try tape.variable($0, shape: try Shape([5])) }
        }
        #expect(throws: GDOptError.self) { try Shape([2, 0]) }
        tape.clear()
        #expect(throws: GDOptError.self) { try tape.unary(.exp, a) }  // a is from before the clear
    }
}

/// The float32 elementary functions against double-precision libm, in ulps of the result.
@Suite struct ElementaryTests {
    static func ulps(_ value: Float, _ exact: Double) -> Double {
        Swift.abs(Double(value) - exact) / Double(Float(exact).ulp)
    }

    @Test func float32ExpAndTanhAreWithinAFewUlps() throws {
        let tape = try Tape<Float>()
        var inputs: [Float] = stride(from: -87.0, through: 88.7, by: 0.01).map { Float($0) }
        inputs += stride(from: -1.0, through: 1.0, by: 1e-4).map { Float($0) } + [0, 1e-30, -1e-30, 1e-5]
        let x = try inputs.withUnsafeBufferPointer { try tape.constant($0, shape: try Shape([inputs.count])) }
        for (op, reference, limit) in [(UnaryOp.exp, Foundation.exp, 2.0), (.tanh, Foundation.tanh, 5.0)]
            as [(UnaryOp, (Double) -> Double, Double)]
        {
            let y = try tape.unary(op, x)
            var out = [Float](repeating: 0, count: inputs.count)
            try out.withUnsafeMutableBufferPointer { try tape.value(of: y, into: $0) }
            let worst = zip(out, inputs).map { Self.ulps($0, reference(Double($1))) }.max()!
            #expect(worst <= limit, "\(op): \(worst) ulps")
        }
        let edges: [Float] = [.nan, .infinity, -.infinity, -120, 100]
        let e = try edges.withUnsafeBufferPointer { try tape.constant($0, shape: try Shape([5])) }
        var out = [Float](repeating: 0, count: 5)
        try out.withUnsafeMutableBufferPointer { try tape.value(of: try tape.unary(.exp, e), into: $0) }
        #expect(out[0].isNaN && out[1] == .infinity && out[2] == 0 && out[3] == 0 && out[4] == .infinity)
        try out.withUnsafeMutableBufferPointer { try tape.value(of: try tape.unary(.tanh, e), into: $0) }
        #expect(out[0].isNaN && out[1] == 1 && out[2] == -1 && out[3] == -1 && out[4] == 1)
    }
}

@Suite struct TensorOperatorTests {
    @Test func operatorsBuildTheSameGraphAsTheMethods() throws {
        let tape = try Tape<Double>()
        let x = try tape.variable([1, 2, 3, 4, 5, 6], shape: try Shape([2, 3]))
        let w = try tape.variable([0.5, -1, 2, 1, 0, -0.5], shape: try Shape([3, 2]))
        let b = try tape.constant([0.1, -0.1], shape: try Shape([2]))
        let loss = try tape.loss(.multiclassHinge, scores: try (x ⊗ w + b).tanh(), labels: [0, 1])
        try loss.backward()
        #expect(try loss.shape == .scalar)
        // x·w + b = [[4.6, −0.6], [12.1, −2.1]]; only row 1 (label 1) violates its margin.
        let expected = (0 + (1 + Foundation.tanh(12.1) - Foundation.tanh(-2.1))) / 2
        #expect(Swift.abs(try loss.value()[0] - expected) < 1e-12)
        let g = try w.gradient()
        #expect(g.count == 6 && g.contains { $0 != 0 })
        #expect(throws: GDOptError.self) { _ = try x ⊗ x }
        #expect(try (-(x * x)).sum().value() == [-91])
        #expect(try x.transposed().shape.dimensions == [3, 2])
    }
}
