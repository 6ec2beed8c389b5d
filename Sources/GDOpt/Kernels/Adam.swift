import Glibc

/// Adam, AdamW and AMSGrad (torch.optim.Adam/AdamW; Kingma & Ba, 2015; Loshchilov &
/// Hutter, 2019; Reddi et al., 2018). With g the gradient (negated when maximize) and t
/// the 1-based step:
///
///     g ← g + wd·p               Adam with weight_decay ≠ 0 (L2 in the gradient)
///     p ← p·(1 − lr·wd)          AdamW (decoupled decay) instead
///     m ← β1·m + (1 − β1)·g     (stored as 0 below the smallest normal: `flushingSubnormal`)
///     v ← β2·v + (1 − β2)·g²
///     v̂ ← vmax ← max(vmax, v)    if amsgrad, else v̂ ← v
///     p ← p − (lr/bc1)·m / (√v̂/√bc2 + eps),   bc1 = 1 − β1^t, bc2 = 1 − β2^t
///
/// Defaults: lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0 (AdamW: 1e-2).
extension Adam {
    /// `maxSquareAverage` (vmax) is needed when amsgrad.
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public static func update<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, firstMoment: UnsafeMutablePointer<T>,
        secondMoment: UnsafeMutablePointer<T>, maxSecondMoment: UnsafeMutablePointer<T>?,
        count: Int, step t: UInt64, configuration c: Adam, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try c.validate()
        try run(
            parameters: parameters, gradients: gradients, firstMoment: firstMoment, secondMoment: secondMoment,
            maxSecondMoment: maxSecondMoment, count: count, step: t, configuration: c, clipCoefficient: clipCoefficient)
    }

    /// `update` without checking the configuration: the optimizer objects checked it when it was set.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, firstMoment: UnsafeMutablePointer<T>,
        secondMoment: UnsafeMutablePointer<T>, maxSecondMoment: UnsafeMutablePointer<T>?,
        count: Int, step t: UInt64, configuration c: Adam, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try checkCount(count)
        try checkStep(t)
        guard !c.amsgrad || maxSecondMoment != nil else { throw .null("maxSecondMoment is nil, but amsgrad needs it") }
        let exponent = Double(t)
        let biasCorrection1 = 1 - pow(c.beta1, exponent)
        let biasCorrection2 = 1 - pow(c.beta2, exponent)
        let l2: Double = c.decoupled ? 0 : c.weightDecayRate
        let decay: Double = c.decoupled ? 1 - c.learningRate * c.weightDecayRate : 1
        let scale = gradientScale(maximize: c.maximize, clipCoefficient: clipCoefficient)
        let kernel = AdamLoop(
            p: parameters, g: gradients, m: firstMoment, v: secondMoment, vmax: c.amsgrad ? maxSecondMoment : nil,
            stepSize: T(c.learningRate / biasCorrection1), biasCorrection2Sqrt: T(biasCorrection2.squareRoot()),
            beta1: T(c.beta1), oneMinusBeta1: T(1 - c.beta1), beta2: T(c.beta2), oneMinusBeta2: T(1 - c.beta2),
            eps: T(c.epsilon), l2: T(l2), decay: T(decay), scale: T(scale))
        Parallel.forEach(kernel, count: count)
    }
}

extension Adam {
    /// `update` with compact moments: each of `firstMoment`, `secondMoment` and (when amsgrad)
    /// `maxSecondMoment` holds `format.byteCount(count, dtype:)` bytes, zero before the first
    /// step (bfloat16, or int8 codes then each block's absmax: `StateFormat`). Unlike an
    /// optimizer's slots, int8 applies at any count. The step runs as an optimizer's compact
    /// slot does (`CompactStep`), so both give the same bits. It allocates its working memory
    /// (48 KB per thread) on each call, which an optimizer object keeps.
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public static func updateCompact<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, firstMoment: UnsafeMutableRawPointer,
        secondMoment: UnsafeMutableRawPointer, maxSecondMoment: UnsafeMutableRawPointer?, format: StateFormat,
        count: Int, step t: UInt64, configuration c: Adam
    ) throws(GDOptError) {
        try c.validate()
        try checkCount(count)
        try checkStep(t)
        guard format != .native else { throw .invalid("format=0 (native) is not compact: use Adam.update") }
        guard !c.amsgrad || maxSecondMoment != nil else { throw .null("maxSecondMoment is nil, but amsgrad needs it") }
        let moments = stateMoments
        func compact(_ bytes: UnsafeMutableRawPointer?, _ role: Int) -> CompactBuffer? {
            bytes.map { CompactBuffer(format: format, bytes: $0, count: count, moment: moments[role]) }
        }
        let workspace = CompactWorkspace()
        try workspace.reserve()
        var scalars = (0.0, 0.0)
        withUnsafeMutableBytes(of: &scalars) { raw in
            let step = SlotStep<T>(
                parameters: parameters, gradients: gradients, count: count, buffers: (nil, nil, nil),
                scalars: raw.baseAddress!.assumingMemoryBound(to: Double.self), step: t, fresh: [],
                clipCoefficient: 1)
            c.updateCompact(
                step,
                buffers: (
                    compact(firstMoment, 0), compact(secondMoment, 1), compact(c.amsgrad ? maxSecondMoment : nil, 2)
                ),
                scalarCount: 0, workspace: workspace)
        }
    }
}
