import Glibc

/// Adafactor (torch.optim.Adafactor; Shazeer & Stern, 2018), torch 2.x's single-tensor code.
/// With g the gradient (negated when maximize), t the 1-based step, w = t^beta2_decay (torch's
/// one_minus_beta2_t) and ε1 = eps1, or the dtype's machine epsilon when eps1 = 0 (torch's None):
///
///     α = max(eps2, ‖p‖₂/√n)·min(lr, 1/√t)           from p before this step
///     p ← p·(1 − lr·wd)                              if weight_decay ≠ 0
///     factored (rows × cols):  R ← lerp(R, mean_j g², w),  C ← lerp(C, mean_i g², w)
///                              V = R_i·C_j / max(mean(R), ε1)
///     otherwise:               V ← variance ← lerp(variance, g², w)
///     u = g / √max(V, ε1²),   p ← p − α/max(1, ‖u‖₂/(√n·d))·u
///
/// torch's lerp: a + w·(b − a) when w < 0.5, else b − (b − a)·(1 − w). Sums are taken in float64
/// (torch squares a float32 norm for the means): results agree with torch's within a few ulps,
/// not bit for bit. Defaults: lr = 1e-2, beta2_decay = −0.8, eps = (None, 1e-3), d = 1,
/// weight_decay = 0.
extension Adafactor {
    /// A factored slot has rows, cols > 0 with rows·cols = count and uses `rowVariance` (rows
    /// elements) and `columnVariance` (cols); otherwise rows = cols = 0 and `variance` (count).
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public static func update<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, rowVariance: UnsafeMutablePointer<T>?,
        columnVariance: UnsafeMutablePointer<T>?, variance: UnsafeMutablePointer<T>?, count: Int, rows: Int,
        cols: Int, step t: UInt64, configuration c: Adafactor, clipCoefficient: Double = 1
    ) throws(GDOptError) {
        try c.validate()
        try run(
            parameters: parameters, gradients: gradients, rowVariance: rowVariance, columnVariance: columnVariance,
            variance: variance, count: count, rows: rows, cols: cols, step: t, configuration: c,
            clipCoefficient: clipCoefficient, scratch: nil)
    }

    /// `update` without checking the configuration. `scratch` holds rows + cols doubles for a
    /// factored slot (the optimizer objects keep one per slot); without it a call allocates them.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GDOptFloat>(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, rowVariance: UnsafeMutablePointer<T>?,
        columnVariance: UnsafeMutablePointer<T>?, variance: UnsafeMutablePointer<T>?, count: Int, rows: Int,
        cols: Int, step t: UInt64, configuration c: Adafactor, clipCoefficient: Double,
        scratch: UnsafeMutablePointer<Double>?
    ) throws(GDOptError) {
        try checkCount(count)
        try checkStep(t)
        let factored = rows != 0 || cols != 0
        if factored {
            try checkShape(rows: rows, cols: cols, count: count)
            guard rowVariance != nil else {
                throw .null("row_var is NULL, but a factored slot (rows, cols > 0) needs it")
            }
            guard columnVariance != nil else {
                throw .null("col_var is NULL, but a factored slot (rows, cols > 0) needs it")
            }
        } else {
            guard variance != nil else { throw .null("variance is NULL, but a slot that is not factored needs it") }
        }
        let step = Double(t)
        let weight = pow(step, c.beta2Decay)
        let parameterScale = Norms.sumOfSquares(parameters, count: count).squareRoot() / Double(count).squareRoot()
        let alpha = max(c.eps2, parameterScale) * min(c.learningRate, 1 / step.squareRoot())
        let eps1 = c.eps1 == 0 ? Double(T.ulpOfOne) : c.eps1
        let terms = AdafactorTerms(
            p: parameters, g: gradients,
            scale: T(gradientScale(maximize: c.maximize, clipCoefficient: clipCoefficient)),
            weight: T(weight), oneMinusWeight: T(1 - weight), smallWeight: weight < 0.5, floor: T(eps1 * eps1),
            decay: T(1 - c.learningRate * c.weightDecay))
        // The update's RMS needs every u before any p moves: one pass sums u², a second applies it.
        func coefficient(_ sumOfSquares: Double) -> T {
            T(-alpha / max(1, sumOfSquares.squareRoot() / (Double(count).squareRoot() * c.d)))
        }
        guard factored, let rowVariance, let columnVariance else {
            let loop = VarianceLoop(terms: terms, v: variance!)
            let block = max(Norms.minimumBlock, (count / Norms.maxBlocks + 16) & ~15)
            let blocks = (count + block - 1) / block
            let sum = withUnsafeTemporaryAllocation(of: Double.self, capacity: blocks) { partials in
                let sums = BlockedSquares(loop: loop, count: count, block: block, partials: partials.baseAddress!)
                Parallel.forEach(sums, count: blocks, grain: max(1, Parallel.minimumElementsPerThread / block))
                return partials.reduce(0, +)
            }
            Parallel.forEach(ApplyVariance(loop: loop, coefficient: coefficient(sum)), count: count)
            return
        }
        withScratch(scratch, count: rows + cols) { scratch in
            var loop = FactoredLoop(
                terms: terms, r: rowVariance, c: columnVariance, cols: cols, rowMean: 0, rowSquares: scratch)
            loop.updateFactors(rows: rows, columnSums: scratch + rows)
            var rowSum = 0.0
            for i in 0..<rows { rowSum += Double(rowVariance[i]) }
            loop.rowMean = T(max(rowSum / Double(rows), eps1))
            let grain = max(1, Parallel.minimumElementsPerThread / cols)
            Parallel.forEach(FactoredSquares(loop: loop), count: rows, grain: grain)
            var sum = 0.0
            for i in 0..<rows { sum += scratch[i] }  // in row order: the same bits on any thread count
            Parallel.forEach(ApplyFactored(loop: loop, coefficient: coefficient(sum)), count: rows, grain: grain)
        }
    }

    static func checkShape(rows: Int, cols: Int, count: Int) throws(GDOptError) {
        let (product, overflow) = rows.multipliedReportingOverflow(by: cols)
        guard rows > 0, cols > 0, !overflow, product == count else {
            throw .size("rows=\(rows) x cols=\(cols) must be positive with rows*cols = n=\(count)")
        }
    }

    private static func withScratch(
        _ given: UnsafeMutablePointer<Double>?, count: Int, _ body: (UnsafeMutablePointer<Double>) -> Void
    ) {
        if let given { return body(given) }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: count) { body($0.baseAddress!) }
    }
}

