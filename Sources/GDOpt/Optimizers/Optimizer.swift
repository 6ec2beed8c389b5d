/// An optimizer that keeps per-slot state and updates caller-owned buffers in place, in
/// the manner of torch.optim: a slot is one parameter buffer (a layer's weights, say),
/// its state is created on its first step, and later steps must keep its n and dtype.
///
///     let adam = try Optimizer(Adam(learningRate: 0.01))
///     try adam.step(slot: 0, parameters: &weights, gradients: grads)
///
/// Not thread-safe: use one optimizer from one thread at a time.
public final class Optimizer {
    public let kind: OptimizerKind
    /// The update rule's configuration; `set` by name changes it.
    var rule: any SteppingRule {
        didSet { derived = Derived(rule) }
    }
    /// What a step needs of the rule, worked out when it changes rather than on every step
    /// (a configuration larger than an existential's inline buffer is copied on each access).
    private var derived: Derived
    public internal(set) var policy: GradientPolicy
    var slots: [Int: Slot] = [:]
    /// Buffers that `check` allocated for a step that has not run yet, by slot. They are not
    /// state (checkpoints do not see them): the slot's next step uses them, so a step that
    /// was checked cannot fail for memory; reset and restore drop them.
    var reserved: [Int: (dtype: DType, buffers: [Int: AlignedBuffer])] = [:]
    /// Shapes given by `setShape` to slots before their first step (kept by `reset`).
    var shapes: [Int: (rows: Int, cols: Int)] = [:]
    /// The compact steps' working memory (allocated by the first, grown with the thread count).
    private let workspace = CompactWorkspace()

    /// An optimizer with torch's defaults for `kind`.
    public init(_ kind: OptimizerKind) {
        self.kind = kind
        rule = kind.defaultRule
        derived = Derived(rule)
        policy = GradientPolicy()
    }

    /// An optimizer with the given configuration; throws `.invalid` for a value out of
    /// range or an invalid combination.
    public init(_ rule: some OptimizerRule, policy: GradientPolicy = GradientPolicy()) throws(GDOptError) {
        guard let stepping = rule as? any SteppingRule else {
            throw .invalid("\(type(of: rule)) is not one of gdopt's optimizer rules")
        }
        try rule.validate()
        try policy.checkRanges()
        (kind, self.rule, self.policy, derived) = (rule.kind, stepping, policy, Derived(stepping))
    }

    private struct Derived {
        let plan: StatePlan
        let stateFormat: StateFormat
        let moments: [Moment]
        /// Why a step cannot run with these values (torch checks combinations when stepping).
        let combinationError: GDOptError?

        init(_ rule: any SteppingRule) {
            plan = rule.statePlan
            (stateFormat, moments) = (rule.stateFormat, type(of: rule).stateMoments)
            do { try rule.checkCombination() } catch { combinationError = error; return }
            combinationError = nil
        }
    }

    public convenience init(kind name: String) throws(GDOptError) {
        self.init(try OptimizerKind(name: name))
    }

    /// The typed configuration, for example an `Adam`.
    public var configuration: any OptimizerRule { rule }

    /// The hyperparameter values in the order of `kind.hyperparameters` (the checkpoint's).
    public var values: [Double] { rule.values + policy.values }

    public func get(_ name: String) throws(GDOptError) -> Double {
        values[try kind.hyperparameters.index(of: name, in: kind.description)]
    }

    /// Sets one hyperparameter by its torch name (booleans are 0 or 1). Values out of
    /// torch's range throw `.invalid` and leave the optimizer unchanged.
    public func set(_ name: String, _ value: Double) throws(GDOptError) {
        if let updated = try rule.setting(name, value) {
            rule = updated
        } else if let updated = try policy.setting(name, value) {
            policy = updated
        } else {
            _ = try kind.hyperparameters.index(of: name, in: kind.description)
        }
    }

    /// Gives a slot a rows × cols shape before its first step, as torch sees a 2-D tensor: the
    /// kinds that factor their state (Adafactor) then keep row and column factors for it, and
    /// its steps must have n = rows·cols. The other kinds ignore it. `reset` keeps it.
    public func setShape(slot id: Int, rows: Int, cols: Int) throws(GDOptError) {
        guard rows > 0, cols > 0, !rows.multipliedReportingOverflow(by: cols).overflow else {
            throw .invalid("rows=\(rows) and cols=\(cols) must be > 0, with a product that fits in size_t")
        }
        guard slots[id] == nil else {
            throw .invalid("slot \(UInt(bitPattern: id)) has state: its shape was fixed at its first step")
        }
        shapes[id] = (rows, cols)
    }

