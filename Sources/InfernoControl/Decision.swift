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
    /// For a model with several variants: the share of the model's demand this variant was planned to carry.
    package var plannedShare: Double? = nil
    /// For a model with several variants: requests per second one replica of this variant serves within the SLOs.
    package var ratePerReplica: Double? = nil
    /// The model had no requests for the whole retention window: the scale to its floor is not stabilised again
    /// (the retention window already was the damping).
    package var idle = false
    /// Set by the Stabilizer when the scale-down window held the count above the optimizer's.
    package var heldByStabilization = false
    /// Set by the Stabilizer when held replicas were released so that the fleet fits its capacity.
    package var releasedForCapacity = false
    /// Why the MIP failed this cycle, when the allocation is the greedy answer it fell back to (status, logs).
    package var solverFallback: String? = nil
    /// The variant's profile estimate after this cycle's measurement, when tuning is on.
    package var tuning: TuningStatus? = nil

    /// The `reason` label of this decision (a small fixed vocabulary, not the free text of ``reason``).
    package var scalingReason: ScalingReason {
        ScalingReason(releasedForCapacity: releasedForCapacity, heldByStabilization: heldByStabilization,
                      fullyServed: fullyServed)
    }

    package init(variant: VariantObservation, load: LoadObservation, action: Action, current: Int, desired: Int,
                 optimized: Int? = nil, accelerator: String, batchLimit: Int? = nil, predictedITL: Double? = nil,
                 predictedTTFT: Double? = nil, reason: String, fullyServed: Bool, serviceClass: String? = nil,
                 priority: Int? = nil, plannedRatePerMinute: Double? = nil, plannedShare: Double? = nil,
                 ratePerReplica: Double? = nil, idle: Bool = false) {
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
        self.plannedShare = plannedShare
        self.ratePerReplica = ratePerReplica
        self.idle = idle
    }
}

/// What acting on a decision did.
package enum ActuationOutcome: Sendable, Equatable {
    case unchanged
    case scaled(from: Int, to: Int)
    /// Only published for HPA/KEDA (`--actuation=metrics`).
    case published
    /// Decided and recorded, deliberately not acted on (`--actuation=none`, observe-only).
    case observed
    /// The call that failed (read or update of the scale subresource) and the API's words.
    case failed(ScaleFailure, String)
}

/// Changes the cluster and records what was decided: Kubernetes or the simulation.
package protocol Actuator: Sendable {
    /// Scales the Deployments of `decisions` whose action is `.scale` (or only publishes, per configuration).
    func apply(_ decisions: [VariantDecision]) async -> [VariantID: ActuationOutcome]
    /// Records the cycle on each variant (status, conditions) and publishes metrics for every variant,
    /// also when nothing changed.
    func record(_ decisions: [VariantDecision], outcomes: [VariantID: ActuationOutcome], at time: Double) async
}