/// What every Adafactor pass reads: u = g/√max(V, ε1²) for an estimate V, and the lerp's weight.
struct AdafactorTerms<T: GDOptFloat> {
    let p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, scale: T
    let weight: T, oneMinusWeight: T, smallWeight: Bool, floor: T, decay: T

    @inline(__always) func gradient(_ k: Int) -> T { g[k] * scale }

    /// torch's lerp(a, b, w), whose form depends on w (a constant of the step).
    @inline(__always) func lerp(_ a: T, _ b: T) -> T { lerp(a, b, small: smallWeight) }

    @inline(__always) func lerp(_ a: T, _ b: T, small: Bool) -> T {
        small ? a + weight * (b - a) : b - (b - a) * oneMinusWeight
    }

    /// torch's update: rsqrt(max(V, ε1²)) · g.
    @inline(__always) func update(_ estimate: T, _ gradient: T) -> T {
        (1 / Swift.max(estimate, floor).squareRoot()) * gradient
    }

    @inline(__always) func apply(_ k: Int, _ u: T, _ coefficient: T) { p[k] = p[k] * decay + coefficient * u }
}

/// The unfactored pass: the variance's lerp, then u.
struct VarianceLoop<T: GDOptFloat> {
    let terms: AdafactorTerms<T>, v: UnsafeMutablePointer<T>
}

/// Updates `variance` and sums u² over fixed blocks (as Norms does), in float64.
struct BlockedSquares<T: GDOptFloat>: RangeKernel {
    let loop: VarianceLoop<T>, count: Int, block: Int, partials: UnsafeMutablePointer<Double>

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func callAsFunction(_ blocks: Range<Int>) {
        for b in blocks {
            let range = (b * block)..<min(b * block + block, count)
            // The lerp's form is a constant of the step: one loop per form, so neither branches.
            partials[b] = loop.terms.smallWeight ? squares(range, small: true) : squares(range, small: false)
        }
    }

