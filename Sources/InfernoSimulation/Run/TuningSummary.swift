import Foundation
import InfernoControl
import InfernoMIP

/// How well each variant's online profile estimate (docs/tuning.md) learned the profile its emulated servers
/// really run: the simulation knows the truth the controller never sees.
package struct TuningSummary: Sendable, Codable {
    package var variant: String
    /// First cycle at whose end every estimated coefficient was within 10% of the true one; nil: never.
    package var cyclesToCoefficients: Int?
    /// First cycle at whose end the estimate's predicted mean ITL and TTFT, at the load the variant carried,
    /// were within 10% of the true profile's; nil: never.
    package var cyclesToPredictions: Int?
    /// At the end: largest relative error of a coefficient, the headroom factor, updates taken and rejected.
    package var finalCoefficientError: Double
    package var finalHeadroom: Double
    package var updates: Int
    package var rejections: Int

    /// One entry per variant the loop tuned, in the order of the scenario.
    package static func of(_ r: SimulationRunner.Result) -> [TuningSummary] {
        r.scenario.variants.compactMap { v in
            let id = VariantID(namespace: v.namespace, name: v.name)
            var coefficientsAt: Int?, predictionsAt: Int?
            var last: (TuningStatus, Double)?
            for (k, report) in r.reports.enumerated() {
                guard let d = report.decisions.first(where: { $0.variant.id == id }), let t = d.tuning,
                      let truth = (v.trueProfiles ?? v.profiles).first(where: { $0.accelerator == t.accelerator }) ??
                                  v.profiles.first(where: { $0.accelerator == t.accelerator }),
                      truth.performance.kind == t.estimate.kind else { continue }
                let error = coefficientError(t.estimate, truth.performance)
                if error <= 0.1, coefficientsAt == nil { coefficientsAt = k + 1 }
                if predictionsAt == nil, let l = d.load.load, let ready = d.variant.readyReplicas, ready > 0,
                   let p = predictionError(t.estimate.performance, truth, l, ratePerReplica: l.arrivalRatePerMinute / 60 / Double(ready)),
                   p <= 0.1 { predictionsAt = k + 1 }
                last = (t, error)
            }
            guard let (t, error) = last else { return nil }
            return TuningSummary(variant: v.name, cyclesToCoefficients: coefficientsAt, cyclesToPredictions: predictionsAt,
                                 finalCoefficientError: error, finalHeadroom: t.headroom.max() ?? 1, updates: t.estimate.updates,
                                 rejections: t.estimate.rejections)
        }
    }

    static func coefficientError(_ e: ProfileEstimate, _ truth: PerformanceParameters) -> Double {
        zip(e.coefficients, truth.coefficients).filter { $0.1 > 0 }.map { abs($0.0 / $0.1 - 1) }.max() ?? 0
    }

    /// Relative error of the estimate's predicted mean ITL and TTFT against the true profile's, the larger.
    static func predictionError(_ estimate: PerformanceParameters, _ truth: ModelProfile, _ l: VariantLoad,
                                ratePerReplica: Double) -> Double? {
        guard l.meanOutputTokens >= 1, ratePerReplica > 0 else { return nil }
        let batch = truth.memoryBoundBatchLimit(outputTokens: l.meanOutputTokens)
        func predict(_ p: PerformanceParameters) -> QueueMetrics {
            QueueModel(times: ServiceTimes(performance: p, inputTokens: l.meanInputTokens, outputTokens: l.meanOutputTokens),
                       batchLimit: batch).evaluate(ratePerSecond: ratePerReplica)
        }
        let e = predict(estimate), t = predict(truth.performance)
        return max(abs(e.itlMilliseconds / t.itlMilliseconds - 1), abs(e.ttftMilliseconds / t.ttftMilliseconds - 1))
    }

    package static func text(_ entries: [TuningSummary]) -> String {
        guard !entries.isEmpty else { return "" }
        var out = "  profile estimates (cycles to within 10% of the true profile: coefficients / predictions):\n"
        for e in entries {
            out += String(format: "    %-18@ %@ / %@; now: coefficients within %.0f%%, headroom ×%.2f, %d updates, %d rejected\n",
                          e.variant as NSString, (e.cyclesToCoefficients.map { "\($0)" } ?? "never") as NSString,
                          (e.cyclesToPredictions.map { "\($0)" } ?? "never") as NSString, e.finalCoefficientError * 100,
                          e.finalHeadroom, e.updates, e.rejections)
        }
        return out
    }
}
