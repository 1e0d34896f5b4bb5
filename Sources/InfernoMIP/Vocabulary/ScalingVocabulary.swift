/// The controller's fixed vocabularies for what it decided and what failed, so that metric labels and condition
/// reasons are chosen from cases, not by matching the free-text messages they accompany.

/// Why a variant's desired replica count is what it is: the `reason` label of the scaling metric. A small fixed
/// set (free-text reasons would explode the series count); ``rawValue`` is the label.
public enum ScalingReason: String, Sendable, Hashable, CaseIterable {
    /// The optimizer's count, SLOs met.
    case optimized
    /// The optimizer's count, capacity short: SLOs not met.
    case bestEffort = "best_effort"
    /// A scale-down limited by the stabilisation window.
    case stabilization
    /// Replicas released so that the fleet fits its capacity.
    case capacity

    /// The reason of one decision. A release for capacity outranks the window that held the count, which outranks
    /// the optimizer's own verdict.
    public init(releasedForCapacity: Bool, heldByStabilization: Bool, fullyServed: Bool) {
        if releasedForCapacity { self = .capacity }
        else if heldByStabilization { self = .stabilization }
        else { self = fullyServed ? .optimized : .bestEffort }
    }
}

/// Which call of a scale (read, then update, of a workload's `scale` subresource) failed. ``rawValue`` is the
/// reason of the `AbleToScale` condition.
public enum ScaleFailure: String, Sendable, Hashable, CaseIterable {
    case getScale = "FailedGetScale"
    case updateScale = "FailedUpdateScale"
}
