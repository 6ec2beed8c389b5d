/// A slot's state as data, by torch's buffer names: what a binding needs to build its own
/// state_dict, or to load one, without knowing the checkpoint layout.
public struct SlotInfo: Equatable, Sendable {
    public let dtype: DType
    public let count: Int
    /// How the slot keeps its moments (fixed at its first step).
    public let format: StateFormat
    /// The slot's step count t.
    public let step: UInt64
    /// The buffers the slot holds, in the order of `OptimizerKind.stateNames`.
    public let buffers: [String]
}

extension Optimizer {
    /// What a slot holds, or nil before its first step.
    public func slotInfo(slot id: Int) -> SlotInfo? {
        guard let state = slots[id] else { return nil }
        let names = kind.stateNames.indices.filter { state[$0] != nil }.map { kind.stateNames[$0] }
        return SlotInfo(dtype: state.dtype, count: state.count, format: state.format, step: state.step, buffers: names)
    }

    /// A copy of one of a slot's state buffers, by its torch name (for example "exp_avg"),
    /// or nil when the slot does not hold it in T. Compact state is decoded.
    public func stateBuffer<T: GDOptFloat>(slot: Int, name: String, as _: T.Type = T.self) -> [T]? {
        guard let state = slots[slot], state.dtype == T.dtype, let role = kind.stateNames.firstIndex(of: name),
            state[role] != nil
        else { return nil }
        return [T](unsafeUninitializedCapacity: state.length(of: role)) { out, initialized in
            state.read(role, into: out.baseAddress!, moments: moments)
            initialized = out.count
        }
    }

    /// Copies one of a slot's buffers into `out`, which holds `count` elements (n, or a factored
    /// slot's rows for row_var and cols for col_var); compact state is decoded.
    public func readState<T: GDOptFloat>(slot id: Int, name: String, into out: UnsafeMutablePointer<T>, count: Int)
        throws(GDOptError)
    {
        let state = try existingSlot(id)
        let role = try role(of: name)
        guard state[role] != nil else {
            throw .invalid("slot \(UInt(bitPattern: id)) has no \(name) buffer (it is created when a step needs it)")
        }
        guard state.dtype == T.dtype else {
            throw .invalid("slot \(UInt(bitPattern: id)) holds \(state.dtype), not \(T.dtype)")
        }
        guard state.length(of: role) == count else {
            throw .size("slot \(UInt(bitPattern: id))'s \(name) has \(state.length(of: role)) elements, got n=\(count)")
        }
        state.read(role, into: out, moments: moments)
    }

    /// Replaces a slot's whole state: step count `step`, `count` elements of T, and the
    /// named buffers (the others absent, created by a later step that needs them). Every
    /// argument is checked and every buffer copied before the slot changes, as a
    /// checkpoint's restore does. A slot given a shape (`setShape`) of a kind that factors
    /// takes row_var with rows elements and col_var with cols; its scalar state starts as at a
    /// first step (`setScalarState` sets it). The slot takes the format a first step would, and
    /// compact buffers hold the values encoded.
    public func setState<T: GDOptFloat>(
        slot id: Int, step: UInt64, count: Int, buffers: [(name: String, values: UnsafePointer<T>)]
    ) throws(GDOptError) {
        try checkCount(count)
        guard step >= 1 else { throw .invalid("step=0 must be >= 1: a slot's state exists from its first step") }
        try Allocation.checkBudget(
            vectors: buffers.count, count: count, stride: T.dtype.byteCount, what: "slot \(UInt(bitPattern: id))")
        let plan = rule.statePlan
        let shape = try newSlotShape(id, count: count)
        let state = try Slot(
            dtype: T.dtype, count: count, format: newSlotFormat(count: count), step: step, scalars: plan.scalarStarts,
            shape: shape)
        let allowed =
            plan.factoredNeeded == nil ? BufferSet([.first, .second, .third]) : plan.needed(factored: shape != nil)
        for (name, values) in buffers {
            let role = try role(of: name)
            guard state[role] == nil else { throw .invalid("buffer \(name) is given twice") }
            guard allowed.contains(BufferSet.all[role]) else {
                throw .invalid("a slot \(shape == nil ? "without" : "with") a shape holds no \(name) buffer")
            }
            state[role] = try AlignedBuffer(byteCount: state.byteCount(of: role))
            state.write(role, from: values, moments: moments)
        }
        slots[id] = state
        reserved[id] = nil
    }

    /// A slot's factored shape (rows, cols), or nil when its state is not factored.
    public func slotShape(slot id: Int) throws(GDOptError) -> (rows: Int, cols: Int)? {
        let state = try existingSlot(id)
        return state.shape
    }

    /// One of a slot's scalar state values by its torch name (NAdam's "mu_product", ASGD's "eta" and "mu").
    public func scalarState(slot id: Int, name: String) throws(GDOptError) -> Double {
        let state = try existingSlot(id)
        return state.scalars[try scalarIndex(of: name)]
    }

    /// Sets one of a slot's scalar state values (after `setState`, to load a torch state_dict);
    /// a value out of its range throws `.invalid` and changes nothing.
    public func setScalarState(slot id: Int, name: String, value: Double) throws(GDOptError) {
        let state = try existingSlot(id)
        let index = try scalarIndex(of: name)
        try kind.scalarState[index].check(value)
        state.scalars[index] = value
    }

    /// A slot's state; `.invalid` before its first step.
    func existingSlot(_ id: Int) throws(GDOptError) -> Slot {
        guard let state = slots[id] else { throw .invalid("slot \(UInt(bitPattern: id)) has no state") }
        return state
    }

    private func scalarIndex(of name: String) throws(GDOptError) -> Int {
        guard let index = kind.scalarStateNames.firstIndex(of: name) else {
            let names = kind.scalarStateNames
            throw .invalid(
                "name \"\(name)\" is not a scalar state of \(kind); "
                    + (names.isEmpty ? "it has none" : "it has \(names.joined(separator: ", "))"))
        }
        return index
    }

    private func role(of name: String) throws(GDOptError) -> Int {
        guard let role = kind.stateNames.firstIndex(of: name) else {
            throw .invalid(
                "name \"\(name)\" is not a state buffer of \(kind); "
                    + "it has \(kind.stateNames.joined(separator: ", "))")
        }
        return role
    }
}
