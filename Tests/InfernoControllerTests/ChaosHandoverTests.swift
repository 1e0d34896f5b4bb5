import Foundation
import InfernoMIP
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
import InfernoTestSupport

/// Chaos across controllers and metrics (docs/robustness.md): leadership handed over between two controllers in
/// the middle of a held scale-down, and Prometheus down, slower than its timeout, answering garbage or NaN in
/// the closed loop.
@Suite struct ChaosHandoverTests {
    static let demoID = KubeClusterCycleTests.demoID
    static let ns = KubeDemoCluster.namespace

    /// One controller process: its elector and its reconciler. A step renews (or tries to take) the lease and runs
    /// a cycle only when it leads, as `run` does (`ControlLoop.isLeader`).
    struct Controller {
        let elector: LeaderElector
        let reconciler: Reconciler

        func step(at time: Double) async -> CycleReport? {
            guard await elector.tryAcquireOrRenew() else { return nil }
            return await reconciler.cycle(at: time)
        }
    }

    /// Controller A leads and scales the demo to 2; the load falls and A holds 2 (stabilisation); A dies. B, which
    /// wrote nothing while it followed, takes the lease when it expires, holds 2 for its own full window (rebuilt
    /// from the Deployment, no spurious scale-down), then scales down. A comes back as a follower and writes nothing.
    @Test func leadershipHandoverMidWindow() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let clock = KubeLeaderElectionTests.ManualClock()
            let load = ChaosKubeLifecycleTests.SwitchableLoad(ChaosKubeLifecycleTests.rate(20))
            func controller(_ identity: String) -> Controller {
                Controller(elector: KubeLeaderElectionTests.elector(client, identity, clock),
                           reconciler: KubeClusterCycleTests.reconciler(client, load: load, logs: logs))
            }
            let a = controller("pod-a"), b = controller("pod-b")
            let t0 = clock.now.timeIntervalSince1970
            /// Runs one step of `c` and returns what it wrote to Deployments and VariantAutoscalings.
            func step(_ c: Controller, at t: Double) async -> (CycleReport?, [String]) {
                await server.api.clearRequests()
                let report = await c.step(at: t)
                return (report, await ChaosKubeTests.writes(server.api))
            }

            let (first, _) = await step(a, at: t0)
            #expect(first?.outcomes[Self.demoID] == .scaled(from: 1, to: 2))
            let (follower, followerWrites) = await step(b, at: t0 + 1)
            #expect(follower == nil && followerWrites.isEmpty, "the follower runs no cycle and writes nothing")

            load.set(ChaosKubeLifecycleTests.rate(5))
            clock.advance(10)
            let (held, _) = await step(a, at: t0 + 10)
            #expect(held?.decisions.first?.heldByStabilization == true && held?.decisions.first?.desired == 2)

            // A dies (stops renewing); B takes over once the 15 s lease has expired since it last saw a renewal.
            clock.advance(10)
            #expect(await step(b, at: t0 + 20).0 == nil, "the lease is still A's")
            clock.advance(16)
            var t = t0 + 36
            for _ in 0..<4 {
                let (report, _) = await step(b, at: t)
                let d = try #require(report?.decisions.first, "B leads")
                #expect(d.desired == 2 && d.heldByStabilization, "t+\(Int(t - t0)) s: the new leader holds: \(d.reason)")
                #expect(await ChaosKubeTests.replicas(server.api) == 2)
                let (comeback, writes) = await step(a, at: t + 1)
                #expect(comeback == nil && writes.isEmpty, "A is back as a follower and writes nothing")
                clock.advance(60)
                t += 60
            }
            clock.advance(60)
            let (late, _) = await step(b, at: t0 + 36 + 300)
            #expect(late?.outcomes[Self.demoID] == .scaled(from: 2, to: 1), "a full window after the handover it scales down")
            let lease = await server.api.object(.leases, namespace: "inferno-system", name: "inferno-controller-leader")
            #expect(lease?[path: "spec.holderIdentity"] == "pod-b")
        }
    }

    /// Prometheus answering in turn: healthy (the demo scales to 2), garbage, NaN, slower than the client's
    /// timeout, 503, and not listening at all. In every faulty cycle the variant is held at 2 with the reason on
    /// its status (MetricsAvailable False) and no scale is written; healthy again, the cycle completes normally.
    @Test func prometheusFaultsHoldReplicas() async throws {
        let mode = Mode()
        let stub = try await PromClientTests.StubPrometheus { query in
            switch mode.value {
            case "garbage": return HTTPResponse(status: .ok, json: "<html>502 from a proxy</html>")
            case "nan": return PromClientTests.vector(["NaN"])
            case "slow":
                Thread.sleep(forTimeInterval: 4)   // past the client's 2 s timeout
                return PromClientTests.vector(["1"])
            case "503": return HTTPResponse(status: .serviceUnavailable, text: "down")
            default: return Self.healthy(query)
            }
        }
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let prometheus = try PrometheusClient(configuration: PrometheusConfiguration(baseURL: stub.url, timeoutSeconds: 2))
            let r = KubeClusterCycleTests.reconciler(client, load: PrometheusLoadSource(client: prometheus), logs: logs)
            let t0 = Date().timeIntervalSince1970
            let healthy = await r.cycle(at: t0)
            #expect(healthy.outcomes[Self.demoID] == .scaled(from: 1, to: 2), "\(healthy.decisions.map(\.reason))")
            for (k, fault) in ["garbage", "nan", "slow", "503"].enumerated() {
                mode.value = fault
                await server.api.clearRequests()
                let report = await r.cycle(at: t0 + Double(k + 1) * 60)
                let d = try #require(report.decisions.first)
                #expect(d.action != .scale && d.desired == 2 && d.reason.contains("metrics unavailable"), "\(fault): \(d.reason)")
                #expect(report.outcomes[Self.demoID] == .unchanged, "\(fault)")
                #expect(!(await server.api.requests.contains { $0.hasPrefix("PUT") && $0.hasSuffix("/scale") }), "\(fault)")
                let va = await server.api.object(.variantAutoscalings, namespace: Self.ns, name: "vllme-deployment")
                #expect(KubeClusterCycleTests.condition(va, "MetricsAvailable")?["status"] == "False", "\(fault)")
                #expect(await ChaosKubeTests.replicas(server.api) == 2)
            }
            await stub.server.shutdown()   // down: nothing listening
            let down = await r.cycle(at: t0 + 300)
            #expect(down.decisions.first?.desired == 2 && down.outcomes[Self.demoID] == .unchanged)
            #expect(await ChaosKubeTests.replicas(server.api) == 2)
            await prometheus.shutdown()
        }
    }

    /// The answers of a Prometheus holding the demo's 20 requests per minute of 228 output tokens.
    static func healthy(_ query: String) -> HTTPResponse {
        if query.hasPrefix("time()") { return PromClientTests.vector(["3"]) }
        if query.contains("request_success_total") { return PromClientTests.vector(["20"]) }
        if query.contains("deriv") { return PromClientTests.vector(["0"]) }
        if query.contains("prompt") { return PromClientTests.vector(["0"]) }
        if query.contains("generation") { return PromClientTests.vector(["228"]) }
        return PromClientTests.vector(["NaN"])
    }

    final class Mode: @unchecked Sendable {
        private let lock = NSLock()
        private var current = "healthy"
        var value: String {
            get { lock.withLock { current } }
            set { lock.withLock { current = newValue } }
        }
    }
}
