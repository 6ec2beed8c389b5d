/// The optimizer checkpoint format, version 3 (docs/checkpoint-format.md). Everything is
/// little-endian:
///
///     magic "GDOPTCKP" · u32 version · u32 kind · u32 H · H × f64 hyperparameters
///     u64 S · S × slot { u64 id · u32 dtype · u32 buffer mask · u64 n · u64 t
///                        · u64 rows · u64 cols · u32 K · K × f64 scalar state
///                        · u32 state format · buffers }
///     u32 CRC-32 (IEEE) of every byte before it
///
/// Slots are written in increasing id order; each buffer present in the mask follows as n
/// elements of the slot's dtype (state format 0), n bfloat16 values (1), or n int8 codes and
/// then ceil(n/256) float32 absmax values (2). Versions 1 and 2 load too: version 2 has no
/// state format (its slots are native) and its kinds no state_format hyperparameter; version
/// 1 has no rows, cols or scalars either.
enum Checkpoint {
    static let magic: [UInt8] = Array("GDOPTCKP".utf8)
    static let version: UInt32 = 3
    static let readable: ClosedRange<UInt32> = 1...3

    static func encode(_ optimizer: Optimizer, into out: inout CheckpointWriter) {
        out.bytes(magic)
        out.u32(version)
        out.u32(optimizer.kind.rawValue)
        out.u32(UInt32(optimizer.values.count))
        for value in optimizer.values { out.u64(value.bitPattern) }
        let ids = optimizer.slotIDs
        out.u64(UInt64(ids.count))
        for id in ids {
            let slot = optimizer.slots[id]!
            out.u64(UInt64(UInt(bitPattern: id)))
            out.u32(slot.dtype.rawValue)
            out.u32(UInt32(slot.present.rawValue))
            out.u64(UInt64(slot.count))
            out.u64(slot.step)
            out.u64(UInt64(slot.rows))
            out.u64(UInt64(slot.cols))
            out.u32(UInt32(slot.scalars.count))
            for value in slot.scalars { out.u64(value.bitPattern) }
            out.u32(slot.format.rawValue)
            for role in 0..<3 {
                guard let buffer = slot[role] else { continue }
                // Native byte order is little-endian on every platform gdopt builds for.
                for (offset, count) in storedRanges(slot.format, count: slot.length(of: role), dtype: slot.dtype) {
                    out.raw(UnsafeRawBufferPointer(start: buffer.bytes + offset, count: count))
                }
            }
        }
    }

    /// The byte ranges of a buffer the file holds: all of it, but an int8 buffer's padding.
    private static func storedRanges(_ format: StateFormat, count: Int, dtype: DType) -> [(offset: Int, count: Int)] {
        guard format == .int8 else { return [(0, format.byteCount(count, dtype: dtype))] }
        return [(0, count), (StateFormat.absmaxOffset(count), StateFormat.blockCount(count) * 4)]
    }

