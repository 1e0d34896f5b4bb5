import InfernoMIP

/// What the controller decided for one variant in one cycle.
package struct VariantDecision: Sendable {
    package enum Action: Sendable, Equatable {
        /// Scale the Deployment from `current` to `desired` (equal means nothing to do).
        case scale
        /// Keep the replicas as they are, for the reason given (missing metrics, invalid spec, …).
        case hold(String)
    }

    package var variant: VariantObservation
    package var load: LoadObservation
    package var action: Action
    /// Replicas the Deployment has now, 0 when unknown.
    package var current: Int
    /// Replicas wanted after stabilisation (equal to `current` when holding).
    package var desired: Int
    /// What the optimizer asked for before stabilisation.
    package var optimized: Int?
    package var accelerator: String
    package var batchLimit: Int?
    package var predictedITL: Double?
    package var predictedTTFT: Double?
    /// Why the desired count is what it is (`optimized`, `stabilisation window`, `capacity`…).
    package var reason: String
    /// Whether the SLOs are predicted to be met at `optimized` replicas.
    package var fullyServed: Bool
    package var serviceClass: String?
    package var priority: Int?
    /// The arrival rate sized for when a rising trend was extrapolated above the measured one, per minute.
    package var plannedRatePerMinute: Double?

    package init(variant: VariantObservation, load: LoadObservation, action: Action, current: Int, desired: Int,
                 optimized: Int? = nil, accelerator: String, batchLimit: Int? = nil, predictedITL: Double? = nil,
                 predictedTTFT: Double? = nil, reason: String, fullyServed: Bool, serviceClass: String? = nil,
                 priority: Int? = nil, plannedRatePerMinute: Double? = nil) {
        self.variant = variant
        self.load = load
        self.action = action
        self.current = current
        self.desired = desired
        self.optimized = optimized
        self.accelerator = accelerator
        self.batchLimit = batchLimit
        self.predictedITL = predictedITL
        self.predictedTTFT = predictedTTFT
        self.reason = reason
        self.fullyServed = fullyServed
        self.serviceClass = serviceClass
        self.priority = priority
        self.plannedRatePerMinute = plannedRatePerMinute
    }
}

/// What acting on a decision did.
package enum ActuationOutcome: Sendable, Equatable {
    case unchanged
    case scaled(from: Int, to: Int)
    /// Only published for HPA/KEDA (`--actuation=metrics`).
    case published
    case failed(String)
}

/// Changes the cluster and records what was decided: Kubernetes or the simulation.
package protocol Actuator: Sendable {
    /// Scales the Deployments of `decisions` whose action is `.scale` (or only publishes, per configuration).
    func apply(_ decisions: [VariantDecision]) async -> [VariantID: ActuationOutcome]
    /// Records the cycle on each variant (status, conditions) and publishes metrics for every variant,
    /// also when nothing changed.
    func record(_ decisions: [VariantDecision], outcomes: [VariantID: ActuationOutcome], at time: Double) async
}
