import CGDOpt
import GDOpt

// The stateless kernels: check the pointers and sizes here, then run the same core
// kernels the optimizer objects use.

private func sgd<T: GDOptFloat>(
    _ p: UnsafeMutablePointer<T>?, _ g: UnsafePointer<T>?, _ b: UnsafeMutablePointer<T>?, _ n: Int, _ t: UInt64,
    _ lr: Double, _ momentum: Double, _ dampening: Double, _ weightDecay: Double, _ nesterov: Int32, _ maximize: Int32
) throws {
    let p = try required(p, "p")
    let g = try required(g, "g")
    let n = try elementCount(n, of: T.self)
    guard t >= 1 else { throw GDOptError.invalid("t=0 must be >= 1 (t is the 1-based step count)") }
    guard momentum == 0 || b != nil else {
        throw BoundaryError(status: GDOPT_ERR_NULL, message: "momentum_buf is NULL, but momentum=\(momentum) needs it")
    }
    let c = SGD(
        learningRate: lr,
        momentum: try .init(momentum: momentum, dampening: dampening, nesterov: try flag(nesterov, "nesterov")),
        weightDecay: weightDecay, maximize: try flag(maximize, "maximize"))
    try SGD.update(parameters: p, gradients: g, momentumBuffer: b, count: n, firstStep: t == 1, configuration: c)
}

@c @implementation
public func gdopt_sgd_update_f32(
    _ p: UnsafeMutablePointer<Float>?, _ g: UnsafePointer<Float>?, _ momentum_buf: UnsafeMutablePointer<Float>?,
    _ n: Int, _ t: UInt64, _ lr: Double, _ momentum: Double, _ dampening: Double, _ weight_decay: Double,
    _ nesterov: Int32, _ maximize: Int32
) -> gdopt_status {
    withStatus { try sgd(p, g, momentum_buf, n, t, lr, momentum, dampening, weight_decay, nesterov, maximize) }
}

@c @implementation
public func gdopt_sgd_update_f64(
    _ p: UnsafeMutablePointer<Double>?, _ g: UnsafePointer<Double>?, _ momentum_buf: UnsafeMutablePointer<Double>?,
    _ n: Int, _ t: UInt64, _ lr: Double, _ momentum: Double, _ dampening: Double, _ weight_decay: Double,
    _ nesterov: Int32, _ maximize: Int32
) -> gdopt_status {
    withStatus { try sgd(p, g, momentum_buf, n, t, lr, momentum, dampening, weight_decay, nesterov, maximize) }
}

private func adagrad<T: GDOptFloat>(
    _ p: UnsafeMutablePointer<T>?, _ g: UnsafePointer<T>?, _ sum: UnsafeMutablePointer<T>?, _ n: Int, _ t: UInt64,
    _ lr: Double, _ lrDecay: Double, _ weightDecay: Double, _ eps: Double, _ maximize: Int32
) throws {
    let p = try required(p, "p")
    let g = try required(g, "g")
    let sum = try required(sum, "sum")
    let n = try elementCount(n, of: T.self)
    let c = Adagrad(
        learningRate: lr, learningRateDecay: lrDecay, weightDecay: weightDecay, epsilon: eps,
        maximize: try flag(maximize, "maximize"))
    try Adagrad.update(parameters: p, gradients: g, sum: sum, count: n, step: t, configuration: c)
}

@c @implementation
public func gdopt_adagrad_update_f32(
    _ p: UnsafeMutablePointer<Float>?, _ g: UnsafePointer<Float>?, _ sum: UnsafeMutablePointer<Float>?, _ n: Int,
    _ t: UInt64, _ lr: Double, _ lr_decay: Double, _ weight_decay: Double, _ eps: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus { try adagrad(p, g, sum, n, t, lr, lr_decay, weight_decay, eps, maximize) }
}

@c @implementation
public func gdopt_adagrad_update_f64(
    _ p: UnsafeMutablePointer<Double>?, _ g: UnsafePointer<Double>?, _ sum: UnsafeMutablePointer<Double>?, _ n: Int,
    _ t: UInt64, _ lr: Double, _ lr_decay: Double, _ weight_decay: Double, _ eps: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus { try adagrad(p, g, sum, n, t, lr, lr_decay, weight_decay, eps, maximize) }
}

