/// Walks the elements of `shape` in row-major order together with two operands read
/// through their (broadcast) strides, one contiguous run of the last axis at a time:
/// `body(out, a, b, length, strideA, strideB)` covers out..<out+length, a + k·strideA and
/// b + k·strideB. A stride of 0 revisits one element, which is how broadcasting reads
/// forward and accumulates (reduces) backward.
@inline(__always)
func walk(_ shape: Shape, _ sa: Shape, _ sb: Shape, _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
    guard shape.rank > 0 else {
        body(0, 0, 0, 1, 0, 0)
        return
    }
    let last = shape.rank - 1, length = shape[last]
    let strideA = sa[last], strideB = sb[last]
    if shape.rank <= 2 {
        // Rows of a matrix (or one vector): the common case, without the odometer's reads of
        // the inline shapes on every row.
        let rows = shape.rank == 2 ? shape[0] : 1
        let rowA = shape.rank == 2 ? sa[0] : 0, rowB = shape.rank == 2 ? sb[0] : 0
        for row in 0..<rows { body(row * length, row * rowA, row * rowB, length, strideA, strideB) }
        return
    }
    var index = shape  // used as the multi-index counter
    for axis in 0..<shape.rank { index[axis] = 0 }
    var out = 0, a = 0, b = 0
    let runs = shape.count / length
    for _ in 0..<runs {
        body(out, a, b, length, strideA, strideB)
        out += length
        // Advance the multi-index over the outer axes, carrying as an odometer does.
        var axis = last - 1
        while axis >= 0 {
            index[axis] += 1
            a += sa[axis]
            b += sb[axis]
            if index[axis] < shape[axis] { break }
            a -= sa[axis] * shape[axis]
            b -= sb[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}
