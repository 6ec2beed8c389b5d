import GDOptElements

// The tape's element-wise loops, in this module's SIMD level (see Loops.swift). Every
// gradient rule writes its input's gradient, or adds to it (`deposit`), so the tape never
// zeroes its gradient arena.

extension UnaryForward {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run() {
        let n = count
        switch op {
        case .neg: for i in 0..<n { y[i] = -x[i] }
        case .exp: for i in 0..<n { y[i] = exponential(x[i]) }
        case .log: for i in 0..<n { y[i] = logarithm(x[i]) }
        case .tanh: for i in 0..<n { y[i] = hyperbolicTangent(x[i]) }
        case .sigmoid: for i in 0..<n { y[i] = logistic(x[i]) }
        case .relu: for i in 0..<n { y[i] = x[i] > 0 ? x[i] : 0 }
        case .square: for i in 0..<n { y[i] = x[i] * x[i] }
        case .sqrt: for i in 0..<n { y[i] = x[i].squareRoot() }
        case .abs: for i in 0..<n { y[i] = Swift.abs(x[i]) }
        case .sum, .mean:  // in element order: the same sum at every level
            var total: T = 0
            for i in 0..<n { total += x[i] }
            y[0] = op == .sum ? total : total / T(n)
        case .transpose: preconditionFailure("the tape walks a transpose itself")
        }
    }
}

extension UnaryBackward {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run() {
        let (x, y, gy, n) = (x, y, gy, count)
        switch op {
        case .neg: deposit(gx, count: n, adding: adding) { -gy[$0] }  // d(−x) = −1
        case .exp: deposit(gx, count: n, adding: adding) { gy[$0] * y[$0] }  // d eˣ = eˣ
        case .log: deposit(gx, count: n, adding: adding) { gy[$0] / x[$0] }  // d ln x = 1/x
        case .tanh: deposit(gx, count: n, adding: adding) { gy[$0] * (1 - y[$0] * y[$0]) }  // 1 − tanh²
        case .sigmoid: deposit(gx, count: n, adding: adding) { gy[$0] * y[$0] * (1 - y[$0]) }  // σ(1 − σ)
        case .relu: deposit(gx, count: n, adding: adding) { gy[$0].kept(if: x[$0] > 0) }  // 1 where x > 0
        case .square: deposit(gx, count: n, adding: adding) { 2 * x[$0] * gy[$0] }  // 2x
        case .sqrt: deposit(gx, count: n, adding: adding) { gy[$0] / (2 * y[$0]) }  // 1/(2√x)
        case .abs:  // sign x
            deposit(gx, count: n, adding: adding) { i in
                let g = gy[i]
                return (x[i] > 0 ? g : -g).kept(if: x[i] != 0)
            }
        case .sum: deposit(gx, count: n, adding: adding) { _ in gy[0] }
        case .mean: deposit(gx, count: n, adding: adding) { _ in gy[0] / T(n) }
        case .transpose: preconditionFailure("the tape walks a transpose itself")
        }
    }
}

extension BinaryForward {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run() {
        // The common runs (both contiguous, or one side broadcast) as loops over constant
        // strides, which vectorise; other strides take the general form.
        if sa == 1 && sb == 1 {
            combine(1, 1)
        } else if sa == 1 && sb == 0 {
            combine(1, 0)
        } else if sa == 0 && sb == 1 {
            combine(0, 1)
        } else {
            combine(sa, sb)
        }
    }

    @inline(__always)
    private func combine(_ sa: Int, _ sb: Int) {
        let (y, a, b) = (y, a, b)
        switch op {
        case .add: for j in 0..<count { y[j] = a[j * sa] + b[j * sb] }
        case .sub: for j in 0..<count { y[j] = a[j * sa] - b[j * sb] }
        case .mul: for j in 0..<count { y[j] = a[j * sa] * b[j * sb] }
        case .div: for j in 0..<count { y[j] = a[j * sa] / b[j * sb] }
        case .matmul: preconditionFailure("matrix products go to the BLAS")
        }
    }
}

extension BinaryBackward {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run() {
        // As BinaryForward.run. (A shared helper taking the loop as a closure was tried: the
        // strides then reached the loop as variables, and no loop vectorised.)
        if sa == 1 && sb == 1 {
            accumulate(1, 1)
        } else if sa == 1 && sb == 0 {
            accumulate(1, 0)
        } else if sa == 0 && sb == 1 {
            accumulate(0, 1)
        } else {
            accumulate(sa, sb)
        }
    }

