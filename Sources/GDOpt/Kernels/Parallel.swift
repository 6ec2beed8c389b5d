import Glibc
import Synchronization

/// Work that can be split into disjoint index ranges and run on several threads.
/// Results must not depend on how the ranges are split (elementwise updates, or
/// reductions over fixed blocks), so a step gives the same bits on 1 or k threads.
package protocol RangeKernel {
    func callAsFunction(_ range: Range<Int>)
}

extension RangeKernel {
    /// Type-erased entry point for the workers: the kernel stays on the caller's stack,
    /// so no step allocates.
    static func run(_ kernel: UnsafeRawPointer, _ range: Range<Int>) {
        kernel.assumingMemoryBound(to: Self.self).pointee(range)
    }
}

/// How many threads large steps use (gdopt_set_num_threads), and the splitting itself
/// (package-internal).
public enum Parallel {
    /// Below this many elements per thread, waking a worker costs more than it saves.
    package static let minimumElementsPerThread = 1 << 12

    /// Threads used for large steps; 0 means one per online CPU.
    public static var threadCount: Int { WorkerPool.shared.threadCount }

    public static func setThreadCount(_ k: Int) throws(GDOptError) {
        guard k >= 0 else { throw .invalid("k=\(k) must be >= 0 (0 means automatic)") }
        WorkerPool.shared.setRequestedThreads(k)
    }

    /// Runs `kernel` over 0..<count, split into up to `threadCount` contiguous ranges of at
    /// least `grain` elements, with boundaries on multiples of 16 elements.
    package static func forEach<K: RangeKernel>(_ kernel: K, count: Int, grain: Int = minimumElementsPerThread) {
        let parts = min(threadCount, max(1, count / max(grain, 1)))
        if parts <= 1 {
            kernel(0..<count)
            return
        }
        withUnsafePointer(to: kernel) { pointer in
            WorkerPool.shared.run(K.self, UnsafeRawPointer(pointer), count: count, parts: parts)
        }
    }
}

/// A persistent pool of helper threads. One parallel region runs at a time; a caller that
/// finds the pool busy (another handle stepping on another thread) runs its work itself.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let regionLock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let generation = Atomic<UInt64>(0)
    private let nextPart = Atomic<Int>(0)
    private let finishedParts = Atomic<Int>(0)
    private let requested = Atomic<Int>(0)
    private let activeHelpers = Atomic<Int>(0)

    // The current region, written under `lock` before `generation` moves.
    private var kernelType: (any RangeKernel.Type)?
    private var kernel: UnsafeRawPointer?
    private var count = 0
    private var parts = 0
    private var helpers = 0

    private init() {
        initializeLocks()
        // A forked child (Python multiprocessing, say) has none of the parent's helper
        // threads; the caller would do every part alone. Start it from an empty pool, so
        // that it spawns helpers of its own.
        pthread_atfork(nil, nil) { WorkerPool.shared.forgetHelpersAfterFork() }
    }

    private func initializeLocks() {
        pthread_mutex_init(lock, nil)
        pthread_mutex_init(regionLock, nil)
        pthread_cond_init(wake, nil)
    }

    private func forgetHelpersAfterFork() {
        initializeLocks()
        helpers = 0
        kernelType = nil
        kernel = nil
        activeHelpers.store(0, ordering: .relaxed)
    }

    /// Read once: sysconf reads /sys on every call, which would cost microseconds a step.
    private let onlineCPUs = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    var threadCount: Int {
        let k = requested.load(ordering: .relaxed)
        return k > 0 ? k : onlineCPUs
    }

    func setRequestedThreads(_ k: Int) {
        requested.store(k, ordering: .relaxed)
        BLAS.forgetThreadCounts()
    }

    func run(_ type: any RangeKernel.Type, _ kernel: UnsafeRawPointer, count: Int, parts: Int) {
        guard pthread_mutex_trylock(regionLock) == 0 else {
            for part in 0..<parts { type.run(kernel, range(of: part, count: count, parts: parts)) }
            return
        }
        defer { pthread_mutex_unlock(regionLock) }
        spawnHelpers(upTo: parts - 1)

        pthread_mutex_lock(lock)
        kernelType = type
        self.kernel = kernel
        self.count = count
        self.parts = parts
        nextPart.store(0, ordering: .relaxed)
        finishedParts.store(0, ordering: .relaxed)
        generation.add(1, ordering: .releasing)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(lock)

        // The caller works too, and then waits for the parts that helpers took.
        runParts(type, kernel, count: count, parts: parts)
        while finishedParts.load(ordering: .acquiring) < parts { sched_yield() }

        // Retire the region before returning: no helper may pick up this stack kernel
        // later, and none that picked it up may still be inside runParts.
        pthread_mutex_lock(lock)
        kernelType = nil
        self.kernel = nil
        pthread_mutex_unlock(lock)
        while activeHelpers.load(ordering: .acquiring) > 0 { sched_yield() }
    }

    private func range(of part: Int, count: Int, parts: Int) -> Range<Int> {
        func boundary(_ p: Int) -> Int { p == parts ? count : (count / parts * p) & ~15 }
        return boundary(part)..<boundary(part + 1)
    }

    private func runParts(_ type: any RangeKernel.Type, _ kernel: UnsafeRawPointer, count: Int, parts: Int) {
        while true {
            let part = nextPart.add(1, ordering: .relaxed).oldValue
            guard part < parts else { return }
            type.run(kernel, range(of: part, count: count, parts: parts))
            finishedParts.add(1, ordering: .releasing)
        }
    }

    /// Starts helper threads lazily. A failed pthread_create just leaves fewer helpers:
    /// the caller then runs more of the parts itself.
    private func spawnHelpers(upTo wanted: Int) {
        while helpers < wanted {
            var thread = pthread_t()
            let context = Unmanaged.passUnretained(self).toOpaque()
            guard
                pthread_create(
                    &thread, nil,
                    { context in
                        Unmanaged<WorkerPool>.fromOpaque(context!).takeUnretainedValue().helperLoop()
                    }, context) == 0
            else { return }
            pthread_detach(thread)
            helpers += 1
        }
    }

    private func helperLoop() -> Never {
        var seen: UInt64 = 0
        while true {
            // Spin briefly so back-to-back steps do not pay a futex wake-up each.
            var spins = 0
            while generation.load(ordering: .acquiring) == seen && spins < 400_000 { spins += 1 }
            pthread_mutex_lock(lock)
            while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(wake, lock) }
            seen = generation.load(ordering: .acquiring)
            let type = kernelType, kernel = self.kernel, count = self.count, parts = self.parts
            if kernel != nil { activeHelpers.add(1, ordering: .relaxed) }
            pthread_mutex_unlock(lock)
            if let type, let kernel {
                runParts(type, kernel, count: count, parts: parts)
                activeHelpers.subtract(1, ordering: .releasing)
            }
        }
    }
}
