/// One SIMD level's loops, for one element type (GDOptLoops/Loops.swift fills it). A class, so
/// that reaching one loop retains the table once rather than copying every closure in it (a
/// compact step reaches its codecs once per chunk).
package final class LoopTable<T: GDOptFloat>: Sendable {
    package let sgd: @Sendable (SGDLoop<T>, Range<Int>) -> Void
    package let adagrad: @Sendable (AdagradLoop<T>, Range<Int>) -> Void
    package let rmsprop: @Sendable (RMSpropLoop<T>, Range<Int>) -> Void
    package let adam: @Sendable (AdamLoop<T>, Range<Int>) -> Void
    package let lion: @Sendable (LionLoop<T>, Range<Int>) -> Void
    package let adamax: @Sendable (AdamaxLoop<T>, Range<Int>) -> Void
    package let adadelta: @Sendable (AdadeltaLoop<T>, Range<Int>) -> Void
    package let rprop: @Sendable (RpropLoop<T>, Range<Int>) -> Void
    package let nadam: @Sendable (NAdamLoop<T>, Range<Int>) -> Void
    package let radam: @Sendable (RAdamLoop<T>, Range<Int>) -> Void
    package let asgd: @Sendable (ASGDLoop<T>, Range<Int>) -> Void
    /// Compact state: a chunk's values from its codes, and its codes (and absmax) from its values.
    package let decodeState: @Sendable (CompactChunk<T>) -> Void
    package let encodeState: @Sendable (CompactChunk<T>) -> Void
    package let unaryForward: @Sendable (UnaryForward<T>) -> Void
    package let unaryBackward: @Sendable (UnaryBackward<T>) -> Void
    package let binaryForward: @Sendable (BinaryForward<T>) -> Void
    package let binaryBackward: @Sendable (BinaryBackward<T>) -> Void
    /// The mean loss over the rows.
    package let lossForward: @Sendable (LossRows<T>) -> T
    /// The gradient of `scale` times the summed loss into `gradient` (written, or added to).
    package let lossBackward:
        @Sendable (LossRows<T>, _ gradient: UnsafeMutablePointer<T>, _ scale: T, _ adding: Bool)
            -> Void

    @inlinable
    package init(
        sgd: @escaping @Sendable (SGDLoop<T>, Range<Int>) -> Void,
        adagrad: @escaping @Sendable (AdagradLoop<T>, Range<Int>) -> Void,
        rmsprop: @escaping @Sendable (RMSpropLoop<T>, Range<Int>) -> Void,
        adam: @escaping @Sendable (AdamLoop<T>, Range<Int>) -> Void,
        lion: @escaping @Sendable (LionLoop<T>, Range<Int>) -> Void,
        adamax: @escaping @Sendable (AdamaxLoop<T>, Range<Int>) -> Void,
        adadelta: @escaping @Sendable (AdadeltaLoop<T>, Range<Int>) -> Void,
        rprop: @escaping @Sendable (RpropLoop<T>, Range<Int>) -> Void,
        nadam: @escaping @Sendable (NAdamLoop<T>, Range<Int>) -> Void,
        radam: @escaping @Sendable (RAdamLoop<T>, Range<Int>) -> Void,
        asgd: @escaping @Sendable (ASGDLoop<T>, Range<Int>) -> Void,
        decodeState: @escaping @Sendable (CompactChunk<T>) -> Void,
        encodeState: @escaping @Sendable (CompactChunk<T>) -> Void,
        unaryForward: @escaping @Sendable (UnaryForward<T>) -> Void,
        unaryBackward: @escaping @Sendable (UnaryBackward<T>) -> Void,
        binaryForward: @escaping @Sendable (BinaryForward<T>) -> Void,
        binaryBackward: @escaping @Sendable (BinaryBackward<T>) -> Void,
        lossForward: @escaping @Sendable (LossRows<T>) -> T,
        lossBackward: @escaping @Sendable (LossRows<T>, UnsafeMutablePointer<T>, T, Bool) -> Void
    ) {
        (self.sgd, self.adagrad, self.rmsprop, self.adam) = (sgd, adagrad, rmsprop, adam)
        (self.lion, self.adamax, self.adadelta, self.rprop) = (lion, adamax, adadelta, rprop)
        (self.nadam, self.radam, self.asgd) = (nadam, radam, asgd)
        (self.decodeState, self.encodeState) = (decodeState, encodeState)
        (self.unaryForward, self.unaryBackward, self.binaryForward, self.binaryBackward) =
            (unaryForward, unaryBackward, binaryForward, binaryBackward)
        (self.lossForward, self.lossBackward) = (lossForward, lossBackward)
    }
}
