import Glibc

/// Averaged SGD (torch.optim.ASGD; Polyak & Juditsky, 1992), torch 2.x's single-tensor code.
/// With g the gradient (negated when maximize), t the 1-based step, and η and μ the slot's
/// scalar state (η starts at lr, μ at 1):
///
///     g ← g + wd·p                     if weight_decay ≠ 0
///     p ← p·(1 − λ·η)
///     p ← p − η·g
///     ax ← ax + (p − ax)·μ            if μ ≠ 1, else ax ← p
///     η ← lr / (1 + λ·lr·t)^α,  μ ← 1 / max(1, t − t0)
///
/// η and μ are doubles here; torch keeps them in float32 tensors (its default scalar dtype),
/// so its η differs from this one in the last bits of a float32. Defaults: lr = 1e-2,
/// lambd = 1e-4, alpha = 0.75, t0 = 1e6, weight_decay = 0.
extension ASGD {
    /// `eta` and `mu` are the values before this step; they are updated only when the step runs.
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public static func update<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, average: UnsafeMutablePointer<T>,
        eta: inout Double, mu: inout Double, count: Int, step t: UInt64, configuration c: ASGD,
        clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try c.validate()
        try ASGD.scalarState[0].check(eta)
        try ASGD.scalarState[1].check(mu)
        try run(
            parameters: parameters, gradients: gradients, average: average, eta: &eta, mu: &mu, count: count,
            step: t, configuration: c, clipCoefficient: clipCoefficient)
    }

    /// `update` without checking the configuration: the optimizer objects checked it when it was set.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, average: UnsafeMutablePointer<T>,
        eta: inout Double, mu: inout Double, count: Int, step t: UInt64, configuration c: ASGD,
        clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try checkCount(count)
        try checkStep(t)
        let scale = gradientScale(maximize: c.maximize, clipCoefficient: clipCoefficient)
        let kernel = ASGDLoop(
            p: parameters, g: gradients, ax: average, decay: T(1 - c.lambd * eta), eta: T(eta), mu: T(mu),
            averaging: mu != 1, wd: T(c.weightDecay), scale: T(scale))
        Parallel.forEach(kernel, count: count)
        let step = Double(t)
        eta = c.learningRate / pow(1 + c.lambd * c.learningRate * step, c.alpha)
        mu = 1 / max(1, step - c.t0)
    }
}
