import Foundation
import InfernoControl
import InfernoFormats

/// Turns a cycle's decision for one variant into its VariantAutoscaling status (docs/formats.md §2). Pure.
///
/// Conditions: `MetricsAvailable` (from the load measurement), `OptimizationReady` (from the decision), and
/// `AbleToScale` (from the actuation, named and reasoned as the HPA's) so that a failed scale is visible on the
/// object. A condition keeps its `lastTransitionTime` while its status stays the same.
package enum VariantStatusBuilder {
    package enum ConditionType {
        package static let metricsAvailable = "MetricsAvailable"
        package static let optimizationReady = "OptimizationReady"
        package static let ableToScale = "AbleToScale"
    }

    /// What the status write needs besides the decision.
    package struct Context {
        package var outcome: ActuationOutcome
        /// The status as stored (fields it has and this write does not set are kept).
        package var previous: JSONValue
        package var generation: Int?
        /// Cost of one replica per hour, when known (cost ConfigMap, else the spec's `variantCost`).
        package var costPerReplica: Double?
        /// Why the replicas are unknown, when they are (a fresh read of the Deployment failing).
        package var replicasError: String?
        package var now: Date
    }

    /// The new `status` tree: the previous one merged with what this cycle knows.
    package static func status(for d: VariantDecision, _ ctx: Context) -> JSONValue {
        let v = d.variant
        let time = KubeTime.string(ctx.now)
        let previousConditions = (try? (ctx.previous["conditions"] ?? .array([])).decode([KubeCondition].self)) ?? []
        var update: [String: JSONValue] = [:]

        let replicas: Int? = switch ctx.outcome {
        case .scaled(_, let to): to
        default: v.currentReplicas
        }
        let profile = v.profiles.first { $0.accelerator == v.accelerator }
        if let replicas, !v.accelerator.isEmpty {
            let load = d.load.load
            let previousLoad = ctx.previous[path: "currentAlloc.load"]
            let loadJSON: JSONValue = load.map {
                ["arrivalRate": .string(f2($0.arrivalRatePerMinute)), "avgInputTokens": .string(f2($0.meanInputTokens)),
                 "avgOutputTokens": .string(f2($0.meanOutputTokens))]
            } ?? previousLoad ?? ["arrivalRate": "0.00", "avgInputTokens": "0.00", "avgOutputTokens": "0.00"]
            update["currentAlloc"] = [
                "accelerator": .string(v.accelerator),
                "numReplicas": .number(Double(replicas)),
                "maxBatch": .number(Double(d.batchLimit ?? profile?.maxBatchSize ?? 0)),
                "variantCost": .string(f2((ctx.costPerReplica ?? 0) * Double(replicas))),
                "itlAverage": .string(f2(load?.itlMilliseconds ?? 0)),
                "ttftAverage": .string(f2(load?.ttftMilliseconds ?? 0)),
                "load": loadJSON,
            ]
        }
        if v.invalidReason == nil, v.currentReplicas != nil {
            // Never an empty accelerator, also at zero replicas: upstream's schema rejects it.
            let accelerator = d.accelerator.isEmpty ? v.accelerator : d.accelerator
            if !accelerator.isEmpty {
                var desired: JSONValue = [
                    "lastRunTime": .string(time), "accelerator": .string(accelerator),
                    "numReplicas": .number(Double(d.action == .scale ? d.targetReplicas : d.current)),
                ]
                if let share = d.plannedShare, d.action == .scale { desired = desired.mergePatched(with: ["modelShare": .string(f2(share))]) }
                update["desiredOptimizedAlloc"] = desired
            }
        }
        let applied: Bool = switch ctx.outcome {
        case .scaled, .published: true
        case .unchanged: d.action == .scale
        case .failed, .observed: false
        }
        update["actuation"] = ["applied": .bool(applied)]
        if let t = d.tuning { update[TuningStatusJSON.field] = TuningStatusJSON.json(t) }

        var conditions = [metricsCondition(d), optimizationCondition(d, replicasError: ctx.replicasError)]
        if let scaling = scalingCondition(d, ctx.outcome) { conditions.append(scaling) }
        let merged = merge(conditions.map { stamped($0, time: time, generation: ctx.generation) }, into: previousConditions)
        update["conditions"] = (try? JSONValue(encoding: merged)) ?? .array([])

        return (ctx.previous.object == nil ? JSONValue.object([:]) : ctx.previous).mergePatched(with: .object(update))
    }

    private static func stamped(_ c: KubeCondition, time: String, generation: Int?) -> KubeCondition {
        var c = c
        c.lastTransitionTime = time
        c.observedGeneration = generation
        return c
    }

    /// New conditions replace old ones of the same type, keeping the old transition time when the status did not
    /// change; conditions of other types (written by someone else) stay.
    package static func merge(_ new: [KubeCondition], into old: [KubeCondition]) -> [KubeCondition] {
        var out = old
        for var c in new {
            if let i = out.firstIndex(where: { $0.type == c.type }) {
                if out[i].status == c.status { c.lastTransitionTime = out[i].lastTransitionTime }
                out[i] = c
            } else {
                out.append(c)
            }
        }
        return out
    }

    package static func metricsCondition(_ d: VariantDecision) -> KubeCondition {
        func c(_ status: String, _ reason: String, _ message: String) -> KubeCondition {
            KubeCondition(type: ConditionType.metricsAvailable, status: status, reason: reason, message: message,
                          lastTransitionTime: "")
        }
        if let invalid = d.variant.invalidReason {
            return c("Unknown", "MetricsMissing", "not queried: the VariantAutoscaling is invalid (\(invalid))")
        }
        switch d.load {
        case .available(let l):
            return c("True", "MetricsFound", String(format: "%.2f req/min, %.0f input and %.0f output tokens per request",
                                                     l.arrivalRatePerMinute, l.meanInputTokens, l.meanOutputTokens))
        case .missing(let why): return c("False", "MetricsMissing", why)
        case .stale(let why): return c("False", "MetricsStale", why)
        case .failed(let why): return c("False", "PrometheusError", why)
        }
    }

    package static func optimizationCondition(_ d: VariantDecision, replicasError: String?) -> KubeCondition {
        func c(_ status: String, _ reason: String, _ message: String) -> KubeCondition {
            // An allocation that is the greedy fallback says so, whatever else it says.
            guard let fallback = d.solverFallback, case .scale = d.action else {
                return KubeCondition(type: ConditionType.optimizationReady, status: status, reason: reason, message: message,
                                     lastTransitionTime: "")
            }
            return KubeCondition(type: ConditionType.optimizationReady, status: status, reason: "SolverFallback",
                                 message: message + "; the MIP failed (\(fallback)), so this is the greedy answer",
                                 lastTransitionTime: "")
        }
        let v = d.variant
        switch d.action {
        case .scale:
            if !d.fullyServed, (d.optimized ?? 0) == 0 {
                // Nothing placed: no capacity left for it, or no accelerator meets its SLOs.
                return c("False", "OptimizationFailed", "not placed: \(d.reason); keeping \(d.targetReplicas) replica(s)")
            }
            var message = "\(d.desired) replica(s) of \(d.accelerator)"
            if let o = d.optimized, o != d.desired { message += " (optimizer: \(o))" }
            message += ": \(d.reason)"
            if !d.fullyServed { message += "; SLOs are not predicted to be met" }
            return c("True", "OptimizationSucceeded", message)
        case .hold(let why):
            if let invalid = v.invalidReason { return c("False", "InvalidConfiguration", invalid) }
            if v.currentReplicas == nil {
                return c("False", "OptimizationFailed", why + (replicasError.map { ": \($0)" } ?? ""))
            }
            if d.load.load == nil { return c("False", "MetricsUnavailable", why) }
            return c("False", "InvalidConfiguration", why)
        }
    }

    /// Nil while holding: nothing was attempted, the previous condition stays.
    package static func scalingCondition(_ d: VariantDecision, _ outcome: ActuationOutcome) -> KubeCondition? {
        func c(_ status: String, _ reason: String, _ message: String) -> KubeCondition {
            KubeCondition(type: ConditionType.ableToScale, status: status, reason: reason, message: message,
                          lastTransitionTime: "")
        }
        switch outcome {
        case .scaled(let from, let to): return c("True", "SucceededRescale", "scaled \(d.variant.scaleTarget) from \(from) to \(to)")
        case .published: return c("True", "ScalingDelegated", "desired replicas published as metrics (--actuation=metrics)")
        case .observed:
            guard d.action == .scale else { return nil }
            return c("False", "ScalingDisabled",
                     "observe-only (--actuation=none): \(d.variant.scaleTarget) left at \(d.current), desired \(d.targetReplicas)")
        case .failed(let failure, let why): return c("False", failure.rawValue, why)
        case .unchanged:
            guard d.action == .scale else { return nil }
            return c("True", "ReadyForNewScale", "\(d.variant.scaleTarget) has the desired \(d.desired) replica(s)")
        }
    }

    package static func f2(_ x: Double) -> String { String(format: "%.2f", x.isFinite ? max(0, x) : 0) }
}
