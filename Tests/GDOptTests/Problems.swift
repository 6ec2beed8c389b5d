import Foundation
import GDOpt
import Testing

/// Test problems that check themselves: f(xmin) = fmin, and the gradient passes the check.
struct Problem: CustomTestStringConvertible, Sendable {
    let name: String
    let start: [Double]
    let minimum: [Double]
    let fmin: Double
    let f: @Sendable ([Double]) -> (Double, [Double])
    var testDescription: String { name }

    var objective: Objective {
        { x, gradient in
            let (value, g) = f(Array(x))
            if let gradient { for i in 0..<g.count { gradient[i] = g[i] } }
            return value
        }
    }

    /// Chained Rosenbrock, the standard start (−1.2, 1, −1.2, 1, ...).
    static func rosenbrock(_ n: Int) -> Problem {
        Problem(
            name: "rosenbrock-\(n)", start: (0..<n).map { $0 % 2 == 0 ? -1.2 : 1 },
            minimum: Array(repeating: 1, count: n),
            fmin: 0
        ) { x in
            var f = 0.0
            var g = [Double](repeating: 0, count: x.count)
            for i in 0..<(x.count - 1) {
                let a = x[i + 1] - x[i] * x[i]
                let b = 1 - x[i]
                f += 100 * a * a + b * b
                g[i] += -400 * x[i] * a - 2 * b
                g[i + 1] += 200 * a
            }
            return (f, g)
        }
    }

    /// ½ Σ λᵢ xᵢ² with λ from 1 to 1e4 (condition number 1e4).
    static let quadratic = Problem(
        name: "quadratic-cond-1e4", start: Array(repeating: 1, count: 10),
        minimum: Array(repeating: 0, count: 10), fmin: 0
    ) { x in
        let lambda = (0..<x.count).map { pow(1e4, Double($0) / Double(x.count - 1)) }
        return (zip(lambda, x).reduce(0) { $0 + 0.5 * $1.0 * $1.1 * $1.1 }, zip(lambda, x).map { $0 * $1 })
    }

    /// Beale's function, minimum 0 at (3, 0.5).
    static let beale = Problem(name: "beale", start: [1, 1], minimum: [3, 0.5], fmin: 0) { v in
        let (x, y) = (v[0], v[1])
        let t = [1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y * y * y]
        let f = t.reduce(0) { $0 + $1 * $1 }
        let dx = 2 * t[0] * (y - 1) + 2 * t[1] * (y * y - 1) + 2 * t[2] * (y * y * y - 1)
        let dy = 2 * t[0] * x + 2 * t[1] * 2 * x * y + 2 * t[2] * 3 * x * y * y
        return (f, [dx, dy])
    }

    static let all = [rosenbrock(2), rosenbrock(10), rosenbrock(100), quadratic, beale]
}
