import Glibc

extension Optimizer {
    /// Writes the checkpoint crash-safely (see `writeAtomically`).
    public func save(to path: String) throws(GDOptError) { try writeAtomically(serialized(), to: path) }

    /// Reads a checkpoint written by `save`. On error the optimizer is unchanged.
    public func load(from path: String) throws(GDOptError) { try restore(from: try readCheckpointFile(path)) }
}

/// Writes `bytes` to a temporary file in the same folder, fsyncs it, renames it over
/// `path`, then fsyncs the folder: a crash leaves the old file or the new one, never half
/// of either. Only regular files are replaced: a path whose target is something else (a
/// device, a FIFO, a folder) is `.io` and is left as it was.
func writeAtomically(_ bytes: [UInt8], to path: String) throws(GDOptError) {
    var status = stat()
    if stat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
        throw .io("\(path) exists and is not a regular file; it was left as it was")
    }
    let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .io("cannot create \(temporary): \(errnoText())") }
    var written = 0
    while written < bytes.count {
        let result = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
        if result < 0 && errno == EINTR { continue }
        guard result > 0 else {
            let reason = errnoText()
            close(fd)
            unlink(temporary)
            throw .io("cannot write \(temporary): \(reason)")
        }
        written += result
    }
    guard fsync(fd) == 0, close(fd) == 0 else {
        let reason = errnoText()
        unlink(temporary)
        throw .io("cannot flush \(temporary): \(reason)")
    }
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

/// The bytes of the regular file at `path`, read up to its size at open: a FIFO, a device
/// or a folder is `.io` at once, without blocking or reading without end.
func readCheckpointFile(_ path: String) throws(GDOptError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw .io("cannot open \(path): \(errnoText())") }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0 else { throw .io("cannot stat \(path): \(errnoText())") }
    guard (status.st_mode & S_IFMT) == S_IFREG else { throw .io("\(path) is not a regular file") }
    let size = Int(status.st_size)
    var bytes = [UInt8](repeating: 0, count: size)
    var filled = 0
    while filled < size {
        let result = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, size - filled) }
        if result < 0 && errno == EINTR { continue }
        guard result >= 0 else { throw .io("cannot read \(path): \(errnoText())") }
        if result == 0 { break }  // the file shrank: what is there is checked as a checkpoint
        filled += result
    }
    return Array(bytes[..<filled])
}

private func errnoText() -> String { String(cString: strerror(errno)) }
