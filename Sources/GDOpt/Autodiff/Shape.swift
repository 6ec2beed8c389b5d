/// A dense tensor shape of rank 0 to 8, stored inline so that recording an op allocates
/// nothing.
public struct Shape: Equatable, Sendable, CustomStringConvertible {
    public static let maxRank = 8
    public private(set) var rank: Int
    private var dims: (Int, Int, Int, Int, Int, Int, Int, Int) = (1, 1, 1, 1, 1, 1, 1, 1)

    /// Checks the rank, that no dimension is 0 or negative, and that the element count fits.
    public init(_ dimensions: some Collection<Int>) throws(GDOptError) {
        guard dimensions.count <= Self.maxRank else { throw .size("rank \(dimensions.count) is above \(Self.maxRank)") }
        rank = dimensions.count
        var total = 1
        for (axis, d) in dimensions.enumerated() {
            guard d > 0 else { throw .size("shape[\(axis)]=\(UInt(bitPattern: d)) must be > 0") }
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow, product <= Int.max / 8 else { throw .size("shape has too many elements") }
            total = product
            self[axis] = d
        }
    }

    /// Rank 0: one element.
    public static let scalar = Shape(rank: 0)

    private init(rank: Int) { self.rank = rank }

    public subscript(axis: Int) -> Int {
        get { withUnsafeBytes(of: dims) { $0.load(fromByteOffset: axis * 8, as: Int.self) } }
        set { withUnsafeMutableBytes(of: &dims) { $0.storeBytes(of: newValue, toByteOffset: axis * 8, as: Int.self) } }
    }

    public var count: Int {
        var total = 1
        for axis in 0..<rank { total *= self[axis] }
        return total
    }

    public var dimensions: [Int] { (0..<rank).map { self[$0] } }

    public var description: String { "(" + dimensions.map(String.init).joined(separator: ", ") + ")" }

    public static func == (a: Shape, b: Shape) -> Bool {
        a.rank == b.rank && (0..<a.rank).allSatisfy { a[$0] == b[$0] }
    }

    /// The shape with its axes in reverse order (numpy's `.T`).
    var reversed: Shape {
        var r = self
        for axis in 0..<rank { r[axis] = self[rank - 1 - axis] }
        return r
    }

    /// numpy broadcasting: align trailing axes; each pair must be equal or contain a 1.
    static func broadcast(_ a: Shape, _ b: Shape) throws(GDOptError) -> Shape {
        var result = a.rank >= b.rank ? a : b
        for i in 0..<min(a.rank, b.rank) {
            let x = a[a.rank - 1 - i], y = b[b.rank - 1 - i]
            guard x == y || x == 1 || y == 1 else {
                throw .size("shapes \(a) and \(b) do not broadcast (axis -\(i + 1): \(x) vs \(y))")
            }
            result[result.rank - 1 - i] = max(x, y)
        }
        return result
    }

    /// Row-major strides of `self` seen through `output`'s axes: 0 where broadcast.
    func broadcastStrides(to output: Shape) -> Shape {
        var strides = output
        var stride = 1
        for i in 0..<output.rank {
            let axis = output.rank - 1 - i, own = rank - 1 - i
            if own >= 0 && self[own] != 1 {
                strides[axis] = stride
                stride *= self[own]
            } else {
                strides[axis] = 0
                if own >= 0 { stride *= self[own] }
            }
        }
        return strides
    }
}
