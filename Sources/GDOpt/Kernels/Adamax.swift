import Glibc

/// Adamax (torch.optim.Adamax; Kingma & Ba, 2015, section 7.1). torch 2.x's single-tensor
/// code, which its documentation writes in other terms. With g the gradient (negated when
/// maximize) and t the 1-based step:
///
///     g ← g + wd·p                    if weight_decay ≠ 0
///     m ← m + (1 − β1)·(g − m)       torch's lerp_ (stored as 0 below the smallest normal)
///     u ← max(β2·u, |g| + eps)       exp_inf
///     p ← p − clr·(m / u),            clr = lr / (1 − β1^t), as torch's addcdiv_
///
/// Defaults: lr = 2e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0.
extension Adamax {
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public static func update<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, firstMoment: UnsafeMutablePointer<T>,
        infinityNorm: UnsafeMutablePointer<T>, count: Int, step t: UInt64, configuration c: Adamax,
        clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try c.validate()
        try run(
            parameters: parameters, gradients: gradients, firstMoment: firstMoment, infinityNorm: infinityNorm,
            count: count, step: t, configuration: c, clipCoefficient: clipCoefficient)
    }

    /// `update` without checking the configuration: the optimizer objects checked it when it was set.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, firstMoment: UnsafeMutablePointer<T>,
        infinityNorm: UnsafeMutablePointer<T>, count: Int, step t: UInt64, configuration c: Adamax,
        clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try checkCount(count)
        try checkStep(t)
        let kernel = AdamaxLoop(
            p: parameters, g: gradients, m: firstMoment, u: infinityNorm,
            stepSize: T(c.learningRate / (1 - pow(c.beta1, Double(t)))), oneMinusBeta1: T(1 - c.beta1),
            beta2: T(c.beta2), eps: T(c.epsilon), wd: T(c.weightDecay),
            scale: T(gradientScale(maximize: c.maximize, clipCoefficient: clipCoefficient)))
        Parallel.forEach(kernel, count: count)
    }
}
