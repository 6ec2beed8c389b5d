/// The n-sized loops of L-BFGS-B as range kernels: split over the worker pool, with sums
/// over the same fixed blocks as VectorMath (so the bits do not depend on the thread
/// count). A row of W = [Y θS] is read from the k pair vectors at one index.
struct CompactColumns {
    let s: UnsafePointer<UnsafeMutablePointer<Double>>, y: UnsafePointer<UnsafeMutablePointer<Double>>
    let k: Int, theta: Double

    /// w_i·v for a vector v of 2k (w_i = row i of W).
    @inline(__always)
    func rowDot(_ i: Int, _ v: UnsafePointer<Double>) -> Double {
        var sum = 0.0
        for j in 0..<k { sum += y[j][i] * v[j] + theta * s[j][i] * v[k + j] }
        return sum
    }
}

/// r_i = −(g_i + θ(xᶜ_i − x_i) − w_i·(M·c)) on the free variables, 0 on the active ones,
/// and, per block, Yᵀr and Sᵀr (unscaled) while the block is in cache.
struct ReducedGradient: RangeKernel {
    let columns: CompactColumns, mc: UnsafePointer<Double>
    let r: UnsafeMutablePointer<Double>, g: UnsafePointer<Double>, x: UnsafePointer<Double>,
        cauchy: UnsafePointer<Double>
    let free: UnsafePointer<Double>, count: Int, block: Int
    let partials: UnsafeMutablePointer<Double>  // blocks × 2k

    func callAsFunction(_ blocks: Range<Int>) {
        let theta = columns.theta
        let k = columns.k
        for b in blocks {
            let start = b * block
            let end = min(start + block, count)
            for i in start..<end {
                r[i] = free[i] == 0 ? 0 : -(g[i] + theta * (cauchy[i] - x[i]) - columns.rowDot(i, mc))
            }
            for j in 0..<k {
                partials[b * 2 * k + j] = VectorMath.blockDot(r + start, columns.y[j] + start, end - start)
                partials[b * 2 * k + k + j] = VectorMath.blockDot(r + start, columns.s[j] + start, end - start)
            }
        }
    }
}

/// The Gram matrix of W's free rows, WᵀZZᵀW (2k×2k), one partial matrix per block: each
/// block's rows of every column stay in cache while the column pairs are summed.
struct FreeGram: RangeKernel {
    let columns: CompactColumns, free: UnsafePointer<Double>, count: Int, block: Int
    let partials: UnsafeMutablePointer<Double>  // blocks × (2k)²

    func callAsFunction(_ blocks: Range<Int>) {
        let k = columns.k
        let k2 = 2 * k
        for b in blocks {
            let start = b * block
            let length = min(block, count - start)
            let out = partials + b * k2 * k2
            func column(_ j: Int) -> UnsafePointer<Double> {
                UnsafePointer(j < k ? columns.y[j] + start : columns.s[j - k] + start)
            }
            for a in 0..<k2 {
                for c in a..<k2 {
                    let value = maskedDot(column(a), column(c), free + start, length)
                    out[a * k2 + c] = value
                    out[c * k2 + a] = value
                }
            }
        }
    }
}

/// The subspace step d^u_i = r_i/θ + w_i·v/θ² on the free variables (into r), with, per
/// block, the slope gᵀ(P(xᶜ + d^u) − x) of the projected point and whether any d^u was clipped.
struct SubspaceStep: RangeKernel {
    let columns: CompactColumns, v: UnsafePointer<Double>
    let r: UnsafeMutablePointer<Double>, g: UnsafePointer<Double>, x: UnsafePointer<Double>,
        cauchy: UnsafePointer<Double>
    let free: UnsafePointer<Double>, lower: UnsafePointer<Double>, upper: UnsafePointer<Double>
    let count: Int, block: Int, partials: UnsafeMutablePointer<Double>  // blocks × (slope, clipped)

    func callAsFunction(_ blocks: Range<Int>) {
        let theta = columns.theta
        for b in blocks {
            var slope = 0.0
            var clipped = 0.0
            for i in (b * block)..<min(b * block + block, count) {
                var target = cauchy[i]
                if free[i] != 0 {
                    let du = r[i] / theta + columns.rowDot(i, v) / (theta * theta)
                    r[i] = du
                    let unclipped = cauchy[i] + du
                    target = Swift.min(upper[i], Swift.max(lower[i], unclipped))
                    if target != unclipped { clipped = 1 }
                }
                slope += g[i] * (target - x[i])
            }
            partials[2 * b] = slope
            partials[2 * b + 1] = clipped
        }
    }
}

/// xᶜ_i += α·d^u_i on the free variables, clamped to the box.
struct MoveFree: RangeKernel {
    let cauchy: UnsafeMutablePointer<Double>, du: UnsafePointer<Double>, alpha: Double, free: UnsafePointer<Double>
    let lower: UnsafePointer<Double>, upper: UnsafePointer<Double>

    func callAsFunction(_ range: Range<Int>) {
        for i in range where free[i] != 0 {
            cauchy[i] = Swift.min(upper[i], Swift.max(lower[i], cauchy[i] + alpha * du[i]))
        }
    }
}

/// The newest pair's products with every pair j (the newest included), per block:
/// s·sⱼ, s·yⱼ, sⱼ·y, y·yⱼ, and the same four over the rows `mask` marks (0 without a mask).
struct PairProducts: RangeKernel {
    let columns: CompactColumns, mask: UnsafePointer<Double>?, count: Int, block: Int
    let partials: UnsafeMutablePointer<Double>  // blocks × k × 8

    func callAsFunction(_ blocks: Range<Int>) {
        let k = columns.k
        let newS = columns.s[k - 1]
        let newY = columns.y[k - 1]
        for b in blocks {
            let start = b * block
            let length = min(block, count - start)
            for j in 0..<k {
                let sj = columns.s[j] + start
                let yj = columns.y[j] + start
                let out = partials + (b * k + j) * 8
                out[0] = VectorMath.blockDot(newS + start, sj, length)
                out[1] = VectorMath.blockDot(newS + start, yj, length)
                out[2] = VectorMath.blockDot(sj, newY + start, length)
                out[3] = VectorMath.blockDot(newY + start, yj, length)
                if let mask {
                    out[4] = maskedDot(newS + start, sj, mask + start, length)
                    out[5] = maskedDot(newY + start, sj, mask + start, length)
                    out[6] = maskedDot(yj, newS + start, mask + start, length)
                    out[7] = maskedDot(newY + start, yj, mask + start, length)
                } else {
                    (out[4], out[5], out[6], out[7]) = (0, 0, 0, 0)
                }
            }
        }
    }
}

/// Σ aᵢ·bᵢ·maskᵢ with four lanes.
@inline(__always)
func maskedDot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ mask: UnsafePointer<Double>, _ n: Int)
    -> Double
{
    var lanes = SIMD4<Double>()
    var i = 0
    while i + 4 <= n {
        lanes +=
            SIMD4(a[i], a[i + 1], a[i + 2], a[i + 3]) * SIMD4(b[i], b[i + 1], b[i + 2], b[i + 3])
            * SIMD4(mask[i], mask[i + 1], mask[i + 2], mask[i + 3])
        i += 4
    }
    var sum = lanes.sum()
    while i < n {
        sum += a[i] * b[i] * mask[i]
        i += 1
    }
    return sum
}
