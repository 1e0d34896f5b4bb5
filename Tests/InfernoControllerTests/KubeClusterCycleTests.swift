import Foundation
import InfernoFormats
import InfernoMIP
import Logging
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

/// Whole reconcile cycles against the fake API server: `KubernetesClusterSource` and `KubernetesActuator` driving
/// the real `Reconciler`, seeded with the seed README's demo.
@Suite struct KubeClusterCycleTests {
    static let demoID = VariantID(namespace: KubeDemoCluster.namespace, name: "vllme-deployment")

    static func reconciler(_ client: KubernetesClient, load: any LoadSource, logs: KubeLogCapture,
                           mode: KubernetesActuator.Mode = .scale, stabilizationWindow: Double = 300, retention: Double = 600,
                           solver: any AllocationSolver = GreedySolver(), tuning: ProfileTuning? = nil,
                           sink: (@Sendable ([VariantDecision], [VariantID: ActuationOutcome]) -> Void)? = nil) -> Reconciler {
        let source = KubernetesClusterSource(client: client, watchNamespace: nil,
                                             configNamespace: KubeDemoCluster.controllerNamespace,
                                             logger: logs.logger("inferno.kubernetes.source"))
        let actuator = KubernetesActuator(client: client, mode: mode, metricsSink: sink,
                                          configNamespace: KubeDemoCluster.controllerNamespace,
                                          logger: logs.logger("inferno.kubernetes.actuator"))
        return Reconciler(cluster: source, metrics: load, actuator: actuator,
                          planner: Planner(analyzer: AnalyzerSettings(), solver: solver, options: OptimizerOptions()),
                          stabilizationWindowSeconds: stabilizationWindow, retentionSeconds: retention, tuning: tuning,
                          logger: logs.logger("inferno.reconciler"))
    }

    static func condition(_ va: JSONValue?, _ type: String) -> JSONValue? {
        va?[path: "status.conditions"]?.array?.first { $0["type"]?.string == type }
    }

