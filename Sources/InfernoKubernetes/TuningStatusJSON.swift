import Foundation
import InfernoControl
import InfernoFormats
import InfernoMIP

/// The online profile estimate in a VariantAutoscaling's status, `status.profileEstimate` (docs/reference.md,
/// docs/tuning.md): written every cycle, read back at start so a restarted controller resumes where it stopped.
/// Plain JSON numbers (the status is the controller's own; nothing upstream reads it).
package enum TuningStatusJSON {
    package static let field = "profileEstimate"

    package static func json(_ t: TuningStatus) -> JSONValue {
        let e = t.estimate
        let names = e.prior.coefficientNames
        func coefficients(_ values: [Double]) -> JSONValue {
            var o = Dictionary(uniqueKeysWithValues: zip(names, values.map { JSONValue.number($0) }))
            if case .perIteration(let p) = e.prior { o["maxNumTokens"] = .number(Double(p.maxNumTokens)) }
            return .object(o)
        }
        func pair(_ v: [Double], _ a: String, _ b: String) -> JSONValue { [a: .number(v[0]), b: .number(v[1])] }
        let n = e.logCoefficients.count
        let rows = (0..<n).map { i in JSONValue.array((0..<n).map { .number(e.covariance[i * n + $0]) }) }
        var out: [String: JSONValue] = [
            "accelerator": .string(t.accelerator), "kind": .string(e.kind.rawValue), "priorSource": .string(t.priorSource),
            "prior": coefficients(e.prior.coefficients), "estimate": coefficients(e.coefficients),
            "logCovariance": .array(rows), "priorUncertainty": .number(e.priorUncertainty),
            "priorShapeUncertainty": .number(e.priorShapeUncertainty),
            "predictionUncertainty": pair(e.predictionUncertainties, "itl", "ttft"),
            "headroom": pair(t.headroom, "decode", "prefill"),
            "converged": .bool(t.converged), "updates": .number(Double(e.updates)),
            "rejections": .number(Double(e.rejections)), "consecutiveRejections": .number(Double(e.consecutiveRejections)),
            "lastOutcome": .string(t.lastOutcome),
        ]
        if let nis = e.lastNIS { out["lastNIS"] = .number(nis) }
        return .object(out)
    }

    /// The estimate a status carries; nil when absent or malformed in any way (then the tuner starts from its
    /// prior: a damaged status never stops a cycle).
    package static func read(_ j: JSONValue?) -> TuningStatus? {
        guard let j, let accelerator = j["accelerator"]?.string, let kind = j["kind"]?.string.flatMap(ProfileKind.init(rawValue:)),
              let prior = performance(j["prior"], kind: kind), let estimate = performance(j["estimate"], kind: kind),
              let uncertainty = j["priorUncertainty"]?.double, uncertainty > 0, uncertainty.isFinite,
              let shape = j["priorShapeUncertainty"]?.double, shape >= 0, shape.isFinite,
              let rows = j["logCovariance"]?.array else { return nil }
        let n = prior.coefficients.count
        let matrix = rows.compactMap { $0.array?.compactMap(\.double) }
        guard matrix.count == n, matrix.allSatisfy({ $0.count == n }) else { return nil }
        let flat = matrix.flatMap { $0 }
        guard flat.allSatisfy(\.isFinite), (0..<n).allSatisfy({ flat[$0 * n + $0] >= 0 }) else { return nil }
        let estimated = prior.coefficients.map { $0 > 0 }
        guard zip(estimate.coefficients, estimated).allSatisfy({ $1 ? $0 > 0 : $0 == 0 }) else { return nil }
        var e = ProfileEstimate(prior: prior, uncertainty: uncertainty, shapeUncertainty: shape)
        e.logCoefficients = zip(estimate.coefficients, estimated).map { $1 ? log($0) : 0 }
        e.covariance = flat
        e.updates = j["updates"]?.int ?? 0
        e.rejections = j["rejections"]?.int ?? 0
        e.consecutiveRejections = j["consecutiveRejections"]?.int ?? 0
        e.lastNIS = j["lastNIS"]?.double
        func pair(_ key: String, _ a: String, _ b: String, _ fallback: Double) -> [Double] {
            [a, b].map { j[key]?[$0]?.double.flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } ?? fallback }
        }
        e.predictionUncertainties = pair("predictionUncertainty", "itl", "ttft", uncertainty)
        return TuningStatus(accelerator: accelerator, estimate: e, headroom: pair("headroom", "decode", "prefill", 1),
                            converged: j["converged"]?.bool ?? false, lastOutcome: j["lastOutcome"]?.string ?? "",
                            priorSource: j["priorSource"]?.string ?? "configured")
    }

    /// Coefficients by name, every one finite and not negative.
    private static func performance(_ j: JSONValue?, kind: ProfileKind) -> PerformanceParameters? {
        let names = PerformanceParameters.coefficientNames(of: kind)
        let values = names.compactMap { j?[$0]?.double }
        guard values.count == names.count, values.allSatisfy({ $0.isFinite && $0 >= 0 }) else { return nil }
        switch kind {
        case .seed:
            return PerformanceParameters.seed(decode: DecodeParameters(alpha: 0, beta: 0), prefill: .zero).with(coefficients: values)
        case .perIteration:
            guard let budget = j?["maxNumTokens"]?.int, budget > 0 else { return nil }
            return .perIteration(IterationParameters(alpha: values[0], beta: values[1], gamma: values[2], maxNumTokens: budget))
        }
    }
}