private func rmsprop<T: GDOptFloat>(
    _ p: UnsafeMutablePointer<T>?, _ g: UnsafePointer<T>?, _ squareAvg: UnsafeMutablePointer<T>?,
    _ gradAvg: UnsafeMutablePointer<T>?, _ b: UnsafeMutablePointer<T>?, _ n: Int, _ lr: Double, _ alpha: Double,
    _ eps: Double, _ weightDecay: Double, _ momentum: Double, _ centered: Int32, _ maximize: Int32
) throws {
    let p = try required(p, "p")
    let g = try required(g, "g")
    let v = try required(squareAvg, "square_avg")
    let n = try elementCount(n, of: T.self)
    let c = RMSprop(
        learningRate: lr, alpha: alpha, epsilon: eps, weightDecay: weightDecay, momentum: momentum,
        centered: try flag(centered, "centered"), maximize: try flag(maximize, "maximize"))
    guard !c.centered || gradAvg != nil else {
        throw BoundaryError(status: GDOPT_ERR_NULL, message: "grad_avg is NULL, but centered=1 needs it")
    }
    guard momentum == 0 || b != nil else {
        throw BoundaryError(status: GDOPT_ERR_NULL, message: "momentum_buf is NULL, but momentum=\(momentum) needs it")
    }
    try RMSprop.update(
        parameters: p, gradients: g, squareAverage: v, gradAverage: gradAvg, momentumBuffer: b,
        count: n, configuration: c)
}

@c @implementation
public func gdopt_rmsprop_update_f32(
    _ p: UnsafeMutablePointer<Float>?, _ g: UnsafePointer<Float>?, _ square_avg: UnsafeMutablePointer<Float>?,
    _ grad_avg: UnsafeMutablePointer<Float>?, _ momentum_buf: UnsafeMutablePointer<Float>?, _ n: Int, _ lr: Double,
    _ alpha: Double, _ eps: Double, _ weight_decay: Double, _ momentum: Double, _ centered: Int32, _ maximize: Int32
) -> gdopt_status {
    withStatus {
        try rmsprop(
            p, g, square_avg, grad_avg, momentum_buf, n, lr, alpha, eps, weight_decay, momentum, centered, maximize)
    }
}

@c @implementation
public func gdopt_rmsprop_update_f64(
    _ p: UnsafeMutablePointer<Double>?, _ g: UnsafePointer<Double>?, _ square_avg: UnsafeMutablePointer<Double>?,
    _ grad_avg: UnsafeMutablePointer<Double>?, _ momentum_buf: UnsafeMutablePointer<Double>?, _ n: Int, _ lr: Double,
    _ alpha: Double, _ eps: Double, _ weight_decay: Double, _ momentum: Double, _ centered: Int32, _ maximize: Int32
) -> gdopt_status {
    withStatus {
        try rmsprop(
            p, g, square_avg, grad_avg, momentum_buf, n, lr, alpha, eps, weight_decay, momentum, centered, maximize)
    }
}

/// Adam's configuration from a kernel's arguments (GDOPT_ADAM_* flags).
private func adamConfiguration(
    _ lr: Double, _ beta1: Double, _ beta2: Double, _ eps: Double, _ weightDecay: Double, _ flags: Int32
) throws -> Adam {
    let known = GDOPT_ADAM_DECOUPLED | GDOPT_ADAM_AMSGRAD | GDOPT_ADAM_MAXIMIZE
    guard flags & ~known == 0 else { throw GDOptError.invalid("flags=\(flags) has bits other than GDOPT_ADAM_*") }
    return Adam(
        learningRate: lr, beta1: beta1, beta2: beta2, epsilon: eps,
        weightDecay: flags & GDOPT_ADAM_DECOUPLED != 0 ? .decoupled(weightDecay) : .l2(weightDecay),
        amsgrad: flags & GDOPT_ADAM_AMSGRAD != 0, maximize: flags & GDOPT_ADAM_MAXIMIZE != 0)
}

