import Foundation
import InfernoControl

/// Where a kind of object lives in the REST API.
package struct KubeResource: Hashable, Sendable, CustomStringConvertible {
    /// API group; empty for the core group (`/api/v1`).
    package var group: String
    package var version: String
    /// Plural resource name used in paths (`variantautoscalings`).
    package var plural: String
    package var kind: String
    package var namespaced: Bool

    package var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// `deployments.apps`, `variantautoscalings.llmd.ai`, `nodes`: how the API names it in messages.
    package var description: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// Path of the collection (all namespaces when `namespace` is nil) or of one object and its subresource.
    package func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var p = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { p += "/namespaces/\(Self.escape(namespace))" }
        p += "/\(plural)"
        if let name { p += "/\(Self.escape(name))" }
        if let subresource { p += "/\(subresource)" }
        return p
    }

    /// Names are DNS labels in practice; escape anything else rather than trust it.
    package static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .kubePathSegment) ?? segment
    }

    package static let variantAutoscalings = KubeResource(group: "llmd.ai", version: "v1alpha1", plural: "variantautoscalings",
                                                  kind: "VariantAutoscaling", namespaced: true)
    package static let deployments = KubeResource(group: "apps", version: "v1", plural: "deployments", kind: "Deployment",
                                          namespaced: true)
    package static let nodes = KubeResource(group: "", version: "v1", plural: "nodes", kind: "Node", namespaced: false)
    package static let configMaps = KubeResource(group: "", version: "v1", plural: "configmaps", kind: "ConfigMap",
                                         namespaced: true)
    package static let leases = KubeResource(group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease",
                                     namespaced: true)
}

extension CharacterSet {
    package static let kubePathSegment: CharacterSet = {
        var s = CharacterSet.alphanumerics
        s.insert(charactersIn: "-._~:@")
        return s
    }()
}
