import COpenBLAS
import Synchronization

/// Matrix products through OpenBLAS (row-major CBLAS), for Float and Double.
enum BLAS {
    /// C = alpha · op(A) · op(B) + beta · C, with op(X) = Xᵀ when the flag is set.
    static func gemm<T: GDOptFloat>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int, beta: T, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        useThreads(m * n * k >= threadedWork ? WorkerPool.shared.threadCount : 1)
        let ta = transposeA ? CblasTrans : CblasNoTrans, tb = transposeB ? CblasTrans : CblasNoTrans
        if T.dtype == .float32 {
            cblas_sgemm(
                CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(lda),
                UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Int32(ldb), Float(beta),
                UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
        } else {
            cblas_dgemm(
                CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(lda),
                UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), Int32(ldb), Double(beta),
                UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
        }
    }

    /// Below this many multiply-adds a product runs on one thread: waking OpenBLAS's threads
    /// costs more than it saves (a 64×64×128 product ran 1.2x slower on 2 threads).
    static let threadedWork = 1 << 21

    /// OpenBLAS's thread count is global; it is changed only when it differs, and is never
    /// above gdopt_set_num_threads. (Two tapes racing here only change speed, not results:
    /// OpenBLAS splits a product by output blocks, not along k.)
    private static let current = Atomic<Int>(0)

    static func useThreads(_ k: Int) {
        if current.exchange(k, ordering: .relaxed) != k { openblas_set_num_threads(Int32(k)) }
    }

    /// Called when gdopt_set_num_threads changes: the next product sets the count again.
    static func setThreadCount(_: Int) { current.store(0, ordering: .relaxed) }
}
