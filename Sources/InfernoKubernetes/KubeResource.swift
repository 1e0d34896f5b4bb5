import Foundation

/// Where a kind of object lives in the REST API.
struct KubeResource: Hashable, Sendable, CustomStringConvertible {
    /// API group; empty for the core group (`/api/v1`).
    var group: String
    var version: String
    /// Plural resource name used in paths (`variantautoscalings`).
    var plural: String
    var kind: String
    var namespaced: Bool

    var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// `deployments.apps`, `variantautoscalings.llmd.ai`, `nodes`: how the API names it in messages.
    var description: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// Path of the collection (all namespaces when `namespace` is nil) or of one object and its subresource.
    func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var p = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { p += "/namespaces/\(Self.escape(namespace))" }
        p += "/\(plural)"
        if let name { p += "/\(Self.escape(name))" }
        if let subresource { p += "/\(subresource)" }
        return p
    }

    /// Names are DNS labels in practice; escape anything else rather than trust it.
    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .kubePathSegment) ?? segment
    }

    static let variantAutoscalings = KubeResource(group: "llmd.ai", version: "v1alpha1", plural: "variantautoscalings",
                                                  kind: "VariantAutoscaling", namespaced: true)
    static let deployments = KubeResource(group: "apps", version: "v1", plural: "deployments", kind: "Deployment",
                                          namespaced: true)
    static let nodes = KubeResource(group: "", version: "v1", plural: "nodes", kind: "Node", namespaced: false)
    static let configMaps = KubeResource(group: "", version: "v1", plural: "configmaps", kind: "ConfigMap",
                                         namespaced: true)
    static let leases = KubeResource(group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease",
                                     namespaced: true)
}

extension CharacterSet {
    static let kubePathSegment: CharacterSet = {
        var s = CharacterSet.alphanumerics
        s.insert(charactersIn: "-._~:@")
        return s
    }()
}
