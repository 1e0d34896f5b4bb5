import Foundation
import InfernoControl
import InfernoMIP
import Logging

/// Acts on a cycle's decisions in the cluster: scales Deployments through their `scale` subresource (or leaves
/// that to HPA/KEDA, `--actuation=metrics`, or to nobody, `--actuation=none`), then writes each VariantAutoscaling's status through the `status`
/// subresource. A failure on one variant is logged, lands in that variant's outcome and conditions, and never
/// stops the others.
package struct KubernetesActuator: Actuator {
    package enum Mode: String, Sendable, CaseIterable {
        /// Scale the Deployments.
        case scale
        /// Only publish the desired replicas (metrics hook), for HPA or KEDA to act on.
        case metrics
        /// Observe only: never write to a Deployment; status, Events, metrics and logs are recorded as usual, so
        /// that Inferno can be trialled beside the autoscaler that owns the replicas.
        case none
    }

    package var client: KubernetesClient
    package var mode: Mode
    /// Called every cycle with every decision (also unchanged and zero ones) and the outcomes: the metrics hook,
    /// shaped like `ControllerMetrics.emit(decisions:outcomes:)`. Desired replicas arrive within the variant's bounds.
    package var metricsSink: (@Sendable ([VariantDecision], [VariantID: ActuationOutcome]) -> Void)?
    /// Where the cost ConfigMap lives, to write `currentAlloc.variantCost`; nil to use only the spec's `variantCost`.
    package var configNamespace: String?
    package var costConfigMap = ClusterConfigMaps.costsName
    /// Where each cycle's Events go (`VariantEvent.events(for:outcome:)`); nil records none.
    package var events: KubernetesEventRecorder?
    package var logger = Logger(label: "inferno.kubernetes.actuator")

    package init(client: KubernetesClient, mode: Mode,
                 metricsSink: (@Sendable ([VariantDecision], [VariantID: ActuationOutcome]) -> Void)? = nil,
                 configNamespace: String? = nil, costConfigMap: String = ClusterConfigMaps.costsName,
                 events: KubernetesEventRecorder? = nil,
                 logger: Logger = Logger(label: "inferno.kubernetes.actuator")) {
        self.events = events
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
        if mode == .none { return .observed }
        let target = d.targetReplicas
        guard target != d.current else { return .unchanged }
        let v = d.variant
        do {
            let before = try await client.retryOnConflict { [client] in
                var scale: Scale
                do { scale = try await client.getScale(name: v.scaleTarget, namespace: v.id.namespace) }
                catch { throw ScaleCallError(failure: .getScale, underlying: error) }
                let before = scale.spec?.replicas ?? 0
                if before != target {
                    scale.spec = Scale.Spec(replicas: target)
                    do { _ = try await client.updateScale(scale) }
                    catch let conflict as KubernetesError where conflict.code == .conflict { throw conflict }  // retried
                    catch { throw ScaleCallError(failure: .updateScale, underlying: error) }
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
            let call = error as? ScaleCallError
            logger.warning("cannot scale deployment", metadata: [
                "variant": "\(v.id)", "deployment": "\(v.scaleTarget)", "to": "\(target)",
                "error": "\(call?.underlying ?? error)",
            ])
            return .failed(call?.failure ?? .updateScale, "\(call?.underlying ?? error)")
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
            let outcome = outcomes[d.variant.id] ?? .unchanged
            let uid = await writeStatus(d, outcome: outcome, costs: costs, now: now)
            guard let events else { continue }
            if let uid { await events.remember(uid: uid, for: d.variant.id) }
            await events.record(VariantEvent.events(for: d, outcome: outcome), at: time)
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

    /// Returns the VariantAutoscaling's uid when it was read.
    @discardableResult
    private func writeStatus(_ d: VariantDecision, outcome: ActuationOutcome, costs: [String: Double], now: Date) async -> String? {
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
            let uid = try await client.retryOnConflict { [client] in
                var va = try await client.getObject(.variantAutoscalings, name: v.id.name, namespace: v.id.namespace)
                let accCount = v.profiles.first { $0.accelerator == v.accelerator }?.acceleratorCount ?? 1
                let specCost = ClusterConfigMaps.number(va[path: "spec.variantCost"])
                let ctx = VariantStatusBuilder.Context(
                    outcome: outcome, previous: va["status"] ?? .null, generation: va[path: "metadata.generation"]?.int,
                    costPerReplica: costs[v.accelerator].map { $0 * Double(accCount) } ?? specCost,
                    replicasError: replicasError, now: now)
                va["status"] = VariantStatusBuilder.status(for: d, ctx)
                _ = try await client.replaceObject(.variantAutoscalings, va, subresource: "status")
                return va[path: "metadata.uid"]?.string
            }
            logger.debug("recorded status", metadata: ["variant": "\(v.id)"])
            return uid
        } catch {
            logger.warning("cannot record status", metadata: ["variant": "\(v.id)", "error": "\(error)"])
            return nil
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

/// A failed call of a scale, named, so that the outcome says which call failed. Conflicts pass through
/// `retryOnConflict` as the API's error they wrap.
private struct ScaleCallError: Error {
    var failure: ScaleFailure
    var underlying: any Error
}
