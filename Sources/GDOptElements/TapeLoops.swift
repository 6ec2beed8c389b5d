/// The tape's element-wise loops as data, like OptimizerLoops.swift: GDOpt's tape fills
/// these per op (or per run of a broadcast op) and runs the SIMD level's copy of the loop.

/// y = op(x) over `count` elements: an element-wise op, or sum and mean (into y[0]).
package struct UnaryForward<T: GDOptFloat> {
    package let op: UnaryOp
    package let x: UnsafePointer<T>, y: UnsafeMutablePointer<T>
    package let count: Int

    @inlinable @inline(__always)
    package init(op: UnaryOp, x: UnsafePointer<T>, y: UnsafeMutablePointer<T>, count: Int) {
        (self.op, self.x, self.y, self.count) = (op, x, y, count)
    }
}

/// The gradient of y = op(x) into gx, from gy: written, or added to when `adding`.
package struct UnaryBackward<T: GDOptFloat> {
    package let op: UnaryOp
    package let x: UnsafePointer<T>, y: UnsafePointer<T>, gx: UnsafeMutablePointer<T>, gy: UnsafePointer<T>
    package let count: Int
    package let adding: Bool

    @inlinable @inline(__always)
    package init(
        op: UnaryOp, x: UnsafePointer<T>, y: UnsafePointer<T>, gx: UnsafeMutablePointer<T>, gy: UnsafePointer<T>,
        count: Int, adding: Bool
    ) {
        (self.op, self.x, self.y, self.gx, self.gy, self.count, self.adding) = (op, x, y, gx, gy, count, adding)
    }
}

/// One run of a broadcast binary op: y[j] = a[j·sa] op b[j·sb] for j < count (a stride of 0
/// revisits one element).
package struct BinaryForward<T: GDOptFloat> {
    package let op: BinaryOp
    package let y: UnsafeMutablePointer<T>, a: UnsafePointer<T>, b: UnsafePointer<T>
    package let sa: Int, sb: Int, count: Int

    @inlinable @inline(__always)
    package init(
        op: BinaryOp, y: UnsafeMutablePointer<T>, a: UnsafePointer<T>, sa: Int, b: UnsafePointer<T>, sb: Int,
        count: Int
    ) {
        (self.op, self.y, self.a, self.sa, self.b, self.sb, self.count) = (op, y, a, sa, b, sb, count)
    }
}

/// One run of its gradient: into ga and gb (nil when that input needs none) from gy, written
/// or added to (addA, addB; a broadcast input is always added to, so += sums over its axes).
package struct BinaryBackward<T: GDOptFloat> {
    package let op: BinaryOp
    package let gy: UnsafePointer<T>, a: UnsafePointer<T>, b: UnsafePointer<T>
    package let ga: UnsafeMutablePointer<T>?, gb: UnsafeMutablePointer<T>?
    package let sa: Int, sb: Int, count: Int
    package let addA: Bool, addB: Bool

    @inlinable @inline(__always)
    package init(
        op: BinaryOp, gy: UnsafePointer<T>, a: UnsafePointer<T>, b: UnsafePointer<T>, ga: UnsafeMutablePointer<T>?,
        gb: UnsafeMutablePointer<T>?, sa: Int, sb: Int, count: Int, addA: Bool, addB: Bool
    ) {
        (self.op, self.gy, self.a, self.b, self.ga, self.gb) = (op, gy, a, b, ga, gb)
        (self.sa, self.sb, self.count, self.addA, self.addB) = (sa, sb, count, addA, addB)
    }
}

/// A loss over `rows`×`columns` scores and one label per row; cross-entropy keeps its softmax.
package struct LossRows<T: GDOptFloat> {
    package let kind: LossKind
    package let scores: UnsafePointer<T>, labels: UnsafePointer<Int>, softmax: UnsafeMutablePointer<T>
    package let rows: Int, columns: Int

    @inlinable @inline(__always)
    package init(
        kind: LossKind, scores: UnsafePointer<T>, labels: UnsafePointer<Int>, softmax: UnsafeMutablePointer<T>,
        rows: Int, columns: Int
    ) {
        (self.kind, self.scores, self.labels, self.softmax, self.rows, self.columns) =
            (kind, scores, labels, softmax, rows, columns)
    }
}
