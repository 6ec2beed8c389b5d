/// Rprop (torch.optim.Rprop; Riedmiller & Braun, 1993), as torch 2.x's single-tensor code
/// computes it. With g the gradient (negated when maximize), per element:
///
///     s ← sign(g·prev)
///     f ← eta_plus if s > 0, eta_minus if s < 0, 1 if s = 0 (NaN stays NaN)
///     step_size ← clamp(step_size·f, step_size_min, step_size_max)
///     g ← 0 where s < 0                        (the sign changed: no move, and forget it)
///     p ← p − sign(g)·step_size
///     prev ← g
///
/// The optimizer objects start `prev` at 0 and `step_size` at lr, as torch does; a caller of
/// the kernel does the same. Defaults: lr = 1e-2, etas = (0.5, 1.2), step_sizes = (1e-6, 50).
/// The update does not depend on the step count.
extension Rprop {
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public static func update<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, previous: UnsafeMutablePointer<T>,
        stepSize: UnsafeMutablePointer<T>, count: Int, configuration c: Rprop, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try c.validate()
        try run(
            parameters: parameters, gradients: gradients, previous: previous, stepSize: stepSize, count: count,
            configuration: c, clipCoefficient: clipCoefficient)
    }

    /// `update` without checking the configuration: the optimizer objects checked it when it was set.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, previous: UnsafeMutablePointer<T>,
        stepSize: UnsafeMutablePointer<T>, count: Int, configuration c: Rprop, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try checkCount(count)
        let kernel = RpropLoop(
            p: parameters, g: gradients, prev: previous, stepSize: stepSize, etaMinus: T(c.etaMinus),
            etaPlus: T(c.etaPlus), stepSizeMin: T(c.stepSizeMin), stepSizeMax: T(c.stepSizeMax),
            scale: T(gradientScale(maximize: c.maximize, clipCoefficient: clipCoefficient)))
        Parallel.forEach(kernel, count: count)
    }
}
