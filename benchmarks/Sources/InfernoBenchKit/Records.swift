import Foundation
import InfernoMIP

/// What one solver did on one scenario under one saturation policy: the measurements of the report.
public struct SolverRecord: Codable, Sendable {
    public var solver: String
    public var policy: String
    /// Wall time of `solve` (the MIP's includes its greedy start, model building and every CBC stage).
    public var seconds: Double
    /// Fully served servers per priority level, levels in ``ScenarioRecord/levels`` order.
    public var served: [Int]
    public var servedTotal: Int
    /// Requests/s the allocation leaves uncovered (servers not fully served), and the total required.
    public var unservedDemand: Double
    public var demand: Double
    /// Total cost per hour of the allocation.
    public var cost: Double
    /// Cost plus transition penalty: the quantity the greedy orders by and the MIP's last stage minimises.
    public var value: Double
    /// The policy's best-effort measures (per level or overall), as the MIP's best-effort stages define them.
    public var bestEffort: [Double]
    public var cardsByType: [String: Int]
    /// Sum over servers of replicas added or removed versus the current allocation (a move counts both sides).
    public var replicasChanged: Int
    /// Servers whose allocation moves to another accelerator.
    public var moves: Int
    public var mip: MIPRecord?
}

public struct MIPRecord: Codable, Sendable {
    public var status: String
    /// Largest relative gap over the stages.
    public var gap: Double?
    /// Sum of the cost stages' best bounds over the components: a lower bound on ``SolverRecord/value`` given the
    /// earlier stages' results.
    public var bound: Double?
    public var components: Int
    public var stages: Int
    /// Stages CBC actually solved (the others were proven by the start).
    public var stagesSolved: Int
    public var fallback: String?
    /// Every stage: name, status, seconds, objective, bound.
    public var stageDetails: [StageRecord]
}

public struct StageRecord: Codable, Sendable {
    public var name: String
    public var status: String
    public var seconds: Double
    public var objective: Double?
    public var bound: Double?
    /// How the stage was solved (LP bound, rounding, RINS, search) or why it was skipped.
    public var steps: [String]?
}

/// Greedy and MIP under one saturation policy, and how they compare.
public struct PolicyRecord: Codable, Sendable {
    public var policy: String
    public var greedy: SolverRecord
    public var mip: SolverRecord
    /// `better`, `equal` or `worse`: the MIP versus greedy, lexicographically (served per level, best effort,
    /// then cost plus transition penalty).
    public var verdict: String
    /// Where the comparison was decided, e.g. `served p1 12 vs 10`.
    public var decidedBy: String
}

/// Everything measured on one scenario.
public struct ScenarioRecord: Codable, Sendable {
    public var label: String
    public var servers: Int
    public var accelerators: Int
    public var gpuTypes: Int
    public var priorities: Int
    public var tightness: Double
    public var measuredTightness: Double
    /// Cards available in all, and cards the unlimited optimum uses (their ratio is the measured tightness).
    public var capacityCards: Int
    public var needCards: Int
    public var seed: UInt64
    /// Priority levels present, highest first.
    public var levels: [Int]
    public var serversPerLevel: [Int]
    /// Candidate generation: wall time on all threads, and counters.
    public var candidateSeconds: Double
    public var candidateThreads: Int
    public var candidates: Int
    public var sizings: Int
    public var evaluations: Int
    public var serversWithoutCandidates: Int
    public var unlimited: SolverRecord
    public var policies: [PolicyRecord]
}

/// The lexicographic key of an allocation (OPTIMIZER.md): served per level, the policy's best-effort measures,
/// then cost plus transition penalty (lower is better). The same definitions as the MIP's stages and the
/// brute-force test.
struct LexKey {
    var served: [Int]
    var bestEffort: [Double]
    var value: Double

