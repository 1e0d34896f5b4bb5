import Foundation

/// Where an allocation stands in the optimizer's lexicographic order (docs/optimizer.md): servers fully served per
/// priority level (highest first), then the saturation policy's best-effort measure, then cost plus transition
/// penalty (lower is better). Computed from placements alone, so it judges any solver's answer the same way: the
/// benchmark's MIP-versus-greedy verdict and the brute-force tests use it.
public struct LexicographicKey: Sendable, CustomStringConvertible {
    /// Fully served servers per level of ``OptimizationProblem/priorityLevels``.
    public var served: [Int]
    /// `PriorityExhaustive`: the sum of served fractions per level; `RoundRobin`: the smallest fraction, then the
    /// sum; `PriorityRoundRobin`: both per level; `None`: empty. A server's fraction is 1 when fully served, else
    /// its replicas over the replicas its candidate needs.
    public var bestEffort: [Double]
    /// Cost plus transition penalty of every placement.
    public var value: Double

    public init(problem: OptimizationProblem, placements: [String: [Placement]]) {
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
            } else {
                fraction[s.name] = isServed ? 1 : 0
            }
            for p in ps {
                value += transitionValue(from: s.server.current, to: p.accelerator, replicas: p.replicas,
                                         costPerReplica: p.costPerReplica) + (s.server.current?.cost ?? 0)
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
        self.served = served
        self.bestEffort = bestEffort
        self.value = value
    }

    /// `(1 | 0 | -1, what decided)` comparing self to `other` (1: self is better), fractions and value with a
    /// relative tolerance. `levels` names the served entries in the explanation.
    public func compare(_ other: LexicographicKey, levels: [Int], tolerance: Double = 1e-6) -> (order: Int, decidedBy: String) {
        for (i, (a, b)) in zip(served, other.served).enumerated() where a != b {
            return (a > b ? 1 : -1, "served p\(i < levels.count ? levels[i] : i) \(a) vs \(b)")
        }
        for (i, (a, b)) in zip(bestEffort, other.bestEffort).enumerated() where abs(a - b) > tolerance * max(1, abs(a), abs(b)) {
            return (a > b ? 1 : -1, String(format: "best effort #%d %.6g vs %.6g", i + 1, a, b))
        }
        if abs(value - other.value) > tolerance * max(1, abs(value)) {
            return (value < other.value ? 1 : -1, String(format: "cost+penalty %.2f vs %.2f", value, other.value))
        }
        return (0, "equal")
    }

    public var description: String {
        "served \(served) bestEffort \(bestEffort.map { ($0 * 1e6).rounded() / 1e6 }) value \(value)"
    }
}
