import InfernoControl
import InfernoHTTP
import InfernoMIP

/// The online profile estimates (docs/tuning.md) as gauges: one series per variant and coefficient.
extension ControllerMetrics {
    static let profileEstimate = "inferno_profile_estimate"
    static let profileUncertainty = "inferno_profile_estimate_log_stddev"
    static let profileHeadroom = "inferno_profile_headroom_ratio"
    static let profileUpdates = "inferno_profile_estimate_updates"

    static let coefficientLabels = ["variant_name", "namespace", "accelerator_type", "parameter"]

    func registerTuning() {
        registry.register(Self.profileEstimate, kind: .gauge,
                          help: "Online estimate of a profile coefficient of the variant on its accelerator (ms, or ms per token).",
                          labels: Self.coefficientLabels)
        registry.register(Self.profileUncertainty, kind: .gauge,
                          help: "Standard deviation of the natural log of the coefficient's estimate (about its relative uncertainty).",
                          labels: Self.coefficientLabels)
        registry.register(Self.profileHeadroom, kind: .gauge,
                          help: "Factor the sizing multiplied the estimated profile's decode or prefill times by (upper confidence bound; 1 = none).",
                          labels: Self.variantLabels + ["part"])
        registry.register(Self.profileUpdates, kind: .gauge,
                          help: "Measurements the variant's estimate has taken since it started (rejected outliers not counted).",
                          labels: Self.variantLabels)
    }

    /// Replaces the estimate series with this cycle's (a variant without an estimate has none).
    func emitTuning(_ decisions: [VariantDecision]) {
        var estimates: [([String: String], Double)] = [], spreads: [([String: String], Double)] = []
        var headroom: [([String: String], Double)] = [], updates: [([String: String], Double)] = []
        for d in decisions {
            guard let t = d.tuning else { continue }
            let labels = ["variant_name": d.variant.id.name, "namespace": d.variant.id.namespace, "accelerator_type": t.accelerator]
            let e = t.estimate
            for (i, name) in e.prior.coefficientNames.enumerated() where e.estimated[i] {
                var l = labels
                l["parameter"] = name
                estimates.append((l, e.coefficients[i]))
                spreads.append((l, e.uncertainties[i]))
            }
            for (part, factor) in zip(["decode", "prefill"], t.headroom) {
                var l = labels
                l["part"] = part
                headroom.append((l, factor))
            }
            updates.append((labels, Double(e.updates)))
        }
        registry.replaceGauge(Self.profileEstimate, with: estimates)
        registry.replaceGauge(Self.profileUncertainty, with: spreads)
        registry.replaceGauge(Self.profileHeadroom, with: headroom)
        registry.replaceGauge(Self.profileUpdates, with: updates)
    }
}
