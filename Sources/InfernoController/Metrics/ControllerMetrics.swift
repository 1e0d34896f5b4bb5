import InfernoControl
import InfernoHTTP
import InfernoMIP

/// The controller's own metrics (docs/formats.md §6), published on `/metrics` for dashboards, HPA and KEDA.
///
/// `emit(decisions:outcomes:)` runs every cycle, also when nothing changed and when desired is 0: HPA and KEDA
/// read the newest value, and skipping a cycle would leave them acting on a stale one (docs/formats.md §7).
final class ControllerMetrics: Sendable {
    static let desiredReplicas = "inferno_desired_replicas"
    static let currentReplicas = "inferno_current_replicas"
    static let desiredRatio = "inferno_desired_ratio"
    static let scalingTotal = "inferno_replica_scaling_total"
    static let metricsAvailable = "inferno_variant_metrics_available"
    static let actuationFailures = "inferno_actuation_failures_total"
    static let cycleDuration = "inferno_cycle_duration_seconds"
    static let lastCycleTimestamp = "inferno_last_cycle_timestamp_seconds"
    static let cyclesTotal = "inferno_cycles_total"
    static let mipFallbacks = "inferno_mip_fallback_total"
    static let mipGap = "inferno_mip_gap_ratio"

    static let variantLabels = ["variant_name", "namespace", "accelerator_type"]

    /// WVA v0.9's names for the same three gauges, with its labels (`variant_name`, `namespace` of the variant,
    /// `accelerator_type`; Prometheus renames `namespace` to `exported_namespace` when the scrape's target has
    /// one), so that a ScaledObject or HPA written for WVA keeps working (docs/migrating-from-wva.md).
    static let wvaDesiredReplicas = "wva_desired_replicas"
    static let wvaCurrentReplicas = "wva_current_replicas"
    static let wvaDesiredRatio = "wva_desired_ratio"

    let registry: MetricsRegistry
    /// Whether the `wva_*` gauges are published too (`--actuation=metrics`).
    let wvaCompatible: Bool

    init(registry: MetricsRegistry = MetricsRegistry(), wvaCompatible: Bool = false) {
        self.registry = registry
        self.wvaCompatible = wvaCompatible
        if wvaCompatible {
            registry.register(Self.wvaDesiredReplicas, kind: .gauge,
                              help: "WVA-compatible name of inferno_desired_replicas (for existing ScaledObjects and HPAs).",
                              labels: Self.variantLabels)
            registry.register(Self.wvaCurrentReplicas, kind: .gauge,
                              help: "WVA-compatible name of inferno_current_replicas.", labels: Self.variantLabels)
            registry.register(Self.wvaDesiredRatio, kind: .gauge,
                              help: "WVA-compatible name of inferno_desired_ratio.", labels: Self.variantLabels)
        }
        registry.register(Self.desiredReplicas, kind: .gauge,
                          help: "Replicas the controller wants for the variant (after stabilisation). Consumed by HPA/KEDA.",
                          labels: Self.variantLabels)
        registry.register(Self.currentReplicas, kind: .gauge,
                          help: "Replicas the variant's Deployment asks for now.", labels: Self.variantLabels)
        registry.register(Self.desiredRatio, kind: .gauge,
                          help: "Desired over current replicas (desired when current is 0).", labels: Self.variantLabels)
        registry.register(Self.scalingTotal, kind: .counter,
                          help: "Scale operations applied, by direction (up, down) and reason (optimized, best_effort, stabilization, capacity).",
                          labels: ["variant_name", "namespace", "direction", "reason"])
        registry.register(Self.metricsAvailable, kind: .gauge,
                          help: "1 when the variant's load metrics were read this cycle, 0 when missing, stale or failed.",
                          labels: ["variant_name", "namespace"])
        registry.register(Self.actuationFailures, kind: .counter,
                          help: "Scale operations that failed.", labels: ["variant_name", "namespace"])
        registry.register(Self.cycleDuration, kind: .gauge, help: "Duration of the last reconcile cycle, seconds.")
        registry.register(Self.lastCycleTimestamp, kind: .gauge,
                          help: "End of the last reconcile cycle, seconds since the Unix epoch.")
        registry.register(Self.cyclesTotal, kind: .counter, help: "Reconcile cycles by result (success, failed).",
                          labels: ["result"])
        registry.register(Self.mipFallbacks, kind: .counter,
                          help: "MIP solves that had no incumbent and fell back to the greedy answer.")
        registry.register(Self.mipGap, kind: .gauge, help: "Relative MIP gap of the last solve (0 when proven optimal).")
        // Counters without variable labels start at 0, so rate() and alerts see them from the first scrape.
        registry.increment(Self.mipFallbacks, by: 0)
        registry.increment(Self.cyclesTotal, ["result": "success"], by: 0)
        registry.increment(Self.cyclesTotal, ["result": "failed"], by: 0)
        registerTuning()
    }

