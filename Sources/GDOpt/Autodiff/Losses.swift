/// The losses' gradients (their values are in Forward.swift). Scores are N×C, rows are
/// samples; both losses are averaged over the N rows.
extension Tape {
    func backwardLoss(_ kind: LossKind, _ r: Record) {
        let input = records[r.a]
        guard input.requiresGradient else { return }
        let adding = claimGradient(r.a)
        let gradient = gradients.base + input.offset
        let scale = gradients[r.offset] / T(input.shape[0])
        labels.withUnsafeBufferPointer { classes in
            Vectors.loops(T.self).lossBackward(rows(kind, input, r, classes), gradient, scale, adding)
        }
    }
}
