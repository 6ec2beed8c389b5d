/// The solver checkpoint format, version 1 (docs/checkpoint-format.md), little-endian:
///
///     magic "GDOPTSLV" · u32 version · u32 method · u32 O · O × f64 options
///     u8 has bounds [· u64 n · n × f64 lower · n × f64 upper]
///     u8 has run [· the run: counters, phase, the iterate, the point being evaluated,
///                  the best point, differences in progress, the method's own state]
///     u32 CRC-32 (IEEE) of every byte before it
enum SolverCheckpoint {
    static let magic: [UInt8] = Array("GDOPTSLV".utf8)
    static let version: UInt32 = 1

    static func encode(_ solver: Solver, into bytes: inout CheckpointWriter) {
        var out = StateWriter(bytes: bytes)
        out.bytes.bytes(magic)
        out.bytes.u32(version)
        out.bytes.u32(UInt32(SolverMethod.allCases.firstIndex(of: solver.method)!))
        let values = solver.options.values
        out.bytes.u32(UInt32(values.count))
        for value in values { out.doubles(value) }
        out.bool(solver.bounds != nil)
        if let bounds = solver.bounds {
            out.bytes.u64(UInt64(bounds.count))
            for side in [bounds.lower, bounds.upper] {
                side.withUnsafeBufferPointer { out.raw($0.baseAddress!, count: $0.count) }
            }
        }
        out.bool(solver.run != nil)
        if let run = solver.run { run.archive(&out) }
        bytes = out.bytes
    }

    /// Checks everything and builds the new state before the caller swaps it in.
    static func decode(_ data: UnsafeRawBufferPointer, into solver: Solver) throws(GDOptError) -> (
        SolverOptions, Box?, SolverRun?
    ) {
        guard data.count >= magic.count + 12 + 2 + 4 else {
            throw .format("solver checkpoint is \(data.count) bytes, shorter than any valid one")
        }
        guard data.prefix(magic.count).elementsEqual(magic) else { throw .format("checkpoint has no GDOPTSLV magic") }
        let stored = ByteReader(data: data, limit: data.count).u32(at: data.count - 4)
        var input = StateReader(ByteReader(data: data, limit: data.count - 4))
        input.bytes.offset = magic.count
        let formatVersion = try input.bytes.u32()
        guard formatVersion == version else {
            throw .format("solver checkpoint version \(formatVersion) is not supported (expected \(version))")
        }
        let actual = crc32(UnsafeRawBufferPointer(rebasing: data[..<(data.count - 4)]))
        guard stored == actual else {
            let (storedHex, actualHex) = (String(stored, radix: 16), String(actual, radix: 16))
            throw .format("solver checkpoint checksum mismatch (stored 0x\(storedHex), computed 0x\(actualHex))")
        }
        let methodIndex = Int(try input.bytes.u32())
        guard methodIndex < SolverMethod.allCases.count else {
            throw .format("solver checkpoint has unknown method \(methodIndex)")
        }
        let method = SolverMethod.allCases[methodIndex]
        guard method == solver.method else {
            throw .format("checkpoint is for method \(method.rawValue), this solver is \(solver.method.rawValue)")
        }
        let count = try input.bytes.u32()
        let expected = SolverOptions.hyperparameters.count
        guard count == expected else { throw .format("checkpoint has \(count) options, expected \(expected)") }
        var values: [Double] = []
        for _ in 0..<expected { values.append(try input.double()) }
        let options: SolverOptions
        do { options = try SolverOptions().setting(values: values) } catch {
            throw .format("checkpoint option: \(error.message)")
        }
        var bounds: Box?
        if try input.bool() {
            let n = try input.length()
            var sides: [[Double]] = [[], []]
            for side in 0..<2 { for _ in 0..<n { sides[side].append(try input.double()) } }
            do { bounds = try Box(lower: sides[0], upper: sides[1], count: n) } catch {
                throw .format("checkpoint bounds: \(error.message)")
            }
        }
        var run: SolverRun?
        if try input.bool() {
            let box = bounds?.isActive == true ? bounds : nil
            run = try SolverRun.unarchive(
                &input, method: method, options: options, box: box, boundsCount: bounds?.count)
        }
        guard input.bytes.offset == input.bytes.limit else {
            throw .format("solver checkpoint has \(input.bytes.limit - input.bytes.offset) unexpected bytes at the end")
        }
        return (options, bounds, run)
    }
}

