import CGDOpt
import GDOpt

/// The dtype-independent part of a tape, so that one C handle can hold either kind.
protocol AnyTape: AnyObject {
    var dtype: DType { get }
    func clear()
    func unary(_ op: UnaryOp, _ x: Int64) throws(GDOptError) -> Int64
    func binary(_ op: BinaryOp, _ a: Int64, _ b: Int64) throws(GDOptError) -> Int64
    func loss(_ kind: LossKind, _ scores: Int64, _ labels: UnsafeBufferPointer<Int>) throws(GDOptError) -> Int64
    func backward(_ root: Int64) throws(GDOptError)
    func shape(_ x: Int64) throws(GDOptError) -> Shape
}

extension Tape: AnyTape {
    var dtype: DType { T.dtype }
    func unary(_ op: UnaryOp, _ x: Int64) throws(GDOptError) -> Int64 { try unary(op, Node(id: x)).id }
    func binary(_ op: BinaryOp, _ a: Int64, _ b: Int64) throws(GDOptError) -> Int64 {
        try binary(op, Node(id: a), Node(id: b)).id
    }
    func loss(_ kind: LossKind, _ scores: Int64, _ labels: UnsafeBufferPointer<Int>) throws(GDOptError) -> Int64 {
        try loss(kind, scores: Node(id: scores), labels: labels).id
    }
    func backward(_ root: Int64) throws(GDOptError) { try backward(from: Node(id: root)) }
    func shape(_ x: Int64) throws(GDOptError) -> Shape { try shape(of: Node(id: x)) }
}

/// A tape handle's object: the tape, and its dtype-independent face found once at creation,
/// so that a call does no dynamic cast (a conformance lookup cost more than small ops).
final class TapeBox {
    let object: AnyObject
    let tape: any AnyTape

    init<T: GDOptFloat>(_ typed: Tape<T>) {
        object = typed
        tape = typed
    }
}

private func tape(_ handle: OpaquePointer?) throws -> any AnyTape {
    try Handles.resolve(handle, .tape, as: TapeBox.self).tape
}

private func typedTape<T: GDOptFloat>(_ handle: OpaquePointer?, _: T.Type) throws -> Tape<T> {
    let box = try Handles.resolve(handle, .tape, as: TapeBox.self)
    guard box.tape.dtype == T.dtype else {
        throw GDOptError.invalid("t holds \(box.tape.dtype) values, got \(T.dtype)")
    }
    return unsafeDowncast(box.object, to: Tape<T>.self)  // the dtype names the type
}

@c @implementation
public func gdopt_tape_create(_ dtype: Int32, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> gdopt_status {
    withStatus {
        let out = try required(out, "out")
        switch Codes.value(of: dtype, in: Codes.dtypes) {
        case .float32: out.pointee = Handles.make(TapeBox(try Tape<Float>()), kind: .tape)
        case .float64: out.pointee = Handles.make(TapeBox(try Tape<Double>()), kind: .tape)
        case nil: throw GDOptError.invalid("dtype=\(dtype) must be GDOPT_F32 (1) or GDOPT_F64 (2)")
        }
    }
}

@c @implementation
public func gdopt_tape_clear(_ t: OpaquePointer?) -> gdopt_status {
    withStatus { try tape(t).clear() }
}

private func leaf<T: GDOptFloat>(
    _ t: OpaquePointer?, _ data: UnsafePointer<T>?, _ rank: Int, _ shape: UnsafePointer<Int>?,
    _ out: UnsafeMutablePointer<gdopt_node>?, variable: Bool
) throws {
    let tape = try typedTape(t, T.self)
    let data = try required(data, "data")
    let out = try required(out, "out")
    guard rank >= 0, rank <= Shape.maxRank else {
        throw GDOptError.size("rank=\(UInt(bitPattern: rank)) must be at most \(Shape.maxRank)")
    }
    let dims =
        rank == 0
        ? UnsafeBufferPointer<Int>(start: nil, count: 0)
        : UnsafeBufferPointer(start: try required(shape, "shape"), count: rank)
    let s = try Shape(dims)
    let buffer = UnsafeBufferPointer(start: data, count: s.count)
    out.pointee = variable ? try tape.variable(buffer, shape: s).id : try tape.constant(buffer, shape: s).id
}

@c @implementation
public func gdopt_tape_variable_f32(
    _ t: OpaquePointer?, _ data: UnsafePointer<Float>?, _ rank: Int, _ shape: UnsafePointer<Int>?,
    _ out: UnsafeMutablePointer<gdopt_node>?
) -> gdopt_status {
    withStatus { try leaf(t, data, rank, shape, out, variable: true) }
}

@c @implementation
public func gdopt_tape_variable_f64(
    _ t: OpaquePointer?, _ data: UnsafePointer<Double>?, _ rank: Int, _ shape: UnsafePointer<Int>?,
    _ out: UnsafeMutablePointer<gdopt_node>?
) -> gdopt_status {
    withStatus { try leaf(t, data, rank, shape, out, variable: true) }
}

@c @implementation
public func gdopt_tape_constant_f32(
    _ t: OpaquePointer?, _ data: UnsafePointer<Float>?, _ rank: Int, _ shape: UnsafePointer<Int>?,
    _ out: UnsafeMutablePointer<gdopt_node>?
) -> gdopt_status {
    withStatus { try leaf(t, data, rank, shape, out, variable: false) }
}

@c @implementation
public func gdopt_tape_constant_f64(
    _ t: OpaquePointer?, _ data: UnsafePointer<Double>?, _ rank: Int, _ shape: UnsafePointer<Int>?,
    _ out: UnsafeMutablePointer<gdopt_node>?
) -> gdopt_status {
    withStatus { try leaf(t, data, rank, shape, out, variable: false) }
}

@c @implementation
public func gdopt_tape_unary(
    _ t: OpaquePointer?, _ op: Int32, _ x: gdopt_node, _ out: UnsafeMutablePointer<gdopt_node>?
) -> gdopt_status {
    withStatus {
        let tape = try tape(t)
        let out = try required(out, "out")
        guard let op = Codes.value(of: op, in: Codes.unaryOps) else {
            throw GDOptError.invalid("op=\(op) is not a unary op (GDOPT_NEG..GDOPT_TRANSPOSE)")
        }
        out.pointee = try tape.unary(op, x)
    }
}

@c @implementation
public func gdopt_tape_binary(
    _ t: OpaquePointer?, _ op: Int32, _ a: gdopt_node, _ b: gdopt_node, _ out: UnsafeMutablePointer<gdopt_node>?
) -> gdopt_status {
    withStatus {
        let tape = try tape(t)
        let out = try required(out, "out")
        guard let op = Codes.value(of: op, in: Codes.binaryOps) else {
            throw GDOptError.invalid("op=\(op) is not a binary op (GDOPT_ADD..GDOPT_MATMUL)")
        }
        out.pointee = try tape.binary(op, a, b)
    }
}

@c @implementation
public func gdopt_tape_loss(
    _ t: OpaquePointer?, _ kind: Int32, _ scores: gdopt_node, _ labels: UnsafePointer<Int64>?, _ n: Int,
    _ out: UnsafeMutablePointer<gdopt_node>?
) -> gdopt_status {
    withStatus {
        let tape = try tape(t)
        let out = try required(out, "out")
        let labels = try required(labels, "labels")
        guard let kind = Codes.value(of: kind, in: Codes.losses) else {
            throw GDOptError.invalid(
                "kind=\(kind) is not a loss (GDOPT_SOFTMAX_CROSS_ENTROPY or GDOPT_MULTICLASS_HINGE)")
        }
        let count = try elementCount(n, of: Int64.self)
        // int64_t and Int have the same layout on the 64-bit platforms gdopt builds for.
        let classes = UnsafeRawPointer(labels).bindMemory(to: Int.self, capacity: count)
        out.pointee = try tape.loss(kind, scores, UnsafeBufferPointer(start: classes, count: count))
    }
}

@c @implementation
public func gdopt_tape_backward(_ t: OpaquePointer?, _ scalar: gdopt_node) -> gdopt_status {
    withStatus { try tape(t).backward(scalar) }
}

@c @implementation
public func gdopt_tape_shape(
    _ t: OpaquePointer?, _ x: gdopt_node, _ rank: UnsafeMutablePointer<Int>?, _ shape: UnsafeMutablePointer<Int>?
) -> gdopt_status {
    withStatus {
        let tape = try tape(t)
        let rank = try required(rank, "rank")
        let dims = try required(shape, "shape")
        let s = try tape.shape(x)
        rank.pointee = s.rank
        for axis in 0..<s.rank { dims[axis] = s[axis] }
    }
}

private func read<T: GDOptFloat>(
    _ t: OpaquePointer?, _ x: gdopt_node, _ out: UnsafeMutablePointer<T>?, _ n: Int, gradient: Bool
) throws {
    let tape = try typedTape(t, T.self)
    let out = try required(out, "out")
    let buffer = UnsafeMutableBufferPointer(start: out, count: try elementCount(n, of: T.self))
    if gradient {
        try tape.gradient(of: Tape<T>.Node(id: x), into: buffer)
    } else {
        try tape.value(of: Tape<T>.Node(id: x), into: buffer)
    }
}

@c @implementation
public func gdopt_tape_value_f32(_ t: OpaquePointer?, _ x: gdopt_node, _ out: UnsafeMutablePointer<Float>?, _ n: Int)
    -> gdopt_status
{
    withStatus { try read(t, x, out, n, gradient: false) }
}

@c @implementation
public func gdopt_tape_value_f64(_ t: OpaquePointer?, _ x: gdopt_node, _ out: UnsafeMutablePointer<Double>?, _ n: Int)
    -> gdopt_status
{
    withStatus { try read(t, x, out, n, gradient: false) }
}

@c @implementation
public func gdopt_tape_grad_f32(_ t: OpaquePointer?, _ x: gdopt_node, _ out: UnsafeMutablePointer<Float>?, _ n: Int)
    -> gdopt_status
{
    withStatus { try read(t, x, out, n, gradient: true) }
}

@c @implementation
public func gdopt_tape_grad_f64(_ t: OpaquePointer?, _ x: gdopt_node, _ out: UnsafeMutablePointer<Double>?, _ n: Int)
    -> gdopt_status
{
    withStatus { try read(t, x, out, n, gradient: true) }
}

/// The C feeds as the core's, in a buffer of the stack (or the heap for many) that lives for the call.
private func replay<T: GDOptFloat, Feed>(
    _ t: OpaquePointer?, _ root: gdopt_node, _ feeds: UnsafePointer<Feed>?, _ feedCount: Int,
    _ labels: UnsafePointer<gdopt_labels>?, _ labelCount: Int, _ value: UnsafeMutablePointer<T>?,
    _ converted: (Feed) -> Tape<T>.Feed
) throws {
    let tape = try typedTape(t, T.self)
    for (count, name) in [(feedCount, "n_feeds"), (labelCount, "n_labels")] where count < 0 || count > tape.nodeCount {
        throw GDOptError.size("\(name)=\(UInt(bitPattern: count)) is more than the tape's \(tape.nodeCount) nodes")
    }
    let feeds = feedCount == 0 ? nil : try required(feeds, "feeds")
    let labels = labelCount == 0 ? nil : try required(labels, "labels")
    // The copies below go to the heap when large, where a refused malloc would trap.
    try Allocation.probe(count: feedCount, of: Tape<T>.Feed.self, what: "the feeds")
    try Allocation.probe(count: labelCount, of: Tape<T>.LabelFeed.self, what: "the labels")
    try withUnsafeTemporaryAllocation(of: Tape<T>.Feed.self, capacity: feedCount) { coreFeeds in
        for i in 0..<feedCount { coreFeeds.initializeElement(at: i, to: converted(feeds![i])) }
        try withUnsafeTemporaryAllocation(of: Tape<T>.LabelFeed.self, capacity: labelCount) { coreLabels in
            for i in 0..<labelCount {
                let given = labels![i]
                let pointer = try required(given.labels, "labels[\(i)].labels")
                // int64_t and Int have the same layout on the 64-bit platforms gdopt builds for.
                let classes = UnsafeRawPointer(pointer).assumingMemoryBound(to: Int.self)
                coreLabels.initializeElement(
                    at: i, to: .init(node: .init(id: given.loss), labels: classes, count: given.n))
            }
            let result = try tape.replay(
                from: .init(id: root), feeds: UnsafeBufferPointer(coreFeeds), labels: UnsafeBufferPointer(coreLabels))
            value?.pointee = result
        }
    }
}

@c @implementation
public func gdopt_tape_replay_f32(
    _ t: OpaquePointer?, _ root: gdopt_node, _ feeds: UnsafePointer<gdopt_feed_f32>?, _ nFeeds: Int,
    _ labels: UnsafePointer<gdopt_labels>?, _ nLabels: Int, _ value: UnsafeMutablePointer<Float>?
) -> gdopt_status {
    withStatus {
        try replay(t, root, feeds, nFeeds, labels, nLabels, value) {
            .init(node: .init(id: $0.node), data: $0.data, gradient: $0.grad, count: $0.n)
        }
    }
}

@c @implementation
public func gdopt_tape_replay_f64(
    _ t: OpaquePointer?, _ root: gdopt_node, _ feeds: UnsafePointer<gdopt_feed_f64>?, _ nFeeds: Int,
    _ labels: UnsafePointer<gdopt_labels>?, _ nLabels: Int, _ value: UnsafeMutablePointer<Double>?
) -> gdopt_status {
    withStatus {
        try replay(t, root, feeds, nFeeds, labels, nLabels, value) {
            .init(node: .init(id: $0.node), data: $0.data, gradient: $0.grad, count: $0.n)
        }
    }
}

@c @implementation
public func gdopt_tape_destroy(_ t: OpaquePointer?) {
    Handles.destroy(t, .tape)
}
