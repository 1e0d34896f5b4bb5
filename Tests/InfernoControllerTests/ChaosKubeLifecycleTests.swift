import Foundation
import InfernoMIP
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
import InfernoTestSupport

/// Chaos against the in-process API server, continued (docs/robustness.md): GPU nodes lost, pods never ready, the
/// controller restarted, leadership handed over between two controllers.
@Suite struct ChaosKubeLifecycleTests {
    static let demoID = KubeClusterCycleTests.demoID
    static let ns = KubeDemoCluster.namespace
    static let freeID = VariantID(namespace: ns, name: "granite")

    /// A load that the test changes between cycles.
    final class SwitchableLoad: LoadSource, @unchecked Sendable {
        private let lock = NSLock()
        private var loads: [VariantID: LoadObservation]
        private var fallback: LoadObservation
        init(_ fallback: LoadObservation, _ loads: [VariantID: LoadObservation] = [:]) {
            self.fallback = fallback
            self.loads = loads
        }
        func set(_ load: LoadObservation) { lock.withLock { fallback = load; loads = [:] } }
        func load(of variant: VariantObservation) async -> LoadObservation { lock.withLock { loads[variant.id] ?? fallback } }
    }

    static func rate(_ perMinute: Double) -> LoadObservation {
        .available(VariantLoad(arrivalRatePerMinute: perMinute, meanInputTokens: 0, meanOutputTokens: 228))
    }

    /// The demo (Premium) and a Freemium variant both on A100, on three A100 nodes of two cards each.
    static func seedSharedA100(_ api: FakeKubernetesAPI) async {
        await KubeDemoCluster.seed(api)
        for name in ["gpu-a100-1", "gpu-a100-2"] {
            await api.seed(.nodes, KubeDemoCluster.node(name, vendor: "nvidia.com", product: "NVIDIA-A100-PCIE-80GB", memoryMB: 81920, gpus: 2))
        }
        // minReplicas 0: with the default floor of 1 the actuator keeps one Freemium replica whatever the optimizer
        // says (a floor the controller never goes below, docs/reference.md), and that pod would stay pending.
        var granite = KubeDemoCluster.variant("granite", model: "granite-13b")
        granite[path: "spec.minReplicas"] = 0
        await api.seed(.variantAutoscalings, granite)
        await api.seed(.deployments, KubeDemoCluster.deployment("granite", replicas: 2))
        await api.seed(.deployments, KubeDemoCluster.deployment(replicas: 2))
    }

