/// Measured performance of one model on one accelerator (see docs/model.md).
///
/// The memory facts (`maxBatchSize` at `atTokens`) are common to both performance models; how fast the replica
/// runs is ``performance``, one of two kinds that are never converted into each other.
public struct ModelProfile: Hashable, Sendable {
    public var model: String
    public var accelerator: String
    /// Accelerators one replica uses (tensor parallelism across accelerators).
    public var acceleratorCount: Int
    /// Largest batch that fits in memory when requests carry ``atTokens`` tokens.
    public var maxBatchSize: Int
    /// Tokens per request at which ``maxBatchSize`` was measured.
    public var atTokens: Int
    public var performance: PerformanceParameters

    public init(model: String, accelerator: String, acceleratorCount: Int = 1, maxBatchSize: Int,
                atTokens: Int, performance: PerformanceParameters) {
        self.model = model
        self.accelerator = accelerator
        self.acceleratorCount = acceleratorCount
        self.maxBatchSize = maxBatchSize
        self.atTokens = atTokens
        self.performance = performance
    }

    /// A profile of the seed kind.
    public init(model: String, accelerator: String, acceleratorCount: Int = 1, maxBatchSize: Int,
                atTokens: Int, decode: DecodeParameters, prefill: PrefillParameters = .zero) {
        self.init(model: model, accelerator: accelerator, acceleratorCount: acceleratorCount,
                  maxBatchSize: maxBatchSize, atTokens: atTokens, performance: .seed(decode: decode, prefill: prefill))
    }

    /// The seed kind's parameters; nil for a per-iteration profile (never converted).
    public var seed: (decode: DecodeParameters, prefill: PrefillParameters)? {
        guard case .seed(let d, let p) = performance else { return nil }
        return (d, p)
    }

    /// A profile of the per-iteration (2026) kind.
    public init(model: String, accelerator: String, acceleratorCount: Int = 1, maxBatchSize: Int,
                atTokens: Int, iteration: IterationParameters) {
        self.init(model: model, accelerator: accelerator, acceleratorCount: acceleratorCount,
                  maxBatchSize: maxBatchSize, atTokens: atTokens, performance: .perIteration(iteration))
    }
}

/// The two performance models a profile may carry (docs/model.md states both).
public enum PerformanceParameters: Hashable, Sendable {
    /// The seed's: a decode step takes `alpha + beta * b` ms, a prefill `gamma + delta * inputTokens * b` ms.
    case seed(decode: DecodeParameters, prefill: PrefillParameters)
    /// llm-inferno queue-analysis's (2026): one iteration costs `alpha + beta * computed + gamma * read` ms,
    /// prefill chunked by a token budget per iteration.
    case perIteration(IterationParameters)

    public var kind: ProfileKind {
        switch self {
        case .seed: .seed
        case .perIteration: .perIteration
        }
    }
}

/// The name of a profile's performance model, as flags and reports spell it.
public enum ProfileKind: String, Hashable, Sendable, CaseIterable, Codable {
    case seed
    case perIteration = "per-iteration"
}

/// One decode step (the inter-token latency) takes `alpha + beta * batch` ms.
public struct DecodeParameters: Codable, Hashable, Sendable {
    public var alpha: Double
    public var beta: Double
    public init(alpha: Double, beta: Double) { self.alpha = alpha; self.beta = beta }
}

/// A prefill takes `gamma + delta * inputTokens * batch` ms.
public struct PrefillParameters: Codable, Hashable, Sendable {
    public var gamma: Double
    public var delta: Double
    public init(gamma: Double, delta: Double) { self.gamma = gamma; self.delta = delta }
    public static let zero = PrefillParameters(gamma: 0, delta: 0)
}

/// One iteration of the per-iteration model costs `alpha + beta * computedTokens + gamma * kvTokensRead` ms.
///
/// `alpha` is the fixed cost of an iteration (ms), `beta` the cost of computing one token (ms/token), `gamma`
/// the cost of reading one token of KV cache (ms/token); `maxNumTokens` is vLLM's `--max-num-batched-tokens`,
/// the tokens one iteration may compute, which splits a long prefill into chunks.
public struct IterationParameters: Codable, Hashable, Sendable {
    public var alpha: Double
    public var beta: Double
    public var gamma: Double
    public var maxNumTokens: Int

    /// Upstream's default budget when a profile gives none.
    public static let defaultMaxNumTokens = 8192

    public init(alpha: Double, beta: Double, gamma: Double, maxNumTokens: Int = IterationParameters.defaultMaxNumTokens) {
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.maxNumTokens = maxNumTokens
    }

    private enum Keys: String, CodingKey { case alpha, beta, gamma, maxNumTokens }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(alpha: try c.decode(Double.self, forKey: .alpha), beta: try c.decode(Double.self, forKey: .beta),
                  gamma: try c.decode(Double.self, forKey: .gamma),
                  maxNumTokens: try c.decodeIfPresent(Int.self, forKey: .maxNumTokens) ?? Self.defaultMaxNumTokens)
    }
}

extension ModelProfile: Codable {
    private enum Keys: String, CodingKey {
        case model, accelerator, acceleratorCount, maxBatchSize, atTokens, decode, prefill, perIteration
    }

    /// The two spellings, quoted in the error for a profile that mixes or lacks them.
    static let spellings = "the seed kind is \"decode\": {\"alpha\", \"beta\"} with optional \"prefill\": "
        + "{\"gamma\", \"delta\"}; the per-iteration kind is \"perIteration\": {\"alpha\", \"beta\", \"gamma\", "
        + "\"maxNumTokens\"}"

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let model = try c.decode(String.self, forKey: .model)
        let accelerator = try c.decode(String.self, forKey: .accelerator)
        let seed = c.contains(.decode) || c.contains(.prefill)
        let performance: PerformanceParameters
        switch (seed, c.contains(.perIteration)) {
        case (true, true):
            throw DecodingError.dataCorruptedError(forKey: .perIteration, in: c, debugDescription:
                "profile \(model) on \(accelerator) has both performance models; give one: \(Self.spellings)")
        case (false, false):
            throw DecodingError.dataCorruptedError(forKey: .decode, in: c, debugDescription:
                "profile \(model) on \(accelerator) has no performance model: \(Self.spellings)")
        case (true, false):
            performance = .seed(decode: try c.decode(DecodeParameters.self, forKey: .decode),
                                prefill: try c.decodeIfPresent(PrefillParameters.self, forKey: .prefill) ?? .zero)
        case (false, true):
            performance = .perIteration(try c.decode(IterationParameters.self, forKey: .perIteration))
        }
        self.init(model: model, accelerator: accelerator,
                  acceleratorCount: try c.decodeIfPresent(Int.self, forKey: .acceleratorCount) ?? 1,
                  maxBatchSize: try c.decode(Int.self, forKey: .maxBatchSize),
                  atTokens: try c.decode(Int.self, forKey: .atTokens), performance: performance)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(model, forKey: .model)
        try c.encode(accelerator, forKey: .accelerator)
        try c.encode(acceleratorCount, forKey: .acceleratorCount)
        try c.encode(maxBatchSize, forKey: .maxBatchSize)
        try c.encode(atTokens, forKey: .atTokens)
        switch performance {
        case .seed(let decode, let prefill):
            try c.encode(decode, forKey: .decode)
            try c.encode(prefill, forKey: .prefill)
        case .perIteration(let p):
            try c.encode(p, forKey: .perIteration)
        }
    }
}
