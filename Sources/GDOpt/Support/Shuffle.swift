/// SplitMix64 (Steele, Lea & Flood, 2014): tiny, and easy to recompute in any language.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The deterministic mini-batch permutation of the contract (§8): perm starts as the
/// identity, the generator starts at seed + epoch·0x9E3779B97F4A7C15 (mod 2^64), and for
/// i = n−1 down to 1, perm[i] is swapped with perm[next() mod (i+1)].
public func shuffledIndices(into perm: UnsafeMutableBufferPointer<Int>, seed: UInt64, epoch: UInt64) {
    var generator = SplitMix64(state: seed &+ epoch &* 0x9E37_79B9_7F4A_7C15)
    for i in perm.indices { perm[i] = i }
    var i = perm.count - 1
    while i >= 1 {
        let j = Int(generator.next() % UInt64(i + 1))
        perm.swapAt(i, j)
        i -= 1
    }
}
