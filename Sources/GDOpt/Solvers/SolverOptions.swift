/// The minimize drivers (`gdopt_solver_create`).
public enum SolverMethod: String, CaseIterable, Sendable {
    case gd
    case gdLineSearch = "gd_linesearch"
    case momentum
    case adam
    case lbfgs
    case newton
    case randomSearch = "random_search"
    case randomLocalSearch = "random_local_search"

    public init(name: String) throws(GDOptError) {
        guard let method = Self(rawValue: name) else {
            let methods = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalid("method \"\(name)\" is unknown; expected one of \(methods)")
        }
        self = method
    }
}

/// Why a run ended. Raw values are the solver checkpoint's codes (the C API's codes are
/// gdopt.h's, mapped in the C layer).
public enum StopReason: Int32, Sendable {
    case gradientTolerance = 1  // ‖g‖∞ ≤ gtol
    case functionTolerance  // |Δf| ≤ ftol·max(1, |f|)
    case stepTolerance  // ‖Δx‖∞ ≤ xtol·max(1, ‖x‖∞)
    case maxIterations
    case maxEvaluations
    case stoppedByCallback
    case lineSearchFailed  // a line search found no decrease: not a convergence
}

/// What ask asks for (§9.2).
public enum SolverTask: Sendable {
    case evaluate  // evaluate f (and the gradient) at the point, then tell
    case iterate  // an iteration ended at the point
    case done  // the point is the best one; the result is ready
}

/// The solver options, their defaults (those a scipy.optimize user expects where scipy has
/// one) and their ranges: one descriptor table, read by set, get, the checks, the
/// checkpoint and the C table. A run reads them once, at begin.
package struct SolverOptions: Configurable, Equatable {
    var maxIterations = 1000  // iterations (samples for the random methods)
    var maxEvaluations = 0  // objective calls; 0 = no limit
    var gtol = 1e-5  // scipy's default for BFGS and L-BFGS-B
    var ftol = 0.0, xtol = 0.0  // off unless set
    var lr = 1e-3  // gd, momentum, adam
    var momentum = 0.9
    var memory = 10  // L-BFGS pairs (0 counts as 1)
    var c1 = 1e-4  // sufficient decrease (Armijo)
    var c2 = 0.9  // curvature (strong Wolfe)
    var seed = 0
    var stepScale = 0.1  // random_local_search proposal radius
    var lower = -1.0, upper = 1.0  // the random methods' box, one for every coordinate
    var finiteDifferences = false  // the objective gives no gradient: difference f

    package init() {}

    package static let hyperparameters: [Hyperparameter<Self>] = [
        .init("max_iter", \.maxIterations), .init("max_evals", \.maxEvaluations), .init("gtol", \.gtol),
        .init("ftol", \.ftol), .init("xtol", \.xtol), .init("lr", \.lr), .init("momentum", \.momentum, .fraction),
        .init("memory", \.memory), .init("c1", \.c1, .fraction), .init("c2", \.c2, .fraction), .init("seed", \.seed),
        .init("step_scale", \.stepScale), .init("lower", \.lower, .real), .init("upper", \.upper, .real),
        .init("finite_differences", \.finiteDifferences),
    ]

    /// The L-BFGS pairs kept.
    var pairCount: Int { Swift.max(1, memory) }

    /// The checks across options that begin makes (each option alone was checked by set).
    func checkCombination() throws(GDOptError) {
        guard lower < upper else { throw .invalid("lower=\(lower) must be below upper=\(upper)") }
        guard c1 < c2 else { throw .invalid("c2=\(c2) must be above c1=\(c1)") }
    }
}
