import CGDOpt
import GDOpt

/// gdopt.h's codes for the core's enums: the one place the two meet. The codes are read
/// from the header's enums, so the library and the header cannot disagree.
enum Codes {
    static let dtypes: [(gdopt_dtype, DType)] = [(GDOPT_F32, .float32), (GDOPT_F64, .float64)]
    static let unaryOps: [(gdopt_op, UnaryOp)] = [
        (GDOPT_NEG, .neg), (GDOPT_EXP, .exp), (GDOPT_LOG, .log), (GDOPT_TANH, .tanh), (GDOPT_SIGMOID, .sigmoid),
        (GDOPT_RELU, .relu), (GDOPT_SQUARE, .square), (GDOPT_SQRT, .sqrt), (GDOPT_ABS, .abs), (GDOPT_SUM, .sum),
        (GDOPT_MEAN, .mean), (GDOPT_TRANSPOSE, .transpose),
    ]
    static let binaryOps: [(gdopt_op, BinaryOp)] = [
        (GDOPT_ADD, .add), (GDOPT_SUB, .sub), (GDOPT_MUL, .mul), (GDOPT_DIV, .div), (GDOPT_MATMUL, .matmul),
    ]
    static let losses: [(gdopt_loss, LossKind)] = [
        (GDOPT_SOFTMAX_CROSS_ENTROPY, .softmaxCrossEntropy), (GDOPT_MULTICLASS_HINGE, .multiclassHinge),
    ]
    static let reasons: [(gdopt_reason, StopReason)] = [
        (GDOPT_CONVERGED_GTOL, .gradientTolerance), (GDOPT_CONVERGED_FTOL, .functionTolerance),
        (GDOPT_CONVERGED_XTOL, .stepTolerance), (GDOPT_MAX_ITER, .maxIterations),
        (GDOPT_MAX_EVALS, .maxEvaluations), (GDOPT_STOPPED_BY_CALLBACK, .stoppedByCallback),
        (GDOPT_LINESEARCH_FAILED, .lineSearchFailed),
    ]
    static let tasks: [(gdopt_task_code, SolverTask)] = [
        (GDOPT_TASK_EVALUATE, .evaluate), (GDOPT_TASK_ITERATE, .iterate), (GDOPT_TASK_DONE, .done),
    ]

    /// The core value of a C code, or nil when the table has none.
    static func value<Code: RawRepresentable, Value>(of code: Int32, in table: [(Code, Value)]) -> Value?
    where Code.RawValue: BinaryInteger {
        table.first { Int64($0.0.rawValue) == Int64(code) }?.1
    }

    /// The C code of a core value (every value has one: the tables are complete).
    static func code<Code: RawRepresentable, Value: Equatable>(of value: Value, in table: [(Code, Value)]) -> Int32
    where Code.RawValue: BinaryInteger {
        Int32(table.first { $0.1 == value }!.0.rawValue)
    }
}
