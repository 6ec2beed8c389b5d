/// Clipping coefficient and sign for the gradient, as one factor (GDOptLoops' `effectiveGradient`).
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
