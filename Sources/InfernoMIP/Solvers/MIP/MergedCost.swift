import Foundation

/// Servers alike in the rows their choices use and in each choice's cost are interchangeable in a cost stage as
/// servers alike in rows and count are in a served one, and CBC's search over a binary per server and choice explores
/// every swap of them too. At 10,000 servers with four classes, a cost stage whose searches stopped 1.03% above its
/// bound (0.79% above its optimum) reached 0.25% over its merged model in about a second (docs/benchmark.md,
/// "Merged cost search"). A best-effort stage of `PriorityExhaustive`, priced with partial service, gets the same
/// search by its own objective's values (docs/benchmark.md, "Priced partial service").
extension StagedSolve {
    /// CBC's search over the cost stage with its servers merged by rows and value (``MergedCounts`` with each
    /// choice's value in the stage's objective as its weight), from the best answer, with the stage's CBC settings and
    /// gap under ``MIPTuning/mergedCostNodes``. Servers of a kind have the same value on each choice, so the answer
    /// splits back at the merged objective exactly; it is taken if better.
    func mergedCostSearch(_ relaxation: ChoiceRelaxation, fixed: [Int: Double], settings: CbcSettings,
                          budget: TimeBudget, _ state: inout StageState) {
        guard let before = state.point else { return }
        let f = state.formulation
        let merged = MergedCounts(relaxation) { g, k in relaxation.groups[g].values[k] }
        let current = relaxation.choices(at: before)
        var limited = budget.limiting(settings)
        limited.parameters["maxNodes"] = String(tuning.mergedCostNodes)
        // As a minimisation of the cost: maximising its negation from a start, CBC 2.10.8 returned the start as
        // optimal on 8 of 40 small instances where a cheaper answer existed (MergedCostTests).
        var problem = merged.problem(start: current)
        problem.sense = .minimize
        for j in problem.variables.indices { problem.variables[j].objective.negate() }
        let result = solveStage(problem, limited)
        let point = result.values.map {
            mergedPoint(merged, $0, current: current, relaxation, fixed: fixed, columns: f.model.columns.count)
        }
        state.steps.append(merged.step(result, count: point.map { f.model.objective.value($0) }))
        adopt(point, objective: f.model.objective, sense: f.model.sense, &state)
    }
}
