import InfernoControl
import InfernoFormats

/// An object of a known resource, with the fields the controller uses. Decoding ignores the others, so write
/// such a value back only for objects the controller owns (Leases); to change part of someone else's object,
/// work on its `JSONValue` tree (`KubernetesClient.getObject`, `replaceObject`) or send a merge patch.
package protocol KubernetesObject: Codable, Sendable {
    static var resource: KubeResource { get }
    var metadata: ObjectMeta { get set }
}

/// `metav1.ObjectMeta`, the parts used here.
package struct ObjectMeta: Codable, Sendable, Hashable {
    package var name: String
    package var namespace: String?
    package var labels: [String: String]?
    package var annotations: [String: String]?
    package var resourceVersion: String?
    package var uid: String?
    package var generation: Int?
    package var creationTimestamp: String?

    package init(name: String, namespace: String? = nil, labels: [String: String]? = nil, resourceVersion: String? = nil) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.resourceVersion = resourceVersion
    }

    /// `namespace/name`, or `name` for cluster-scoped objects.
    package var reference: String { namespace.map { "\($0)/\(name)" } ?? name }
}

/// A list response: the items and the collection's resourceVersion.
package struct KubeList<Item: Decodable & Sendable>: Decodable, Sendable {
    package struct ListMeta: Decodable, Sendable { var resourceVersion: String? }
    package var metadata: ListMeta?
    package var items: [Item]

    private enum CodingKeys: String, CodingKey { case metadata, items }
    package init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try c.decodeIfPresent(ListMeta.self, forKey: .metadata)
        items = try c.decodeIfPresent([Item].self, forKey: .items) ?? []   // Go writes `null` for empty lists
    }
    package init(items: [Item], resourceVersion: String?) {
        self.items = items
        self.metadata = ListMeta(resourceVersion: resourceVersion)
    }
}

/// `metav1.Condition`.
package struct KubeCondition: Codable, Sendable, Hashable {
    package var type: String
    /// `True`, `False` or `Unknown`.
    package var status: String
    package var reason: String
    package var message: String
    /// RFC 3339, seconds.
    package var lastTransitionTime: String
    package var observedGeneration: Int?
}

/// `apps/v1` Deployment: replicas only (scaled through its `scale` subresource).
package struct Deployment: KubernetesObject {
    package static let resource = KubeResource.deployments
    package struct Spec: Codable, Sendable, Hashable {
        package var replicas: Int?
        /// Which pods are the Deployment's: `matchLabels` is what a variant's load is measured over.
        package var selector: LabelSelector?
    }
    package struct LabelSelector: Codable, Sendable, Hashable { package var matchLabels: [String: String]? }
    package struct Status: Codable, Sendable, Hashable {
        package var replicas: Int?
        package var readyReplicas: Int?
        package var availableReplicas: Int?
        package var updatedReplicas: Int?
    }
    package var apiVersion: String? = "apps/v1"
    package var kind: String? = "Deployment"
    package var metadata: ObjectMeta
    package var spec: Spec?
    package var status: Status?
}

/// `autoscaling/v1` Scale, the `scale` subresource of Deployments.
package struct Scale: Codable, Sendable, Hashable {
    package struct Spec: Codable, Sendable, Hashable { var replicas: Int? }
    package struct Status: Codable, Sendable, Hashable {
        package var replicas: Int
        package var selector: String?
    }
    package var apiVersion: String? = "autoscaling/v1"
    package var kind: String? = "Scale"
    package var metadata: ObjectMeta
    package var spec: Spec?
    package var status: Status?
}

/// `v1` Node: labels (GPU product and memory) and allocatable resources (GPU counts).
package struct KubeNode: KubernetesObject {
    package static let resource = KubeResource.nodes
    package struct Status: Codable, Sendable, Hashable {
        /// Quantities as strings (`"2"`, `"16Gi"`).
        package var allocatable: [String: String]?
        package var capacity: [String: String]?
    }
    package var apiVersion: String? = "v1"
    package var kind: String? = "Node"
    package var metadata: ObjectMeta
    package var status: Status?
}

/// `v1` ConfigMap.
package struct ConfigMap: KubernetesObject {
    package static let resource = KubeResource.configMaps
    package var apiVersion: String? = "v1"
    package var kind: String? = "ConfigMap"
    package var metadata: ObjectMeta
    package var data: [String: String]?
}

/// `coordination.k8s.io/v1` Lease, for leader election.
package struct Lease: KubernetesObject {
    package static let resource = KubeResource.leases
    package struct Spec: Codable, Sendable, Hashable {
        package var holderIdentity: String?
        package var leaseDurationSeconds: Int?
        /// `metav1.MicroTime`: RFC 3339 with microseconds.
        package var acquireTime: String?
        package var renewTime: String?
        package var leaseTransitions: Int?
    }
    package var apiVersion: String? = "coordination.k8s.io/v1"
    package var kind: String? = "Lease"
    package var metadata: ObjectMeta
    package var spec: Spec?
}
