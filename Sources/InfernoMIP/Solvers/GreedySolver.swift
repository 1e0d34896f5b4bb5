import Foundation

/// The upstream baseline: a regret-ordered greedy allocation under limited capacity, followed by best effort
/// for the servers it could not fully serve (docs/optimizer.md, "`greedy`"). Ported for behaviour, so the benchmark
/// compares the MIP against what upstream actually does, quirks included.
///
/// How it decides:
/// - Each candidate is valued by ``transitionValue(from:to:replicas:costPerReplica:)``. A server with no current
///   allocation therefore values every candidate at 1.1 × its cost, as if "nothing" were another accelerator.
///   That is upstream's quirk and is kept: it scales a fresh server's regrets by 1.1, which shifts where it
///   queues relative to servers that already run somewhere.
/// - A server's *regret* (`delta`) is how much worse its next candidate is than the one it is queued for. The
///   queue serves high priority first and, within a priority, high regret first: a server with nowhere cheap to
///   go is placed before one that loses little by moving. Regret is myopic (one step ahead, one server at a
///   time) and nothing is ever revisited, which is why greedy can strand capacity the MIP would use.
/// - Upstream breaks the remaining ties by map iteration order and an unstable sort, so its answer can change
///   from run to run. Here every tie ends on a name (accelerator within a server, server across servers), so the
///   same problem always gets the same answer. Values are Doubles (upstream: float32), so near-ties that float32
///   rounding would merge stay distinct here.
/// - Candidates needing more replicas than the server's `maxReplicas` never compete for a full allocation
///   (upstream has no such limit in its greedy; the analyzer there never offered them). They stay usable for
///   best effort, capped at `maxReplicas`, like the MIP's partial replicas.
/// - Best effort for a priority group runs as soon as that group is allocated, before the next group is looked
///   at (upstream's order): a higher-priority server that cannot be fully served may take, as a partial
///   allocation, cards that would have fully served a lower-priority one. `delayedBestEffort` allocates every
///   group first and runs best effort once at the end.
public struct GreedySolver: AllocationSolver {
    public let name = "greedy"
    public init() {}

    public func solve(_ problem: OptimizationProblem) -> Solution {
        let start = Date()
        let (placements, notes) = decide(problem)
        return SolutionAssembler(problem: problem).assemble(
            solver: name, placements: placements,
            diagnostics: SolverDiagnostics(seconds: Date().timeIntervalSince(start), notes: notes))
    }

    /// The placements greedy decides and its notes, before they are assembled into a solution: what the MIP's
    /// idle fill needs (IdleFill.swift), many times per solve.
    func decide(_ problem: OptimizationProblem) -> (placements: [String: [Placement]], notes: [String]) {
        var state = GreedyState(problem: problem)
        // Models with several variants take the cost-aware rule (``GreedyState/costAware(_:)``), before the
        // ordinary servers of their priority.
        let models = problem.servers.filter { $0.server.variants != nil }
        let entries = problem.servers.filter { $0.server.variants == nil }.compactMap(GreedyEntry.init(server:))
        let policy = problem.options.saturationPolicy
        var notes: [String] = []
        var unallocatedCount = 0
        var split: [String: [Placement]] = [:]

        let groups: [(levels: Set<Int>, entries: [GreedyEntry])] = problem.options.delayedBestEffort
            ? [(Set(problem.servers.map(\.priority)), entries)]
            : Set(problem.servers.map(\.priority)).sorted().map { level in (Set([level]), entries.filter { $0.priority == level }) }
        for group in groups {
            for sc in models where group.levels.contains(sc.priority) { split[sc.name] = state.costAware(sc) }
            guard !group.entries.isEmpty else { continue }
            let unallocated = state.allocate(group.entries)
            unallocatedCount += unallocated.count
            state.bestEffort(unallocated, policy: policy)
        }

        if unallocatedCount > 0 {
            notes.append("greedy: \(unallocatedCount) server(s) could not be fully served; best effort (\(policy.rawValue)) "
                         + "gave \(state.bestEffortServers) of them replicas")
        }
        let placements = state.chosen.mapValues { [Placement(candidate: $0.candidate, replicas: $0.replicas)] }
            .merging(split) { a, _ in a }
        return (placements, notes)
    }
}

/// One way to serve a server, with its value (the quantity greedy minimises).
struct ValuedCandidate: Sendable {
    var candidate: Candidate
    var value: Double
}

/// A server waiting in the greedy queue: the candidates it may still be fully served by and where it stands.
struct GreedyEntry: Sendable {
    var name: String
    var priority: Int
    var maxReplicas: Int?
    /// Every candidate by value, then accelerator name: the order best effort tries them in.
    var byValue: [ValuedCandidate]
    /// The candidates that may serve it fully (within `maxReplicas`), in the same order.
    var eligible: [ValuedCandidate]
    /// Position in ``eligible`` of the candidate it is queued for.
    var index = 0
    /// Regret: value of the next eligible candidate minus the current one; infinite on the last.
    var delta = Double.infinity

