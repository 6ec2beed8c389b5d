import Glibc

/// A 64-byte aligned, zero-initialised block of raw memory owned by the library (an
/// optimizer slot's moment buffers). Allocation failure is reported, not trapped on.
final class AlignedBuffer {
    let bytes: UnsafeMutableRawPointer
    let byteCount: Int

    init(byteCount: Int) throws(GDOptError) {
        var raw: UnsafeMutableRawPointer?
        guard byteCount > 0, posix_memalign(&raw, 64, byteCount) == 0, let raw else {
            throw .memory("cannot allocate \(byteCount) bytes of optimizer state")
        }
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        bytes = raw
        self.byteCount = byteCount
    }

    deinit { free(bytes) }

    func elements<T: GDOptFloat>(_: T.Type) -> UnsafeMutablePointer<T> {
        bytes.assumingMemoryBound(to: T.self)
    }

    func fill<T: GDOptFloat>(with value: T) {
        let p = elements(T.self)
        for i in 0..<(byteCount / MemoryLayout<T>.stride) { p[i] = value }
    }

    func copy() throws(GDOptError) -> AlignedBuffer {
        let twin = try AlignedBuffer(byteCount: byteCount)
        twin.bytes.copyMemory(from: bytes, byteCount: byteCount)
        return twin
    }
}
