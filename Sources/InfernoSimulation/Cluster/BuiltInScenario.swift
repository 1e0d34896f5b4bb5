import InfernoControl
import InfernoMIP

extension SimulationScenario {
    /// The scenario a newcomer runs first: 14 cards of three GPU types, four models in two classes, and 30 minutes
    /// of load that rises past what the cluster can serve and falls back.
    ///
    /// - Nodes: three with two A100 each (6 cards), two with two MI300X (4), two with two Gaudi-2 (4); a two-card
    ///   replica needs a node with both cards free.
    /// - Variants (profiles in the ranges seen upstream, docs/model.md), each pinned to its accelerator as a
    ///   VariantAutoscaling is: Premium (priority 1) `llama-3.1-8b` on A100 and `granite-13b` on MI300X;
    ///   Freemium (priority 10) `mixtral-8x7b` on A100 (two cards per replica), competing with Premium llama for
    ///   the A100s, and `qwen-2.5-7b` on Gaudi-2, alone on its type.
    /// - Load: quiet for 4 minutes, ramps to a peak around minutes 12 to 18 (with a 90-second burst on llama and a
    ///   slow oscillation on mixtral), falls back by minute 26. At the peak llama and mixtral need more than the 6
    ///   A100 cards: Premium llama fits alone, so the optimizer must take the A100s from mixtral.
    package static let builtIn: SimulationScenario = {
        let a100 = "NVIDIA-A100-PCIE-80GB", mi300x = "AMD-MI300X-192G", gaudi2 = "Intel-Gaudi-2-96GB"
        let accelerators = [
            Accelerator(name: "A100", type: a100, multiplicity: 1, memoryGB: 80, costPerHour: 40),
            Accelerator(name: "MI300X", type: mi300x, multiplicity: 1, memoryGB: 192, costPerHour: 65),
            Accelerator(name: "G2", type: gaudi2, multiplicity: 1, memoryGB: 96, costPerHour: 23),
        ]
        let nodes = [
            SimulatedNode(name: "node-a100-0", gpus: [a100: 2]), SimulatedNode(name: "node-a100-1", gpus: [a100: 2]),
            SimulatedNode(name: "node-a100-2", gpus: [a100: 2]),
            SimulatedNode(name: "node-g2-0", gpus: [gaudi2: 2]), SimulatedNode(name: "node-g2-1", gpus: [gaudi2: 2]),
            SimulatedNode(name: "node-mi300x-0", gpus: [mi300x: 2]), SimulatedNode(name: "node-mi300x-1", gpus: [mi300x: 2]),
        ]
        func profile(_ model: String, _ acc: String, count: Int = 1, batch: Int, alpha: Double, beta: Double,
                     gamma: Double, delta: Double) -> ModelProfile {
            ModelProfile(model: model, accelerator: acc, acceleratorCount: count, maxBatchSize: batch, atTokens: 512,
                         decode: DecodeParameters(alpha: alpha, beta: beta),
                         prefill: PrefillParameters(gamma: gamma, delta: delta))
        }
        let llama = "llama-3.1-8b", granite = "granite-13b", mixtral = "mixtral-8x7b", qwen = "qwen-2.5-7b"
        let llamaProfiles = [
            profile(llama, "A100", batch: 48, alpha: 12, beta: 0.30, gamma: 6, delta: 0.004),
            profile(llama, "MI300X", batch: 64, alpha: 8, beta: 0.18, gamma: 4, delta: 0.002),
            profile(llama, "G2", batch: 40, alpha: 11, beta: 0.28, gamma: 6, delta: 0.004),
        ]
        let graniteProfiles = [
            profile(granite, "A100", batch: 32, alpha: 22, beta: 0.40, gamma: 10, delta: 0.006),
            profile(granite, "MI300X", batch: 64, alpha: 12, beta: 0.22, gamma: 7, delta: 0.003),
            profile(granite, "G2", batch: 24, alpha: 19, beta: 0.38, gamma: 10, delta: 0.006),
        ]
        let mixtralProfiles = [
            profile(mixtral, "A100", count: 2, batch: 32, alpha: 30, beta: 0.45, gamma: 15, delta: 0.008),
            profile(mixtral, "MI300X", batch: 48, alpha: 26, beta: 0.40, gamma: 12, delta: 0.006),
            profile(mixtral, "G2", count: 2, batch: 24, alpha: 35, beta: 0.50, gamma: 15, delta: 0.008),
        ]
        let qwenProfiles = [
            profile(qwen, "A100", batch: 48, alpha: 11, beta: 0.28, gamma: 6, delta: 0.004),
            profile(qwen, "MI300X", batch: 64, alpha: 8, beta: 0.17, gamma: 4, delta: 0.002),
            profile(qwen, "G2", batch: 40, alpha: 10, beta: 0.26, gamma: 6, delta: 0.004),
        ]
        let classes = [
            ServiceClass(name: "Premium", priority: 1, targets: [
                llama: SLOTarget(itlMilliseconds: 30, ttftMilliseconds: 500),
                granite: SLOTarget(itlMilliseconds: 45, ttftMilliseconds: 1000),
            ]),
            ServiceClass(name: "Freemium", priority: 10, targets: [
                mixtral: SLOTarget(itlMilliseconds: 70, ttftMilliseconds: 3000),
                qwen: SLOTarget(itlMilliseconds: 40, ttftMilliseconds: 2000),
            ]),
        ]
        let variants = [
            SimulatedVariant(name: "llama-premium", namespace: "inference", model: llama, serviceClass: "Premium",
                             accelerator: "A100", profiles: llamaProfiles, initialReplicas: 1, minReplicas: 1),
            SimulatedVariant(name: "granite-premium", namespace: "inference", model: granite, serviceClass: "Premium",
                             accelerator: "MI300X", profiles: graniteProfiles, initialReplicas: 1, minReplicas: 1),
            // Freemium mixtral shares the A100s with Premium llama: at the peak it must give way.
            SimulatedVariant(name: "mixtral-freemium", namespace: "inference", model: mixtral,
                             serviceClass: "Freemium", accelerator: "A100", profiles: mixtralProfiles,
                             initialReplicas: 1, minReplicas: 0),
            SimulatedVariant(name: "qwen-freemium", namespace: "inference", model: qwen, serviceClass: "Freemium",
                             accelerator: "G2", profiles: qwenProfiles, initialReplicas: 1, minReplicas: 1),
        ]
        let minute = 60.0
        let loads = [
            LoadTrace(model: llama, meanInputTokens: 500, meanOutputTokens: 300, segments: [
                .constant(ratePerMinute: 240, durationSeconds: 4 * minute),
                .ramp(fromPerMinute: 240, toPerMinute: 1300, durationSeconds: 8 * minute),
                .constant(ratePerMinute: 1300, durationSeconds: 6 * minute),
                .ramp(fromPerMinute: 1300, toPerMinute: 240, durationSeconds: 8 * minute),
                .constant(ratePerMinute: 240, durationSeconds: 4 * minute),
            ], bursts: [LoadBurst(startSeconds: 14 * minute, durationSeconds: 90, multiplier: 1.3)]),
            LoadTrace(model: granite, meanInputTokens: 800, meanOutputTokens: 400, segments: [
                .constant(ratePerMinute: 60, durationSeconds: 4 * minute),
                .ramp(fromPerMinute: 60, toPerMinute: 600, durationSeconds: 8 * minute),
                .step(fromPerMinute: 600, toPerMinute: 480, atSeconds: 3 * minute, durationSeconds: 6 * minute),
                .ramp(fromPerMinute: 480, toPerMinute: 60, durationSeconds: 8 * minute),
                .constant(ratePerMinute: 60, durationSeconds: 4 * minute),
            ]),
            LoadTrace(model: mixtral, meanInputTokens: 1200, meanOutputTokens: 400, segments: [
                .constant(ratePerMinute: 30, durationSeconds: 4 * minute),
                .ramp(fromPerMinute: 30, toPerMinute: 240, durationSeconds: 8 * minute),
                .sine(meanPerMinute: 240, amplitudePerMinute: 80, periodSeconds: 4 * minute, phase: 0,
                      durationSeconds: 6 * minute),
                .ramp(fromPerMinute: 240, toPerMinute: 30, durationSeconds: 8 * minute),
                .constant(ratePerMinute: 30, durationSeconds: 4 * minute),
            ]),
            LoadTrace(model: qwen, meanInputTokens: 300, meanOutputTokens: 200, segments: [
                .constant(ratePerMinute: 120, durationSeconds: 6 * minute),
                .ramp(fromPerMinute: 120, toPerMinute: 900, durationSeconds: 6 * minute),
                .constant(ratePerMinute: 900, durationSeconds: 8 * minute),
                .ramp(fromPerMinute: 900, toPerMinute: 120, durationSeconds: 6 * minute),
                .constant(ratePerMinute: 120, durationSeconds: 4 * minute),
            ]),
        ]
        return SimulationScenario(
            name: "built-in", seed: 42, durationSeconds: 30 * minute, startupDelaySeconds: 45,
            // A plain Service: one variant per model, so the router only spreads a model over identical replicas.
            // (With the load-aware default, measured: Premium 80% instead of 91%, docs/simulation.md.)
            routing: .random,
            nodes: nodes, accelerators: accelerators, serviceClasses: classes, variants: variants, loads: loads)
    }()
}
