import CGDOpt
import GDOpt

private func clip<T: GDOptFloat>(
    _ grads: UnsafePointer<UnsafeMutablePointer<T>?>?, _ lens: UnsafePointer<Int>?, _ count: Int, _ maxNorm: Double,
    _ totalNorm: UnsafeMutablePointer<Double>?
) throws {
    let grads = try required(grads, "grads")
    let lens = try required(lens, "lens")
    let count = try elementCount(count, of: UnsafeMutableRawPointer.self, name: "count")
    // Every pointer and length is checked before anything is allocated for them.
    for i in 0..<count {
        _ = try required(grads[i], "grads[\(i)]")
        _ = try elementCount(lens[i], of: T.self, name: "lens[\(i)]")
    }
    var buffers = try Allocation.array(
        repeating: UnsafeMutableBufferPointer<T>(start: nil, count: 0), count: count, what: "count=\(count) buffers")
    for i in 0..<count { buffers[i] = UnsafeMutableBufferPointer(start: grads[i], count: lens[i]) }
    let norm = try clipGradNorm(buffers, maxNorm: maxNorm)
    totalNorm?.pointee = norm
}

@c @implementation
public func gdopt_clip_grad_norm_f32(
    _ grads: UnsafePointer<UnsafeMutablePointer<Float>?>?, _ lens: UnsafePointer<Int>?, _ count: Int,
    _ max_norm: Double, _ total_norm: UnsafeMutablePointer<Double>?
) -> gdopt_status {
    withStatus { try clip(grads, lens, count, max_norm, total_norm) }
}

@c @implementation
public func gdopt_clip_grad_norm_f64(
    _ grads: UnsafePointer<UnsafeMutablePointer<Double>?>?, _ lens: UnsafePointer<Int>?, _ count: Int,
    _ max_norm: Double, _ total_norm: UnsafeMutablePointer<Double>?
) -> gdopt_status {
    withStatus { try clip(grads, lens, count, max_norm, total_norm) }
}

@c @implementation
public func gdopt_shuffle(_ seed: UInt64, _ epoch: UInt64, _ perm: UnsafeMutablePointer<Int>?, _ n: Int) -> gdopt_status
{
    withStatus {
        let perm = try required(perm, "perm")
        let n = try elementCount(n, of: Int.self)
        shuffledIndices(into: UnsafeMutableBufferPointer(start: perm, count: n), seed: seed, epoch: epoch)
    }
}
