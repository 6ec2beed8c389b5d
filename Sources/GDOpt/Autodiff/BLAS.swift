import COpenBLAS
import Glibc
import Synchronization

/// Matrix products through a row-major CBLAS, for Float and Double: Debian's OpenBLAS, or,
/// when OpenBLAS does not know the CPU, libxsmm's JIT kernels (split by rows over gdopt's
/// threads above `threadedWork`), and BLIS for the large products with a transposed B. OpenBLAS 0.3.21 runs its SSE3 Prescott kernels on
/// Intel CPUs newer than it (3 to 7 times slower on the MLP's shapes), while libxsmm and BLIS
/// pick their code from the CPU's features (Debian's BLIS has no AVX-512 kernels; libxsmm
/// generates them). The choice is made once, when the first product runs; `GDOPT_BLAS=openblas`
/// or `=blis` forces it (the library reads, never sets, the environment; OPENBLAS_CORETYPE
/// stays the user's). A product's code depends only on its shape and flags, so results are
/// the same bits run after run. LAPACK is always OpenBLAS's.
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
        /// Whether products go to libxsmm first (`gemm`).
        let jitProducts: Bool
        /// The thread count last set. It is global in the BLAS, changed only when it differs,
        /// and never above gdopt_set_num_threads. (Two tapes racing here only change speed,
        /// not results: both BLASes split a product by output blocks, not along k.)
        private let current = Atomic<Int>(0)

        init(
            sgemm: SGEMM, dgemm: DGEMM, setThreads: @escaping @Sendable (Int) -> Void, description: String,
            jitProducts: Bool = false
        ) {
            (self.sgemm, self.dgemm, self.setThreads, self.description) = (sgemm, dgemm, setThreads, description)
            self.jitProducts = jitProducts
        }

        func useThreads(_ k: Int) {
            if current.exchange(k, ordering: .relaxed) != k { setThreads(k) }
        }

        /// The next call sets the count again.
        func forgetThreadCount() { current.store(0, ordering: .relaxed) }
    }

    /// C = alpha · op(A) · op(B) + beta · C, with op(X) = Xᵀ when the flag is set. `scratch`
    /// holds Bᵀ for libxsmm, which generates no kernel for a transposed B (see `jitProduct`).
    static func gemm<T: GDOptFloat>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int, beta: T, c: UnsafeMutablePointer<T>, ldc: Int,
        scratch: Arena<T>? = nil
    ) {
        let backend = selected
        let threaded = m * n * k >= threadedWork
        // Large products are split by rows over gdopt's threads; a large transposed B stays with
        // BLIS (copying it out would cost a good part of the product).
        if backend.jitProducts && !(threaded && transposeB),
            let (b, ldb) = transposeB ? transposed(b, ldb, k, n, scratch) : (b, ldb),
            jitProduct(
                transposeA: transposeA, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc,
                parts: threaded ? Swift.min(WorkerPool.shared.threadCount, Swift.max(1, m / 16)) : 1)
        {
            return
        }
        backend.useThreads(threaded ? WorkerPool.shared.threadCount : 1)
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

    /// op(B) = Bᵀ (k×n, B stored n×k) copied out as k×n with leading dimension n, or nil
    /// without scratch memory.
    private static func transposed<T: GDOptFloat>(
        _ b: UnsafePointer<T>, _ ldb: Int, _ k: Int, _ n: Int, _ scratch: Arena<T>?
    ) -> (UnsafePointer<T>, Int)? {
        guard let scratch else { return nil }
        scratch.removeAll()
        guard (try? scratch.grow(by: k * n)) != nil else { return nil }
        let out = scratch.base
        for j in 0..<n {
            for i in 0..<k { out[i * n + j] = b[j * ldb + i] }
        }
        return (UnsafePointer(out), n)
    }

    /// Row-major C = op(A)·B + beta·C through libxsmm kernels, `parts` blocks of C's rows on as
    /// many threads; false when libxsmm has no kernel. libxsmm is column-major, where the
    /// row-major C is Cᵀ = Bᵀ·op(A)ᵀ: B's storage read as column-major is Bᵀ, and a transposed
    /// A becomes libxsmm's transposed B (it generates no transposed A, which is why a transposed
    /// B is copied first). A block's rows are whole dot products, each computed as it would be
    /// in one block, so the split does not change bits. libxsmm caches each kernel.
    private static func jitProduct<T: GDOptFloat>(
        transposeA: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
        beta: T, c: UnsafeMutablePointer<T>, ldc: Int, parts: Int
    ) -> Bool {
        let blockRows = (m + parts - 1) / parts, lastRows = m - (parts - 1) * blockRows
        func kernel(rows: Int) -> UnsafeMutableRawPointer? {
            var (ldA, ldB, ldC) = (Int32(ldb), Int32(lda), Int32(ldc))
            var flags: Int32 = transposeA ? 2 : 0  // LIBXSMM_GEMM_FLAG_TRANS_B
            let (columns, depth) = (Int32(n), Int32(k))
            if T.dtype == .float32 {
                var (alpha, scale): (Float, Float) = (1, Float(beta))
                return libxsmm_smmdispatch(columns, Int32(rows), depth, &ldA, &ldB, &ldC, &alpha, &scale, &flags, nil)
            }
            var (alpha, scale): (Double, Double) = (1, Double(beta))
            return libxsmm_dmmdispatch(columns, Int32(rows), depth, &ldA, &ldB, &ldC, &alpha, &scale, &flags, nil)
        }
        guard let block = kernel(rows: blockRows), let last = lastRows == blockRows ? block : kernel(rows: lastRows)
        else { return false }
        let product = JITBlocks(
            block: block, last: last, parts: parts, blockRows: blockRows, a: a, aStride: transposeA ? 1 : lda, b: b,
            c: c, ldc: ldc)
        Parallel.forEach(product, count: parts, grain: 1)
        return true
    }

    /// Blocks of C's rows, each through its libxsmm kernel.
    private struct JITBlocks<T: GDOptFloat>: RangeKernel {
        let block: UnsafeMutableRawPointer, last: UnsafeMutableRawPointer
        let parts: Int, blockRows: Int
        let a: UnsafePointer<T>, aStride: Int, b: UnsafePointer<T>
        let c: UnsafeMutablePointer<T>, ldc: Int

        func callAsFunction(_ range: Range<Int>) {
            for part in range {
                let kernel = part == parts - 1 ? last : block
                let row = part * blockRows
                let (a, c) = (UnsafeRawPointer(a + row * aStride), UnsafeMutableRawPointer(c + row * ldc))
                if T.dtype == .float32 {
                    gdopt_xsmm_run_f32(
                        kernel, UnsafeRawPointer(b).assumingMemoryBound(to: Float.self),
                        a.assumingMemoryBound(to: Float.self), c.assumingMemoryBound(to: Float.self))
                } else {
                    gdopt_xsmm_run_f64(
                        kernel, UnsafeRawPointer(b).assumingMemoryBound(to: Double.self),
                        a.assumingMemoryBound(to: Double.self), c.assumingMemoryBound(to: Double.self))
                }
            }
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
        let jit = "libxsmm 1.17 (JIT for \(String(cString: libxsmm_get_target_arch())))"
        return Backend(
            sgemm: blis.sgemm, dgemm: blis.dgemm, setThreads: blis.setThreads,
            description: "\(jit), and \(blis.description) for large A·Bᵀ (\(reason))", jitProducts: true)
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
