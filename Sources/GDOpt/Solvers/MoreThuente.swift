/// The line search of L-BFGS-B: Moré & Thuente (1994), as MINPACK-2's dcsrch and dcstep
/// write it, with lbfgsb's settings: ftol = c1, gtol = c2, xtol = 0.1, steps in
/// [0, stpmax] (stpmax keeps the trial points in the box). It ends at a point with
/// sufficient decrease and |φ'(α)| ≤ c2·|φ'(0)|, or, as lbfgsb does, at dcsrch's warnings
/// (interval too small, stpmax reached) when the point found does not increase f (at the
/// precision of f, an iteration without decrease then ends the run). Twenty trials
/// without an end is a failure (lbfgsb's limit).
struct MoreThuente {
    var stp = 0.0, stpMax = 0.0
    var finit = 0.0, ginit = 0.0, gtest = 0.0
    var brackt = false, stage = 1, trials = 0
    var stx = 0.0, fx = 0.0, gx = 0.0, sty = 0.0, fy = 0.0, gy = 0.0
    var stmin = 0.0, stmax = 0.0, width = 0.0, width1 = 0.0
    static let xtol = 0.1, limit = 20

    mutating func start(_ run: SolverRun, direction d: Vector, alpha0: Double, alphaMax: Double, c1: Double)
        -> LineSearchOutcome
    {
        finit = run.f
        ginit = VectorMath.dot(run.g, d)
        guard ginit < 0, alphaMax > 0 else { return .failed }
        (stp, stpMax, brackt, stage, trials) = (Swift.min(alpha0, alphaMax), alphaMax, false, 1, 1)
        gtest = c1 * ginit
        width = alphaMax
        width1 = width / 0.5
        (stx, fx, gx, sty, fy, gy) = (0, finit, ginit, 0, finit, ginit)
        stmin = 0
        stmax = stp + 4 * stp
        place(run, d)
        return .evaluate
    }

    private func place(_ run: SolverRun, _ d: Vector) {
        VectorMath.axpy(run.point, run.x, stp, d)
        run.box?.project(run.point)
    }

    mutating func resume(_ run: SolverRun, direction d: Vector, c2: Double) -> LineSearchOutcome {
        let f = run.pointF
        let g = VectorMath.dot(run.pointG, d)
        let ftest = finit + stp * gtest
        if stage == 1 && f <= ftest && g >= 0 { stage = 2 }
        if f <= ftest && Swift.abs(g) <= c2 * -ginit { return accept(run, f, g) }
        // dcsrch's warnings end the search too; lbfgsb takes the point if it decreased f.
        let warning =
            (brackt && (stp <= stmin || stp >= stmax)) || (brackt && stmax - stmin <= Self.xtol * stmax)
            || (stp == stpMax && f <= ftest && g <= gtest) || (stp == 0 && (f > ftest || g >= gtest))
        if warning { return f <= finit ? accept(run, f, g) : .failed }
        guard trials < Self.limit else { return .failed }
        if stage == 1 && f <= fx && f > ftest {
            // The modified function ψ(α) = φ(α) − φ(0) − gtest·α until a point with
            // sufficient decrease and a non-negative slope is found.
            var fxm = fx - stx * gtest
            var fym = fy - sty * gtest
            var gxm = gx - gtest
            var gym = gy - gtest
            stp = Self.step(&stx, &fxm, &gxm, &sty, &fym, &gym, stp, f - stp * gtest, g - gtest, &brackt, stmin, stmax)
            (fx, fy, gx, gy) = (fxm + stx * gtest, fym + sty * gtest, gxm + gtest, gym + gtest)
        } else {
            stp = Self.step(&stx, &fx, &gx, &sty, &fy, &gy, stp, f, g, &brackt, stmin, stmax)
        }
        if brackt {
            if Swift.abs(sty - stx) >= 0.66 * width1 { stp = stx + 0.5 * (sty - stx) }
            width1 = width
            width = Swift.abs(sty - stx)
            (stmin, stmax) = (Swift.min(stx, sty), Swift.max(stx, sty))
        } else {
            stmin = stp + 1.1 * (stp - stx)
            stmax = stp + 4 * (stp - stx)
        }
        stp = Swift.min(Swift.max(stp, 0), stpMax)
        if brackt && (stp <= stmin || stp >= stmax || stmax - stmin <= Self.xtol * stmax) { stp = stx }
        trials += 1
        place(run, d)
        return .evaluate
    }

    private func accept(_ run: SolverRun, _ f: Double, _ g: Double) -> LineSearchOutcome {
        run.observer?(LineSearchStep(alpha: stp, f0: finit, slope0: ginit, f: f, slope: g))
        return .accepted
    }

