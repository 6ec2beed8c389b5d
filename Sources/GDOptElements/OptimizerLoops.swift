/// The optimizers' per-element loops as data: the pointers and the step's scalars each loop
/// reads. GDOpt fills these; the loops themselves are in GDOptLoops, compiled once per SIMD
/// level, and GDOpt runs the level chosen for the CPU (Kernels/Vectors.swift).

/// SGD's update with momentum (GDOpt/Kernels/SGD.swift has the equations).
package struct SGDLoop<T: GDOptFloat> {
    package let p: UnsafeMutablePointer<T>
    package let g: UnsafePointer<T>
    package let b: UnsafeMutablePointer<T>?
    package let lr: T
    package let mu: T
    package let oneMinusDampening: T
    package let wd: T
    package let scale: T
    package let first: Bool
    package let nesterov: Bool

    @inlinable @inline(__always)
    package init(
        p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, b: UnsafeMutablePointer<T>?, lr: T, mu: T,
        oneMinusDampening: T, wd: T, scale: T, first: Bool, nesterov: Bool
    ) {
        self.p = p
        self.g = g
        self.b = b
        self.lr = lr
        self.mu = mu
        self.oneMinusDampening = oneMinusDampening
        self.wd = wd
        self.scale = scale
        self.first = first
        self.nesterov = nesterov
    }
}

/// Adagrad's update.
package struct AdagradLoop<T: GDOptFloat> {
    package let p: UnsafeMutablePointer<T>
    package let g: UnsafePointer<T>
    package let sum: UnsafeMutablePointer<T>
    package let clr: T
    package let wd: T
    package let eps: T
    package let scale: T

    @inlinable @inline(__always)
    package init(
        p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, sum: UnsafeMutablePointer<T>, clr: T, wd: T, eps: T, scale: T
    ) {
        self.p = p
        self.g = g
        self.sum = sum
        self.clr = clr
        self.wd = wd
        self.eps = eps
        self.scale = scale
    }
}

/// RMSprop's update, optionally centred and with momentum.
package struct RMSpropLoop<T: GDOptFloat> {
    package let p: UnsafeMutablePointer<T>
    package let g: UnsafePointer<T>
    package let v: UnsafeMutablePointer<T>
    package let gbar: UnsafeMutablePointer<T>?
    package let b: UnsafeMutablePointer<T>?
    package let lr: T
    package let alpha: T
    package let oneMinusAlpha: T
    package let eps: T
    package let wd: T
    package let mu: T
    package let scale: T

    @inlinable @inline(__always)
    package init(
        p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, v: UnsafeMutablePointer<T>, gbar: UnsafeMutablePointer<T>?,
        b: UnsafeMutablePointer<T>?, lr: T, alpha: T, oneMinusAlpha: T, eps: T, wd: T, mu: T, scale: T
    ) {
        self.p = p
        self.g = g
        self.v = v
        self.gbar = gbar
        self.b = b
        self.lr = lr
        self.alpha = alpha
        self.oneMinusAlpha = oneMinusAlpha
        self.eps = eps
        self.wd = wd
        self.mu = mu
        self.scale = scale
    }
}

/// Lion's update (GDOpt/Kernels/Lion.swift has the equations).
package struct LionLoop<T: GDOptFloat> {
    package let p: UnsafeMutablePointer<T>
    package let g: UnsafePointer<T>
    package let m: UnsafeMutablePointer<T>
    package let lr: T
    package let beta1: T
    package let oneMinusBeta1: T
    package let beta2: T
    package let oneMinusBeta2: T
    package let decay: T
    package let scale: T

    @inlinable @inline(__always)
    package init(
        p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, m: UnsafeMutablePointer<T>, lr: T, beta1: T,
        oneMinusBeta1: T, beta2: T, oneMinusBeta2: T, decay: T, scale: T
    ) {
        self.p = p
        self.g = g
        self.m = m
        self.lr = lr
        self.beta1 = beta1
        self.oneMinusBeta1 = oneMinusBeta1
        self.beta2 = beta2
        self.oneMinusBeta2 = oneMinusBeta2
        self.decay = decay
        self.scale = scale
    }
}

