/// Per-coordinate bounds l ≤ x ≤ u (§9.1), ±∞ allowed. Copied from the caller's arrays.
public struct Box: Sendable, Equatable {
    public let lower: [Double]
    public let upper: [Double]

    /// Either side may be nil (no bound on that side); NaN or lower[i] > upper[i] is invalid.
    public init(lower: [Double]?, upper: [Double]?, count n: Int) throws(GDOptError) {
        guard n > 0 else { throw .size("n=0 must be > 0") }
        for (name, side) in [("lower", lower), ("upper", upper)] {
            guard let side else { continue }
            guard side.count == n else { throw .size("\(name) has \(side.count) entries, n=\(n)") }
            if let i = side.firstIndex(where: \.isNaN) { throw .invalid("\(name)[\(i)] is NaN") }
        }
        let l: [Double], u: [Double]
        if let lower { l = lower } else { l = try Allocation.array(repeating: -.infinity, count: n, what: "lower") }
        if let upper { u = upper } else { u = try Allocation.array(repeating: .infinity, count: n, what: "upper") }
        for i in 0..<n where l[i] > u[i] { throw .invalid("lower[\(i)]=\(l[i]) is above upper[\(i)]=\(u[i])") }
        for i in 0..<n where l[i] == .infinity || u[i] == -.infinity {
            throw .invalid("bounds of coordinate \(i) ([\(l[i]), \(u[i])]) hold no finite point")
        }
        self.lower = l
        self.upper = u
    }

    public var count: Int { lower.count }

    /// True when some coordinate has a finite bound (with none, the box changes nothing).
    var isActive: Bool { lower.contains { $0 > -.infinity } || upper.contains { $0 < .infinity } }

    /// True when every coordinate has both bounds finite (L-BFGS-B's "boxed").
    var isFinite: Bool { lower.allSatisfy(\.isFinite) && upper.allSatisfy(\.isFinite) }

    func clamp(_ value: Double, _ i: Int) -> Double { Swift.min(upper[i], Swift.max(lower[i], value)) }

    func project(_ x: Vector) {
        lower.withUnsafeBufferPointer { l in
            upper.withUnsafeBufferPointer { u in
                Parallel.forEach(Projection(x: x.base, lower: l.baseAddress!, upper: u.baseAddress!), count: x.count)
            }
        }
    }

    /// ‖P(x − g) − x‖∞, the projected gradient's ∞-norm (scipy's pgtol).
    func projectedGradientNorm(x: Vector, g: Vector) -> Double {
        var norm = 0.0
        for i in 0..<x.count {
            var gi = g[i]
            if gi < 0 { gi = Swift.max(x[i] - upper[i], gi) } else { gi = Swift.min(x[i] - lower[i], gi) }
            norm = Swift.max(norm, Swift.abs(gi))
        }
        return norm
    }

    /// The largest α ≤ limit with x + α·d in the box.
    func maxStep(x: Vector, d: Vector, limit: Double) -> Double {
        var alpha = limit
        for i in 0..<x.count {
            if d[i] < 0, lower[i] > -.infinity { alpha = Swift.min(alpha, Swift.max(0, (lower[i] - x[i]) / d[i])) }
            if d[i] > 0, upper[i] < .infinity { alpha = Swift.min(alpha, Swift.max(0, (upper[i] - x[i]) / d[i])) }
        }
        return alpha
    }

    struct Projection: RangeKernel {
        let x: UnsafeMutablePointer<Double>, lower: UnsafePointer<Double>, upper: UnsafePointer<Double>

        func callAsFunction(_ range: Range<Int>) {
            for i in range { x[i] = Swift.min(upper[i], Swift.max(lower[i], x[i])) }
        }
    }
}
