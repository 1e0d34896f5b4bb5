/// The load offered to a server: what the analyzer sizes for.
public struct Load: Codable, Hashable, Sendable {
    /// Requests per minute, the unit of the upstream JSON and the vLLM queries.
    public var arrivalRatePerMinute: Double
    public var meanInputTokens: Double
    public var meanOutputTokens: Double

    public init(arrivalRatePerMinute: Double, meanInputTokens: Double, meanOutputTokens: Double) {
        self.arrivalRatePerMinute = arrivalRatePerMinute
        self.meanInputTokens = meanInputTokens
        self.meanOutputTokens = meanOutputTokens
    }

    public var arrivalRatePerSecond: Double { arrivalRatePerMinute / 60 }
    public static let zero = Load(arrivalRatePerMinute: 0, meanInputTokens: 0, meanOutputTokens: 0)
}

/// What a server runs on now (input) or should run on (output), in the upstream shape.
public struct Allocation: Codable, Hashable, Sendable {
    /// Accelerator name; empty when the server has no replicas.
    public var accelerator: String
    public var replicas: Int
    public var batchLimit: Int
    public var cost: Double
    public var itlMilliseconds: Double
    public var ttftMilliseconds: Double
    public var load: Load

    public init(accelerator: String, replicas: Int, batchLimit: Int = 0, cost: Double = 0,
                itlMilliseconds: Double = 0, ttftMilliseconds: Double = 0, load: Load = .zero) {
        self.accelerator = accelerator
        self.replicas = replicas
        self.batchLimit = batchLimit
        self.cost = cost
        self.itlMilliseconds = itlMilliseconds
        self.ttftMilliseconds = ttftMilliseconds
        self.load = load
    }
}

/// A model served in a service class: one deployment (variant) to size and place.
public struct Server: Codable, Hashable, Sendable {
    public var name: String
    public var serviceClass: String
    public var model: String
    public var load: Load
    /// What runs now; `nil` when nothing does. Drives transition penalties and `keepAccelerator`.
    public var current: Allocation?
    public var minReplicas: Int
    public var maxReplicas: Int?
    /// Overrides the profile's batch limit when set.
    public var maxBatchSizeOverride: Int?
    /// Restricts the server to the accelerator of ``current``.
    public var keepAccelerator: Bool
    /// Set when the server is one model served by several variants (a Deployment per accelerator): its replicas
    /// may then be split over these accelerators, as in heterogeneous mode but for this server alone, each
    /// within its variant's bounds (docs/optimizer.md, "One model, several variants"). `nil`: one placement.
    public var variants: [VariantBounds]?

    public init(name: String, serviceClass: String, model: String, load: Load, current: Allocation? = nil,
                minReplicas: Int = 0, maxReplicas: Int? = nil, maxBatchSizeOverride: Int? = nil,
                keepAccelerator: Bool = false, variants: [VariantBounds]? = nil) {
        self.name = name
        self.serviceClass = serviceClass
        self.model = model
        self.load = load
        self.current = current
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.maxBatchSizeOverride = maxBatchSizeOverride
        self.keepAccelerator = keepAccelerator
        self.variants = variants
    }

    /// The bounds of the variant on `accelerator`, when the server has variants.
    public func variant(on accelerator: String) -> VariantBounds? { variants?.first { $0.accelerator == accelerator } }
}

/// One variant of a model planned across several: the accelerator its Deployment runs on, the replicas it has
/// now (a variant with none pays the transition penalty for each new replica) and the replicas it may have.
public struct VariantBounds: Codable, Hashable, Sendable {
    public var accelerator: String
    public var currentReplicas: Int
    public var minReplicas: Int
    public var maxReplicas: Int?

    public init(accelerator: String, currentReplicas: Int, minReplicas: Int = 0, maxReplicas: Int? = nil) {
        self.accelerator = accelerator
        self.currentReplicas = currentReplicas
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
    }

    /// Cost per replica charged by the cost stage: the transition penalty's share for a variant started anew.
    public func valuePerReplica(costPerReplica: Double) -> Double {
        currentReplicas > 0 ? costPerReplica : (1 + acceleratorChangePenaltyFactor) * costPerReplica
    }
}