/// Adamax's update (GDOpt/Kernels/Adamax.swift has the equations).
package struct AdamaxLoop<T: GDOptFloat> {
    package let p: UnsafeMutablePointer<T>
    package let g: UnsafePointer<T>
    package let m: UnsafeMutablePointer<T>
    package let u: UnsafeMutablePointer<T>
    package let stepSize: T
    package let oneMinusBeta1: T
    package let beta2: T
    package let eps: T
    package let wd: T
    package let scale: T

    @inlinable @inline(__always)
    package init(
        p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, m: UnsafeMutablePointer<T>, u: UnsafeMutablePointer<T>,
        stepSize: T, oneMinusBeta1: T, beta2: T, eps: T, wd: T, scale: T
    ) {
        self.p = p
        self.g = g
        self.m = m
        self.u = u
        self.stepSize = stepSize
        self.oneMinusBeta1 = oneMinusBeta1
        self.beta2 = beta2
        self.eps = eps
        self.wd = wd
        self.scale = scale
    }
}

/// Adadelta's update (GDOpt/Kernels/Adadelta.swift has the equations).
package struct AdadeltaLoop<T: GDOptFloat> {
    package let p: UnsafeMutablePointer<T>
    package let g: UnsafePointer<T>
    package let v: UnsafeMutablePointer<T>
    package let a: UnsafeMutablePointer<T>
    package let lr: T
    package let rho: T
    package let oneMinusRho: T
    package let eps: T
    package let wd: T
    package let scale: T

    @inlinable @inline(__always)
    package init(
        p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, v: UnsafeMutablePointer<T>, a: UnsafeMutablePointer<T>,
        lr: T, rho: T, oneMinusRho: T, eps: T, wd: T, scale: T
    ) {
        self.p = p
        self.g = g
        self.v = v
        self.a = a
        self.lr = lr
        self.rho = rho
        self.oneMinusRho = oneMinusRho
        self.eps = eps
        self.wd = wd
        self.scale = scale
    }
}

/// Rprop's update (GDOpt/Kernels/Rprop.swift has the equations).
package struct RpropLoop<T: GDOptFloat> {
    package let p: UnsafeMutablePointer<T>
    package let g: UnsafePointer<T>
    package let prev: UnsafeMutablePointer<T>
    package let stepSize: UnsafeMutablePointer<T>
    package let etaMinus: T
    package let etaPlus: T
    package let stepSizeMin: T
    package let stepSizeMax: T
    package let scale: T

    @inlinable @inline(__always)
    package init(
        p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, prev: UnsafeMutablePointer<T>,
        stepSize: UnsafeMutablePointer<T>, etaMinus: T, etaPlus: T, stepSizeMin: T, stepSizeMax: T, scale: T
    ) {
        self.p = p
        self.g = g
        self.prev = prev
        self.stepSize = stepSize
        self.etaMinus = etaMinus
        self.etaPlus = etaPlus
        self.stepSizeMin = stepSizeMin
        self.stepSizeMax = stepSizeMax
        self.scale = scale
    }
}

/// Adam's update (AdamW: decay ≠ 1; AMSGrad: vmax).
package struct AdamLoop<T: GDOptFloat> {
    package let p: UnsafeMutablePointer<T>
    package let g: UnsafePointer<T>
    package let m: UnsafeMutablePointer<T>
    package let v: UnsafeMutablePointer<T>
    package let vmax: UnsafeMutablePointer<T>?
    package let stepSize: T
    package let biasCorrection2Sqrt: T
    package let beta1: T
    package let oneMinusBeta1: T
    package let beta2: T
    package let oneMinusBeta2: T
    package let eps: T
    package let l2: T
    package let decay: T
    package let scale: T

    @inlinable @inline(__always)
    package init(
        p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, m: UnsafeMutablePointer<T>, v: UnsafeMutablePointer<T>,
        vmax: UnsafeMutablePointer<T>?, stepSize: T, biasCorrection2Sqrt: T, beta1: T, oneMinusBeta1: T, beta2: T,
        oneMinusBeta2: T, eps: T, l2: T, decay: T, scale: T
    ) {
        self.p = p
        self.g = g
        self.m = m
        self.v = v
        self.vmax = vmax
        self.stepSize = stepSize
        self.biasCorrection2Sqrt = biasCorrection2Sqrt
        self.beta1 = beta1
        self.oneMinusBeta1 = oneMinusBeta1
        self.beta2 = beta2
        self.oneMinusBeta2 = oneMinusBeta2
        self.eps = eps
        self.l2 = l2
        self.decay = decay
        self.scale = scale
    }
}

