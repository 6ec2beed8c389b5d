/// RMSprop, optionally centred and with momentum (torch.optim.RMSprop; Hinton's lecture
/// 6e; Graves, 2013). With g the gradient (negated when maximize):
///
///     g ← g + wd·p                  if weight_decay ≠ 0
///     v ← α·v + (1 − α)·g²
///     ḡ ← α·ḡ + (1 − α)·g, ṽ ← v − ḡ²   if centered, else ṽ ← v
///     (ḡ and b are stored as 0 below the smallest normal: `flushingSubnormal`)
///     d ← √ṽ + eps
///     b ← μ·b + g/d, p ← p − lr·b     if momentum > 0
///     p ← p − lr·g/d                  otherwise
///
/// Defaults: lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0,
/// centered = false. All state buffers start at zero.
extension RMSprop {
    /// `gradAverage` is needed when centered, `momentumBuffer` when momentum > 0.
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public static func update<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, squareAverage: UnsafeMutablePointer<T>,
        gradAverage: UnsafeMutablePointer<T>?, momentumBuffer: UnsafeMutablePointer<T>?,
        count: Int, configuration c: RMSprop, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try c.validate()
        try run(
            parameters: parameters, gradients: gradients, squareAverage: squareAverage, gradAverage: gradAverage,
            momentumBuffer: momentumBuffer, count: count, configuration: c, clipCoefficient: clipCoefficient)
    }

    /// `update` without checking the configuration: the optimizer objects checked it when it was set.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, squareAverage: UnsafeMutablePointer<T>,
        gradAverage: UnsafeMutablePointer<T>?, momentumBuffer: UnsafeMutablePointer<T>?,
        count: Int, configuration c: RMSprop, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try checkCount(count)
        guard !c.centered || gradAverage != nil else { throw .null("gradAverage is nil, but centered needs it") }
        guard c.momentum == 0 || momentumBuffer != nil else {
            throw .null("momentumBuffer is nil, but momentum \(c.momentum) needs it")
        }
        let kernel = RMSpropLoop(
            p: parameters, g: gradients, v: squareAverage, gbar: c.centered ? gradAverage : nil,
            b: c.momentum > 0 ? momentumBuffer : nil, lr: T(c.learningRate), alpha: T(c.alpha),
            oneMinusAlpha: T(1 - c.alpha),
            eps: T(c.epsilon), wd: T(c.weightDecay), mu: T(c.momentum),
            scale: T(gradientScale(maximize: c.maximize, clipCoefficient: clipCoefficient)))
        Parallel.forEach(kernel, count: count)
    }
}
