/// Turns per-server placements into a ``Solution`` with statuses and totals, the same way for every solver.
public struct SolutionAssembler: Sendable {
    public var problem: OptimizationProblem
    public init(problem: OptimizationProblem) { self.problem = problem }

    /// Whether `placements` meet `server`'s SLOs: enough replicas of a single candidate, or (heterogeneous)
    /// enough served rate; and never below `minReplicas`.
    public func isFullyServed(_ server: ServerCandidates, _ placements: [Placement]) -> Bool {
        let replicas = placements.reduce(0) { $0 + $1.replicas }
        if replicas < server.server.minReplicas { return false }
        if let max = server.server.maxReplicas, replicas > max { return false }
        if server.requiredRatePerSecond <= 0 { return !server.candidates.isEmpty || replicas == 0 }
        if placements.count == 1, let p = placements.first,
           let c = server.candidates.first(where: { $0.accelerator == p.accelerator }) {
            return p.replicas >= c.replicasNeeded
        }
        let served = placements.reduce(0.0) { $0 + $1.servedRatePerSecond }
        return served >= server.requiredRatePerSecond * (1 - 1e-9)
    }

    public func status(_ server: ServerCandidates, _ placements: [Placement]) -> ServingStatus {
        if isFullyServed(server, placements) { return .fullyServed }
        if server.candidates.isEmpty {
            let why = server.rejections.map { "\($0.accelerator): \($0.reason)" }.joined(separator: "; ")
            return .unserved(reason: "no accelerator can meet the SLOs (\(why.isEmpty ? "no profile" : why))")
        }
        if let max = server.server.maxReplicas, server.candidates.allSatisfy({ $0.replicasNeeded > max }) {
            return placements.isEmpty ? .unserved(reason: "needs more than maxReplicas \(max)")
                                      : .partial(reason: "needs more than maxReplicas \(max)")
        }
        let replicas = placements.reduce(0) { $0 + $1.replicas }
        return replicas == 0 ? .unserved(reason: "not enough free capacity")
                             : .partial(reason: "best effort: not enough free capacity for the SLOs")
    }

    /// A server's placements as a solution lists them: those with replicas, by accelerator.
    static func listed(_ placements: [Placement]) -> [Placement] {
        placements.filter { $0.replicas > 0 }.sorted { $0.accelerator < $1.accelerator }
    }

    /// The solution for `placements` (by server name; missing servers get nothing).
    public func assemble(solver: String, placements: [String: [Placement]], diagnostics: SolverDiagnostics) -> Solution {
        var used: [String: Int] = [:]
        var costByType: [String: Double] = [:]
        let servers = problem.servers.map { s -> ServerSolution in
            let ps = Self.listed(placements[s.name] ?? [])
            for p in ps {
                used[p.acceleratorType, default: 0] += p.units
                costByType[p.acceleratorType, default: 0] += p.cost
            }
            let status = status(s, ps)
            var itl: Double?, ttft: Double?
            if status.isFullyServed, ps.count == 1,
               let c = s.candidates.first(where: { $0.accelerator == ps[0].accelerator }), ps[0].replicas == c.replicasNeeded {
                itl = c.itlMilliseconds
                ttft = c.ttftMilliseconds
            } else if status.isFullyServed, ps.isEmpty, let c = s.candidates.first {
                itl = c.itlMilliseconds
                ttft = c.ttftMilliseconds
            }
            return ServerSolution(name: s.name, priority: s.priority, placements: ps, status: status,
                                  itlMilliseconds: itl, ttftMilliseconds: ttft)
        }
        let types = Set(problem.acceleratorTypes).union(used.keys).sorted()
        let usage = types.map {
            TypeUsage(type: $0, cardsUsed: used[$0] ?? 0,
                      cardsAvailable: problem.options.unlimited ? nil : problem.capacity[$0],
                      cost: costByType[$0] ?? 0)
        }
        return Solution(solver: solver, servers: servers, usage: usage, diagnostics: diagnostics)
    }
}
