import Foundation
import InfernoControl
import InfernoMIP

/// One Kubernetes Event to record on a VariantAutoscaling: what the cycle decided or could not do, in words for
/// `kubectl describe va`. Pure values; `EventCorrelator` decides whether it becomes a new Event, a repeat of one,
/// or nothing.
package struct VariantEvent: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable { case normal = "Normal", warning = "Warning" }

    package var variant: VariantID
    package var type: Kind
    /// CamelCase, a fixed vocabulary (below), as Kubernetes' own reasons are.
    package var reason: String
    package var message: String

    package init(variant: VariantID, type: Kind, reason: String, message: String) {
        self.variant = variant
        self.type = type
        self.reason = reason
        self.message = message
    }

    /// The reasons this controller records.
    package enum Reason {
        package static let scaledUp = "ScaledUp"
        package static let scaledDown = "ScaledDown"
        /// `--actuation=metrics`: a new desired count is published for HPA/KEDA.
        package static let desiredReplicasPublished = "DesiredReplicasPublished"
        /// `--actuation=none`: the controller would have scaled.
        package static let scaleSkipped = "ScaleSkipped"
        package static let invalidConfiguration = "InvalidConfiguration"
        package static let scalingHeld = "ScalingHeld"
        package static let capacityShortfall = "CapacityShortfall"
        package static let solverFallback = "SolverFallback"
        // MetricsMissing, MetricsStale, PrometheusError (as the MetricsAvailable condition), and FailedGetScale,
        // FailedUpdateScale (`ScaleFailure`) are the others.
    }

    /// The Events of one variant's decision and what acting on it did. A steady state (nothing to scale, load
    /// read, SLOs met) records nothing, so that Events mark changes and trouble only.
    package static func events(for d: VariantDecision, outcome: ActuationOutcome) -> [VariantEvent] {
        let id = d.variant.id
        func e(_ type: Kind, _ reason: String, _ message: String) -> VariantEvent {
            VariantEvent(variant: id, type: type, reason: reason, message: message)
        }
        var out: [VariantEvent] = []
        let target = d.scaleTarget
        switch d.action {
        case .hold(let why):
            if let invalid = d.variant.invalidReason {
                out.append(e(.warning, Reason.invalidConfiguration, invalid))
            } else if d.variant.currentReplicas != nil, d.load.load == nil {
                out.append(e(.warning, VariantStatusBuilder.metricsCondition(d).reason, "holding \(d.current) replica(s): \(why)"))
            } else {
                out.append(e(.warning, Reason.scalingHeld, why))
            }
        case .scale:
            if !d.fullyServed {
                out.append(e(.warning, Reason.capacityShortfall,
                             "SLOs are not predicted to be met at \(target) replica(s) of \(d.accelerator): \(d.reason)"))
            }
        }
        switch outcome {
        case .scaled(let from, let to) where from != to:
            out.append(e(.normal, to > from ? Reason.scaledUp : Reason.scaledDown,
                         "scaled Deployment \(d.variant.scaleTarget) from \(from) to \(to): \(d.reason)"))
        case .published where d.action == .scale && target != d.current:
            out.append(e(.normal, Reason.desiredReplicasPublished,
                         "desired \(target) replica(s), current \(d.current), published for HPA/KEDA: \(d.reason)"))
        case .observed where d.action == .scale && target != d.current:
            out.append(e(.normal, Reason.scaleSkipped,
                         "observe-only: would scale Deployment \(d.variant.scaleTarget) from \(d.current) to \(target): \(d.reason)"))
        case .failed(let failure, let why):
            out.append(e(.warning, failure.rawValue, "cannot scale Deployment \(d.variant.scaleTarget) to \(target): \(why)"))
        default:
            break
        }
        return out
    }

    /// An Event for every variant of a cycle whose MIP fell back to the greedy answer.
    package static func solverFallback(_ diagnostics: SolverDiagnostics?, variants: [VariantID]) -> [VariantEvent] {
        guard let reason = diagnostics?.mip?.fallbackReason else { return [] }
        return variants.map {
            VariantEvent(variant: $0, type: .warning, reason: Reason.solverFallback,
                         message: "the MIP found no solution (\(reason)): the greedy answer was used")
        }
    }
}

extension VariantDecision {
    /// Replicas the decision puts on the Deployment (within bounds); the current count when holding.
    fileprivate var scaleTarget: Int { action == .scale ? targetReplicas : current }
}
