import COpenBLAS

/// L-BFGS-B's memory in compact form (Byrd, Nocedal & Schnabel 1994): the last m pairs
/// (s, y), oldest first, with SᵀS, SᵀY and YᵀY kept up to date, θ = yᵀy/sᵀy of the newest
/// pair, and M = [[−D, Lᵀ], [L, θSᵀS]]⁻¹ (2k×2k, by LAPACK's dgesv). The small work
/// arrays (2m) are allocated once.
final class CompactPairs {
    let memory: Int
    private(set) var s: [Vector], y: [Vector]
    private var spareS: Vector, spareY: Vector
    var theta = 1.0
    var ss: [Double], sy: [Double], yy: [Double]  // m×m, row-major, logical order
    var middle: [Double], work: [Double], system: [Double], pivots: [Int32]  // 2m×2m
    var p: [Double], c: [Double], w: [Double], mc: [Double], v: [Double]  // 2m
    private var rowDots: [Double]

    var count: Int { s.count }

    init(memory: Int, count n: Int) throws(GDOptError) {
        self.memory = memory
        try Vector.checkBudget(vectors: 2 * memory + 2, count: n, what: "memory=\(memory)")
        try Vector.checkBudget(vectors: 4 * memory, count: memory, what: "memory=\(memory)")
        var s: [Vector] = [], y: [Vector] = []
        for _ in 0..<memory {
            s.append(try Vector(count: n))
            y.append(try Vector(count: n))
        }
        // Kept in `spare…` until used, so the arrays never grow past their capacity.
        self.s = []
        self.y = []
        self.s.reserveCapacity(memory)
        self.y.reserveCapacity(memory)
        spareS = try Vector(count: n)
        spareY = try Vector(count: n)
        free = (s, y)
        ss = [Double](repeating: 0, count: memory * memory)
        sy = ss
        yy = ss
        middle = [Double](repeating: 0, count: 4 * memory * memory)
        (work, system) = (middle, middle)
        pivots = [Int32](repeating: 0, count: 2 * memory)
        p = [Double](repeating: 0, count: 2 * memory)
        (c, w, mc, v, rowDots) = (p, p, p, p, p)
    }

    private var free: ([Vector], [Vector])

    func clear() {
        while let last = s.popLast() { free.0.append(last) }
        while let last = y.popLast() { free.1.append(last) }
        theta = 1
    }

    /// Stores s = newX − oldX, y = newG − oldG unless sᵀy ≤ ε·(−oldGᵀs) (lbfgsb's test);
    /// returns ‖s‖∞.
    func push(newX: Vector, oldX: Vector, newG: Vector, oldG: Vector) -> Double {
        VectorMath.difference(spareS, newX, oldX)
        VectorMath.difference(spareY, newG, oldG)
        let curvature = VectorMath.dot(spareS, spareY), descent = -VectorMath.dot(oldG, spareS)
        let step = VectorMath.maxNorm(spareS)
        guard curvature > Double.ulpOfOne * descent, curvature > 0 else { return step }
        let m = memory
        if s.count == m {
            // Drop the oldest pair: its vectors become the spares, the products shift.
            for i in 0..<(m - 1) {
                for j in 0..<(m - 1) {
                    ss[i * m + j] = ss[(i + 1) * m + j + 1]
                    sy[i * m + j] = sy[(i + 1) * m + j + 1]
                    yy[i * m + j] = yy[(i + 1) * m + j + 1]
                }
            }
            let oldS = s.removeFirst(), oldY = y.removeFirst()
            s.append(spareS)
            y.append(spareY)
            (spareS, spareY) = (oldS, oldY)
        } else {
            s.append(spareS)
            y.append(spareY)
            spareS = free.0.removeLast()
            spareY = free.1.removeLast()
        }
        let k = s.count, last = k - 1, newS = s[last], newY = y[last]
        rowDots.withUnsafeMutableBufferPointer { out in
            VectorMath.dots(newS, s, into: out.baseAddress!)
            for j in 0..<k { (ss[last * m + j], ss[j * m + last]) = (out[j], out[j]) }
            VectorMath.dots(newS, y, into: out.baseAddress!)
            for j in 0..<k { sy[last * m + j] = out[j] }
            VectorMath.dots(newY, s, into: out.baseAddress!)
            for j in 0..<k { sy[j * m + last] = out[j] }
            VectorMath.dots(newY, y, into: out.baseAddress!)
            for j in 0..<k { (yy[last * m + j], yy[j * m + last]) = (out[j], out[j]) }
        }
        theta = yy[last * m + last] / sy[last * m + last]
        return step
    }

    /// M = K⁻¹ with K = [[−D, Lᵀ], [L, θSᵀS]]; false when K is singular.
    func formMiddle() -> Bool {
        let k = count, k2 = 2 * k, m = memory
        guard k > 0 else { return true }
        for i in 0..<k2 { for j in 0..<k2 { middle[i * k2 + j] = i == j ? 1 : 0 } }
        for i in 0..<k {
            for j in 0..<k {
                work[i * k2 + j] = i == j ? -sy[i * m + i] : 0
                work[i * k2 + k + j] = j > i ? sy[j * m + i] : 0
                work[(k + i) * k2 + j] = i > j ? sy[i * m + j] : 0
                work[(k + i) * k2 + k + j] = theta * ss[i * m + j]
            }
        }
        return solve(&work, &middle, size: k2, columns: k2)  // K is symmetric: row- and column-major agree
    }

