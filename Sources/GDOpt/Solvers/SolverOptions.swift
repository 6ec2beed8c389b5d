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
            throw .invalid("method \"\(name)\" is unknown; expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = method
    }
}

/// Why a run ended. Raw values are the C API's GDOPT_* reason codes.
public enum StopReason: Int32, Sendable {
    case gradientTolerance = 1  // ‖g‖∞ ≤ gtol
    case functionTolerance  // |Δf| ≤ ftol·max(1, |f|)
    case stepTolerance  // ‖Δx‖∞ ≤ xtol·max(1, ‖x‖∞), or a line search found no decrease
    case maxIterations
    case maxEvaluations
    case stoppedByCallback
}

/// The solver options, their defaults (those a scipy.optimize user expects where scipy has
/// one) and their ranges. One table, read by set, get and the checks.
enum SolverOptions {
    static let table: [HyperparameterSpec] = [
        spec("max_iter", 1000, .nonNegative),  // iterations (samples for the random methods)
        spec("max_evals", 0, .nonNegative),  // objective calls; 0 = no limit
        spec("gtol", 1e-5, .nonNegative),  // scipy's default for BFGS and L-BFGS-B
        spec("ftol", 0, .nonNegative),  // off unless set
        spec("xtol", 0, .nonNegative),  // off unless set
        spec("lr", 1e-3, .nonNegative),  // gd, momentum, adam
        spec("momentum", 0.9, .fraction),
        spec("memory", 10, .nonNegative),  // L-BFGS pairs
        spec("c1", 1e-4, .fraction),  // sufficient decrease (Armijo)
        spec("c2", 0.9, .fraction),  // curvature (strong Wolfe)
        spec("seed", 0, .nonNegative),
        spec("step_scale", 0.1, .nonNegative),  // random_local_search proposal radius
        spec("lower", -1, .real),  // the random methods' box, one for every coordinate
        spec("upper", 1, .real),
    ]

    private static func spec(_ name: String, _ value: Double, _ domain: HyperparameterSpec.Domain) -> HyperparameterSpec {
        HyperparameterSpec(name: name, defaultValue: value, domain: domain)
    }

    static func index(of name: String) throws(GDOptError) -> Int {
        guard let index = table.firstIndex(where: { $0.name == name }) else {
            throw .invalid("name \"\(name)\" is not a solver option; options are \(table.map(\.name).joined(separator: ", "))")
        }
        return index
    }
}
