import GDOptElements

// This directory is compiled three times, as GDOptLoops (x86-64 baseline, SSE2),
// GDOptLoopsAVX2 (x86-64-v3) and GDOptLoopsAVX512 (x86-64-v4): the other two targets'
// directories are symlinks to this one, and Package.swift gives each its -march. Every
// symbol is this module's own, so the three copies never merge at link time. Swift does not
// contract a·b + c into an FMA, and each loop's order of operations is fixed (reductions
// run in element order, or in explicit lanes), so the three levels compute the same bits.

/// This module's loops, for each element type.
package enum Loops {
    package static let float = table(Float.self)
    package static let double = table(Double.self)

    @inline(__always)
    private static func table<T: GDOptFloat>(_: T.Type) -> LoopTable<T> {
        LoopTable(
            sgd: { $0.run($1) }, adagrad: { $0.run($1) }, rmsprop: { $0.run($1) }, adam: { $0.run($1) },
            lion: { $0.run($1) }, adamax: { $0.run($1) }, adadelta: { $0.run($1) }, rprop: { $0.run($1) },
            nadam: { $0.run($1) }, radam: { $0.run($1) }, asgd: { $0.run($1) },
            decodeState: { $0.decode() }, encodeState: { $0.encode() },
            unaryForward: { $0.run() },
            unaryBackward: { $0.run() },
            binaryForward: { $0.run() },
            binaryBackward: { $0.run() }, lossForward: { $0.forward() },
            lossBackward: { $0.backward(into: $1, scale: $2, adding: $3) })
    }
}