extension SolverRun {
    func archive(_ out: inout StateWriter) {
        out.bytes.u64(UInt64(n))
        // A tell that is due is not kept: after a load, ask returns that point again.
        out.bytes.u32(UInt32((phase == .awaitingTell ? .requested : phase).rawValue))
        out.bytes.u32(UInt32(reason.rawValue))
        for flag in [started, wantsGradient, bestHasGradient] { out.bool(flag) }
        out.doubles(Double(iteration), Double(evaluations), f, pointF, bestF, previousF, lastStep, gradientNorm)
        out.bool(failure != nil)
        if let failure { out.string(failure.message) }
        for v in [x, g, point, pointG, best, bestG] { out.vector(v) }
        if let differences {
            out.bool(differences.isProbing)
            out.doubles(
                Double(differences.index), Double(differences.stage), Double(differences.scheme.rawValue),
                differences.h, differences.first)
            out.vector(differences.probe)
        }
        method.archive(&out)
    }

    static func unarchive(
        _ input: inout StateReader, method: SolverMethod, options: SolverOptions, box: Box?,
        boundsCount: Int?
    ) throws(GDOptError) -> SolverRun {
        let n = try input.length()
        if let boundsCount, boundsCount != n { throw .format("checkpoint run has n=\(n), its bounds n=\(boundsCount)") }
        let phaseCode = try input.bytes.u32()
        guard phaseCode <= UInt8.max, let phase = Phase(rawValue: UInt8(phaseCode)), phase != .awaitingTell else {
            throw .format("checkpoint run has a bad phase")
        }
        guard let reason = StopReason(rawValue: Int32(truncatingIfNeeded: try input.bytes.u32())) else {
            throw .format("checkpoint run has a bad reason")
        }
        let flags = [try input.bool(), try input.bool(), try input.bool()]
        let iteration = try input.count(atMost: 1 << 53)
        let evaluations = try input.count(atMost: 1 << 53)
        var scalars: [Double] = []
        for _ in 0..<6 { scalars.append(try input.double()) }
        let failure: GDOptError? = try input.bool() ? .callback(try input.string()) : nil
        let start = try Vector(count: n)
        let xOffset = input.bytes.offset
        try input.vector(into: start)
        input.bytes.offset = xOffset  // x is read again below, with the other vectors
        let random = method == .randomSearch || method == .randomLocalSearch
        // A run exists only for options that begin accepted: anything else is a corrupt file.
        do { try options.checkCombination() } catch { throw .format("checkpoint run: \(error.message)") }
        let run: SolverRun
        do {
            run = try SolverRun(x0: start.buffer, box: box, options: options, needsGradient: !random) {
                (n) throws(GDOptError) in
                try Solver.makeMethod(method, options: options, box: box, count: n)
            }
        } catch  where error.code == .memory {
            throw error
        } catch {
            throw .format("checkpoint run: \(error.message)")
        }
        (run.phase, run.reason, run.failure) = (phase, reason, failure)
        (run.started, run.wantsGradient, run.bestHasGradient) = (flags[0], flags[1], flags[2])
        (run.iteration, run.evaluations) = (iteration, evaluations)
        (run.f, run.pointF, run.bestF, run.previousF, run.lastStep, run.gradientNorm) =
            (scalars[0], scalars[1], scalars[2], scalars[3], scalars[4], scalars[5])
        for v in [run.x, run.g, run.point, run.pointG, run.best, run.bestG] { try input.vector(into: v) }
        if let differences = run.differences {
            differences.isProbing = try input.bool()
            differences.index = try input.count(atMost: n - 1)
            differences.stage = try input.count(atMost: 1)
            guard let scheme = FiniteDifferences.Scheme(rawValue: UInt8(try input.count(atMost: 2))) else {
                throw .format("checkpoint has a bad difference scheme")
            }
            differences.scheme = scheme
            (differences.h, differences.first) = (try input.double(), try input.double())
            try input.vector(into: differences.probe)
        }
        try run.method.restore(&input)
        return run
    }
}

