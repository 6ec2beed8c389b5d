/// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Algorithm 2; API.md
/// §11). With g the gradient (negated when maximize):
///
///     u ← sign(β1·m + (1 − β1)·g)      sign(0) = 0, sign(NaN) = NaN, as torch.sign
///     p ← p·(1 − lr·wd)                 decoupled weight decay
///     p ← p − lr·u
///     m ← β2·m + (1 − β2)·g            (stored as 0 below the smallest normal: `flushingSubnormal`)
///
/// The interpolation is computed in the buffer's type, as the reference implementation
/// (lucidrains/lion-pytorch) computes it in the tensor's. Defaults: lr = 1e-4,
/// betas = (0.9, 0.99), weight_decay = 0. There is no bias correction, so no step count.
extension Lion {
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public static func update<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, momentum: UnsafeMutablePointer<T>,
        count: Int, configuration c: Lion, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try c.validate()
        try run(
            parameters: parameters, gradients: gradients, momentum: momentum, count: count, configuration: c,
            clipCoefficient: clipCoefficient)
    }

    /// `update` without checking the configuration: the optimizer objects checked it when it was set.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, momentum: UnsafeMutablePointer<T>,
        count: Int, configuration c: Lion, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try checkCount(count)
        let kernel = LionLoop(
            p: parameters, g: gradients, m: momentum, lr: T(c.learningRate), beta1: T(c.beta1),
            oneMinusBeta1: T(1 - c.beta1), beta2: T(c.beta2), oneMinusBeta2: T(1 - c.beta2),
            decay: T(1 - c.learningRate * c.weightDecay),
            scale: T(gradientScale(maximize: c.maximize, clipCoefficient: clipCoefficient)))
        Parallel.forEach(kernel, count: count)
    }
}
