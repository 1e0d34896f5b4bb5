import Foundation
import InfernoTestSupport

/// `inferno-controller run` as a process, against the in-process API server seeded with the seed's demo and a real
/// Prometheus scraping an exporter at the seed's 20 requests per minute of 228 output tokens: the set-up the
/// end-to-end test and the soak share.
struct RunHarness {
    var server: FakeKubernetesServer
    var process: Process
    var metricsPort: Int
    var healthPort: Int
    /// The controller's JSON log.
    var log: URL

    static func with(binary: URL, interval: String, _ body: (RunHarness) async throws -> Void) async throws {
        let exporter = try await VLLMTestExporter(models: [
            .init(name: "default/default", namespace: KubeDemoCluster.namespace, requestsPerMinute: 20,
                  promptTokens: 0, generationTokens: 228, ttftSeconds: 0.02, itlSeconds: 0.021),
        ])
        defer { Task { await exporter.shutdown() } }
        try await PrometheusHarness.with(targets: [exporter.target]) { prometheus in
            try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, _ in
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inferno-run-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: dir) }
                let kubeconfig = dir.appendingPathComponent("kubeconfig").path
                try server.writeKubeconfig(to: kubeconfig)
                let metricsPort = try await PrometheusHarness.freePort(), healthPort = try await PrometheusHarness.freePort()
                let log = dir.appendingPathComponent("controller.log")
                let process = try ChildProcess.start(binary, [
                    "run", "--kubeconfig", kubeconfig, "--controller-namespace", KubeDemoCluster.controllerNamespace,
                    "--interval", interval, "--prometheus-url", prometheus.baseURL, "--solver", "mip",
                    "--metrics-bind-address", "127.0.0.1:\(metricsPort)", "--health-probe-bind-address", "127.0.0.1:\(healthPort)",
                    "--log-format", "json", "--leader-elect",
                ], log: log)
                defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
                try await body(RunHarness(server: server, process: process, metricsPort: metricsPort, healthPort: healthPort, log: log))
            }
        }
    }
}
