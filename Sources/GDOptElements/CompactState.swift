/// How an optimizer keeps its moment buffers (API.md §11, "Compact state").
public enum StateFormat: UInt32, CaseIterable, Sendable, CustomStringConvertible {
    /// The parameters' dtype.
    case native = 0
    /// bfloat16, rounded to nearest even.
    case bfloat16 = 1
    /// 8-bit codes on bitsandbytes' dynamic maps, one float32 absmax per block of 256.
    case int8 = 2

    public var description: String { ["native", "bfloat16", "int8"][Int(rawValue)] }

    /// Elements per block of int8 state: each block has its own absmax.
    public static let blockSize = 256
    /// int8 slots smaller than this keep native state, as bitsandbytes' do.
    public static let int8MinimumCount = 4096

    /// The bytes a buffer of `count` elements takes in this format (native: of `dtype`).
    /// An int8 buffer is its codes, padded to 64 bytes, then one float32 absmax per block.
    public func byteCount(_ count: Int, dtype: DType) -> Int {
        switch self {
        case .native: count * dtype.byteCount
        case .bfloat16: count * 2
        case .int8: StateFormat.absmaxOffset(count) + StateFormat.blockCount(count) * 4
        }
    }

    public static func blockCount(_ count: Int) -> Int { (count + blockSize - 1) / blockSize }

    /// Where an int8 buffer's absmax values start.
    public static func absmaxOffset(_ count: Int) -> Int { (count + 63) & ~63 }
}

/// One of bitsandbytes' dynamic 8-bit maps (`create_dynamic_map(signed:)`: 7 exponent bits,
/// 8 bits in all): 256 sorted float32 values in [-1, 1] (signed, for first moments) or [0, 1]
/// (unsigned, for second moments), and gdopt's table for encoding to them.
///
/// bitsandbytes encodes x (a value divided by its block's absmax) by a binary search of the map,
/// then rounds to the nearer neighbour, comparing x with their float32 midpoint: a tie goes to
/// the even code, where the search ends. The encode table gives the same codes without the
/// search. A float's sign, exponent and top 7 mantissa bits (its top 16 bits) pick a bucket; no
/// bucket holds more than one code boundary (checked when the table is built), so the code is
/// the bucket's base code, plus one when x's low 16 bits pass the boundary's. An entry holds
/// both: base << 24 | limit, where the code is base + 1 when low16 >= limit (x > 0) or
/// low16 < limit (x < 0); limit 0x10000 (x > 0) or 0 (x < 0) when the bucket has no boundary.
/// One 32-bit load per element, which the loops can gather.
package final class QuantizationMap: @unchecked Sendable {
    package static let signed = QuantizationMap(signed: true)
    package static let unsigned = QuantizationMap(signed: false)

    package let isSigned: Bool
    /// The 256 values, sorted.
    package let values: UnsafeMutablePointer<Float>
    /// Per bucket (positive x, then negative x for the signed map): base << 24 | limit.
    package let entries: UnsafeMutablePointer<UInt32>
    /// The code of 0 (127 in the signed map: codes below it are negative).
    package let zeroCode: Int32

    private init(signed: Bool) {
        isSigned = signed
        values = .allocate(capacity: 256)
        let map = QuantizationMap.dynamicMap(signed: signed)
        values.initialize(from: map, count: 256)
        zeroCode = Int32(map.firstIndex(of: 0)!)
        let buckets = Int(Buckets.perSign) * (signed ? 2 : 1)
        entries = .allocate(capacity: buckets)
        // Code k + 1 starts at boundaries[k]: just above the midpoint where a tie goes to k (even).
        let boundaries = (0..<255).map { k in
            let midpoint = (map[k] + map[k + 1]) * 0.5
            return k % 2 == 0 ? midpoint.nextUp : midpoint
        }
        func code(_ x: Float) -> Int { boundaries.lastIndex(where: { $0 <= x }).map { $0 + 1 } ?? 0 }
        for bucket in 0..<buckets {
            let negative = bucket >= Int(Buckets.perSign)
            let (low, high) = QuantizationMap.magnitudes(ofBucket: Int32(bucket % Int(Buckets.perSign)))
            // The bucket's values of x, lowest first.
            let (first, last) = negative ? ((-high).nextUp, -low) : (low, high.nextDown)
            let inside = boundaries.filter { $0 > first && $0 <= last }
            precondition(
                inside.count <= 1, "a bucket of the \(signed ? "signed" : "unsigned") map holds two boundaries")
            // x >= b is low16(x) >= low16(b) for x > 0, and low16(x) <= low16(b) for x < 0.
            let low16 = inside.first.map { $0.magnitude.bitPattern & 0xFFFF }
            let limit = negative ? low16.map { $0 + 1 } ?? 0 : low16 ?? 0x10000
            entries[bucket] = UInt32(code(first)) << 24 | limit
        }
    }

    /// The magnitudes a bucket (of one sign) holds: [low, high).
    private static func magnitudes(ofBucket bucket: Int32) -> (Float, Float) {
        if bucket == 0 { return (0, 0x1p-24) }
        if bucket == Buckets.perSign - 1 { return (1, .infinity) }
        let low = Float(bitPattern: UInt32(bucket + Buckets.offset) << 16)
        return (low, Float(bitPattern: UInt32(bucket + 1 + Buckets.offset) << 16))
    }

    /// bitsandbytes' `create_dynamic_map(signed, max_exponent_bits: 7, total_bits: 8)`: for
    /// i = 0...6, the midpoints of torch.linspace(0.1, 1, 2^i + 1) (signed) or 2^(i+1) + 1
    /// points, scaled by 10^(i-6), with their negatives when signed, then 0 and 1, sorted. All in
    /// float32, with linspace's definition: start + step·j below the halfway point, end −
    /// step·(steps − 1 − j) from it. (torch's vectorised CPU linspace differs from its definition
    /// in the last bit of some points, so maps built by torch on a CPU differ from this one by
    /// 1-2 ulps in up to 42 values: bitsandbytes 0.50.2's, measured.)
    package static func dynamicMap(signed: Bool) -> [Float] {
        // Python's 10 ** (i - 6), as doubles; torch multiplies in float32.
        let decades: [Double] = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]
        var data: [Float] = [0, 1]
        for i in 0..<7 {
            let steps = signed ? (1 << i) + 1 : (1 << (i + 1)) + 1
            let (start, end): (Float, Float) = (0.1, 1)
            let step = (end - start) / Float(steps - 1)
            let points = (0..<steps).map { j in
                j < steps / 2 ? start + step * Float(j) : end - step * Float(steps - 1 - j)
            }
            let scale = Float(decades[i])
            for j in 0..<(steps - 1) {
                let value = (points[j] + points[j + 1]) / 2 * scale
                data.append(value)
                if signed { data.append(-value) }
            }
        }
        return data.sorted()
    }
}

