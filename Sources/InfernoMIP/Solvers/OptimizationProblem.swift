/// What every solver consumes: the analyzer's candidates, capacity, priorities and current allocations.
public struct OptimizationProblem: Sendable {
    /// Servers in name order (the order every solver iterates in, for determinism).
    public var servers: [ServerCandidates]
    public var capacity: Capacity
    public var options: OptimizerOptions

    public init(servers: [ServerCandidates], capacity: Capacity, options: OptimizerOptions) {
        self.servers = servers.sorted { $0.name < $1.name }
        self.capacity = capacity
        self.options = options
    }

    /// GPU types any candidate uses, sorted.
    public var acceleratorTypes: [String] {
        Set(servers.flatMap { $0.candidates.map(\.acceleratorType) }).sorted()
    }

    /// Priority levels present, highest (smallest number) first.
    public var priorityLevels: [Int] { Set(servers.map(\.priority)).sorted() }

    /// Cards available of `type`; `Int.max` when capacity is ignored.
    public func cards(of type: String) -> Int { options.unlimited ? Int.max : capacity[type] }
}

extension OptimizationProblem {
    /// Builds the problem of a system with the analyzer's candidates.
    public init(system: SystemSpec, candidates: [ServerCandidates]) {
        self.init(servers: candidates, capacity: system.capacity, options: system.options)
    }
}

/// The value the cost stage and the greedy solver minimise for choosing `candidate` with `replicas` replicas:
/// the transition penalty from the current allocation (docs/optimizer.md, "Value of a choice"), or 1.1 × cost when there is none
/// (upstream's quirk: "nothing" counts as another accelerator).
public func transitionValue(from current: Allocation?, to accelerator: String, replicas: Int, costPerReplica: Double) -> Double {
    let newCost = Double(replicas) * costPerReplica
    let currentAccelerator = current?.accelerator ?? ""
    let currentCost = current?.cost ?? 0
    if currentAccelerator == accelerator {
        return replicas == (current?.replicas ?? 0) ? 0 : newCost - currentCost
    }
    return acceleratorChangePenaltyFactor * (currentCost + newCost) + newCost - currentCost
}

/// Share of both costs charged for moving a server to another accelerator (upstream `AccelPenaltyFactor`).
public let acceleratorChangePenaltyFactor = 0.1
