/// Gradient clipping by the global L2 norm, on Norms' deterministic sums.

/// torch.nn.utils.clip_grad_norm_'s coefficient: max_norm / (‖g‖ + 1e-6), used only when < 1.
public func clipCoefficient(maxNorm: Double, totalNorm: Double) -> Double {
    let coefficient = maxNorm / (totalNorm + 1e-6)
    return coefficient < 1 ? coefficient : 1
}

/// Clips many gradient buffers in place by one global L2 norm, as torch's
/// clip_grad_norm_ does, and returns the norm from before clipping.
@_specialize(exported:true,where T == Float)
@_specialize(exported:true,where T == Double)
public func clipGradNorm<T: GDOptFloat>(_ buffers: [UnsafeMutableBufferPointer<T>], maxNorm: Double) throws(GDOptError)
    -> Double
{
    guard maxNorm.isFinite, maxNorm >= 0 else { throw .invalid("max_norm=\(maxNorm) must be finite and >= 0") }
    for (index, buffer) in buffers.enumerated() where buffer.isEmpty || buffer.baseAddress == nil {
        throw .size("buffer \(index) is empty")
    }
    var sum = 0.0
    for buffer in buffers { sum += Norms.sumOfSquares(buffer.baseAddress!, count: buffer.count) }
    let totalNorm = sum.squareRoot()
    let coefficient = clipCoefficient(maxNorm: maxNorm, totalNorm: totalNorm)
    if coefficient < 1 {
        for buffer in buffers {
            Parallel.forEach(Norms.Scale(x: buffer.baseAddress!, factor: T(coefficient)), count: buffer.count)
        }
    }
    return totalNorm
}
