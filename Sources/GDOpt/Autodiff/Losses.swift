/// The losses' values and gradients. Scores are N×C, rows are samples; both losses are
/// averaged over the N rows.
extension Tape {
    func forwardLoss(_ kind: LossKind, _ input: Record, _ out: Record) {
        let rows = input.shape[0], columns = input.shape[1]
        let arena = values
        labels.withUnsafeBufferPointer { classes in
            let s = arena.base + input.offset, y = classes.baseAddress! + out.labelOffset
            var total: T = 0
            for i in 0..<rows {
                let row = s + i * columns, label = y[i]
                switch kind {
                case .softmaxCrossEntropy:
                    // log Σ exp(s) = max + log Σ exp(s − max): no overflow. The softmax, e/Σ, is
                    // kept; each exp is computed once, in a loop without a sum, which vectorises.
                    var peak = row[0]
                    for j in 1..<max(columns, 1) where row[j] > peak { peak = row[j] }
                    let p = arena.base + out.saved + i * columns
                    for j in 0..<columns { p[j] = exponential(row[j] - peak) }
                    var sum: T = 0
                    for j in 0..<columns { sum += p[j] }
                    total += peak + logarithm(sum) - row[label]
                    for j in 0..<columns { p[j] /= sum }
                case .multiclassHinge:
                    for j in 0..<columns where j != label { total += Swift.max(0, row[j] - row[label] + 1) }
                }
            }
            arena[out.offset] = total / T(rows)
        }
    }

    func backwardLoss(_ kind: LossKind, _ r: Record) {
        let input = records[r.a]
        guard input.requiresGradient else { return }
        let adding = claimGradient(r.a)
        let rows = input.shape[0], columns = input.shape[1]
        let arena = values
        let grads = gradients
        labels.withUnsafeBufferPointer { classes in
            let s = arena.base + input.offset, y = classes.baseAddress! + r.labelOffset
            let gs = grads.base + input.offset
            let scale = grads[r.offset] / T(rows)
            for i in 0..<rows {
                let row = s + i * columns, g = gs + i * columns, label = y[i]
                switch kind {
                case .softmaxCrossEntropy:  // (softmax − one-hot) / N
                    let p = arena.base + r.saved + i * columns
                    deposit(g, count: columns, adding: adding) { scale * p[$0] }
                    g[label] -= scale
                case .multiclassHinge:  // +1 per violating class, −(count) for the label
                    if !adding { g.update(repeating: 0, count: columns) }
                    for j in 0..<columns where j != label && row[j] - row[label] + 1 > 0 {
                        g[j] += scale
                        g[label] -= scale
                    }
                }
            }
        }
    }
}
