import Foundation
import Testing

@testable import GDOpt

/// bitsandbytes' blockwise quantization and bfloat16 rounding, written plainly from their
/// definitions (bitsandbytes' create_dynamic_map and its kernels' quantize_2D binary search),
/// not from the library's code.
enum NaiveCodec {
    static func dynamicMap(signed: Bool) -> [Float] {
        let scales: [Double] = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]
        var data: [Float] = []
        for i in 0..<7 {
            let items = signed ? Int(pow(2.0, Double(i))) + 1 : Int(pow(2.0, Double(i + 1))) + 1
            // torch.linspace(0.1, 1, items) by its definition, in float32.
            let start: Float = 0.1, end: Float = 1, step = (end - start) / Float(items - 1)
            var boundaries: [Float] = []
            for j in 0..<items {
                boundaries.append(j < items / 2 ? start + step * Float(j) : end - step * Float(items - 1 - j))
            }
            for j in 0..<(items - 1) {
                let mean = (boundaries[j] + boundaries[j + 1]) / 2
                data.append(Float(scales[i]) * mean)
                if signed { data.append(-Float(scales[i]) * mean) }
            }
        }
        data.append(0)
        data.append(1)
        return data.sorted()
    }

    /// bitsandbytes' quantize_2D: a binary search from code 127, then the nearer neighbour.
    static func quantize(_ x: Float, _ map: [Float], signed: Bool) -> Int {
        var (pivot, upperPivot, lowerPivot) = (127, 255, 0)
        var (lower, upper): (Float, Float) = (signed ? -1 : 0, 1)
        var value = map[pivot]
        var i = 64
        while i > 0 {
            if x > value {
                (lowerPivot, lower) = (pivot, value)
                pivot += i
            } else {
                (upperPivot, upper) = (pivot, value)
                pivot -= i
            }
            value = map[pivot]
            i >>= 1
        }
        if x > value { return x > (upper + value) * 0.5 ? upperPivot : pivot }
        return x < (lower + value) * 0.5 ? lowerPivot : pivot
    }

    /// One block: its absmax and codes (with the signed map's sign correction).
    static func encode(_ block: [Float], _ map: [Float], signed: Bool) -> (codes: [UInt8], absmax: Float) {
        let absmax = block.map(\.magnitude).max()!
        let scale = absmax > 0 ? 1 / absmax : 0
        let codes = block.map { x -> UInt8 in
            var code = quantize(x * scale, map, signed: signed)
            if signed && map[code].sign != x.sign { code += x > 0 ? 1 : -1 }
            return UInt8(code)
        }
        return (codes, absmax)
    }

    /// The nearest bfloat16 to x (ties to an even last bit), found among its two neighbours.
    static func bfloat16(_ x: Double) -> UInt16 {
        if x.isNaN { return 0x7FC0 }
        let sign: UInt16 = x.sign == .minus ? 0x8000 : 0
        let magnitude = x.magnitude
        // bfloat16 magnitudes as doubles; 0x7F80 stands for 2^128, where rounding overflows.
        func value(_ bits: UInt16) -> Double {
            bits >= 0x7F80 ? 0x1p128 : Double(Float(bitPattern: UInt32(bits) << 16))
        }
        var below = UInt16(min(Float(magnitude).bitPattern >> 16, 0x7F80))  // then the largest <= |x|
        while value(below) > magnitude { below -= 1 }
        while below < 0x7F80 && value(below + 1) <= magnitude { below += 1 }
        if below == 0x7F80 { return sign | 0x7F80 }
        let (low, high) = (magnitude - value(below), value(below + 1) - magnitude)
        let up = high < low || (high == low && below & 1 == 1)
        return sign | (up ? below + 1 : below)
    }
}

@Suite struct CompactStateTests {
    @Test func theMapsAreBitsandbytesDynamicMaps() {
        for signed in [true, false] {
            let map = QuantizationMap.dynamicMap(signed: signed)
            #expect(map == NaiveCodec.dynamicMap(signed: signed))
            #expect(map.count == 256 && map.last == 1 && map == map.sorted())
            #expect(map.filter { $0 < 0 }.count == (signed ? 127 : 0))
        }
        // Values bitsandbytes prints for its signed map (torch's linspace agrees there).
        let signed = QuantizationMap.dynamicMap(signed: true)
        #expect(signed[0] == -0.99296874 && signed[1] == -0.9789063 && signed[126] == -5.5000004e-07)
        #expect(signed[127] == 0 && signed[128] == 5.5000004e-07 && signed[254] == 0.99296874)
        let unsigned = QuantizationMap.dynamicMap(signed: false)
        #expect(unsigned[1] == 3.2500003e-07 && unsigned[2] == 7.7499999e-07 && unsigned[254] == 0.9964844)
    }