    /// Solves A·X = B in place (B becomes X), A column-major size×size, by LAPACK's LU.
    private func solve(_ a: inout [Double], _ b: inout [Double], size: Int, columns: Int) -> Bool {
        var n = Int32(size), rhs = Int32(columns), info: Int32 = 0
        BLAS.useThreads(1)
        a.withUnsafeMutableBufferPointer { a in
            b.withUnsafeMutableBufferPointer { b in
                pivots.withUnsafeMutableBufferPointer { ipiv in
                    dgesv_(&n, &rhs, a.baseAddress!, &n, ipiv.baseAddress!, b.baseAddress!, &n, &info)
                }
            }
        }
        return info == 0
    }

    /// out = Wᵀd = [Yᵀd; θ·Sᵀd].
    func project(_ d: Vector, into out: UnsafeMutablePointer<Double>) {
        let k = count
        VectorMath.dots(d, y, into: out)
        VectorMath.dots(d, s, into: out + k)
        for j in 0..<k { out[k + j] *= theta }
    }

    func project(_ d: Vector, into out: inout [Double]) {
        out.withUnsafeMutableBufferPointer { project(d, into: $0.baseAddress!) }
    }

    /// Row i of W: [y₁[i] … y_k[i], θ·s₁[i] … θ·s_k[i]].
    func row(_ i: Int, into out: inout [Double]) {
        let k = count
        for j in 0..<k {
            out[j] = y[j][i]
            out[k + j] = theta * s[j][i]
        }
    }

    /// aᵀ·M·b.
    func quadratic(_ a: [Double], _ b: [Double]) -> Double {
        let k2 = 2 * count
        var total = 0.0
        for i in 0..<k2 {
            var row = 0.0
            for j in 0..<k2 { row += middle[i * k2 + j] * b[j] }
            total += a[i] * row
        }
        return total
    }

    /// out = M·a.
    func multiplyMiddle(_ a: [Double], into out: inout [Double]) {
        let k2 = 2 * count
        for i in 0..<k2 {
            var row = 0.0
            for j in 0..<k2 { row += middle[i * k2 + j] * a[j] }
            out[i] = row
        }
    }

    /// v := N⁻¹·v with N = I − (1/θ)·M·(WᵀZZᵀW), where Z selects the free variables. WᵀZZᵀW
    /// is summed over the free rows, or as WᵀW less the active rows, whichever is fewer.
    func solveReduced(active: [Bool]) -> Bool {
        let k = count, k2 = 2 * k, m = memory, n = active.count
        let activeCount = active.reduce(0) { $0 + ($1 ? 1 : 0) }
        let fromFull = activeCount < n - activeCount
        // work := WᵀZZᵀW.
        for i in 0..<k2 { for j in 0..<k2 { work[i * k2 + j] = 0 } }
        if fromFull {
            for i in 0..<k {
                for j in 0..<k {
                    work[i * k2 + j] = yy[i * m + j]
                    work[i * k2 + k + j] = theta * sy[j * m + i]
                    work[(k + i) * k2 + j] = theta * sy[i * m + j]
                    work[(k + i) * k2 + k + j] = theta * theta * ss[i * m + j]
                }
            }
        }
        for r in 0..<n where active[r] == fromFull {
            row(r, into: &w)
            let sign = fromFull ? -1.0 : 1.0
            for i in 0..<k2 { for j in 0..<k2 { work[i * k2 + j] += sign * w[i] * w[j] } }
        }
        // N = I − (1/θ)·M·work, stored column-major for LAPACK.
        for i in 0..<k2 {
            for j in 0..<k2 {
                var sum = 0.0
                for l in 0..<k2 { sum += middle[i * k2 + l] * work[l * k2 + j] }
                system[j * k2 + i] = (i == j ? 1 : 0) - sum / theta
            }
        }
        return solve(&system, &v, size: k2, columns: 1)
    }

    func archive(_ out: inout StateWriter) {
        let k = count, m = memory
        out.doubles(Double(k), theta)
        for j in 0..<k {
            out.vector(s[j])
            out.vector(y[j])
            for i in 0..<k { out.doubles(ss[j * m + i], sy[j * m + i], yy[j * m + i]) }
        }
    }

    func restore(_ input: inout StateReader) throws(GDOptError) {
        clear()
        let k = try input.count(atMost: memory), m = memory
        theta = try input.double()
        for j in 0..<k {
            s.append(free.0.removeLast())
            y.append(free.1.removeLast())
            try input.vector(into: s[j])
            try input.vector(into: y[j])
            for i in 0..<k { (ss[j * m + i], sy[j * m + i], yy[j * m + i]) = (try input.double(), try input.double(), try input.double()) }
        }
    }
}
