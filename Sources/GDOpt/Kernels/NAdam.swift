import Glibc

/// NAdam (torch.optim.NAdam; Dozat, 2016), torch 2.x's single-tensor code. With g the gradient
/// (negated when maximize), t the 1-based step and ψ the momentum decay:
///
///     p ← p·(1 − lr·wd)                decoupled_weight_decay, else g ← g + wd·p
///     μ_t = β1·(1 − ½·0.96^(t·ψ)),  μ_{t+1} likewise,  Π ← Π·μ_t    (mu_product, starts at 1)
///     m ← m + (1 − β1)·(g − m)        torch's lerp_ (stored as 0 below the smallest normal)
///     v ← β2·v + (1 − β2)·g²
///     d = √(v / (1 − β2^t)) + eps
///     p ← p + a·g / d,   a = −lr·(1 − μ_t) / (1 − Π)
///     p ← p + b·m / d,   b = −lr·μ_{t+1} / (1 − Π·μ_{t+1})      two addcdiv_, in torch's order
///
/// Π is a double here; torch keeps it in a float32 tensor (its default scalar dtype), so
/// torch's steps differ from these in the last bits of a and b. Defaults: lr = 2e-3,
/// betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0, momentum_decay = 4e-3.
extension NAdam {
    /// `muProduct` is Π before this step (1 before the first); it is updated only when the step runs.
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public static func update<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, firstMoment: UnsafeMutablePointer<T>,
        secondMoment: UnsafeMutablePointer<T>, muProduct: inout Double, count: Int, step t: UInt64,
        configuration c: NAdam, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try c.validate()
        try NAdam.scalarState[0].check(muProduct)
        try run(
            parameters: parameters, gradients: gradients, firstMoment: firstMoment, secondMoment: secondMoment,
            muProduct: &muProduct, count: count, step: t, configuration: c, clipCoefficient: clipCoefficient)
    }

    /// `update` without checking the configuration: the optimizer objects checked it when it was set.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, firstMoment: UnsafeMutablePointer<T>,
        secondMoment: UnsafeMutablePointer<T>, muProduct: inout Double, count: Int, step t: UInt64,
        configuration c: NAdam, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try checkCount(count)
        try checkStep(t)
        let step = Double(t)
        let mu = c.beta1 * (1 - 0.5 * pow(0.96, step * c.momentumDecay))
        let muNext = c.beta1 * (1 - 0.5 * pow(0.96, (step + 1) * c.momentumDecay))
        let product = muProduct * mu
        let decoupled = c.decoupledWeightDecay
        let kernel = NAdamLoop(
            p: parameters, g: gradients, m: firstMoment, v: secondMoment,
            gradientStep: T(-c.learningRate * (1 - mu) / (1 - product)),
            momentumStep: T(-c.learningRate * muNext / (1 - product * muNext)),
            biasCorrection2: T(1 - pow(c.beta2, step)), oneMinusBeta1: T(1 - c.beta1), beta2: T(c.beta2),
            oneMinusBeta2: T(1 - c.beta2), eps: T(c.epsilon), l2: T(decoupled ? 0 : c.weightDecay),
            decay: T(decoupled ? 1 - c.learningRate * c.weightDecay : 1),
            scale: T(gradientScale(maximize: c.maximize, clipCoefficient: clipCoefficient)))
        Parallel.forEach(kernel, count: count)
        muProduct = product
    }
}
