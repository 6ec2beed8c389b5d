/// gd, momentum and adam: one optimizer kernel step on the full gradient (the kernels
/// themselves, not copies), projected onto the box, then one evaluation.
struct KernelDescent: SearchMethod {
    enum Kind { case gd, momentum, adam }
    let kind: Kind
    let sgd: SGD?, adam: Adam?
    let first: Vector?, second: Vector?  // the momentum buffer, or Adam's moments
    var waiting = false
    var isMonotone: Bool { false }

    init(kind: Kind, options: SolverOptions, count n: Int) throws(GDOptError) {
        self.kind = kind
        switch kind {
        case .gd: (sgd, adam) = (SGD(learningRate: options.lr), nil)
        case .momentum: (sgd, adam) = (SGD(learningRate: options.lr, momentum: .heavyBall(options.momentum)), nil)
        case .adam: (sgd, adam) = (nil, Adam(learningRate: options.lr))
        }
        first = kind == .gd ? nil : try Vector(count: n)
        second = kind == .adam ? try Vector(count: n) : nil
    }

    mutating func advance(_ run: SolverRun) throws(GDOptError) -> MethodStep {
        guard waiting else {
            run.point.copy(from: run.x)
            if let adam {
                try Adam.update(
                    parameters: run.point.base, gradients: run.g.base, firstMoment: first!.base,
                    secondMoment: second!.base, maxSecondMoment: nil, count: run.n,
                    step: UInt64(run.iteration + 1), configuration: adam)
            } else {
                try SGD.update(
                    parameters: run.point.base, gradients: run.g.base, momentumBuffer: first?.base,
                    count: run.n, firstStep: run.iteration == 0, configuration: sgd!)
            }
            run.box?.project(run.point)
            waiting = true
            return .evaluate(gradient: true)
        }
        waiting = false
        let step = VectorMath.maxNorm(run.point, minus: run.x)
        run.accept()
        return .iterated(step: step)
    }

    func archive(_ out: inout StateWriter) {
        out.bool(waiting)
        if let first { out.vector(first) }
        if let second { out.vector(second) }
    }

    mutating func restore(_ input: inout StateReader) throws(GDOptError) {
        waiting = try input.bool()
        if let first { try input.vector(into: first) }
        if let second { try input.vector(into: second) }
    }
}

/// Steepest descent with Armijo backtracking, each search starting at twice the last step.
struct SteepestDescent: SearchMethod {
    let c1: Double
    let direction: Vector
    var alpha = 1.0
    var searching = false
    var search = Backtracking()
    var isMonotone: Bool { true }

    init(c1: Double, count n: Int) throws(GDOptError) {
        self.c1 = c1
        direction = try Vector(count: n)
    }

    mutating func advance(_ run: SolverRun) throws(GDOptError) -> MethodStep {
        let outcome: LineSearchOutcome
        if searching {
            outcome = search.resume(run, direction: direction, c1: c1)
        } else {
            VectorMath.scale(direction, -1, run.g)
            searching = true
            outcome = search.start(run, direction: direction, alpha0: 2 * alpha)
        }
        switch outcome {
        case .evaluate: return .evaluate(gradient: true)
        case .failed: return .lineSearchFailed
        case .accepted:
            searching = false
            alpha = search.alpha
            let step =
                run.box == nil ? alpha * VectorMath.maxNorm(direction) : VectorMath.maxNorm(run.point, minus: run.x)
            run.accept()
            return .iterated(step: step)
        }
    }

    func archive(_ out: inout StateWriter) {
        out.doubles(alpha)
        out.bool(searching)
        out.vector(direction)
        search.archive(&out)
    }

    mutating func restore(_ input: inout StateReader) throws(GDOptError) {
        alpha = try input.double()
        searching = try input.bool()
        try input.vector(into: direction)
        try search.restore(&input)
    }
}

extension SolverRun {
    /// The evaluated point becomes the iterate (the old iterate's vectors become scratch),
    /// and the result if it is the best iterate so far. (Trial points of a line search are
    /// not results: the last iterate is what scipy returns, and its gradient passed gtol.)
    func accept() {
        if pointF < bestF {
            best.copy(from: point)
            bestF = pointF
            bestHasGradient = wantsGradient
            if wantsGradient { bestG.copy(from: pointG) }
        }
        swap(&x, &point)
        swap(&g, &pointG)
        f = pointF
    }
}