private func adam<T: GDOptFloat>(
    _ p: UnsafeMutablePointer<T>?, _ g: UnsafePointer<T>?, _ m: UnsafeMutablePointer<T>?, _ v: UnsafeMutablePointer<T>?,
    _ vmax: UnsafeMutablePointer<T>?, _ n: Int, _ t: UInt64, _ lr: Double, _ beta1: Double, _ beta2: Double,
    _ eps: Double, _ weightDecay: Double, _ flags: Int32
) throws {
    let p = try required(p, "p")
    let g = try required(g, "g")
    let m = try required(m, "m")
    let v = try required(v, "v")
    let n = try elementCount(n, of: T.self)
    let c = try adamConfiguration(lr, beta1, beta2, eps, weightDecay, flags)
    guard !c.amsgrad || vmax != nil else {
        throw BoundaryError(status: GDOPT_ERR_NULL, message: "vmax is NULL, but amsgrad needs it")
    }
    try Adam.update(
        parameters: p, gradients: g, firstMoment: m, secondMoment: v, maxSecondMoment: vmax,
        count: n, step: t, configuration: c)
}

@c @implementation
public func gdopt_adam_update_f32(
    _ p: UnsafeMutablePointer<Float>?, _ g: UnsafePointer<Float>?, _ m: UnsafeMutablePointer<Float>?,
    _ v: UnsafeMutablePointer<Float>?, _ vmax: UnsafeMutablePointer<Float>?, _ n: Int, _ t: UInt64, _ lr: Double,
    _ beta1: Double, _ beta2: Double, _ eps: Double, _ weight_decay: Double, _ flags: Int32
) -> gdopt_status {
    withStatus { try adam(p, g, m, v, vmax, n, t, lr, beta1, beta2, eps, weight_decay, flags) }
}

@c @implementation
public func gdopt_adam_update_f64(
    _ p: UnsafeMutablePointer<Double>?, _ g: UnsafePointer<Double>?, _ m: UnsafeMutablePointer<Double>?,
    _ v: UnsafeMutablePointer<Double>?, _ vmax: UnsafeMutablePointer<Double>?, _ n: Int, _ t: UInt64, _ lr: Double,
    _ beta1: Double, _ beta2: Double, _ eps: Double, _ weight_decay: Double, _ flags: Int32
) -> gdopt_status {
    withStatus { try adam(p, g, m, v, vmax, n, t, lr, beta1, beta2, eps, weight_decay, flags) }
}

private func adamCompact<T: GDOptFloat>(
    _ p: UnsafeMutablePointer<T>?, _ g: UnsafePointer<T>?, _ m: UnsafeMutableRawPointer?, _ v: UnsafeMutableRawPointer?,
    _ vmax: UnsafeMutableRawPointer?, _ format: Int32, _ n: Int, _ t: UInt64, _ lr: Double, _ beta1: Double,
    _ beta2: Double, _ eps: Double, _ weightDecay: Double, _ flags: Int32
) throws {
    let p = try required(p, "p")
    let g = try required(g, "g")
    let m = try required(m, "m")
    let v = try required(v, "v")
    let n = try elementCount(n, of: T.self)
    guard let format = StateFormat(rawValue: UInt32(bitPattern: format)), format != .native else {
        throw GDOptError.invalid("format=\(format) must be GDOPT_STATE_BFLOAT16 (1) or GDOPT_STATE_INT8 (2)")
    }
    let c = try adamConfiguration(lr, beta1, beta2, eps, weightDecay, flags)
    guard !c.amsgrad || vmax != nil else {
        throw BoundaryError(status: GDOPT_ERR_NULL, message: "vmax is NULL, but amsgrad needs it")
    }
    try Adam.updateCompact(
        parameters: p, gradients: g, firstMoment: m, secondMoment: v, maxSecondMoment: vmax, format: format,
        count: n, step: t, configuration: c)
}