    /// Values on and around every code and every midpoint, tiny, signed zeros and random.
    static func probes(_ map: [Float]) -> [Float] {
        var values: [Float] = [0, -0, 1e-30, -1e-30, 0x1p-25, -0x1p-25, 1, -1]
        for k in 0..<256 { values += [map[k], map[k].nextUp, map[k].nextDown] }
        for k in 0..<255 {
            let midpoint = (map[k] + map[k + 1]) * 0.5
            values += [midpoint, midpoint.nextUp, midpoint.nextDown]
        }
        var random = TestRandom(state: 5)
        for _ in 0..<4000 { values.append(Float(random.next() * pow(10, -7 * abs(random.next())))) }
        return values
    }

    @Test(arguments: [true, false])
    func encodingMatchesTheBinarySearch(signed: Bool) {
        let map = NaiveCodec.dynamicMap(signed: signed)
        let moment: Moment = signed ? .signed : .unsigned
        var values = Self.probes(map).filter { signed || $0 >= 0 }
        values += values.map { $0 * 0.37 }  // the same values in blocks with another absmax
        let count = values.count
        let bytes = UnsafeMutableRawPointer.allocate(
            byteCount: StateFormat.int8.byteCount(count, dtype: .float32), alignment: 64)
        defer { bytes.deallocate() }
        let buffer = CompactBuffer(format: .int8, bytes: bytes, count: count, moment: moment)
        buffer.encode(from: values)
        let absmax = (bytes + StateFormat.absmaxOffset(count)).assumingMemoryBound(to: Float.self)
        var decoded = [Float](repeating: .nan, count: count)
        buffer.decode(into: &decoded)
        for (block, start) in stride(from: 0, to: count, by: 256).enumerated() {
            let slice = Array(values[start..<min(start + 256, count)])
            let (codes, blockMax) = NaiveCodec.encode(slice, map, signed: signed)
            #expect(absmax[block] == blockMax)
            for (i, code) in codes.enumerated() {
                #expect(bytes.load(fromByteOffset: start + i, as: UInt8.self) == code, "value \(slice[i])")
                #expect(decoded[start + i].bitPattern == (map[Int(code)] * blockMax).bitPattern)
            }
        }
    }

    @Test func bfloat16RoundsToNearestEven() {
        var random = TestRandom(state: 9)
        var floats: [Float] = [
            0, -0, 1, .infinity, -.infinity, .greatestFiniteMagnitude, 1e-40, -3e-39, 0x1.0101p0,
            0x1.018p0, 0x1.008p0, 0x1.0081p0, 0x1.ff8p127,
        ]
        for _ in 0..<20000 { floats.append(Float(random.next() * pow(2, 60 * random.next()))) }
        var doubles = floats.map(Double.init)
        for _ in 0..<20000 { doubles.append(random.next() * pow(2, 60 * random.next())) }
        doubles += [0x1.0080000001p0, 0x1.0180000000001p0, 0x1.00801p0, 1e300, -1e-300, 0x1.fefffffffp127]
        func encoded<T: GDOptFloat>(_ values: [T]) -> [UInt16] {
            var codes = [UInt16](repeating: 0, count: values.count)
            codes.withUnsafeMutableBytes { raw in
                CompactBuffer(format: .bfloat16, bytes: raw.baseAddress!, count: values.count, moment: .signed)
                    .encode(from: values)
            }
            return codes
        }
        #expect(encoded(floats) == floats.map { NaiveCodec.bfloat16(Double($0)) })
        #expect(encoded(doubles) == doubles.map { NaiveCodec.bfloat16($0) })
        let nan = encoded([Float.nan, -Float.signalingNaN])
        #expect(nan.allSatisfy { $0 & 0x7FC0 == 0x7FC0 })
    }

    static let kinds: [(String, [String: Double])] = [
        ("sgd", ["momentum": 0.9]), ("sgd", ["momentum": 0.8, "nesterov": 1, "weight_decay": 0.01]),
        ("adagrad", ["lr_decay": 0.01]), ("rmsprop", ["centered": 1, "momentum": 0.5]), ("adam", [:]),
        ("adam", ["amsgrad": 1, "weight_decay": 0.1, "maximize": 1]), ("adamw", ["lr": 0.01]), ("lion", [:]),
        ("adamax", [:]), ("adadelta", [:]), ("nadam", [:]), ("radam", ["decoupled_weight_decay": 1]),
    ]

