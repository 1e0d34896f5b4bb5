import InfernoControl
import InfernoMIP

/// How a request's token counts are drawn around a load's means.
///
/// - `exponential`: the discrete memoryless law. Output `O = 1 + K` with `K` geometric of mean `meanOut - 1`,
///   so the number of decode steps is geometric and a request's service time is (close to) exponential:
///   the analyzer's assumption, used by the agreement tests. Input `I` geometric of mean `meanIn`.
/// - `fixed`: every request has the mean (rounded up or down at random so that the mean is exact). Service
///   times then vary only with the batch size: far less variable than real traffic, and than the analyzer's
///   exponential assumption, so queues are shorter than it predicts.
package enum TokenLengthDistribution: String, Codable, Hashable, Sendable, CaseIterable {
    case exponential
    case fixed
}

/// The token-count distributions of input and output.
package struct TokenLengths: Codable, Hashable, Sendable {
    package var input: TokenLengthDistribution
    package var output: TokenLengthDistribution

    package init(input: TokenLengthDistribution = .exponential, output: TokenLengthDistribution = .exponential) {
        self.input = input
        self.output = output
    }

    /// Both exponential: what the analyzer assumes.
    package static let exponential = TokenLengths(input: .exponential, output: .exponential)
    /// Both fixed at the means.
    package static let fixed = TokenLengths(input: .fixed, output: .fixed)

    /// Input tokens, `>= 0`.
    package func drawInput<G: RandomNumberGenerator>(mean: Double, using rng: inout G) -> Int {
        let mean = max(0, mean)
        switch input {
        case .exponential: return rng.nextGeometric(mean: mean)
        case .fixed: return rng.nextStochasticRound(mean)
        }
    }

    /// Output tokens, `>= 1` (the first token comes from the prefill).
    package func drawOutput<G: RandomNumberGenerator>(mean: Double, using rng: inout G) -> Int {
        let steps = max(0, mean - 1)
        switch output {
        case .exponential: return 1 + rng.nextGeometric(mean: steps)
        case .fixed: return 1 + rng.nextStochasticRound(steps)
        }
    }
}

/// One inference request as the emulated server sees it. Times in seconds of simulated time.
package struct SimulatedRequest: Hashable, Sendable {
    package var arrival: Double
    package var inputTokens: Int
    package var outputTokens: Int
}
