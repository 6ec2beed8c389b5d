import Foundation

/// Textbook implementations of the update equations of API.md §6, one element at a time
/// in float64, written from the contract and not from the library's code. State is a
/// dictionary of named buffers (torch's names), so a test can start them from any value.
struct ReferenceOptimizer {
    let kind: String
    let h: [String: Double]

    func value(_ name: String) -> Double { h[name]! }
    func flag(_ name: String) -> Bool { h[name]! != 0 }

    /// One step of slot state `state` at 1-based step `t`; `g` is the raw gradient.
    func step(_ p: inout [Double], _ gradient: [Double], _ state: inout [String: [Double]], t: Int) {
        var g = gradient
        if let maxNorm = h["max_grad_norm"], maxNorm > 0 {
            let norm = sqrt(g.reduce(0) { $0 + $1 * $1 })
            let coef = maxNorm / (norm + 1e-6)
            if coef < 1 { g = g.map { $0 * coef } }
        }
        if flag("maximize") { g = g.map { -$0 } }
        let n = p.count
        switch kind {
        case "sgd":
            let wd = value("weight_decay"), mu = value("momentum"), damp = value("dampening")
            for i in 0..<n {
                var d = g[i]
                if wd != 0 { d += wd * p[i] }
                if mu != 0 {
                    var b: Double
                    if state["momentum_buffer"] == nil { state["momentum_buffer"] = Array(repeating: 0, count: n) }
                    if t == 1 { b = d } else { b = mu * state["momentum_buffer"]![i] + (1 - damp) * d }
                    state["momentum_buffer"]![i] = b
                    d = flag("nesterov") ? d + mu * b : b
                }
                p[i] -= value("lr") * d
            }
        case "adagrad":
            let clr = value("lr") / (1 + Double(t - 1) * value("lr_decay"))
            if state["sum"] == nil { state["sum"] = Array(repeating: value("initial_accumulator_value"), count: n) }
            for i in 0..<n {
                var d = g[i]
                if value("weight_decay") != 0 { d += value("weight_decay") * p[i] }
                state["sum"]![i] += d * d
                p[i] -= clr * d / (sqrt(state["sum"]![i]) + value("eps"))
            }
        case "rmsprop":
            let alpha = value("alpha"), mu = value("momentum")
            for name in ["square_avg", "grad_avg", "momentum_buffer"] where state[name] == nil {
                state[name] = Array(repeating: 0, count: n)
            }
            for i in 0..<n {
                var d = g[i]
                if value("weight_decay") != 0 { d += value("weight_decay") * p[i] }
                let v = alpha * state["square_avg"]![i] + (1 - alpha) * d * d
                state["square_avg"]![i] = v
                var vt = v
                if flag("centered") {
                    let gbar = alpha * state["grad_avg"]![i] + (1 - alpha) * d
                    state["grad_avg"]![i] = gbar
                    vt = v - gbar * gbar
                }
                let denominator = sqrt(vt) + value("eps")
                if mu > 0 {
                    let b = mu * state["momentum_buffer"]![i] + d / denominator
                    state["momentum_buffer"]![i] = b
                    p[i] -= value("lr") * b
                } else {
                    p[i] -= value("lr") * d / denominator
                }
            }
        case "lion":  // Chen et al. 2023, Algorithm 2 (API.md §11)
            let b1 = value("beta1"), b2 = value("beta2"), lr = value("lr")
            if state["exp_avg"] == nil { state["exp_avg"] = Array(repeating: 0, count: n) }
            for i in 0..<n {
                let m = state["exp_avg"]![i]
                let c = b1 * m + (1 - b1) * g[i]
                let u: Double = c > 0 ? 1 : c < 0 ? -1 : c
                p[i] = p[i] * (1 - lr * value("weight_decay")) - lr * u
                state["exp_avg"]![i] = b2 * m + (1 - b2) * g[i]
            }
        case "adamax":  // torch 2.x's _single_tensor_adamax: lerp_ for exp_avg, addcdiv_ for p (API.md §11)
            let b1 = value("beta1"), b2 = value("beta2"), lr = value("lr"), wd = value("weight_decay")
            for name in ["exp_avg", "exp_inf"] where state[name] == nil { state[name] = Array(repeating: 0, count: n) }
            for i in 0..<n {
                let d = wd != 0 ? g[i] + wd * p[i] : g[i]
                let m = state["exp_avg"]![i] + (1 - b1) * (d - state["exp_avg"]![i])
                let u = max(b2 * state["exp_inf"]![i], abs(d) + value("eps"))
                state["exp_avg"]![i] = m
                state["exp_inf"]![i] = u
                p[i] -= lr / (1 - pow(b1, Double(t))) * (m / u)
            }
        case "adadelta":  // torch.optim.Adadelta (Zeiler 2012), eps inside both roots
            let rho = value("rho"), eps = value("eps"), wd = value("weight_decay")
            for name in ["square_avg", "acc_delta"] where state[name] == nil {
                state[name] = Array(repeating: 0, count: n)
            }
            for i in 0..<n {
                let d = wd != 0 ? g[i] + wd * p[i] : g[i]
                let v = rho * state["square_avg"]![i] + (1 - rho) * d * d
                let delta = sqrt(state["acc_delta"]![i] + eps) / sqrt(v + eps) * d
                state["square_avg"]![i] = v
                state["acc_delta"]![i] = rho * state["acc_delta"]![i] + (1 - rho) * delta * delta
                p[i] -= value("lr") * delta
            }
        case "rprop":  // torch 2.x's _single_tensor_rprop: the step size is clamped on every step
            if state["prev"] == nil { state["prev"] = Array(repeating: 0, count: n) }
            if state["step_size"] == nil { state["step_size"] = Array(repeating: value("lr"), count: n) }
            for i in 0..<n {
                var d = g[i]
                let s = d * state["prev"]![i]
                let factor = s > 0 ? value("eta_plus") : s < 0 ? value("eta_minus") : 1
                let size = min(max(state["step_size"]![i] * factor, value("step_size_min")), value("step_size_max"))
                if s < 0 { d = 0 }
                state["step_size"]![i] = size
                state["prev"]![i] = d
                p[i] -= (d > 0 ? 1 : d < 0 ? -1 : 0) * size
            }
        case "nadam":  // torch 2.x's _single_tensor_nadam: lerp_ for exp_avg, two addcdiv_ for p
            let b1 = value("beta1"), b2 = value("beta2"), lr = value("lr"), wd = value("weight_decay")
            let psi = value("momentum_decay"), decoupled = flag("decoupled_weight_decay"), step = Double(t)
            for name in ["exp_avg", "exp_avg_sq"] where state[name] == nil {
                state[name] = Array(repeating: 0, count: n)
            }
            let mu = b1 * (1 - 0.5 * pow(0.96, step * psi)), muNext = b1 * (1 - 0.5 * pow(0.96, (step + 1) * psi))
            let product = (state["mu_product"]?[0] ?? 1) * mu
            state["mu_product"] = [product]
            for i in 0..<n {
                let d = !decoupled && wd != 0 ? g[i] + wd * p[i] : g[i]
                if decoupled { p[i] *= 1 - lr * wd }
                let m = state["exp_avg"]![i] + (1 - b1) * (d - state["exp_avg"]![i])
                let v = b2 * state["exp_avg_sq"]![i] + (1 - b2) * d * d
                state["exp_avg"]![i] = m
                state["exp_avg_sq"]![i] = v
                let denominator = sqrt(v / (1 - pow(b2, step))) + value("eps")
                p[i] += -lr * (1 - mu) / (1 - product) * d / denominator
                p[i] += -lr * muNext / (1 - product * muNext) * m / denominator
            }
        case "radam":  // torch 2.x's _single_tensor_radam
            let b1 = value("beta1"), b2 = value("beta2"), lr = value("lr"), wd = value("weight_decay")
            let decoupled = flag("decoupled_weight_decay"), step = Double(t)
            for name in ["exp_avg", "exp_avg_sq"] where state[name] == nil {
                state[name] = Array(repeating: 0, count: n)
            }
            let bc1 = 1 - pow(b1, step), bc2 = 1 - pow(b2, step)
            let rhoInf = 2 / (1 - b2) - 1
            let rho = rhoInf - 2 * step * pow(b2, step) / bc2
            for i in 0..<n {
                let d = !decoupled && wd != 0 ? g[i] + wd * p[i] : g[i]
                if decoupled { p[i] *= 1 - lr * wd }
                let m = state["exp_avg"]![i] + (1 - b1) * (d - state["exp_avg"]![i])
                let v = b2 * state["exp_avg_sq"]![i] + (1 - b2) * d * d
                state["exp_avg"]![i] = m
                state["exp_avg_sq"]![i] = v
                if rho > 5 {
                    let r = sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho))
                    p[i] -= m / bc1 * lr * (sqrt(bc2) / (sqrt(v) + value("eps"))) * r
                } else {
                    p[i] -= m / bc1 * lr
                }
            }
        case "asgd":  // torch 2.x's _single_tensor_asgd
            let lr = value("lr"), lambd = value("lambd"), wd = value("weight_decay")
            if state["ax"] == nil { state["ax"] = Array(repeating: 0, count: n) }
            let eta = state["eta"]?[0] ?? lr, mu = state["mu"]?[0] ?? 1
            for i in 0..<n {
                let d = wd != 0 ? g[i] + wd * p[i] : g[i]
                p[i] *= 1 - lambd * eta
                p[i] -= eta * d
                state["ax"]![i] = mu != 1 ? state["ax"]![i] + (p[i] - state["ax"]![i]) * mu : p[i]
            }
            state["eta"] = [lr / pow(1 + lambd * lr * Double(t), value("alpha"))]
            state["mu"] = [1 / max(1, Double(t) - value("t0"))]
        case "adafactor":  // torch 2.x's _single_tensor_adafactor; h["rows"], h["cols"] give a factored shape
            let step = Double(t), lr = value("lr"), w = pow(step, value("beta2_decay"))
            let eps1 = value("eps1") == 0 ? Double.ulpOfOne : value("eps1")
            func lerp(_ a: Double, _ b: Double) -> Double { w < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w) }
            let rms = sqrt(p.reduce(0) { $0 + $1 * $1 }) / sqrt(Double(n))
            let alpha = max(value("eps2"), rms) * min(lr, 1 / sqrt(step))
            if value("weight_decay") != 0 { p = p.map { $0 * (1 - lr * value("weight_decay")) } }
            var estimate = [Double](repeating: 0, count: n)
            if let rows = h["rows"].map(Int.init), let cols = h["cols"].map(Int.init) {
                if state["row_var"] == nil { state["row_var"] = Array(repeating: 0, count: rows) }
                if state["col_var"] == nil { state["col_var"] = Array(repeating: 0, count: cols) }
                for i in 0..<rows {
                    let mean = (0..<cols).reduce(0.0) { $0 + g[i * cols + $1] * g[i * cols + $1] } / Double(cols)
                    state["row_var"]![i] = lerp(state["row_var"]![i], mean)
                }
                for j in 0..<cols {
                    let mean = (0..<rows).reduce(0.0) { $0 + g[$1 * cols + j] * g[$1 * cols + j] } / Double(rows)
                    state["col_var"]![j] = lerp(state["col_var"]![j], mean)
                }
                let rowMean = max(state["row_var"]!.reduce(0, +) / Double(rows), eps1)
                for i in 0..<rows {
                    for j in 0..<cols { estimate[i * cols + j] = state["row_var"]![i] * state["col_var"]![j] / rowMean }
                }
            } else {
                if state["variance"] == nil { state["variance"] = Array(repeating: 0, count: n) }
                for i in 0..<n { state["variance"]![i] = lerp(state["variance"]![i], g[i] * g[i]) }
                estimate = state["variance"]!
            }
            let u = (0..<n).map { 1 / sqrt(max(estimate[$0], eps1 * eps1)) * g[$0] }
            let denominator = max(1, sqrt(u.reduce(0) { $0 + $1 * $1 }) / (sqrt(Double(n)) * value("d")))
            for i in 0..<n { p[i] += -alpha / denominator * u[i] }
        default:  // adam, adamw
            let b1 = value("beta1"), b2 = value("beta2"), lr = value("lr"), wd = value("weight_decay")
            for name in ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] where state[name] == nil {
                state[name] = Array(repeating: 0, count: n)
            }
            let bc1 = 1 - pow(b1, Double(t)), bc2 = 1 - pow(b2, Double(t))
            for i in 0..<n {
                var d = g[i]
                if kind == "adamw" { p[i] *= 1 - lr * wd } else if wd != 0 { d += wd * p[i] }
                let m = b1 * state["exp_avg"]![i] + (1 - b1) * d
                let v = b2 * state["exp_avg_sq"]![i] + (1 - b2) * d * d
                state["exp_avg"]![i] = m
                state["exp_avg_sq"]![i] = v
                var vhat = v
                if flag("amsgrad") {
                    vhat = max(state["max_exp_avg_sq"]![i], v)
                    state["max_exp_avg_sq"]![i] = vhat
                }
                p[i] -= (lr / bc1) * m / (sqrt(vhat) / sqrt(bc2) + value("eps"))
            }
        }
    }
}

/// A small deterministic generator for test data, independent of the library's.
struct TestRandom {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53) * 2 - 1
    }
    mutating func array(_ n: Int, scale: Double = 1) -> [Double] { (0..<n).map { _ in next() * scale } }
}
