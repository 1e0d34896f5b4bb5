import InfernoMIP

/// A variant: one Deployment of one model on one accelerator, autoscaled through its VariantAutoscaling.
package struct VariantID: Hashable, Comparable, Sendable, CustomStringConvertible {
    package var namespace: String
    package var name: String
    package static func < (a: VariantID, b: VariantID) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }
    package var description: String { "\(namespace)/\(name)" }

    package init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }
}

/// What the controller knows of one variant before looking at its load.
package struct VariantObservation: Sendable {
    package var id: VariantID
    /// Model name as the metrics label it (`model_name`).
    package var modelID: String
    /// Accelerator the Deployment runs on (a key of the cost ConfigMap).
    package var accelerator: String
    /// Performance of the model per accelerator, from the VariantAutoscaling spec.
    package var profiles: [ModelProfile]
    package var minReplicas: Int
    package var maxReplicas: Int?
    /// The Deployment scaled for this variant.
    package var scaleTarget: String
    /// Replicas the Deployment asks for now; `nil` when it could not be read (then nothing is changed).
    package var currentReplicas: Int?
    package var readyReplicas: Int?
    /// Set when the resource cannot be used as it is (then it is reported and skipped).
    package var invalidReason: String?
    /// The batch limit the server is configured with (vLLM `--max-num-seqs`), from the VariantAutoscaling: used as
    /// the server's override, as upstream does. `nil` bounds the batch by the profile's memory rule.
    package var batchLimitOverride: Int? = nil

    package init(id: VariantID, modelID: String, accelerator: String, profiles: [ModelProfile], minReplicas: Int,
                 maxReplicas: Int? = nil, scaleTarget: String, currentReplicas: Int? = nil,
                 readyReplicas: Int? = nil, invalidReason: String? = nil, batchLimitOverride: Int? = nil) {
        self.id = id
        self.modelID = modelID
        self.accelerator = accelerator
        self.profiles = profiles
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.scaleTarget = scaleTarget
        self.currentReplicas = currentReplicas
        self.readyReplicas = readyReplicas
        self.invalidReason = invalidReason
        self.batchLimitOverride = batchLimitOverride
    }
}

/// Everything read from the cluster at the start of a cycle.
package struct ClusterObservation: Sendable {
    /// Sorted by namespace and name.
    package var variants: [VariantObservation]
    /// Accelerators with costs (cost ConfigMap), their `type` being the nodes' GPU product.
    package var accelerators: [Accelerator]
    /// Cards per GPU type (node inventory).
    package var capacity: Capacity
    package var serviceClasses: [ServiceClass]
    /// Facts worth a log line that did not stop the cycle.
    package var notes: [String] = []

    package init(variants: [VariantObservation], accelerators: [Accelerator], capacity: Capacity,
                 serviceClasses: [ServiceClass], notes: [String] = []) {
        self.variants = variants
        self.accelerators = accelerators
        self.capacity = capacity
        self.serviceClasses = serviceClasses
        self.notes = notes
    }
}

/// Reads the cluster: VariantAutoscalings, Deployments, nodes, ConfigMaps. Kubernetes or the simulation.
package protocol ClusterSource: Sendable {
    func observe() async throws -> ClusterObservation
}

/// The load a variant carries, as measured over the last window.
package struct VariantLoad: Sendable, Hashable {
    package var arrivalRatePerMinute: Double
    package var meanInputTokens: Double
    package var meanOutputTokens: Double
    /// Observed latencies, ms, when the server reports them.
    package var itlMilliseconds: Double?
    package var ttftMilliseconds: Double?

    package init(arrivalRatePerMinute: Double, meanInputTokens: Double, meanOutputTokens: Double,
                 itlMilliseconds: Double? = nil, ttftMilliseconds: Double? = nil) {
        self.arrivalRatePerMinute = arrivalRatePerMinute
        self.meanInputTokens = meanInputTokens
        self.meanOutputTokens = meanOutputTokens
        self.itlMilliseconds = itlMilliseconds
        self.ttftMilliseconds = ttftMilliseconds
    }
}

/// A load measurement or why there is none. Missing data is never zero load.
package enum LoadObservation: Sendable, Hashable {
    case available(VariantLoad)
    /// The series do not exist (yet) or are NaN.
    case missing(String)
    /// The newest sample is too old to act on.
    case stale(String)
    /// The metrics backend failed.
    case failed(String)

    package var load: VariantLoad? { if case .available(let l) = self { l } else { nil } }
    package var reason: String? {
        switch self {
        case .available: nil
        case .missing(let r), .stale(let r), .failed(let r): r
        }
    }
}

/// Measures variants' load: Prometheus or the simulation.
package protocol LoadSource: Sendable {
    func load(of variant: VariantObservation) async -> LoadObservation
}
