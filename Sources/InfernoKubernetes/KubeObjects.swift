/// An object of a known resource, with the fields the controller uses. Decoding ignores the others, so write
/// such a value back only for objects the controller owns (Leases); to change part of someone else's object,
/// work on its `KubeJSON` tree (`KubernetesClient.getObject`, `replaceObject`) or send a merge patch.
protocol KubernetesObject: Codable, Sendable {
    static var resource: KubeResource { get }
    var metadata: ObjectMeta { get set }
}

/// `metav1.ObjectMeta`, the parts used here.
struct ObjectMeta: Codable, Sendable, Hashable {
    var name: String
    var namespace: String?
    var labels: [String: String]?
    var annotations: [String: String]?
    var resourceVersion: String?
    var uid: String?
    var generation: Int?
    var creationTimestamp: String?

    init(name: String, namespace: String? = nil, labels: [String: String]? = nil, resourceVersion: String? = nil) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.resourceVersion = resourceVersion
    }

    /// `namespace/name`, or `name` for cluster-scoped objects.
    var reference: String { namespace.map { "\($0)/\(name)" } ?? name }
}

/// A list response: the items and the collection's resourceVersion.
struct KubeList<Item: Decodable & Sendable>: Decodable, Sendable {
    struct ListMeta: Decodable, Sendable { var resourceVersion: String? }
    var metadata: ListMeta?
    var items: [Item]

    private enum CodingKeys: String, CodingKey { case metadata, items }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try c.decodeIfPresent(ListMeta.self, forKey: .metadata)
        items = try c.decodeIfPresent([Item].self, forKey: .items) ?? []   // Go writes `null` for empty lists
    }
    init(items: [Item], resourceVersion: String?) {
        self.items = items
        self.metadata = ListMeta(resourceVersion: resourceVersion)
    }
}

/// `metav1.Condition`.
struct KubeCondition: Codable, Sendable, Hashable {
    var type: String
    /// `True`, `False` or `Unknown`.
    var status: String
    var reason: String
    var message: String
    /// RFC 3339, seconds.
    var lastTransitionTime: String
    var observedGeneration: Int?
}

/// `apps/v1` Deployment: replicas only (scaled through its `scale` subresource).
struct Deployment: KubernetesObject {
    static let resource = KubeResource.deployments
    struct Spec: Codable, Sendable, Hashable {
        var replicas: Int?
        /// Which pods are the Deployment's: `matchLabels` is what a variant's load is measured over.
        var selector: LabelSelector?
    }
    struct LabelSelector: Codable, Sendable, Hashable { var matchLabels: [String: String]? }
    struct Status: Codable, Sendable, Hashable {
        var replicas: Int?
        var readyReplicas: Int?
        var availableReplicas: Int?
        var updatedReplicas: Int?
    }
    var apiVersion: String? = "apps/v1"
    var kind: String? = "Deployment"
    var metadata: ObjectMeta
    var spec: Spec?
    var status: Status?
}

/// `autoscaling/v1` Scale, the `scale` subresource of Deployments.
struct Scale: Codable, Sendable, Hashable {
    struct Spec: Codable, Sendable, Hashable { var replicas: Int? }
    struct Status: Codable, Sendable, Hashable {
        var replicas: Int
        var selector: String?
    }
    var apiVersion: String? = "autoscaling/v1"
    var kind: String? = "Scale"
    var metadata: ObjectMeta
    var spec: Spec?
    var status: Status?
}

/// `v1` Node: labels (GPU product and memory) and allocatable resources (GPU counts).
struct KubeNode: KubernetesObject {
    static let resource = KubeResource.nodes
    struct Status: Codable, Sendable, Hashable {
        /// Quantities as strings (`"2"`, `"16Gi"`).
        var allocatable: [String: String]?
        var capacity: [String: String]?
    }
    var apiVersion: String? = "v1"
    var kind: String? = "Node"
    var metadata: ObjectMeta
    var status: Status?
}

/// `v1` ConfigMap.
struct ConfigMap: KubernetesObject {
    static let resource = KubeResource.configMaps
    var apiVersion: String? = "v1"
    var kind: String? = "ConfigMap"
    var metadata: ObjectMeta
    var data: [String: String]?
}

/// `coordination.k8s.io/v1` Lease, for leader election.
struct Lease: KubernetesObject {
    static let resource = KubeResource.leases
    struct Spec: Codable, Sendable, Hashable {
        var holderIdentity: String?
        var leaseDurationSeconds: Int?
        /// `metav1.MicroTime`: RFC 3339 with microseconds.
        var acquireTime: String?
        var renewTime: String?
        var leaseTransitions: Int?
    }
    var apiVersion: String? = "coordination.k8s.io/v1"
    var kind: String? = "Lease"
    var metadata: ObjectMeta
    var spec: Spec?
}
