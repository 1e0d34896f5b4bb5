import Foundation

/// The best-effort stages, for servers not fully served, by saturation policy (docs/optimizer.md, "Stages").
extension StagedSolve {
    /// False when a stage returned no answer (the stages after it do not run).
    func bestEffortStages(_ state: inout StageState, budget: TimeBudget) -> Bool {
        switch options.saturationPolicy {
        case .none:
            return true
        case .priorityExhaustive:
            for level in levels {
                let members = byLevel[level] ?? []
                guard !partiallyServed(members, state).isEmpty else { continue }
                // Partial service of lower priorities counts in no fixed stage yet and only takes cards: none, here.
                let request = StageRequest(
                    stage: .bestEffort(priority: level),
                    objective: members.map { state.formulation.fraction($0) }.sum(), sense: .maximize, integral: false,
                    withoutPartials: tuning.restrictServedStages ? lowerPriorities(than: level) : [])
                if !solve(request, &state, budget: budget) { return false }
            }
            return true
        case .roundRobin:
            return maxMin(priority: nil, Array(servers.indices), &state, budget: budget)
        case .priorityRoundRobin:
            for level in levels {
                if !maxMin(priority: level, byLevel[level] ?? [], &state, budget: budget) { return false }
            }
            return true
        }
    }

    /// Servers among `members` with candidates that are not fully served at the current answer (all of `members`
    /// without one).
    func partiallyServed(_ members: [Int], _ state: StageState) -> [Int] {
        guard let p = state.point else { return members }
        let served = state.formulation.placements(at: p)
        return members.filter {
            !servers[$0].candidates.isEmpty && !assembler.isFullyServed(servers[$0], served[servers[$0].name] ?? [])
        }
    }

    /// Max-min over `members` (one level, or all when `priority` is nil): a floor variable `t` no server's served
    /// fraction is below, maximised; then, with it fixed, the total fraction.
    func maxMin(priority: Int?, _ members: [Int], _ state: inout StageState, budget: TimeBudget) -> Bool {
        let group = MIPStage.roundRobinGroup(priority)
        let eligible = members.filter { !servers[$0].candidates.isEmpty }
        guard !partiallyServed(eligible, state).isEmpty else { return true }
        let t = state.formulation.model.continuous("t[\(group)]", upper: 1)
        for s in eligible {
            state.formulation.model.add(LinearExpression(t) <= state.formulation.fraction(s),
                                        "\(group) floor for \(servers[s].name)")
        }
        if var p = state.point {
            p.append(eligible.map { state.formulation.fraction($0).value(p) }.min() ?? 0)
            state.point = p
        }
        let floor = StageRequest(stage: .minShare(priority: priority), objective: LinearExpression(t),
                                 sense: .maximize, integral: false)
        guard solve(floor, &state, budget: budget) else { return false }
        let total = StageRequest(stage: .totalShare(priority: priority),
                                 objective: eligible.map { state.formulation.fraction($0) }.sum(),
                                 sense: .maximize, integral: false)
        return solve(total, &state, budget: budget)
    }
}
