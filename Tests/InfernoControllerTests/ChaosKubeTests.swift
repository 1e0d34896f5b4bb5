import Foundation
import InfernoMIP
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
import InfernoTestSupport

/// Chaos against the in-process API server (issue 12, docs/robustness.md): 5xx storms, 409s on updates, dropped
/// connections, GPU nodes lost, the controller restarted and leadership handed over. Whole reconcile cycles
/// (`KubernetesClusterSource`, `KubernetesActuator`, the real `Reconciler`) on the seed's demo.
@Suite struct ChaosKubeTests {
    static let demoID = KubeClusterCycleTests.demoID
    static let ns = KubeDemoCluster.namespace

    static func replicas(_ api: FakeKubernetesAPI, _ name: String = "vllme-deployment", namespace: String = ns) async -> Int? {
        await api.object(.deployments, namespace: namespace, name: name)?[path: "spec.replicas"]?.int
    }

    /// Writes to Deployments and VariantAutoscalings in the request log (leases and events aside).
    static func writes(_ api: FakeKubernetesAPI) async -> [String] {
        await api.requests.filter { r in
            ["PUT", "PATCH", "POST", "DELETE"].contains { r.hasPrefix($0 + " ") } && (r.contains("/deployments/") || r.contains("/variantautoscalings/"))
        }
    }

    /// A storm of 500s on every read of VariantAutoscalings, longer than the client's retries: the cycle is
    /// skipped and nothing is written. A storm of two 503s on a Deployment read is absorbed by the retries; one on
    /// the scale write past them is reported on the variant (AbleToScale False) and applied by the next cycle.
    @Test func apiServer5xxStorms() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let r = KubeClusterCycleTests.reconciler(client, load: StubLoadSource(fallback: StubLoadSource.twoReplicas), logs: logs)
            let t0 = Date().timeIntervalSince1970
            await server.api.inject(.init(methods: ["GET"], resource: .variantAutoscalings, status: 500, remaining: 10))
            await server.api.clearRequests()
            let skipped = await r.cycle(at: t0)
            #expect(skipped.failed && skipped.notes.contains { $0.contains("cannot read the cluster") && $0.contains("500") })
            #expect(await Self.writes(server.api).isEmpty, "a skipped cycle writes nothing")
            #expect(await Self.replicas(server.api) == 1)

            await server.api.clearFaults()
            await server.api.inject(.init(methods: ["GET"], resource: .deployments, status: 503, remaining: 2))
            await server.api.inject(.init(methods: ["PUT", "PATCH"], resource: .deployments, subresource: "scale", status: 503, remaining: 3))
            let writeFailed = await r.cycle(at: t0 + 60)
            #expect(!writeFailed.failed, "two 503s on a read are retried away")
            guard case .failed(.updateScale, let why)? = writeFailed.outcomes[Self.demoID] else {
                Issue.record("expected the scale write to fail: \(String(describing: writeFailed.outcomes[Self.demoID]))")
                return
            }
            #expect(why.contains("503"))
            let va = await server.api.object(.variantAutoscalings, namespace: Self.ns, name: "vllme-deployment")
            #expect(KubeClusterCycleTests.condition(va, "AbleToScale")?["status"] == "False")
            #expect(va?[path: "status.actuation.applied"] == false)
            #expect(await Self.replicas(server.api) == 1)

            let applied = await r.cycle(at: t0 + 120)
            #expect(applied.outcomes[Self.demoID] == .scaled(from: 1, to: 2), "the storm over, the next cycle applies it")
            #expect(await Self.replicas(server.api) == 2)
        }
    }

    /// 409 Conflict on the scale write (another writer got there first): re-read and written again within the
    /// cycle. A conflict that never ends fails that variant's write after the retries and nothing else.
    @Test func conflictsOnUpdates() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let r = KubeClusterCycleTests.reconciler(client, load: StubLoadSource(fallback: StubLoadSource.twoReplicas), logs: logs)
            let t0 = Date().timeIntervalSince1970
            await server.api.inject(.init(methods: ["PUT"], resource: .deployments, subresource: "scale", status: 409, remaining: nil))
            let stuck = await r.cycle(at: t0)
            guard case .failed(.updateScale, let why)? = stuck.outcomes[Self.demoID] else {
                Issue.record("endless conflicts: \(String(describing: stuck.outcomes[Self.demoID]))")
                return
            }
            #expect(why.contains("409"))
            #expect(await Self.replicas(server.api) == 1)

            await server.api.clearFaults()
            await server.api.inject(.init(methods: ["PUT"], resource: .deployments, subresource: "scale", status: 409, remaining: 2))
            await server.api.clearRequests()
            let report = await r.cycle(at: t0 + 60)
            #expect(report.outcomes[Self.demoID] == .scaled(from: 1, to: 2))
            let puts = await server.api.requests.filter { $0.hasPrefix("PUT") && $0.hasSuffix("/scale") }
            #expect(puts.count == 3, "two conflicts, then the write: \(puts)")
            #expect(await Self.replicas(server.api) == 2)
        }
    }

    /// Connections dropped between the controller and the API server (the controller polls; it holds no watch):
    /// a dropped request is retried on a new connection; every pooled connection cut at once between cycles costs
    /// nothing; connections dropped past the retries skip the cycle, writing nothing; the next cycle recovers.
    @Test func droppedConnections() async throws {
        let logs = KubeLogCapture()
        let server = try await FakeKubernetesServer.start()
        await KubeDemoCluster.seed(server.api)
        let proxy = try DroppingProxy(upstreamPort: server.http.port)
        let connection = KubeConnection(server: proxy.url, token: "test-token", namespace: "inferno-system", origin: "proxy")
        let client = try KubernetesClient(connection: connection, requestTimeout: .seconds(5), connectTimeout: .milliseconds(500),
                                          retry: .init(attempts: 3, initialDelay: .milliseconds(5), maxDelay: .milliseconds(20)))
        defer { proxy.stop() }
        let r = KubeClusterCycleTests.reconciler(client, load: StubLoadSource(fallback: StubLoadSource.twoReplicas), logs: logs)
        let t0 = Date().timeIntervalSince1970

        proxy.dropNextConnections(1)
        let first = await r.cycle(at: t0)
        #expect(!first.failed && first.outcomes[Self.demoID] == .scaled(from: 1, to: 2), "\(first.notes)")
        #expect(proxy.dropped >= 1)

        proxy.dropOpenConnections()
        let second = await r.cycle(at: t0 + 60)
        #expect(!second.failed && second.outcomes[Self.demoID] == .unchanged)

        proxy.dropNextConnections(1000)
        proxy.dropOpenConnections()
        await server.api.clearRequests()
        let cut = await r.cycle(at: t0 + 120)
        #expect(cut.failed, "no connection gets through: the cycle is skipped")
        #expect(await Self.writes(server.api).isEmpty)
        #expect(await Self.replicas(server.api) == 2, "nothing scaled down for want of the API server")

        proxy.dropNextConnections(-1000)
        let back = await r.cycle(at: t0 + 180)
        #expect(!back.failed && back.outcomes[Self.demoID] == .unchanged)
        try? await client.shutdown()
        await server.shutdown()
    }
}