@c @implementation
public func gdopt_adam_update_compact_f32(
    _ p: UnsafeMutablePointer<Float>?, _ g: UnsafePointer<Float>?, _ m: UnsafeMutableRawPointer?,
    _ v: UnsafeMutableRawPointer?, _ vmax: UnsafeMutableRawPointer?, _ format: Int32, _ n: Int, _ t: UInt64,
    _ lr: Double, _ beta1: Double, _ beta2: Double, _ eps: Double, _ weight_decay: Double, _ flags: Int32
) -> gdopt_status {
    withStatus { try adamCompact(p, g, m, v, vmax, format, n, t, lr, beta1, beta2, eps, weight_decay, flags) }
}

@c @implementation
public func gdopt_adam_update_compact_f64(
    _ p: UnsafeMutablePointer<Double>?, _ g: UnsafePointer<Double>?, _ m: UnsafeMutableRawPointer?,
    _ v: UnsafeMutableRawPointer?, _ vmax: UnsafeMutableRawPointer?, _ format: Int32, _ n: Int, _ t: UInt64,
    _ lr: Double, _ beta1: Double, _ beta2: Double, _ eps: Double, _ weight_decay: Double, _ flags: Int32
) -> gdopt_status {
    withStatus { try adamCompact(p, g, m, v, vmax, format, n, t, lr, beta1, beta2, eps, weight_decay, flags) }
}

@c @implementation
public func gdopt_state_bytes(_ format: Int32, _ n: Int) -> Int {
    guard let format = StateFormat(rawValue: UInt32(bitPattern: format)), format != .native, n > 0,
        n <= Int.max / 4
    else { return 0 }
    return format.byteCount(n, dtype: .float32)
}

private func lion<T: GDOptFloat>(
    _ p: UnsafeMutablePointer<T>?, _ g: UnsafePointer<T>?, _ expAvg: UnsafeMutablePointer<T>?, _ n: Int,
    _ lr: Double, _ beta1: Double, _ beta2: Double, _ weightDecay: Double, _ maximize: Int32
) throws {
    let p = try required(p, "p")
    let g = try required(g, "g")
    let expAvg = try required(expAvg, "exp_avg")
    let n = try elementCount(n, of: T.self)
    let c = Lion(
        learningRate: lr, beta1: beta1, beta2: beta2, weightDecay: weightDecay, maximize: try flag(maximize, "maximize")
    )
    try Lion.update(parameters: p, gradients: g, momentum: expAvg, count: n, configuration: c)
}

@c @implementation
public func gdopt_lion_update_f32(
    _ p: UnsafeMutablePointer<Float>?, _ g: UnsafePointer<Float>?, _ exp_avg: UnsafeMutablePointer<Float>?, _ n: Int,
    _ lr: Double, _ beta1: Double, _ beta2: Double, _ weight_decay: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus { try lion(p, g, exp_avg, n, lr, beta1, beta2, weight_decay, maximize) }
}

@c @implementation
public func gdopt_lion_update_f64(
    _ p: UnsafeMutablePointer<Double>?, _ g: UnsafePointer<Double>?, _ exp_avg: UnsafeMutablePointer<Double>?, _ n: Int,
    _ lr: Double, _ beta1: Double, _ beta2: Double, _ weight_decay: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus { try lion(p, g, exp_avg, n, lr, beta1, beta2, weight_decay, maximize) }
}

private func adamax<T: GDOptFloat>(
    _ p: UnsafeMutablePointer<T>?, _ g: UnsafePointer<T>?, _ expAvg: UnsafeMutablePointer<T>?,
    _ expInf: UnsafeMutablePointer<T>?, _ n: Int, _ t: UInt64, _ lr: Double, _ beta1: Double, _ beta2: Double,
    _ eps: Double, _ weightDecay: Double, _ maximize: Int32
) throws {
    let p = try required(p, "p")
    let g = try required(g, "g")
    let expAvg = try required(expAvg, "exp_avg")
    let expInf = try required(expInf, "exp_inf")
    let n = try elementCount(n, of: T.self)
    let c = Adamax(
        learningRate: lr, beta1: beta1, beta2: beta2, epsilon: eps, weightDecay: weightDecay,
        maximize: try flag(maximize, "maximize"))
    try Adamax.update(
        parameters: p, gradients: g, firstMoment: expAvg, infinityNorm: expInf, count: n, step: t, configuration: c)
}

