import Synchronization

/// A reverse-mode automatic differentiation tape over dense tensors (micrograd's design
/// on arrays): an append-only list of nodes, each op computing its value when recorded;
/// `backward` walks the list once in reverse, applying each op's vector-Jacobian product
/// (VJP.swift) and accumulating into the inputs' gradients, so a node used twice sums
/// both contributions. `clear` keeps every buffer's capacity: a training loop that
/// records the same graph each iteration allocates nothing after the first.
///
/// Not thread-safe: one tape per thread.
public final class Tape<T: GDOptFloat> {
    enum Kind {
        case variable, constant
        case unary(UnaryOp)
        case binary(BinaryOp)
        case loss(LossKind)
    }

    struct Record {
        let kind: Kind
        let a: Int, b: Int  // input node indices (-1 when unused)
        let shape: Shape
        let offset: Int  // of the value (and gradient) in the arenas
        let saved: Int  // cross-entropy: offset of its softmax in `values`
        let labelOffset: Int  // losses: offset of their labels in `labels`
        let requiresGradient: Bool
    }

    var records: [Record] = []
    let values: Arena<T>
    let gradients: Arena<T>
    var labels: [Int] = []
    private let ids: NodeIDs
    /// The serial of records[0]: `clear` moves it past every node recorded so far.
    private var firstSerial: Int64
    private var differentiated = false

    /// `.memory` when the first buffers, or a tag for its nodes, cannot be had.
    public init() throws(GDOptError) {
        values = try Arena()
        gradients = try Arena()
        ids = try NodeIDs()
        firstSerial = ids.nextSerial
    }

    /// Drops every node and keeps the memory.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func clear() {
        records.removeAll(keepingCapacity: true)
        values.removeAll()
        gradients.removeAll()
        labels.removeAll(keepingCapacity: true)
        firstSerial = ids.nextSerial
        differentiated = false
    }

    // MARK: Nodes

    /// A value on a tape; its id names it for the whole process (see `NodeIDs`).
    public struct Node: Hashable, Sendable {
        public let id: Int64
        public init(id: Int64) { self.id = id }
    }

    /// The node's place in `records`; a node of another tape, or from before a clear, is
    /// `.invalid` for as long as the tape lives.
    func index(of node: Node) throws(GDOptError) -> Int {
        guard let serial = ids.serial(of: node.id), serial >= firstSerial, serial - firstSerial < Int64(records.count)
        else {
            throw .invalid(
                "node \(node.id) is not on this tape (nodes of other tapes are not, and nodes do not survive clear)")
        }
        return Int(serial - firstSerial)
    }

    func record(_ node: Node) throws(GDOptError) -> Record { records[try index(of: node)] }

    private func append(_ kind: Kind, a: Int = -1, b: Int = -1, shape: Shape, saved: Int = -1, labelOffset: Int = -1)
        throws(GDOptError) -> Node
    {
        let id = try ids.next()
        let requires: Bool
        switch kind {
        case .variable: requires = true
        case .constant: requires = false
        default: requires = (a >= 0 && records[a].requiresGradient) || (b >= 0 && records[b].requiresGradient)
        }
        let offset = try values.grow(by: shape.count)
        records.append(
            Record(
                kind: kind, a: a, b: b, shape: shape, offset: offset, saved: saved,
                labelOffset: labelOffset, requiresGradient: requires))
        differentiated = false
        return Node(id: id)
    }

    /// A leaf whose gradient `backward` computes.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func variable(_ data: UnsafeBufferPointer<T>, shape: Shape) throws(GDOptError) -> Node {
        try leaf(.variable, data, shape)
    }

    /// A leaf without a gradient (inputs, targets).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func constant(_ data: UnsafeBufferPointer<T>, shape: Shape) throws(GDOptError) -> Node {
        try leaf(.constant, data, shape)
    }

    private func leaf(_ kind: Kind, _ data: UnsafeBufferPointer<T>, _ shape: Shape) throws(GDOptError) -> Node {
        guard data.count == shape.count else {
            throw .size("data has \(data.count) elements, shape \(shape) needs \(shape.count)")
        }
        let node = try append(kind, shape: shape)
        if let source = data.baseAddress {
            (values.base + records[records.count - 1].offset).update(from: source, count: data.count)
        }
        return node
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func unary(_ op: UnaryOp, _ x: Node) throws(GDOptError) -> Node {
        let inputIndex = try index(of: x)
        let input = records[inputIndex]
        let shape: Shape
        switch op {
        case .sum, .mean: shape = .scalar
        case .transpose: shape = input.shape.reversed
        default: shape = input.shape
        }
        let node = try append(.unary(op), a: inputIndex, shape: shape)
        forwardUnary(op, input, records[records.count - 1])
        return node
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func binary(_ op: BinaryOp, _ a: Node, _ b: Node) throws(GDOptError) -> Node {
        let leftIndex = try index(of: a)
        let rightIndex = try index(of: b)
        let left = records[leftIndex]
        let right = records[rightIndex]
        let shape: Shape
        if op == .matmul {
            guard left.shape.rank == 2, right.shape.rank == 2 else {
                throw .size("matmul needs two 2-D operands, got shapes \(left.shape) and \(right.shape)")
            }
            // The BLAS takes 32-bit dimensions.
            let largest = Swift.max(left.shape[0], left.shape[1], right.shape[1])
            guard largest <= Int(Int32.max) else {
                throw .size("matmul dimension \(largest) is above the BLAS's limit of 2^31-1")
            }
            guard left.shape[1] == right.shape[0] else {
                throw .size(
                    "matmul shapes \(left.shape) and \(right.shape) do not fit (\(left.shape[1]) vs \(right.shape[0]))")
            }
            var product = left.shape  // m×k becomes m×n, without building an array
            product[1] = right.shape[1]
            shape = product
        } else {
            shape = try Shape.broadcast(left.shape, right.shape)
        }
        let node = try append(.binary(op), a: leftIndex, b: rightIndex, shape: shape)
        forwardBinary(op, left, right, records[records.count - 1])
        return node
    }

    /// A loss over `scores` (N×C) and N labels in 0..<C; the result is a scalar.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func loss(_ kind: LossKind, scores: Node, labels classes: UnsafeBufferPointer<Int>) throws(GDOptError)
        -> Node
    {
        let inputIndex = try index(of: scores)
        let input = records[inputIndex]
        guard input.shape.rank == 2 else { throw .size("scores must be 2-D (N×C), got shape \(input.shape)") }
        let rows = input.shape[0]
        let columns = input.shape[1]
        guard classes.count == rows else { throw .size("labels has \(classes.count) entries, scores has \(rows) rows") }
        for (i, label) in classes.enumerated() where !(0..<columns).contains(label) {
            throw .invalid("labels[\(i)]=\(label) is outside 0..<\(columns)")
        }
        let labelOffset = labels.count
        try Allocation.reserve(&labels, adding: classes.count, what: "the labels")
        labels.append(contentsOf: classes)
        // Cross-entropy keeps its softmax for the backward pass, in the value arena.
        let saved = kind == .softmaxCrossEntropy ? try values.grow(by: rows * columns) : -1
        let node = try append(.loss(kind), a: inputIndex, shape: .scalar, saved: saved, labelOffset: labelOffset)
        forwardLoss(kind, input, records[records.count - 1])
        return node
    }

    // MARK: Results

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func shape(of node: Node) throws(GDOptError) -> Shape { try record(node).shape }

    /// Copies the node's value into `out`, which must have the node's element count.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func value(of node: Node, into out: UnsafeMutableBufferPointer<T>) throws(GDOptError) {
        let r = try record(node)
        try copy(from: values, r, into: out)
    }

    /// Copies the gradient that the last `backward` computed (zeros for nodes it did not
    /// reach); `.state` before any backward since the node was recorded.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func gradient(of node: Node, into out: UnsafeMutableBufferPointer<T>) throws(GDOptError) {
        let r = try record(node)
        guard differentiated else { throw .state("no backward has run since the last node was recorded") }
        try copy(from: gradients, r, into: out)
    }

    private func copy(from arena: Arena<T>, _ r: Record, into out: UnsafeMutableBufferPointer<T>) throws(GDOptError) {
        guard out.count == r.shape.count else {
            throw .size("out has \(out.count) elements, the node has \(r.shape.count)")
        }
        out.baseAddress!.update(from: arena.base + r.offset, count: out.count)
    }

    /// Reverse mode from a scalar (one element) node: fills every reachable gradient.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward(from root: Node) throws(GDOptError) {
        let rootIndex = try index(of: root)
        let r = records[rootIndex]
        guard r.shape.count == 1 else { throw .size("backward needs a scalar, node \(root.id) has shape \(r.shape)") }
        try gradients.zeroed(count: values.count)
        gradients[r.offset] = 1
        for index in stride(from: rootIndex, through: 0, by: -1) where records[index].requiresGradient {
            backpropagate(records[index])
        }
        differentiated = true
    }
}