    /// Publishes every variant's replicas and counts the scale operations of this cycle.
    ///
    /// A variant whose current replicas could not be read gets no replica gauges this cycle: an absent metric makes
    /// HPA hold, whereas a made-up 0 would scale the Deployment to its minimum.
    func emit(decisions: [VariantDecision], outcomes: [VariantID: ActuationOutcome]) {
        var desired: [([String: String], Double)] = []
        var current: [([String: String], Double)] = []
        var ratio: [([String: String], Double)] = []
        var available: [([String: String], Double)] = []
        for d in decisions {
            let id = d.variant.id
            available.append((["variant_name": id.name, "namespace": id.namespace], d.load.load == nil ? 0 : 1))
            guard d.variant.currentReplicas != nil else { continue }
            let labels = ["variant_name": id.name, "namespace": id.namespace, "accelerator_type": d.accelerator]
            desired.append((labels, Double(d.desired)))
            current.append((labels, Double(d.current)))
            ratio.append((labels, d.current == 0 ? Double(d.desired) : Double(d.desired) / Double(d.current)))
        }
        registry.replaceGauge(Self.desiredReplicas, with: desired)
        registry.replaceGauge(Self.currentReplicas, with: current)
        registry.replaceGauge(Self.desiredRatio, with: ratio)
        if wvaCompatible {
            registry.replaceGauge(Self.wvaDesiredReplicas, with: desired)
            registry.replaceGauge(Self.wvaCurrentReplicas, with: current)
            registry.replaceGauge(Self.wvaDesiredRatio, with: ratio)
        }
        registry.replaceGauge(Self.metricsAvailable, with: available)
        emitTuning(decisions)

        for d in decisions {
            switch outcomes[d.variant.id] {
            case .scaled(let from, let to) where from != to:
                registry.increment(Self.scalingTotal, [
                    "variant_name": d.variant.id.name, "namespace": d.variant.id.namespace,
                    "direction": to > from ? "up" : "down", "reason": Self.reasonLabel(d),
                ])
            case .failed:
                registry.increment(Self.actuationFailures, ["variant_name": d.variant.id.name, "namespace": d.variant.id.namespace])
            default:
                break
            }
        }
    }

    /// Records one cycle: its duration, when it ended, whether it read its inputs, and how the MIP went.
    func recordCycle(seconds: Double, endedAt timestamp: Double, failed: Bool, solver: SolverDiagnostics? = nil) {
        registry.set(Self.cycleDuration, to: seconds)
        registry.set(Self.lastCycleTimestamp, to: timestamp)
        registry.increment(Self.cyclesTotal, ["result": failed ? "failed" : "success"])
        if let mip = solver?.mip {
            if mip.fallbackReason != nil { registry.increment(Self.mipFallbacks) }
            registry.set(Self.mipGap, to: mip.gap ?? 0)
        }
    }

    /// A small fixed vocabulary for the `reason` label (free-text reasons would explode the series count):
    /// `optimized` (SLOs met), `best_effort` (capacity short, SLOs not met), `stabilization` (a scale-down limited
    /// by the window), `capacity` (released to fit capacity).
    static func reasonLabel(_ d: VariantDecision) -> String { d.scalingReason.rawValue }
}
