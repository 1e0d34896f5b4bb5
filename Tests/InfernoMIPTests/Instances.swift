@testable import InfernoMIP

/// Hand-built and random optimization problems shared by the solver tests (greedy, MIP).
enum Instances {
    /// A candidate whose replicas together serve `requiredRate` exactly (`ratePerReplica = requiredRate / replicas`).
    static func candidate(_ accelerator: String, type: String? = nil, units: Int = 1, replicas: Int,
                          costPerReplica: Double, requiredRate: Double = 1) -> Candidate {
        Candidate(accelerator: accelerator, acceleratorType: type ?? accelerator, unitsPerReplica: units,
                  batchLimit: 8, ratePerReplica: replicas > 0 ? requiredRate / Double(replicas) : 0,
                  replicasNeeded: replicas, costPerReplica: costPerReplica,
                  itlMilliseconds: 20, ttftMilliseconds: 100)
    }

    /// A server with its candidates. `requiredRate` defaults to 1 request/s, or 0 when every candidate needs no
    /// replicas (zero load).
    static func server(_ name: String, priority: Int = 1, _ candidates: [Candidate], current: Allocation? = nil,
                       minReplicas: Int = 0, maxReplicas: Int? = nil, requiredRate: Double? = nil) -> ServerCandidates {
        let rate = requiredRate ?? (candidates.allSatisfy { $0.replicasNeeded == 0 } ? 0 : 1)
        let load = rate > 0 ? Load(arrivalRatePerMinute: rate * 60, meanInputTokens: 128, meanOutputTokens: 128) : .zero
        let s = Server(name: name, serviceClass: "class-\(priority)", model: "model", load: load, current: current,
                       minReplicas: minReplicas, maxReplicas: maxReplicas)
        return ServerCandidates(server: s, priority: priority,
                                candidates: candidates.sorted { $0.accelerator < $1.accelerator },
                                requiredRatePerSecond: rate)
    }

    /// Greedy strands capacity here; the MIP must not.
    ///
    /// Capacity: 2 A100 cards, 2 H100 cards; one card per replica; no current allocations, so values are
    /// 1.1 × cost; saturation policy None.
    /// - `hog`:   A100 2 × 10 (value 22) or H100 2 × 30 (value 66): regret 44.
    /// - `needy`: A100 2 × 10 (value 22) or H100 3 × 8 (value 26.4): regret 4.4, but its H100 candidate needs
    ///   3 cards and only 2 exist, so A100 is the only way to serve it.
    ///
    /// Greedy takes `hog` first (larger regret), gives it A100 ×2, and `needy` then fits nowhere:
    /// 1 of 2 servers served, cost 20, both H100 cards idle.
    /// Better: `needy` A100 ×2 (cost 20) and `hog` H100 ×2 (cost 60): both served, cost 80.
    static func strandingInstance() -> OptimizationProblem {
        let hog = server("hog", [candidate("A100", replicas: 2, costPerReplica: 10),
                                 candidate("H100", replicas: 2, costPerReplica: 30)])
        let needy = server("needy", [candidate("A100", replicas: 2, costPerReplica: 10),
                                     candidate("H100", replicas: 3, costPerReplica: 8)])
        return OptimizationProblem(servers: [hog, needy], capacity: Capacity(["A100": 2, "H100": 2]),
                                   options: OptimizerOptions(saturationPolicy: .none))
    }

    /// GPU type names used by ``randomProblem(seed:servers:types:priorities:tightness:options:)``.
    static let typeNames = ["A100", "H100", "L40S", "MI300X"]

