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
