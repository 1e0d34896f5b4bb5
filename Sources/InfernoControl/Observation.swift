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
    /// An explicit model group (the VariantAutoscaling's `modelGroup`), for two pools of one model in one
    /// namespace that must be planned apart; `nil` groups by `modelID`.
    package var modelGroup: String? = nil
    /// The `matchLabels` of the Deployment's selector: the variant's own pods, whose series its load is summed
    /// over (their labels reach the series through the scrape config, docs/reference.md). `nil` when unknown.
    package var podSelector: [String: String]? = nil
    /// Whether other variants serve the same model: then its load must be measured over its own pods, never by
    /// `model_name` alone (that would count the other variants' load too).
    package var sharesModel = false
    /// The profile estimate the variant's status carried when read (a restarted controller resumes from it).
    package var savedTuning: TuningStatus? = nil

    package init(id: VariantID, modelID: String, accelerator: String, profiles: [ModelProfile], minReplicas: Int,
                 maxReplicas: Int? = nil, scaleTarget: String, currentReplicas: Int? = nil,
                 readyReplicas: Int? = nil, invalidReason: String? = nil, batchLimitOverride: Int? = nil,
                 modelGroup: String? = nil, podSelector: [String: String]? = nil, sharesModel: Bool = false) {
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
        self.modelGroup = modelGroup
        self.podSelector = podSelector
        self.sharesModel = sharesModel
    }

    /// The model this variant serves a share of: its namespace and group (by default its `modelID`).
    package var modelKey: ModelKey { ModelKey(namespace: id.namespace, name: modelGroup ?? modelID) }
}

/// One model in one namespace, served by all the variants with this key; planned once across them.
package struct ModelKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    package var namespace: String
    package var name: String
    package init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }
    package static func < (a: ModelKey, b: ModelKey) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }
    package var description: String { "\(namespace)/\(name)" }
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
    /// Token means over the requests completed in the window; both 0 when none completed (unknown lengths).
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
    /// Requests per minute for `model` that reached its gateway but no variant's pod (queued there, or dropped
    /// for want of a ready replica): demand the variants' own series cannot show. `nil` when not measured.
    func unservedDemand(of model: ModelKey, variants: [VariantObservation]) async -> Double?
}

extension LoadSource {
    package func unservedDemand(of model: ModelKey, variants: [VariantObservation]) async -> Double? { nil }
}
