/// Swift operators over tape nodes:
///
///     let tape = try Tape<Double>()
///     let w = try tape.variable(weights, shape: Shape([64, 10]))
///     let x = try tape.constant(batch, shape: Shape([32, 64]))
///     let loss = try tape.loss(.softmaxCrossEntropy, scores: try (x ⊗ w + b).tanh(), labels: labels)
///
/// The operators throw (shape errors), so each expression is marked with `try`.
public struct Tensor<T: GDOptFloat> {
    public let tape: Tape<T>
    public let node: Tape<T>.Node

    public var shape: Shape { get throws(GDOptError) { try tape.shape(of: node) } }

    public static func + (a: Self, b: Self) throws(GDOptError) -> Self { try a.binary(.add, b) }
    public static func - (a: Self, b: Self) throws(GDOptError) -> Self { try a.binary(.sub, b) }
    public static func * (a: Self, b: Self) throws(GDOptError) -> Self { try a.binary(.mul, b) }
    public static func / (a: Self, b: Self) throws(GDOptError) -> Self { try a.binary(.div, b) }
    /// The matrix product (`@` in numpy); `a.matmul(b)` is its ASCII spelling.
    public static func ⊗ (a: Self, b: Self) throws(GDOptError) -> Self { try a.matmul(b) }
    public func matmul(_ other: Self) throws(GDOptError) -> Self { try binary(.matmul, other) }
    public static prefix func - (a: Self) throws(GDOptError) -> Self { try a.unary(.neg) }

    public func exp() throws(GDOptError) -> Self { try unary(.exp) }
    public func log() throws(GDOptError) -> Self { try unary(.log) }
    public func tanh() throws(GDOptError) -> Self { try unary(.tanh) }
    public func sigmoid() throws(GDOptError) -> Self { try unary(.sigmoid) }
    public func relu() throws(GDOptError) -> Self { try unary(.relu) }
    public func squared() throws(GDOptError) -> Self { try unary(.square) }
    public func squareRoot() throws(GDOptError) -> Self { try unary(.sqrt) }
    public func magnitude() throws(GDOptError) -> Self { try unary(.abs) }
    public func sum() throws(GDOptError) -> Self { try unary(.sum) }
    public func mean() throws(GDOptError) -> Self { try unary(.mean) }
    public func transposed() throws(GDOptError) -> Self { try unary(.transpose) }

    public func backward() throws(GDOptError) { try tape.backward(from: node) }

    /// The value (or the gradient from the last backward) as an array in row-major order.
    public func value() throws(GDOptError) -> [T] { try read(gradient: false) }
    public func gradient() throws(GDOptError) -> [T] { try read(gradient: true) }

    private func unary(_ op: UnaryOp) throws(GDOptError) -> Self { Self(tape: tape, node: try tape.unary(op, node)) }
    private func binary(_ op: BinaryOp, _ other: Self) throws(GDOptError) -> Self {
        Self(tape: tape, node: try tape.binary(op, node, other.node))
    }

    private func read(gradient: Bool) throws(GDOptError) -> [T] {
        var out = try Allocation.array(repeating: T.zero, count: try shape.count, what: "the node's values")
        var failure: GDOptError?
        out.withUnsafeMutableBufferPointer { buffer in
            do throws(GDOptError) {
                if gradient {
                    try tape.gradient(of: node, into: buffer)
                } else {
                    try tape.value(of: node, into: buffer)
                }
            } catch { failure = error }
        }
        if let failure { throw failure }
        return out
    }
}

infix operator ⊗ : MultiplicationPrecedence

extension Tape {
    /// A variable leaf from a Swift array.
    public func variable(_ data: [T], shape: Shape) throws(GDOptError) -> Tensor<T> {
        Tensor(tape: self, node: try leaf(data, shape, variable: true))
    }

    /// A constant leaf from a Swift array.
    public func constant(_ data: [T], shape: Shape) throws(GDOptError) -> Tensor<T> {
        Tensor(tape: self, node: try leaf(data, shape, variable: false))
    }

    private func leaf(_ data: [T], _ shape: Shape, variable: Bool) throws(GDOptError) -> Node {
        var result: Result<Node, GDOptError> = .failure(.size("no data"))
        data.withUnsafeBufferPointer { buffer in
            result = Result { () throws(GDOptError) in
                variable ? try self.variable(buffer, shape: shape) : try self.constant(buffer, shape: shape)
            }
        }
        return try result.get()
    }

    /// A loss of a tensor of scores (N×C) and N labels.
    public func loss(_ kind: LossKind, scores: Tensor<T>, labels: [Int]) throws(GDOptError) -> Tensor<T> {
        var result: Result<Node, GDOptError> = .failure(.size("no labels"))
        labels.withUnsafeBufferPointer { buffer in
            result = Result { () throws(GDOptError) in try self.loss(kind, scores: scores.node, labels: buffer) }
        }
        return Tensor(tape: self, node: try result.get())
    }
}