    /// `(1 | 0 | -1, where)` comparing self to `other`: 1 when self is better.
    func compare(_ other: LexKey, levels: [Int]) -> (Int, String) {
        for (i, (a, b)) in zip(served, other.served).enumerated() where a != b {
            return (a > b ? 1 : -1, "served p\(levels[i]) \(a) vs \(b)")
        }
        for (i, (a, b)) in zip(bestEffort, other.bestEffort).enumerated()
        where abs(a - b) > 1e-6 * max(1, abs(a), abs(b)) {
            return (a > b ? 1 : -1, String(format: "best effort #%d %.6g vs %.6g", i + 1, a, b))
        }
        if abs(value - other.value) > 1e-6 * max(1, abs(value)) {
            return (value < other.value ? 1 : -1, String(format: "cost+penalty %.2f vs %.2f", value, other.value))
        }
        return (0, "equal")
    }
}

enum Measure {
    /// The record of `solution` for `problem`.
    static func record(_ solution: Solution, problem: OptimizationProblem, seconds: Double) -> (SolverRecord, LexKey) {
        let levels = problem.priorityLevels
        let assembler = SolutionAssembler(problem: problem)
        let byName = Dictionary(uniqueKeysWithValues: solution.servers.map { ($0.name, $0) })
        var served = [Int](repeating: 0, count: levels.count)
        var fraction: [String: Double] = [:]
        var value = 0.0, unserved = 0.0, demand = 0.0
        var changed = 0, moves = 0
        for s in problem.servers {
            let ps = byName[s.name]?.placements ?? []
            let isServed = assembler.isFullyServed(s, ps)
            if isServed { served[levels.firstIndex(of: s.priority)!] += 1 }
            demand += s.requiredRatePerSecond
            if !isServed {
                unserved += max(0, s.requiredRatePerSecond - ps.reduce(0) { $0 + $1.servedRatePerSecond })
            }
            if let p = ps.first, let c = s.candidates.first(where: { $0.accelerator == p.accelerator }) {
                fraction[s.name] = isServed ? 1 : Double(p.replicas) / Double(max(1, c.replicasNeeded))
            } else {
                fraction[s.name] = isServed ? 1 : 0
            }
            for p in ps {
                value += transitionValue(from: s.server.current, to: p.accelerator, replicas: p.replicas,
                                         costPerReplica: p.costPerReplica) + (s.server.current?.cost ?? 0)
            }
            // Churn against the current allocation.
            let current = s.server.current
            var now: [String: Int] = [:]
            for p in ps { now[p.accelerator, default: 0] += p.replicas }
            var before: [String: Int] = [:]
            if let c = current, !c.accelerator.isEmpty { before[c.accelerator] = c.replicas }
            for acc in Set(now.keys).union(before.keys) { changed += abs((now[acc] ?? 0) - (before[acc] ?? 0)) }
            if let c = current, !c.accelerator.isEmpty, let primary = byName[s.name]?.primary,
               primary.accelerator != c.accelerator {
                moves += 1
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
        var mip: MIPRecord?
        if let d = solution.diagnostics.mip {
            // The cost stages of all components together bound the total cost plus penalty from below.
            let costStages = d.stages.filter { $0.name.hasSuffix("cost") }
            let bound = costStages.isEmpty || costStages.contains { $0.bestBound == nil }
                ? nil : costStages.reduce(0) { $0 + $1.bestBound! }
            mip = MIPRecord(status: d.status, gap: d.gap, bound: bound, components: d.components,
                            stages: d.stages.count, stagesSolved: d.stages.filter { $0.seconds > 0 && $0.status != "skipped" }.count,
                            fallback: d.fallbackReason,
                            stageDetails: d.stages.map { StageRecord(name: $0.name, status: $0.status, seconds: $0.seconds,
                                                                     objective: $0.objective, bound: $0.bestBound, steps: $0.steps) })
        }
        var cards: [String: Int] = [:]
        for u in solution.usage where u.cardsUsed > 0 { cards[u.type] = u.cardsUsed }
        let record = SolverRecord(
            solver: solution.solver, policy: problem.options.saturationPolicy.rawValue, seconds: seconds,
            served: served, servedTotal: served.reduce(0, +), unservedDemand: unserved, demand: demand,
            cost: solution.totalCost, value: value, bestEffort: bestEffort, cardsByType: cards,
            replicasChanged: changed, moves: moves, mip: mip)
        return (record, LexKey(served: served, bestEffort: bestEffort, value: value))
    }
}
