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
/// one) and their ranges. One table, read by set, get and the checks.
package enum SolverOptions {
    package static let table: [HyperparameterSpec] = [
        spec("max_iter", 1000, .wholeNumber),  // iterations (samples for the random methods)
        spec("max_evals", 0, .wholeNumber),  // objective calls; 0 = no limit
        spec("gtol", 1e-5, .nonNegative),  // scipy's default for BFGS and L-BFGS-B
        spec("ftol", 0, .nonNegative),  // off unless set
        spec("xtol", 0, .nonNegative),  // off unless set
        spec("lr", 1e-3, .nonNegative),  // gd, momentum, adam
        spec("momentum", 0.9, .fraction),
        spec("memory", 10, .wholeNumber),  // L-BFGS pairs (0 counts as 1)
        spec("c1", 1e-4, .fraction),  // sufficient decrease (Armijo)
        spec("c2", 0.9, .fraction),  // curvature (strong Wolfe)
        spec("seed", 0, .wholeNumber),
        spec("step_scale", 0.1, .nonNegative),  // random_local_search proposal radius
        spec("lower", -1, .real),  // the random methods' box, one for every coordinate
        spec("upper", 1, .real),
        spec("finite_differences", 0, .boolean),  // the objective gives no gradient: difference f
    ]

    /// The options of one run, read once at begin.
    struct Values {
        let maxIterations, maxEvaluations, memory, seed: Int
        let gtol, ftol, xtol, lr, momentum, c1, c2, stepScale, lower, upper: Double
        let finiteDifferences: Bool

        init(_ v: [Double]) {
            func value(_ name: String) -> Double { v[table.firstIndex { $0.name == name }!] }
            (maxIterations, maxEvaluations) = (Int(value("max_iter")), Int(value("max_evals")))
            (memory, seed) = (Swift.max(1, Int(value("memory"))), Int(value("seed")))
            (gtol, ftol, xtol, lr, momentum) = (
                value("gtol"), value("ftol"), value("xtol"), value("lr"), value("momentum")
            )
            (c1, c2, stepScale) = (value("c1"), value("c2"), value("step_scale"))
            (lower, upper, finiteDifferences) = (value("lower"), value("upper"), value("finite_differences") != 0)
        }

        /// The checks across options that begin makes (each option alone was checked by set).
        func checkCombination() throws(GDOptError) {
            guard lower < upper else { throw .invalid("lower=\(lower) must be below upper=\(upper)") }
            guard c1 < c2 else { throw .invalid("c2=\(c2) must be above c1=\(c1)") }
        }
    }

    private static func spec(_ name: String, _ value: Double, _ domain: HyperparameterSpec.Domain) -> HyperparameterSpec
    {
        HyperparameterSpec(name: name, defaultValue: value, domain: domain)
    }

    static func index(of name: String) throws(GDOptError) -> Int {
        guard let index = table.firstIndex(where: { $0.name == name }) else {
            throw .invalid(
                "name \"\(name)\" is not a solver option; options are \(table.map(\.name).joined(separator: ", "))")
        }
        return index
    }
}
