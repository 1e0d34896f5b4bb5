import Foundation
import InfernoMIP

/// What to generate: the knobs of one benchmark scenario.
public struct ScenarioSpec: Hashable, Sendable, Codable {
    /// Servers (model deployments in a service class), 1 to 10,000 and beyond.
    public var servers: Int
    /// Accelerator kinds (3 to 12), multi-card ones included; see ``Catalog/accelerators``.
    public var accelerators: Int
    /// Priority classes, 1 to 4.
    public var priorities: Int
    /// Cards the unlimited optimum would use divided by the cards available: 0.5 roomy, 1 just fits on
    /// aggregate, 1.5 saturated.
    public var tightness: Double
    public var seed: UInt64

    public init(servers: Int, accelerators: Int, priorities: Int, tightness: Double, seed: UInt64) {
        self.servers = servers
        self.accelerators = accelerators
        self.priorities = priorities
        self.tightness = tightness
        self.seed = seed
    }

    /// A file-name-safe label, e.g. `n2000-a9-p3-t1.00-s4`.
    public var label: String {
        "n\(servers)-a\(accelerators)-p\(priorities)-t\(String(format: "%.2f", tightness))-s\(seed)"
    }
}

/// A generated cluster and what was measured while generating it.
public struct Scenario: Sendable {
    public var spec: ScenarioSpec
    public var system: SystemSpec
    /// Cards per GPU type the unlimited optimum uses.
    public var need: [String: Int]
    /// `sum(need) / sum(capacity)`: equals ``ScenarioSpec/tightness`` up to rounding cards to integers.
    public var measuredTightness: Double
    /// GPU types (capacity pools) of the scenario's accelerators.
    public var gpuTypes: [String]
}

/// Generates seeded, reproducible heterogeneous clusters (docs/benchmark.md, "Scenarios").
///
/// The same `(servers, accelerators, priorities, seed)` always gives the same accelerators, profiles, classes,
/// servers, loads and current allocations, whatever the tightness: a tightness sweep changes the capacity only,
/// so its points are the same workload on a smaller or larger cluster.
///
/// Steps:
/// 1. accelerators: the first `accelerators` kinds of ``Catalog/accelerators``;
/// 2. profiles for every model and accelerator whose memory holds it (``ProfileFactory``), each dropped with
///    probability 0.15 (not every model is benchmarked everywhere) unless it is the model's last one;
/// 3. classes: the first `priorities` of ``Catalog/classes``, with ITL targets growing with model size;
/// 4. servers: a model by Zipf popularity (exponent 0.8, seed-shuffled ranks), a class by share, a log-normal
///    arrival rate (median 40 req/min, σ 1.4, in 0.2…6,000, so a few servers carry most of the load), log-normal
///    input (median 600, σ 1.0, 8…16,000) and output (median 250, σ 0.8, 16…4,096) token counts; 3% have no load
///    (minReplicas 0 or 1), the others minReplicas 0 or 1 at even odds;
/// 5. candidates of every server (the analyzer, as the optimizers will see them);
/// 6. current allocations for 70% of the servers with a candidate: the cheapest candidate 60% of the time,
///    another one otherwise, with the needed replicas ±2 (the load moved since); 3% of them pin it
///    (`keepAccelerator`);
/// 7. capacity: the unlimited optimum's cards per GPU type `need[t]`, and `total = sum(need) / tightness` cards
///    shared as `0.5·need[t]/sum(need) + 0.5·r[t]/sum(r)` with `r[t]` uniform in 0.5…1.5: half the fleet is
///    shaped like the demand, half is not, so the cheapest type for a server is not always where the room is.
public struct ScenarioGenerator: Sendable {
    public var spec: ScenarioSpec
    /// Threads for the generator's own candidate pass.
    public var parallelism: Int
    public var analyzer: AnalyzerSettings

