import Glibc

/// RAdam (torch.optim.RAdam; Liu et al., 2020), torch 2.x's single-tensor code. With g the
/// gradient (negated when maximize) and t the 1-based step:
///
///     p ← p·(1 − lr·wd)                decoupled_weight_decay, else g ← g + wd·p
///     m ← m + (1 − β1)·(g − m)        torch's lerp_ (stored as 0 below the smallest normal)
///     v ← β2·v + (1 − β2)·g²
///     ρ∞ = 2/(1 − β2) − 1,  ρ_t = ρ∞ − 2·t·β2^t / (1 − β2^t)
///     ρ_t > 5:  r = √((ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t))
///               p ← p − (m/bc1)·lr·(√bc2 / (√v + eps))·r      bc_i = 1 − β_i^t
///     else:     p ← p − (m/bc1)·lr
///
/// Defaults: lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0.
extension RAdam {
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public static func update<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, firstMoment: UnsafeMutablePointer<T>,
        secondMoment: UnsafeMutablePointer<T>, count: Int, step t: UInt64, configuration c: RAdam,
        clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try c.validate()
        try run(
            parameters: parameters, gradients: gradients, firstMoment: firstMoment, secondMoment: secondMoment,
            count: count, step: t, configuration: c, clipCoefficient: clipCoefficient)
    }

    /// `update` without checking the configuration: the optimizer objects checked it when it was set.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, firstMoment: UnsafeMutablePointer<T>,
        secondMoment: UnsafeMutablePointer<T>, count: Int, step t: UInt64, configuration c: RAdam,
        clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try checkCount(count)
        try checkStep(t)
        let step = Double(t)
        let beta2Power = pow(c.beta2, step)
        let biasCorrection2 = 1 - beta2Power
        let rhoInfinity = 2 / (1 - c.beta2) - 1
        let rho = rhoInfinity - 2 * step * beta2Power / biasCorrection2
        let rectified = rho > 5
        let numerator: Double = (rho - 4) * (rho - 2) * rhoInfinity
        let rectification: Double =
            rectified ? (numerator / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho)).squareRoot() : 0
        let decoupled = c.decoupledWeightDecay
        let biasCorrection1: Double = 1 - pow(c.beta1, step)
        let decay: Double = decoupled ? 1 - c.learningRate * c.weightDecay : 1
        let l2: Double = decoupled ? 0 : c.weightDecay
        let scale = gradientScale(maximize: c.maximize, clipCoefficient: clipCoefficient)
        let kernel = RAdamLoop(
            p: parameters, g: gradients, m: firstMoment, v: secondMoment, lr: T(c.learningRate),
            biasCorrection1: T(biasCorrection1), biasCorrection2Sqrt: T(biasCorrection2.squareRoot()),
            rectification: T(rectification), rectified: rectified, oneMinusBeta1: T(1 - c.beta1), beta2: T(c.beta2),
            oneMinusBeta2: T(1 - c.beta2), eps: T(c.epsilon), l2: T(l2), decay: T(decay), scale: T(scale))
        Parallel.forEach(kernel, count: count)
    }
}
