import Foundation
import GDOpt
import Testing

/// Adafactor's factored state (a slot given a shape), which the generic reference cases, all
/// on vectors, do not reach.
@Suite struct AdafactorTests {
    static let (rows, cols) = (5, 7)

    @Test(arguments: [[:], ["weight_decay": 0.1, "maximize": 1, "d": 3], ["eps1": 1e-3, "beta2_decay": -0.5]])
    func aFactoredSlotFollowsTheReference(_ options: [String: Double]) throws {
        let optimizer = try Optimizer(kind: "adafactor")
        for (name, value) in options { try optimizer.set(name, value) }
        try optimizer.setShape(slot: 3, rows: Self.rows, cols: Self.cols)
        var h: [String: Double] = ["rows": Double(Self.rows), "cols": Double(Self.cols)]
        for spec in optimizer.kind.hyperparameters { h[spec.name] = try optimizer.get(spec.name) }
        let reference = ReferenceOptimizer(kind: "adafactor", h: h)
        var random = TestRandom(state: 11)
        let n = Self.rows * Self.cols
        var ours = random.array(n), theirs = ours, kernel = ours
        var state: [String: [Double]] = [:]
        var (rowVar, colVar) = ([Double](repeating: 0, count: Self.rows), [Double](repeating: 0, count: Self.cols))
        let configuration = try #require(optimizer.configuration as? Adafactor)
        for t in 1...60 {
            let g = random.array(n)
            try optimizer.step(slot: 3, parameters: &ours, gradients: g)
            reference.step(&theirs, g, &state, t: t)
            try Adafactor.update(
                parameters: &kernel, gradients: g, rowVariance: &rowVar, columnVariance: &colVar, variance: nil,
                count: n, rows: Self.rows, cols: Self.cols, step: UInt64(t), configuration: configuration)
            for i in 0..<n {
                #expect(abs(ours[i] - theirs[i]) <= 1e-12 * max(abs(theirs[i]), 1e-300), "step \(t) element \(i)")
            }
        }
        #expect(ours == kernel)
        #expect(optimizer.stateBuffer(slot: 3, name: "row_var", as: Double.self) == rowVar)
        #expect(optimizer.stateBuffer(slot: 3, name: "col_var", as: Double.self) == colVar)
        #expect(optimizer.stateBuffer(slot: 3, name: "variance", as: Double.self) == nil)
        // A checkpoint keeps the shape: the restored optimizer continues bit for bit.
        let twin = try Optimizer(kind: "adafactor")
        try twin.restore(from: optimizer.serialized())
        var twinParams = ours
        let g = random.array(n)
        try optimizer.step(slot: 3, parameters: &ours, gradients: g)
        try twin.step(slot: 3, parameters: &twinParams, gradients: g)
        #expect(ours == twinParams)
    }

    @Test func shapesAreCheckedAndKept() throws {
        let optimizer = try Optimizer(kind: "adafactor")
        #expect(throws: GDOptError.self) { try optimizer.setShape(slot: 0, rows: 0, cols: 3) }
        #expect(throws: GDOptError.self) { try optimizer.setShape(slot: 0, rows: Int.max, cols: 3) }
        try optimizer.setShape(slot: 0, rows: 2, cols: 3)
        var p: [Float] = [1, 2, 3, 4, 5, 6, 7]
        #expect(throws: GDOptError.size("slot 0 has shape 2x3 (gdopt_optimizer_set_shape), got n=7")) {
            try optimizer.step(slot: 0, parameters: &p, gradients: p)
        }
        var q: [Float] = [1, 2, 3, 4, 5, 6]
        try optimizer.step(slot: 0, parameters: &q, gradients: q)
        #expect(throws: GDOptError.self) { try optimizer.setShape(slot: 0, rows: 3, cols: 2) }
        optimizer.reset()  // keeps the shape
        try optimizer.step(slot: 0, parameters: &q, gradients: q)
        #expect(optimizer.stateBuffer(slot: 0, name: "row_var", as: Float.self)?.count == 2)
        // Kinds that do not factor ignore a shape.
        let adam = try Optimizer(kind: "adam")
        try adam.setShape(slot: 0, rows: 2, cols: 3)
        try adam.step(slot: 0, parameters: &p, gradients: p)
    }
}