    /// Parses and checks everything before returning; the caller then swaps the result in,
    /// so a bad checkpoint never changes an optimizer.
    static func decode(_ data: UnsafeRawBufferPointer, kind: OptimizerKind) throws(GDOptError) -> (
        rule: any SteppingRule, policy: GradientPolicy, slots: [Int: Slot]
    ) {
        let headerSize = magic.count + 12
        guard data.count >= headerSize + 8 + 4 else {
            throw .format("checkpoint is \(data.count) bytes, shorter than any valid one")
        }
        guard data.prefix(magic.count).elementsEqual(magic) else { throw .format("checkpoint has no GDOPTCKP magic") }
        var reader = ByteReader(data: data, limit: data.count - 4)
        reader.offset = magic.count
        let stored = ByteReader(data: data, limit: data.count).u32(at: data.count - 4)
        let actual = crc32(UnsafeRawBufferPointer(rebasing: data[..<(data.count - 4)]))
        let formatVersion = try reader.u32()
        guard readable.contains(formatVersion) else {
            throw .format(
                "checkpoint format version \(formatVersion) is not supported (expected \(readable.lowerBound) to "
                    + "\(readable.upperBound))")
        }
        guard stored == actual else {
            throw .format(
                "checkpoint checksum mismatch (stored 0x\(String(stored, radix: 16)), "
                    + "computed 0x\(String(actual, radix: 16)))"
            )
        }
        let kindCode = try reader.u32()
        guard kindCode == kind.rawValue else {
            let saved = OptimizerKind(rawValue: kindCode).map { "\($0)" } ?? "unknown kind \(kindCode)"
            throw .format("checkpoint is for \(saved), this optimizer is \(kind)")
        }
        let table = kind.hyperparameters
        // Before version 3 no kind had state_format: it is native there.
        let stateFormatIndex = formatVersion < 3 ? table.firstIndex { $0.name == "state_format" } : nil
        let storedCount = table.count - (stateFormatIndex == nil ? 0 : 1)
        let count = try reader.u32()
        guard count == storedCount else {
            throw .format("checkpoint has \(count) hyperparameters, \(kind) has \(storedCount)")
        }
        var values: [Double] = []
        for _ in 0..<storedCount { values.append(Double(bitPattern: try reader.u64())) }
        if let stateFormatIndex { values.insert(Double(StateFormat.native.rawValue), at: stateFormatIndex) }
        let rule: any SteppingRule, policy: GradientPolicy
        do {
            let ruleCount = kind.defaultRule.values.count
            rule = try kind.defaultRule.setting(values: values[..<ruleCount])
            policy = try GradientPolicy().setting(values: values[ruleCount...])
        } catch {
            throw .format("checkpoint hyperparameter: \(error.message)")
        }

        let slotCount = try reader.u64()
        var slots: [Int: Slot] = [:]
        var previous: UInt64?
        for _ in 0..<slotCount {
            let id = try reader.u64()
            guard previous.map({ id > $0 }) ?? true else {
                throw .format("checkpoint slot ids are not increasing at slot \(id)")
            }
            previous = id
            guard let dtype = DType(rawValue: try reader.u32()) else {
                throw .format("slot \(id) has an unknown dtype")
            }
            let mask = try reader.u32()
            let allowed = UInt32(1 << kind.stateNames.count) - 1
            guard mask & ~allowed == 0 else {
                throw .format("slot \(id) has buffer mask \(mask), not valid for \(kind)")
            }
            let n = try reader.u64()
            let step = try reader.u64()
            guard n > 0, n <= UInt64(Int.max / 8) else { throw .format("slot \(id) has n=\(n)") }
            guard step > 0 else { throw .format("slot \(id) has step count 0") }
            var scalars: [Double] = []
            var shape: (rows: Int, cols: Int)?
            if formatVersion >= 2 {
                let (rows, cols) = (try reader.u64(), try reader.u64())
                if rows != 0 || cols != 0 {
                    let (product, overflow) = rows.multipliedReportingOverflow(by: cols)
                    guard kind.factorsState, rows > 0, cols > 0, !overflow, product == n else {
                        throw .format("slot \(id) has shape \(rows)x\(cols), not valid for \(kind) with n=\(n)")
                    }
                    shape = (Int(rows), Int(cols))
                }
                let scalarCount = try reader.u32()
                guard scalarCount == kind.scalarStateNames.count else {
                    throw .format(
                        "slot \(id) has \(scalarCount) scalars, \(kind) has \(kind.scalarStateNames.count)")
                }
                for spec in kind.scalarState {
                    let value = Double(bitPattern: try reader.u64())
                    do { try spec.check(value) } catch { throw .format("slot \(id): \(error.message)") }
                    scalars.append(value)
                }
            } else if !kind.scalarStateNames.isEmpty {
                throw .format("a version 1 checkpoint cannot hold \(kind)'s scalar state")
            }
            var format = StateFormat.native
            if formatVersion >= 3 {
                let code = try reader.u32()
                guard let given = StateFormat(rawValue: code),
                    given == .native || (!kind.stateMoments.isEmpty && Slot.format(given, count: Int(n)) == given)
                else { throw .format("slot \(id) has state format \(code), not valid for \(kind) with n=\(n)") }
                format = given
            }
            let slot: Slot
            do {
                slot = try Slot(dtype: dtype, count: Int(n), format: format, step: step, scalars: scalars, shape: shape)
            } catch { throw .memory("slot \(id): \(error.message)") }
            for (role, member) in BufferSet.all.enumerated() where mask & UInt32(member.rawValue) != 0 {
                let what = "slot \(id) buffer \(kind.stateNames[role])"
                var parts: [UnsafeRawBufferPointer] = []
                let ranges = storedRanges(format, count: slot.length(of: role), dtype: dtype)
                for range in ranges { parts.append(try reader.take(range.count, what: what)) }
                let buffer = try AlignedBuffer(byteCount: slot.byteCount(of: role))
                for (range, bytes) in zip(ranges, parts) {
                    (buffer.bytes + range.offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                }
                slot[role] = buffer
            }
            slots[Int(bitPattern: UInt(id))] = slot
        }
        guard reader.offset == reader.limit else {
            throw .format("checkpoint has \(reader.limit - reader.offset) unexpected bytes after the last slot")
        }
        return (rule, policy, slots)
    }
}

extension Optimizer: Checkpointed {
    public func encodeCheckpoint(into out: inout CheckpointWriter) { Checkpoint.encode(self, into: &out) }

    /// Restores hyperparameters and state from checkpoint bytes. Everything is checked
    /// first: on error (`.format`, `.memory`) the optimizer is unchanged.
    public func restore(from data: UnsafeRawBufferPointer) throws(GDOptError) {
        let (rule, policy, slots) = try Checkpoint.decode(data, kind: kind)
        (self.rule, self.policy) = (rule, policy)
        self.slots = slots
        reserved.removeAll()
    }
}
