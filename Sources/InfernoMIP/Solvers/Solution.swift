/// Replicas of one server on one accelerator.
public struct Placement: Hashable, Sendable, Codable {
    public var accelerator: String
    public var acceleratorType: String
    public var replicas: Int
    public var unitsPerReplica: Int
    public var batchLimit: Int
    public var costPerReplica: Double
    /// `lambda*` of one replica, requests per second.
    public var ratePerReplica: Double

    public init(candidate c: Candidate, replicas: Int) {
        accelerator = c.accelerator
        acceleratorType = c.acceleratorType
        self.replicas = replicas
        unitsPerReplica = c.unitsPerReplica
        batchLimit = c.batchLimit
        costPerReplica = c.costPerReplica
        ratePerReplica = c.ratePerReplica
    }

    public var units: Int { replicas * unitsPerReplica }
    public var cost: Double { Double(replicas) * costPerReplica }
    public var servedRatePerSecond: Double { Double(replicas) * ratePerReplica }
}

/// Whether a server's SLOs are met by its allocation.
public enum ServingStatus: Hashable, Sendable {
    /// Enough replicas for the whole load within the SLOs.
    case fullyServed
    /// Some replicas, fewer than the SLOs need (best effort).
    case partial(reason: String)
    /// No replicas although the server has load.
    case unserved(reason: String)

    public var isFullyServed: Bool { if case .fullyServed = self { true } else { false } }
    public var reason: String? {
        switch self {
        case .fullyServed: nil
        case .partial(let r), .unserved(let r): r
        }
    }
    public var label: String {
        switch self {
        case .fullyServed: "served"
        case .partial: "partial"
        case .unserved: "unserved"
        }
    }
}

/// A solver's decision for one server.
public struct ServerSolution: Hashable, Sendable {
    public var name: String
    public var priority: Int
    /// Empty when the server gets nothing; one entry except in heterogeneous mode. Sorted by accelerator.
    public var placements: [Placement]
    public var status: ServingStatus
    /// Expected latencies when fully served on a single accelerator (the candidate's), ms.
    public var itlMilliseconds: Double?
    public var ttftMilliseconds: Double?

    public var replicas: Int { placements.reduce(0) { $0 + $1.replicas } }
    public var cost: Double { placements.reduce(0) { $0 + $1.cost } }
    /// The accelerator with most replicas: what the upstream one-accelerator shape reports.
    public var primary: Placement? {
        placements.max { ($0.replicas, $1.accelerator) < ($1.replicas, $0.accelerator) }
    }
}

/// Totals of one GPU type.
public struct TypeUsage: Hashable, Sendable {
    public var type: String
    public var cardsUsed: Int
    /// `nil` when capacity is ignored.
    public var cardsAvailable: Int?
    public var cost: Double

    public init(type: String, cardsUsed: Int, cardsAvailable: Int?, cost: Double) {
        self.type = type
        self.cardsUsed = cardsUsed
        self.cardsAvailable = cardsAvailable
        self.cost = cost
    }
}

/// How many servers of one priority level got their SLOs met.
public struct PriorityCount: Hashable, Sendable {
    public var priority: Int
    public var served: Int
    public var total: Int
}

/// What a solver returns. All solvers fill it the same way (see ``SolutionAssembler``).
public struct Solution: Sendable {
    public var solver: String
    /// In server-name order.
    public var servers: [ServerSolution]
    public var usage: [TypeUsage]
    public var diagnostics: SolverDiagnostics

    public var totalCost: Double { servers.reduce(0) { $0 + $1.cost } }
    public func server(named name: String) -> ServerSolution? { servers.first { $0.name == name } }

    /// Fully served servers per priority level, highest priority first.
    public var servedPerPriority: [PriorityCount] {
        Dictionary(grouping: servers, by: \.priority).map { level, group in
            PriorityCount(priority: level, served: group.filter(\.status.isFullyServed).count, total: group.count)
        }.sorted { $0.priority < $1.priority }
    }

    /// Served counts as a vector in priority order, for lexicographic comparison.
    public func servedVector(levels: [Int]) -> [Int] {
        let counts = Dictionary(uniqueKeysWithValues: servedPerPriority.map { ($0.priority, $0.served) })
        return levels.map { counts[$0] ?? 0 }
    }
}

/// Solver-specific facts beside the solution.
public struct SolverDiagnostics: Sendable {
    public var seconds: Double = 0
    /// Free-form facts worth a log line (fallbacks, limits hit).
    public var notes: [String] = []
    /// Set by the MIP solver.
    public var mip: MIPDiagnostics?
    public init(seconds: Double = 0, notes: [String] = [], mip: MIPDiagnostics? = nil) {
        self.seconds = seconds
        self.notes = notes
        self.mip = mip
    }
}

/// How the MIP solve went, stage by stage.
public struct MIPDiagnostics: Sendable {
    public struct Stage: Sendable {
        public var name: String
        public var status: String
        public var objective: Double?
        public var bestBound: Double?
        public var gap: Double?
        public var seconds: Double
        /// How the stage was solved, in order: its LP bound, the rounded and RINS answers, CBC's search, or why it
        /// was skipped (for `--stages` output and the benchmark's records).
        public var steps: [String]
        public init(name: String, status: String, objective: Double?, bestBound: Double?, gap: Double?, seconds: Double,
                    steps: [String] = []) {
            self.name = name; self.status = status; self.objective = objective
            self.bestBound = bestBound; self.gap = gap; self.seconds = seconds; self.steps = steps
        }
    }
    /// `optimal`, `feasible` (limit or gap reached with an incumbent) or `fallback` (greedy answer used).
    public var status: String
    public var stages: [Stage]
    /// Largest relative gap over the stages.
    public var gap: Double?
    /// Set when the greedy answer was used instead, with why.
    public var fallbackReason: String?
    /// Independent components (no shared GPU type) solved separately.
    public var components: Int
    public init(status: String, stages: [Stage], gap: Double?, fallbackReason: String?, components: Int) {
        self.status = status; self.stages = stages; self.gap = gap
        self.fallbackReason = fallbackReason; self.components = components
    }
}

/// One interface for every optimizer: the controller and the benchmark depend on this alone.
public protocol AllocationSolver: Sendable {
    /// `mip`, `greedy`, `unlimited`.
    var name: String { get }
    func solve(_ problem: OptimizationProblem) -> Solution
}
