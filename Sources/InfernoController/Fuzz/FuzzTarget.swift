import Foundation
import InfernoControl
import InfernoFormats
import InfernoKubernetes
import InfernoMIP
import InfernoPrometheus
import InfernoSimulation

/// What the fuzzer feeds: each target is one entrance of untrusted input, exercised as far as the
/// controller takes such input (decoded, validated, and, when valid, sized by the analyzer and solved).
enum FuzzTarget: String, CaseIterable, Sendable {
    /// Upstream system JSON, as `optimize` reads it: decode, validate, candidates, greedy solve.
    case system
    /// A simulation scenario, as `simulate --scenario` reads it: decode, validate, build the cluster.
    case scenario
    /// A VariantAutoscaling object, as the controller reads it from the API server, then sized.
    case va
    /// The two ConfigMaps (`accelerator-unit-costs`, `service-classes-config`) as `{"costs": {...}, "classes": {...}}`.
    case configmap
    /// A Prometheus HTTP API answer to an instant query.
    case prometheus

    /// The valid document every input of this target is mutated from.
    var base: Data {
        switch self {
        case .system: Data(FuzzCorpus.system.utf8)
        case .scenario: (try? JSONEncoder().encode(SimulationScenario.builtIn)) ?? Data()
        case .va: Data(FuzzCorpus.variantAutoscaling.utf8)
        case .configmap: Data(FuzzCorpus.configMaps.utf8)
        case .prometheus: Data(FuzzCorpus.prometheusVector.utf8)
        }
    }

    /// Runs one input. Returns whether it was accepted; a rejection with a message is as clean as an acceptance.
    /// Anything else (a trap, a signal, running out of memory or time) is what the fuzzer counts.
    func exercise(_ data: Data) -> Bool {
        switch self {
        case .system:
            guard let spec = try? SystemSpec.decodeUpstream(system: data) else { return false }
            Self.size(spec)
            return true
        case .scenario:
            guard let scenario = try? JSONDecoder().decode(SimulationScenario.self, from: data),
                  (try? scenario.makeCluster()) != nil else { return false }
            for t in stride(from: 0.0, through: min(scenario.durationSeconds, 3_600), by: 60) {
                for trace in scenario.loads { _ = scenario.load(of: trace.model, at: t) }
            }
            return true
        case .va:
            guard let json = try? JSONValue(parsing: Array(data)) else { return false }
            let v = KubernetesClusterSource.variant(from: json, defaultMinReplicas: 1)
            guard v.invalidReason == nil else { return false }
            // Not gated on SystemValidation: the controller's planner sizes a valid VA's profiles directly.
            Self.size(Self.system(of: v), validated: false)
            return true
        case .configmap:
            guard let json = try? JSONValue(parsing: Array(data)) else { return false }
            func strings(_ key: String) -> [String: String] {
                var out: [String: String] = [:]
                for (k, v) in json[key]?.object ?? [:] { if let s = v.string { out[k] = s } }
                return out
            }
            let accelerators = ClusterConfigMaps.accelerators(from: strings("costs"))
            let classes = ClusterConfigMaps.serviceClasses(from: strings("classes"))
            return accelerators.problems.isEmpty && classes.problems.isEmpty
        case .prometheus:
            return (try? PrometheusClient.decode(status: 200, body: data)) != nil
        }
    }

    /// What `optimize` does with a valid system, with the greedy solver (CBC runs in a child of its own).
    private static func size(_ spec: SystemSpec, validated: Bool = true) {
        if validated, !spec.validationReport().errors.isEmpty { return }
        let candidates = CandidateGenerator(system: spec).generate().servers
        _ = GreedySolver().solve(OptimizationProblem(system: spec, candidates: candidates))
    }

    /// A one-variant system around a VariantAutoscaling, at a load that makes the analyzer size it.
    private static func system(of v: VariantObservation) -> SystemSpec {
        let accelerators = Set(v.profiles.map(\.accelerator)).sorted().map {
            Accelerator(name: $0, type: $0, multiplicity: 1, memoryGB: 80, costPerHour: 10)
        }
        let target = SLOTarget(itlMilliseconds: 50, ttftMilliseconds: 1_000, tokensPerSecond: nil)
        let server = Server(name: v.id.name, serviceClass: "fuzz", model: v.modelID,
                            load: Load(arrivalRatePerMinute: 600, meanInputTokens: 256, meanOutputTokens: 128),
                            minReplicas: v.minReplicas, maxReplicas: v.maxReplicas,
                            maxBatchSizeOverride: v.batchLimitOverride)
        return SystemSpec(accelerators: accelerators, profiles: v.profiles,
                          serviceClasses: [ServiceClass(name: "fuzz", priority: 1, targets: [v.modelID: target])],
                          servers: [server], capacity: Capacity(Dictionary(uniqueKeysWithValues: accelerators.map { ($0.type, 8) })),
                          options: OptimizerOptions())
    }
}
