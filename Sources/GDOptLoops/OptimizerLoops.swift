import GDOptElements

// The optimizers' loops, in this module's SIMD level (see Loops.swift).

extension SGDLoop {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run(_ range: Range<Int>) {
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

extension AdagradLoop: TwoWayLoop {
    // A two-way loop, as the others: the single loop it was called _stdlib_squareRootf per
    // element and did not vectorise (6-7 ns per element against Adam's 1.2; objdump).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run(_ range: Range<Int>) { runTwoWays(range) }

    var transformsGradient: Bool { wd != 0 || scale != 1 }

    @inline(__always)
    func update(_ i: Int, transformed: Bool) {
        let pi = p[i]
        let d = transformed ? effectiveGradient(g[i], pi, scale: scale, weightDecay: wd) : g[i]
        let s = sum[i] + d * d
        sum[i] = s
        p[i] = pi - clr * d / (s.squareRoot() + eps)
    }
}

extension RMSpropLoop {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run(_ range: Range<Int>) {
        // One loop per buffer configuration, so that each vectorises.
        switch (gbar != nil, b != nil) {
        case (false, false): for i in range { update(i, centered: false, momentum: false) }
        case (true, false): for i in range { update(i, centered: true, momentum: false) }
        case (false, true): for i in range { update(i, centered: false, momentum: true) }
        case (true, true): for i in range { update(i, centered: true, momentum: true) }
        }
    }

    @inline(__always)
    private func update(_ i: Int, centered: Bool, momentum: Bool) {
        let pi = p[i]
        let d = effectiveGradient(g[i], pi, scale: scale, weightDecay: wd)
        let vi = alpha * v[i] + oneMinusAlpha * d * d
        v[i] = vi
        var centeredV = vi
        if centered, let gbar {
            let m = flushingSubnormal(alpha * gbar[i] + oneMinusAlpha * d)
            gbar[i] = m
            centeredV = vi - m * m
        }
        let denominator = centeredV.squareRoot() + eps
        if momentum, let b {
            let buf = flushingSubnormal(mu * b[i] + d / denominator)
            b[i] = buf
            p[i] = pi - lr * buf
        } else {
            p[i] = pi - lr * d / denominator
        }
    }
}

extension AdamLoop {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run(_ range: Range<Int>) {
        // One loop per combination of options, each with its flags constant, so every
        // loop vectorises and plain Adam pays for no option it does not use.
        let transformed = l2 != 0 || scale != 1
        let decoupled = decay != 1
        switch (vmax != nil, transformed, decoupled) {
        case (false, false, false):
            for i in range { update(i, amsgrad: false, transformed: false, decoupled: false) }
        case (false, false, true): for i in range { update(i, amsgrad: false, transformed: false, decoupled: true) }
        case (false, true, false): for i in range { update(i, amsgrad: false, transformed: true, decoupled: false) }
        case (false, true, true): for i in range { update(i, amsgrad: false, transformed: true, decoupled: true) }
        case (true, false, false): for i in range { update(i, amsgrad: true, transformed: false, decoupled: false) }
        case (true, false, true): for i in range { update(i, amsgrad: true, transformed: false, decoupled: true) }
        case (true, true, false): for i in range { update(i, amsgrad: true, transformed: true, decoupled: false) }
        case (true, true, true): for i in range { update(i, amsgrad: true, transformed: true, decoupled: true) }
        }
    }