@c @implementation
public func gdopt_adamax_update_f32(
    _ p: UnsafeMutablePointer<Float>?, _ g: UnsafePointer<Float>?, _ exp_avg: UnsafeMutablePointer<Float>?,
    _ exp_inf: UnsafeMutablePointer<Float>?, _ n: Int, _ t: UInt64, _ lr: Double, _ beta1: Double, _ beta2: Double,
    _ eps: Double, _ weight_decay: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus { try adamax(p, g, exp_avg, exp_inf, n, t, lr, beta1, beta2, eps, weight_decay, maximize) }
}

@c @implementation
public func gdopt_adamax_update_f64(
    _ p: UnsafeMutablePointer<Double>?, _ g: UnsafePointer<Double>?, _ exp_avg: UnsafeMutablePointer<Double>?,
    _ exp_inf: UnsafeMutablePointer<Double>?, _ n: Int, _ t: UInt64, _ lr: Double, _ beta1: Double, _ beta2: Double,
    _ eps: Double, _ weight_decay: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus { try adamax(p, g, exp_avg, exp_inf, n, t, lr, beta1, beta2, eps, weight_decay, maximize) }
}

private func adadelta<T: GDOptFloat>(
    _ p: UnsafeMutablePointer<T>?, _ g: UnsafePointer<T>?, _ squareAvg: UnsafeMutablePointer<T>?,
    _ accDelta: UnsafeMutablePointer<T>?, _ n: Int, _ lr: Double, _ rho: Double, _ eps: Double,
    _ weightDecay: Double, _ maximize: Int32
) throws {
    let p = try required(p, "p")
    let g = try required(g, "g")
    let squareAvg = try required(squareAvg, "square_avg")
    let accDelta = try required(accDelta, "acc_delta")
    let n = try elementCount(n, of: T.self)
    let c = Adadelta(
        learningRate: lr, rho: rho, epsilon: eps, weightDecay: weightDecay, maximize: try flag(maximize, "maximize"))
    try Adadelta.update(
        parameters: p, gradients: g, squareAverage: squareAvg, deltaAverage: accDelta, count: n, configuration: c)
}

@c @implementation
public func gdopt_adadelta_update_f32(
    _ p: UnsafeMutablePointer<Float>?, _ g: UnsafePointer<Float>?, _ square_avg: UnsafeMutablePointer<Float>?,
    _ acc_delta: UnsafeMutablePointer<Float>?, _ n: Int, _ lr: Double, _ rho: Double, _ eps: Double,
    _ weight_decay: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus { try adadelta(p, g, square_avg, acc_delta, n, lr, rho, eps, weight_decay, maximize) }
}

@c @implementation
public func gdopt_adadelta_update_f64(
    _ p: UnsafeMutablePointer<Double>?, _ g: UnsafePointer<Double>?, _ square_avg: UnsafeMutablePointer<Double>?,
    _ acc_delta: UnsafeMutablePointer<Double>?, _ n: Int, _ lr: Double, _ rho: Double, _ eps: Double,
    _ weight_decay: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus { try adadelta(p, g, square_avg, acc_delta, n, lr, rho, eps, weight_decay, maximize) }
}

private func rprop<T: GDOptFloat>(
    _ p: UnsafeMutablePointer<T>?, _ g: UnsafePointer<T>?, _ prev: UnsafeMutablePointer<T>?,
    _ stepSize: UnsafeMutablePointer<T>?, _ n: Int, _ etaMinus: Double, _ etaPlus: Double, _ stepSizeMin: Double,
    _ stepSizeMax: Double, _ maximize: Int32
) throws {
    let p = try required(p, "p")
    let g = try required(g, "g")
    let prev = try required(prev, "prev")
    let stepSize = try required(stepSize, "step_size")
    let n = try elementCount(n, of: T.self)
    let c = Rprop(
        etaMinus: etaMinus, etaPlus: etaPlus, stepSizeMin: stepSizeMin, stepSizeMax: stepSizeMax,
        maximize: try flag(maximize, "maximize"))
    try Rprop.update(parameters: p, gradients: g, previous: prev, stepSize: stepSize, count: n, configuration: c)
}

