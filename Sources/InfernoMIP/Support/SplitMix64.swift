import Foundation

/// A seeded 64-bit generator (Steele, Lea & Flood's SplitMix64): same seed, same stream, bit for bit, on every
/// toolchain. The one generator of the package: the simulation, the benchmark's scenario generator and the tests'
/// random instances all draw from it.
///
/// Its state is one word, so a simulation can hold one per stream (each model's arrivals, the router) and stay
/// reproducible when one stream draws more or fewer numbers than before. The draws below are written out instead of
/// using the standard library's `random(in:using:)`, whose reduction may change between Swift versions: a seed
/// names the same scenario everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// An independent stream for `label` (a model name, "router"): the seed mixed with the label's FNV-1a hash.
    /// Swift's `Hasher` is seeded per process, so it cannot be used here.
    public init(seed: UInt64, stream label: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in label.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        var mixer = SplitMix64(seed: seed ^ hash)
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`, 53 bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in `range` (multiply-high reduction; bias below 2^-50 for the small ranges used here).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next().multipliedFullWidth(by: width).high)
    }

    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    public mutating func double(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + unit() * (range.upperBound - range.lowerBound)
    }

    /// Standard normal (Box–Muller, one of the pair).
    public mutating func normal() -> Double {
        let u = max(unit(), 0x1p-60)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * unit())
    }

    /// Log-normal with the given median and log-space standard deviation: right-skewed, a few large values.
    public mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * exp(sigma * normal())
    }

    /// An index in `0..<weights.count` drawn with probability proportional to its weight.
    public mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var x = unit() * total
        for (i, w) in weights.enumerated() {
            x -= w
            if x < 0 { return i }
        }
        return weights.count - 1
    }

    /// A stream for a sub-purpose that does not disturb this one's draws.
    public func fork(_ salt: UInt64) -> SplitMix64 {
        var copy = SplitMix64(seed: state ^ (salt &* 0xD1B5_4A32_D192_ED03))
        _ = copy.next()
        return copy
    }
}
