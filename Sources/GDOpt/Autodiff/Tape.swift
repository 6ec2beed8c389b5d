import Glibc

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
    /// A transposed operand for the JIT products (BLAS.gemm); its capacity is kept.
    let scratch: Arena<T>
    var labels: [Int] = []
    private let ids: NodeIDs
    /// The serial of records[0]: `clear` moves it past every node recorded so far.
    private var firstSerial: Int64
    private var differentiated = false
    /// Scratch marks (records reachable from a root, leaves fed), kept to avoid allocating.
    private var reachable: [Bool] = []
    /// Whether the last backward wrote each record's gradient (see `claimGradient`).
    var written: [Bool] = []
    private var given: [Bool] = []

    /// `.memory` when the first buffers, or a tag for its nodes, cannot be had.
    public init() throws(GDOptError) {
        values = try Arena()
        gradients = try Arena()
        scratch = try Arena()
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

    /// The number of nodes recorded since the last clear.
    public var nodeCount: Int { records.count }

    /// `index(of:)` for a node already checked.
    private func checkedIndex(_ node: Node) -> Int { Int(ids.serial(of: node.id)! - firstSerial) }

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
        forward(records[records.count - 1])
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
        forward(records[records.count - 1])
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
        try Self.checkClasses(classes, columns: columns, name: "labels")
        let labelOffset = labels.count
        try Allocation.reserve(&labels, adding: classes.count, what: "the labels")
        labels.append(contentsOf: classes)
        // Cross-entropy keeps its softmax for the backward pass, in the value arena.
        let saved = kind == .softmaxCrossEntropy ? try values.grow(by: rows * columns) : -1
        let node = try append(.loss(kind), a: inputIndex, shape: .scalar, saved: saved, labelOffset: labelOffset)
        forward(records[records.count - 1])
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
        let index = try index(of: node)
        try checkSize(of: out, index)
        out.baseAddress!.update(from: values.base + records[index].offset, count: out.count)
    }

    /// Copies the gradient that the last `backward` computed (zeros for nodes it did not
    /// reach); `.state` before any backward since the node was recorded.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func gradient(of node: Node, into out: UnsafeMutableBufferPointer<T>) throws(GDOptError) {
        let index = try index(of: node)
        guard differentiated else { throw .state("no backward has run since the last node was recorded") }
        try checkSize(of: out, index)
        copyGradient(index, into: out)
    }

    private func checkSize(of out: UnsafeMutableBufferPointer<T>, _ index: Int) throws(GDOptError) {
        let count = records[index].shape.count
        guard out.count == count else { throw .size("out has \(out.count) elements, the node has \(count)") }
    }

    /// The gradient of a record, zeros where the last backward did not reach it.
    private func copyGradient(_ index: Int, into out: UnsafeMutableBufferPointer<T>) {
        if written[index] {
            out.baseAddress!.update(from: gradients.base + records[index].offset, count: out.count)
        } else {
            out.baseAddress!.update(repeating: 0, count: out.count)
        }
    }

    /// The gradient arena at the values' size; its contents are written by the backward pass.
    private func sizeGradients() throws(GDOptError) {
        gradients.removeAll()
        _ = try gradients.grow(by: values.count)
    }

    /// Reverse mode from a scalar (one element) node: fills every reachable gradient.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward(from root: Node) throws(GDOptError) {
        let rootIndex = try scalarIndex(of: root)
        try markReachable(from: rootIndex)
        try propagate(from: rootIndex)
    }

    private func scalarIndex(of root: Node) throws(GDOptError) -> Int {
        let rootIndex = try index(of: root)
        let shape = records[rootIndex].shape
        guard shape.count == 1 else { throw .size("backward needs a scalar, node \(root.id) has shape \(shape)") }
        return rootIndex
    }

    /// Marks in `reachable` the records that `rootIndex` depends on; the others are neither
    /// replayed nor differentiated, so a tape can hold graphs for several batch sizes, and a
    /// stale or non-finite value off the root's path never reaches a gradient (0·inf = NaN).
    private func markReachable(from rootIndex: Int) throws(GDOptError) {
        try clear(&reachable)
        reachable[rootIndex] = true
        for index in stride(from: rootIndex, through: 0, by: -1) where reachable[index] {
            let r = records[index]
            if r.a >= 0 { reachable[r.a] = true }
            if r.b >= 0 { reachable[r.b] = true }
        }
    }

    /// A mark per record, all false; the capacity is kept across calls.
    private func clear(_ marks: inout [Bool]) throws(GDOptError) {
        marks.removeAll(keepingCapacity: true)
        try Allocation.reserve(&marks, adding: records.count, what: "the tape's marks")
        marks.append(contentsOf: repeatElement(false, count: records.count))
    }

    private func propagate(from rootIndex: Int) throws(GDOptError) {
        try sizeGradients()
        try clear(&written)
        gradients[records[rootIndex].offset] = 1
        written[rootIndex] = true
        for index in stride(from: rootIndex, through: 0, by: -1)
        where reachable[index] && records[index].requiresGradient {
            backpropagate(records[index])
        }
        differentiated = true
    }

    // MARK: Replay

    /// New data for one leaf of a recorded graph, and where its gradient goes; see `replay`.
    public struct Feed {
        public var node: Node
        /// The leaf's new value (its recorded element count), or nil to keep the value it has.
        public var data: UnsafePointer<T>?
        /// Receives the leaf's gradient (a variable's only), or nil.
        public var gradient: UnsafeMutablePointer<T>?
        /// The element count of `data` and `gradient`: the leaf's.
        public var count: Int

        public init(node: Node, data: UnsafePointer<T>?, gradient: UnsafeMutablePointer<T>?, count: Int) {
            (self.node, self.data, self.gradient, self.count) = (node, data, gradient, count)
        }
    }

    /// New labels for one loss of a recorded graph: one per row of its scores.
    public struct LabelFeed {
        public var node: Node
        public var labels: UnsafePointer<Int>
        public var count: Int

        public init(node: Node, labels: UnsafePointer<Int>, count: Int) {
            (self.node, self.labels, self.count) = (node, labels, count)
        }
    }

    /// Runs the recorded graph again with new leaf values and labels, in one call: the
    /// forward pass of every op `root` depends on (in record order, so with the same results
    /// as recording it anew), `backward(from: root)`, and each fed variable's gradient
    /// copied into its `gradient`. Returns the root's value. Shapes are the recorded ones; a
    /// tape may hold graphs for several shapes over the same variables (one per batch size).
    ///
    /// Everything is checked before anything is written: on an error the tape and every
    /// buffer are unchanged. No pointer is kept after the call.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func replay(
        from root: Node, feeds: UnsafeBufferPointer<Feed>, labels newLabels: UnsafeBufferPointer<LabelFeed>
    ) throws(GDOptError) -> T {
        let rootIndex = try scalarIndex(of: root)
        try checkFeeds(feeds)
        try checkLabels(newLabels)
        try markReachable(from: rootIndex)
        try sizeGradients()  // with the marks above, the allocations that can fail, done before any write
        try Allocation.reserve(&written, adding: records.count, what: "the tape's marks")
        for feed in feeds {
            guard let data = feed.data else { continue }
            (values.base + records[checkedIndex(feed.node)].offset).update(from: data, count: feed.count)
        }
        for feed in newLabels {
            let offset = records[checkedIndex(feed.node)].labelOffset
            for k in 0..<feed.count { labels[offset + k] = feed.labels[k] }
        }
        for index in 0...rootIndex where reachable[index] { forward(records[index]) }
        try propagate(from: rootIndex)
        for feed in feeds {
            guard let out = feed.gradient else { continue }
            copyGradient(checkedIndex(feed.node), into: UnsafeMutableBufferPointer(start: out, count: feed.count))
        }
        return values[records[rootIndex].offset]
    }

    /// Each feed names a leaf of this tape once, with its element count; gradients only for variables.
    private func checkFeeds(_ feeds: UnsafeBufferPointer<Feed>) throws(GDOptError) {
        try clear(&given)
        for (i, feed) in feeds.enumerated() {
            let index = try index(of: feed.node)
            let r = records[index]
            switch r.kind {
            case .variable: break
            case .constant:
                guard feed.gradient == nil else {
                    throw .invalid("feeds[\(i)].gradient: node \(feed.node.id) is a constant, it has no gradient")
                }
            default: throw .invalid("feeds[\(i)].node: node \(feed.node.id) is not a leaf (variable or constant)")
            }
            guard !given[index] else { throw .invalid("feeds[\(i)].node: node \(feed.node.id) is fed twice") }
            given[index] = true
            guard feed.count == r.shape.count else {
                throw .size("feeds[\(i)].count=\(feed.count), but node \(feed.node.id) has \(r.shape.count) elements")
            }
        }
    }

    /// A loss's labels, each a class in 0..<columns; `name` is formatted only for the error.
    private static func checkClasses(
        _ classes: UnsafeBufferPointer<Int>, columns: Int, name: @autoclosure () -> String
    ) throws(GDOptError) {
        for (k, label) in classes.enumerated() where !(0..<columns).contains(label) {
            throw .invalid("\(name())[\(k)]=\(label) is outside 0..<\(columns)")
        }
    }

    /// Each label feed names a loss of this tape once, with one label in 0..<C per row (after `checkFeeds`).
    private func checkLabels(_ newLabels: UnsafeBufferPointer<LabelFeed>) throws(GDOptError) {
        for (i, feed) in newLabels.enumerated() {
            let index = try index(of: feed.node)
            let r = records[index]
            guard case .loss = r.kind else { throw .invalid("labels[\(i)].node: node \(feed.node.id) is not a loss") }
            let scores = records[r.a].shape
            guard feed.count == scores[0] else {
                throw .size("labels[\(i)].count=\(feed.count), but the loss's scores have \(scores[0]) rows")
            }
            try Self.checkClasses(
                UnsafeBufferPointer(start: feed.labels, count: feed.count), columns: scores[1], name: "labels[\(i)]")
            guard !given[index] else { throw .invalid("labels[\(i)].node: node \(feed.node.id) is given labels twice") }
            given[index] = true
        }
    }
}