    public init(spec: ScenarioSpec, parallelism: Int = 1, analyzer: AnalyzerSettings = AnalyzerSettings()) {
        self.spec = spec
        self.parallelism = parallelism
        self.analyzer = analyzer
    }

    public func generate() -> Scenario {
        precondition(spec.servers >= 1, "at least one server")
        precondition((1...Catalog.accelerators.count).contains(spec.accelerators),
                     "accelerators must be 1...\(Catalog.accelerators.count)")
        precondition((1...Catalog.classes.count).contains(spec.priorities), "priorities must be 1...\(Catalog.classes.count)")
        var base = SplitMix64(seed: spec.seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(spec.servers) << 20
                              ^ UInt64(spec.accelerators) << 8 ^ UInt64(spec.priorities))
        var profileRNG = base.fork(1), serverRNG = base.fork(2), currentRNG = base.fork(3), capacityRNG = base.fork(4)
        _ = base.next()

        // 1. Accelerators.
        let kinds = Array(Catalog.accelerators.prefix(spec.accelerators))
        let accelerators = kinds.map {
            Accelerator(name: $0.name, type: $0.gpu.type, multiplicity: $0.multiplicity, memoryGB: $0.gpu.memoryGB,
                        costPerHour: Double($0.multiplicity) * $0.gpu.costPerCardHour)
        }
        var gpuTypes: [String] = []
        for k in kinds where !gpuTypes.contains(k.gpu.type) { gpuTypes.append(k.gpu.type) }

        // 2. Profiles, for every catalog model (drawn whether used or not, so the stream does not depend on use).
        var profilesByModel: [String: [ModelProfile]] = [:]
        for m in Catalog.models {
            var list: [ModelProfile] = []
            for k in kinds {
                let drop = profileRNG.chance(0.15)
                if let p = ProfileFactory.profile(m, on: k, rng: &profileRNG), !drop { list.append(p) }
            }
            if list.isEmpty, let p = kinds.lazy.compactMap({ k -> ModelProfile? in
                var r = profileRNG.fork(0xFEED); return ProfileFactory.profile(m, on: k, rng: &r)
            }).first {
                list.append(p)
            }
            profilesByModel[m.name] = list
        }

        // 3. Classes.
        let classSpecs = Array(Catalog.classes.prefix(spec.priorities))
        let models = Catalog.models.filter { !(profilesByModel[$0.name] ?? []).isEmpty }

        // 4. Servers.
        var ranks = Array(models.indices)
        for i in stride(from: ranks.count - 1, to: 0, by: -1) { ranks.swapAt(i, serverRNG.int(0...i)) }
        let popularity = models.indices.map { 1 / pow(Double(ranks[$0] + 1), 0.8) }
        let width = String(spec.servers - 1).count
        var servers: [Server] = []
        var usedModels = Set<String>()
        for i in 0..<spec.servers {
            let model = models[serverRNG.weighted(popularity)]
            let cls = classSpecs[serverRNG.weighted(classSpecs.map(\.share))]
            let idle = serverRNG.chance(0.03)
            let rate = min(6000, max(0.2, serverRNG.logNormal(median: 40, sigma: 1.4)))
            let input = min(16000, max(8, serverRNG.logNormal(median: 600, sigma: 1.0))).rounded()
            let output = min(4096, max(16, serverRNG.logNormal(median: 250, sigma: 0.8))).rounded()
            let minReplicas = idle ? serverRNG.int(0...1) : (serverRNG.chance(0.5) ? 1 : 0)
            let load = Load(arrivalRatePerMinute: idle ? 0 : (rate * 100).rounded() / 100,
                            meanInputTokens: input, meanOutputTokens: output)
            let index = String(i)
            let name = "srv-" + String(repeating: "0", count: width - index.count) + index
                + "-\(model.name)-\(cls.name.lowercased())"
            servers.append(Server(name: name, serviceClass: cls.name, model: model.name, load: load,
                                  minReplicas: minReplicas))
            usedModels.insert(model.name)
        }
        let profiles = Catalog.models.filter { usedModels.contains($0.name) }.flatMap { profilesByModel[$0.name] ?? [] }
        let classes = classSpecs.map { c in
            ServiceClass(name: c.name, priority: c.priority, targets: Dictionary(uniqueKeysWithValues:
                Catalog.models.filter { usedModels.contains($0.name) }.map { m in
                    (m.name, SLOTarget(itlMilliseconds: Catalog.baseITLTarget(m) * c.itlFactor,
                                       ttftMilliseconds: c.ttftMilliseconds))
                }))
        }
        var system = SystemSpec(accelerators: accelerators, profiles: profiles, serviceClasses: classes,
                                servers: servers, capacity: Capacity([:]),
                                options: OptimizerOptions(saturationPolicy: .none))

        // 5. Candidates.
        var settings = analyzer
        settings.parallelism = parallelism
        let analyzed = CandidateGenerator(system: system, settings: settings).generate().servers

        // 6. Current allocations.
        for (i, sc) in analyzed.enumerated() {
            guard !sc.candidates.isEmpty, currentRNG.chance(0.7) else { continue }
            let cheapest = sc.candidates.indices.min { (sc.candidates[$0].costPerReplica, $0) < (sc.candidates[$1].costPerReplica, $1) }!
            let k = currentRNG.chance(0.6) ? cheapest : currentRNG.int(0...(sc.candidates.count - 1))
            let c = sc.candidates[k]
            let replicas = max(1, c.replicasNeeded + currentRNG.int(-2...2))
            system.servers[i].current = Allocation(
                accelerator: c.accelerator, replicas: replicas, batchLimit: c.batchLimit,
                cost: Double(replicas) * c.costPerReplica, itlMilliseconds: (c.itlMilliseconds * 100).rounded() / 100,
                ttftMilliseconds: (c.ttftMilliseconds * 100).rounded() / 100, load: system.servers[i].load)
            system.servers[i].keepAccelerator = currentRNG.chance(0.03)
        }

        // 7. Capacity from the unlimited optimum, on the candidates the final system gives (keepAccelerator
        //    removes candidates; current allocations change values, so the unlimited choice too).
        let final = zip(analyzed, system.servers).map { sc, server -> ServerCandidates in
            var candidates = sc.candidates
            if server.keepAccelerator, let current = server.current {
                candidates = candidates.filter { $0.accelerator == current.accelerator }
            }
            return ServerCandidates(server: server, priority: sc.priority, candidates: candidates,
                                    rejections: sc.rejections, requiredRatePerSecond: sc.requiredRatePerSecond)
        }
        var unlimitedOptions = system.options
        unlimitedOptions.unlimited = true
        let unlimited = UnlimitedSolver().solve(OptimizationProblem(servers: final, capacity: Capacity([:]),
                                                                    options: unlimitedOptions))
        var need: [String: Int] = [:]
        for u in unlimited.usage where u.cardsUsed > 0 { need[u.type] = u.cardsUsed }
        let needTotal = Double(need.values.reduce(0, +))
        let shares = gpuTypes.map { _ in capacityRNG.double(0.5...1.5) }
        let shareTotal = shares.reduce(0, +)
        let total = needTotal / spec.tightness
        var cards: [String: Int] = [:]
        for (t, type) in gpuTypes.enumerated() {
            let w = needTotal > 0 ? 0.5 * Double(need[type] ?? 0) / needTotal + 0.5 * shares[t] / shareTotal : shares[t] / shareTotal
            cards[type] = Int((total * w).rounded())
        }
        system.capacity = Capacity(cards)
        let capacityTotal = Double(cards.values.reduce(0, +))
        return Scenario(spec: spec, system: system, need: need,
                        measuredTightness: capacityTotal > 0 ? needTotal / capacityTotal : 0, gpuTypes: gpuTypes)
    }
}
