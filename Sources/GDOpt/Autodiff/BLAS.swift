import COpenBLAS

/// Matrix products through OpenBLAS (row-major CBLAS), for Float and Double.
enum BLAS {
    /// C = alpha · op(A) · op(B) + beta · C, with op(X) = Xᵀ when the flag is set.
    static func gemm<T: GDOptFloat>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int, beta: T, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        let ta = transposeA ? CblasTrans : CblasNoTrans, tb = transposeB ? CblasTrans : CblasNoTrans
        if T.dtype == .float32 {
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                        UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(lda),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Int32(ldb), Float(beta),
                        UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
        } else {
            cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                        UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(lda),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), Int32(ldb), Double(beta),
                        UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
        }
    }

    /// BLAS threads follow gdopt_set_num_threads.
    static func setThreadCount(_ k: Int) { openblas_set_num_threads(Int32(k)) }
}
