/// Cards available per GPU type. A type that is absent has none.
public struct Capacity: Codable, Hashable, Sendable {
    public var cardsByType: [String: Int]
    public init(_ cardsByType: [String: Int]) { self.cardsByType = cardsByType }
    public subscript(type: String) -> Int { cardsByType[type] ?? 0 }
}

/// How servers that cannot all be fully served share what is left.
public enum SaturationPolicy: String, Codable, Hashable, Sendable, CaseIterable {
    /// Servers whose SLOs cannot be met get nothing.
    case none = "None"
    /// By priority, each partial server takes as many replicas as fit.
    case priorityExhaustive = "PriorityExhaustive"
    /// Within each priority level in turn, replicas are shared round robin (max-min fair).
    case priorityRoundRobin = "PriorityRoundRobin"
    /// Replicas are shared round robin across all partial servers (max-min fair).
    case roundRobin = "RoundRobin"
}

/// Knobs of the optimizers. Defaults are what a control loop wants.
public struct OptimizerOptions: Codable, Hashable, Sendable {
    /// Ignore capacity (cloud, capacity planning).
    public var unlimited: Bool
    /// Let a server spread its replicas over several accelerator types.
    public var heterogeneous: Bool
    public var saturationPolicy: SaturationPolicy
    /// Greedy: allocate all priority groups before any best effort.
    public var delayedBestEffort: Bool
    /// Wall-clock limit for one MIP solve (all stages), seconds.
    public var timeLimitSeconds: Double
    /// Relative MIP gap at which a stage stops.
    public var relativeGap: Double

    public init(unlimited: Bool = false, heterogeneous: Bool = false, saturationPolicy: SaturationPolicy = .none,
                delayedBestEffort: Bool = false, timeLimitSeconds: Double = 10, relativeGap: Double = 0.005) {
        self.unlimited = unlimited
        self.heterogeneous = heterogeneous
        self.saturationPolicy = saturationPolicy
        self.delayedBestEffort = delayedBestEffort
        self.timeLimitSeconds = timeLimitSeconds
        self.relativeGap = relativeGap
    }
}

/// Everything the analyzer and the optimizers need about a cluster, already validated.
public struct SystemSpec: Codable, Hashable, Sendable {
    public var accelerators: [Accelerator]
    public var profiles: [ModelProfile]
    public var serviceClasses: [ServiceClass]
    public var servers: [Server]
    public var capacity: Capacity
    public var options: OptimizerOptions

    public init(accelerators: [Accelerator], profiles: [ModelProfile], serviceClasses: [ServiceClass],
                servers: [Server], capacity: Capacity, options: OptimizerOptions = OptimizerOptions()) {
        self.accelerators = accelerators
        self.profiles = profiles
        self.serviceClasses = serviceClasses
        self.servers = servers
        self.capacity = capacity
        self.options = options
    }

    public func accelerator(named name: String) -> Accelerator? { accelerators.first { $0.name == name } }

    /// Profiles of `model`, in accelerator-name order.
    public func profiles(of model: String) -> [ModelProfile] {
        profiles.filter { $0.model == model }.sorted { $0.accelerator < $1.accelerator }
    }

    /// The class a server belongs to, `nil` when unknown.
    public func serviceClass(named name: String) -> ServiceClass? { serviceClasses.first { $0.name == name } }

    /// Priority of a server: its class's, or ``ServiceClass/defaultPriority`` (the lowest) when unknown.
    public func priority(of server: Server) -> Int {
        serviceClass(named: server.serviceClass)?.priority ?? ServiceClass.defaultPriority
    }
}
