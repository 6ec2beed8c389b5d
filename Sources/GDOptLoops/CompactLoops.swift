import GDOptElements

// The compact state's codecs (GDOptElements/CompactState.swift), in this module's SIMD level.

extension CompactChunk {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func decode() {
        if format == .bfloat16 {
            let halves = codes.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { values[i] = T(Float(bitPattern: UInt32(halves[i]) << 16)) }
            return
        }
        let bytes = codes.assumingMemoryBound(to: UInt8.self)
        let table = map.values
        // The map's values are gathered into a buffer on the stack, which the table cannot
        // alias: a loop that stores through a caller's pointer would not vectorise its gathers.
        var gathered = InlineArray<256, Float>(repeating: 0)
        var start = 0
        var block = 0
        while start < count {
            let length = min(StateFormat.blockSize, count - start)
            let scale = absmax[block]
            let (source, target) = (bytes + start, values + start)
            gathered.withElements { local in
                for i in 0..<length { local[i] = table[Int(source[i])] }
                for i in 0..<length { target[i] = T(local[i] * scale) }
            }
            (start, block) = (start + length, block + 1)
        }
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func encode() {
        if format == .bfloat16 {
            let halves = codes.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { halves[i] = bfloat16(nearestEven: values[i]) }
            return
        }
        let bytes = codes.assumingMemoryBound(to: UInt8.self)
        var encoded = InlineArray<256, UInt8>(repeating: 0)
        let (entries, zeroCode, perSign, offset) = (map.entries, map.zeroCode, Buckets.perSign, Buckets.offset)
        var start = 0
        var block = 0
        while start < count {
            let end = min(start + StateFormat.blockSize, count)
            // The largest magnitude as bits: a NaN wins, so a block holding one decodes to NaN.
            var top: UInt32 = 0
            for i in start..<end { top = max(top, Float(values[i]).bitPattern & 0x7FFF_FFFF) }
            let blockMax = Float(bitPattern: top)
            absmax[block] = blockMax
            let scale = blockMax > 0 ? 1 / blockMax : 0
            // Codes go to the stack first, for the reason `decode` gathers there.
            let (source, target, length) = (values + start, bytes + start, end - start)
            encoded.withElements { local in
                if map.isSigned {
                    for i in 0..<length {
                        local[i] = Self.code(Float(source[i]) * scale, entries, zeroCode, perSign, offset, signed: true)
                    }
                } else {
                    for i in 0..<length {
                        local[i] = Self.code(
                            Float(source[i]) * scale, entries, zeroCode, perSign, offset, signed: false)
                    }
                }
                for i in 0..<length { target[i] = local[i] }
            }
            (start, block) = (end, block + 1)
        }
    }

    /// bitsandbytes' code for y (a value times 1/absmax): the nearest value of the map (ties
    /// to the even code), then, in the signed map, a value rounded to 0 from below takes the
    /// code under 0, so that the decoded moment keeps its sign.
    @inline(__always)
    private static func code(
        _ y: Float, _ entries: UnsafePointer<UInt32>, _ zeroCode: Int32, _ perSign: Int32, _ offset: Int32, signed: Bool
    ) -> UInt8 {
        let bits = y.bitPattern
        let negative = bits >> 31 != 0
        let bucket = min(max(Int32(bitPattern: (bits & 0x7FFF_FFFF) >> 16) &- offset, 0), perSign &- 1)
        let entry = entries[Int(signed && negative ? bucket &+ perSign : bucket)]
        let (low16, limit) = (bits & 0xFFFF, entry & 0x1FFFF)
        var code = Int32(entry >> 24) &+ ((negative ? low16 < limit : low16 >= limit) ? 1 : 0)
        if signed { code &-= (negative && code == zeroCode) ? 1 : 0 }
        return UInt8(truncatingIfNeeded: code)
    }

    /// x as bfloat16, rounded to nearest even (NaN stays a quiet NaN). A double is first
    /// rounded to float32 toward zero with the lowest bit set when inexact (round to odd),
    /// so that the second rounding gives the nearest bfloat16 to the double itself.
    @inline(__always)
    private func bfloat16(nearestEven x: T) -> UInt16 {
        var single = Float(x)
        if T.self == Double.self {
            let exact = T(single) == x
            let overshoot = !exact && abs(T(single)) > abs(x)
            let truncated = single.bitPattern &- (overshoot ? 1 : 0)
            single = Float(bitPattern: truncated | (exact ? 0 : 1))
        }
        let bits = single.bitPattern
        let rounded = UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
        return single.isNaN ? UInt16(truncatingIfNeeded: bits >> 16) | 0x40 : rounded
    }
}