/// NAdam's update (GDOpt/Kernels/NAdam.swift has the equations).
package struct NAdamLoop<T: GDOptFloat> {
    package let p: UnsafeMutablePointer<T>
    package let g: UnsafePointer<T>
    package let m: UnsafeMutablePointer<T>
    package let v: UnsafeMutablePointer<T>
    package let gradientStep: T
    package let momentumStep: T
    package let biasCorrection2: T
    package let oneMinusBeta1: T
    package let beta2: T
    package let oneMinusBeta2: T
    package let eps: T
    package let l2: T
    package let decay: T
    package let scale: T

    @inlinable @inline(__always)
    package init(
        p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, m: UnsafeMutablePointer<T>, v: UnsafeMutablePointer<T>,
        gradientStep: T, momentumStep: T, biasCorrection2: T, oneMinusBeta1: T, beta2: T, oneMinusBeta2: T, eps: T,
        l2: T, decay: T, scale: T
    ) {
        self.p = p
        self.g = g
        self.m = m
        self.v = v
        self.gradientStep = gradientStep
        self.momentumStep = momentumStep
        self.biasCorrection2 = biasCorrection2
        self.oneMinusBeta1 = oneMinusBeta1
        self.beta2 = beta2
        self.oneMinusBeta2 = oneMinusBeta2
        self.eps = eps
        self.l2 = l2
        self.decay = decay
        self.scale = scale
    }
}

/// RAdam's update (GDOpt/Kernels/RAdam.swift has the equations).
package struct RAdamLoop<T: GDOptFloat> {
    package let p: UnsafeMutablePointer<T>
    package let g: UnsafePointer<T>
    package let m: UnsafeMutablePointer<T>
    package let v: UnsafeMutablePointer<T>
    package let lr: T
    package let biasCorrection1: T
    package let biasCorrection2Sqrt: T
    package let rectification: T
    package let rectified: Bool
    package let oneMinusBeta1: T
    package let beta2: T
    package let oneMinusBeta2: T
    package let eps: T
    package let l2: T
    package let decay: T
    package let scale: T

    @inlinable @inline(__always)
    package init(
        p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, m: UnsafeMutablePointer<T>, v: UnsafeMutablePointer<T>,
        lr: T, biasCorrection1: T, biasCorrection2Sqrt: T, rectification: T, rectified: Bool, oneMinusBeta1: T,
        beta2: T, oneMinusBeta2: T, eps: T, l2: T, decay: T, scale: T
    ) {
        self.p = p
        self.g = g
        self.m = m
        self.v = v
        self.lr = lr
        self.biasCorrection1 = biasCorrection1
        self.biasCorrection2Sqrt = biasCorrection2Sqrt
        self.rectification = rectification
        self.rectified = rectified
        self.oneMinusBeta1 = oneMinusBeta1
        self.beta2 = beta2
        self.oneMinusBeta2 = oneMinusBeta2
        self.eps = eps
        self.l2 = l2
        self.decay = decay
        self.scale = scale
    }
}

/// ASGD's update (GDOpt/Kernels/ASGD.swift has the equations).
package struct ASGDLoop<T: GDOptFloat> {
    package let p: UnsafeMutablePointer<T>
    package let g: UnsafePointer<T>
    package let ax: UnsafeMutablePointer<T>
    package let decay: T
    package let eta: T
    package let mu: T
    /// μ ≠ 1: ax moves toward p; otherwise it is a copy of p.
    package let averaging: Bool
    package let wd: T
    package let scale: T

    @inlinable @inline(__always)
    package init(
        p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, ax: UnsafeMutablePointer<T>, decay: T, eta: T, mu: T,
        averaging: Bool, wd: T, scale: T
    ) {
        self.p = p
        self.g = g
        self.ax = ax
        self.decay = decay
        self.eta = eta
        self.mu = mu
        self.averaging = averaging
        self.wd = wd
        self.scale = scale
    }
}