/// A tape's node ids: `tag << 47 | serial`. The tag (1...65535) is unique among live tapes;
/// the serial counts every node ever recorded under that tag, across clears and across the
/// tapes that held the tag before. So an id names one node for the whole process: a node
/// of another tape, or from before a clear, is refused, and ids never wrap: after 2⁴⁷
/// nodes (years of recording) the tag refuses new nodes instead.
final class NodeIDs {
    static let serialBits: Int64 = 47
    // A pthread mutex, as the handle table and the worker pool use: ThreadSanitizer sees it.
    // Synchronization.Mutex's futex is invisible to it, and `make test-tsan` reported races on
    // the registry that the lock prevents (in one run of several).
    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        return lock
    }()
    nonisolated(unsafe) private static var registry = Registry()
    private static func withRegistry<R>(_ body: (inout Registry) -> R) -> R {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return body(&registry)
    }
    private struct Registry {
        var live = Set<Int64>()
        var used: [Int64: Int64] = [:]  // tag -> the next serial of the tapes that held it
        var cursor: Int64 = 0
    }

    let tag: Int64
    private(set) var nextSerial: Int64

    init() throws(GDOptError) {
        let claimed: (Int64, Int64)? = Self.withRegistry { r in
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
        Self.withRegistry { r in
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
