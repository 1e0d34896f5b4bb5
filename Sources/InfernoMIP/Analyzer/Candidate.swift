/// One way to serve a server: a number of replicas on one accelerator. The whole interface between
/// analyzer and optimizers: every solver sees the same candidates.
public struct Candidate: Hashable, Sendable, Codable {
    public var accelerator: String
    /// GPU type whose cards the replicas consume.
    public var acceleratorType: String
    /// Cards of ``acceleratorType`` per replica: `accCount * multiplicity`.
    public var unitsPerReplica: Int
    public var batchLimit: Int
    /// `lambda*`: requests per second one replica sustains within the SLOs (0 for a zero-load candidate).
    public var ratePerReplica: Double
    /// Replicas that meet the SLOs for the whole load (at least `minReplicas`).
    public var replicasNeeded: Int
    public var costPerReplica: Double
    /// Expected latencies at `replicasNeeded`, ms.
    public var itlMilliseconds: Double
    public var ttftMilliseconds: Double

    public init(accelerator: String, acceleratorType: String, unitsPerReplica: Int, batchLimit: Int,
                ratePerReplica: Double, replicasNeeded: Int, costPerReplica: Double,
                itlMilliseconds: Double = 0, ttftMilliseconds: Double = 0) {
        self.accelerator = accelerator
        self.acceleratorType = acceleratorType
        self.unitsPerReplica = unitsPerReplica
        self.batchLimit = batchLimit
        self.ratePerReplica = ratePerReplica
        self.replicasNeeded = replicasNeeded
        self.costPerReplica = costPerReplica
        self.itlMilliseconds = itlMilliseconds
        self.ttftMilliseconds = ttftMilliseconds
    }

    public var cost: Double { Double(replicasNeeded) * costPerReplica }
    public var units: Int { replicasNeeded * unitsPerReplica }
}

/// Why an accelerator offers no candidate for a server.
public struct Rejection: Hashable, Sendable, Codable {
    public var accelerator: String
    public var reason: String
}

/// A server with its priority and every way it can be served: the optimizers' input per server.
public struct ServerCandidates: Hashable, Sendable {
    public var server: Server
    /// 1 is the highest.
    public var priority: Int
    /// Sorted by accelerator name, at most one per accelerator.
    public var candidates: [Candidate]
    public var rejections: [Rejection]
    /// Total request rate to serve, per second (the TPS target's rate when that is larger).
    public var requiredRatePerSecond: Double

    public init(server: Server, priority: Int, candidates: [Candidate], rejections: [Rejection] = [],
                requiredRatePerSecond: Double) {
        self.server = server
        self.priority = priority
        self.candidates = candidates
        self.rejections = rejections
        self.requiredRatePerSecond = requiredRatePerSecond
    }

    public var name: String { server.name }
}
