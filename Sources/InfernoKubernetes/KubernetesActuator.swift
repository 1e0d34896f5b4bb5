import Foundation
import InfernoControl
import Logging

/// Acts on a cycle's decisions in the cluster: scales Deployments through their `scale` subresource (or leaves
/// that to HPA/KEDA, `--actuation=metrics`), then writes each VariantAutoscaling's status through the `status`
/// subresource. A failure on one variant is logged, lands in that variant's outcome and conditions, and never
/// stops the others.
package struct KubernetesActuator: Actuator {
    package enum Mode: String, Sendable, CaseIterable {
        /// Scale the Deployments.
        case scale
        /// Only publish the desired replicas (metrics hook), for HPA or KEDA to act on.
        case metrics
    }

    package var client: KubernetesClient
    package var mode: Mode
    /// Called every cycle with every decision (also unchanged and zero ones) and the outcomes: the metrics hook,
    /// shaped like `ControllerMetrics.emit(decisions:outcomes:)`. Desired replicas arrive within the variant's bounds.
    package var metricsSink: (@Sendable ([VariantDecision], [VariantID: ActuationOutcome]) -> Void)?
    /// Where the cost ConfigMap lives, to write `currentAlloc.variantCost`; nil to use only the spec's `variantCost`.
    package var configNamespace: String?
    package var costConfigMap = ClusterConfigMaps.costsName
    package var logger = Logger(label: "inferno.kubernetes.actuator")

    package init(client: KubernetesClient, mode: Mode,
                 metricsSink: (@Sendable ([VariantDecision], [VariantID: ActuationOutcome]) -> Void)? = nil,
                 configNamespace: String? = nil, costConfigMap: String = ClusterConfigMaps.costsName,
                 logger: Logger = Logger(label: "inferno.kubernetes.actuator")) {
        self.client = client
        self.mode = mode
        self.metricsSink = metricsSink
        self.configNamespace = configNamespace
        self.costConfigMap = costConfigMap
        self.logger = logger
    }

    package func apply(_ decisions: [VariantDecision]) async -> [VariantID: ActuationOutcome] {
        var outcomes: [VariantID: ActuationOutcome] = [:]
        for d in decisions { outcomes[d.variant.id] = await apply(d) }
        return outcomes
    }

    private func apply(_ d: VariantDecision) async -> ActuationOutcome {
        guard d.action == .scale, d.variant.currentReplicas != nil else { return .unchanged }
        if mode == .metrics { return .published }
        let target = d.targetReplicas
        guard target != d.current else { return .unchanged }
        let v = d.variant
        do {
            let before = try await client.retryOnConflict { [client] in
                var scale = try await client.getScale(name: v.scaleTarget, namespace: v.id.namespace)
                let before = scale.spec?.replicas ?? 0
                if before != target {
                    scale.spec = Scale.Spec(replicas: target)
                    _ = try await client.updateScale(scale)
                }
                return before
            }
            guard before != target else { return .unchanged }
            logger.info("scaled deployment", metadata: [
                "variant": "\(v.id)", "deployment": "\(v.scaleTarget)", "from": "\(before)", "to": "\(target)",
                "reason": "\(d.reason)",
            ])
            return .scaled(from: before, to: target)
        } catch {
            logger.warning("cannot scale deployment", metadata: [
                "variant": "\(v.id)", "deployment": "\(v.scaleTarget)", "to": "\(target)", "error": "\(error)",
            ])
            return .failed("\(error)")
        }
    }

    package func record(_ decisions: [VariantDecision], outcomes: [VariantID: ActuationOutcome], at time: Double) async {
        // What is published is what is acted on: within minReplicas/maxReplicas, as the Deployment is scaled.
        metricsSink?(decisions.map { d in
            var bounded = d
            if d.action == .scale { bounded.desired = d.targetReplicas }
            return bounded
        }, outcomes)
        let now = Date(timeIntervalSince1970: time)
        let costs = await acceleratorCosts()
        for d in decisions {
            await writeStatus(d, outcome: outcomes[d.variant.id] ?? .unchanged, costs: costs, now: now)
        }
    }

    /// Cost per accelerator, by name; empty when not configured or unreadable (then the spec's `variantCost`).
    private func acceleratorCosts() async -> [String: Double] {
        guard let ns = configNamespace else { return [:] }
        do {
            let cm = try await client.get(ConfigMap.self, name: costConfigMap, namespace: ns)
            let accelerators = ClusterConfigMaps.accelerators(from: cm.data ?? [:]).accelerators
            return Dictionary(accelerators.map { ($0.name, $0.costPerHour) }, uniquingKeysWith: { a, _ in a })
        } catch {
            logger.debug("no accelerator costs for the status", metadata: ["error": "\(error)"])
            return [:]
        }
    }

    private func writeStatus(_ d: VariantDecision, outcome: ActuationOutcome, costs: [String: Double], now: Date) async {
        let v = d.variant
        // Why the replicas are unknown: read the Deployment again for the API's own words.
        let replicasError: String? = await {
            guard v.currentReplicas == nil, v.invalidReason == nil else { return nil }
            do {
                _ = try await client.get(Deployment.self, name: v.scaleTarget, namespace: v.id.namespace)
                return nil
            } catch {
                return "\(error)"
            }
        }()
        do {
            try await client.retryOnConflict { [client] in
                var va = try await client.getObject(.variantAutoscalings, name: v.id.name, namespace: v.id.namespace)
                let accCount = v.profiles.first { $0.accelerator == v.accelerator }?.acceleratorCount ?? 1
                let specCost = ClusterConfigMaps.number(va[path: "spec.variantCost"])
                let ctx = VariantStatusBuilder.Context(
                    outcome: outcome, previous: va["status"] ?? .null, generation: va[path: "metadata.generation"]?.int,
                    costPerReplica: costs[v.accelerator].map { $0 * Double(accCount) } ?? specCost,
                    replicasError: replicasError, now: now)
                va["status"] = VariantStatusBuilder.status(for: d, ctx)
                _ = try await client.replaceObject(.variantAutoscalings, va, subresource: "status")
            }
            logger.debug("recorded status", metadata: ["variant": "\(v.id)"])
        } catch {
            logger.warning("cannot record status", metadata: ["variant": "\(v.id)", "error": "\(error)"])
        }
    }
}

extension VariantDecision {
    /// Replicas the decision asks for, within the variant's bounds: never below `minReplicas`.
    package var targetReplicas: Int {
        var n = max(desired, variant.minReplicas)
        if let maxReplicas = variant.maxReplicas { n = min(n, max(maxReplicas, variant.minReplicas)) }
        return n
    }
}
