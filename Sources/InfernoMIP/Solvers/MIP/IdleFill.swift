import Foundation

extension StagedSolve {
    /// Gives servers that have nothing at `state.point` (all of them, or those in `only`) what greedy finds for them
    /// in the capacity left: a better start for the next stage. Never violates a fixed stage, which only asks for
    /// more served or more share; a fill that would break a row is dropped.
    func fillIdle(_ state: inout StageState, only: Set<Int>? = nil) {
        guard let p = state.point, let q = idleFilled(p, state.formulation, only: only) else { return }
        state.point = q
    }

    /// `point` with its idle servers filled, or nil when nothing changed or the filled point breaks a row.
    func idleFilled(_ point: [Double], _ f: AllocationFormulation, only: Set<Int>? = nil) -> [Double]? {
        let (used, placed) = f.occupancy(at: point)
        let idle = servers.indices.filter { (only?.contains($0) ?? true) && !placed[$0] }.map { servers[$0] }
            .filter { !$0.candidates.isEmpty }
        guard !idle.isEmpty else { return nil }
        let types = Set(idle.flatMap { $0.candidates.map(\.acceleratorType) })
        var left: [String: Int] = [:]
        for t in types { left[t] = max(0, cards(t) == Int.max ? Int.max / 4 : cards(t) - (used[t] ?? 0)) }
        // Without best effort, greedy leaves a server none of whose candidates fits in what is left where it is
        // (what is left only shrinks), and one that never takes cards does not change what the others get: such
        // servers are left out, and with none other the fill is not run.
        let fits = { (s: ServerCandidates) in
            s.server.variants != nil
                || s.candidates.contains { $0.replicasNeeded * $0.unitsPerReplica <= left[$0.acceleratorType] ?? 0 }
        }
        let fill = options.saturationPolicy == .none ? idle.filter(fits) : idle
        guard !fill.isEmpty else { return nil }
        let filled = GreedySolver().decide(OptimizationProblem(servers: fill, capacity: Capacity(left),
                                                               options: options)).placements
        var placements = f.placements(at: point)
        var changed = false
        for s in fill {
            let ps = SolutionAssembler.listed(filled[s.name] ?? [])
            if ps.isEmpty { continue }
            placements[s.name] = ps
            changed = true
        }
        guard changed, var q = f.point(for: placements, solutionStatus: assembler.isFullyServed) else { return nil }
        // Columns the formulation added after building (the max-min floors) keep their values.
        if q.count < point.count { q += point[q.count...] }
        return f.model.violations(q).isEmpty ? q : nil
    }
}
