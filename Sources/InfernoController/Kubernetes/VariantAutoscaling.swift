import Foundation
import InfernoMIP

/// `llmd.ai/v1alpha1` VariantAutoscaling (FORMATS.md §2): one model on one accelerator, autoscaled.
struct VariantAutoscaling: KubernetesObject {
    static let resource = KubeResource.variantAutoscalings
    /// The label naming the accelerator the variant runs on (a key of the cost ConfigMap).
    static let acceleratorLabel = "inference.optimization/acceleratorName"

    var apiVersion: String? = "llmd.ai/v1alpha1"
    var kind: String? = "VariantAutoscaling"
    var metadata: ObjectMeta
    var spec: VariantAutoscalingSpec
    var status: VariantAutoscalingStatus?

    var accelerator: String? { metadata.labels?[Self.acceleratorLabel] }
}

struct VariantAutoscalingSpec: Codable, Sendable, Hashable {
    /// The model as the metrics label it (`model_name`).
    var modelID: String
    var sloClassRef: ConfigMapKeyRef?
    var modelProfile: ModelProfileSpec
    /// Cost of one replica, informational (upstream writes it as a string).
    var variantCost: String?
    /// The Deployment to scale; upstream's default is the Deployment named like the VariantAutoscaling.
    var scaleTargetRef: ScaleTargetRef?
    var minReplicas: Int?
    var maxReplicas: Int?

    struct ConfigMapKeyRef: Codable, Sendable, Hashable {
        var name: String?
        var key: String?
    }

    /// `autoscaling/v1` CrossVersionObjectReference.
    struct ScaleTargetRef: Codable, Sendable, Hashable {
        var apiVersion: String?
        var kind: String?
        var name: String
    }

    struct ModelProfileSpec: Codable, Sendable, Hashable {
        var accelerators: [AcceleratorProfile]
    }

    private enum CodingKeys: String, CodingKey {
        case modelID, sloClassRef, modelProfile, variantCost, scaleTargetRef, minReplicas, maxReplicas
    }

    init(modelID: String, modelProfile: ModelProfileSpec, variantCost: String? = nil,
         scaleTargetRef: ScaleTargetRef? = nil, minReplicas: Int? = nil, maxReplicas: Int? = nil) {
        self.modelID = modelID
        self.modelProfile = modelProfile
        self.variantCost = variantCost
        self.scaleTargetRef = scaleTargetRef
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelID = try c.decode(String.self, forKey: .modelID)
        sloClassRef = try c.decodeIfPresent(ConfigMapKeyRef.self, forKey: .sloClassRef)
        modelProfile = try c.decode(ModelProfileSpec.self, forKey: .modelProfile)
        variantCost = try c.lenientDouble(.variantCost).map(KubeJSON.format)
        scaleTargetRef = try c.decodeIfPresent(ScaleTargetRef.self, forKey: .scaleTargetRef)
        minReplicas = try c.lenientInt(.minReplicas)
        maxReplicas = try c.lenientInt(.maxReplicas)
    }

