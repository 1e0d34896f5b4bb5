import InfernoControl
import InfernoHTTP
import InfernoMIP

/// What the dashboard shows beside the replica gauges (`deploy/grafana/inferno-dashboard.json`): GPUs in use and
/// available per GPU type, and each variant's predicted and observed latencies. On the same registry as
/// `ControllerMetrics`, so one `/metrics` serves both.
final class FleetMetrics: Sendable {
    static let gpusUsed = "inferno_gpus_used"
    static let gpusAvailable = "inferno_gpus_available"
    static let predictedTTFT = "inferno_predicted_ttft_seconds"
    static let predictedITL = "inferno_predicted_itl_seconds"
    static let observedTTFT = "inferno_observed_ttft_seconds"
    static let observedITL = "inferno_observed_itl_seconds"

    let registry: MetricsRegistry

    init(registry: MetricsRegistry) {
        self.registry = registry
        registry.register(Self.gpusUsed, kind: .gauge, help: "GPUs the last cycle's allocation uses, per GPU type.",
                          labels: ["gpu_type"])
        registry.register(Self.gpusAvailable, kind: .gauge, help: "GPUs the nodes offer, per GPU type.", labels: ["gpu_type"])
        for (name, help) in [(Self.predictedTTFT, "Time to first token the model predicts at the desired replicas, seconds."),
                             (Self.predictedITL, "Inter-token latency the model predicts at the desired replicas, seconds."),
                             (Self.observedTTFT, "Mean time to first token vLLM reported over the last window, seconds."),
                             (Self.observedITL, "Mean inter-token latency vLLM reported over the last window, seconds.")] {
            registry.register(name, kind: .gauge, help: help, labels: ControllerMetrics.variantLabels)
        }
    }

    /// Replaces the per-type gauges with this cycle's usage (types without a known capacity get no
    /// `inferno_gpus_available`).
    func record(usage: [TypeUsage]) {
        registry.replaceGauge(Self.gpusUsed, with: usage.map { (["gpu_type": $0.type], Double($0.cardsUsed)) })
        registry.replaceGauge(Self.gpusAvailable, with: usage.compactMap { u in u.cardsAvailable.map { (["gpu_type": u.type], Double($0)) } })
    }

    /// Replaces the latency gauges with this cycle's decisions; an unknown latency is absent, never 0.
    func emit(decisions: [VariantDecision]) {
        var series: [String: [([String: String], Double)]] = [:]
        for d in decisions {
            let labels = ["variant_name": d.variant.id.name, "namespace": d.variant.id.namespace, "accelerator_type": d.accelerator]
            let values: [(String, Double?)] = [
                (Self.predictedTTFT, d.predictedTTFT), (Self.predictedITL, d.predictedITL),
                (Self.observedTTFT, d.load.load?.ttftMilliseconds), (Self.observedITL, d.load.load?.itlMilliseconds),
            ]
            for (name, ms) in values {
                if let ms, ms.isFinite { series[name, default: []].append((labels, ms / 1000)) }
            }
        }
        for name in [Self.predictedTTFT, Self.predictedITL, Self.observedTTFT, Self.observedITL] {
            registry.replaceGauge(name, with: series[name] ?? [])
        }
    }
}