@c @implementation
public func gdopt_rprop_update_f32(
    _ p: UnsafeMutablePointer<Float>?, _ g: UnsafePointer<Float>?, _ prev: UnsafeMutablePointer<Float>?,
    _ step_size: UnsafeMutablePointer<Float>?, _ n: Int, _ eta_minus: Double, _ eta_plus: Double,
    _ step_size_min: Double, _ step_size_max: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus { try rprop(p, g, prev, step_size, n, eta_minus, eta_plus, step_size_min, step_size_max, maximize) }
}

@c @implementation
public func gdopt_rprop_update_f64(
    _ p: UnsafeMutablePointer<Double>?, _ g: UnsafePointer<Double>?, _ prev: UnsafeMutablePointer<Double>?,
    _ step_size: UnsafeMutablePointer<Double>?, _ n: Int, _ eta_minus: Double, _ eta_plus: Double,
    _ step_size_min: Double, _ step_size_max: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus { try rprop(p, g, prev, step_size, n, eta_minus, eta_plus, step_size_min, step_size_max, maximize) }
}

private func nadam<T: GDOptFloat>(
    _ p: UnsafeMutablePointer<T>?, _ g: UnsafePointer<T>?, _ expAvg: UnsafeMutablePointer<T>?,
    _ expAvgSq: UnsafeMutablePointer<T>?, _ muProduct: UnsafeMutablePointer<Double>?, _ n: Int, _ t: UInt64,
    _ lr: Double, _ beta1: Double, _ beta2: Double, _ eps: Double, _ weightDecay: Double, _ momentumDecay: Double,
    _ decoupled: Int32, _ maximize: Int32
) throws {
    let p = try required(p, "p")
    let g = try required(g, "g")
    let expAvg = try required(expAvg, "exp_avg")
    let expAvgSq = try required(expAvgSq, "exp_avg_sq")
    let muProduct = try required(muProduct, "mu_product")
    let n = try elementCount(n, of: T.self)
    let c = NAdam(
        learningRate: lr, beta1: beta1, beta2: beta2, epsilon: eps, weightDecay: weightDecay,
        momentumDecay: momentumDecay, decoupledWeightDecay: try flag(decoupled, "decoupled_weight_decay"),
        maximize: try flag(maximize, "maximize"))
    var product = muProduct.pointee
    try NAdam.update(
        parameters: p, gradients: g, firstMoment: expAvg, secondMoment: expAvgSq, muProduct: &product, count: n,
        step: t, configuration: c)
    muProduct.pointee = product
}

@c @implementation
public func gdopt_nadam_update_f32(
    _ p: UnsafeMutablePointer<Float>?, _ g: UnsafePointer<Float>?, _ exp_avg: UnsafeMutablePointer<Float>?,
    _ exp_avg_sq: UnsafeMutablePointer<Float>?, _ mu_product: UnsafeMutablePointer<Double>?, _ n: Int, _ t: UInt64,
    _ lr: Double, _ beta1: Double, _ beta2: Double, _ eps: Double, _ weight_decay: Double, _ momentum_decay: Double,
    _ decoupled_weight_decay: Int32, _ maximize: Int32
) -> gdopt_status {
    withStatus {
        try nadam(
            p, g, exp_avg, exp_avg_sq, mu_product, n, t, lr, beta1, beta2, eps, weight_decay, momentum_decay,
            decoupled_weight_decay, maximize)
    }
}