    /// `nil` for a server with no candidates at all: upstream leaves those out of the queue and of best effort.
    init?(server s: ServerCandidates) {
        guard !s.candidates.isEmpty else { return nil }
        name = s.name
        priority = s.priority
        maxReplicas = s.server.maxReplicas
        byValue = s.candidates
            .map { c in
                ValuedCandidate(candidate: c, value: transitionValue(from: s.server.current, to: c.accelerator,
                                                                     replicas: c.replicasNeeded,
                                                                     costPerReplica: c.costPerReplica))
            }
            .sorted { ($0.value, $0.candidate.accelerator) < ($1.value, $1.candidate.accelerator) }
        let cap = s.server.maxReplicas
        eligible = byValue.filter { vc in cap.map { vc.candidate.replicasNeeded <= $0 } ?? true }
        updateDelta()
    }

    var current: ValuedCandidate { eligible[index] }
    var isExhausted: Bool { index >= eligible.count }

    mutating func updateDelta() {
        delta = index + 1 < eligible.count ? eligible[index + 1].value - eligible[index].value : .infinity
    }

    /// Queue order: priority (1 first), larger regret, larger current value, then name. The value key puts the
    /// costlier of two equally regretful servers first (upstream's rule); the name is ours, for determinism.
    static func precedes(_ a: GreedyEntry, _ b: GreedyEntry) -> Bool {
        if a.priority != b.priority { return a.priority < b.priority }
        if a.delta != b.delta { return a.delta > b.delta }
        if a.current.value != b.current.value { return a.current.value > b.current.value }
        return a.name < b.name
    }

    /// Most replicas best effort may give on `c`: what a full allocation needs, and never above `maxReplicas`.
    func replicaLimit(_ c: Candidate) -> Int {
        min(c.replicasNeeded, maxReplicas ?? Int.max)
    }
}

/// Free cards and the decisions made so far, shared by the allocation and best-effort phases.
struct GreedyState {
    let problem: OptimizationProblem
    private var free: [String: Int] = [:]
    /// Decisions so far by server name.
    private(set) var chosen: [String: (candidate: Candidate, replicas: Int)] = [:]
    /// Servers that got replicas from best effort.
    private(set) var bestEffortServers = 0

    init(problem: OptimizationProblem) { self.problem = problem }

    func available(_ type: String) -> Int { free[type] ?? problem.cards(of: type) }

    mutating func consume(_ cards: Int, of type: String) {
        free[type] = available(type) - cards
    }

    mutating func take(_ c: Candidate, replicas: Int, for server: String) {
        consume(replicas * c.unitsPerReplica, of: c.acceleratorType)
        chosen[server] = (c, replicas)
    }

    /// Records a best-effort grant whose cards were already consumed.
    mutating func recordBestEffort(_ c: Candidate, replicas: Int, for server: String) {
        chosen[server] = (c, replicas)
        bestEffortServers += 1
    }

    /// Full allocations for `entries` in regret order. Returns the servers that ran out of candidates, in the order
    /// they ran out (servers with no eligible candidate at all first, by name), which is the order best effort
    /// serves them in.
    mutating func allocate(_ entries: [GreedyEntry]) -> [GreedyEntry] {
        var unallocated = entries.filter(\.eligible.isEmpty).sorted { $0.name < $1.name }
        // Sorted by index, not by moving entries; `precedes` is a total order (it ends on the unique name).
        let queued = entries.filter { !$0.eligible.isEmpty }
        var waiting = queued.indices.sorted { GreedyEntry.precedes(queued[$0], queued[$1]) }.map { queued[$0] }
        // The queue holds indices into `waiting`, last first: popping the front is removing the last, and a
        // reinsertion moves indices, not entries (a queue of entries, front first, moved every entry per step).
        var queue = Array(waiting.indices.reversed())
        while let i = queue.popLast() {
            let c = waiting[i].current.candidate
            // A zero-replica candidate (zero load, minReplicas 0) needs no cards and always fits.
            if c.replicasNeeded * c.unitsPerReplica <= available(c.acceleratorType) {
                take(c, replicas: c.replicasNeeded, for: waiting[i].name)
                continue
            }
            waiting[i].index += 1
            if waiting[i].isExhausted {
                unallocated.append(waiting[i])
                continue
            }
            waiting[i].updateDelta()
            // Reinsert before the first entry it does not follow, as upstream's binary search does (`lo` counts
            // from the front, which is the end of `queue`).
            var lo = 0, hi = queue.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if GreedyEntry.precedes(waiting[queue[queue.count - 1 - mid]], waiting[i]) { lo = mid + 1 } else { hi = mid }
            }
            queue.insert(i, at: queue.count - lo)
        }
        // With delayed best effort the group spans priorities; keep the exhaustion order within each priority.
        return unallocated.enumerated()
            .sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }
            .map(\.element)
    }
}
