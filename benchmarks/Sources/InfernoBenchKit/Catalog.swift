import Foundation
import InfernoMIP

/// One GPU model: the unit capacity is counted in.
///
/// `decodeSpeed` is relative to an A100 (1.0): how fast one card streams a model's weights in a decode step
/// (memory bandwidth and kernel efficiency together). The figures follow the ratios of the profiles in
/// `examples/fleet.json` (L4 0.33, L40S 0.63, A100 1, MI250 1.25, Gaudi-2 1.18, H100 1.67, MI300X 2.2).
/// Costs are per card per hour, in the range public clouds charge.
public struct GPUModel: Hashable, Sendable {
    public var name: String
    /// The capacity type (the node label's product name).
    public var type: String
    public var memoryGB: Double
    public var decodeSpeed: Double
    public var costPerCardHour: Double
}

/// An accelerator of the catalog: `multiplicity` cards of one GPU model sold and scheduled together.
public struct AcceleratorKind: Hashable, Sendable {
    public var gpu: GPUModel
    public var multiplicity: Int
    public var name: String { multiplicity == 1 ? gpu.name : "\(multiplicity)x\(gpu.name)" }
}

/// A model family member: parameters drive memory, decode time and KV-cache size.
public struct ModelKind: Hashable, Sendable {
    public var name: String
    /// Billions of parameters held in memory (fp16: two bytes each).
    public var parametersB: Double
    /// Billions of parameters read per decode step (smaller than ``parametersB`` for mixtures of experts).
    public var activeParametersB: Double
    /// KV cache per token, MB (grouped-query attention makes it small for recent models).
    public var kvMBPerToken: Double
}

/// The fixed catalog scenarios draw from. Order matters: a scenario with `n` accelerator kinds takes the
/// first `n`, so small scenarios use the common accelerators and larger ones add multi-card and rarer kinds.
public enum Catalog {
    static let l4 = GPUModel(name: "L4", type: "NVIDIA-L4-24GB", memoryGB: 24, decodeSpeed: 0.33, costPerCardHour: 8)
    static let l40s = GPUModel(name: "L40S", type: "NVIDIA-L40S-48GB", memoryGB: 48, decodeSpeed: 0.63, costPerCardHour: 18)
    static let a100 = GPUModel(name: "A100", type: "NVIDIA-A100-SXM4-80GB", memoryGB: 80, decodeSpeed: 1.0, costPerCardHour: 40)
    static let h100 = GPUModel(name: "H100", type: "NVIDIA-H100-80GB-HBM3", memoryGB: 80, decodeSpeed: 1.67, costPerCardHour: 75)
    static let h200 = GPUModel(name: "H200", type: "NVIDIA-H200-141GB", memoryGB: 141, decodeSpeed: 2.1, costPerCardHour: 95)
    static let mi250 = GPUModel(name: "MI250", type: "AMD-MI250-128GB", memoryGB: 128, decodeSpeed: 1.25, costPerCardHour: 32)
    static let mi300x = GPUModel(name: "MI300X", type: "AMD-MI300X-192GB", memoryGB: 192, decodeSpeed: 2.2, costPerCardHour: 65)
    static let gaudi2 = GPUModel(name: "G2", type: "Intel-Gaudi-2-96GB", memoryGB: 96, decodeSpeed: 1.18, costPerCardHour: 23)
    static let a10g = GPUModel(name: "A10G", type: "NVIDIA-A10G-24GB", memoryGB: 24, decodeSpeed: 0.4, costPerCardHour: 10)

    /// Accelerator kinds in the order scenarios take them: 3 → 3 GPU types; 9 → 7 types (with 2×A100 and
    /// 4×H100); 12 → 9 types (adding 8×H200).
    public static let accelerators: [AcceleratorKind] = [
        AcceleratorKind(gpu: a100, multiplicity: 1),
        AcceleratorKind(gpu: l4, multiplicity: 1),
        AcceleratorKind(gpu: h100, multiplicity: 1),
        AcceleratorKind(gpu: mi300x, multiplicity: 1),
        AcceleratorKind(gpu: h100, multiplicity: 4),
        AcceleratorKind(gpu: l40s, multiplicity: 1),
        AcceleratorKind(gpu: gaudi2, multiplicity: 1),
        AcceleratorKind(gpu: a100, multiplicity: 2),
        AcceleratorKind(gpu: mi250, multiplicity: 1),
        AcceleratorKind(gpu: h200, multiplicity: 1),
        AcceleratorKind(gpu: h200, multiplicity: 8),
        AcceleratorKind(gpu: a10g, multiplicity: 1),
    ]

