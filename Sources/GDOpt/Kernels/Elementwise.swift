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
    Swift.abs(x) < T.leastNormalMagnitude ? 0 : x
}

/// Clipping coefficient and sign for the gradient, as one factor (see `effectiveGradient`).
func gradientScale(maximize: Bool, clipCoefficient: Double) -> Double {
    maximize ? -clipCoefficient : clipCoefficient
}

/// Checks the pointer-level preconditions shared by all kernels.
func checkCount(_ count: Int) throws(GDOptError) {
    guard count > 0 else { throw .size("n=\(count) must be > 0") }
}

func checkStep(_ t: UInt64) throws(GDOptError) {
    guard t >= 1 else { throw .invalid("t=0 must be >= 1 (t is the 1-based step count)") }
}
