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
    /// How the whole MIP ended. ``rawValue`` is the spelling in JSON, logs and the benchmark's records.
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        /// Every stage proved optimal.
        case optimal
        /// A limit or the gap reached with an incumbent.
        case feasible
        /// Some component got no MIP answer: the greedy answer was used.
        case fallback
    }

    public struct Stage: Sendable {
        /// How one stage ended. ``description`` is the spelling in JSON, logs and the benchmark's records.
        public enum Outcome: Sendable, Hashable, CustomStringConvertible {
            case optimal
            /// Stopped at the gap or its time share, with its bound when one is known.
            case feasible
            /// Less time was left than its LP was expected to take: the answer of the stages before it is kept.
            case skipped
            case infeasible
            case noSolutionWithinLimit
            case unbounded
            case error(String)

            /// What CBC's status says of the stage.
            public init(_ status: MIPStatus) {
                switch status {
                case .optimal: self = .optimal
                case .feasible: self = .feasible
                case .infeasible: self = .infeasible
                case .noSolutionWithinLimit: self = .noSolutionWithinLimit
                case .unbounded: self = .unbounded
                case .error(let e): self = .error(e)
                }
            }

            public var description: String {
                switch self {
                case .optimal: "optimal"
                case .feasible: "feasible"
                case .skipped: "skipped"
                case .infeasible: "infeasible"
                case .noSolutionWithinLimit: "no solution within limit"
                case .unbounded: "unbounded"
                case .error(let e): "error: \(e)"
                }
            }
        }

        /// The stage's ``MIPStage/name``, prefixed by its component when there are several.
        public var name: String
        public var stage: MIPStage
        public var outcome: Outcome
        /// ``outcome`` as text, for JSON and logs.
        public var status: String { outcome.description }
        public var objective: Double?
        public var bestBound: Double?
        public var gap: Double?
        public var seconds: Double
        /// How the stage was solved, in order: its LP bound, the rounded and RINS answers, CBC's search, or why it
        /// was skipped.
        public var record: [MIPStep]
        /// ``record`` as text (for `--stages` output, `optimize --format json` and the benchmark's records).
        public var steps: [String] { record.map(\.description) }

        public init(name: String, stage: MIPStage, outcome: Outcome, objective: Double?, bestBound: Double?,
                    gap: Double?, seconds: Double, record: [MIPStep] = []) {
            self.name = name; self.stage = stage; self.outcome = outcome; self.objective = objective
            self.bestBound = bestBound; self.gap = gap; self.seconds = seconds; self.record = record
        }
    }
    public var outcome: Outcome
    /// ``outcome`` as text: `optimal`, `feasible` or `fallback`, for JSON and logs.
    public var status: String { outcome.rawValue }
    public var stages: [Stage]
    /// Largest relative gap over the stages.
    public var gap: Double?
    /// Set when the greedy answer was used instead, with why.
    public var fallbackReason: String?
    /// Independent components (no shared GPU type) solved separately.
    public var components: Int
    public init(outcome: Outcome, stages: [Stage], gap: Double?, fallbackReason: String?, components: Int) {
        self.outcome = outcome; self.stages = stages; self.gap = gap
        self.fallbackReason = fallbackReason; self.components = components
    }

    /// For callers that still spell the outcome as text; an unknown spelling is `feasible` (not proven).
    @available(*, deprecated, message: "use init(outcome:stages:gap:fallbackReason:components:)")
    public init(status: String, stages: [Stage], gap: Double?, fallbackReason: String?, components: Int) {
        self.init(outcome: Outcome(rawValue: status) ?? .feasible, stages: stages, gap: gap,
                  fallbackReason: fallbackReason, components: components)
    }
}

/// One interface for every optimizer: the controller and the benchmark depend on this alone.
public protocol AllocationSolver: Sendable {
    /// `mip`, `greedy`, `unlimited`.
    var name: String { get }
    func solve(_ problem: OptimizationProblem) -> Solution
}
