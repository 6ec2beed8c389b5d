/// Stochastic gradient descent with momentum, dampening and Nesterov momentum
/// (torch.optim.SGD; Sutskever et al., 2013). With g the gradient (negated when maximize):
///
///     g ← g + wd·p                          if weight_decay ≠ 0
///     b ← g                                 on the momentum buffer's first step
///     b ← μ·b + (1 − dampening)·g           after that
///     g ← g + μ·b if nesterov, else g ← b    if momentum ≠ 0
///     (b is stored as 0 below the smallest normal: `flushingSubnormal`)
///     p ← p − lr·g
///
/// Defaults: lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false.
extension SGD {
    /// Updates `parameters` (and `momentumBuffer`, needed when momentum ≠ 0) in place.
    /// `firstStep` initialises the buffer with the gradient, as torch does on step 1.
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public static func update<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, momentumBuffer: UnsafeMutablePointer<T>?,
        count: Int, firstStep: Bool, configuration c: SGD, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try c.validate()
        try run(
            parameters: parameters, gradients: gradients, momentumBuffer: momentumBuffer, count: count,
            firstStep: firstStep,
            configuration: c, clipCoefficient: clipCoefficient)
    }

    /// `update` without checking the configuration: the optimizer objects checked it when it was set.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, momentumBuffer: UnsafeMutablePointer<T>?,
        count: Int, firstStep: Bool, configuration c: SGD, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try checkCount(count)
        guard c.momentumFactor == 0 || momentumBuffer != nil else {
            throw .null("momentumBuffer is nil, but momentum \(c.momentumFactor) needs it")
        }
        let kernel = SGDLoop(
            p: parameters, g: gradients, b: c.momentumFactor != 0 ? momentumBuffer : nil, lr: T(c.learningRate),
            mu: T(c.momentumFactor),
            oneMinusDampening: T(1 - c.dampening), wd: T(c.weightDecay),
            scale: T(gradientScale(maximize: c.maximize, clipCoefficient: clipCoefficient)),
            first: firstStep, nesterov: c.nesterov)
        Parallel.forEach(kernel, count: count)
    }
}
