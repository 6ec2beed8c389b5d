/// The state of one ask/tell run (§9.2): the iterate, the point being evaluated, the best
/// point, the counters, the finite differences in progress and the method's own state.
/// Every vector is allocated at begin; no iteration allocates.
final class SolverRun {
    enum Phase: UInt8 {
        case requested  // an evaluation is planned at `point` (or at `probe` during differences)
        case awaitingTell  // ask returned EVALUATE
        case iterated  // ask returns ITERATE next
        case testing  // the stopping rules run next, then the next iteration starts
        case done
    }

    let n: Int
    let box: Box?
    let options: SolverOptions
    let needsGradient: Bool
    var method: any SearchMethod
    // The iterate, and the point being evaluated with what was told there.
    var x: Vector, g: Vector, f = Double.nan
    var point: Vector, pointG: Vector, pointF = Double.nan
    var best: Vector, bestG: Vector, bestF = Double.infinity, bestHasGradient = false
    var phase = Phase.requested
    var started = false  // the starting point has been evaluated
    var wantsGradient = true  // the planned evaluation
    var iteration = 0, evaluations = 0
    var previousF = Double.nan, lastStep = Double.nan, gradientNorm = Double.nan
    var hessian: HessianCallback?  // callbacks are not part of a checkpoint
    var observer: ((LineSearchStep) -> Void)?
    var reason = StopReason.maxIterations
    var failure: GDOptError?
    let differences: FiniteDifferences?

    init(
        x0: UnsafeBufferPointer<Double>, box: Box?, options: SolverOptions, needsGradient: Bool,
        makeMethod: (Int) throws(GDOptError) -> any SearchMethod
    ) throws(GDOptError) {
        n = x0.count
        self.box = box
        self.options = options
        self.needsGradient = needsGradient
        x = try Vector(copying: x0)
        box?.project(x)
        g = try Vector(count: n)
        point = try Vector(count: n)
        point.copy(from: x)
        pointG = try Vector(count: n)
        best = try Vector(count: n)
        best.copy(from: x)
        bestG = try Vector(count: n)
        differences = needsGradient && options.finiteDifferences ? try FiniteDifferences(count: n) : nil
        method = try makeMethod(n)
        wantsGradient = needsGradient
    }

    /// The EVALUATE asked for wants the caller's gradient (not a value for differences).
    var expectsGradient: Bool { wantsGradient && differences == nil }

    /// The objective failed with an error of its own: that call counts, and the run ends.
    func abort(_ error: GDOptError) {
        evaluations += 1
        _ = fail(error)
    }

    /// The gradient's ∞-norm, projected when there are bounds.
    func norm(x: Vector, g: Vector) -> Double {
        if let box { return box.projectedGradientNorm(x: x, g: g) }
        return VectorMath.maxNorm(g)
    }

    func finish(_ reason: StopReason) {
        self.reason = reason
        phase = .done
    }

    func fail(_ error: GDOptError) -> GDOptError {
        failure = error
        phase = .done
        return error
    }

    // MARK: - ask

    /// The next task, with its point in `out` (§9.2).
    func ask(into out: UnsafeMutableBufferPointer<Double>) throws(GDOptError) -> SolverTask {
        let task = try next()
        (task == .evaluate ? evaluationPoint : task == .iterate ? x : best).copy(to: out)
        return task
    }

    /// The point of the EVALUATE just asked for.
    var evaluationPoint: Vector { differences?.isProbing == true ? differences!.probe : point }

    /// The next task; its point is `evaluationPoint`, `x` or `best`.
    func next() throws(GDOptError) -> SolverTask {
        while true {
            switch phase {
            case .awaitingTell:
                throw .state("a tell is due for the last EVALUATE")
            case .requested:
                if options.maxEvaluations > 0 && evaluations >= options.maxEvaluations {
                    finish(.maxEvaluations)
                    continue
                }
                phase = .awaitingTell
                return .evaluate
            case .iterated:
                phase = .testing
                return .iterate
            case .testing:
                if let reason = stoppingReason() {
                    finish(reason)
                    continue
                }
                previousF = f
                do { apply(try method.advance(self)) } catch { throw fail(error) }
            case .done:
                return .done
            }
        }
    }

    private func stoppingReason() -> StopReason? {
        if needsGradient {
            if gradientNorm <= options.gtol { return .gradientTolerance }
            // |Δf| ≤ ftol·max(1, |f|); a line-search method also stops when f did not decrease
            // at all (ftol = 0 then means what scipy's factr = 0 means).
            let scale = options.ftol * Swift.max(1, Swift.abs(f))
            if iteration > 0
                && (method.isMonotone
                    ? previousF - f <= scale
                    : options.ftol > 0 && Swift.abs(previousF - f) <= scale)
            {
                return .functionTolerance
            }
            if iteration > 0 && options.xtol > 0 && lastStep <= options.xtol * Swift.max(1, VectorMath.maxNorm(x)) {
                return .stepTolerance
            }
        }
        return iteration >= options.maxIterations ? .maxIterations : nil
    }

