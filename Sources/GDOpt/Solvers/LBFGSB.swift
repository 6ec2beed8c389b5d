import COpenBLAS

/// L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995, with Morales & Nocedal's 2011 subspace step):
/// lbfgs when the solver has bounds. Each iteration finds the generalized Cauchy point
/// along the projected steepest-descent path of the compact model B = θI − W·M·Wᵀ
/// (W = [Y θS], M = [[−D, Lᵀ], [L, θSᵀS]]⁻¹), minimises the model over the variables
/// left free there (direct primal method), projects that point onto the box (backtracking
/// to the box if the projection is not a descent direction), and searches along it with
/// Moré and Thuente's line search (as lbfgsb does), kept in the box. The products SᵀS, SᵀY, YᵀY are kept up
/// to date (4 sweeps per stored pair), so an iteration costs O(n·m) plus O(m²) per
/// breakpoint passed and O(min(free, active)·m²) for the reduced model.
struct LBFGSB: SearchMethod {
    let c1: Double, c2: Double, n: Int
    let pairs: CompactPairs
    let direction: Vector, cauchy: Vector, breakpoints: Vector, reduced: Vector
    let free: Vector  // 1 on the variables the Cauchy point left free, 0 on those it fixed
    var heap: [Int]
    var searching = false
    var search = MoreThuente()

    var isMonotone: Bool { true }

    init(memory: Int, c1: Double, c2: Double, count n: Int) throws(GDOptError) {
        (self.c1, self.c2, self.n) = (c1, c2, n)
        pairs = try CompactPairs(memory: memory, count: n)
        direction = try Vector(count: n)
        cauchy = try Vector(count: n)
        breakpoints = try Vector(count: n)
        reduced = try Vector(count: n)
        free = try Vector(count: n)
        heap = try Allocation.array(repeating: 0, count: n, what: "the breakpoint heap")
        let blocks = (n + VectorMath.blockSize(n) - 1) / VectorMath.blockSize(n)
        try Allocation.checkBudget(vectors: 4 * memory * memory, count: blocks, what: "memory=\(memory)")
        reservePartials(count: blocks * Swift.max(4 * memory * memory, 8 * memory, 5))
    }

    mutating func advance(_ run: SolverRun) throws(GDOptError) -> MethodStep {
        let box = run.box!
        if searching {
            switch search.resume(run, direction: direction, c2: c2) {
            case .evaluate: return .evaluate(gradient: true)
            case .failed:
                searching = false
                // As lbfgsb does: forget the pairs and try again from steepest descent.
                guard pairs.count > 0 else { return .lineSearchFailed }
                pairs.clear()
                return try advance(run)
            case .accepted:
                searching = false
                let step = pairs.push(newX: run.point, oldX: run.x, newG: run.pointG, oldG: run.g)
                run.accept()
                return .iterated(step: step)
            }
        }
        if !pairs.formMiddle() { pairs.clear() }
        let clearedAll = generalizedCauchyPoint(run, box)
        if pairs.count > 0 && !clearedAll { minimizeSubspace(run, box) }
        VectorMath.difference(direction, cauchy, run.x)
        guard VectorMath.dot(run.g, direction) < 0 else {
            guard pairs.count > 0 else { return .lineSearchFailed }
            pairs.clear()
            return try advance(run)
        }
        // lbfgsb's first step: at most 1, and 1/‖d‖₂ unless every variable is boxed.
        let alphaMax = run.iteration == 0 ? 1 : box.maxStep(x: run.x, d: direction, limit: 1e10)
        var alpha0 = 1.0
        if run.iteration == 0 && !box.isFinite {
            alpha0 = Swift.min(1 / VectorMath.dot(direction, direction).squareRoot(), alphaMax)
        }
        searching = true
        switch search.start(run, direction: direction, alpha0: alpha0, alphaMax: alphaMax, c1: c1) {
        case .evaluate: return .evaluate(gradient: true)
        default: return .lineSearchFailed
        }
    }

    /// The generalized Cauchy point into `cauchy`, `free` marking the variables it left free
    /// at a bound, and c = Wᵀ(xᶜ − x) into pairs.c (Algorithm CP of the 1995 paper).
    /// Returns true when every variable is fixed.
    private mutating func generalizedCauchyPoint(_ run: SolverRun, _ box: Box) -> Bool {
        let x = run.x
        let g = run.g
        let d = reduced
        let t = breakpoints
        var heapCount = 0
        for i in 0..<n {
            let gi = g[i]
            var ti = Double.infinity
            if gi < 0 && box.upper[i] < .infinity { ti = (x[i] - box.upper[i]) / gi }
            if gi > 0 && box.lower[i] > -.infinity { ti = (x[i] - box.lower[i]) / gi }
            t[i] = ti
            free[i] = ti <= 0 ? 0 : 1
            d[i] = ti <= 0 ? 0 : -gi
            if ti > 0 && ti < .infinity {
                heap[heapCount] = i
                heapCount += 1
            }
        }
        cauchy.copy(from: x)
        let k2 = 2 * pairs.count
        let theta = pairs.theta
        pairs.project(d, into: &pairs.p)  // p = Wᵀd
        for j in 0..<k2 { pairs.c[j] = 0 }
        var f1 = -VectorMath.dot(d, d)
        var f2 = -theta * f1 - pairs.quadratic(pairs.p, pairs.p)
        let f2Original = f2
        var dtMin = -f1 / f2
        var tOld = 0.0
        heapify(heapCount, t)
        while heapCount > 0 {
            let b = heap[0]
            let tb = t[b]
            if dtMin < tb - tOld { break }
            heapCount -= 1
            heap[0] = heap[heapCount]
            siftDown(0, heapCount, t)
            let dt = tb - tOld
            let xb = d[b] > 0 ? box.upper[b] : box.lower[b]
            let zb = xb - x[b]
            let gb = g[b]
            cauchy[b] = xb
            for j in 0..<k2 { pairs.c[j] += dt * pairs.p[j] }
            pairs.row(b, into: &pairs.w)
            f1 += dt * f2 + gb * gb + theta * gb * zb - gb * pairs.quadratic(pairs.w, pairs.c)
            f2 +=
                -theta * gb * gb - 2 * gb * pairs.quadratic(pairs.w, pairs.p) - gb * gb
                * pairs.quadratic(pairs.w, pairs.w)
            f2 = Swift.max(Double.ulpOfOne * f2Original, f2)
            for j in 0..<k2 { pairs.p[j] += gb * pairs.w[j] }
            d[b] = 0
            free[b] = 0
            dtMin = -f1 / f2
            tOld = tb
        }
        dtMin = Swift.max(0, dtMin)
        tOld += dtMin
        var freeCount = 0
        for i in 0..<n where free[i] != 0 {
            if d[i] != 0 { cauchy[i] = box.clamp(x[i] + tOld * d[i], i) }
            freeCount += 1
        }
        for j in 0..<k2 { pairs.c[j] += dtMin * pairs.p[j] }
        return freeCount == 0
    }

