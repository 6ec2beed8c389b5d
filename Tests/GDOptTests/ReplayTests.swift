import GDOpt
import Testing

/// `Tape.replay` against recording the same graph anew on a fresh tape: the same bits.
@Suite struct ReplayTests {
    /// An MLP-shaped graph over variables w1 (4×5), b1 (5), w2 (5×3): x·w1 + b1, relu, then
    /// tanh of it added to itself (a node used twice), ·w2, and a loss. Returns (x, loss).
    static func record<T: GDOptFloat>(
        _ tape: Tape<T>, _ weights: [Tape<T>.Node], x data: [T], labels: [Int], kind: LossKind
    ) throws -> (Tape<T>.Node, Tape<T>.Node) {
        let x = try data.withUnsafeBufferPointer { try tape.constant($0, shape: try Shape([labels.count, 4])) }
        let hidden = try tape.unary(.relu, try tape.binary(.add, try tape.binary(.matmul, x, weights[0]), weights[1]))
        let mixed = try tape.binary(.add, hidden, try tape.unary(.tanh, hidden))
        let scores = try tape.binary(.matmul, mixed, weights[2])
        return (x, try labels.withUnsafeBufferPointer { try tape.loss(kind, scores: scores, labels: $0) })
    }

    static let shapes = [[4, 5], [5], [5, 3]]

    static func variables<T: GDOptFloat>(_ tape: Tape<T>, _ values: [[T]]) throws -> [Tape<T>.Node] {
        try zip(values, shapes).map { v, s in try v.withUnsafeBufferPointer { try tape.variable($0, shape: Shape(s)) } }
    }

    /// Value and gradients of the graph recorded on a fresh tape.
    static func fresh<T: GDOptFloat>(_ values: [[T]], x: [T], labels: [Int], kind: LossKind) throws -> (T, [[T]]) {
        let tape = try Tape<T>()
        let weights = try variables(tape, values)
        let (_, loss) = try record(tape, weights, x: x, labels: labels, kind: kind)
        try tape.backward(from: loss)
        var value = [T(0)]
        try value.withUnsafeMutableBufferPointer { try tape.value(of: loss, into: $0) }
        let grads = try zip(weights, values).map { node, v in
            var g = [T](repeating: 0, count: v.count)
            try g.withUnsafeMutableBufferPointer { try tape.gradient(of: node, into: $0) }
            return g
        }
        return (value[0], grads)
    }

    static func read(_ tape: Tape<Double>, _ node: Tape<Double>.Node, gradient: Bool = false) throws -> [Double] {
        var out = [Double](repeating: 0, count: try tape.shape(of: node).count)
        try out.withUnsafeMutableBufferPointer {
            try gradient ? tape.gradient(of: node, into: $0) : tape.value(of: node, into: $0)
        }
        return out
    }

    static func random<T: GDOptFloat>(_ random: inout TestRandom, _ n: Int, _: T.Type) -> [T] {
        random.array(n).map { T($0) }
    }

    /// Replays `steps` batches of two sizes (graphs on one tape over the same variables), with new
    /// weights, inputs and labels each time, and compares with recording anew.
    func replays<T: GDOptFloat>(_: T.Type, kind: LossKind) throws {
        var rng = TestRandom(state: 11)
        var values = Self.shapes.map { Self.random(&rng, $0.reduce(1, *), T.self) }
        let tape = try Tape<T>()
        let weights = try Self.variables(tape, values)
        let graphs = try [3, 2].map { rows in
            try Self.record(
                tape, weights, x: [T](repeating: 0, count: rows * 4), labels: [Int](repeating: 0, count: rows),
                kind: kind)
        }
        for step in 0..<8 {
            let rows = step % 2 == 0 ? 3 : 2
            let (x, loss) = graphs[step % 2]
            let data = Self.random(&rng, rows * 4, T.self)
            let labels = (0..<rows).map { ($0 + step) % 3 }
            values = values.map { $0.map { $0 + T(0.01) * T(step) } }
            var grads = values.map { [T](repeating: .nan, count: $0.count) }
            let value = try data.withUnsafeBufferPointer { xp in
                try labels.withUnsafeBufferPointer { lp in
                    var feeds = [Tape<T>.Feed(node: x, data: xp.baseAddress, gradient: nil, count: xp.count)]
                    for i in 0..<3 {
                        feeds.append(
                            values[i].withUnsafeBufferPointer { vp in
                                grads[i].withUnsafeMutableBufferPointer { gp in
                                    // The pointers only live for the replay below, as a C caller's would.
                                    Tape<T>.Feed(
                                        node: weights[i], data: vp.baseAddress, gradient: gp.baseAddress,
                                        count: vp.count)
                                }
                            })
                    }
                    let labelFeeds = [Tape<T>.LabelFeed(node: loss, labels: lp.baseAddress!, count: rows)]
                    return try feeds.withUnsafeBufferPointer { f in
                        try labelFeeds.withUnsafeBufferPointer { try tape.replay(from: loss, feeds: f, labels: $0) }
                    }
                }
            }
            let (expectedValue, expectedGrads) = try Self.fresh(values, x: data, labels: labels, kind: kind)
            #expect(value == expectedValue, "step \(step)")
            #expect(grads == expectedGrads, "step \(step)")
        }
    }

