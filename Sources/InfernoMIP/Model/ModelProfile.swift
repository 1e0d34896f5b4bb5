/// Measured performance of one model on one accelerator (see docs/model.md).
///
/// Times are milliseconds: one decode step takes `alpha + beta * b` with `b` requests in the batch,
/// a prefill takes `gamma + delta * inputTokens * b`.
public struct ModelProfile: Codable, Hashable, Sendable {
    public var model: String
    public var accelerator: String
    /// Accelerators one replica uses (tensor parallelism across accelerators).
    public var acceleratorCount: Int
    /// Largest batch that fits in memory when requests carry ``atTokens`` tokens.
    public var maxBatchSize: Int
    /// Tokens per request at which ``maxBatchSize`` was measured.
    public var atTokens: Int
    public var decode: DecodeParameters
    public var prefill: PrefillParameters

    public init(model: String, accelerator: String, acceleratorCount: Int = 1, maxBatchSize: Int,
                atTokens: Int, decode: DecodeParameters, prefill: PrefillParameters = .zero) {
        self.model = model
        self.accelerator = accelerator
        self.acceleratorCount = acceleratorCount
        self.maxBatchSize = maxBatchSize
        self.atTokens = atTokens
        self.decode = decode
        self.prefill = prefill
    }

    private enum CodingKeys: String, CodingKey { case model, accelerator, acceleratorCount, maxBatchSize, atTokens, decode, prefill }

    /// `acceleratorCount` (1) and `prefill` (zero) may be left out, as in the initializer.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(model: try c.decode(String.self, forKey: .model), accelerator: try c.decode(String.self, forKey: .accelerator),
                  acceleratorCount: try c.decodeIfPresent(Int.self, forKey: .acceleratorCount) ?? 1,
                  maxBatchSize: try c.decode(Int.self, forKey: .maxBatchSize), atTokens: try c.decode(Int.self, forKey: .atTokens),
                  decode: try c.decode(DecodeParameters.self, forKey: .decode),
                  prefill: try c.decodeIfPresent(PrefillParameters.self, forKey: .prefill) ?? .zero)
    }
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
