import Foundation
import InfernoControl
import InfernoFormats
import InfernoHTTP
import InfernoKubernetes
import InfernoPrometheus
import InfernoSimulation

/// A printer column as a CRD's `additionalPrinterColumns` declares it.
package struct FakePrinterColumn: Sendable {
    package var name: String
    /// `string`, `integer`, `number`, `boolean`, `date`.
    package var type: String
    package var jsonPath: String
    package var description = ""

    package init(name: String, type: String, jsonPath: String, description: String = "") {
        self.name = name
        self.type = type
        self.jsonPath = jsonPath
        self.description = description
    }
}

/// A kind of object the fake API server serves, with what discovery says about it.
package struct FakeResourceType: Sendable {
    package var resource: KubeResource
    package var singular: String
    package var shortNames: [String] = []
    package var hasStatus = false
    package var hasScale = false
    /// A custom resource: updates must carry a resourceVersion, tables come from the printer columns.
    package var isCustom = false
    /// Columns after NAME in `kubectl get` (custom resources: the CRD's, AGE included).
    package var printerColumns: [FakePrinterColumn] = []

    package var key: String { resource.description }
    package var verbs: [String] { ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] }

    /// The CRD's columns as deployed (`deploy/crd/llmd.ai_variantautoscalings.yaml`), so the fake shows what a
    /// cluster with that CRD shows; docs/formats.md §2's columns when the file is not there.
    package static let variantAutoscalings = FakeResourceType(
        resource: .variantAutoscalings, singular: "variantautoscaling", shortNames: ["va"], hasStatus: true,
        isCustom: true, printerColumns: deployedPrinterColumns() ?? [
            FakePrinterColumn(name: "Model", type: "string", jsonPath: ".spec.modelID"),
            FakePrinterColumn(name: "Accelerator", type: "string",
                              jsonPath: ".metadata.labels.inference\\.optimization/acceleratorName"),
            FakePrinterColumn(name: "CurrentReplicas", type: "integer", jsonPath: ".status.currentAlloc.numReplicas"),
            FakePrinterColumn(name: "Optimized", type: "integer", jsonPath: ".status.desiredOptimizedAlloc.numReplicas"),
            FakePrinterColumn(name: "MetricsReady", type: "string",
                              jsonPath: ".status.conditions[?(@.type==\"MetricsAvailable\")].status"),
            FakePrinterColumn(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp"),
        ])

    /// The repository's file at `relativePath` (from the package root), when present.
    package static func repositoryFile(_ relativePath: String) -> String? {
        // Tests/InfernoTestSupport/<this file> -> the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try? String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    }

    package static func deployedPrinterColumns() -> [FakePrinterColumn]? {
        guard let text = repositoryFile("deploy/crd/llmd.ai_variantautoscalings.yaml"),
              let crd = try? JSONValue(yaml: text),
              let version = crd[path: "spec.versions"]?.array?.first(where: { $0["name"] == "v1alpha1" }),
              let columns = version["additionalPrinterColumns"]?.array else { return nil }
        return columns.compactMap { c in
            guard let name = c["name"]?.string, let type = c["type"]?.string, let path = c["jsonPath"]?.string else { return nil }
            return FakePrinterColumn(name: name, type: type, jsonPath: path, description: c["description"]?.string ?? "")
        }
    }
    package static let deployments = FakeResourceType(
        resource: .deployments, singular: "deployment", shortNames: ["deploy"], hasStatus: true, hasScale: true,
        printerColumns: [
            FakePrinterColumn(name: "Ready", type: "string", jsonPath: "(ready)"),
            FakePrinterColumn(name: "Up-to-date", type: "integer", jsonPath: ".status.updatedReplicas"),
            FakePrinterColumn(name: "Available", type: "integer", jsonPath: ".status.availableReplicas"),
            FakePrinterColumn(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp"),
        ])
    package static let nodes = FakeResourceType(resource: .nodes, singular: "node", shortNames: ["no"], hasStatus: true,
                                        printerColumns: [FakePrinterColumn(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp")])
    package static let configMaps = FakeResourceType(resource: .configMaps, singular: "configmap", shortNames: ["cm"],
                                             printerColumns: [FakePrinterColumn(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp")])
    package static let leases = FakeResourceType(resource: .leases, singular: "lease",
                                         printerColumns: [
                                            FakePrinterColumn(name: "Holder", type: "string", jsonPath: ".spec.holderIdentity"),
                                            FakePrinterColumn(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp"),
                                         ])

    /// Core v1 Events, listed by `kubectl describe` with a field selector on `involvedObject`.
    package static let events = FakeResourceType(resource: .events, singular: "event", shortNames: ["ev"],
                                         printerColumns: [
                                            FakePrinterColumn(name: "Type", type: "string", jsonPath: ".type"),
                                            FakePrinterColumn(name: "Reason", type: "string", jsonPath: ".reason"),
                                            FakePrinterColumn(name: "Message", type: "string", jsonPath: ".message"),
                                         ])

    package static let all = [variantAutoscalings, deployments, nodes, configMaps, leases, events]

    package init(resource: KubeResource, singular: String, shortNames: [String] = [], hasStatus: Bool = false,
                 hasScale: Bool = false, isCustom: Bool = false, printerColumns: [FakePrinterColumn] = []) {
        self.resource = resource
        self.singular = singular
        self.shortNames = shortNames
        self.hasStatus = hasStatus
        self.hasScale = hasScale
        self.isCustom = isCustom
        self.printerColumns = printerColumns
    }
}