    @inline(__always)
    private func update(_ i: Int, amsgrad: Bool, transformed: Bool, decoupled: Bool) {
        let p0 = p[i]
        let d = transformed ? effectiveGradient(g[i], p0, scale: scale, weightDecay: l2) : g[i]
        let pi = decoupled ? p0 * decay : p0
        let mi = flushingSubnormal(beta1 * m[i] + oneMinusBeta1 * d)
        let vi = beta2 * v[i] + oneMinusBeta2 * d * d
        m[i] = mi
        v[i] = vi
        var vhat = vi
        if amsgrad, let vmax {
            vhat = Swift.max(vmax[i], vi)
            vmax[i] = vhat
        }
        p[i] = pi - stepSize * mi / (vhat.squareRoot() / biasCorrection2Sqrt + eps)
    }
}

/// A loop whose only option is whether the gradient is transformed first (scaled, decayed):
/// `runTwoWays` runs one of two copies of it, each with that flag constant, so both vectorise.
/// Each loop keeps its own `@_specialize` `run`: with `run` in this extension instead, the
/// square roots in Adadelta's loop became calls to `_stdlib_squareRootf` and it stopped
/// vectorising (objdump).
protocol TwoWayLoop {
    var transformsGradient: Bool { get }
    func update(_ i: Int, transformed: Bool)
}

extension TwoWayLoop {
    @inline(__always)
    func runTwoWays(_ range: Range<Int>) {
        if transformsGradient {
            for i in range { update(i, transformed: true) }
        } else {
            for i in range { update(i, transformed: false) }
        }
    }
}

/// A two-way loop with one more option of the step (RAdam's rectification, ASGD's averaging):
/// four copies, each with both flags constant, so each vectorises.
protocol FourWayLoop {
    var transformsGradient: Bool { get }
    var option: Bool { get }
    func update(_ i: Int, transformed: Bool, option: Bool)
}

extension FourWayLoop {
    @inline(__always)
    func runFourWays(_ range: Range<Int>) {
        switch (transformsGradient, option) {
        case (false, false): for i in range { update(i, transformed: false, option: false) }
        case (false, true): for i in range { update(i, transformed: false, option: true) }
        case (true, false): for i in range { update(i, transformed: true, option: false) }
        case (true, true): for i in range { update(i, transformed: true, option: true) }
        }
    }
}

extension LionLoop: TwoWayLoop {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run(_ range: Range<Int>) { runTwoWays(range) }

    var transformsGradient: Bool { decay != 1 || scale != 1 }

    @inline(__always)
    func update(_ i: Int, transformed: Bool) {
        let d = transformed ? g[i] * scale : g[i]
        let mi = m[i]
        let c = beta1 * mi + oneMinusBeta1 * d
        let pi = transformed ? p[i] * decay : p[i]
        p[i] = pi - lr * signOf(c)
        m[i] = flushingSubnormal(beta2 * mi + oneMinusBeta2 * d)
    }
}

extension AdamaxLoop: TwoWayLoop {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run(_ range: Range<Int>) { runTwoWays(range) }

    var transformsGradient: Bool { wd != 0 || scale != 1 }

    @inline(__always)
    func update(_ i: Int, transformed: Bool) {
        let pi = p[i]
        let d = transformed ? effectiveGradient(g[i], pi, scale: scale, weightDecay: wd) : g[i]
        let m0 = m[i]
        let mi = flushingSubnormal(m0 + oneMinusBeta1 * (d - m0))
        let ui = Swift.max(beta2 * u[i], Swift.abs(d) + eps)
        m[i] = mi
        u[i] = ui
        p[i] = pi - stepSize * (mi / ui)
    }
}

extension AdadeltaLoop: TwoWayLoop {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run(_ range: Range<Int>) { runTwoWays(range) }

    var transformsGradient: Bool { wd != 0 || scale != 1 }

    @inline(__always)
    func update(_ i: Int, transformed: Bool) {
        let pi = p[i]
        let d = transformed ? effectiveGradient(g[i], pi, scale: scale, weightDecay: wd) : g[i]
        let vi = rho * v[i] + oneMinusRho * d * d
        let delta = (a[i] + eps).squareRoot() / (vi + eps).squareRoot() * d
        v[i] = vi
        a[i] = rho * a[i] + oneMinusRho * delta * delta
        p[i] = pi - lr * delta
    }
}

extension RpropLoop: TwoWayLoop {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run(_ range: Range<Int>) { runTwoWays(range) }

    var transformsGradient: Bool { scale != 1 }

    @inline(__always)
    func update(_ i: Int, transformed: Bool) {
        let d = transformed ? g[i] * scale : g[i]
        let s = d * prev[i]
        // Masks, not selects, so that the loop vectorises; a NaN product stays NaN, as in torch.
        let factor =
            etaPlus.kept(if: s > 0) + etaMinus.kept(if: s < 0) + (1 as T).kept(if: s == 0) + s.kept(if: s.isNaN)
        let size = Swift.min(Swift.max(stepSize[i] * factor, stepSizeMin), stepSizeMax)
        let kept = d.kept(if: !(s < 0))
        stepSize[i] = size
        prev[i] = kept
        p[i] = p[i] - signOf(kept) * size
    }
}

extension NAdamLoop: TwoWayLoop {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run(_ range: Range<Int>) { runTwoWays(range) }

