/// Why a run stops early, inside the solvers (mapped to a StopReason or an error).
enum Interruption: Error {
    case evaluationLimit
    case noProgress  // a line search found no acceptable step
    case failed(GDOptError)
}

/// Calls the objective, counts the calls, enforces max_evals and remembers the best point.
final class Evaluator {
    private let objective: Objective
    private let limit: Int
    private(set) var evaluations = 0
    private(set) var best: [Double]
    private(set) var bestValue = Double.infinity
    private(set) var bestGradient: [Double]?

    init(_ objective: @escaping Objective, start: [Double], limit: Int) {
        self.objective = objective
        self.limit = limit
        best = start
    }

    /// f(x), and its gradient into `gradient` when given. NaN or an error from the
    /// objective ends the run. `candidate` is false for probes (finite-difference points)
    /// that must not become the result.
    func callAsFunction(_ x: [Double], gradient: inout [Double]?, candidate: Bool = true) throws -> Double {
        if limit > 0 && evaluations >= limit { throw Interruption.evaluationLimit }
        evaluations += 1
        var value = Double.nan
        var failure: GDOptError?
        x.withUnsafeBufferPointer { point in
            do throws(GDOptError) {
                if gradient == nil {
                    value = try objective(point, nil)
                } else {
                    value = try gradient!.withUnsafeMutableBufferPointer { (g) throws(GDOptError) in try objective(point, g) }
                }
            } catch { failure = error }
        }
        if let failure { throw Interruption.failed(failure) }
        guard !value.isNaN else { throw Interruption.failed(.callback("the objective returned NaN at evaluation \(evaluations)")) }
        if candidate && value < bestValue {
            (best, bestValue, bestGradient) = (x, value, gradient)
        }
        return value
    }

    func value(_ x: [Double]) throws -> Double {
        var none: [Double]? = nil
        return try self(x, gradient: &none)
    }

    func valueAndGradient(_ x: [Double], candidate: Bool = true) throws -> (Double, [Double]) {
        var g: [Double]? = [Double](repeating: 0, count: x.count)
        let f = try self(x, gradient: &g, candidate: candidate)
        return (f, g ?? [])
    }
}

func maxNorm(_ v: [Double]) -> Double { v.reduce(0) { Swift.max($0, Swift.abs($1)) } }
func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
func axpy(_ x: [Double], _ alpha: Double, _ d: [Double]) -> [Double] { zip(x, d).map { $0 + alpha * $1 } }
