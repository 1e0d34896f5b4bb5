import Foundation

/// A stage after the served ones (the cost) whose rounding broke a served count: the repair (``ServedRepair``)
/// moves one server to make room and evicts lower levels, but in a saturated fleet with every GPU type full, room
/// for the server the rounding dropped can take a chain of moves, and a single level has no one to evict. RINS from
/// the stage's start then ended 1–1.4% above the bound at 10,000 servers with one class (docs/benchmark.md,
/// "Counts kept in the cost stage"). The merged model (``MergedCounts``) finds a point with the counts in a
/// fraction of a second there, near the rounding once split back.
extension StagedSolve {
    /// The rounding broke a served count its repair could not restore. CBC finds a point with the counts over the
    /// merged model (``MergedCounts``, the short levels' count as its objective, the first point found), near the
    /// rounding's counts if it can, and it is split back keeping the rounding's choices where the counts allow; RINS
    /// then searches where that point and the rounding differ.
    func mergedCompletion(_ rounded: [Double], _ relaxation: ChoiceRelaxation, fixed: [Int: Double],
                          settings: CbcSettings, budget: TimeBudget, _ state: inout StageState) {
        let f = state.formulation
        let short = state.requiredServed.filter { level, required in
            f.servedCount(byLevel[level] ?? []).value(rounded) < Double(required) - 0.5
        }.keys.sorted()
        guard !short.isEmpty else { return }
        let merged = MergedCounts(relaxation, count: f.servedCount(short.flatMap { byLevel[$0] ?? [] }))
        let current = relaxation.choices(at: rounded)
        func search(_ problem: MIPProblem, _ settings: CbcSettings) -> MIPResult {
            let result = solveStage(problem, settings)
            state.steps.append(merged.step(result, count: result.objective))
            return result
        }
        // Each search's time limit from the clock when it starts: the second given the first's limit again ran a
        // 5,000-server solve 0.7 s past its deadline (docs/benchmark.md, "Merged probes first").
        func limited(nodes: Int) -> CbcSettings {
            var limited = budget.limiting(settings)
            limited.parameters = ["maxNodes": String(nodes), "maxSolutions": "1"]
            limited.relativeGap = 0
            return limited
        }
        // First with every column within `mergedCompletionBox` of the rounding's counts, under a tenth of the nodes:
        // its point differs from the rounding on few servers. The first point by count alone can be anywhere, and
        // RINS from it ended above the stage's start (docs/benchmark.md, "Counts kept in the cost stage").
        var result = search(merged.problem(start: nil, around: merged.merged(current),
                                           width: Double(tuning.mergedCompletionBox)),
                            limited(nodes: max(1, tuning.mergedSearchNodes / 10)))
        if result.values == nil, !Self.cbcFailed(state.steps), budget.left > 0 {
            result = search(merged.problem(start: nil), limited(nodes: tuning.mergedSearchNodes))
        }
        guard let counts = result.values else { return }
        let point = mergedPoint(merged, counts, current: current, relaxation, fixed: fixed,
                                columns: f.model.columns.count)
        guard f.model.violations(point).isEmpty else { return }
        adopt(point, objective: f.model.objective, sense: f.model.sense, &state)
        rinsStep(rounded, from: point, fixed: fixed, settings: settings, budget: budget, &state)
    }
}