    /// The factored shape a new slot takes: its `setShape` shape, for a kind that factors.
    func newSlotShape(_ id: Int, count: Int) throws(GDOptError) -> (rows: Int, cols: Int)? {
        guard derived.plan.factoredNeeded != nil, let shape = shapes[id] else { return nil }
        guard shape.rows * shape.cols == count else {
            throw .size(
                "slot \(UInt(bitPattern: id)) has shape \(shape.rows)x\(shape.cols) (gdopt_optimizer_set_shape), "
                    + "got n=\(count)")
        }
        return shape
    }

    /// The format a new slot of `count` elements takes (`Slot.format`).
    func newSlotFormat(count: Int) -> StateFormat { Slot.format(derived.stateFormat, count: count) }

    /// The kinds of moment of the state buffers (`OptimizerRule.stateMoments`).
    var moments: [Moment] { derived.moments }

    /// Forgets every slot's state; keeps the hyperparameters.
    public func reset() {
        slots.removeAll()
        reserved.removeAll()
    }

    /// The slots that have state, in increasing order.
    public var slotIDs: [Int] { slots.keys.sorted { UInt(bitPattern: $0) < UInt(bitPattern: $1) } }

    /// The number of steps a slot has taken, or nil if it has no state yet.
    public func stepCount(slot: Int) -> UInt64? { slots[slot]?.step }

    /// Runs every check a step of this slot would run (sizes, dtype, the nesterov
    /// combination, non-finite gradients) and allocates the state buffers it would create,
    /// without writing anything else. Lets a caller that updates several slots together
    /// check them all, and hold all their memory, before stepping any.
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public func check<T: GDOptFloat>(slot id: Int, gradients: UnsafePointer<T>, count: Int) throws(GDOptError) {
        let (existing, _) = try prepare(slot: id, gradients: gradients, count: count)
        reserved[id] = (T.dtype, try missingBuffers(slot: id, of: existing, dtype: T.dtype, count: count))
    }

    /// The zeroed buffers a step must add to the slot's state (all of them for a new slot),
    /// taken from the slot's reservation where it has them.
    private func missingBuffers(slot id: Int, of state: Slot?, dtype: DType, count: Int) throws(GDOptError)
        -> [Int: AlignedBuffer]
    {
        let shape: (rows: Int, cols: Int)?
        if let state { shape = state.shape } else { shape = try newSlotShape(id, count: count) }
        let format = state?.format ?? newSlotFormat(count: count)
        let missing = derived.plan.needed(factored: shape != nil).subtracting(state?.present ?? [])
        let kept = reserved[id].flatMap { $0.dtype == dtype ? $0.buffers : nil } ?? [:]
        var buffers: [Int: AlignedBuffer] = [:]
        for (role, member) in BufferSet.all.enumerated() where missing.contains(member) {
            let byteCount = format.byteCount(Slot.length(of: role, count: count, shape: shape), dtype: dtype)
            if let buffer = kept[role], buffer.byteCount == byteCount {
                buffers[role] = buffer
            } else {
                buffers[role] = try AlignedBuffer(byteCount: byteCount)
            }
        }
        return buffers
    }

