import Foundation
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

/// Two variants of one model in one namespace against a real Prometheus: each is measured over its own pods (its
/// Deployment's selector labels on the series), never by `model_name` alone, and the model is planned once with
/// the sum; the gateway query brings a model at zero back.
@Suite(.serialized) struct PromMultiVariantTests {
    static let model = "meta-llama/Llama-3.1-8B"
    static let h100 = VLLMTestExporter.Model(name: model, namespace: "team-a", pods: 2, requestsPerMinute: 120, promptTokens: 500,
                                             generationTokens: 300, labels: ["app_kubernetes_io_name": "llama-h100"])
    static let l40s = VLLMTestExporter.Model(name: model, namespace: "team-a", pods: 3, requestsPerMinute: 30, promptTokens: 500,
                                             generationTokens: 300, labels: ["app_kubernetes_io_name": "llama-l40s"])
    /// What an endpoint picker's per-model queue would show: a gauge per model, read as requests per minute.
    static let gateway = "sum(vllm:num_requests_waiting{model_name=$model,namespace=$namespace,app_kubernetes_io_name=\"gateway\"})"
    static let queue = VLLMTestExporter.Model(name: model, namespace: "team-b", requestsPerMinute: 0, waitingGrowthPerSecond: 0,
                                              labels: ["app_kubernetes_io_name": "gateway"])

    static func variant(_ name: String, accelerator: String, namespace: String = "team-a", current: Int, ready: Int? = nil) -> VariantObservation {
        let profiles = [
            ModelProfile(model: model, accelerator: "H100", maxBatchSize: 96, atTokens: 512, decode: DecodeParameters(alpha: 6, beta: 0.12),
                         prefill: PrefillParameters(gamma: 4, delta: 0.002)),
            ModelProfile(model: model, accelerator: "L40S", maxBatchSize: 32, atTokens: 512, decode: DecodeParameters(alpha: 16, beta: 0.4),
                         prefill: PrefillParameters(gamma: 10, delta: 0.006)),
        ]
        var v = VariantObservation(id: VariantID(namespace: namespace, name: name), modelID: model, accelerator: accelerator, profiles: profiles,
                                   minReplicas: 0, maxReplicas: nil, scaleTarget: name, currentReplicas: current,
                                   readyReplicas: ready ?? current, invalidReason: nil)
        // The selector's label as on the Deployment; the series carry it sanitized.
        v.podSelector = ["app.kubernetes.io/name": name]
        v.sharesModel = true
        return v
    }

    struct Cluster: ClusterSource {
        var variants: [VariantObservation]
        func observe() async throws -> ClusterObservation {
            ClusterObservation(variants: variants,
                               accelerators: [Accelerator(name: "H100", type: "NVIDIA-H100", costPerHour: 100),
                                              Accelerator(name: "L40S", type: "NVIDIA-L40S", costPerHour: 15)],
                               capacity: Capacity(["NVIDIA-H100": 8, "NVIDIA-L40S": 16]),
                               serviceClasses: [ServiceClass(name: "Premium", priority: 1,
                                                             targets: [PromMultiVariantTests.model: SLOTarget(itlMilliseconds: 30, ttftMilliseconds: 500)])])
        }
    }

    @Test func variantsAreMeasuredOverTheirOwnPodsAndPlannedTogether() async throws {
        var queue = Self.queue
        queue.waitingGrowthPerSecond = 0.5   // 30 requests after a minute: "demand" for the model at zero
        let exporter = try await VLLMTestExporter(models: [Self.h100, Self.l40s, queue])
        defer { Task { await exporter.shutdown() } }
        let harness = try await PrometheusHarness.start(targets: [exporter.target])
        let client = try PrometheusClient(configuration: PrometheusConfiguration(baseURL: harness.baseURL, timeoutSeconds: 3))
        do {
            try await PromCollectorTests().waitForFullWindow(client)
            var source = PrometheusLoadSource(client: client, queries: VLLMQueries(window: PromCollectorTests.window), staleAfterSeconds: 10)
            let h = Self.variant("llama-h100", accelerator: "H100", current: 2)
            let l = Self.variant("llama-l40s", accelerator: "L40S", current: 3)
            let lh = try #require(await source.load(of: h).load), ll = try #require(await source.load(of: l).load)
            // Within 10% each (a 10 s `rate()` on a loaded machine reads a few percent off); by model_name alone each
            // would read 150.
            #expect(abs(lh.arrivalRatePerMinute - 120) <= 12, "H100 variant \(lh.arrivalRatePerMinute)")
            #expect(abs(ll.arrivalRatePerMinute - 30) <= 3, "L40S variant \(ll.arrivalRatePerMinute)")
            // By model_name alone each variant would read the whole model's 150: refused when it shares the model.
            var unselected = h
            unselected.podSelector = nil
            if case .missing(let why) = await source.load(of: unselected) { #expect(why.contains("selector")) } else { Issue.record("measured by model_name alone") }

            let reconciler = Reconciler(cluster: Cluster(variants: [h, l]), metrics: source, actuator: RecordingActuator(),
                                        planner: Planner(analyzer: AnalyzerSettings(), solver: MIPSolver(),
                                                         options: OptimizerOptions(saturationPolicy: .priorityExhaustive)),
                                        stabilizationWindowSeconds: 0, logger: Logger(label: "test"))
            let report = await reconciler.cycle(at: 0)
            #expect(report.decisions.count == 2 && report.decisions.allSatisfy { $0.action == .scale })
            let shares = report.decisions.compactMap(\.plannedShare)
            #expect(shares.count == 2 && abs(shares.reduce(0, +) - 1) < 1e-9, "\(shares)")
            #expect(report.decisions.allSatisfy { $0.reason.contains("team-a/\(Self.model)") })

            // A model whose variants are all at zero comes back on the gateway's demand.
            source.gatewayQuery = Self.gateway
            let zeroH = Self.variant("llama-h100", accelerator: "H100", namespace: "team-b", current: 0)
            let zeroL = Self.variant("llama-l40s", accelerator: "L40S", namespace: "team-b", current: 0)
            let demand = await source.unservedDemand(of: ModelKey(namespace: "team-b", name: Self.model), variants: [zeroH, zeroL])
            #expect((demand ?? 0) > 0, "gateway demand \(String(describing: demand))")
            let back = Reconciler(cluster: Cluster(variants: [zeroH, zeroL]), metrics: source, actuator: RecordingActuator(),
                                  planner: Planner(analyzer: AnalyzerSettings(), solver: MIPSolver(),
                                                   options: OptimizerOptions(saturationPolicy: .priorityExhaustive)),
                                  stabilizationWindowSeconds: 0, logger: Logger(label: "test"))
            let up = await back.cycle(at: 0)
            #expect(up.decisions.reduce(0) { $0 + $1.desired } >= 1, "\(up.decisions.map { "\($0.variant.id) \($0.desired) \($0.reason)" })")
        } catch {
            await client.shutdown()
            await harness.stop()
            throw error
        }
        await client.shutdown()
        await harness.stop()
    }
}
