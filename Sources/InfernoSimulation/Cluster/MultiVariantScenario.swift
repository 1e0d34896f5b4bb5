import InfernoMIP

extension SimulationScenario {
    /// Built-in scenarios by name (`simulate --scenario NAME`).
    package static let builtInNames = ["built-in", "multi-variant", "scale-to-zero", "multi-variant-h100", "multi-variant-l40s",
                               "multi-variant-l40s-capped", "multi-variant-three-types"]

    /// The multi-variant fleets of docs/simulation.md's table: one GPU type, 8 L40S cards, H100 + A100 + L40S.
    package static func named(_ name: String) -> SimulationScenario? {
        switch name {
        case "built-in": builtIn
        case "multi-variant": multiVariant()
        case "scale-to-zero": scaleToZero
        case "multi-variant-h100": multiVariant(fleet: ["H100"], name: name)
        case "multi-variant-l40s": multiVariant(fleet: ["L40S"], name: name)
        case "multi-variant-l40s-capped": multiVariant(cards: ["L40S": 8], name: name)
        case "multi-variant-three-types": multiVariant(fleet: ["H100", "A100", "L40S"], name: name)
        default: nil
        }
    }

    /// One model, llama-3.1-8b in Premium (ITL 30 ms, TTFT 500 ms), on several GPU types behind one gateway: a
    /// variant per type in `fleet` (`H100` at 100/h, `L40S` at 15/h, `A100` at 40/h), 16 cards of each type
    /// unless `cards` says otherwise. Load: 200 requests per minute for 3 minutes, ramping to 3,000 by minute 18,
    /// held to minute 30; 500 input and 300 output tokens.
    package static func multiVariant(fleet: [String] = ["H100", "L40S"], cards: [String: Int] = [:],
                                     initialReplicas: [String: Int] = [:], name: String = "multi-variant") -> SimulationScenario {
        let llama = "llama-3.1-8b"
        let types = ["H100": "NVIDIA-H100-80GB-HBM3", "L40S": "NVIDIA-L40S", "A100": "NVIDIA-A100-PCIE-80GB"]
        let all: [String: (cost: Double, memory: Double, profile: ModelProfile)] = [
            "H100": (100, 80, ModelProfile(model: llama, accelerator: "H100", acceleratorCount: 1, maxBatchSize: 96, atTokens: 512,
                                           decode: DecodeParameters(alpha: 6, beta: 0.12), prefill: PrefillParameters(gamma: 4, delta: 0.002))),
            "L40S": (15, 48, ModelProfile(model: llama, accelerator: "L40S", acceleratorCount: 1, maxBatchSize: 32, atTokens: 512,
                                          decode: DecodeParameters(alpha: 16, beta: 0.4), prefill: PrefillParameters(gamma: 10, delta: 0.006))),
            "A100": (40, 80, ModelProfile(model: llama, accelerator: "A100", acceleratorCount: 1, maxBatchSize: 48, atTokens: 512,
                                          decode: DecodeParameters(alpha: 12, beta: 0.30), prefill: PrefillParameters(gamma: 6, delta: 0.004))),
        ]
        let chosen = fleet.filter { all[$0] != nil }
        let accelerators = chosen.map { Accelerator(name: $0, type: types[$0]!, multiplicity: 1, memoryGB: all[$0]!.memory, costPerHour: all[$0]!.cost) }
        var nodes: [SimulatedNode] = []
        for acc in chosen {
            let count = cards[acc] ?? 16
            for n in stride(from: 0, to: count, by: 4) {
                nodes.append(SimulatedNode(name: "node-\(acc.lowercased())-\(n / 4)", gpus: [types[acc]!: min(4, count - n)]))
            }
        }
        let classes = [ServiceClass(name: "Premium", priority: 1, targets: [llama: SLOTarget(itlMilliseconds: 30, ttftMilliseconds: 500)])]
        let profiles = chosen.map { all[$0]!.profile }
        // One replica on the cheapest type to start with, as a user deploys a model; the others at zero.
        let cheapest = chosen.min { all[$0]!.cost < all[$1]!.cost }
        let variants = chosen.map { acc in
            SimulatedVariant(name: "llama-\(acc.lowercased())", namespace: "inference", model: llama, serviceClass: "Premium",
                             accelerator: acc, profiles: profiles, initialReplicas: initialReplicas[acc] ?? (acc == cheapest ? 1 : 0), minReplicas: 0)
        }
        let minute = 60.0
        let load = LoadTrace(model: llama, meanInputTokens: 500, meanOutputTokens: 300, segments: [
            .constant(ratePerMinute: 200, durationSeconds: 3 * minute),
            .ramp(fromPerMinute: 200, toPerMinute: 3000, durationSeconds: 15 * minute),
            .constant(ratePerMinute: 3000, durationSeconds: 12 * minute),
        ])
        return SimulationScenario(name: name, seed: 42, durationSeconds: 30 * minute, startupDelaySeconds: 45,
                                  nodes: nodes, accelerators: accelerators, serviceClasses: classes, variants: variants, loads: [load])
    }

    /// Zero and back: the same model on H100 and L40S, both at 0 replicas with `minReplicas: 0`. No traffic for 5
    /// minutes; 200 requests per minute from minute 5, ramping to 1,500 by minute 15, held to minute 20; then none
    /// to minute 35. The retention window (10 minutes) ends at minute 30: the model goes back to zero.
    package static let scaleToZero: SimulationScenario = {
        var s = multiVariant(initialReplicas: ["H100": 0, "L40S": 0], name: "scale-to-zero")
        let minute = 60.0
        s.durationSeconds = 35 * minute
        s.loads = [LoadTrace(model: "llama-3.1-8b", meanInputTokens: 500, meanOutputTokens: 300, segments: [
            .constant(ratePerMinute: 0, durationSeconds: 5 * minute),
            .ramp(fromPerMinute: 200, toPerMinute: 1500, durationSeconds: 10 * minute),
            .constant(ratePerMinute: 1500, durationSeconds: 5 * minute),
            .constant(ratePerMinute: 0, durationSeconds: 15 * minute),
        ])]
        return s
    }()
}