extension Solver: Checkpointed {
    /// The checkpoint: options, bounds and the whole run (§9.3).
    public func encodeCheckpoint(into out: inout CheckpointWriter) { SolverCheckpoint.encode(self, into: &out) }

    /// Restores options, bounds and run; on error (`.format`, `.memory`) the solver is
    /// unchanged. Callbacks are not part of a checkpoint: the solver keeps its own.
    public func restore(from data: UnsafeRawBufferPointer) throws(GDOptError) {
        let (options, bounds, run) = try SolverCheckpoint.decode(data, into: self)
        (self.options, self.bounds, self.run) = (options, bounds, run)
        run?.hessian = hessian
        run?.observer = lineSearchObserver
    }
}

/// Typed writes of a run's state onto the checkpoint bytes.
struct StateWriter {
    var bytes: CheckpointWriter

    mutating func doubles(_ values: Double...) { for v in values { bytes.u64(v.bitPattern) } }
    mutating func bool(_ value: Bool) { bytes.u8(value ? 1 : 0) }
    mutating func vector(_ v: Vector) { raw(v.base, count: v.count) }
    mutating func raw(_ p: UnsafePointer<Double>, count: Int) {
        bytes.raw(UnsafeRawBufferPointer(start: p, count: count * 8))
    }
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        bytes.u64(UInt64(utf8.count))
        bytes.bytes(utf8)
    }
}

/// Checked reads: anything short, out of range or not a whole number is `.format`.
struct StateReader {
    var bytes: ByteReader

    init(_ bytes: ByteReader) { self.bytes = bytes }

    mutating func double() throws(GDOptError) -> Double { Double(bitPattern: try bytes.u64()) }

    mutating func bool() throws(GDOptError) -> Bool {
        let byte = try bytes.take(1, what: "a flag")[0]
        guard byte <= 1 else { throw .format("checkpoint flag byte is \(byte), not 0 or 1") }
        return byte == 1
    }

    /// A whole number in [0, limit], stored as a double.
    mutating func count(atMost limit: Int) throws(GDOptError) -> Int {
        let value = try double()
        guard value >= 0, value.sign == .plus, value <= Double(limit), value.rounded() == value else {
            throw .format("checkpoint count \(value) is not a whole number in [0, \(limit)]")
        }
        return Int(value)
    }

    /// A vector length (u64) that the rest of the data can hold.
    mutating func length() throws(GDOptError) -> Int {
        let n = try bytes.u64()
        guard n > 0, n <= UInt64((bytes.limit - bytes.offset) / 8) else { throw .format("checkpoint has n=\(n)") }
        return Int(n)
    }

    mutating func vector(into v: Vector) throws(GDOptError) { try raw(into: v.base, count: v.count) }

    mutating func raw(into p: UnsafeMutablePointer<Double>, count: Int) throws(GDOptError) {
        let raw = try bytes.take(count * 8, what: "a vector of \(count) doubles")
        UnsafeMutableRawPointer(p).copyMemory(from: raw.baseAddress!, byteCount: count * 8)
    }

    mutating func string() throws(GDOptError) -> String {
        let length = try bytes.u64()
        guard length <= UInt64(bytes.limit - bytes.offset) else {
            throw .format("checkpoint string of \(length) bytes is truncated")
        }
        // Invalid UTF-8 is refused, not repaired: a repaired string would save as other bytes
        // than were loaded (found by fuzz_solver).
        guard let text = String(validating: try bytes.take(Int(length), what: "a string"), as: UTF8.self) else {
            throw .format("checkpoint string is not valid UTF-8")
        }
        return text
    }
}