/// A tape's node ids: `tag << 47 | serial`. The tag (1...65535) is unique among live tapes;
/// the serial counts every node ever recorded under that tag, across clears and across the
/// tapes that held the tag before. So an id names one node for the whole process: a node
/// of another tape, or from before a clear, is refused, and ids never wrap: after 2⁴⁷
/// nodes (years of recording) the tag refuses new nodes instead.
final class NodeIDs {
    static let serialBits: Int64 = 47
    private static let registry = Mutex(Registry())
    private struct Registry {
        var live = Set<Int64>()
        var used: [Int64: Int64] = [:]  // tag -> the next serial of the tapes that held it
        var cursor: Int64 = 0
    }

    let tag: Int64
    private(set) var nextSerial: Int64

    init() throws(GDOptError) {
        let claimed: (Int64, Int64)? = Self.registry.withLock { r in
            for _ in 0..<65535 {
                r.cursor = r.cursor % 65535 + 1
                if !r.live.contains(r.cursor) {
                    r.live.insert(r.cursor)
                    return (r.cursor, r.used[r.cursor] ?? 0)
                }
            }
            return nil
        }
        guard let (tag, serial) = claimed else { throw .memory("65535 tapes are alive; destroy one first") }
        (self.tag, nextSerial) = (tag, serial)
    }

    deinit {
        let (tag, serial) = (tag, nextSerial)
        Self.registry.withLock { r in
            r.live.remove(tag)
            r.used[tag] = serial
        }
    }

    func next() throws(GDOptError) -> Int64 {
        guard nextSerial < 1 << Self.serialBits else {
            throw .size("this tape has recorded 2^47 nodes in its life; create a new tape")
        }
        defer { nextSerial += 1 }
        return tag << Self.serialBits | nextSerial
    }

    /// The serial of an id issued under this tape's tag, or nil.
    func serial(of id: Int64) -> Int64? {
        guard id >= 0, id >> Self.serialBits == tag else { return nil }
        return id & (1 << Self.serialBits - 1)
    }
}
