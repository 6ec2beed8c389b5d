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
    /// YᵀZZᵀY, YᵀZZᵀS and SᵀZZᵀS (m×m, unscaled) over the rows `gramMask` marks free: kept
    /// up to date as pairs come and go and as variables enter or leave the free set (as
    /// lbfgsb's formk does), instead of summed over every free row each iteration.
    var gramYY: [Double], gramYS: [Double], gramSS: [Double]
    let gramMask: Vector
    var gramValid = false
    /// The pair vectors' base addresses, oldest first, for the row kernels.
    private let sBases: UnsafeMutablePointer<UnsafeMutablePointer<Double>>
    private let yBases: UnsafeMutablePointer<UnsafeMutablePointer<Double>>

    var count: Int { s.count }

    init(memory: Int, count n: Int) throws(GDOptError) {
        self.memory = memory
        try Allocation.checkBudget(vectors: 4 * memory, count: memory, what: "memory=\(memory)")
        let pool = try Vector.pairs(memory: memory, count: n)
        // Kept in `unused` until used, so the arrays never grow past their capacity.
        self.s = []
        self.y = []
        self.s.reserveCapacity(memory)
        self.y.reserveCapacity(memory)
        spareS = try Vector(count: n)
        spareY = try Vector(count: n)
        unused = pool
        let what = "memory=\(memory)"
        ss = try Allocation.array(repeating: 0.0, count: memory * memory, what: what)
        sy = ss
        yy = ss
        middle = try Allocation.array(repeating: 0.0, count: 4 * memory * memory, what: what)
        (work, system) = (middle, middle)
        pivots = try Allocation.array(repeating: 0, count: 2 * memory, what: what)
        p = try Allocation.array(repeating: 0.0, count: 2 * memory, what: what)
        (c, w, mc, v, rowDots) = (p, p, p, p, p)
        (gramYY, gramYS, gramSS) = (ss, ss, ss)
        gramMask = try Vector(count: n)
        sBases = .allocate(capacity: memory)
        yBases = .allocate(capacity: memory)
    }

    deinit {
        sBases.deallocate()
        yBases.deallocate()
    }

    /// W's columns as the row kernels read them (valid until the next push or clear).
    var columns: CompactColumns {
        for j in 0..<count { (sBases[j], yBases[j]) = (s[j].base, y[j].base) }
        return CompactColumns(s: sBases, y: yBases, k: count, theta: theta)
    }

    private var unused: ([Vector], [Vector])

    func clear() {
        while let last = s.popLast() { unused.0.append(last) }
        while let last = y.popLast() { unused.1.append(last) }
        theta = 1
        gramValid = false
    }

    /// Stores s = newX − oldX, y = newG − oldG unless sᵀy ≤ ε·(−oldGᵀs) (lbfgsb's test);
    /// returns ‖s‖∞.
    func push(newX: Vector, oldX: Vector, newG: Vector, oldG: Vector) -> Double {
        let (curvature, _, _, gs, step) = VectorMath.pair(
            s: spareS, y: spareY, newX: newX, oldX: oldX, newG: newG, oldG: oldG)
        let descent = -gs
        guard curvature > Double.ulpOfOne * descent, curvature > 0 else { return step }
        let m = memory
        if s.count == m {
            // Drop the oldest pair: its vectors become the spares, the products shift.
            for i in 0..<(m - 1) {
                for j in 0..<(m - 1) {
                    ss[i * m + j] = ss[(i + 1) * m + j + 1]
                    sy[i * m + j] = sy[(i + 1) * m + j + 1]
                    yy[i * m + j] = yy[(i + 1) * m + j + 1]
                    gramYY[i * m + j] = gramYY[(i + 1) * m + j + 1]
                    gramYS[i * m + j] = gramYS[(i + 1) * m + j + 1]
                    gramSS[i * m + j] = gramSS[(i + 1) * m + j + 1]
                }
            }
            let oldS = s.removeFirst()
            let oldY = y.removeFirst()
            s.append(spareS)
            y.append(spareY)
            (spareS, spareY) = (oldS, oldY)
        } else {
            s.append(spareS)
            y.append(spareY)
            spareS = unused.0.removeLast()
            spareY = unused.1.removeLast()
        }
        // The new pair's products with every pair, all of them and over the free rows, in one sweep.
        let k = s.count
        let last = k - 1
        let columns = self.columns
        let masked = gramValid
        VectorMath.overBlocks(
            count: gramMask.count, perBlock: 8 * k,
            { block, partials in
                PairProducts(
                    columns: columns, mask: masked ? gramMask.base : nil, count: gramMask.count, block: block,
                    partials: partials)
            },
            combine: { blocks, partials in
                for j in 0..<k {
                    var total = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
                    for b in 0..<blocks {
                        let o = (b * k + j) * 8
                        total.0 += partials[o]
                        total.1 += partials[o + 1]
                        total.2 += partials[o + 2]
                        total.3 += partials[o + 3]
                        total.4 += partials[o + 4]
                        total.5 += partials[o + 5]
                        total.6 += partials[o + 6]
                        total.7 += partials[o + 7]
                    }
                    (ss[last * m + j], ss[j * m + last]) = (total.0, total.0)  // s_new·s_j
                    sy[last * m + j] = total.1  // s_new·y_j
                    sy[j * m + last] = total.2  // s_j·y_new
                    (yy[last * m + j], yy[j * m + last]) = (total.3, total.3)  // y_new·y_j
                    if masked {
                        (gramSS[last * m + j], gramSS[j * m + last]) = (total.4, total.4)
                        gramYS[j * m + last] = total.6  // y_j·s_new over the free rows
                        gramYS[last * m + j] = total.5  // y_new·s_j
                        (gramYY[last * m + j], gramYY[j * m + last]) = (total.7, total.7)
                    }
                }
            })
        theta = yy[last * m + last] / sy[last * m + last]
        return step
    }

    /// M = K⁻¹ with K = [[−D, Lᵀ], [L, θSᵀS]]; false when K is singular.
    func formMiddle() -> Bool {
        let k = count
        let k2 = 2 * k
        let m = memory
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
        var n = Int32(size)
        var rhs = Int32(columns)
        var info: Int32 = 0
        BLAS.openBLAS.useThreads(1)  // LAPACK
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

    /// v := N⁻¹·v with N = I − (1/θ)·M·(WᵀZZᵀW), where Z selects the free variables
    /// (`free` is 1 on them, 0 elsewhere). WᵀZZᵀW is summed over the free rows in one sweep.
    func solveReduced(free: Vector) -> Bool {
        let k = count
        let k2 = 2 * k
        let m = memory
        let theta = self.theta
        if gramValid {
            updateGram(to: free)
        } else {
            let columns = self.columns
            VectorMath.overBlocks(
                count: free.count, perBlock: k2 * k2,
                { block, partials in
                    FreeGram(columns: columns, free: free.base, count: free.count, block: block, partials: partials)
                },
                combine: { blocks, partials in
                    for a in 0..<k {
                        for c in 0..<k {
                            var yy = 0.0
                            var ys = 0.0
                            var ss = 0.0
                            for b in 0..<blocks {
                                let o = b * k2 * k2
                                yy += partials[o + a * k2 + c]
                                ys += partials[o + a * k2 + k + c]
                                ss += partials[o + (k + a) * k2 + k + c]
                            }
                            (gramYY[a * m + c], gramYS[a * m + c], gramSS[a * m + c]) = (yy, ys, ss)
                        }
                    }
                })
            gramMask.copy(from: free)
            gramValid = true
        }
        // work := WᵀZZᵀW for W = [Y θS].
        for a in 0..<k {
            for c in 0..<k {
                work[a * k2 + c] = gramYY[a * m + c]
                work[a * k2 + k + c] = theta * gramYS[a * m + c]
                work[(k + a) * k2 + c] = theta * gramYS[c * m + a]
                work[(k + a) * k2 + k + c] = theta * theta * gramSS[a * m + c]
            }
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

    /// Rows that entered the free set are added to the Gram blocks, rows that left it
    /// taken out, in index order.
    private func updateGram(to free: Vector) {
        let k = count
        let m = memory
        let columns = self.columns
        for i in 0..<free.count where free[i] != gramMask[i] {
            let sign = free[i] != 0 ? 1.0 : -1.0
            for a in 0..<k {
                let ya = sign * columns.y[a][i]
                let sa = sign * columns.s[a][i]
                for c in 0..<k {
                    gramYY[a * m + c] += ya * columns.y[c][i]
                    gramYS[a * m + c] += ya * columns.s[c][i]
                    gramSS[a * m + c] += sa * columns.s[c][i]
                }
            }
            gramMask[i] = free[i]
        }
    }

    func archive(_ out: inout StateWriter) {
        let k = count
        let m = memory
        out.doubles(Double(k), theta)
        for j in 0..<k {
            out.vector(s[j])
            out.vector(y[j])
            for i in 0..<k { out.doubles(ss[j * m + i], sy[j * m + i], yy[j * m + i]) }
        }
        out.bool(gramValid)
        if gramValid {
            for i in 0..<k { for j in 0..<k { out.doubles(gramYY[i * m + j], gramYS[i * m + j], gramSS[i * m + j]) } }
            out.vector(gramMask)
        }
    }

    func restore(_ input: inout StateReader) throws(GDOptError) {
        clear()
        let k = try input.count(atMost: memory)
        let m = memory
        theta = try input.double()
        for j in 0..<k {
            s.append(unused.0.removeLast())
            y.append(unused.1.removeLast())
            try input.vector(into: s[j])
            try input.vector(into: y[j])
            for i in 0..<k {
                (ss[j * m + i], sy[j * m + i], yy[j * m + i]) = (
                    try input.double(), try input.double(), try input.double()
                )
            }
        }
        gramValid = try input.bool()
        if gramValid {
            for i in 0..<k {
                for j in 0..<k {
                    (gramYY[i * m + j], gramYS[i * m + j], gramSS[i * m + j]) = (
                        try input.double(), try input.double(), try input.double()
                    )
                }
            }
            try input.vector(into: gramMask)
        }
    }
}
