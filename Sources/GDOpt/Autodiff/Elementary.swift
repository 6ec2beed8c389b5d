import Glibc

/// exp, log and tanh for Float and Double through libm, chosen by type (the tape is
/// generic over both).
@inline(__always)
func exponential<T: GDOptFloat>(_ x: T) -> T {
    T.dtype == .float32 ? T(expf(Float(x))) : T(Glibc.exp(Double(x)))
}

@inline(__always)
func logarithm<T: GDOptFloat>(_ x: T) -> T {
    T.dtype == .float32 ? T(logf(Float(x))) : T(Glibc.log(Double(x)))
}

@inline(__always)
func hyperbolicTangent<T: GDOptFloat>(_ x: T) -> T {
    T.dtype == .float32 ? T(tanhf(Float(x))) : T(Glibc.tanh(Double(x)))
}

/// 1/(1+e^−x), written so that neither branch overflows.
@inline(__always)
func logistic<T: GDOptFloat>(_ x: T) -> T {
    if x >= 0 { return 1 / (1 + exponential(-x)) }
    let e = exponential(x)
    return e / (1 + e)
}

extension Shape {
    /// Row-major strides of a contiguous tensor of this shape.
    var contiguousStrides: Shape {
        var strides = self
        var step = 1
        for axis in (0..<rank).reversed() {
            strides[axis] = step
            step *= self[axis]
        }
        return strides
    }

    /// Strides that read a contiguous tensor of this shape in reversed-axis order.
    var transposedStrides: Shape { contiguousStrides.reversed }

    var zeroStrides: Shape {
        var zeros = self
        for axis in 0..<rank { zeros[axis] = 0 }
        return zeros
    }
}