/// The encode tables' buckets (QuantizationMap).
package enum Buckets {
    /// Per sign: one for |x| < 2^-24, one per 1/128 octave up to 1, one for |x| >= 1.
    @inlinable package static var perSign: Int32 { 2 + 24 * 128 }
    /// (|x|'s bits >> 16) minus this is |x|'s bucket, for 2^-24 <= |x| < 1.
    @inlinable package static var offset: Int32 { (103 << 7) - 1 }
}

/// One chunk of one compact state buffer and the chunk's values in T: what the codec loops
/// (GDOptLoops/CompactLoops.swift) decode from and encode to.
package struct CompactChunk<T: GDOptFloat> {
    package let format: StateFormat
    /// The chunk's values, in T.
    package let values: UnsafeMutablePointer<T>
    /// The chunk's first code: UInt16 for bfloat16, UInt8 for int8.
    package let codes: UnsafeMutableRawPointer
    /// The absmax of the chunk's first block (int8).
    package let absmax: UnsafeMutablePointer<Float>
    package let map: QuantizationMap
    package let count: Int

    @inlinable @inline(__always)
    package init(
        format: StateFormat, values: UnsafeMutablePointer<T>, codes: UnsafeMutableRawPointer,
        absmax: UnsafeMutablePointer<Float>, map: QuantizationMap, count: Int
    ) {
        (self.format, self.values, self.codes, self.absmax, self.map, self.count) =
            (format, values, codes, absmax, map, count)
    }
}

extension InlineArray where Element: BitwiseCopyable {
    /// Runs `body` on a pointer to the elements (working space on the stack).
    @inlinable @inline(__always)
    package mutating func withElements<R>(_ body: (UnsafeMutablePointer<Element>) -> R) -> R {
        withUnsafeMutableBytes(of: &self) { body($0.baseAddress!.assumingMemoryBound(to: Element.self)) }
    }
}
