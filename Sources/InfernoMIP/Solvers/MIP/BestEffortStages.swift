import Foundation

/// The best-effort stages, for servers not fully served, by saturation policy (docs/optimizer.md, "Stages").
extension StagedSolve {
    /// The best-effort stages that follow every served stage: `RoundRobin`'s max-min over all servers; `None` has
    /// none, and the priority policies run theirs level by level (``bestEffort(level:_:budget:)``). False when a
    /// stage returned no answer (the stages after it do not run).
    func bestEffortAfterServed(_ state: inout StageState, budget: TimeBudget) -> Bool {
        options.saturationPolicy == .roundRobin ? maxMin(priority: nil, Array(servers.indices), &state, budget: budget)
                                                : true
    }

    /// One level's best effort under a priority policy, right after that level's served stage and before any lower
    /// level is allocated: the most important traffic keeps what it can get when GPUs run short. False when a stage
    /// returned no answer.
    func bestEffort(level: Int, _ state: inout StageState, budget: TimeBudget) -> Bool {
        let members = byLevel[level] ?? []
        switch options.saturationPolicy {
        case .priorityExhaustive:
            guard !partiallyServed(members, state).isEmpty else { return true }
            // Partial service of lower priorities counts in no fixed stage yet and only takes cards: none, here.
            let request = StageRequest(
                stage: .bestEffort(priority: level),
                objective: members.map { state.formulation.fraction($0) }.sum(), sense: .maximize, integral: false,
                withoutPartials: tuning.restrictServedStages ? lowerPriorities(than: level) + settledPartials(state) : [])
            return solve(request, &state, budget: budget)
        case .priorityRoundRobin:
            return maxMin(priority: level, members, &state, budget: budget)
        case .none, .roundRobin:
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

extension SaturationPolicy {
    /// Best effort ranked level by level, each level's right after its served count (docs/optimizer.md, "Stages"):
    /// the priority policies. `RoundRobin` shares across levels and `None` has no best effort, so theirs follows
    /// every served count.
    var bestEffortByLevel: Bool { self == .priorityExhaustive || self == .priorityRoundRobin }
}
