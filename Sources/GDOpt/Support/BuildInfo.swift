import COpenBLAS

/// What the library runs on this machine: the BLAS behind the tape's products and its
/// kernels, the LAPACK, and the vector level of gdopt's own kernels. Benchmarks print it.
public enum BuildInfo {
    public static let description: String = {
        let cpu =
            gdopt_cpu_supports_avx512f() != 0 ? "AVX-512" : gdopt_cpu_supports_avx2() != 0 ? "AVX2+FMA" : "SSE2"
        return [
            "matrix products: \(BLAS.selected.description)",
            "LAPACK: OpenBLAS, core \(BLAS.openBLASCore)",
            "gdopt kernels: \(kernelLevel)",
            "CPU vectors: \(cpu)",
        ].joined(separator: "; ")
    }()

    /// The copy of gdopt's loops in use (Vectors), and how it was chosen.
    static var kernelLevel: String {
        let forced = Vectors.level == Vectors.supported ? "" : ", lowered by GDOPT_SIMD"
        return "\(Vectors.level.description)\(forced), chosen by cpuid, no FMA contraction"
    }
}
