/// An objective, for the gradient check and the solvers: the value at x, and the gradient
/// written into `gradient` when it is not nil. Returning NaN (or throwing) aborts the
/// computation.
public typealias Objective = (_ x: UnsafeBufferPointer<Double>, _ gradient: UnsafeMutableBufferPointer<Double>?)
    throws(GDOptError) -> Double