    @inline(__always)
    private func accumulate(_ sa: Int, _ sb: Int) {
        let (gy, a, b, n) = (gy, a, b, count)
        if let ga {
            switch op {
            case .add, .sub: deposit(ga, stride: sa, count: n, adding: addA) { gy[$0] }
            case .mul: deposit(ga, stride: sa, count: n, adding: addA) { gy[$0] * b[$0 * sb] }
            case .div: deposit(ga, stride: sa, count: n, adding: addA) { gy[$0] / b[$0 * sb] }  // d(x/z)/dx = 1/z
            case .matmul: break
            }
        }
        if let gb {
            switch op {
            case .add: deposit(gb, stride: sb, count: n, adding: addB) { gy[$0] }
            case .sub: deposit(gb, stride: sb, count: n, adding: addB) { -gy[$0] }
            case .mul: deposit(gb, stride: sb, count: n, adding: addB) { gy[$0] * a[$0 * sa] }
            case .div:  // −x/z²
                deposit(gb, stride: sb, count: n, adding: addB) { -(gy[$0] * a[$0 * sa] / (b[$0 * sb] * b[$0 * sb])) }
            case .matmul: break
            }
        }
    }
}

extension LossRows {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forward() -> T {
        let (scores, labels, softmax, rows, columns) = (scores, labels, softmax, rows, columns)  // locals: see below
        var total: T = 0
        switch kind {
        case .softmaxCrossEntropy:
            // log Σ exp(s) = max + log Σ exp(s − max): no overflow. The softmax, e/Σ, is kept.
            // s − max for every row, then every exp in one loop over the block (rows are short:
            // a loop per row would not fill a vector), then per row the sum, the loss and e/Σ.
            for i in 0..<rows {
                let row = scores + i * columns, p = softmax + i * columns, peak = Self.peak(row, columns)
                for j in 0..<columns { p[j] = row[j] - peak }
            }
            // (Read through a local: a store through the struct's own field may alias it for all the
            // compiler knows, and this loop did not vectorise.)
            for k in 0..<rows * columns { softmax[k] = exponential(softmax[k]) }
            for i in 0..<rows {
                let row = scores + i * columns, p = softmax + i * columns
                var sum: T = 0
                for j in 0..<columns { sum += p[j] }
                total += Self.peak(row, columns) + logarithm(sum) - row[labels[i]]
                for j in 0..<columns { p[j] /= sum }
            }
        case .multiclassHinge:
            for i in 0..<rows {
                let row = scores + i * columns, label = labels[i]
                for j in 0..<columns where j != label { total += Swift.max(0, row[j] - row[label] + 1) }
            }
        }
        return total / T(rows)
    }

    @inline(__always)
    private static func peak(_ row: UnsafePointer<T>, _ columns: Int) -> T {
        var peak = row[0]
        for j in 1..<max(columns, 1) where row[j] > peak { peak = row[j] }
        return peak
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func backward(into gradient: UnsafeMutablePointer<T>, scale: T, adding: Bool) {
        for i in 0..<rows {
            let row = scores + i * columns, g = gradient + i * columns, label = labels[i]
            switch kind {
            case .softmaxCrossEntropy:  // (softmax − one-hot)·scale
                let p = softmax + i * columns
                deposit(g, count: columns, adding: adding) { scale * p[$0] }
                g[label] -= scale
            case .multiclassHinge:  // +1 per violating class, −(count) for the label
                if !adding { g.update(repeating: 0, count: columns) }
                for j in 0..<columns where j != label && row[j] - row[label] + 1 > 0 {
                    g[j] += scale
                    g[label] -= scale
                }
            }
        }
    }
}

/// g[i·stride] += term(i) when adding, else = term(i), for i in 0..<n: one loop each, so both
/// vectorise (x − t and x + (−t) are the same float).
@inline(__always)
func deposit<T: GDOptFloat>(
    _ g: UnsafeMutablePointer<T>, stride: Int = 1, count n: Int, adding: Bool, _ term: (Int) -> T
) {
    if adding {
        for i in 0..<n { g[i * stride] += term(i) }
    } else {
        for i in 0..<n { g[i * stride] = term(i) }
    }
}