    /// A random problem; the same arguments always give the same problem.
    ///
    /// - `types` GPU types (names from ``typeNames``, then `T4`, `T5`, ...), each with an integer cost per card
    ///   in 5...60.
    /// - Each server (`s00`, `s01`, ... so name order is creation order) has priority 1...`priorities` and 1-3
    ///   candidates on distinct accelerators `<type>x<units>` with `units` (cards per replica) 1, 2 or 4, so a
    ///   server may have two candidates on the same type. Replicas needed 1-4; cost per replica = card cost ×
    ///   units; the rate per replica is chosen so that `ceil(requiredRate / rate) = replicasNeeded`.
    /// - About 1 in 20 servers has zero load: no rate, `minReplicas` 0 or 1, every candidate needing that many.
    /// - About 1 in 3 has a current allocation (one of its candidates' accelerators, 1-4 replicas at that cost);
    ///   about 1 in 10 has a `maxReplicas` in 1...4, which may rule out some of its candidates.
    /// - Capacity: let `need[t]` be the cards of type `t` the unlimited optimum uses and `total` their sum; each
    ///   type gets `round(tightness × (need[t] + total / types) / 2)` cards, so the total is about
    ///   `tightness × total` while every type has some cards. Tightness below 1 means not everyone fits.
    static func randomProblem(seed: UInt64, servers: Int, types: Int, priorities: Int, tightness: Double,
                              options: OptimizerOptions = OptimizerOptions()) -> OptimizationProblem {
        precondition(servers >= 0 && types >= 1 && priorities >= 1)
        var rng = SplitMix64(seed: seed)
        let names = (0..<types).map { $0 < typeNames.count ? typeNames[$0] : "T\($0)" }
        let cardCost = names.map { _ in Double(rng.int(5...60)) }
        let unitChoices = [1, 2, 4]

        var list: [ServerCandidates] = []
        for i in 0..<servers {
            let name = "s" + (i < 10 ? "0" : "") + String(i)
            let priority = rng.int(1...priorities)
            let zeroLoad = rng.chance(0.05)
            let minReplicas = zeroLoad ? rng.int(0...1) : 0
            let requiredRate = zeroLoad ? 0 : (rng.double(0.5...20) * 100).rounded() / 100
            let count = min(rng.int(1...3), types * unitChoices.count)
            var candidates: [Candidate] = []
            while candidates.count < count {
                let t = rng.int(0...(types - 1))
                let units = unitChoices[rng.int(0...2)]
                let accelerator = "\(names[t])x\(units)"
                if candidates.contains(where: { $0.accelerator == accelerator }) { continue }
                let replicas = zeroLoad ? minReplicas : rng.int(1...4)
                // requiredRate / rate lies in (replicas - 1, replicas], so ceil gives back `replicas`.
                let rate = zeroLoad ? 0 : requiredRate / (Double(replicas) - 0.9 * rng.unit())
                candidates.append(Candidate(
                    accelerator: accelerator, acceleratorType: names[t], unitsPerReplica: units,
                    batchLimit: 4 * rng.int(1...16), ratePerReplica: rate, replicasNeeded: replicas,
                    costPerReplica: cardCost[t] * Double(units),
                    itlMilliseconds: rng.double(10...50), ttftMilliseconds: rng.double(50...500)))
            }
            candidates.sort { $0.accelerator < $1.accelerator }
            var current: Allocation?
            if rng.chance(1.0 / 3) {
                let c = candidates[rng.int(0...(candidates.count - 1))]
                let replicas = rng.int(1...4)
                current = Allocation(accelerator: c.accelerator, replicas: replicas, batchLimit: c.batchLimit,
                                     cost: Double(replicas) * c.costPerReplica)
            }
            let maxReplicas: Int? = rng.chance(0.1) ? rng.int(1...4) : nil
            let load = zeroLoad ? Load.zero
                : Load(arrivalRatePerMinute: requiredRate * 60, meanInputTokens: 256, meanOutputTokens: 256)
            let s = Server(name: name, serviceClass: "class-\(priority)", model: "model-\(i)", load: load,
                           current: current, minReplicas: minReplicas, maxReplicas: maxReplicas)
            list.append(ServerCandidates(server: s, priority: priority, candidates: candidates,
                                         requiredRatePerSecond: requiredRate))
        }

        var need: [String: Int] = [:]
        for s in list {
            if let best = UnlimitedSolver.bestCandidate(s) { need[best.acceleratorType, default: 0] += best.units }
        }
        let total = Double(need.values.reduce(0, +))
        var cards: [String: Int] = [:]
        for t in names {
            let share = (Double(need[t] ?? 0) + total / Double(types)) / 2
            cards[t] = Int((tightness * share).rounded())
        }
        return OptimizationProblem(servers: list, capacity: Capacity(cards), options: options)
    }
}
