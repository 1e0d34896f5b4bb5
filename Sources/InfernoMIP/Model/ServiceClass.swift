/// A class of service: a priority and latency targets per model.
public struct ServiceClass: Codable, Hashable, Sendable {
    /// Priority used when a server's class is unknown: the lowest, as upstream intended.
    public static let defaultPriority = 100

    public var name: String
    /// 1 is the highest priority; larger numbers are served later.
    public var priority: Int
    /// Targets keyed by model name.
    public var targets: [String: SLOTarget]

    public init(name: String, priority: Int, targets: [String: SLOTarget]) {
        self.name = name
        self.priority = priority
        self.targets = targets
    }
}

/// Latency and throughput targets of a model in a class. `nil` means no target.
public struct SLOTarget: Codable, Hashable, Sendable {
    /// Target inter-token latency, ms (upstream `slo-itl` / `slo-tpot`).
    public var itlMilliseconds: Double?
    /// Target time to first token, ms.
    public var ttftMilliseconds: Double?
    /// Target throughput, output tokens per second.
    public var tokensPerSecond: Double?

    public init(itlMilliseconds: Double? = nil, ttftMilliseconds: Double? = nil, tokensPerSecond: Double? = nil) {
        self.itlMilliseconds = itlMilliseconds
        self.ttftMilliseconds = ttftMilliseconds
        self.tokensPerSecond = tokensPerSecond
    }
}
