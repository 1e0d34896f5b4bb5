import Foundation

/// Where an allocation stands in the optimizer's lexicographic order (docs/optimizer.md, "Stages"). Under the
/// priority policies (`PriorityExhaustive`, `PriorityRoundRobin`), per priority level, highest first: servers fully
/// served, then that level's best-effort measure; under `None` and `RoundRobin`, servers fully served per level,
/// then the best-effort measure. Then cost plus transition penalty (lower is better). Computed from placements
/// alone, so it judges any solver's answer the same way: the benchmark's MIP-versus-greedy verdict and the
/// brute-force tests use it.
public struct LexicographicKey: Sendable, CustomStringConvertible {
    /// Fully served servers per level of ``OptimizationProblem/priorityLevels``.
    public var served: [Int]
    /// `PriorityExhaustive`: the sum of served fractions per level; `RoundRobin`: the smallest fraction, then the
    /// sum; `PriorityRoundRobin`: both per level; `None`: empty. A server's fraction is 1 when fully served, else
    /// its replicas over the replicas its candidate needs.
    public var bestEffort: [Double]
    /// Entries of ``bestEffort`` per level when each level's are ranked right after its served count (1 for
    /// `PriorityExhaustive`, 2 for `PriorityRoundRobin`); 0 when they all come after every served count.
    public var bestEffortPerLevel: Int
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
        bestEffortPerLevel = problem.options.saturationPolicy.bestEffortByLevel
            ? bestEffort.count / max(1, levels.count) : 0
        self.value = value
    }

    /// `(1 | 0 | -1, what decided)` comparing self to `other` (1: self is better), fractions and value with a
    /// relative tolerance. `levels` names the served entries in the explanation.
    public func compare(_ other: LexicographicKey, levels: [Int], tolerance: Double = 1e-6) -> (order: Int, decidedBy: String) {
        for (a, b) in zip(ranked(levels), other.ranked(levels)) {
            let decided = a.isCount ? a.value != b.value
                                    : abs(a.value - b.value) > tolerance * max(1, abs(a.value), abs(b.value))
            if decided {
                return (a.value > b.value ? 1 : -1, a.isCount ? "\(a.name) \(Int(a.value)) vs \(Int(b.value))"
                                                              : String(format: "%@ %.6g vs %.6g", a.name, a.value, b.value))
            }
        }
        if abs(value - other.value) > tolerance * max(1, abs(value)) {
            return (value < other.value ? 1 : -1, String(format: "cost+penalty %.2f vs %.2f", value, other.value))
        }
        return (0, "equal")
    }

    /// The served counts and best-effort measures in the order they rank (larger is better), each with the name the
    /// explanation gives it.
    func ranked(_ levels: [Int]) -> [(name: String, value: Double, isCount: Bool)] {
        func level(_ i: Int) -> String { "p\(i < levels.count ? levels[i] : i)" }
        let servedEntries = served.enumerated().map { (i, n) in ("served " + level(i), Double(n), true) }
        guard bestEffortPerLevel > 0 else {
            return servedEntries + bestEffort.enumerated().map { (i, v) in ("best effort #\(i + 1)", v, false) }
        }
        var out: [(name: String, value: Double, isCount: Bool)] = []
        for (i, entry) in servedEntries.enumerated() {
            out.append(entry)
            let own = bestEffort.indices.filter { $0 / bestEffortPerLevel == i }
            let name = "best effort " + level(i)
            out += own.map { (own.count > 1 ? name + " #\($0 % bestEffortPerLevel + 1)" : name, bestEffort[$0], false) }
        }
        return out
    }

    public var description: String {
        "served \(served) bestEffort \(bestEffort.map { ($0 * 1e6).rounded() / 1e6 }) value \(value)"
    }
}
