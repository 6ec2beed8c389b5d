import Glibc
import GDOptElements

/// exp, log and tanh for Float and Double, chosen by type (the tape is generic over
/// both). Double goes through libm. Float exp and tanh use the branch-free forms below,
/// which vectorise (libm's tanhf costs ~16 ns an element, 6x numpy's); log stays libm.
@inline(__always)
func exponential<T: GDOptFloat>(_ x: T) -> T {
    T.dtype == .float32 ? T(exponential32(Float(x))) : T(Glibc.exp(Double(x)))
}

@inline(__always)
func logarithm<T: GDOptFloat>(_ x: T) -> T {
    T.dtype == .float32 ? T(logf(Float(x))) : T(Glibc.log(Double(x)))
}

@inline(__always)
func hyperbolicTangent<T: GDOptFloat>(_ x: T) -> T {
    T.dtype == .float32 ? T(hyperbolicTangent32(Float(x))) : T(Glibc.tanh(Double(x)))
}

/// eˣ in float32 within 2 ulps (Cephes expf; subnormal results a little less exact):
/// x = k·ln2 + r with |r| ≤ ln2/2, a degree-7 polynomial for eʳ, and 2ᵏ put into the
/// exponent bits. Branch-free, so loops vectorise.
@inline(__always)
func exponential32(_ x: Float) -> Float {
    // Below −104 the result rounds to 0; above ln(FLT_MAX) ≈ 88.72 the product below overflows
    // to +inf (89 still fits the two factors of 2ᵏ). NaN passes the clamps (their comparisons
    // fail) and the polynomial, so no select on the result is needed: a select there became a
    // branch around the store, and the loop did not vectorise.
    let clamped = Swift.min(Swift.max(x, -104), 89)
    // Round to nearest by the 1.5·2²³ trick: SSE2 has no vector round instruction.
    let shifted = clamped * 1.442695041 + 12_582_912
    let k = shifted - 12_582_912
    let r = clamped - k * 0.693359375 + k * 2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * r * r + r + 1
    // 2ᵏ split in two factors so that k = 128 (x near the top of the range) still fits.
    // k as an integer, read from the bits of 1.5·2²³ + k: a float-to-int conversion is
    // range-checked under -O and stops the loop vectorising. Masking shifts likewise.
    let n = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000
    let half = n &>> 1
    let a = Float(bitPattern: UInt32(bitPattern: (half &+ 127) &<< 23))
    let b = Float(bitPattern: UInt32(bitPattern: (n &- half &+ 127) &<< 23))
    return p * a * b
}

/// tanh in float32 within 5 ulps: the odd rational minimax approximation that Eigen
/// uses (generic_fast_tanh_float) on x clamped to ±7.905 (beyond, tanh rounds to ±1), and
/// x itself below 4e-4 (where tanh x = x in float32). One division, no exp.
@inline(__always)
func hyperbolicTangent32(_ x: Float) -> Float {
    let c = Swift.min(Swift.max(x, -7.90531110763549805), 7.90531110763549805)
    let x2 = c * c
    var p: Float = -2.76076847742355e-16
    p = p * x2 + 2.00018790482477e-13
    p = p * x2 - 8.60467152213735e-11
    p = p * x2 + 5.12229709037114e-08
    p = p * x2 + 1.48572235717979e-05
    p = p * x2 + 6.37261928875436e-04
    p = p * x2 + 4.89352455891786e-03
    var q: Float = 1.19825839466702e-06
    q = q * x2 + 1.18534705686654e-04
    q = q * x2 + 2.26843463243900e-03
    q = q * x2 + 4.89352518554385e-03
    let y = c * p / q
    return Swift.abs(x) < 0.0004 ? x : y  // NaN passes the clamps and stays NaN in y
}

/// 1/(1+e^−x), written so that neither branch overflows.
@inline(__always)
func logistic<T: GDOptFloat>(_ x: T) -> T {
    if x >= 0 { return 1 / (1 + exponential(-x)) }
    let e = exponential(x)
    return e / (1 + e)
}
