// Fits a line to noisy points with the tape and Adam, then minimises Rosenbrock with L-BFGS.
import GDOpt

// Points on y = 3x - 2, with a fixed, small wobble as noise.
let xs = (0..<50).map { Double($0) / 25 - 1 }
let ys = xs.enumerated().map { i, x in 3 * x - 2 + 0.01 * Double(i % 7 - 3) }

var parameters: [Double] = [0, 0]  // slope, intercept
let adam = try Optimizer(Adam(learningRate: 0.05))
let tape = try Tape<Double>()
for step in 1...1000 {
    tape.clear()
    let slope = try tape.variable([parameters[0]], shape: .scalar)
    let intercept = try tape.variable([parameters[1]], shape: .scalar)
    let x = try tape.constant(xs, shape: Shape([xs.count]))
    let y = try tape.constant(ys, shape: Shape([ys.count]))
    let loss = try (slope * x + intercept - y).squared().mean()
    try loss.backward()
    try adam.step(slot: 0, parameters: &parameters, gradients: [slope.gradient()[0], intercept.gradient()[0]])
    if step % 250 == 0 { print("step \(step): loss \(try loss.value()[0])") }
}
print("fitted slope \(parameters[0]), intercept \(parameters[1]) (true 3, -2)")

// The Rosenbrock valley with L-BFGS; the objective writes the gradient when asked.
let solver = Solver(.lbfgs)
try solver.set("gtol", 1e-10)
var point: [Double] = [-1.2, 1]
let result = try point.withUnsafeMutableBufferPointer { x throws(GDOptError) in
    try solver.minimize(
        { x, gradient in
            let a = x[1] - x[0] * x[0]
            let b = 1 - x[0]
            if let gradient {
                gradient[0] = -400 * x[0] * a - 2 * b
                gradient[1] = 200 * a
            }
            return 100 * a * a + b * b
        }, x: x)
}
print(
    "lbfgs: f \(result.f) at (\(point[0]), \(point[1])) after \(result.evaluations) evaluations, reason \(result.reason)"
)