    /// Two A100 nodes of three are lost: 2 cards left of 6. The next cycle commits no more than 2, Premium keeps
    /// its 2 replicas and Freemium gives its cards back at once (its scale-down hold is released for capacity).
    /// The fake API server has no scheduler: the lost pods' rescheduling is checked in the simulation
    /// (`ChaosSimulationTests`).
    @Test(arguments: ["mip", "greedy"])
    func lostGPUNodes(solver: String) async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: Self.seedSharedA100) { server, client in
            let load = SwitchableLoad(Self.rate(20), [Self.freeID: Self.rate(30)])
            let r = KubeClusterCycleTests.reconciler(client, load: load, logs: logs,
                                                     solver: solver == "mip" ? MIPSolver() : GreedySolver())
            let t0 = Date().timeIntervalSince1970
            let before = await r.cycle(at: t0)
            let a100 = "NVIDIA-A100-PCIE-80GB"
            #expect(before.usage.first { $0.type == a100 }?.cardsAvailable == 6)
            let freeBefore = try #require(before.decisions.first { $0.variant.id == Self.freeID }).desired
            #expect(freeBefore >= 1, "Freemium runs while there is room: \(before.decisions.map(\.reason))")

            try await client.deleteObject(.nodes, name: "gpu-a100-1", namespace: nil)
            try await client.deleteObject(.nodes, name: "gpu-a100-2", namespace: nil)
            let after = await r.cycle(at: t0 + 60)
            let usage = try #require(after.usage.first { $0.type == a100 })
            #expect(usage.cardsAvailable == 2)
            #expect(usage.cardsUsed <= 2, "committed \(usage.cardsUsed) of 2 cards")
            let premium = try #require(after.decisions.first { $0.variant.id == Self.demoID })
            let free = try #require(after.decisions.first { $0.variant.id == Self.freeID })
            #expect(premium.desired == 2, "Premium keeps its replicas: \(premium.reason)")
            #expect(free.desired == 0, "Freemium yields the cards: \(free.reason)")
            #expect(await ChaosKubeTests.replicas(server.api) == 2)
            #expect(await ChaosKubeTests.replicas(server.api, "granite") == 0, "\(after.outcomes)")
            let va = await server.api.object(.variantAutoscalings, namespace: Self.ns, name: "granite")
            #expect(va?[path: "status.desiredOptimizedAlloc.numReplicas"]?.int == 0)
        }
    }

    /// Pods that never become ready (the Deployment's `readyReplicas` stays behind `replicas`): with metrics
    /// missing, as they are when no pod serves, the variant is held with the reason on its status, never scaled
    /// down; when metrics come back at a lower load, the stabilisation window (started when the variant was first
    /// optimized) holds it rather than growing or dropping it.
    @Test func podsNeverReady() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: { api in
            await KubeDemoCluster.seed(api)
            var d = KubeDemoCluster.deployment(replicas: 2)
            d[path: "status.readyReplicas"] = 0
            d[path: "status.availableReplicas"] = 0
            await api.seed(.deployments, d)
            await api.setDeploymentsBecomeReady(false)
        }) { server, client in
            let load = SwitchableLoad(.missing("no vllm:request_success_total series for model default/default"))
            let r = KubeClusterCycleTests.reconciler(client, load: load, logs: logs)
            let t0 = Date().timeIntervalSince1970
            for k in 0..<3 {
                let report = await r.cycle(at: t0 + Double(k) * 60)
                #expect(report.outcomes[Self.demoID] == .unchanged)
                #expect(await ChaosKubeTests.replicas(server.api) == 2, "held, not scaled down")
            }
            let va = await server.api.object(.variantAutoscalings, namespace: Self.ns, name: "vllme-deployment")
            #expect(KubeClusterCycleTests.condition(va, "MetricsAvailable")?["status"] == "False")
            #expect(KubeClusterCycleTests.condition(va, "OptimizationReady")?["reason"] == "MetricsUnavailable")

            load.set(Self.rate(5))
            for k in 3..<6 {
                let report = await r.cycle(at: t0 + Double(k) * 60)
                let d = try #require(report.decisions.first)
                #expect(d.desired == 2 && d.heldByStabilization, "metrics back at a load one replica serves: held at 2 by the window, not grown: \(d.reason)")
            }
            #expect(await ChaosKubeTests.replicas(server.api) == 2)
        }
    }

    /// The controller restarted inside the stabilisation window of a scale-down: the new process rebuilds the
    /// window from the Deployment's replicas and holds them for a full window, then scales down.
    @Test func restartInsideTheStabilisationWindow() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let load = SwitchableLoad(Self.rate(20))
            let t0 = Date().timeIntervalSince1970
            let first = KubeClusterCycleTests.reconciler(client, load: load, logs: logs)
            _ = await first.cycle(at: t0)
            #expect(await ChaosKubeTests.replicas(server.api) == 2)
            load.set(Self.rate(5))   // one replica would do
            let held = await first.cycle(at: t0 + 60)
            #expect(held.decisions.first?.heldByStabilization == true)

            let second = KubeClusterCycleTests.reconciler(client, load: load, logs: logs)   // the restart
            for k in 2...5 {
                let report = await second.cycle(at: t0 + Double(k) * 60)
                let d = try #require(report.decisions.first)
                #expect(d.desired == 2 && d.heldByStabilization, "cycle \(k): \(d.reason)")
                #expect(await ChaosKubeTests.replicas(server.api) == 2)
            }
            let after = await second.cycle(at: t0 + 2 * 60 + 300)
            #expect(after.outcomes[Self.demoID] == .scaled(from: 2, to: 1), "a window after the restart it scales down")
        }
    }
}
