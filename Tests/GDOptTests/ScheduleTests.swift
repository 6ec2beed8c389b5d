import Foundation
import GDOpt
import Testing

/// Each schedule against torch.optim.lr_scheduler's formulas, written out here.
@Suite struct ScheduleTests {
    static func schedule(_ kind: String, _ options: [String: Double]) throws -> Schedule {
        let s = try Schedule(kind: kind)
        for (name, value) in options { try s.set(name, value) }
        return s
    }

    @Test func closedFormsMatchTorch() throws {
        let base = 0.5
        let cases: [(String, [String: Double], (Double) -> Double)] = [
            ("constant", [:], { _ in base }),
            ("step", ["step_size": 3, "gamma": 0.5], { t in base * pow(0.5, (t / 3).rounded(.down)) }),
            ("exponential", ["gamma": 0.95], { t in base * pow(0.95, t) }),
            ("cosine", ["t_max": 10, "eta_min": 0.01], { t in 0.01 + (base - 0.01) * (1 + cos(.pi * t / 10)) / 2 }),
            ("inverse_time", ["decay": 0.1], { t in base / (1 + 0.1 * t) }),
            (
                "warmup_cosine", ["warmup_steps": 5, "t_max": 20, "eta_min": 0.01],
                { t in
                    t < 5
                        ? base * (t + 1) / 5 : t > 20 ? 0.01 : 0.01 + (base - 0.01) * (1 + cos(.pi * (t - 5) / 15)) / 2
                }
            ),
        ]
        for (kind, options, formula) in cases {
            let s = try Self.schedule(kind, options.merging(["base_lr": base]) { $1 })
            for t in 0..<40 {
                let expected = formula(Double(t))
                #expect(Swift.abs(try s.learningRate(at: UInt64(t)) - expected) <= 1e-15 * expected, "\(kind) at \(t)")
            }
        }
    }

    /// OneCycleLR(max_lr=1, total_steps=10, pct_start=0.3): values computed from torch's
    /// two-phase cosine definition by hand.
    @Test func oneCycleFollowsTorchsPhases() throws {
        let s = try Self.schedule("one_cycle", ["max_lr": 1, "total_steps": 10])
        let initial = 1.0 / 25
        let final = initial / 1e4
        func anneal(_ a: Double, _ b: Double, _ pct: Double) -> Double { b + (a - b) / 2 * (1 + cos(.pi * pct)) }
        for t in 0..<10 {
            let step = Double(t)
            let expected = step <= 2 ? anneal(initial, 1, step / 2) : anneal(1, final, (step - 2) / 7)
            #expect(Swift.abs(try s.learningRate(at: UInt64(t)) - expected) < 1e-15)
        }
        let (first, peak, last, past) = (
            try s.learningRate(at: 0), try s.learningRate(at: 2), try s.learningRate(at: 9),
            try s.learningRate(at: 50)
        )
        #expect(Swift.abs(first - initial) < 1e-16 && Swift.abs(peak - 1) < 1e-15)
        #expect(Swift.abs(last - final) < 1e-18 && Swift.abs(past - final) < 1e-18)
    }

    @Test func plateauReducesAfterPatience() throws {
        let s = try Self.schedule("plateau", ["base_lr": 1, "patience": 2, "factor": 0.5])
        // Improves, then stalls: the 3rd bad observation (> patience) halves the rate.
        let metrics = [10.0, 9, 9, 9, 9, 8, 8, 8, 8]
        var rates: [Double] = []
        for m in metrics {
            try s.observe(m)
            rates.append(try s.learningRate(at: 999))
        }
        #expect(rates == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25])
        #expect(throws: GDOptError.self) { try Self.schedule("cosine", [:]).observe(1) }
        #expect(throws: GDOptError.self) { try Self.schedule("plateau", ["factor": 1]) }
        #expect(throws: GDOptError.self) { try Schedule(kind: "linear") }
        #expect(throws: GDOptError.self) {
            try Self.schedule("warmup_cosine", ["warmup_steps": 50, "t_max": 10]).learningRate(at: 0)
        }
    }
}
