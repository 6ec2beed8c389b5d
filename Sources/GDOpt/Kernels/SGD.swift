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
        let kernel = Kernel(
            p: parameters, g: gradients, b: c.momentumFactor != 0 ? momentumBuffer : nil, lr: T(c.learningRate),
            mu: T(c.momentumFactor),
            oneMinusDampening: T(1 - c.dampening), wd: T(c.weightDecay),
            scale: T(gradientScale(maximize: c.maximize, clipCoefficient: clipCoefficient)),
            first: firstStep, nesterov: c.nesterov)
        Parallel.forEach(kernel, count: count)
    }

    struct Kernel<T: GDOptFloat>: RangeKernel {
        let p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, b: UnsafeMutablePointer<T>?
        let lr, mu, oneMinusDampening, wd, scale: T
        let first, nesterov: Bool

        @_specialize(where T == Float)
        @_specialize(where T == Double)
        func callAsFunction(_ range: Range<Int>) {
            // One loop per combination of options, each with its flags constant, so every
            // loop vectorises, plain momentum pays for no option it does not use, and a
            // caller's uninitialised buffer is never read on the first step.
            let transformed = wd != 0 || scale != 1
            let damped = oneMinusDampening != 1
            guard b != nil else {
                if transformed {
                    for i in range { update(i, momentum: false, first: false, transformed: true, damped: false) }
                } else {
                    for i in range { update(i, momentum: false, first: false, transformed: false, damped: false) }
                }
                return
            }
            switch (first, transformed, damped) {
            case (true, false, _):
                for i in range { update(i, momentum: true, first: true, transformed: false, damped: false) }
            case (true, true, _):
                for i in range { update(i, momentum: true, first: true, transformed: true, damped: false) }
            case (false, false, false):
                for i in range { update(i, momentum: true, first: false, transformed: false, damped: false) }
            case (false, false, true):
                for i in range { update(i, momentum: true, first: false, transformed: false, damped: true) }
            case (false, true, false):
                for i in range { update(i, momentum: true, first: false, transformed: true, damped: false) }
            case (false, true, true):
                for i in range { update(i, momentum: true, first: false, transformed: true, damped: true) }
            }
        }

        @inline(__always)
        private func update(_ i: Int, momentum: Bool, first: Bool, transformed: Bool, damped: Bool) {
            let pi = p[i]
            var d = transformed ? effectiveGradient(g[i], pi, scale: scale, weightDecay: wd) : g[i]
            if momentum, let b {
                let buf = flushingSubnormal(first ? d : mu * b[i] + (damped ? oneMinusDampening * d : d))
                b[i] = buf
                d = nesterov ? d + mu * buf : buf
            }
            p[i] = pi - lr * d
        }
    }
}
