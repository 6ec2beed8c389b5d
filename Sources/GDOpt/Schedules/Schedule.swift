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

    /// Each kind's parameters: the entries of its descriptor table, with its defaults.
    package var parameters: [HyperparameterSpec] {
        table.map { $0.spec(defaultValue: $0.value(in: defaults)) }
    }

    /// The settings the kind reads, in the order set/get and the C table list them.
    var table: [Hyperparameter<ScheduleSettings>] {
        let base = Hyperparameter<ScheduleSettings>("base_lr", \.baseLR)
        switch self {
        case .constant: return [base]
        case .step: return [base, .init("step_size", \.stepSize, .wholeNumber), .init("gamma", \.gamma)]
        case .exponential: return [base, .init("gamma", \.gamma)]
        case .cosine: return [base, .init("t_max", \.tMax, .wholeNumber), .init("eta_min", \.etaMin)]
        case .warmupCosine:
            return [
                base, .init("warmup_steps", \.warmupSteps, .wholeNumber), .init("t_max", \.tMax, .wholeNumber),
                .init("eta_min", \.etaMin),
            ]
        case .inverseTime: return [base, .init("decay", \.decay)]
        case .oneCycle:
            return [
                base, .init("max_lr", \.maxLR), .init("total_steps", \.totalSteps, .wholeNumber),
                .init("pct_start", \.pctStart, .fraction), .init("div_factor", \.divFactor),
                .init("final_div_factor", \.finalDivFactor),
            ]
        case .plateau:
            return [
                base, .init("factor", \.factor, .fraction), .init("patience", \.patience, .wholeNumber),
                .init("threshold", \.threshold), .init("min_lr", \.minLR),
            ]
        }
    }

    /// torch's defaults, where torch has them; only exponential's gamma differs between kinds.
    var defaults: ScheduleSettings {
        var settings = ScheduleSettings()
        if self == .exponential { settings.gamma = 0.9 }
        return settings
    }
}

/// Every schedule's settings; a kind reads those its table lists. Counts are whole numbers
/// kept as Double, as the formulas use them.
struct ScheduleSettings {
    var baseLR = 1e-3
    var stepSize = 1.0, gamma = 0.1  // step (exponential: gamma 0.9)
    var tMax = 100.0, etaMin = 0.0, warmupSteps = 10.0  // cosine, warmup_cosine
    var decay = 0.01  // inverse_time
    var maxLR = 0.1, totalSteps = 100.0, pctStart = 0.3, divFactor = 25.0, finalDivFactor = 1e4  // one_cycle
    var factor = 0.1, patience = 10.0, threshold = 1e-4, minLR = 0.0  // plateau
}

/// A learning-rate schedule. Not thread-safe: one per thread.
public final class Schedule {
    public let kind: ScheduleKind
    /// The kind's descriptor table, built once.
    private let table: [Hyperparameter<ScheduleSettings>]
    private var settings: ScheduleSettings
    // ReduceLROnPlateau's state (mode min, relative threshold, cooldown 0).
    private var plateauLR: Double?
    private var best = Double.infinity
    private var badEpochs = 0

    public init(_ kind: ScheduleKind) {
        self.kind = kind
        table = kind.table
        settings = kind.defaults
    }

    public convenience init(kind name: String) throws(GDOptError) { self.init(try ScheduleKind(name: name)) }

    private func parameter(_ name: String) throws(GDOptError) -> Hyperparameter<ScheduleSettings> {
        table[try table.index(of: name, in: kind.rawValue)]
    }

    public func set(_ name: String, _ value: Double) throws(GDOptError) {
        try parameter(name).set(value, in: &settings)
        if kind == .plateau { plateauLR = nil }  // a new base or floor starts over
    }

    public func get(_ name: String) throws(GDOptError) -> Double { try parameter(name).value(in: settings) }

    /// The learning rate at `step` (0-based). Plateau ignores `step`. Parameters that would
    /// make a rate NaN are `.invalid`: a schedule never reads as NaN (§8).
    public func learningRate(at step: UInt64) throws(GDOptError) -> Double {
        let lr = try rate(at: step)
        guard !lr.isNaN else {
            let values = table.map { "\($0.name)=\($0.value(in: settings))" }.joined(separator: ", ")
            throw .invalid("\(kind.rawValue) with \(values) has no finite rate at step \(step)")
        }
        return lr
    }

    private func rate(at step: UInt64) throws(GDOptError) -> Double {
        let s = settings
        let base = s.baseLR
        let t = Double(step)
        switch kind {
        case .constant:
            return base
        case .step:
            let size = s.stepSize
            guard size >= 1 else { throw .invalid("step_size=\(size) must be >= 1") }
            return base == 0 ? 0 : base * pow(s.gamma, (t / size).rounded(.down))
        case .exponential:
            return base == 0 ? 0 : base * pow(s.gamma, t)  // torch's 0·γ stays 0 where γᵗ overflows
        case .cosine:  // torch's closed form, periodic past t_max
            let tMax = s.tMax
            let etaMin = s.etaMin
            guard tMax > 0 else { throw .invalid("t_max=\(tMax) must be > 0") }
            return etaMin + (base - etaMin) * (1 + cos(Double.pi * t / tMax)) / 2
        case .warmupCosine:
            let w = s.warmupSteps
            let tMax = s.tMax
            let etaMin = s.etaMin
            guard w < tMax else { throw .invalid("warmup_steps=\(w) must be below t_max=\(tMax)") }
            if t < w { return base * (t + 1) / w }
            if t > tMax { return etaMin }
            return etaMin + (base - etaMin) * (1 + cos(Double.pi * (t - w) / (tMax - w))) / 2
        case .inverseTime:
            return base / (1 + s.decay * t)
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
        let s = settings
        let total = s.totalSteps
        let maxLR = s.maxLR
        guard total >= 2 else { throw .invalid("total_steps=\(total) must be >= 2") }
        guard s.divFactor > 0, s.finalDivFactor > 0 else {
            throw .invalid("div_factor and final_div_factor must be > 0")
        }
        let initial = maxLR / s.divFactor
        let final = initial / s.finalDivFactor
        let warmupEnd = s.pctStart * total - 1
        let end = total - 1
        // torch divides by the warm-up's length: a phase of 0 steps is 0/0 (torch raises).
        guard warmupEnd != 0 else {
            throw .invalid("pct_start=\(s.pctStart) with total_steps=\(total) makes a warm-up of 0 steps")
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
        let s = settings
        if metric < best * (1 - s.threshold) {
            best = metric
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        if Double(badEpochs) > s.patience {
            let current = plateauLR ?? s.baseLR
            let reduced = Swift.max(current * s.factor, s.minLR)
            if current - reduced > 1e-8 { plateauLR = reduced }
            badEpochs = 0
        }
    }
}
