/// A typed optimizer configuration, one per algorithm (`SGD`, `Adagrad`, `RMSprop`,
/// `Adam`): torch's defaults in its initializer, its hyperparameters in a descriptor table
/// (`hyperparameters`, in checkpoint order), and torch's names for its state buffers. The
/// optimizer objects, their kernels, the C tables and the Python classes all read these.
///
///     let adam = try Optimizer(Adam(learningRate: 1e-2, weightDecay: .decoupled(1e-2)))
///
/// The rules are gdopt's own: the C ABI and the checkpoints name each one by its `kind`.
public protocol OptimizerRule: Configurable, Equatable {
    /// The kind this configuration is (Adam with decoupled weight decay is adamw).
    var kind: OptimizerKind { get }
    /// torch's names for a slot's state buffers, in checkpoint order.
    static var stateNames: [String] { get }
    /// A slot's scalar state (NAdam's mu_product, ASGD's eta and mu), kept as doubles, in
    /// checkpoint order.
    static var scalarState: [ScalarStateSpec] { get }
    /// Each state buffer's kind of moment, in the order of `stateNames`, for the rules that can
    /// keep their moments compact (`stateFormat`); empty for the others (Rprop's and ASGD's
    /// buffers are not moments; Adafactor's step spans the whole tensor, not a block).
    static var stateMoments: [Moment] { get }
    /// How new slots keep their moments.
    var stateFormat: StateFormat { get }
    /// The checks that span several values. As in torch they are made when stepping, so
    /// that values set one at a time by name can be set in any order.
    func checkCombination() throws(GDOptError)
}

extension OptimizerRule {
    public func checkCombination() throws(GDOptError) {}
    public static var scalarState: [ScalarStateSpec] { [] }
    public static var stateMoments: [Moment] { [] }
    public var stateFormat: StateFormat { .native }

    /// Every check a kernel makes of its configuration.
    func validate() throws(GDOptError) {
        try checkRanges()
        try checkCombination()
    }
}

/// A moment buffer's sign, which picks its int8 map: bitsandbytes' signed dynamic map for first
/// moments, the unsigned one for second moments.
public enum Moment: Sendable {
    case signed, unsigned

    var map: QuantizationMap { self == .signed ? .signed : .unsigned }
}

/// What the optimizer objects need of a rule to step a slot with it.
protocol SteppingRule: OptimizerRule {
    /// The state buffers this configuration uses, and the value a new one starts at.
    var statePlan: StatePlan { get }
    /// One step of the rule's kernel on one slot.
    func update<T: GDOptFloat>(_ step: SlotStep<T>) throws(GDOptError)
    /// One step on a slot with compact moments (`CompactStep`). A requirement, with one default
    /// implementation, so that each rule's witness is the chunk loop specialised for it.
    func updateCompact<T: GDOptFloat>(
        _ step: SlotStep<T>, buffers: (CompactBuffer?, CompactBuffer?, CompactBuffer?), scalarCount: Int,
        workspace: CompactWorkspace)
}

struct StatePlan {
    let needed: BufferSet
    /// The buffers of a factored slot, for the kinds that factor their state (Adafactor); nil
    /// for the others, which ignore a slot's shape.
    var factoredNeeded: BufferSet? = nil
    /// The value each new buffer starts at, by role; 0 where none is given.
    var initialValues: [Double] = []
    /// The scalar state's start values, in the order of `scalarStateNames`.
    var scalarStarts: [Double] = []

    func initialValue(_ role: Int) -> Double { role < initialValues.count ? initialValues[role] : 0 }

    func needed(factored: Bool) -> BufferSet { factored ? factoredNeeded ?? needed : needed }
}

/// One slot's buffers for one step, or one chunk of them (a compact slot steps chunk by chunk,
/// its moments decoded into working buffers: CompactStep.swift). `fresh` marks the state
/// buffers created for this step: SGD starts its momentum buffer from the gradient then, as
/// torch does.
struct SlotStep<T: GDOptFloat> {
    let parameters: UnsafeMutablePointer<T>
    let gradients: UnsafePointer<T>
    let count: Int
    /// The state buffers in checkpoint order, those the slot holds.
    let buffers: (UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?)
    /// The slot's scalar state, updated in place.
    let scalars: UnsafeMutablePointer<Double>
    /// A factored slot's shape (0 × 0 otherwise) and working space (Adafactor, whose state is
    /// never compact).
    var rows = 0, cols = 0
    var scratch: UnsafeMutablePointer<Double>? = nil
    let step: UInt64
    let fresh: BufferSet
    let clipCoefficient: Double

    /// A whole slot's step.
    init(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, slot: Slot, step: UInt64,
        fresh: BufferSet, clipCoefficient: Double
    ) {
        let native = { (role: Int) in slot[role]?.elements(T.self) }
        self.init(
            parameters: parameters, gradients: gradients, count: slot.count, buffers: (native(0), native(1), native(2)),
            scalars: slot.scalarStorage, step: step, fresh: fresh, clipCoefficient: clipCoefficient)
        (rows, cols, scratch) = (slot.rows, slot.cols, slot.scratch?.elements(Double.self))
    }

    init(
        parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, count: Int,
        buffers: (UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?),
        scalars: UnsafeMutablePointer<Double>, step: UInt64, fresh: BufferSet, clipCoefficient: Double
    ) {
        (self.parameters, self.gradients, self.count, self.buffers, self.scalars) =
            (parameters, gradients, count, buffers, scalars)
        (self.step, self.fresh, self.clipCoefficient) = (step, fresh, clipCoefficient)
    }

    /// The state buffer in checkpoint position `role`, if the slot holds it.
    func buffer(_ role: Int) -> UnsafeMutablePointer<T>? {
        role == 0 ? buffers.0 : role == 1 ? buffers.1 : buffers.2
    }
}

/// What happens to a gradient before any rule sees it; the same for every kind.
public struct GradientPolicy: Configurable, Equatable {
    /// Throw `.nonFinite`, changing nothing, when a gradient holds NaN or Inf.
    public var rejectNonfinite: Bool
    /// Scale a slot's gradient so that its L2 norm is at most this (0: no clipping).
    public var maxGradNorm: Double

    public init(rejectNonfinite: Bool = false, maxGradNorm: Double = 0) {
        (self.rejectNonfinite, self.maxGradNorm) = (rejectNonfinite, maxGradNorm)
    }

    public static let hyperparameters: [Hyperparameter<Self>] = [
        .init("reject_nonfinite", \.rejectNonfinite), .init("max_grad_norm", \.maxGradNorm),
    ]
}

/// One scalar of a slot's state: torch's name and the values it can hold.
public struct ScalarStateSpec: Sendable {
    public let name: String
    public let range: ClosedRange<Double>
    /// Where the value starts, for error messages.
    let start: String

    init(_ name: String, _ range: ClosedRange<Double>, start: String) {
        (self.name, self.range, self.start) = (name, range, start)
    }

    func check(_ value: Double) throws(GDOptError) {
        guard range.contains(value) else {
            let bounds = range.upperBound == 1 ? "in [0, 1]" : "finite and >= 0"
            throw GDOptError(
                .invalid, "\(name)=\(value) must be \(bounds) (it starts at \(start))", argument: name,
                value: "\(value)")
        }
    }
}
