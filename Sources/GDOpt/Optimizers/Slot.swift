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
    var step: UInt64
    var buffers: (AlignedBuffer?, AlignedBuffer?, AlignedBuffer?)
    /// The kind's scalar state (`scalarStateNames`), set when the slot is created.
    var scalars: [Double]
    /// A factored slot (rows·cols = count, for the kinds that factor their state: Adafactor)
    /// keeps its first two buffers as a row factor (rows elements) and a column factor (cols);
    /// rows = cols = 0 otherwise.
    let rows: Int, cols: Int
    /// rows + cols doubles of working space for a factored step: not state, never saved.
    let scratch: AlignedBuffer?

    init(
        dtype: DType, count: Int, step: UInt64 = 0,
        buffers: (AlignedBuffer?, AlignedBuffer?, AlignedBuffer?) = (nil, nil, nil), scalars: [Double] = [],
        shape: (rows: Int, cols: Int)? = nil
    ) throws(GDOptError) {
        self.dtype = dtype
        self.count = count
        self.step = step
        self.buffers = buffers
        self.scalars = scalars
        (rows, cols) = shape ?? (0, 0)
        scratch = shape == nil ? nil : try AlignedBuffer(byteCount: (rows + cols) * 8)
    }

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

    var present: BufferSet {
        var set = BufferSet()
        for role in 0..<3 where self[role] != nil { set.insert(BufferSet.all[role]) }
        return set
    }

    func copy() throws(GDOptError) -> Slot {
        let twin = try Slot(dtype: dtype, count: count, step: step, scalars: scalars, shape: shape)
        for role in 0..<3 { twin[role] = try self[role]?.copy() }
        return twin
    }
}