    /// The reference's equations in float64, with the state passed through the naive codec after
    /// every step, as a compact slot keeps it.
    @Test(arguments: [StateFormat.bfloat16, .int8])
    func compactSlotsFollowTheReference(format: StateFormat) throws {
        let n = 5000  // over the int8 threshold; a partial last chunk and block
        for (kind, options) in Self.kinds {
            let optimizer = try Optimizer(kind: kind)
            for (name, value) in options { try optimizer.set(name, value) }
            try optimizer.set("state_format", Double(format.rawValue))
            var h: [String: Double] = [:]
            for spec in optimizer.kind.hyperparameters { h[spec.name] = try optimizer.get(spec.name) }
            let reference = ReferenceOptimizer(kind: kind, h: h)
            var random = TestRandom(state: 21)
            var ours = random.array(n)
            var theirs = ours
            var state: [String: [Double]] = [:]
            for t in 1...12 {
                let g = random.array(n)
                try optimizer.step(slot: 0, parameters: &ours, gradients: g)
                reference.step(&theirs, g, &state, t: t)
                // The buffers the slot holds (the reference keeps some the configuration does not use).
                for (name, values) in state where optimizer.slotInfo(slot: 0)!.buffers.contains(name) {
                    let signed = optimizer.kind.stateMoments[optimizer.kind.stateNames.firstIndex(of: name)!] == .signed
                    state[name] = Self.roundTrip(values, format: format, signed: signed)
                    let held = optimizer.stateBuffer(slot: 0, name: name, as: Double.self)!
                    #expect(held == state[name], "\(kind) \(name) t=\(t) differs")
                }
                let worst = (0..<n).max { abs(ours[$0] - theirs[$0]) < abs(ours[$1] - theirs[$1]) }!
                #expect(abs(ours[worst] - theirs[worst]) <= 1e-12 * max(abs(theirs[worst]), 1e-300), "\(kind) t=\(t)")
            }
            #expect(optimizer.slotInfo(slot: 0)?.format == format)
        }
    }

    /// Values as a compact buffer holds them, decoded, by the naive codec.
    static func roundTrip(_ values: [Double], format: StateFormat, signed: Bool) -> [Double] {
        if format == .bfloat16 {
            return values.map { Double(Float(bitPattern: UInt32(NaiveCodec.bfloat16($0)) << 16)) }
        }
        let map = NaiveCodec.dynamicMap(signed: signed)
        var result: [Double] = []
        for start in stride(from: 0, to: values.count, by: 256) {
            let block = values[start..<min(start + 256, values.count)].map(Float.init)
            let (codes, absmax) = NaiveCodec.encode(block, map, signed: signed)
            result += codes.map { Double(map[Int($0)] * absmax) }
        }
        return result
    }

    @Test func slotsUnderTheThresholdStayNative() throws {
        let optimizer = try Optimizer(Adam(stateFormat: .int8))
        var small = [Float](repeating: 1, count: 4095), large = [Float](repeating: 1, count: 4096)
        try optimizer.step(slot: 0, parameters: &small, gradients: small)
        try optimizer.step(slot: 1, parameters: &large, gradients: large)
        #expect(optimizer.slotInfo(slot: 0)?.format == .native)
        #expect(optimizer.slotInfo(slot: 1)?.format == .int8)
        // A slot keeps its first step's format.
        try optimizer.set("state_format", 1)
        try optimizer.step(slot: 1, parameters: &large, gradients: large)
        #expect(optimizer.slotInfo(slot: 1)?.format == .int8)
        #expect(throws: GDOptError.self) { try Optimizer(kind: "rprop").set("state_format", 1) }
        #expect(throws: GDOptError.self) { try optimizer.set("state_format", 3) }
    }

    @Test(arguments: [StateFormat.bfloat16, .int8])
    func threadsKernelsAndCheckpointsGiveTheSameBits(format: StateFormat) throws {
        let n = 70_000
        var random = TestRandom(state: 4)
        let start = random.array(n).map(Float.init)
        let gradients = (0..<4).map { _ in random.array(n).map(Float.init) }
        func run(threads: Int) throws -> ([Float], Optimizer) {
            try Parallel.setThreadCount(threads)
            defer { try? Parallel.setThreadCount(0) }
            let optimizer = try Optimizer(Adam(amsgrad: true, stateFormat: format))
            var p = start
            for g in gradients { try optimizer.step(slot: 2, parameters: &p, gradients: g) }
            return (p, optimizer)
        }
        let (one, optimizer) = try run(threads: 1)
        #expect(try run(threads: 2).0 == one)
        #expect(try run(threads: 3).0 == one)
        // The stateless kernel on zeroed buffers.
        let bytes = format.byteCount(n, dtype: .float32)
        let m = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let v = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let vmax = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { for buffer in [m, v, vmax] { buffer.deallocate() } }
        for buffer in [m, v, vmax] { buffer.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
        var kernel = start
        for (t, g) in gradients.enumerated() {
            try Adam.updateCompact(
                parameters: &kernel, gradients: g, firstMoment: m, secondMoment: v, maxSecondMoment: vmax,
                format: format, count: n, step: UInt64(t + 1), configuration: Adam(amsgrad: true))
        }
        #expect(kernel == one)
        // A checkpoint keeps the compact bytes: restored, it continues bit for bit.
        let data = optimizer.serialized()
        #expect(data.count < 3 * n * 4)
        let twin = try Optimizer(kind: "adam")
        try twin.restore(from: data)
        #expect(twin.serialized() == data)
        var (a, b) = (one, one)
        try optimizer.step(slot: 2, parameters: &a, gradients: gradients[0])
        try twin.step(slot: 2, parameters: &b, gradients: gradients[0])
        #expect(a == b)
    }
}
