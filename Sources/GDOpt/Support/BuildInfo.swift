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

    /// The vector instructions the optimizer and tape kernels were compiled for.
    #if GDOPT_NATIVE
        static let kernelLevel = "-march=native build (make native)"
    #else
        static let kernelLevel = "x86-64 baseline (SSE2), no FMA contraction"
    #endif
}