    /// What is wrong with the values (the structure already decoded), as `field: problem`.
    var problems: [String] {
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
            if let t = a.atTokens, Double(t) > InputLimits.tokens { out.append("\(at).atTokens: \(t) > \(plainNumber(InputLimits.tokens))") }
            for (name, v) in [("alpha", a.alpha), ("beta", a.beta), ("gamma", a.gamma), ("delta", a.delta)]
            where v < 0 || !v.isFinite || v > InputLimits.milliseconds {
                out.append("\(at): \(name) = \(v) is not a number in [0, \(plainNumber(InputLimits.milliseconds))] ms")
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

/// One accelerator's profile. Read from upstream's nested form
/// (`perfParms: {decodeParms: {alpha, beta}, prefillParms: {gamma, delta}}`) or its older flat form
/// (`alpha`, `beta` beside `acc`); numbers may be strings, as upstream writes them.
struct AcceleratorProfile: Codable, Sendable, Hashable {
    /// Used when the profile does not say at what request length `maxBatchSize` was measured: the value of
    /// every upstream example.
    static let defaultAtTokens = 128

    var acc: String
    var accCount: Int
    var maxBatchSize: Int
    var atTokens: Int?
    var alpha: Double
    var beta: Double
    var gamma: Double
    var delta: Double

    init(acc: String, accCount: Int = 1, maxBatchSize: Int, atTokens: Int? = nil, alpha: Double, beta: Double,
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
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        acc = try c.decode(String.self, forKey: .acc)
        accCount = try c.lenientInt(.accCount) ?? 1
        guard let batch = try c.lenientInt(.maxBatchSize) else {
            throw DecodingError.keyNotFound(Keys.maxBatchSize, .init(codingPath: c.codingPath, debugDescription: ""))
        }
        maxBatchSize = batch
        atTokens = try c.lenientInt(.atTokens)
        if c.contains(.perfParms) {
            let perf = try c.nestedContainer(keyedBy: Keys.self, forKey: .perfParms)
            let decode = try perf.nestedContainer(keyedBy: Keys.self, forKey: .decodeParms)
            alpha = try decode.requiredDouble(.alpha)
            beta = try decode.requiredDouble(.beta)
            if perf.contains(.prefillParms) {
                let prefill = try perf.nestedContainer(keyedBy: Keys.self, forKey: .prefillParms)
                gamma = try prefill.lenientDouble(.gamma) ?? 0
                delta = try prefill.lenientDouble(.delta) ?? 0
            } else {
                gamma = 0
                delta = 0
            }
        } else {
            alpha = try c.requiredDouble(.alpha)
            beta = try c.requiredDouble(.beta)
            gamma = try c.lenientDouble(.gamma) ?? 0
            delta = try c.lenientDouble(.delta) ?? 0
        }
    }

    /// Upstream's nested form, numbers as strings.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(acc, forKey: .acc)
        try c.encode(accCount, forKey: .accCount)
        try c.encode(maxBatchSize, forKey: .maxBatchSize)
        try c.encodeIfPresent(atTokens, forKey: .atTokens)
        var perf = c.nestedContainer(keyedBy: Keys.self, forKey: .perfParms)
        var decode = perf.nestedContainer(keyedBy: Keys.self, forKey: .decodeParms)
        try decode.encode(KubeJSON.format(alpha), forKey: .alpha)
        try decode.encode(KubeJSON.format(beta), forKey: .beta)
        var prefill = perf.nestedContainer(keyedBy: Keys.self, forKey: .prefillParms)
        try prefill.encode(KubeJSON.format(gamma), forKey: .gamma)
        try prefill.encode(KubeJSON.format(delta), forKey: .delta)
    }
}

/// What the controller writes back (FORMATS.md §2). Decimal numbers are strings formatted `%.2f`, as upstream.
struct VariantAutoscalingStatus: Codable, Sendable, Hashable {
    var currentAlloc: Allocation?
    var desiredOptimizedAlloc: OptimizedAllocation?
    var actuation: Actuation?
    var conditions: [KubeCondition]?

    struct Allocation: Codable, Sendable, Hashable {
        var accelerator: String
        var numReplicas: Int
        var maxBatch: Int
        var variantCost: String
        var itlAverage: String
        var ttftAverage: String
        var load: LoadProfile
    }

    struct LoadProfile: Codable, Sendable, Hashable {
        /// Requests per minute.
        var arrivalRate: String
        var avgInputTokens: String
        var avgOutputTokens: String
    }

    struct OptimizedAllocation: Codable, Sendable, Hashable {
        var lastRunTime: String?
        /// Never empty, also at zero replicas (upstream's schema has `minLength`).
        var accelerator: String
        var numReplicas: Int
    }

    struct Actuation: Codable, Sendable, Hashable {
        var applied: Bool
    }
}

/// A number for messages: whole numbers without exponent or decimal point (`10000000`, not `1e+07`).
func plainNumber(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)" }

extension KeyedDecodingContainer {
    /// A number written as a number or as a numeric string.
    func lenientDouble(_ key: Key) throws -> Double? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let d = try? decode(Double.self, forKey: key) { return d }
        if let s = try? decode(String.self, forKey: key),
           let d = DecimalNumber.parse(s) { return d }
        let found = (try? decode(KubeJSON.self, forKey: key))?.kindDescription ?? "something else"
        throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "expected a number, found \(found)")
    }

    func lenientInt(_ key: Key) throws -> Int? {
        guard let d = try lenientDouble(key) else { return nil }
        guard d == d.rounded(), abs(d) < 1e15 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self,
                                                   debugDescription: "expected a whole number, found \(d)")
        }
        return Int(d)
    }

    func requiredDouble(_ key: Key) throws -> Double {
        guard let d = try lenientDouble(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: ""))
        }
        return d
    }
}
