import Foundation
import InfernoControl
import InfernoFormats
import InfernoMIP

/// `llmd.ai/v1alpha1` VariantAutoscaling (docs/formats.md §2): one model on one accelerator, autoscaled.
package struct VariantAutoscaling: KubernetesObject {
    package static let resource = KubeResource.variantAutoscalings
    /// The label naming the accelerator the variant runs on (a key of the cost ConfigMap).
    package static let acceleratorLabel = "inference.optimization/acceleratorName"

    package var apiVersion: String? = "llmd.ai/v1alpha1"
    package var kind: String? = "VariantAutoscaling"
    package var metadata: ObjectMeta
    package var spec: VariantAutoscalingSpec
    package var status: VariantAutoscalingStatus?

    package var accelerator: String? { metadata.labels?[Self.acceleratorLabel] }
}

package struct VariantAutoscalingSpec: Codable, Sendable, Hashable {
    /// The model as the metrics label it (`model_name`).
    package var modelID: String
    package var sloClassRef: ConfigMapKeyRef?
    package var modelProfile: ModelProfileSpec
    /// Cost of one replica, informational (upstream writes it as a string).
    package var variantCost: String?
    /// The Deployment to scale; upstream's default is the Deployment named like the VariantAutoscaling.
    package var scaleTargetRef: ScaleTargetRef?
    package var minReplicas: Int?
    package var maxReplicas: Int?

    package struct ConfigMapKeyRef: Codable, Sendable, Hashable {
        package var name: String?
        package var key: String?
    }

    /// `autoscaling/v1` CrossVersionObjectReference.
    package struct ScaleTargetRef: Codable, Sendable, Hashable {
        package var apiVersion: String?
        package var kind: String?
        package var name: String
    }

    package struct ModelProfileSpec: Codable, Sendable, Hashable {
        package var accelerators: [AcceleratorProfile]
    }

    private enum CodingKeys: String, CodingKey {
        case modelID, sloClassRef, modelProfile, variantCost, scaleTargetRef, minReplicas, maxReplicas
    }

    package init(modelID: String, modelProfile: ModelProfileSpec, variantCost: String? = nil,
         scaleTargetRef: ScaleTargetRef? = nil, minReplicas: Int? = nil, maxReplicas: Int? = nil) {
        self.modelID = modelID
        self.modelProfile = modelProfile
        self.variantCost = variantCost
        self.scaleTargetRef = scaleTargetRef
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
    }

    package init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelID = try c.decode(String.self, forKey: .modelID)
        sloClassRef = try c.decodeIfPresent(ConfigMapKeyRef.self, forKey: .sloClassRef)
        modelProfile = try c.decode(ModelProfileSpec.self, forKey: .modelProfile)
        variantCost = try c.lenientDouble(.variantCost).map(formatNumber)
        scaleTargetRef = try c.decodeIfPresent(ScaleTargetRef.self, forKey: .scaleTargetRef)
        minReplicas = try c.lenientInt(.minReplicas)
        maxReplicas = try c.lenientInt(.maxReplicas)
    }

    /// What is wrong with the values (the structure already decoded), as `field: problem`.
    package var problems: [String] {
        var out: [String] = []
        if modelID.isEmpty { out.append("spec.modelID: empty") }
        if modelProfile.accelerators.isEmpty { out.append("spec.modelProfile.accelerators: empty") }
        for (i, a) in modelProfile.accelerators.enumerated() {
            let at = "spec.modelProfile.accelerators[\(i)]"
            if a.acc.isEmpty { out.append("\(at).acc: empty") }
            if a.accCount < 1 { out.append("\(at).accCount: \(a.accCount) < 1") }
            if a.accCount > InputLimits.cardsPerReplica { out.append("\(at).accCount: \(a.accCount) > \(InputLimits.cardsPerReplica)") }
            if a.maxBatchSize < 1 { out.append("\(at).maxBatchSize: \(a.maxBatchSize) < 1") }
            if a.maxBatchSize > InputLimits.batchSize { out.append("\(at).maxBatchSize: \(a.maxBatchSize) > \(InputLimits.batchSize)") }
            if let t = a.atTokens, t < 1 { out.append("\(at).atTokens: \(t) < 1") }
            if let t = a.atTokens, Double(t) > InputLimits.tokens { out.append("\(at).atTokens: \(t) > \(formatNumber(InputLimits.tokens))") }
            let parameters = a.iteration.map { [("perfParms.alpha", $0.alpha), ("perfParms.beta", $0.beta),
                                                ("perfParms.gamma", $0.gamma)] }
                ?? [("alpha", a.alpha), ("beta", a.beta), ("gamma", a.gamma), ("delta", a.delta)]
            if let t = a.iteration?.maxNumTokens, t < 1 { out.append("\(at).perfParms.maxNumTokens: \(t) < 1") }
            if let t = a.iteration?.maxNumTokens, Double(t) > InputLimits.tokens {
                out.append("\(at).perfParms.maxNumTokens: \(t) > \(formatNumber(InputLimits.tokens))")
            }
            for (name, v) in parameters where v < 0 || !v.isFinite || v > InputLimits.milliseconds {
                out.append("\(at): \(name) = \(v) is not a number in [0, \(formatNumber(InputLimits.milliseconds))] ms")
            }
        }
        if let m = minReplicas, m < 0 { out.append("spec.minReplicas: \(m) < 0") }
        if let m = minReplicas, m > InputLimits.replicas { out.append("spec.minReplicas: \(m) > \(InputLimits.replicas)") }
        if let m = maxReplicas, m > InputLimits.replicas { out.append("spec.maxReplicas: \(m) > \(InputLimits.replicas)") }
        if let m = maxReplicas, m < max(1, minReplicas ?? 0) {
            out.append("spec.maxReplicas: \(m) < max(1, minReplicas)")
        }
        if let ref = scaleTargetRef {
            if ref.name.isEmpty { out.append("spec.scaleTargetRef.name: empty") }
            if let kind = ref.kind, kind != "Deployment" {
                out.append("spec.scaleTargetRef.kind: \"\(kind)\" (only Deployment is supported)")
            }
        }
        return out
    }
}

