import InfernoMIP

/// What the controller decided for one variant in one cycle.
struct VariantDecision: Sendable {
    enum Action: Sendable, Equatable {
        /// Scale the Deployment from `current` to `desired` (equal means nothing to do).
        case scale
        /// Keep the replicas as they are, for the reason given (missing metrics, invalid spec, …).
        case hold(String)
    }

    var variant: VariantObservation
    var load: LoadObservation
    var action: Action
    /// Replicas the Deployment has now, 0 when unknown.
    var current: Int
    /// Replicas wanted after stabilisation (equal to `current` when holding).
    var desired: Int
    /// What the optimizer asked for before stabilisation.
    var optimized: Int?
    var accelerator: String
    var batchLimit: Int?
    var predictedITL: Double?
    var predictedTTFT: Double?
    /// Why the desired count is what it is (`optimized`, `stabilisation window`, `capacity`…).
    var reason: String
    /// Whether the SLOs are predicted to be met at `optimized` replicas.
    var fullyServed: Bool
    var serviceClass: String?
    var priority: Int?
    /// The arrival rate sized for when a rising trend was extrapolated above the measured one, per minute.
    var plannedRatePerMinute: Double?
    /// For a model with several variants: the share of the model's demand this variant was planned to carry.
    var plannedShare: Double? = nil
    /// For a model with several variants: requests per second one replica of this variant serves within the SLOs.
    var ratePerReplica: Double? = nil
    /// The model had no requests for the whole retention window: the scale to its floor is not stabilised again
    /// (the retention window already was the damping).
    var idle = false
}

/// What acting on a decision did.
enum ActuationOutcome: Sendable, Equatable {
    case unchanged
    case scaled(from: Int, to: Int)
    /// Only published for HPA/KEDA (`--actuation=metrics`).
    case published
    case failed(String)
}

/// Changes the cluster and records what was decided: Kubernetes or the simulation.
protocol Actuator: Sendable {
    /// Scales the Deployments of `decisions` whose action is `.scale` (or only publishes, per configuration).
    func apply(_ decisions: [VariantDecision]) async -> [VariantID: ActuationOutcome]
    /// Records the cycle on each variant (status, conditions) and publishes metrics for every variant,
    /// also when nothing changed.
    func record(_ decisions: [VariantDecision], outcomes: [VariantID: ActuationOutcome], at time: Double) async
}