    /// Steps one slot. Every check happens before any write: on error, the parameters and
    /// the optimizer's state are exactly as they were.
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public func step<T: GDOptFloat>(
        slot id: Int, parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, count: Int
    ) throws(GDOptError) {
        let (existing, clip) = try prepare(slot: id, gradients: gradients, count: count)
        let added = try missingBuffers(slot: id, of: existing, dtype: T.dtype, count: count)
        reserved[id] = nil
        let plan = derived.plan
        let state: Slot
        if let existing {
            state = existing
        } else {
            state = try Slot(
                dtype: T.dtype, count: count, format: newSlotFormat(count: count), scalars: plan.scalarStarts,
                shape: newSlotShape(id, count: count))
        }
        if state.format != .native { try workspace.reserve() }
        let fresh = plan.needed(factored: state.shape != nil).subtracting(state.present)  // the roles in `added`
        for (role, buffer) in added {
            state[role] = buffer
            let start = T(plan.initialValue(role))
            if let compact = state.compact(role, moments: derived.moments) {
                compact.fill(with: start)
            } else if start != 0 {
                buffer.fill(with: start)
            }
        }
        let whole = SlotStep(
            parameters: parameters, gradients: gradients, slot: state, step: state.step + 1, fresh: fresh,
            clipCoefficient: clip)
        if state.format == .native {
            try rule.update(whole)
        } else {
            let moments = derived.moments
            let buffers = (
                state.compact(0, moments: moments), state.compact(1, moments: moments),
                state.compact(2, moments: moments)
            )
            rule.updateCompact(whole, buffers: buffers, scalarCount: state.scalarCount, workspace: workspace)
        }
        state.step += 1
        if existing == nil { slots[id] = state }
    }

    /// The checks of a step; returns the slot's state (nil before its first step) and the
    /// clipping coefficient.
    private func prepare<T: GDOptFloat>(slot id: Int, gradients: UnsafePointer<T>, count: Int) throws(GDOptError) -> (
        Slot?, Double
    ) {
        try checkCount(count)
        let existing = slots[id]
        if let existing {
            guard existing.dtype == T.dtype else {
                throw .invalid("slot \(UInt(bitPattern: id)) was created with dtype \(existing.dtype), got \(T.dtype)")
            }
            guard existing.count == count else {
                throw .size("slot \(UInt(bitPattern: id)) was created with n=\(existing.count), got n=\(count)")
            }
            // Only a loaded checkpoint can hold this count; stepping would wrap t to 0.
            guard existing.step < .max else {
                throw .state("slot \(UInt(bitPattern: id)) has taken 2^64-1 steps; its step count cannot grow")
            }
        }
        if let error = derived.combinationError { throw error }
        return (existing, try gradientPolicy(gradients, count: count, slot: id))
    }

    /// Applies `reject_nonfinite` and `max_grad_norm`; returns the clipping coefficient.
    private func gradientPolicy<T: GDOptFloat>(_ gradients: UnsafePointer<T>, count: Int, slot: Int) throws(GDOptError)
        -> Double
    {
        let (rejectNonfinite, maxGradNorm) = (policy.rejectNonfinite, policy.maxGradNorm)
        guard rejectNonfinite || maxGradNorm > 0 else { return 1 }
        // Clipping needs the norm, which also proves finiteness; the check alone is cheaper.
        let sumOfSquares = maxGradNorm > 0 ? Norms.sumOfSquares(gradients, count: count) : .nan
        let finite =
            maxGradNorm > 0
            ? Norms.allFinite(gradients, count: count, sumOfSquares: sumOfSquares)
            : Norms.allFinite(gradients, count: count)
        if rejectNonfinite && !finite {
            throw .nonFinite(
                "grads of slot \(UInt(bitPattern: slot)) hold NaN or Inf and reject_nonfinite=1; nothing was changed")
        }
        return maxGradNorm > 0 ? clipCoefficient(maxNorm: maxGradNorm, totalNorm: sumOfSquares.squareRoot()) : 1
    }
}

extension Optimizer {
    /// Steps one slot in place: `parameters` and `gradients` hold the same number of elements.
    public func step<T: GDOptFloat>(slot: Int, parameters: inout MutableSpan<T>, gradients: Span<T>)
        throws(GDOptError)
    {
        guard parameters.count == gradients.count else {
            throw .size("gradients has \(gradients.count) elements, parameters has \(parameters.count)")
        }
        try checkCount(parameters.count)
        var failure: GDOptError?
        parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeBufferPointer { g in
                do throws(GDOptError) {
                    try step(slot: slot, parameters: p.baseAddress!, gradients: g.baseAddress!, count: p.count)
                } catch { failure = error }
            }
        }
        if let failure { throw failure }
    }

    /// Steps one slot from Swift arrays.
    public func step<T: GDOptFloat>(slot: Int, parameters: inout [T], gradients: [T]) throws(GDOptError) {
        var span = parameters.mutableSpan
        try step(slot: slot, parameters: &span, gradients: gradients.span)
    }
}