/// One accelerator's profile, read by the profile reader system JSON uses (``ProfileEntry``, docs/formats.md
/// §9) and written back in upstream's nested form, or in the per-iteration kind's own spelling.
package struct AcceleratorProfile: Codable, Sendable, Hashable {
    /// Used when the profile does not say at what request length `maxBatchSize` was measured.
    package static let defaultAtTokens = ModelProfile.defaultAtTokens

    package var acc: String
    package var accCount: Int
    package var maxBatchSize: Int
    package var atTokens: Int?
    package var alpha: Double
    package var beta: Double
    package var gamma: Double
    package var delta: Double
    /// The per-iteration kind's parameters; nil for the seed kind (then `alpha` ... `delta` hold it).
    package var iteration: IterationParameters?

    package var performance: PerformanceParameters {
        iteration.map(PerformanceParameters.perIteration)
            ?? .seed(decode: DecodeParameters(alpha: alpha, beta: beta), prefill: PrefillParameters(gamma: gamma, delta: delta))
    }

    package init(acc: String, accCount: Int = 1, maxBatchSize: Int, atTokens: Int? = nil, iteration: IterationParameters) {
        self.init(acc: acc, accCount: accCount, maxBatchSize: maxBatchSize, atTokens: atTokens, alpha: 0, beta: 0)
        self.iteration = iteration
    }

    package init(acc: String, accCount: Int = 1, maxBatchSize: Int, atTokens: Int? = nil, alpha: Double, beta: Double,
         gamma: Double = 0, delta: Double = 0) {
        self.acc = acc
        self.accCount = accCount
        self.maxBatchSize = maxBatchSize
        self.atTokens = atTokens
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.delta = delta
    }

    private enum Keys: String, CodingKey {
        case acc, accCount, maxBatchSize, atTokens, perfParms, decodeParms, prefillParms, alpha, beta, gamma, delta
        case maxNumTokens
    }

    /// Reads the entry with the profile reader system JSON uses (docs/formats.md §9); a problem is thrown
    /// as a decoding error at the field it names, the others (if any) follow in its description.
    package init(from decoder: Decoder) throws {
        let value = try JSONValue(from: decoder)
        switch ProfileEntry.read(value) {
        case .success(let entry):
            self.init(acc: entry.accelerator, accCount: entry.acceleratorCount, maxBatchSize: entry.maxBatchSize,
                      atTokens: entry.atTokens, performance: entry.performance)
        case .failure(let error):
            throw Self.decodingError(error, at: decoder.codingPath)
        }
    }

    private init(acc: String, accCount: Int, maxBatchSize: Int, atTokens: Int?, performance: PerformanceParameters) {
        switch performance {
        case .seed(let d, let p):
            self.init(acc: acc, accCount: accCount, maxBatchSize: maxBatchSize, atTokens: atTokens, alpha: d.alpha,
                      beta: d.beta, gamma: p.gamma, delta: p.delta)
        case .perIteration(let i):
            self.init(acc: acc, accCount: accCount, maxBatchSize: maxBatchSize, atTokens: atTokens, iteration: i)
        }
    }

    private static func decodingError(_ error: ProfileEntryError, at path: [CodingKey]) -> DecodingError {
        let first = error.problems[0]
        let keys = path + first.field.split(separator: ".").map { FieldKey(stringValue: String($0)) }
        let more = error.problems.dropFirst().map { "; \($0.field) \($0.message)" }.joined()
        if first.message == "is missing", let key = keys.last, more.isEmpty {
            return .keyNotFound(key, .init(codingPath: Array(keys.dropLast()), debugDescription: ""))
        }
        return .dataCorrupted(.init(codingPath: keys, debugDescription: first.message + more))
    }

    private struct FieldKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Upstream's nested form, numbers as strings.
    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(acc, forKey: .acc)
        try c.encode(accCount, forKey: .accCount)
        try c.encode(maxBatchSize, forKey: .maxBatchSize)
        try c.encodeIfPresent(atTokens, forKey: .atTokens)
        var perf = c.nestedContainer(keyedBy: Keys.self, forKey: .perfParms)
        if let i = iteration {   // the per-iteration kind keeps its own spelling
            try perf.encode(formatNumber(i.alpha), forKey: .alpha)
            try perf.encode(formatNumber(i.beta), forKey: .beta)
            try perf.encode(formatNumber(i.gamma), forKey: .gamma)
            try perf.encode(i.maxNumTokens, forKey: .maxNumTokens)
            return
        }
        var decode = perf.nestedContainer(keyedBy: Keys.self, forKey: .decodeParms)
        try decode.encode(formatNumber(alpha), forKey: .alpha)
        try decode.encode(formatNumber(beta), forKey: .beta)
        var prefill = perf.nestedContainer(keyedBy: Keys.self, forKey: .prefillParms)
        try prefill.encode(formatNumber(gamma), forKey: .gamma)
        try prefill.encode(formatNumber(delta), forKey: .delta)
    }
}

/// What the controller writes back (docs/formats.md §2). Decimal numbers are strings formatted `%.2f`, as upstream.
package struct VariantAutoscalingStatus: Codable, Sendable, Hashable {
    package var currentAlloc: Allocation?
    package var desiredOptimizedAlloc: OptimizedAllocation?
    package var actuation: Actuation?
    package var conditions: [KubeCondition]?

    package struct Allocation: Codable, Sendable, Hashable {
        package var accelerator: String
        package var numReplicas: Int
        package var maxBatch: Int
        package var variantCost: String
        package var itlAverage: String
        package var ttftAverage: String
        package var load: LoadProfile
    }

    package struct LoadProfile: Codable, Sendable, Hashable {
        /// Requests per minute.
        package var arrivalRate: String
        package var avgInputTokens: String
        package var avgOutputTokens: String
    }

    package struct OptimizedAllocation: Codable, Sendable, Hashable {
        package var lastRunTime: String?
        /// Never empty, also at zero replicas (upstream's schema has `minLength`).
        package var accelerator: String
        package var numReplicas: Int
    }

    package struct Actuation: Codable, Sendable, Hashable {
        package var applied: Bool
    }
}