    /// Updates the variance over `range` and sums u² in four lanes (fixed by the index, so
    /// the sum does not depend on the threads), which lets the loop run four elements at once.
    @inline(__always)
    private func squares(_ range: Range<Int>, small: Bool) -> Double {
        let terms = loop.terms
        var lanes = SIMD4<Double>()
        var k = range.lowerBound
        while k + 4 <= range.upperBound {
            var u = SIMD4<Double>()
            for lane in 0..<4 {
                let gk = terms.gradient(k + lane)
                let vk = terms.lerp(loop.v[k + lane], gk * gk, small: small)
                loop.v[k + lane] = vk
                u[lane] = Double(terms.update(vk, gk))
            }
            lanes += u * u
            k += 4
        }
        var sum = lanes.sum()
        while k < range.upperBound {
            let gk = terms.gradient(k)
            let vk = terms.lerp(loop.v[k], gk * gk, small: small)
            loop.v[k] = vk
            let u = Double(terms.update(vk, gk))
            sum += u * u
            k += 1
        }
        return sum
    }
}

struct ApplyVariance<T: GDOptFloat>: RangeKernel {
    let loop: VarianceLoop<T>, coefficient: T

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func callAsFunction(_ range: Range<Int>) {
        let terms = loop.terms
        for k in range { terms.apply(k, terms.update(loop.v[k], terms.gradient(k)), coefficient) }
    }
}

/// The factored passes, a whole row at a time (rows are contiguous, so each inner loop vectorises).
struct FactoredLoop<T: GDOptFloat> {
    let terms: AdafactorTerms<T>, r: UnsafeMutablePointer<T>, c: UnsafeMutablePointer<T>, cols: Int
    var rowMean: T
    /// Each row's sum of u², added in row order afterwards.
    let rowSquares: UnsafeMutablePointer<Double>

    /// R ← lerp(R, mean_j g², w) and C ← lerp(C, mean_i g², w); one thread, in row order.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func updateFactors(rows: Int, columnSums: UnsafeMutablePointer<Double>) {
        columnSums.update(repeating: 0, count: cols)
        for i in 0..<rows {
            var lanes = SIMD4<Double>()
            var j = 0
            while j + 4 <= cols {
                var squares = SIMD4<Double>()
                for lane in 0..<4 {
                    let gk = Double(terms.gradient(i * cols + j + lane))
                    squares[lane] = gk * gk
                    columnSums[j + lane] += gk * gk
                }
                lanes += squares
                j += 4
            }
            var rowSum = lanes.sum()
            while j < cols {
                let gk = Double(terms.gradient(i * cols + j))
                rowSum += gk * gk
                columnSums[j] += gk * gk
                j += 1
            }
            r[i] = terms.lerp(r[i], T(rowSum / Double(cols)))
        }
        for j in 0..<cols { c[j] = terms.lerp(c[j], T(columnSums[j] / Double(rows))) }
    }

    @inline(__always) func update(_ i: Int, _ j: Int) -> T {
        terms.update(r[i] * c[j] / rowMean, terms.gradient(i * cols + j))
    }
}

struct FactoredSquares<T: GDOptFloat>: RangeKernel {
    let loop: FactoredLoop<T>

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func callAsFunction(_ rows: Range<Int>) {
        for i in rows {
            var lanes = SIMD4<Double>()  // four lanes fixed by j: the same sum on any thread count
            var j = 0
            while j + 4 <= loop.cols {
                var u = SIMD4<Double>()
                for lane in 0..<4 { u[lane] = Double(loop.update(i, j + lane)) }
                lanes += u * u
                j += 4
            }
            var sum = lanes.sum()
            while j < loop.cols {
                let u = Double(loop.update(i, j))
                sum += u * u
                j += 1
            }
            loop.rowSquares[i] = sum
        }
    }
}

struct ApplyFactored<T: GDOptFloat>: RangeKernel {
    let loop: FactoredLoop<T>, coefficient: T

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func callAsFunction(_ rows: Range<Int>) {
        for i in rows {
            for j in 0..<loop.cols { loop.terms.apply(i * loop.cols + j, loop.update(i, j), coefficient) }
        }
    }
}
