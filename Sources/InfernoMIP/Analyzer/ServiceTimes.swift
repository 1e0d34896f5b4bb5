/// Service times of one replica for a given request shape (see docs/model.md).
///
/// All times are milliseconds. With `b` requests in the batch a request of `I` input and `O` output tokens takes
/// `T(b) = prefill(b) + (O - 1) * decode(b)`: the prefill produces the first token, each further token is one
/// decode step. When `I == 0` and `O == 1` that would be zero work, so a request is never cheaper than one
/// decode step (upstream divided by that zero).
public struct ServiceTimes: Hashable, Sendable {
    public var decode: DecodeParameters
    public var prefill: PrefillParameters
    public var inputTokens: Double
    public var outputTokens: Double

    public init(decode: DecodeParameters, prefill: PrefillParameters, inputTokens: Double, outputTokens: Double) {
        self.decode = decode
        self.prefill = prefill
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    public init(profile: ModelProfile, load: Load) {
        self.init(decode: profile.decode, prefill: profile.prefill,
                  inputTokens: load.meanInputTokens, outputTokens: load.meanOutputTokens)
    }

    /// One decode step with `batch` requests: the inter-token latency.
    public func decodeTime(batch: Double) -> Double { decode.alpha + decode.beta * batch }

    /// The prefill of one request with `batch` requests in the batch; 0 without input tokens.
    public func prefillTime(batch: Double) -> Double {
        inputTokens > 0 ? prefill.gamma + prefill.delta * inputTokens * batch : 0
    }

    /// `T(b)` as the line `fixed + perRequest * b`, so it can be inverted for the effective concurrency.
    public var line: (fixed: Double, perRequest: Double) {
        let steps = max(outputTokens - 1, 0)
        var fixed = steps * decode.alpha
        var perRequest = steps * decode.beta
        if inputTokens > 0 {
            fixed += prefill.gamma
            perRequest += prefill.delta * inputTokens
        }
        if fixed + perRequest <= 0 || steps == 0 && inputTokens <= 0 {
            // No prefill and a single token: the one forward pass is a decode step.
            return (decode.alpha, decode.beta)
        }
        return (fixed, perRequest)
    }

    /// Time in service of one request with `batch` requests in the batch.
    public func serviceTime(batch: Double) -> Double {
        let l = line
        return l.fixed + l.perRequest * batch
    }
}
