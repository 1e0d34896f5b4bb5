import Foundation
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoMIP
@testable import InfernoPrometheus
import InfernoTestSupport

/// The Grafana dashboard (`deploy/grafana/inferno-dashboard.json`): every panel's every query, run against a real
/// Prometheus scraping the controller's `/metrics`, returns data — so no panel is empty because of a misspelt
/// metric or label.
@Suite(.serialized) struct PromDashboardTests {
    static func queries() throws -> [(panel: String, expr: String)] {
        let url = PromDeployTests.deploy.appendingPathComponent("grafana/inferno-dashboard.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let panels = json["panels"] as? [[String: Any]] ?? []
        return panels.flatMap { p in
            (p["targets"] as? [[String: Any]] ?? []).compactMap { t in
                (t["expr"] as? String).map { (p["title"] as? String ?? "?", $0) }
            }
        }
    }

    @Test func everyPanelQueryReturnsData() async throws {
        let queries = try Self.queries()
        #expect(queries.count >= 12)
        let metrics = ControllerMetrics()
        let fleet = FleetMetrics(registry: metrics.registry)
        var up = PromMetricsTests.decision("up", current: 1, desired: 2,
                                           load: .available(VariantLoad(arrivalRatePerMinute: 60, meanInputTokens: 100, meanOutputTokens: 100,
                                                                        itlMilliseconds: 21, ttftMilliseconds: 180)))
        up.predictedITL = 20
        up.predictedTTFT = 150
        let held = PromMetricsTests.decision("held", current: 1, desired: 1, action: .hold("no load"), load: .missing("no series"))
        let outcomes: [VariantID: ActuationOutcome] = [up.variant.id: .scaled(from: 1, to: 2), held.variant.id: .unchanged]
        metrics.emit(decisions: [up, held], outcomes: outcomes)
        fleet.emit(decisions: [up, held])
        fleet.record(usage: [TypeUsage(type: "NVIDIA-A100-PCIE-80GB", cardsUsed: 2, cardsAvailable: 4, cost: 80)])
        metrics.recordCycle(seconds: 0.2, endedAt: Date().timeIntervalSince1970, failed: false, solver: SolverDiagnostics(
            mip: MIPDiagnostics(outcome: .optimal, stages: [], gap: 0, fallbackReason: nil, components: 1)))
        let probes = try await ProbeServer.start(metrics: BindAddress(host: "127.0.0.1", port: 0), health: nil,
                                                 registry: metrics.registry, isReady: { true })
        do {
            try await PrometheusHarness.with(targets: ["127.0.0.1:\(probes.metricsPort ?? 0)"]) { harness in
                let client = try PrometheusClient(configuration: PrometheusConfiguration(baseURL: harness.baseURL, timeoutSeconds: 3))
                defer { Task { await client.shutdown() } }
                // increase() needs two samples in its range: keep the counters moving between scrapes.
                var empty: [String] = []
                for (panel, expr) in queries {
                    let deadline = ContinuousClock.now + .seconds(20)
                    var found = false
                    while ContinuousClock.now < deadline {
                        if let r = try? await client.query(expr), !r.samples.isEmpty { found = true; break }
                        metrics.emit(decisions: [up, held], outcomes: outcomes)
                        try await Task.sleep(for: .milliseconds(500))
                    }
                    if !found { empty.append("\(panel): \(expr)") }
                }
                #expect(empty.isEmpty, "panels without data: \(empty)")
            }
        } catch {
            await probes.shutdown()
            throw error
        }
        await probes.shutdown()
    }

    @Test func unknownLatenciesAreAbsentNotZero() {
        let fleet = FleetMetrics(registry: MetricsRegistry())
        fleet.emit(decisions: [PromMetricsTests.decision("a", current: 1, desired: 1)])
        let text = fleet.registry.exposition()
        #expect(!text.contains("inferno_predicted_ttft_seconds{") && !text.contains("inferno_observed_itl_seconds{"))
    }
}
