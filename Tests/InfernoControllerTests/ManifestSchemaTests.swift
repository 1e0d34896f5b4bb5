import Foundation
import Testing
import InfernoTestSupport

/// Every manifest in `deploy/` whose kind is Kubernetes' own (Deployments, RBAC, ConfigMaps, Services, HPAs, the CRD
/// itself) validated against Kubernetes' published OpenAPI schemas by `kubernetes-validate` (PyPI, installed by
/// `scripts/setup.sh --test`), strictly (unknown fields rejected), for the API version of the kubectl used here.
/// Kinds of other projects (KEDA's ScaledObject, the ServiceMonitor) and our VariantAutoscalings have no schema
/// there: the CRD's own schema checks the latter (`PromDeployTests`).
@Suite struct ManifestSchemaTests {
    static let kubernetesVersion = "1.32.0"
    static let foreignKinds = ["ScaledObject", "ServiceMonitor", "VariantAutoscaling"]

    @Test func everyKubernetesManifestPassesStrictSchemaValidation() throws {
        // kustomization.yaml and the Prometheus adapter's Helm values are not Kubernetes resources.
        let files = try PromDeployTests.yamlFiles()
            .filter { !["kustomization.yaml", "prometheus-adapter-values.yaml"].contains($0.lastPathComponent) }
        let finished: ChildProcess.Finished
        do {
            finished = try ChildProcess.run("/usr/bin/env", ["kubernetes-validate", "--strict", "-k", Self.kubernetesVersion]
                                              + files.map(\.path))
        } catch {
            throw PrometheusHarness.Failure(description: "\(error); run scripts/setup.sh --test")
        }
        let lines = (finished.stdout + finished.stderr).split(separator: "\n").map(String.init)
        try #require(finished.status != 127, "kubernetes-validate is not installed; run scripts/setup.sh --test")
        let passed = lines.filter { $0.contains(" passed for resource ") }
        let failed = lines.filter { $0.hasPrefix("ERROR") || $0.contains(" failed ") }
        let unknown = lines.filter { $0.contains("Couldn't find schema") }
        #expect(failed.isEmpty, "\(failed.joined(separator: "\n"))")
        #expect(finished.status == 0, "exit \(finished.status):\n\(lines.joined(separator: "\n"))")
        // Only the kinds listed above may lack a schema, and the core of the deployment must have been checked.
        for line in unknown {
            #expect(Self.foreignKinds.contains { line.contains("kind \($0) ") }, "no schema for: \(line)")
        }
        for resource in ["customresourcedefinition/variantautoscalings.llmd.ai", "deployment/inferno-controller",
                         "clusterrole/inferno-controller", "role/inferno-controller", "horizontalpodautoscaler/vllme-deployment"] {
            #expect(passed.contains { $0.contains("resource \(resource) ") }, "\(resource) not validated:\n\(lines.joined(separator: "\n"))")
        }
    }
}
