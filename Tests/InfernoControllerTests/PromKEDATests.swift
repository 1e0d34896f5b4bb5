import AsyncHTTPClient
import Foundation
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoPrometheus
import InfernoTestSupport

/// KEDA-first: with `--actuation=metrics` the controller also publishes WVA v0.9's `wva_*` gauges, so a
/// ScaledObject written for WVA keeps working. The truth is a real Prometheus scraping the controller's `/metrics`
/// the way a ServiceMonitor does (the target has the controller's `namespace`, so the variant's becomes
/// `exported_namespace`), answering the sample ScaledObject's own query.
@Suite(.serialized) struct PromKEDATests {
    @Test func theWVAScaledObjectQueryReturnsTheDesiredReplicas() async throws {
        let metrics = ControllerMetrics(wvaCompatible: true)
        let decision = PromMetricsTests.decision("vllme-deployment", current: 1, desired: 2)
        metrics.emit(decisions: [decision], outcomes: [decision.variant.id: .published])
        let probes = try await ProbeServer.start(metrics: BindAddress(host: "127.0.0.1", port: 0), health: nil,
                                                 registry: metrics.registry, isReady: { true })
        do {
            let keda = try PromDeployTests.document(kind: "ScaledObject", in: "autoscaling/wva-keda-scaledobject.yaml")
            let trigger = try #require(((keda["spec"] as? [String: Any])?["triggers"] as? [[String: Any]])?.first)
            let query = try #require((trigger["metadata"] as? [String: Any])?["query"] as? String)
            #expect(query.contains("wva_desired_replicas") && query.contains("exported_namespace"))
            try await PrometheusHarness.with(targets: ["127.0.0.1:\(probes.metricsPort ?? 0)"],
                                             targetLabels: ["namespace": "inferno-system"]) { harness in
                let client = try PrometheusClient(configuration: PrometheusConfiguration(baseURL: harness.baseURL, timeoutSeconds: 3))
                defer { Task { await client.shutdown() } }
                #expect(try await Self.waitForValue(client, query) == 2)
                // The series as a WVA user's dashboards see it: the controller's namespace and the variant's.
                let series = try await client.query("wva_desired_replicas").samples.first?.labels ?? [:]
                #expect(series["namespace"] == "inferno-system" && series["exported_namespace"] == "llm-d-sim"
                        && series["variant_name"] == "vllme-deployment" && series["accelerator_type"] == "A100", "\(series)")
                #expect(try await Self.waitForValue(client, #"wva_current_replicas{variant_name="vllme-deployment"}"#) == 1)
                #expect(try await Self.waitForValue(client, #"wva_desired_ratio{variant_name="vllme-deployment"}"#) == 2)
            }
        } catch {
            await probes.shutdown()
            throw error
        }
        await probes.shutdown()
    }

    @Test func wvaNamesOnlyWhenAskedFor() {
        let decision = PromMetricsTests.decision("a", current: 1, desired: 2)
        let plain = ControllerMetrics()
        plain.emit(decisions: [decision], outcomes: [:])
        #expect(!plain.registry.exposition().contains("wva_"))
        let compatible = ControllerMetrics(wvaCompatible: true)
        compatible.emit(decisions: [decision], outcomes: [:])
        let text = compatible.registry.exposition()
        #expect(text.contains(#"wva_desired_replicas{variant_name="a",namespace="llm-d-sim",accelerator_type="A100"} 2"#), "\(text)")
    }

    @Test func theWVAHPASampleAndTheAdapterRuleAgree() throws {
        let hpa = try PromDeployTests.document(kind: "HorizontalPodAutoscaler", in: "autoscaling/wva-hpa.yaml")
        let external = (((hpa["spec"] as? [String: Any])?["metrics"] as? [[String: Any]])?.first?["external"]) as? [String: Any]
        #expect((external?["metric"] as? [String: Any])?["name"] as? String == "wva_desired_replicas")
        let adapter = try PromDeployTests.documents(PromDeployTests.deploy.appendingPathComponent("autoscaling/prometheus-adapter-values.yaml"))
        let rules = ((adapter.first?["rules"] as? [String: Any])?["external"] as? [[String: Any]]) ?? []
        #expect(rules.contains { ($0["name"] as? [String: Any])?["as"] as? String == "wva_desired_replicas" })
    }

    /// Polls an instant query until it returns one sample (30 s at most: a first scrape on a loaded machine; a
    /// quiet one answers within two scrape intervals, 1 s each).
    static func waitForValue(_ client: PrometheusClient, _ promql: String) async throws -> Double? {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let v = try? await client.query(promql).samples.first?.value { return v }
            try await Task.sleep(for: .milliseconds(250))
        }
        return nil
    }
}
