import Foundation

/// A seeded 64-bit generator (Steele, Lea & Flood's SplitMix64): same seed, same stream, bit for bit.
///
/// Fast, passes BigCrush, and its state is one word, so a simulation can hold one per stream (each model's
/// arrivals, the router) and stay reproducible when one stream draws more or fewer numbers than before.
struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// An independent stream for `label` (a model name, "router"): the seed mixed with the label's FNV-1a hash.
    /// Swift's `Hasher` is seeded per process, so it cannot be used here.
    init(seed: UInt64, stream label: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in label.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        var mixer = SplitMix64(seed: seed ^ hash)
        state = mixer.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// Uniform on the open interval (0, 1): 53 random bits, never 0, so `log` of it is finite.
    mutating func nextUnitOpen() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// Exponential with mean `mean` (inverse transform).
    mutating func nextExponential(mean: Double) -> Double {
        -mean * log(nextUnitOpen())
    }

    /// Geometric on `{0, 1, 2, ...}` with mean `mean`: the discrete memoryless law (success probability
    /// `1 / (mean + 1)`), by inverse transform. `mean <= 0` gives 0.
    mutating func nextGeometric(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        let failure = mean / (mean + 1)   // probability of one more
        let k = floor(log(nextUnitOpen()) / log(failure))
        return k < Double(Int.max / 2) ? Int(k) : Int.max / 2
    }

    /// Poisson with mean `mean`: Knuth's product method for small means, a normal approximation (rounded,
    /// clamped at 0) above 500 where the product underflows. Used for counts, not for arrival times.
    mutating func nextPoisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 500 {
            // Box-Muller.
            let z = sqrt(-2 * log(nextUnitOpen())) * cos(2 * Double.pi * nextUnitOpen())
            return max(0, Int((mean + sqrt(mean) * z).rounded()))
        }
        let limit = exp(-mean)
        var k = 0
        var product = nextUnitOpen()
        while product > limit {
            k += 1
            product *= nextUnitOpen()
        }
        return k
    }

    /// `floor(x)` or `ceil(x)` with the probabilities that make the mean exactly `x` (for fixed token counts
    /// whose mean is not an integer).
    mutating func nextStochasticRound(_ x: Double) -> Int {
        let whole = floor(x)
        return Int(whole) + (nextUnitOpen() < x - whole ? 1 : 0)
    }
}
