import Glibc

extension Optimizer {
    /// Writes the checkpoint crash-safely: to a temporary file in the same folder, fsync,
    /// rename over `path`, then fsync the folder. A crash leaves the old file or the new
    /// one, never half of either.
    public func save(to path: String) throws(GDOptError) {
        let bytes = serialized()
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

    /// Reads a checkpoint written by `save`. On error the optimizer is unchanged.
    public func load(from path: String) throws(GDOptError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let result = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if result < 0 && errno == EINTR { continue }
            guard result >= 0 else { throw .io("cannot read \(path): \(errnoText())") }
            if result == 0 { break }
            bytes.append(contentsOf: chunk[..<result])
        }
        try restore(from: bytes)
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }
