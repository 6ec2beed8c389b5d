/// Adadelta (torch.optim.Adadelta; Zeiler, 2012), as torch 2.x's single-tensor code
/// computes it. With g the gradient (negated when maximize):
///
///     g ← g + wd·p                      if weight_decay ≠ 0
///     v ← ρ·v + (1 − ρ)·g²              square_avg
///     δ ← √(a + eps) / √(v + eps) · g   (eps inside both roots, unlike RMSprop)
///     a ← ρ·a + (1 − ρ)·δ²              acc_delta
///     p ← p − lr·δ
///
/// Defaults: lr = 1, rho = 0.9 (in [0, 1], as torch allows), eps = 1e-6, weight_decay = 0.
/// Neither average is flushed to 0: both are denominators or under a root with eps.
/// The update does not depend on the step count.
extension Adadelta {
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public static func update<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, squareAverage: UnsafeMutablePointer<T>,
        deltaAverage: UnsafeMutablePointer<T>, count: Int, configuration c: Adadelta, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try c.validate()
        try run(
            parameters: parameters, gradients: gradients, squareAverage: squareAverage, deltaAverage: deltaAverage,
            count: count, configuration: c, clipCoefficient: clipCoefficient)
    }

    /// `update` without checking the configuration: the optimizer objects checked it when it was set.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, squareAverage: UnsafeMutablePointer<T>,
        deltaAverage: UnsafeMutablePointer<T>, count: Int, configuration c: Adadelta, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try checkCount(count)
        let kernel = AdadeltaLoop(
            p: parameters, g: gradients, v: squareAverage, a: deltaAverage, lr: T(c.learningRate), rho: T(c.rho),
            oneMinusRho: T(1 - c.rho), eps: T(c.epsilon), wd: T(c.weightDecay),
            scale: T(gradientScale(maximize: c.maximize, clipCoefficient: clipCoefficient)))
        Parallel.forEach(kernel, count: count)
    }
}
