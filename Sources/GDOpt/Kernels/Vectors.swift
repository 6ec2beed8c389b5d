import COpenBLAS
import Glibc
import GDOptElements
import GDOptLoops
import GDOptLoopsAVX2
import GDOptLoopsAVX512

/// The SIMD level of gdopt's own loops, chosen once from the CPU: the optimizer kernels run
/// the copy of GDOptLoops compiled for it. Every level gives the same bits (Loops.swift).
package enum Vectors {
    package enum Level: Int, Comparable, CaseIterable, Sendable {
        case baseline, avx2, avx512

        package var name: String { ["baseline", "avx2", "avx512"][rawValue] }
        package var description: String {
            ["x86-64 baseline (SSE2)", "x86-64-v3 (AVX2)", "x86-64-v4 (AVX-512)"][rawValue]
        }
        package static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    /// What the CPU runs.
    package static let supported = Level(rawValue: Int(gdopt_cpu_level())) ?? .baseline

    /// The level in use: `supported`, or a lower one named by GDOPT_SIMD (baseline, avx2 or
    /// avx512), which the tests use to run every level on one machine. A level the CPU lacks is
    /// never used: GDOPT_SIMD=avx512 on an AVX2 machine runs AVX2.
    package static let level: Level = {
        guard let variable = getenv("GDOPT_SIMD"),
            let requested = Level.allCases.first(where: { $0.name == String(cString: variable) })
        else { return supported }
        return min(requested, supported)
    }()

    // Only the chosen module's tables are touched: every instruction of a level's module,
    // its tables' initialisers included, may be one the CPUs below that level lack.
    private static let floats: LoopTable<Float> =
        switch level {
        case .baseline: GDOptLoops.Loops.float
        case .avx2: GDOptLoopsAVX2.Loops.float
        case .avx512: GDOptLoopsAVX512.Loops.float
        }
    private static let doubles: LoopTable<Double> =
        switch level {
        case .baseline: GDOptLoops.Loops.double
        case .avx2: GDOptLoopsAVX2.Loops.double
        case .avx512: GDOptLoopsAVX512.Loops.double
        }

    /// The loops of the level in use, for T.
    @inline(__always)
    static func loops<T: GDOptFloat>(_: T.Type) -> LoopTable<T> {
        // T is Float or Double, so each cast is to the table's own class.
        T.dtype == .float32
            ? unsafeBitCast(floats, to: LoopTable<T>.self) : unsafeBitCast(doubles, to: LoopTable<T>.self)
    }
}

extension SGDLoop: RangeKernel {
    package func callAsFunction(_ range: Range<Int>) { Vectors.loops(T.self).sgd(self, range) }
}

extension AdagradLoop: RangeKernel {
    package func callAsFunction(_ range: Range<Int>) { Vectors.loops(T.self).adagrad(self, range) }
}

extension RMSpropLoop: RangeKernel {
    package func callAsFunction(_ range: Range<Int>) { Vectors.loops(T.self).rmsprop(self, range) }
}

extension AdamLoop: RangeKernel {
    package func callAsFunction(_ range: Range<Int>) { Vectors.loops(T.self).adam(self, range) }
}

extension RpropLoop: RangeKernel {
    package func callAsFunction(_ range: Range<Int>) { Vectors.loops(T.self).rprop(self, range) }
}

extension AdadeltaLoop: RangeKernel {
    package func callAsFunction(_ range: Range<Int>) { Vectors.loops(T.self).adadelta(self, range) }
}

extension AdamaxLoop: RangeKernel {
    package func callAsFunction(_ range: Range<Int>) { Vectors.loops(T.self).adamax(self, range) }
}

extension LionLoop: RangeKernel {
    package func callAsFunction(_ range: Range<Int>) { Vectors.loops(T.self).lion(self, range) }
}

extension NAdamLoop: RangeKernel {
    package func callAsFunction(_ range: Range<Int>) { Vectors.loops(T.self).nadam(self, range) }
}

extension RAdamLoop: RangeKernel {
    package func callAsFunction(_ range: Range<Int>) { Vectors.loops(T.self).radam(self, range) }
}

extension ASGDLoop: RangeKernel {
    package func callAsFunction(_ range: Range<Int>) { Vectors.loops(T.self).asgd(self, range) }
}