    private func apply(_ step: MethodStep) {
        switch step {
        case .evaluate(let gradient):
            wantsGradient = gradient
            phase = .requested
        case .iterated(let step):
            iteration += 1
            lastStep = step
            gradientNorm = needsGradient ? norm(x: x, g: g) : .nan
            phase = .iterated
        case .lineSearchFailed:
            finish(.lineSearchFailed)
        }
    }

    // MARK: - tell

    /// f and the gradient at the last EVALUATE's point. NaN in either ends the run.
    func tell(f value: Double, gradient: UnsafeBufferPointer<Double>?) throws(GDOptError) {
        guard phase == .awaitingTell else { throw .state("no EVALUATE is waiting for a tell; call ask first") }
        let probing = differences?.isProbing == true
        let differencing = wantsGradient && differences != nil
        if wantsGradient && !differencing && gradient == nil {
            throw .null("grad is NULL, and the method needs the gradient (set finite_differences=1 to difference f)")
        }
        if let gradient, gradient.count != n { throw .size("grad has \(gradient.count) entries, n=\(n)") }
        evaluations += 1
        guard !value.isNaN else { throw fail(.callback("the objective returned NaN at evaluation \(evaluations)")) }
        if wantsGradient && !differencing, let gradient, let i = gradient.firstIndex(where: { !$0.isFinite }) {
            throw fail(.callback("the gradient's entry \(i) is \(gradient[i]) at evaluation \(evaluations)"))
        }
        if probing {
            if differences!.record(value, run: self) { phase = .requested } else { complete() }
            return
        }
        pointF = value
        if wantsGradient && !differencing && gradient!.baseAddress != UnsafePointer(pointG.base) {
            pointG.base.update(from: gradient!.baseAddress!, count: n)
        }
        if differencing && differences!.start(run: self) {
            phase = .requested
            return
        }
        complete()
    }

    /// The planned evaluation is whole (value, and gradient if asked): hand it to the
    /// method (the starting point becomes the first iterate).
    func complete() {
        if !started {
            started = true
            accept()
            gradientNorm = needsGradient ? norm(x: x, g: g) : .nan
            phase = .testing
            return
        }
        do { apply(try method.advance(self)) } catch { _ = fail(error) }
    }

    func result() -> SolverResult {
        let norm = bestHasGradient ? self.norm(x: best, g: bestG) : .nan
        return SolverResult(
            f: bestF, gradientNorm: norm, iterations: iteration, evaluations: evaluations, reason: reason)
    }
}

/// Gradients by differences of f (§9.1): centred, h = ε^(1/3)·max(1, |xᵢ|) (scipy's
/// '3-point' rule); at a bound the one-sided three-point formula on the inner side, so no
/// point leaves the box. The value at the point itself comes first, then two probes per
/// coordinate, each an EVALUATE of its own.
final class FiniteDifferences {
    enum Scheme: UInt8 { case centred, forward, backward }
    let probe: Vector
    var isProbing = false
    var index = 0, stage = 0
    var scheme = Scheme.centred, h = 0.0, first = 0.0

    init(count: Int) throws(GDOptError) { probe = try Vector(count: count) }

    /// Starts differencing at run.point (its value is run.pointF); false when no probe is needed.
    func start(run: SolverRun) -> Bool {
        probe.copy(from: run.point)
        index = 0
        return plan(run: run, from: 0)
    }

    /// Chooses the step of the first coordinate from `from` that needs probes and places
    /// the first probe; false when every coordinate is done.
    private func plan(run: SolverRun, from start: Int) -> Bool {
        var i = start
        while i < run.n {
            let x = run.point[i]
            let lower = run.box?.lower[i] ?? -.infinity
            let upper = run.box?.upper[i] ?? .infinity
            var step = 6.055454452393343e-06 * Swift.max(1, Swift.abs(x))  // ε^(1/3)·max(1, |x|)
            if x - step >= lower && x + step <= upper {
                scheme = .centred
            } else if x + 2 * step <= upper {
                scheme = .forward
            } else if x - 2 * step >= lower {
                scheme = .backward
            } else {
                // The box is narrower than the stencil: the wider side, reaching its bound.
                scheme = upper - x >= x - lower ? .forward : .backward
                step = Swift.max(upper - x, x - lower) / 2
            }
            if step > 0 {
                // The step as it is represented: (x + h) − x.
                h = scheme == .backward ? x - (x - step) : (x + step) - x
                index = i
                stage = 0
                isProbing = true
                probe[i] = scheme == .backward ? x - h : x + h
                return true
            }
            run.pointG[i] = 0
            i += 1
        }
        isProbing = false
        return false
    }

    /// Records a probe's value; true when another probe is placed, false when the gradient is whole.
    func record(_ value: Double, run: SolverRun) -> Bool {
        let i = index
        let x = run.point[i]
        let f0 = run.pointF
        if stage == 0 {
            first = value
            stage = 1
            probe[i] =
                switch scheme {
                case .centred: x - h
                case .forward: x + 2 * h
                case .backward: x - 2 * h
                }
            return true
        }
        run.pointG[i] =
            switch scheme {
            case .centred: (first - value) / (2 * h)
            case .forward: (-3 * f0 + 4 * first - value) / (2 * h)
            case .backward: (3 * f0 - 4 * first + value) / (2 * h)
            }
        probe[i] = x
        return plan(run: run, from: i + 1)
    }
}
