@testable import InfernoMIP

/// Exhaustive enumeration of single-accelerator allocations: the independent truth the MIP is checked against.
///
/// Every server takes nothing, its full need on one candidate, or (best-effort policies) 1…need−1 replicas on one
/// candidate; allocations over capacity are discarded. Allocations are compared lexicographically: servers fully
/// served per priority level (highest first), then the policy's best-effort measure, then cost plus transition
/// penalty (lower is better).
enum BruteForce {
    struct Key: CustomStringConvertible {
        var served: [Int]
        var bestEffort: [Double]
        var value: Double
        var description: String { "served \(served) bestEffort \(bestEffort.map { ($0 * 1e6).rounded() / 1e6 }) value \(value)" }

        /// -1, 0, 1 comparing self to other (better = 1).
        func compare(_ o: Key, tolerance: Double = 1e-6) -> Int {
            for (a, b) in zip(served, o.served) where a != b { return a > b ? 1 : -1 }
            for (a, b) in zip(bestEffort, o.bestEffort) where abs(a - b) > tolerance { return a > b ? 1 : -1 }
            if abs(value - o.value) > tolerance * max(1, abs(value)) { return value < o.value ? 1 : -1 }
            return 0
        }
    }

    /// The key of a solution under the problem's policy.
    static func key(_ problem: OptimizationProblem, _ placements: [String: [Placement]]) -> Key {
        let assembler = SolutionAssembler(problem: problem)
        let levels = problem.priorityLevels
        var served = [Int](repeating: 0, count: levels.count)
        var fraction: [String: Double] = [:]
        var value = 0.0
        for s in problem.servers {
            let ps = placements[s.name] ?? []
            let isServed = assembler.isFullyServed(s, ps)
            if isServed { served[levels.firstIndex(of: s.priority)!] += 1 }
            if let p = ps.first, let c = s.candidates.first(where: { $0.accelerator == p.accelerator }) {
                fraction[s.name] = isServed ? 1 : Double(p.replicas) / Double(max(1, c.replicasNeeded))
                value += transitionValue(from: s.server.current, to: p.accelerator, replicas: p.replicas, costPerReplica: p.costPerReplica)
                    + (s.server.current?.cost ?? 0)
            } else {
                fraction[s.name] = isServed ? 1 : 0
            }
        }
        let eligible = problem.servers.filter { !$0.candidates.isEmpty }
        var bestEffort: [Double] = []
        switch problem.options.saturationPolicy {
        case .none: break
        case .priorityExhaustive:
            for l in levels { bestEffort.append(eligible.filter { $0.priority == l }.reduce(0) { $0 + fraction[$1.name]! }) }
        case .roundRobin:
            bestEffort.append(eligible.map { fraction[$0.name]! }.min() ?? 1)
            bestEffort.append(eligible.reduce(0) { $0 + fraction[$1.name]! })
        case .priorityRoundRobin:
            for l in levels {
                let group = eligible.filter { $0.priority == l }
                bestEffort.append(group.map { fraction[$0.name]! }.min() ?? 1)
                bestEffort.append(group.reduce(0) { $0 + fraction[$1.name]! })
            }
        }
        return Key(served: served, bestEffort: bestEffort, value: value)
    }

    /// The best key over every allocation, and how many allocations were feasible.
    static func best(_ problem: OptimizationProblem) -> (key: Key, feasible: Int) {
        let bestEffort = problem.options.saturationPolicy != .none
        // Options per server.
        let options: [[Placement?]] = problem.servers.map { s in
            var o: [Placement?] = [nil]
            for c in s.candidates {
                let maxR = s.server.maxReplicas ?? Int.max
                if c.replicasNeeded <= maxR { o.append(Placement(candidate: c, replicas: c.replicasNeeded)) }
                if bestEffort, c.replicasNeeded >= 2 {
                    for r in 1...min(c.replicasNeeded - 1, maxR) { o.append(Placement(candidate: c, replicas: r)) }
                }
            }
            return o
        }
        var best: Key?
        var feasible = 0
        var used: [String: Int] = [:]
        var chosen: [String: [Placement]] = [:]
        func visit(_ i: Int) {
            if i == problem.servers.count {
                feasible += 1
                let k = key(problem, chosen)
                if best == nil || k.compare(best!) > 0 { best = k }
                return
            }
            let s = problem.servers[i]
            for o in options[i] {
                if let p = o {
                    let left = problem.cards(of: p.acceleratorType) - (used[p.acceleratorType] ?? 0)
                    if p.units > left { continue }
                    used[p.acceleratorType, default: 0] += p.units
                    chosen[s.name] = [p]
                    visit(i + 1)
                    used[p.acceleratorType]! -= p.units
                    chosen[s.name] = nil
                } else {
                    visit(i + 1)
                }
            }
        }
        visit(0)
        return (best!, feasible)
    }
}