@c @implementation
public func gdopt_nadam_update_f64(
    _ p: UnsafeMutablePointer<Double>?, _ g: UnsafePointer<Double>?, _ exp_avg: UnsafeMutablePointer<Double>?,
    _ exp_avg_sq: UnsafeMutablePointer<Double>?, _ mu_product: UnsafeMutablePointer<Double>?, _ n: Int, _ t: UInt64,
    _ lr: Double, _ beta1: Double, _ beta2: Double, _ eps: Double, _ weight_decay: Double, _ momentum_decay: Double,
    _ decoupled_weight_decay: Int32, _ maximize: Int32
) -> gdopt_status {
    withStatus {
        try nadam(
            p, g, exp_avg, exp_avg_sq, mu_product, n, t, lr, beta1, beta2, eps, weight_decay, momentum_decay,
            decoupled_weight_decay, maximize)
    }
}

private func radam<T: GDOptFloat>(
    _ p: UnsafeMutablePointer<T>?, _ g: UnsafePointer<T>?, _ expAvg: UnsafeMutablePointer<T>?,
    _ expAvgSq: UnsafeMutablePointer<T>?, _ n: Int, _ t: UInt64, _ lr: Double, _ beta1: Double, _ beta2: Double,
    _ eps: Double, _ weightDecay: Double, _ decoupled: Int32, _ maximize: Int32
) throws {
    let p = try required(p, "p")
    let g = try required(g, "g")
    let expAvg = try required(expAvg, "exp_avg")
    let expAvgSq = try required(expAvgSq, "exp_avg_sq")
    let n = try elementCount(n, of: T.self)
    let c = RAdam(
        learningRate: lr, beta1: beta1, beta2: beta2, epsilon: eps, weightDecay: weightDecay,
        decoupledWeightDecay: try flag(decoupled, "decoupled_weight_decay"), maximize: try flag(maximize, "maximize"))
    try RAdam.update(
        parameters: p, gradients: g, firstMoment: expAvg, secondMoment: expAvgSq, count: n, step: t, configuration: c)
}

@c @implementation
public func gdopt_radam_update_f32(
    _ p: UnsafeMutablePointer<Float>?, _ g: UnsafePointer<Float>?, _ exp_avg: UnsafeMutablePointer<Float>?,
    _ exp_avg_sq: UnsafeMutablePointer<Float>?, _ n: Int, _ t: UInt64, _ lr: Double, _ beta1: Double,
    _ beta2: Double, _ eps: Double, _ weight_decay: Double, _ decoupled_weight_decay: Int32, _ maximize: Int32
) -> gdopt_status {
    withStatus {
        try radam(
            p, g, exp_avg, exp_avg_sq, n, t, lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay, maximize)
    }
}

@c @implementation
public func gdopt_radam_update_f64(
    _ p: UnsafeMutablePointer<Double>?, _ g: UnsafePointer<Double>?, _ exp_avg: UnsafeMutablePointer<Double>?,
    _ exp_avg_sq: UnsafeMutablePointer<Double>?, _ n: Int, _ t: UInt64, _ lr: Double, _ beta1: Double,
    _ beta2: Double, _ eps: Double, _ weight_decay: Double, _ decoupled_weight_decay: Int32, _ maximize: Int32
) -> gdopt_status {
    withStatus {
        try radam(
            p, g, exp_avg, exp_avg_sq, n, t, lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay, maximize)
    }
}

private func asgd<T: GDOptFloat>(
    _ p: UnsafeMutablePointer<T>?, _ g: UnsafePointer<T>?, _ ax: UnsafeMutablePointer<T>?,
    _ eta: UnsafeMutablePointer<Double>?, _ mu: UnsafeMutablePointer<Double>?, _ n: Int, _ t: UInt64, _ lr: Double,
    _ lambd: Double, _ alpha: Double, _ t0: Double, _ weightDecay: Double, _ maximize: Int32
) throws {
    let p = try required(p, "p")
    let g = try required(g, "g")
    let ax = try required(ax, "ax")
    let eta = try required(eta, "eta"), mu = try required(mu, "mu")
    let n = try elementCount(n, of: T.self)
    let c = ASGD(
        learningRate: lr, lambd: lambd, alpha: alpha, t0: t0, weightDecay: weightDecay,
        maximize: try flag(maximize, "maximize"))
    var (newEta, newMu) = (eta.pointee, mu.pointee)
    try ASGD.update(
        parameters: p, gradients: g, average: ax, eta: &newEta, mu: &newMu, count: n, step: t, configuration: c)
    (eta.pointee, mu.pointee) = (newEta, newMu)
}

