import Foundation
import InfernoControl
import InfernoMIP

/// The simulation's draws, on any generator (in practice InfernoMIP's `SplitMix64`, one per stream).
extension RandomNumberGenerator {
    /// Uniform on the open interval (0, 1): 53 random bits, never 0, so `log` of it is finite.
    package mutating func nextUnitOpen() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// Exponential with mean `mean` (inverse transform).
    package mutating func nextExponential(mean: Double) -> Double {
        -mean * log(nextUnitOpen())
    }

    /// Geometric on `{0, 1, 2, ...}` with mean `mean`: the discrete memoryless law (success probability
    /// `1 / (mean + 1)`), by inverse transform. `mean <= 0` gives 0.
    package mutating func nextGeometric(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        let failure = mean / (mean + 1)   // probability of one more
        let k = floor(log(nextUnitOpen()) / log(failure))
        return k < Double(Int.max / 2) ? Int(k) : Int.max / 2
    }

    /// Poisson with mean `mean`: Knuth's product method for small means, a normal approximation (rounded,
    /// clamped at 0) above 500 where the product underflows. Used for counts, not for arrival times.
    package mutating func nextPoisson(mean: Double) -> Int {
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
    package mutating func nextStochasticRound(_ x: Double) -> Int {
        let whole = floor(x)
        return Int(whole) + (nextUnitOpen() < x - whole ? 1 : 0)
    }
}
