/// The gradient every kernel starts from: g·s, plus L2 weight decay wd·p when wd ≠ 0.
/// `s` folds in maximize (−1) and gradient clipping, so the caller's gradients are
/// never written. Negating or scaling first and then adding wd·p follows torch's code.
@inline(__always)
func effectiveGradient<T: GDOptFloat>(_ g: T, _ p: T, scale: T, weightDecay: T) -> T {
    let d = g * scale
    return weightDecay != 0 ? d + weightDecay * p : d
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