@c @implementation
public func gdopt_asgd_update_f32(
    _ p: UnsafeMutablePointer<Float>?, _ g: UnsafePointer<Float>?, _ ax: UnsafeMutablePointer<Float>?,
    _ eta: UnsafeMutablePointer<Double>?, _ mu: UnsafeMutablePointer<Double>?, _ n: Int, _ t: UInt64, _ lr: Double,
    _ lambd: Double, _ alpha: Double, _ t0: Double, _ weight_decay: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus { try asgd(p, g, ax, eta, mu, n, t, lr, lambd, alpha, t0, weight_decay, maximize) }
}

@c @implementation
public func gdopt_asgd_update_f64(
    _ p: UnsafeMutablePointer<Double>?, _ g: UnsafePointer<Double>?, _ ax: UnsafeMutablePointer<Double>?,
    _ eta: UnsafeMutablePointer<Double>?, _ mu: UnsafeMutablePointer<Double>?, _ n: Int, _ t: UInt64, _ lr: Double,
    _ lambd: Double, _ alpha: Double, _ t0: Double, _ weight_decay: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus { try asgd(p, g, ax, eta, mu, n, t, lr, lambd, alpha, t0, weight_decay, maximize) }
}

private func adafactor<T: GDOptFloat>(
    _ p: UnsafeMutablePointer<T>?, _ g: UnsafePointer<T>?, _ rowVar: UnsafeMutablePointer<T>?,
    _ colVar: UnsafeMutablePointer<T>?, _ variance: UnsafeMutablePointer<T>?, _ n: Int, _ rows: Int, _ cols: Int,
    _ t: UInt64, _ lr: Double, _ beta2Decay: Double, _ eps1: Double, _ eps2: Double, _ d: Double,
    _ weightDecay: Double, _ maximize: Int32
) throws {
    let p = try required(p, "p")
    let g = try required(g, "g")
    let n = try elementCount(n, of: T.self)
    let c = Adafactor(
        learningRate: lr, beta2Decay: beta2Decay, eps1: eps1, eps2: eps2, d: d, weightDecay: weightDecay,
        maximize: try flag(maximize, "maximize"))
    try Adafactor.update(
        parameters: p, gradients: g, rowVariance: rowVar, columnVariance: colVar, variance: variance, count: n,
        rows: rows, cols: cols, step: t, configuration: c)
}

@c @implementation
public func gdopt_adafactor_update_f32(
    _ p: UnsafeMutablePointer<Float>?, _ g: UnsafePointer<Float>?, _ row_var: UnsafeMutablePointer<Float>?,
    _ col_var: UnsafeMutablePointer<Float>?, _ variance: UnsafeMutablePointer<Float>?, _ n: Int, _ rows: Int,
    _ cols: Int, _ t: UInt64, _ lr: Double, _ beta2_decay: Double, _ eps1: Double, _ eps2: Double, _ d: Double,
    _ weight_decay: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus {
        try adafactor(
            p, g, row_var, col_var, variance, n, rows, cols, t, lr, beta2_decay, eps1, eps2, d, weight_decay, maximize)
    }
}

@c @implementation
public func gdopt_adafactor_update_f64(
    _ p: UnsafeMutablePointer<Double>?, _ g: UnsafePointer<Double>?, _ row_var: UnsafeMutablePointer<Double>?,
    _ col_var: UnsafeMutablePointer<Double>?, _ variance: UnsafeMutablePointer<Double>?, _ n: Int, _ rows: Int,
    _ cols: Int, _ t: UInt64, _ lr: Double, _ beta2_decay: Double, _ eps1: Double, _ eps2: Double, _ d: Double,
    _ weight_decay: Double, _ maximize: Int32
) -> gdopt_status {
    withStatus {
        try adafactor(
            p, g, row_var, col_var, variance, n, rows, cols, t, lr, beta2_decay, eps1, eps2, d, weight_decay, maximize)
    }
}
