import Foundation
import InfernoControl
import InfernoFormats
import Logging

/// Writes `VariantEvent`s as core v1 Events on their VariantAutoscalings, through an `EventCorrelator`: a new
/// Event is created (POST), a repeat patches the existing one's `count`, `lastTimestamp` and message (merge
/// patch). An Event is a record, not a control path: a failed write is logged at debug level and never fails a
/// cycle. RBAC: `create` and `patch` on `events` in the variants' namespaces (deploy/rbac/cluster_role.yaml).
package actor KubernetesEventRecorder {
    package let client: KubernetesClient
    /// `source.component` and `reportingComponent`.
    package let component: String
    /// `reportingInstance` (the pod's name).
    package let instance: String
    private var correlator: EventCorrelator
    /// The VariantAutoscalings' uids, learned from the status writes: `kubectl describe` selects Events by it.
    private var uids: [VariantID: String] = [:]
    private let logger: Logger

    package init(client: KubernetesClient, component: String = "inferno-controller", instance: String,
                 correlator: EventCorrelator = EventCorrelator(),
                 logger: Logger = Logger(label: "inferno.kubernetes.events")) {
        self.client = client
        self.component = component
        self.instance = instance
        self.correlator = correlator
        self.logger = logger
    }

    package func remember(uid: String, for id: VariantID) { uids[id] = uid }

    package func record(_ events: [VariantEvent], at time: Double) async {
        for e in events { await record(e, at: time) }
    }

    private func record(_ e: VariantEvent, at time: Double) async {
        let stamp = KubeTime.string(Date(timeIntervalSince1970: time))
        switch correlator.correlate(e, at: time) {
        case .dropped:
            logger.debug("event rate-limited", metadata: ["variant": "\(e.variant)", "reason": "\(e.reason)"])
        case .create(let name, let message):
            await create(e, name: name, message: message, stamp: stamp)
        case .repeated(let name, let count, _, let message):
            do {
                _ = try await client.mergePatch(.events, name: name, namespace: e.variant.namespace, patch: [
                    "count": .number(Double(count)), "lastTimestamp": .string(stamp), "message": .string(message),
                ])
            } catch let error as KubernetesError where error.code == .notFound {
                // Expired on the server: start again with a new Event.
                correlator.forget(name: name)
                if case .create(let fresh, let message) = correlator.correlate(e, at: time) {
                    await create(e, name: fresh, message: message, stamp: stamp)
                }
            } catch {
                logger.debug("cannot record event", metadata: ["variant": "\(e.variant)", "error": "\(error)"])
            }
        }
    }

    private func create(_ e: VariantEvent, name: String, message: String, stamp: String) async {
        var involved: [String: JSONValue] = [
            "kind": .string(KubeResource.variantAutoscalings.kind),
            "apiVersion": .string(KubeResource.variantAutoscalings.apiVersion),
            "namespace": .string(e.variant.namespace), "name": .string(e.variant.name),
        ]
        if let uid = uids[e.variant] { involved["uid"] = .string(uid) }
        let event: JSONValue = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(name), "namespace": .string(e.variant.namespace)],
            "involvedObject": .object(involved),
            "type": .string(e.type.rawValue), "reason": .string(e.reason), "message": .string(message),
            "count": 1, "firstTimestamp": .string(stamp), "lastTimestamp": .string(stamp),
            "source": ["component": .string(component)],
            "reportingComponent": .string(component), "reportingInstance": .string(instance),
        ]
        do {
            _ = try await client.createObject(.events, event)
        } catch {
            logger.debug("cannot record event", metadata: ["variant": "\(e.variant)", "error": "\(error)"])
        }
    }
}