    /// Minimises the model over the free variables from the Cauchy point (direct primal
    /// method, §5.1 of the paper) and puts the result, projected, into `cauchy`.
    private func minimizeSubspace(_ run: SolverRun, _ box: Box) {
        let x = run.x
        let g = run.g
        let r = reduced
        let columns = pairs.columns
        let free = self.free
        let cauchy = self.cauchy
        // r = −Zᵀ(g + θ(xᶜ − x) − W·M·c), zero on the active variables.
        pairs.multiplyMiddle(pairs.c, into: &pairs.mc)
        // p = WᵀZr = [Yᵀr; θSᵀr] in the same sweep.
        let k = pairs.count
        let theta = pairs.theta
        let pairs = self.pairs
        pairs.mc.withUnsafeBufferPointer { mc in
            VectorMath.overBlocks(
                count: n, perBlock: 2 * k,
                { block, partials in
                    ReducedGradient(
                        columns: columns, mc: mc.baseAddress!, r: r.base, g: g.base, x: x.base, cauchy: cauchy.base,
                        free: free.base, count: n, block: block, partials: partials)
                },
                combine: { blocks, partials in
                    for j in 0..<(2 * k) {
                        var sum = 0.0
                        for b in 0..<blocks { sum += partials[b * 2 * k + j] }
                        pairs.p[j] = j < k ? sum : theta * sum
                    }
                })
        }
        // v = N⁻¹·M·WᵀZr with N = I − (1/θ)·M·WᵀZZᵀW.
        pairs.multiplyMiddle(pairs.p, into: &pairs.v)
        guard pairs.solveReduced(free: free) else { return }
        let (slope, clipped) = pairs.v.withUnsafeBufferPointer { v in
            box.lower.withUnsafeBufferPointer { lower in
                box.upper.withUnsafeBufferPointer { upper in
                    VectorMath.overBlocks(
                        count: n, perBlock: 2,
                        { block, partials in
                            SubspaceStep(
                                columns: columns, v: v.baseAddress!, r: r.base, g: g.base, x: x.base,
                                cauchy: cauchy.base,
                                free: free.base, lower: lower.baseAddress!, upper: upper.baseAddress!, count: n,
                                block: block, partials: partials)
                        },
                        combine: { blocks, partials in
                            var slope = 0.0
                            var clipped = false
                            for b in 0..<blocks {
                                slope += partials[2 * b]
                                clipped = clipped || partials[2 * b + 1] != 0
                            }
                            return (slope, clipped)
                        })
                }
            }
        }
        // Morales & Nocedal: take the projected point if it is a descent direction, else
        // the longest step along d^u that stays in the box.
        var alpha = 1.0
        if clipped && slope > 0 {
            for i in 0..<n where free[i] != 0 && r[i] != 0 {
                let room = r[i] > 0 ? box.upper[i] - cauchy[i] : box.lower[i] - cauchy[i]
                alpha = Swift.min(alpha, Swift.max(0, room / r[i]))
            }
        }
        box.lower.withUnsafeBufferPointer { lower in
            box.upper.withUnsafeBufferPointer { upper in
                Parallel.forEach(
                    MoveFree(
                        cauchy: cauchy.base, du: r.base, alpha: alpha, free: free.base,
                        lower: lower.baseAddress!, upper: upper.baseAddress!), count: n)
            }
        }
    }

    private mutating func heapify(_ count: Int, _ t: Vector) {
        var i = count / 2 - 1
        while i >= 0 {
            siftDown(i, count, t)
            i -= 1
        }
    }

    /// Orders by breakpoint, then index, so the order never depends on the heap's history.
    private mutating func siftDown(_ start: Int, _ count: Int, _ t: Vector) {
        var i = start
        while true {
            var smallest = i
            for child in (2 * i + 1)...(2 * i + 2) where child < count {
                let a = heap[child]
                let b = heap[smallest]
                if t[a] < t[b] || (t[a] == t[b] && a < b) { smallest = child }
            }
            if smallest == i { return }
            heap.swapAt(i, smallest)
            i = smallest
        }
    }

    func archive(_ out: inout StateWriter) {
        out.bool(searching)
        out.vector(direction)
        search.archive(&out)
        pairs.archive(&out)
    }

    mutating func restore(_ input: inout StateReader) throws(GDOptError) {
        searching = try input.bool()
        try input.vector(into: direction)
        try search.restore(&input)
        try pairs.restore(&input)
    }
}