    /// Models from 2B to 72B, including a mixture of experts.
    public static let models: [ModelKind] = [
        ModelKind(name: "granite-3.1-2b", parametersB: 2.5, activeParametersB: 2.5, kvMBPerToken: 0.08),
        ModelKind(name: "llama-3.2-3b", parametersB: 3.2, activeParametersB: 3.2, kvMBPerToken: 0.11),
        ModelKind(name: "mistral-7b", parametersB: 7.2, activeParametersB: 7.2, kvMBPerToken: 0.125),
        ModelKind(name: "llama-3.1-8b", parametersB: 8.0, activeParametersB: 8.0, kvMBPerToken: 0.125),
        ModelKind(name: "granite-3.1-8b", parametersB: 8.2, activeParametersB: 8.2, kvMBPerToken: 0.16),
        ModelKind(name: "llama-2-13b", parametersB: 13, activeParametersB: 13, kvMBPerToken: 0.8),
        ModelKind(name: "qwen-2.5-14b", parametersB: 14.7, activeParametersB: 14.7, kvMBPerToken: 0.19),
        ModelKind(name: "granite-20b", parametersB: 20, activeParametersB: 20, kvMBPerToken: 0.4),
        ModelKind(name: "gemma-2-27b", parametersB: 27, activeParametersB: 27, kvMBPerToken: 0.45),
        ModelKind(name: "granite-34b", parametersB: 34, activeParametersB: 34, kvMBPerToken: 0.5),
        ModelKind(name: "mixtral-8x7b", parametersB: 46.7, activeParametersB: 18, kvMBPerToken: 0.125),
        ModelKind(name: "llama-3.1-70b", parametersB: 70, activeParametersB: 70, kvMBPerToken: 0.31),
        ModelKind(name: "qwen-2.5-72b", parametersB: 72.7, activeParametersB: 72.7, kvMBPerToken: 0.31),
    ]

    /// Service classes for 1 to 4 priority levels: `(name, priority, ITL factor, TTFT target ms)`.
    /// The ITL target of a model in a class is its base target (grows with model size) times the factor.
    public static let classes: [(name: String, priority: Int, itlFactor: Double, ttftMilliseconds: Double, share: Double)] = [
        ("Premium", 1, 1, 500, 0.25),
        ("Standard", 5, 2, 1500, 0.35),
        ("Freemium", 10, 4, 3000, 0.25),
        ("Batch", 20, 6, 6000, 0.15),
    ]

    /// Base ITL target (premium class), ms: 25 ms for an 8B model, 70 ms for a 70B one.
    public static func baseITLTarget(_ m: ModelKind) -> Double { (20 + 0.7 * m.activeParametersB).rounded() }
}

/// How a model performs on an accelerator, derived from the catalog's physics (see docs/benchmark.md):
/// - a replica uses the fewest cards (1, 2, 4 or 8) whose memory holds the fp16 weights with 15% to spare;
/// - `alpha = 3/√speed + 1.6·P_active / (speed · cards^0.9)` ms: a fixed per-step overhead plus streaming the
///   active weights, split over the replica's cards a little below linearly (≈ 15.8 ms for 8B on one A100 and
///   35 ms for 70B on four, as in the fleet example; a small model gains little from a 4-card box); 8% less on
///   a multi-card accelerator (NVLink box); ±5% jitter; `beta` is 2.5–5% of `alpha`;
/// - prefill `gamma = 1.5·alpha`, `delta = alpha · 1.9e-4` per input token and batch slot (the fleet's ratios);
/// - the batch limit at 512 tokens is what the memory left after the weights holds in KV cache, in 4…256.
enum ProfileFactory {
    static func profile(_ m: ModelKind, on kind: AcceleratorKind, rng: inout SplitMix64) -> ModelProfile? {
        let weightsGB = 2 * m.parametersB
        // Fewest accelerators (1, 2, 4, 8) holding the weights, never more than 8 cards per replica.
        guard let accCount = [1, 2, 4, 8].first(where: { n in
            n * kind.multiplicity <= 8 && weightsGB <= 0.85 * kind.gpu.memoryGB * Double(n * kind.multiplicity)
        }) else { return nil }
        let units = accCount * kind.multiplicity
        let speed = kind.gpu.decodeSpeed
        var alpha = 3 / speed.squareRoot() + 1.6 * m.activeParametersB / (speed * pow(Double(units), 0.9))
        if kind.multiplicity > 1 { alpha *= 0.92 }
        alpha *= rng.double(0.95...1.05)
        let beta = alpha * rng.double(0.025...0.05)
        let freeGB = 0.9 * kind.gpu.memoryGB * Double(units) - weightsGB
        let batchAt512 = Int(freeGB * 1024 / (m.kvMBPerToken * 512))
        return ModelProfile(model: m.name, accelerator: kind.name, acceleratorCount: accCount,
                            maxBatchSize: min(256, max(4, batchAt512)), atTokens: 512,
                            decode: DecodeParameters(alpha: round2(alpha), beta: round4(beta)),
                            prefill: PrefillParameters(gamma: round2(1.5 * alpha), delta: round6(alpha * 1.9e-4)))
    }

    static func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
    static func round4(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
    static func round6(_ x: Double) -> Double { (x * 1_000_000).rounded() / 1_000_000 }
}
