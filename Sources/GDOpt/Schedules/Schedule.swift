import Glibc

/// Learning-rate schedules with torch.optim.lr_scheduler's values (`step` counts from 0).
public enum ScheduleKind: String, CaseIterable, Sendable {
    case constant, step, exponential, cosine
    case warmupCosine = "warmup_cosine"
    case inverseTime = "inverse_time"
    case oneCycle = "one_cycle"
    case plateau

    public init(name: String) throws(GDOptError) {
        guard let kind = Self(rawValue: name) else {
            throw .invalid(
                "kind \"\(name)\" is unknown; expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = kind
    }

    /// Each kind's parameters with defaults (torch's where torch has one).
    package var parameters: [HyperparameterSpec] {
        func p(_ name: String, _ value: Double, _ domain: HyperparameterSpec.Domain = .nonNegative)
            -> HyperparameterSpec
        {
            HyperparameterSpec(name: name, defaultValue: value, domain: domain)
        }
        let base = p("base_lr", 1e-3)
        switch self {
        case .constant: return [base]
        case .step: return [base, p("step_size", 1, .wholeNumber), p("gamma", 0.1)]
        case .exponential: return [base, p("gamma", 0.9)]
        case .cosine: return [base, p("t_max", 100, .wholeNumber), p("eta_min", 0)]
        case .warmupCosine:
            return [base, p("warmup_steps", 10, .wholeNumber), p("t_max", 100, .wholeNumber), p("eta_min", 0)]
        case .inverseTime: return [base, p("decay", 0.01)]
        case .oneCycle:
            return [
                base, p("max_lr", 0.1), p("total_steps", 100, .wholeNumber), p("pct_start", 0.3, .fraction),
                p("div_factor", 25), p("final_div_factor", 1e4),
            ]
        case .plateau:
            return [
                base, p("factor", 0.1, .fraction), p("patience", 10, .wholeNumber), p("threshold", 1e-4),
                p("min_lr", 0),
            ]
        }
    }
}

/// A learning-rate schedule. Not thread-safe: one per thread.
public final class Schedule {
    public let kind: ScheduleKind
    /// The kind's parameter table, built once: `learningRate` reads it on every step.
    private let table: [HyperparameterSpec]
    private var values: [Double]
    // ReduceLROnPlateau's state (mode min, relative threshold, cooldown 0).
    private var plateauLR: Double?
    private var best = Double.infinity
    private var badEpochs = 0

    public init(_ kind: ScheduleKind) {
        self.kind = kind
        table = kind.parameters
        values = table.map(\.defaultValue)
    }

    public convenience init(kind name: String) throws(GDOptError) { self.init(try ScheduleKind(name: name)) }

    private func index(_ name: String) throws(GDOptError) -> Int { try table.index(of: name, in: kind.rawValue) }

    public func set(_ name: String, _ value: Double) throws(GDOptError) {
        let i = try index(name)
        try table[i].check(value)
        values[i] = value
        if kind == .plateau { plateauLR = nil }  // a new base or floor starts over
    }

    public func get(_ name: String) throws(GDOptError) -> Double { values[try index(name)] }

    private func value(_ name: String) -> Double { values[(try? index(name)) ?? 0] }

    /// The learning rate at `step` (0-based). Plateau ignores `step`. Parameters that would
    /// make a rate NaN are `.invalid`: a schedule never reads as NaN (§8).
    public func learningRate(at step: UInt64) throws(GDOptError) -> Double {
        let lr = try rate(at: step)
        guard !lr.isNaN else {
            let settings = zip(table, values).map { "\($0.name)=\($1)" }.joined(separator: ", ")
            throw .invalid("\(kind.rawValue) with \(settings) has no finite rate at step \(step)")
        }
        return lr
    }

    private func rate(at step: UInt64) throws(GDOptError) -> Double {
        let base = value("base_lr")
        let t = Double(step)
        switch kind {
        case .constant:
            return base
        case .step:
            let size = value("step_size")
            guard size >= 1 else { throw .invalid("step_size=\(size) must be >= 1") }
            return base == 0 ? 0 : base * pow(value("gamma"), (t / size).rounded(.down))
        case .exponential:
            return base == 0 ? 0 : base * pow(value("gamma"), t)  // torch's 0·γ stays 0 where γᵗ overflows
        case .cosine:  // torch's closed form, periodic past t_max
            let tMax = value("t_max")
            let etaMin = value("eta_min")
            guard tMax > 0 else { throw .invalid("t_max=\(tMax) must be > 0") }
            return etaMin + (base - etaMin) * (1 + cos(Double.pi * t / tMax)) / 2
        case .warmupCosine:
            let w = value("warmup_steps")
            let tMax = value("t_max")
            let etaMin = value("eta_min")
            guard w < tMax else { throw .invalid("warmup_steps=\(w) must be below t_max=\(tMax)") }
            if t < w { return base * (t + 1) / w }
            if t > tMax { return etaMin }
            return etaMin + (base - etaMin) * (1 + cos(Double.pi * (t - w) / (tMax - w))) / 2
        case .inverseTime:
            return base / (1 + value("decay") * t)
        case .oneCycle:
            return try oneCycle(t)
        case .plateau:
            return plateauLR ?? base
        }
    }

    /// torch's OneCycleLR with cosine annealing (two phases): from max_lr/div_factor up to
    /// max_lr over pct_start of the steps, then down to initial/final_div_factor. Past the
    /// last step (where torch raises) it stays at the final value.
    private func oneCycle(_ t: Double) throws(GDOptError) -> Double {
        let total = value("total_steps")
        let maxLR = value("max_lr")
        guard total >= 2 else { throw .invalid("total_steps=\(total) must be >= 2") }
        guard value("div_factor") > 0, value("final_div_factor") > 0 else {
            throw .invalid("div_factor and final_div_factor must be > 0")
        }
        let initial = maxLR / value("div_factor")
        let final = initial / value("final_div_factor")
        let warmupEnd = value("pct_start") * total - 1
        let end = total - 1
        // torch divides by the warm-up's length: a phase of 0 steps is 0/0 (torch raises).
        guard warmupEnd != 0 else {
            throw .invalid("pct_start=\(value("pct_start")) with total_steps=\(total) makes a warm-up of 0 steps")
        }
        let step = Swift.min(t, end)
        func anneal(_ start: Double, _ stop: Double, _ pct: Double) -> Double {
            stop + (start - stop) / 2 * (1 + cos(Double.pi * pct))
        }
        if step <= warmupEnd { return anneal(initial, maxLR, step / warmupEnd) }
        return anneal(maxLR, final, (step - warmupEnd) / (end - warmupEnd))
    }

    /// Feeds one metric to ReduceLROnPlateau (mode min, relative threshold): after more than
    /// `patience` observations without improving on the best by that fraction, the rate is
    /// multiplied by `factor` (not below min_lr).
    public func observe(_ metric: Double) throws(GDOptError) {
        guard kind == .plateau else { throw .state("observe is for plateau schedules, this one is \(kind.rawValue)") }
        guard !metric.isNaN else { throw .invalid("metric=nan") }
        if metric < best * (1 - value("threshold")) {
            best = metric
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        if Double(badEpochs) > value("patience") {
            let current = plateauLR ?? value("base_lr")
            let reduced = Swift.max(current * value("factor"), value("min_lr"))
            if current - reduced > 1e-8 { plateauLR = reduced }
            badEpochs = 0
        }
    }
}
