/// Element-wise and reducing ops of one input. Raw values are the C API's GDOPT_* codes.
public enum UnaryOp: Int32, Sendable, CaseIterable {
    case neg = 1, exp, log, tanh, sigmoid, relu, square, sqrt, abs, sum, mean, transpose
}

/// Ops of two inputs: element-wise with numpy broadcasting, and 2-D matrix product.
public enum BinaryOp: Int32, Sendable, CaseIterable {
    case add = 20, sub, mul, div, matmul
}

/// Losses over a batch of score rows (N×C) and N integer labels, averaged over rows.
public enum LossKind: Int32, Sendable, CaseIterable {
    /// mean_i [log Σ_j exp(s_ij) − s_i,y_i], computed with log-sum-exp.
    case softmaxCrossEntropy = 1
    /// The multiclass SVM loss with delta = 1: mean_i Σ_{j≠y_i} max(0, s_ij − s_i,y_i + 1).
    case multiclassHinge = 2
}
