import COpenBLAS
import Glibc
import Synchronization

/// Matrix products through a row-major CBLAS, for Float and Double: Debian's OpenBLAS, or
/// BLIS when OpenBLAS does not know the CPU. OpenBLAS 0.3.21 runs its SSE3 Prescott kernels
/// on Intel CPUs newer than it (3 to 7 times slower on the MLP's shapes), while BLIS picks
/// its kernels from the CPU's features. The choice is made once, when the first product
/// runs; `GDOPT_BLAS=openblas` or `=blis` forces it (the library reads, never sets, the
/// environment; OPENBLAS_CORETYPE stays the user's). LAPACK is always OpenBLAS's.
enum BLAS {
    typealias SGEMM =
        @convention(c) (
            CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
            UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32
        ) -> Void
    typealias DGEMM =
        @convention(c) (
            CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32,
            UnsafePointer<Double>?, Int32, Double, UnsafeMutablePointer<Double>?, Int32
        ) -> Void

    /// One CBLAS implementation: its products, its thread control and what it says of itself.
    final class Backend: Sendable {
        let sgemm: SGEMM
        let dgemm: DGEMM
        let setThreads: @Sendable (Int) -> Void
        let description: String
        /// The thread count last set. It is global in the BLAS, changed only when it differs,
        /// and never above gdopt_set_num_threads. (Two tapes racing here only change speed,
        /// not results: both BLASes split a product by output blocks, not along k.)
        private let current = Atomic<Int>(0)

        init(sgemm: SGEMM, dgemm: DGEMM, setThreads: @escaping @Sendable (Int) -> Void, description: String) {
            (self.sgemm, self.dgemm, self.setThreads, self.description) = (sgemm, dgemm, setThreads, description)
        }

        func useThreads(_ k: Int) {
            if current.exchange(k, ordering: .relaxed) != k { setThreads(k) }
        }

        /// The next call sets the count again.
        func forgetThreadCount() { current.store(0, ordering: .relaxed) }
    }

    /// C = alpha · op(A) · op(B) + beta · C, with op(X) = Xᵀ when the flag is set.
    static func gemm<T: GDOptFloat>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int, beta: T, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        let backend = selected
        backend.useThreads(m * n * k >= threadedWork ? WorkerPool.shared.threadCount : 1)
        let ta = transposeA ? CblasTrans : CblasNoTrans, tb = transposeB ? CblasTrans : CblasNoTrans
        if T.dtype == .float32 {
            backend.sgemm(
                CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(lda),
                UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Int32(ldb), Float(beta),
                UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
        } else {
            backend.dgemm(
                CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(lda),
                UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), Int32(ldb), Double(beta),
                UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
        }
    }

    /// The backend the products use, chosen once (a Swift global is initialised once, thread-safely).
    static let selected: Backend = choose()

    static let openBLAS = Backend(
        sgemm: cblas_sgemm, dgemm: cblas_dgemm, setThreads: { openblas_set_num_threads(Int32($0)) },
        description: "OpenBLAS (\(String(cString: openblas_get_config()))), core \(openBLASCore)")

    static var openBLASCore: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's cores with AVX2 (or wider) kernels; any other on an AVX2 CPU is a fallback.
    static let openBLASVectorCores: Set<String> = [
        "haswell", "skylakex", "cooperlake", "sapphirerapids", "zen", "excavator",
    ]

    private static func choose() -> Backend {
        let request = getenv("GDOPT_BLAS").map { String(cString: $0) }
        let fallback = gdopt_cpu_supports_avx2() != 0 && !openBLASVectorCores.contains(openBLASCore.lowercased())
        guard request == "blis" || (request != "openblas" && fallback), let blis = loadBLIS() else { return openBLAS }
        let reason = request == "blis" ? "GDOPT_BLAS=blis" : "OpenBLAS's core \(openBLASCore) predates this CPU"
        return Backend(
            sgemm: blis.sgemm, dgemm: blis.dgemm, setThreads: blis.setThreads,
            description: "\(blis.description) (\(reason))")
    }

    /// BLIS from Debian's libblis4 (the pthread build first: its threads are plain pthreads),
    /// loaded only when chosen, with its symbols kept local so that they do not shadow OpenBLAS's.
    private static func loadBLIS() -> Backend? {
        let paths = ["/usr/lib/x86_64-linux-gnu/blis-pthread/libblis.so.4", "libblis.so.4"]
        guard let handle = paths.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first,
            let sgemm = dlsym(handle, "cblas_sgemm"), let dgemm = dlsym(handle, "cblas_dgemm"),
            let threads = dlsym(handle, "bli_thread_set_num_threads"),
            let version = dlsym(handle, "bli_info_get_version_str"),
            let arch = dlsym(handle, "bli_arch_query_id"), let archName = dlsym(handle, "bli_arch_string")
        else { return nil }
        typealias Threads = @convention(c) (Int64) -> Void
        typealias Text = @convention(c) () -> UnsafePointer<CChar>
        typealias Arch = @convention(c) () -> Int32
        typealias ArchName = @convention(c) (Int32) -> UnsafePointer<CChar>
        let setThreads = unsafeBitCast(threads, to: Threads.self)
        let archID = unsafeBitCast(arch, to: Arch.self)()
        let name = String(cString: unsafeBitCast(archName, to: ArchName.self)(archID))
        return Backend(
            sgemm: unsafeBitCast(sgemm, to: SGEMM.self), dgemm: unsafeBitCast(dgemm, to: DGEMM.self),
            setThreads: { setThreads(Int64($0)) },
            description: "BLIS \(String(cString: unsafeBitCast(version, to: Text.self)())), kernels \(name)")
    }

    /// Below this many multiply-adds a product runs on one thread: waking the BLAS's threads
    /// costs more than it saves (a 64×64×128 product ran 1.2x slower on 2 threads).
    static let threadedWork = 1 << 21

    /// Called when gdopt_set_num_threads changes: the next product sets the count again.
    static func forgetThreadCounts() {
        openBLAS.forgetThreadCount()
        selected.forgetThreadCount()
    }
}