    var transformsGradient: Bool { l2 != 0 || decay != 1 || scale != 1 }

    @inline(__always)
    func update(_ i: Int, transformed: Bool) {
        let p0 = p[i]
        let d = transformed ? effectiveGradient(g[i], p0, scale: scale, weightDecay: l2) : g[i]
        let m0 = m[i]
        let mi = flushingSubnormal(m0 + oneMinusBeta1 * (d - m0))
        let vi = beta2 * v[i] + oneMinusBeta2 * d * d
        m[i] = mi
        v[i] = vi
        let denominator = (vi / biasCorrection2).squareRoot() + eps
        let pi = (transformed ? p0 * decay : p0) + gradientStep * d / denominator
        p[i] = pi + momentumStep * mi / denominator
    }
}

extension RAdamLoop: FourWayLoop {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run(_ range: Range<Int>) { runFourWays(range) }

    var transformsGradient: Bool { l2 != 0 || decay != 1 || scale != 1 }
    var option: Bool { rectified }

    @inline(__always)
    func update(_ i: Int, transformed: Bool, option rectified: Bool) {
        let p0 = p[i]
        let d = transformed ? effectiveGradient(g[i], p0, scale: scale, weightDecay: l2) : g[i]
        let pi = transformed ? p0 * decay : p0
        let m0 = m[i]
        let mi = flushingSubnormal(m0 + oneMinusBeta1 * (d - m0))
        let vi = beta2 * v[i] + oneMinusBeta2 * d * d
        m[i] = mi
        v[i] = vi
        let corrected = mi / biasCorrection1 * lr
        p[i] =
            rectified
            ? pi - corrected * (biasCorrection2Sqrt / (vi.squareRoot() + eps)) * rectification : pi - corrected
    }
}

extension ASGDLoop: FourWayLoop {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run(_ range: Range<Int>) { runFourWays(range) }

    var transformsGradient: Bool { wd != 0 || scale != 1 }
    var option: Bool { averaging }

    @inline(__always)
    func update(_ i: Int, transformed: Bool, option averaging: Bool) {
        let p0 = p[i]
        let d = transformed ? effectiveGradient(g[i], p0, scale: scale, weightDecay: wd) : g[i]
        let pi = p0 * decay - eta * d
        p[i] = pi
        ax[i] = averaging ? ax[i] + (pi - ax[i]) * mu : pi
    }
}

/// sign(x) as torch.sign: ±1, 0 at 0, and NaN kept; by masks, so that loops vectorise.
@inline(__always)
func signOf<T: GDOptFloat>(_ x: T) -> T {
    (1 as T).kept(if: x > 0) - (1 as T).kept(if: x < 0) + x.kept(if: x.isNaN)
}

/// The gradient every kernel starts from: g·s, plus L2 weight decay wd·p when wd ≠ 0.
/// `s` folds in maximize (−1) and gradient clipping, so the caller's gradients are
/// never written. Negating or scaling first and then adding wd·p follows torch's code.
@inline(__always)
func effectiveGradient<T: GDOptFloat>(_ g: T, _ p: T, scale: T, weightDecay: T) -> T {
    let d = g * scale
    return weightDecay != 0 ? d + weightDecay * p : d
}

/// A decaying average (a first moment or a momentum buffer) as it is stored: 0 once it falls
/// below the smallest normal number. Where a gradient stays 0 (a dead ReLU unit, an input pixel
/// that is always 0) the average decays geometrically into the subnormals, where x86 arithmetic
/// is 10-100x slower, and stays there (0.9·x rounds back to x for the smallest subnormals): in a
/// digits MLP this made Adam's step 10x slower after a few thousand steps. torch keeps the
/// subnormal; the params differ from torch's only where an update that small moves them (|p| below
/// about 1e-25 for float32 with eps = 1e-8). Denominators (Adam's v, RMSprop's square average)
/// are never flushed: with eps = 0, 0/0 would be NaN where torch divides by a subnormal.
@inline(__always)
func flushingSubnormal<T: GDOptFloat>(_ x: T) -> T {
    x.kept(if: !(Swift.abs(x) < T.leastNormalMagnitude))  // a mask, not a select (which became a branch); NaN stays
}
