import Foundation
import Testing
@testable import InfernoControl
@testable import InfernoKubernetes
@testable import InfernoMIP
import InfernoTestSupport

/// `--actuation=none`: a full cycle against the in-process API server, whose record of requests is the truth that
/// no Deployment was written, while the status, an Event and the metrics hook say what would have been done.
struct KubeObserveOnlyTests {
    static func reconciler(_ client: KubernetesClient, mode: KubernetesActuator.Mode, logs: KubeLogCapture,
                           sink: @escaping @Sendable ([VariantDecision], [VariantID: ActuationOutcome]) -> Void) -> Reconciler {
        let source = KubernetesClusterSource(client: client, watchNamespace: nil,
                                             configNamespace: KubeDemoCluster.controllerNamespace,
                                             logger: logs.logger("inferno.kubernetes.source"))
        let actuator = KubernetesActuator(client: client, mode: mode, metricsSink: sink,
                                          configNamespace: KubeDemoCluster.controllerNamespace,
                                          events: KubernetesEventRecorder(client: client, instance: "test"),
                                          logger: logs.logger("inferno.kubernetes.actuator"))
        return Reconciler(cluster: source, metrics: StubLoadSource(fallback: StubLoadSource.twoReplicas), actuator: actuator,
                          planner: Planner(analyzer: AnalyzerSettings(), solver: GreedySolver(), options: OptimizerOptions()),
                          stabilizationWindowSeconds: 300, logger: logs.logger("inferno.reconciler"))
    }

    @Test func observeOnlyWritesNoDeploymentAndRecordsEverythingElse() async throws {
        let logs = KubeLogCapture()
        let seen = KubeDecisionBox()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            await server.api.clearRequests()
            let report = await Self.reconciler(client, mode: .none, logs: logs, sink: { d, _ in seen.set(d) })
                .cycle(at: Date().timeIntervalSince1970)
            let id = KubeClusterCycleTests.demoID
            #expect(report.outcomes[id] == .observed)

            let requests = await server.api.requests
            let deploymentWrites = requests.filter { r in
                !r.hasPrefix("GET") && r.contains("/deployments")
            }
            #expect(deploymentWrites.isEmpty, "writes to Deployments: \(deploymentWrites)")
            #expect(requests.contains { $0.hasPrefix("GET") && $0.contains("/deployments") }, "the Deployments are still read")
            #expect(await server.api.object(.deployments, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")?[path: "spec.replicas"]?.int == 1)

            // Everything else is recorded: status, an Event, the metrics hook.
            let va = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            #expect(va?[path: "status.desiredOptimizedAlloc.numReplicas"]?.int == 2)
            #expect(KubeClusterCycleTests.condition(va, "AbleToScale")?["reason"] == "ScalingDisabled")
            #expect(va?[path: "status.actuation.applied"] == false)
            let events = await server.api.objects.filter { $0.key.resource == "events" }.map(\.value)
            #expect(events.contains { $0["reason"] == "ScaleSkipped" && ($0["message"]?.string ?? "").contains("from 1 to 2") },
                    "events: \(events.map { $0["reason"] ?? .null })")
            #expect(events.allSatisfy { $0[path: "involvedObject.uid"] == va?[path: "metadata.uid"] })
            #expect(seen.decisions.map(\.desired) == [2])
        }
    }

    @Test func metricsModeRecordsThePublishedCount() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let reconciler = Self.reconciler(client, mode: .metrics, logs: logs, sink: { _, _ in })
            let t = Date().timeIntervalSince1970
            _ = await reconciler.cycle(at: t)
            _ = await reconciler.cycle(at: t + 60)
            let events = await server.api.objects.filter { $0.key.resource == "events" }.map(\.value)
            let published = events.filter { $0["reason"] == "DesiredReplicasPublished" }
            #expect(published.count == 1 && published.first?["count"]?.int == 2, "a repeat is counted: \(events)")
            let used = await server.api.permissionsUsed
            #expect(used.contains("core/events:create") && used.contains("core/events:patch"))
            let granted = try PromDeployTests.rbacRules().cluster
            #expect(Set(granted.filter { $0.contains("events") }) == ["core/events:create", "core/events:patch"], "exactly what Events need")
        }
    }
}