    @Test(arguments: LossKind.allCases) func replayingIsRecordingAnew(_ kind: LossKind) throws {
        try replays(Float.self, kind: kind)
        try replays(Double.self, kind: kind)
    }

    @Test func aFailedReplayChangesNothing() throws {
        let tape = try Tape<Double>()
        let weights = try Self.variables(tape, Self.shapes.map { [Double](repeating: 0.5, count: $0.reduce(1, *)) })
        let (x, loss) = try Self.record(
            tape, weights, x: [Double](repeating: 1, count: 8), labels: [0, 1],
            kind: .softmaxCrossEntropy)
        try tape.backward(from: loss)
        let before = try Self.read(tape, loss)
        let gradientBefore = try Self.read(tape, weights[0], gradient: true)
        let data = [Double](repeating: 7, count: 20)
        var out = [Double](repeating: -1, count: 20)
        let good = [0, 2], bad = [0, 3]
        try data.withUnsafeBufferPointer { d in
            try out.withUnsafeMutableBufferPointer { o in
                let feed = Tape<Double>.Feed(node: weights[0], data: d.baseAddress, gradient: o.baseAddress, count: 20)
                func attempt(_ feeds: [Tape<Double>.Feed], _ labels: [Int], root: Tape<Double>.Node) -> GDOptError? {
                    labels.withUnsafeBufferPointer { (l) -> GDOptError? in
                        let labelFeeds = [Tape<Double>.LabelFeed(node: loss, labels: l.baseAddress!, count: l.count)]
                        return feeds.withUnsafeBufferPointer { f in
                            labelFeeds.withUnsafeBufferPointer { (lf) -> GDOptError? in
                                do {
                                    _ = try tape.replay(from: root, feeds: f, labels: lf)
                                    return nil
                                } catch { return error as? GDOptError }
                            }
                        }
                    }
                }
                let hidden = Tape<Double>.Node(id: loss.id - 1)  // the scores: not a leaf
                let cases: [([Tape<Double>.Feed], [Int], Tape<Double>.Node, GDOptError.Code)] = [
                    ([feed], bad, loss, .invalid),  // a label outside 0..<3, after a good feed
                    ([feed, feed], good, loss, .invalid),  // a leaf fed twice
                    ([Tape<Double>.Feed(node: x, data: nil, gradient: o.baseAddress, count: 8)], good, loss, .invalid),
                    (
                        [Tape<Double>.Feed(node: hidden, data: d.baseAddress, gradient: nil, count: 6)], good, loss,
                        .invalid
                    ),
                    (
                        [Tape<Double>.Feed(node: weights[0], data: d.baseAddress, gradient: nil, count: 19)], good,
                        loss,
                        .size
                    ),
                    ([feed], good, x, .size),  // the root is not a scalar
                    ([feed], [0], loss, .size),  // one label for two rows
                ]
                for (feeds, labels, root, code) in cases {
                    #expect(attempt(feeds, labels, root: root)?.code == code)
                }
            }
        }
        #expect(out == [Double](repeating: -1, count: 20))
        #expect(try Self.read(tape, loss) == before)
        #expect(try Self.read(tape, weights[0], gradient: true) == gradientBefore)
    }

    /// Gradients reach only through the root's graph: a node off it reads zeros, even after an
    /// earlier backward gave it one, and an infinite value off it does not make a NaN (0·inf).
    @Test func gradientsFollowOnlyTheRootsGraph() throws {
        let tape = try Tape<Double>()
        let v = try tape.variable([1, 2], shape: try Shape([2]))
        let w = try tape.variable([3, 4], shape: try Shape([2]))
        try (v * w).sum().backward()
        #expect(try w.gradient() == [1, 2])
        _ = try v * (try tape.constant([.infinity, 1], shape: try Shape([2])))  // off the next root's path
        try (v * (try tape.constant([2, 2], shape: try Shape([2])))).sum().backward()
        #expect(try v.gradient() == [2, 2])
        #expect(try w.gradient() == [0, 0])
    }
}
