import InfernoMIP

/// A variant: one Deployment of one model on one accelerator, autoscaled through its VariantAutoscaling.
struct VariantID: Hashable, Comparable, Sendable, CustomStringConvertible {
    var namespace: String
    var name: String
    static func < (a: VariantID, b: VariantID) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }
    var description: String { "\(namespace)/\(name)" }
}

/// What the controller knows of one variant before looking at its load.
struct VariantObservation: Sendable {
    var id: VariantID
    /// Model name as the metrics label it (`model_name`).
    var modelID: String
    /// Accelerator the Deployment runs on (a key of the cost ConfigMap).
    var accelerator: String
    /// Performance of the model per accelerator, from the VariantAutoscaling spec.
    var profiles: [ModelProfile]
    var minReplicas: Int
    var maxReplicas: Int?
    /// The Deployment scaled for this variant.
    var scaleTarget: String
    /// Replicas the Deployment asks for now; `nil` when it could not be read (then nothing is changed).
    var currentReplicas: Int?
    var readyReplicas: Int?
    /// Set when the resource cannot be used as it is (then it is reported and skipped).
    var invalidReason: String?
    /// The batch limit the server is configured with (vLLM `--max-num-seqs`), from the VariantAutoscaling: used as
    /// the server's override, as upstream does. `nil` bounds the batch by the profile's memory rule.
    var batchLimitOverride: Int? = nil
    /// An explicit model group (the VariantAutoscaling's `modelGroup`), for two pools of one model in one
    /// namespace that must be planned apart; `nil` groups by `modelID`.
    var modelGroup: String? = nil
    /// The `matchLabels` of the Deployment's selector: the variant's own pods, whose series its load is summed
    /// over (their labels reach the series through the scrape config, docs/reference.md). `nil` when unknown.
    var podSelector: [String: String]? = nil
    /// Whether other variants serve the same model: then its load must be measured over its own pods, never by
    /// `model_name` alone (that would count the other variants' load too).
    var sharesModel = false

    /// The model this variant serves a share of: its namespace and group (by default its `modelID`).
    var modelKey: ModelKey { ModelKey(namespace: id.namespace, name: modelGroup ?? modelID) }
}

/// One model in one namespace, served by all the variants with this key; planned once across them.
struct ModelKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    var namespace: String
    var name: String
    static func < (a: ModelKey, b: ModelKey) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }
    var description: String { "\(namespace)/\(name)" }
}

/// Everything read from the cluster at the start of a cycle.
struct ClusterObservation: Sendable {
    /// Sorted by namespace and name.
    var variants: [VariantObservation]
    /// Accelerators with costs (cost ConfigMap), their `type` being the nodes' GPU product.
    var accelerators: [Accelerator]
    /// Cards per GPU type (node inventory).
    var capacity: Capacity
    var serviceClasses: [ServiceClass]
    /// Facts worth a log line that did not stop the cycle.
    var notes: [String] = []
}

/// Reads the cluster: VariantAutoscalings, Deployments, nodes, ConfigMaps. Kubernetes or the simulation.
protocol ClusterSource: Sendable {
    func observe() async throws -> ClusterObservation
}

/// The load a variant carries, as measured over the last window.
struct VariantLoad: Sendable, Hashable {
    var arrivalRatePerMinute: Double
    /// Token means over the requests completed in the window; both 0 when none completed (unknown lengths).
    var meanInputTokens: Double
    var meanOutputTokens: Double
    /// Observed latencies, ms, when the server reports them.
    var itlMilliseconds: Double?
    var ttftMilliseconds: Double?
}

/// A load measurement or why there is none. Missing data is never zero load.
enum LoadObservation: Sendable, Hashable {
    case available(VariantLoad)
    /// The series do not exist (yet) or are NaN.
    case missing(String)
    /// The newest sample is too old to act on.
    case stale(String)
    /// The metrics backend failed.
    case failed(String)

    var load: VariantLoad? { if case .available(let l) = self { l } else { nil } }
    var reason: String? {
        switch self {
        case .available: nil
        case .missing(let r), .stale(let r), .failed(let r): r
        }
    }
}

/// Measures variants' load: Prometheus or the simulation.
protocol LoadSource: Sendable {
    func load(of variant: VariantObservation) async -> LoadObservation
    /// Requests per minute for `model` that reached its gateway but no variant's pod (queued there, or dropped
    /// for want of a ready replica): demand the variants' own series cannot show. `nil` when not measured.
    func unservedDemand(of model: ModelKey, variants: [VariantObservation]) async -> Double?
}

extension LoadSource {
    func unservedDemand(of model: ModelKey, variants: [VariantObservation]) async -> Double? { nil }
}
