/// Adagrad (torch.optim.Adagrad; Duchi et al., 2011). With g the gradient (negated when
/// maximize) and t the 1-based step:
///
///     clr ← lr / (1 + (t − 1)·lr_decay)
///     g ← g + wd·p          if weight_decay ≠ 0
///     sum ← sum + g²
///     p ← p − clr·g / (√sum + eps)
///
/// Defaults: lr = 1e-2, lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0
/// (the optimizer objects start `sum` there), eps = 1e-10.
extension Adagrad {
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public static func update<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, sum: UnsafeMutablePointer<T>,
        count: Int, step t: UInt64, configuration c: Adagrad, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try c.validate()
        try run(
            parameters: parameters, gradients: gradients, sum: sum, count: count, step: t, configuration: c,
            clipCoefficient: clipCoefficient)
    }

    /// `update` without checking the configuration: the optimizer objects checked it when it was set.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, sum: UnsafeMutablePointer<T>,
        count: Int, step t: UInt64, configuration c: Adagrad, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try checkCount(count)
        try checkStep(t)
        let clr = c.learningRate / (1 + Double(t - 1) * c.learningRateDecay)
        let kernel = AdagradLoop(
            p: parameters, g: gradients, sum: sum, clr: T(clr), wd: T(c.weightDecay), eps: T(c.epsilon),
            scale: T(gradientScale(maximize: c.maximize, clipCoefficient: clipCoefficient)))
        Parallel.forEach(kernel, count: count)
    }
}
