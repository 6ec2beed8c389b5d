/// Which of a slot's (up to three) state buffers a configuration uses.
struct BufferSet: OptionSet {
    let rawValue: UInt8
    static let first = BufferSet(rawValue: 1)
    static let second = BufferSet(rawValue: 2)
    static let third = BufferSet(rawValue: 4)
    static let all: [BufferSet] = [.first, .second, .third]
}

/// The state of one parameter buffer: created on its first step, after which every step
/// must use the same n and dtype. Its buffers' roles depend on the kind
/// (`OptimizerKind.stateNames`); nil means not created yet, as torch creates state lazily.
final class Slot {
    let dtype: DType
    let count: Int
    /// How the buffers hold their values: the rule's `stateFormat` at the first step, or native
    /// (for int8 below `StateFormat.int8MinimumCount` elements).
    let format: StateFormat
    var step: UInt64
    var buffers: (AlignedBuffer?, AlignedBuffer?, AlignedBuffer?)
    /// The kind's scalar state (`scalarStateNames`), set when the slot is created; a step
    /// updates it through `scalarStorage`.
    var scalars: [Double] {
        get { Array(UnsafeBufferPointer(start: scalarStorage, count: scalarCount)) }
        set { for (index, value) in newValue.prefix(scalarCount).enumerated() { scalarStorage[index] = value } }
    }
    /// Room for two values, the most any kind keeps (a compact step copies both).
    let scalarStorage: UnsafeMutablePointer<Double>
    let scalarCount: Int
    /// A factored slot (rows·cols = count, for the kinds that factor their state: Adafactor)
    /// keeps its first two buffers as a row factor (rows elements) and a column factor (cols);
    /// rows = cols = 0 otherwise.
    let rows: Int, cols: Int
    /// rows + cols doubles of working space for a factored step: not state, never saved.
    let scratch: AlignedBuffer?

    init(
        dtype: DType, count: Int, format: StateFormat = .native, step: UInt64 = 0,
        buffers: (AlignedBuffer?, AlignedBuffer?, AlignedBuffer?) = (nil, nil, nil), scalars: [Double] = [],
        shape: (rows: Int, cols: Int)? = nil
    ) throws(GDOptError) {
        self.dtype = dtype
        self.count = count
        self.format = format
        self.step = step
        self.buffers = buffers
        scalarCount = scalars.count
        scalarStorage = .allocate(capacity: max(2, scalars.count))
        scalarStorage.initialize(repeating: 0, count: max(2, scalars.count))
        (rows, cols) = shape ?? (0, 0)
        scratch = shape == nil ? nil : try AlignedBuffer(byteCount: (rows + cols) * 8)
        self.scalars = scalars
    }

    deinit { scalarStorage.deallocate() }

    /// The format a new slot of `count` elements takes when the rule's is `format`: int8 needs a
    /// slot of at least `StateFormat.int8MinimumCount` elements.
    static func format(_ format: StateFormat, count: Int) -> StateFormat {
        format == .int8 && count < StateFormat.int8MinimumCount ? .native : format
    }

    /// Buffer `role` as compact state, when the slot's format is not native.
    func compact(_ role: Int, moments: [Moment]) -> CompactBuffer? {
        guard format != .native, let buffer = self[role] else { return nil }
        return CompactBuffer(format: format, bytes: buffer.bytes, count: length(of: role), moment: moments[role])
    }

    /// The bytes buffer `role` takes.
    func byteCount(of role: Int) -> Int { format.byteCount(length(of: role), dtype: dtype) }

    var shape: (rows: Int, cols: Int)? { rows > 0 ? (rows, cols) : nil }

    /// The number of elements of buffer `role`.
    func length(of role: Int) -> Int { Slot.length(of: role, count: count, shape: shape) }

    static func length(of role: Int, count: Int, shape: (rows: Int, cols: Int)?) -> Int {
        guard let shape, role < 2 else { return count }
        return role == 0 ? shape.rows : shape.cols
    }

    subscript(role: Int) -> AlignedBuffer? {
        get { role == 0 ? buffers.0 : role == 1 ? buffers.1 : buffers.2 }
        set {
            switch role {
            case 0: buffers.0 = newValue
            case 1: buffers.1 = newValue
            default: buffers.2 = newValue
            }
        }
    }

    /// Buffer `role`'s values, decoded when compact, into `out` (`length(of: role)` elements).
    func read<T: GDOptFloat>(_ role: Int, into out: UnsafeMutablePointer<T>, moments: [Moment]) {
        if let compact = compact(role, moments: moments) {
            compact.decode(into: out)
        } else if let buffer = self[role] {
            out.update(from: buffer.elements(T.self), count: length(of: role))
        }
    }

    /// Sets buffer `role` (allocated) from `values`, encoding them when compact.
    func write<T: GDOptFloat>(_ role: Int, from values: UnsafePointer<T>, moments: [Moment]) {
        if let compact = compact(role, moments: moments) {
            compact.encode(from: values)
        } else if let buffer = self[role] {
            buffer.elements(T.self).update(from: values, count: length(of: role))
        }
    }

    var present: BufferSet {
        var set = BufferSet()
        for role in 0..<3 where self[role] != nil { set.insert(BufferSet.all[role]) }
        return set
    }

    func copy() throws(GDOptError) -> Slot {
        let twin = try Slot(dtype: dtype, count: count, format: format, step: step, scalars: scalars, shape: shape)
        for role in 0..<3 { twin[role] = try self[role]?.copy() }
        return twin
    }
}
