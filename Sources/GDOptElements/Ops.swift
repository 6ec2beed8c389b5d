/// Element-wise and reducing ops of one input.
public enum UnaryOp: Sendable, CaseIterable {
    case neg, exp, log, tanh, sigmoid, relu, square, sqrt, abs, sum, mean, transpose
}

/// Ops of two inputs: element-wise with numpy broadcasting, and 2-D matrix product.
public enum BinaryOp: Sendable, CaseIterable {
    case add, sub, mul, div, matmul
}

/// Losses over a batch of score rows (N×C) and N integer labels, averaged over rows.
public enum LossKind: Sendable, CaseIterable {
    /// mean_i [log Σ_j exp(s_ij) − s_i,y_i], computed with log-sum-exp.
    case softmaxCrossEntropy
    /// The multiclass SVM loss with delta = 1: mean_i Σ_{j≠y_i} max(0, s_ij − s_i,y_i + 1).
    case multiclassHinge
}
