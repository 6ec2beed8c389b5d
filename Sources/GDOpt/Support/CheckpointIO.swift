import Glibc

/// An object whose whole state is a checkpoint (optimizers, solvers). The encoder walks the
/// state once per use: to count the bytes, to write them into memory the caller owns, or to
/// stream them to a file. No path builds a second copy of the state (§8).
public protocol Checkpointed: AnyObject {
    /// Writes every byte of the checkpoint but the trailing CRC, which the writer adds.
    func encodeCheckpoint(into out: inout CheckpointWriter)
    /// Checks everything first: on error (`.format`, `.memory`) the object is unchanged.
    func restore(from data: UnsafeRawBufferPointer) throws(GDOptError)
}

extension Checkpointed {
    /// The checkpoint's size in bytes, computed without building it.
    public var checkpointSize: Int {
        var out = CheckpointWriter(.counting)
        encodeCheckpoint(into: &out)
        return out.finish()
    }

    /// Writes the checkpoint into `buffer` and returns its size; a buffer too small is
    /// `.size` and is left as it was.
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) throws(GDOptError) -> Int {
        let size = checkpointSize
        guard buffer.count >= size, let base = buffer.baseAddress else {
            throw .size("the buffer holds \(buffer.count) bytes, the checkpoint needs \(size)")
        }
        return writeCheckpoint(to: base)
    }

    /// Writes the checkpoint at `base`, which holds at least `checkpointSize` bytes (the
    /// caller has counted them once); returns the size.
    package func writeCheckpoint(to base: UnsafeMutableRawPointer) -> Int {
        var out = CheckpointWriter(.memory(base))
        encodeCheckpoint(into: &out)
        return out.finish()
    }

    /// The checkpoint as an array (a Swift convenience: the C ABI writes into the caller's
    /// buffer or streams to a file).
    public func serialized() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: checkpointSize) { buffer, initialized in
            initialized = writeCheckpoint(to: UnsafeMutableRawPointer(buffer.baseAddress!))
        }
    }

    public func restore(from bytes: [UInt8]) throws(GDOptError) {
        var failure: GDOptError?
        bytes.withUnsafeBytes { raw in
            do throws(GDOptError) { try restore(from: raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Streams the checkpoint crash-safely to `path` (see `writeAtomically`).
    public func save(to path: String) throws(GDOptError) {
        try writeAtomically(to: path) { (out: inout CheckpointWriter) in encodeCheckpoint(into: &out) }
    }

    /// Reads a checkpoint written by `save`. On error the object is unchanged.
    public func load(from path: String) throws(GDOptError) {
        let file = try CheckpointFile(reading: path)
        try restore(from: file.bytes)
    }
}

/// Checkpoint bytes on their way out, with their running CRC-32 (IEEE, as zlib computes it).
public struct CheckpointWriter {
    enum Destination {
        case counting
        case memory(UnsafeMutableRawPointer)
        case file(FileChunks)
    }

    let destination: Destination
    private(set) var count = 0
    private var crc: UInt32 = 0xFFFF_FFFF

    init(_ destination: Destination) { self.destination = destination }

    mutating func raw(_ bytes: UnsafeRawBufferPointer) {
        switch destination {
        case .counting:
            break  // only the size: no bytes, no checksum
        case .memory(let base):
            (base + count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            crc = crc32Update(crc, bytes)
        case .file(let chunks):
            chunks.write(bytes)
            crc = crc32Update(crc, bytes)
        }
        count += bytes.count
    }

    mutating func u8(_ v: UInt8) { withUnsafeBytes(of: v) { raw($0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { raw($0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { raw($0) } }
    mutating func bytes(_ b: [UInt8]) { b.withUnsafeBytes { raw($0) } }

    /// Appends the CRC of everything before it and returns the checkpoint's total size.
    mutating func finish() -> Int {
        u32(~crc)
        return count
    }
}

/// A file written in 1 MiB chunks; large buffers go straight from the state to the file.
/// The first failure is kept and every later write skipped, so encoders need not throw.
final class FileChunks {
    static let capacity = 1 << 20
    var fd: Int32 = -1
    private let staging: UnsafeMutableRawPointer
    private var used = 0
    private(set) var failure: String?

    init() throws(GDOptError) {
        guard let staging = malloc(Self.capacity) else { throw .memory("cannot allocate a 1 MiB write buffer") }
        self.staging = staging
    }

    deinit { free(staging) }

    func write(_ bytes: UnsafeRawBufferPointer) {
        if used + bytes.count > Self.capacity { flush() }
        if bytes.count >= Self.capacity {
            writeAll(bytes)
        } else {
            (staging + used).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            used += bytes.count
        }
    }

    func flush() {
        writeAll(UnsafeRawBufferPointer(start: staging, count: used))
        used = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) {
        var written = 0
        while failure == nil && written < bytes.count {
            let result = Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written)
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                failure = errnoText()
                return
            }
            written += result
        }
    }
}

/// Streams a checkpoint to a temporary file in the same folder, fsyncs it, renames it over
/// `path`, then fsyncs the folder: a crash leaves the old file or the new one, never half
/// of either. Only regular files are replaced: a path whose target is something else (a
/// device, a FIFO, a folder) is `.io` and is left as it was.
func writeAtomically(to path: String, _ encode: (inout CheckpointWriter) -> Void) throws(GDOptError) {
    var status = stat()
    if stat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
        throw .io("\(path) exists and is not a regular file; it was left as it was")
    }
    let chunks = try FileChunks()  // before the file exists: a refusal leaves nothing behind
    let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .io("cannot create \(temporary): \(errnoText())") }
    func abandon(_ message: String) -> GDOptError {
        close(fd)
        unlink(temporary)
        return .io(message)
    }
    chunks.fd = fd
    var out = CheckpointWriter(.file(chunks))
    encode(&out)
    _ = out.finish()
    chunks.flush()
    if let failure = chunks.failure { throw abandon("cannot write \(temporary): \(failure)") }
    guard fsync(fd) == 0 else { throw abandon("cannot flush \(temporary): \(errnoText())") }
    close(fd)
    guard rename(temporary, path) == 0 else {
        let reason = errnoText()
        unlink(temporary)
        throw .io("cannot rename \(temporary) to \(path): \(reason)")
    }
    let folder = path.lastIndex(of: "/").map { String(path[..<$0].isEmpty ? "/" : path[..<$0]) } ?? "."
    let folderFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if folderFD >= 0 {
        fsync(folderFD)
        close(folderFD)
    }
}

/// The bytes of the regular file at `path`, read up to its size at open into memory that
/// may be refused (`.memory`): a FIFO, a device or a folder is `.io` at once, without
/// blocking or reading without end.
final class CheckpointFile {
    let bytes: UnsafeRawBufferPointer

    init(reading path: String) throws(GDOptError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .io("cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .io("cannot stat \(path): \(errnoText())") }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .io("\(path) is not a regular file") }
        let size = Int(status.st_size)
        let base = try Allocation.raw(UInt8.self, count: size, what: "reading \(path)")
        var filled = 0
        while filled < size {
            let result = read(fd, base + filled, size - filled)
            if result < 0 && errno == EINTR { continue }
            guard result >= 0 else {
                let reason = errnoText()
                free(base)
                throw .io("cannot read \(path): \(reason)")
            }
            if result == 0 { break }  // the file shrank: what is there is checked as a checkpoint
            filled += result
        }
        bytes = UnsafeRawBufferPointer(start: base, count: filled)
    }

    deinit { free(UnsafeMutableRawPointer(mutating: bytes.baseAddress)) }
}

struct ByteReader {
    let data: UnsafeRawBufferPointer
    let limit: Int
    var offset = 0

    init(data: UnsafeRawBufferPointer, limit: Int) {
        self.data = data
        self.limit = limit
    }

    mutating func take(_ count: Int, what: String) throws(GDOptError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= limit - offset else {
            throw .format(
                "checkpoint is truncated: \(what) needs \(count) bytes at offset \(offset), \(limit - offset) remain")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: data[offset..<(offset + count)])
    }

    func u32(at position: Int) -> UInt32 {
        UInt32(littleEndian: data.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    mutating func u32() throws(GDOptError) -> UInt32 {
        UInt32(littleEndian: try take(4, what: "a u32").loadUnaligned(as: UInt32.self))
    }

    mutating func u64() throws(GDOptError) -> UInt64 {
        UInt64(littleEndian: try take(8, what: "a u64").loadUnaligned(as: UInt64.self))
    }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib computes it.
func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 { ~crc32Update(0xFFFF_FFFF, bytes) }

/// The running (uncomplemented) CRC after `bytes`, eight bytes a step (slicing-by-8): the
/// checksum of a multi-GB state must not take longer than writing it.
private func crc32Update(_ start: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc = start
    var i = 0
    let count = bytes.count
    crcTables.withUnsafeBufferPointer { t in
        while i + 8 <= count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let low = UInt32(truncatingIfNeeded: word) ^ crc
            let high = UInt32(truncatingIfNeeded: word >> 32)
            crc =
                t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
            i += 8
        }
        while i < count {
            crc = t[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8)
            i += 1
        }
    }
    return crc
}

/// Table k maps a byte to its CRC contribution k bytes further on (table 0 is zlib's).
private let crcTables: [UInt32] = {
    var t = [UInt32](repeating: 0, count: 8 * 256)
    for i in 0..<256 {
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        t[i] = c
    }
    for k in 1..<8 {
        for i in 0..<256 { t[k * 256 + i] = t[(k - 1) * 256 + i] >> 8 ^ t[Int(t[(k - 1) * 256 + i] & 0xFF)] }
    }
    return t
}()

func errnoText() -> String { String(cString: strerror(errno)) }
