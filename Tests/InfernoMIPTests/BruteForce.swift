@testable import InfernoMIP

/// Exhaustive enumeration of single-accelerator allocations: the independent truth the MIP is checked against.
///
/// Every server takes nothing, its full need on one candidate, or (best-effort policies) 1…need−1 replicas on one
/// candidate; allocations over capacity are discarded. Allocations are compared lexicographically: servers fully
/// served per priority level (highest first), then the policy's best-effort measure, then cost plus transition
/// penalty (lower is better).
enum BruteForce {
    typealias Key = LexicographicKey

    /// The key of a solution under the problem's policy.
    static func key(_ problem: OptimizationProblem, _ placements: [String: [Placement]]) -> Key {
        Key(problem: problem, placements: placements)
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
                if best == nil || k.compare(best!, levels: problem.priorityLevels).order > 0 { best = k }
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
