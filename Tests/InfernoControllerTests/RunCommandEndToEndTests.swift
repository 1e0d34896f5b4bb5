import AsyncHTTPClient
import Foundation
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

/// `inferno-controller run` as a process: the built binary against the in-process API server (seeded with the
/// seed's demo) and a real Prometheus scraping an exporter of vLLM metrics at the seed's 20 requests per minute of
/// 228 output tokens. It must read everything, scale the demo Deployment to the seed's 2 replicas, become ready,
/// publish its metrics, and stop cleanly on SIGTERM; and everything it asked the API server for is granted by the
/// RBAC manifests.
@Suite struct RunCommandEndToEndTests {
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("inferno-controller")
    }

    static func get(_ url: String) async -> (Int, String)? {
        guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2)),
              let body = try? await response.body.collect(upTo: 1 << 22) else { return nil }
        return (Int(response.status.code), String(buffer: body))
    }

    @Test func runScalesTheSeedDemoAndStopsOnSIGTERM() async throws {
        let binary = Self.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the product first: swift build")
        try await RunHarness.with(binary: binary, interval: "2s") { run in
            let (server, process, log) = (run.server, run.process, run.log)
            let (metricsPort, healthPort) = (run.metricsPort, run.healthPort)
            var replicas: Int?
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                replicas = await server.api.object(.deployments, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")?[path: "spec.replicas"]?.int
                if replicas == 2 { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(replicas == 2, "the seed's decision at 20 req/min; log:\n\(output.suffix(3000))")
            let ready = await Self.get("http://127.0.0.1:\(healthPort)/readyz")
            #expect(ready?.0 == 200)
            let metrics = await Self.get("http://127.0.0.1:\(metricsPort)/metrics")
            #expect(metrics?.1.contains("inferno_desired_replicas{") == true)
            // The status is written after the scale (act, then record): on a loaded machine it may lag a moment.
            var va = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            while va?[path: "status.desiredOptimizedAlloc.numReplicas"]?.int != 2, Date() < deadline.addingTimeInterval(10) {
                try await Task.sleep(for: .milliseconds(200))
                va = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            }
            #expect(va?[path: "status.desiredOptimizedAlloc.numReplicas"]?.int == 2)
            #expect(output.contains("\"msg\":\"controller started\""), "JSON logs")
            #expect(output.contains("\"msg\":\"effective configuration\""), "the settings and their sources at start-up")
            let config = await Self.get("http://127.0.0.1:\(metricsPort)/debug/config")
            #expect(config?.0 == 200 && config?.1.contains("GLOBAL_OPT_INTERVAL") == true && config?.1.contains("--leader-elect") == true)

            process.terminate()   // SIGTERM
            let stopBy = Date().addingTimeInterval(15)
            while process.isRunning, Date() < stopBy { try await Task.sleep(for: .milliseconds(100)) }
            #expect(!process.isRunning, "stops within 15 s of SIGTERM")
            if !process.isRunning { #expect(process.terminationStatus == 0) }
            // The graceful shutdown reached leader election after the loop: the Lease was released, so a
            // successor need not wait for it to expire.
            let lease = await server.api.object(.leases, namespace: KubeDemoCluster.controllerNamespace, name: "inferno-controller-leader")
            #expect(lease != nil && lease?[path: "spec.holderIdentity"] == nil, "lease after SIGTERM: \(String(describing: lease))")
            #expect(output.contains("became leader"))

            // Every permission this run needed from the API server (settings, a cycle that scales and writes
            // status, the variant poll, leader election and the lease's release) is granted by the manifests,
            // derived from the requests themselves rather than from a list written beside the YAML.
            let (clusterRole, role) = try PromDeployTests.rbacRules()
            let granted = clusterRole.union(role)
            let used = await server.api.permissionsUsed
            #expect(used.isSubset(of: granted), "used but not granted: \(used.subtracting(granted).sorted())")
            #expect(used.contains("apps/deployments/scale:update") && used.contains("coordination.k8s.io/leases:update"),
                    "the run scaled and held the lease: \(used.sorted())")
            #expect(used.contains("core/events:create"), "the scale was recorded as an Event: \(used.sorted())")
        }
    }
}