    @Test func demoCycleScalesToTwoAndRecordsStatus() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed, logger: logs.logger("inferno.kubernetes")) { server, client in
            await server.api.clearRequests()
            let r = Self.reconciler(client, load: StubLoadSource(fallback: StubLoadSource.twoReplicas), logs: logs)
            let t0 = Date().timeIntervalSince1970
            let report = await r.cycle(at: t0)
            print("---- one cycle against the fake API server ----\n\(logs.text)\n----")

            #expect(!report.failed)
            #expect(report.outcomes[Self.demoID] == .scaled(from: 1, to: 2))
            let d = try #require(report.decisions.first)
            #expect(d.optimized == 2 && d.desired == 2 && d.accelerator == "A100")
            #expect(report.notes.contains { $0.contains("accelerator MI300X: no node has GPUs of product \"AMD-MI300X-192GB\"") })

            let deployment = await server.api.object(.deployments, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            #expect(deployment?[path: "spec.replicas"]?.int == 2)
            let va = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            #expect(va?[path: "status.desiredOptimizedAlloc.numReplicas"]?.int == 2)
            #expect(va?[path: "status.desiredOptimizedAlloc.accelerator"] == "A100")
            #expect(va?[path: "status.desiredOptimizedAlloc.lastRunTime"]?.string == KubeTime.string(Date(timeIntervalSince1970: t0)))
            #expect(va?[path: "status.currentAlloc.numReplicas"]?.int == 2)
            #expect(va?[path: "status.currentAlloc.variantCost"] == "80.00")
            #expect(va?[path: "status.currentAlloc.load.arrivalRate"] == "20.00")
            #expect(va?[path: "status.currentAlloc.load.avgOutputTokens"] == "228.00")
            #expect(va?[path: "status.actuation.applied"] == true)
            #expect(Self.condition(va, "MetricsAvailable")?["status"] == "True")
            #expect(Self.condition(va, "MetricsAvailable")?["reason"] == "MetricsFound")
            #expect(Self.condition(va, "OptimizationReady")?["status"] == "True")
            #expect(Self.condition(va, "OptimizationReady")?["reason"] == "OptimizationSucceeded")
            #expect(Self.condition(va, "AbleToScale")?["reason"] == "SucceededRescale")
            #expect(va?[path: "spec.modelProfile.accelerators"]?.array?.first?["alpha"] == "20.58", "spec untouched")

            // What was asked of the API, in order.
            let requests = await server.api.requests
            let expected = [
                "GET /api/v1/nodes",
                "GET /api/v1/namespaces/inferno-autoscaler-system/configmaps/accelerator-unit-costs",
                "GET /api/v1/namespaces/inferno-autoscaler-system/configmaps/service-classes-config",
                "GET /apis/llmd.ai/v1alpha1/variantautoscalings",
                "GET /apis/apps/v1/namespaces/llm-d-sim/deployments/vllme-deployment",
                "GET /apis/apps/v1/namespaces/llm-d-sim/deployments/vllme-deployment/scale",
                "PUT /apis/apps/v1/namespaces/llm-d-sim/deployments/vllme-deployment/scale",
                "GET /api/v1/namespaces/inferno-autoscaler-system/configmaps/accelerator-unit-costs",
                "GET /apis/llmd.ai/v1alpha1/namespaces/llm-d-sim/variantautoscalings/vllme-deployment",
                "PUT /apis/llmd.ai/v1alpha1/namespaces/llm-d-sim/variantautoscalings/vllme-deployment/status",
            ]
            #expect(requests == expected)
            print("VariantAutoscaling status after the cycle:\n" + String(decoding: (va?["status"] ?? nil).serialized(pretty: true), as: UTF8.self))

            // Next cycle, same load: nothing to scale; conditions keep their transition times.
            let firstTransition = Self.condition(va, "MetricsAvailable")?["lastTransitionTime"]
            let again = await r.cycle(at: t0 + 60)
            #expect(again.outcomes[Self.demoID] == .unchanged)
            let va2 = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            #expect(Self.condition(va2, "MetricsAvailable")?["lastTransitionTime"] == firstTransition)
            #expect(Self.condition(va2, "AbleToScale")?["reason"] == "ReadyForNewScale")
            #expect(va2?[path: "status.desiredOptimizedAlloc.lastRunTime"]?.string == KubeTime.string(Date(timeIntervalSince1970: t0 + 60)))
        }
    }

    /// The seed's own decision: 20 requests per minute of 228 output tokens on A100 take two replicas, with the
    /// VariantAutoscaling's `maxBatchSize` (4) as the server's batch limit, as upstream.
    @Test func seedDecision() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let report = await Self.reconciler(client, load: StubLoadSource(fallback: StubLoadSource.demo), logs: logs)
                .cycle(at: Date().timeIntervalSince1970)
            let d = try #require(report.decisions.first)
            #expect(d.variant.profiles.count == 3 && d.serviceClass == "Premium" && d.priority == 1)
            #expect(d.targetReplicas >= 1, "never below minReplicas, even when the optimizer finds no room")
            let va = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            #expect(await server.api.object(.deployments, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")?[path: "spec.replicas"]?.int
                    == d.targetReplicas)
            #expect(report.outcomes[Self.demoID] == .scaled(from: 1, to: 2))
            #expect(d.optimized == 2)
            #expect(Self.condition(va, "OptimizationReady")?["status"] == "True")
        }
    }

    @Test func statusConflictIsRetried() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            await server.api.inject(.init(methods: ["PUT"], resource: .variantAutoscalings, subresource: "status",
                                          status: 409, remaining: 2))
            await server.api.clearRequests()
            let report = await Self.reconciler(client, load: StubLoadSource(fallback: StubLoadSource.twoReplicas), logs: logs)
                .cycle(at: Date().timeIntervalSince1970)
            #expect(report.outcomes[Self.demoID] == .scaled(from: 1, to: 2))
            let puts = await server.api.requests.filter { $0.hasPrefix("PUT") && $0.hasSuffix("/status") }
            #expect(puts.count == 3, "two conflicts, then the write")
            let va = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            #expect(va?[path: "status.desiredOptimizedAlloc.numReplicas"]?.int == 2)
            #expect(!logs.text.contains("cannot record status"))
        }
    }

    /// Loads under which both the demo variant (A100) and the second one (Gaudi-2, faster) need two replicas: the
    /// seed's 20 and 35.61 requests per minute.
    static let bothScale = StubLoadSource(
        loads: [VariantID(namespace: "team-b", name: "chat"):
                    .available(VariantLoad(arrivalRatePerMinute: 35.61, meanInputTokens: 0, meanOutputTokens: 228))],
        fallback: StubLoadSource.twoReplicas)

    /// A second variant on Gaudi in another namespace, so both fit the demo's capacity.
    static func seedSecondVariant(_ api: FakeKubernetesAPI) async {
        await KubeDemoCluster.seed(api)
        await api.seed(.variantAutoscalings, KubeDemoCluster.variant("chat", namespace: "team-b", accelerator: "G2"))
        await api.seed(.deployments, KubeDemoCluster.deployment("chat", namespace: "team-b"))
    }

    @Test func forbiddenScaleIsReportedAndOthersStillScale() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: Self.seedSecondVariant) { server, client in
            await server.api.inject(.init(methods: ["PUT", "PATCH"], resource: .deployments, namespace: KubeDemoCluster.namespace,
                                          name: "vllme-deployment", subresource: "scale", status: 403))
            let report = await Self.reconciler(client, load: Self.bothScale, logs: logs)
                .cycle(at: Date().timeIntervalSince1970)
            guard case .failed(.updateScale, let why)? = report.outcomes[Self.demoID] else {
                Issue.record("expected a failure, got \(String(describing: report.outcomes[Self.demoID]))")
                return
            }
            #expect(why.contains("403 Forbidden") && why.contains("deployments.apps/scale"))
            let other = VariantID(namespace: "team-b", name: "chat")
            guard case .scaled(from: 1, let to)? = report.outcomes[other] else {
                Issue.record("the other variant should scale, got \(String(describing: report.outcomes[other]))")
                return
            }
            #expect(await server.api.object(.deployments, namespace: "team-b", name: "chat")?[path: "spec.replicas"]?.int == to)
            #expect(await server.api.object(.deployments, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")?[path: "spec.replicas"]?.int == 1)

            let va = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            #expect(Self.condition(va, "AbleToScale")?["status"] == "False")
            #expect(Self.condition(va, "AbleToScale")?["reason"] == "FailedUpdateScale")
            #expect(Self.condition(va, "AbleToScale")?["message"]?.string?.contains("403 Forbidden") == true)
            #expect(Self.condition(va, "OptimizationReady")?["status"] == "True")
            #expect(va?[path: "status.actuation.applied"] == false)
            #expect(va?[path: "status.currentAlloc.numReplicas"]?.int == 1)
            #expect(va?[path: "status.desiredOptimizedAlloc.numReplicas"]?.int == 2)
            let chat = await server.api.object(.variantAutoscalings, namespace: "team-b", name: "chat")
            #expect(Self.condition(chat, "AbleToScale")?["reason"] == "SucceededRescale")
            #expect(logs.text.contains("cannot scale deployment"))
        }
    }

    @Test func unreadableDeploymentIsReportedOnItsVariant() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: Self.seedSecondVariant) { server, client in
            await server.api.inject(.init(methods: ["GET"], resource: .deployments, namespace: KubeDemoCluster.namespace,
                                          name: "vllme-deployment", status: 403))
            let report = await Self.reconciler(client, load: Self.bothScale, logs: logs)
                .cycle(at: Date().timeIntervalSince1970)
            #expect(report.outcomes[Self.demoID] == .unchanged)
            #expect(report.notes.contains { $0.contains("cannot read Deployment vllme-deployment") && $0.contains("403") })
            guard case .scaled? = report.outcomes[VariantID(namespace: "team-b", name: "chat")] else {
                Issue.record("the other variant should scale")
                return
            }
            let va = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            let ready = Self.condition(va, "OptimizationReady")
            #expect(ready?["status"] == "False")
            #expect(ready?["reason"] == "OptimizationFailed")
            #expect(ready?["message"]?.string?.contains("403 Forbidden") == true)
            #expect(va?[path: "status.desiredOptimizedAlloc"] == nil, "nothing desired is claimed without the replicas")
        }
    }

    @Test func malformedVariantIsReportedAndSkipped() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: { api in
            await KubeDemoCluster.seed(api)
            var noModel = KubeDemoCluster.variant("no-model")
            noModel["spec"]?["modelID"] = nil
            await api.seed(.variantAutoscalings, noModel)
            var badNumber = KubeDemoCluster.variant("bad-number")
            badNumber[path: "spec.modelProfile"] = ["accelerators": [["acc": "A100", "maxBatchSize": 4, "alpha": "fast", "beta": "0.41"]]]
            await api.seed(.variantAutoscalings, badNumber)
            await api.seed(.deployments, KubeDemoCluster.deployment("no-model"))
            await api.seed(.deployments, KubeDemoCluster.deployment("bad-number"))
        }) { server, client in
            let report = await Self.reconciler(client, load: StubLoadSource(fallback: StubLoadSource.twoReplicas), logs: logs)
                .cycle(at: Date().timeIntervalSince1970)
            #expect(report.outcomes[Self.demoID] == .scaled(from: 1, to: 2))
            for (name, why) in [("no-model", "spec.modelID: missing"),
                                ("bad-number", "spec.modelProfile.accelerators[0].alpha: expected a number, found the string \"fast\"")] {
                let id = VariantID(namespace: KubeDemoCluster.namespace, name: name)
                #expect(report.outcomes[id] == .unchanged)
                #expect(report.decisions.first { $0.variant.id == id }?.variant.invalidReason == why)
                let va = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: name)
                #expect(Self.condition(va, "OptimizationReady")?["reason"] == "InvalidConfiguration")
                #expect(Self.condition(va, "OptimizationReady")?["message"]?.string == why)
                #expect(Self.condition(va, "MetricsAvailable")?["status"] == "Unknown")
                #expect(await server.api.object(.deployments, namespace: KubeDemoCluster.namespace, name: name)?[path: "spec.replicas"]?.int == 1)
            }
            #expect(report.notes.contains { $0.contains("llm-d-sim/no-model: invalid VariantAutoscaling, skipped: spec.modelID: missing") })
            let source = KubernetesClusterSource(client: client, configNamespace: KubeDemoCluster.controllerNamespace)
            let ids = try await source.variantIDs()
            #expect(ids == Set(["bad-number", "no-model", "vllme-deployment"].map { VariantID(namespace: KubeDemoCluster.namespace, name: $0) }))
        }
    }

    @Test func missingLoadKeepsReplicas() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let load = StubLoadSource(fallback: .missing("no vllm:request_success_total series for model default/default"))
            let report = await Self.reconciler(client, load: load, logs: logs).cycle(at: Date().timeIntervalSince1970)
            #expect(report.outcomes[Self.demoID] == .unchanged)
            #expect(await server.api.object(.deployments, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")?[path: "spec.replicas"]?.int == 1)
            #expect(!(await server.api.requests.contains { $0.hasPrefix("PUT") && $0.hasSuffix("/scale") }))
            let va = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            #expect(Self.condition(va, "MetricsAvailable")?["status"] == "False")
            #expect(Self.condition(va, "MetricsAvailable")?["reason"] == "MetricsMissing")
            #expect(Self.condition(va, "OptimizationReady")?["reason"] == "MetricsUnavailable")
            #expect(va?[path: "status.desiredOptimizedAlloc.numReplicas"]?.int == 1)
            #expect(va?[path: "status.actuation.applied"] == false)
        }
    }

    @Test func metricsModePublishesWithoutScaling() async throws {
        let logs = KubeLogCapture()
        let seen = KubeDecisionBox()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let report = await Self.reconciler(client, load: StubLoadSource(fallback: StubLoadSource.twoReplicas), logs: logs,
                                               mode: .metrics, sink: { d, _ in seen.set(d) }).cycle(at: Date().timeIntervalSince1970)
            #expect(report.outcomes[Self.demoID] == .published)
            #expect(await server.api.object(.deployments, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")?[path: "spec.replicas"]?.int == 1)
            #expect(seen.decisions.map(\.desired) == [2])
            #expect(seen.decisions.map(\.action) == [.scale])
            let va = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            #expect(va?[path: "status.desiredOptimizedAlloc.numReplicas"]?.int == 2)
            #expect(Self.condition(va, "AbleToScale")?["reason"] == "ScalingDelegated")
        }
    }

    @Test func scaleToZeroStatusValidates() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: { api in
            await KubeDemoCluster.seed(api)
            var va = KubeDemoCluster.variant()
            va[path: "spec.minReplicas"] = 0
            await api.seed(.variantAutoscalings, va)
        }) { server, client in
            let idle = StubLoadSource(fallback: .available(VariantLoad(arrivalRatePerMinute: 0, meanInputTokens: 0, meanOutputTokens: 228)))
            // No stabilisation or retention window: a controller that just started holds scale-downs for the window
            // otherwise, and keeps an idle model's last replica for the retention window (KubeMultiVariantTests).
            let report = await Self.reconciler(client, load: idle, logs: logs, stabilizationWindow: 0, retention: 0)
                .cycle(at: Date().timeIntervalSince1970)
            #expect(report.outcomes[Self.demoID] == .scaled(from: 1, to: 0))
            let va = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            #expect(va?[path: "status.desiredOptimizedAlloc.numReplicas"]?.int == 0)
            #expect(va?[path: "status.desiredOptimizedAlloc.accelerator"] == "A100", "an accelerator also at zero (schema minLength)")
            #expect(va?[path: "status.currentAlloc.variantCost"] == "0.00")
            #expect(!logs.text.contains("cannot record status"), "the fake validates status like the CRD schema")
        }
    }
}

/// Decisions handed to the metrics hook.
final class KubeDecisionBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [VariantDecision] = []
    var decisions: [VariantDecision] { lock.withLock { stored } }
    func set(_ d: [VariantDecision]) { lock.withLock { stored = d } }
}
