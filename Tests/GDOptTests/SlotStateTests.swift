import GDOpt
import Testing

/// A slot's state read and written by torch's buffer names (§10), from Swift.
@Suite struct SlotStateTests {
    @Test func stateWrittenByNameContinuesAsTheOriginal() throws {
        let original = Optimizer(.rmsprop)
        try original.set("centered", 1)
        try original.set("momentum", 0.5)
        var p: [Double] = [1, -2, 3]
        for step in 1...4 { try original.step(slot: 5, parameters: &p, gradients: [0.5, Double(step), -1]) }
        let info = try #require(original.slotInfo(slot: 5))
        #expect(info.dtype == .float64 && info.count == 3 && info.step == 4)
        #expect(info.buffers == ["square_avg", "grad_avg", "momentum_buffer"])
        #expect(original.slotInfo(slot: 0) == nil)

        var buffers: [[Double]] = []
        for name in info.buffers {
            var values = [Double](repeating: .nan, count: 3)
            try values.withUnsafeMutableBufferPointer {
                try original.readState(slot: 5, name: name, into: $0.baseAddress!, count: 3)
            }
            #expect(values == original.stateBuffer(slot: 5, name: name, as: Double.self))
            buffers.append(values)
        }
        let twin = Optimizer(.rmsprop)
        try twin.set("centered", 1)
        try twin.set("momentum", 0.5)
        try buffers[0].withUnsafeBufferPointer { b0 in
            try buffers[1].withUnsafeBufferPointer { b1 in
                try buffers[2].withUnsafeBufferPointer { b2 in
                    let named = zip(info.buffers, [b0, b1, b2]).map { ($0, $1.baseAddress!) }
                    try twin.setState(slot: 5, step: 4, count: 3, buffers: named)
                }
            }
        }
        #expect(twin.serialized() == original.serialized())
        var q = p
        try original.step(slot: 5, parameters: &p, gradients: [1, 1, 1])
        try twin.step(slot: 5, parameters: &q, gradients: [1, 1, 1])
        #expect(p == q)
    }

    @Test func badWritesChangeNothing() throws {
        let adam = Optimizer(.adam)
        var p: [Float] = [1, 2]
        try adam.step(slot: 0, parameters: &p, gradients: [1, 1])
        let before = adam.serialized()
        let values: [Float] = [1, 2]
        try values.withUnsafeBufferPointer { v in
            let pointer = v.baseAddress!
            #expect(throws: GDOptError.invalid("step=0 must be >= 1: a slot's state exists from its first step")) {
                try adam.setState(slot: 0, step: 0, count: 2, buffers: [("exp_avg", pointer)])
            }
            #expect(throws: GDOptError.invalid("buffer exp_avg is given twice")) {
                try adam.setState(slot: 0, step: 1, count: 2, buffers: [("exp_avg", pointer), ("exp_avg", pointer)])
            }
            #expect(throws: GDOptError.self) {
                try adam.setState(slot: 0, step: 1, count: 2, buffers: [("momentum_buffer", pointer)])
            }
        }
        #expect(adam.serialized() == before)
        var out: [Double] = [0, 0]
        #expect(throws: GDOptError.invalid("slot 0 holds float32, not float64")) {
            try out.withUnsafeMutableBufferPointer {
                try adam.readState(slot: 0, name: "exp_avg", into: $0.baseAddress!, count: 2)
            }
        }
    }
}