    /// dcstep: a safeguarded step from the interval (stx, sty) and the trial (stp, fp, dp),
    /// by cubic and quadratic (secant) interpolation; updates the interval and `brackt`
    /// and returns the next step.
    private static func step(
        _ stx: inout Double, _ fx: inout Double, _ dx: inout Double, _ sty: inout Double,
        _ fy: inout Double, _ dy: inout Double, _ stp: Double, _ fp: Double, _ dp: Double,
        _ brackt: inout Bool, _ stmin: Double, _ stmax: Double
    ) -> Double {
        let sgnd = dp * (dx / Swift.abs(dx))
        let stpf: Double
        if fp > fx {
            // A higher value: the minimum is bracketed. The cubic step if it is closer to
            // stx than the quadratic one, else their mean.
            let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
            let s = Swift.max(Swift.abs(theta), Swift.abs(dx), Swift.abs(dp))
            var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp < stx { gamma = -gamma }
            let p = (gamma - dx) + theta
            let q = ((gamma - dx) + gamma) + dp
            let stpc = stx + p / q * (stp - stx)
            let stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2) * (stp - stx)
            stpf = Swift.abs(stpc - stx) < Swift.abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2
            brackt = true
        } else if sgnd < 0 {
            // A lower value and slopes of opposite sign: bracketed.
            let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
            let s = Swift.max(Swift.abs(theta), Swift.abs(dx), Swift.abs(dp))
            var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp > stx { gamma = -gamma }
            let p = (gamma - dp) + theta
            let q = ((gamma - dp) + gamma) + dx
            let stpc = stp + p / q * (stx - stp)
            let stpq = stp + (dp / (dp - dx)) * (stx - stp)
            stpf = Swift.abs(stpc - stp) > Swift.abs(stpq - stp) ? stpc : stpq
            brackt = true
        } else if Swift.abs(dp) < Swift.abs(dx) {
            // A lower value, slopes of one sign, the slope's magnitude decreasing.
            let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
            let s = Swift.max(Swift.abs(theta), Swift.abs(dx), Swift.abs(dp))
            var gamma = s * Swift.max(0, (theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp > stx { gamma = -gamma }
            let p = (gamma - dp) + theta
            let q = (gamma + (dx - dp)) + gamma
            let r = p / q
            let stpc = r < 0 && gamma != 0 ? stp + r * (stx - stp) : (stp > stx ? stmax : stmin)
            let stpq = stp + (dp / (dp - dx)) * (stx - stp)
            if brackt {
                let nearer = Swift.abs(stpc - stp) < Swift.abs(stpq - stp) ? stpc : stpq
                stpf =
                    stp > stx
                    ? Swift.min(stp + 0.66 * (sty - stp), nearer) : Swift.max(stp + 0.66 * (sty - stp), nearer)
            } else {
                let farther = Swift.abs(stpc - stp) > Swift.abs(stpq - stp) ? stpc : stpq
                stpf = Swift.max(stmin, Swift.min(stmax, farther))
            }
        } else if brackt {
            // A lower value, slopes of one sign, not decreasing: the cubic through stp and sty.
            let theta = 3 * (fp - fy) / (sty - stp) + dy + dp
            let s = Swift.max(Swift.abs(theta), Swift.abs(dy), Swift.abs(dp))
            var gamma = s * ((theta / s) * (theta / s) - (dy / s) * (dp / s)).squareRoot()
            if stp > sty { gamma = -gamma }
            let p = (gamma - dp) + theta
            let q = ((gamma - dp) + gamma) + dy
            stpf = stp + p / q * (sty - stp)
        } else {
            stpf = stp > stx ? stmax : stmin
        }
        if fp > fx {
            (sty, fy, dy) = (stp, fp, dp)
        } else {
            if sgnd < 0 { (sty, fy, dy) = (stx, fx, dx) }
            (stx, fx, dx) = (stp, fp, dp)
        }
        return stpf
    }

    func archive(_ out: inout StateWriter) {
        out.bool(brackt)
        out.doubles(
            stp, stpMax, finit, ginit, gtest, Double(stage), Double(trials), stx, fx, gx, sty, fy, gy, stmin, stmax,
            width, width1)
    }

    mutating func restore(_ input: inout StateReader) throws(GDOptError) {
        brackt = try input.bool()
        (stp, stpMax, finit, ginit, gtest) = (
            try input.double(), try input.double(), try input.double(), try input.double(),
            try input.double()
        )
        stage = try input.count(atMost: 2)
        trials = try input.count(atMost: Self.limit)
        (stx, fx, gx, sty, fy, gy) = (
            try input.double(), try input.double(), try input.double(), try input.double(),
            try input.double(), try input.double()
        )
        (stmin, stmax, width, width1) = (try input.double(), try input.double(), try input.double(), try input.double())
    }
}
