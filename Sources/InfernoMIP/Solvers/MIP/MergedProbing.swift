import Foundation

/// A count probe (``StagedSolve/probeCounts``) over the merged model (``MergedCounts``), for a served stage where
/// reduced-cost fixing leaves more servers free than a probe over the servers takes
/// (``MIPTuning/countProbeServers``): on 10,000-server fleets the probes over servers never ran, and CBC's search
/// over the whole merged model, started from the best answer, ended nine servers short on a stage whose merged
/// probes prove its optimum in about a second (docs/benchmark.md, "Merged probes"). A kind's servers share their
/// reduced values up to the stage's tie-break, so the fixing keeps a few thousand of the merged model's columns.
extension StagedSolve {
    /// CBC over the merged model restricted to the choices `viable` leaves (per group), with the row that the merged
    /// servers' count reach `goal` less what the servers outside the model serve at the best answer. A point found is
    /// split back (``mergedPoint(_:_:current:_:fixed:columns:)``) and returned in the result's values, for the caller
    /// to take; its status is CBC's (infeasible: no point serves `goal`).
    func mergedProbe(_ goal: Double, _ target: CountTarget, _ viable: [[Int]], _ merged: MergedCounts,
                     _ relaxation: ChoiceRelaxation, fixed: [Int: Double], settings: CbcSettings,
                     budget: TimeBudget, _ state: inout StageState) -> MIPResult {
        guard let before = state.point else { return MIPResult(status: .noSolutionWithinLimit, objective: nil) }
        let current = relaxation.choices(at: before)
        let outside = merged.outside(target.count, at: before, choices: current)
        var problem = merged.problem(start: nil, viable: viable)
        let counting = problem.variables.indices.filter { problem.variables[$0].objective != 0 }
        problem.rows.append(LinearRow(name: "count target", columns: counting,
                                      coefficients: counting.map { problem.variables[$0].objective },
                                      lower: goal - outside - 1e-6))
        // The first point CBC finds meets the goal; the stage's tie-broken values (its members' mean) as the
        // objective steer it to a cheap one, as the stage's start for the next (the count alone left a cost stage
        // 0.8% dearer, docs/benchmark.md).
        if tuning.mergedProbeTieBreak {
            for (j, v) in merged.meanValues({ g, k in relaxation.groups[g].values[k] }).enumerated() {
                problem.variables[j].objective = v
            }
        }
        var limited = budget.limiting(settings)
        // CBC's own cuts and heuristics, as in the merged search; the first point found meets the goal.
        limited.parameters = ["maxNodes": String(tuning.mergedProbeNodes), "maxSolutions": "1"]
        limited.relativeGap = 0
        var result = solveStage(problem, limited)
        let free = problem.variables.filter { $0.upper > $0.lower }.count
        state.steps.append(.mergedProbe(target: Int(goal), columns: free, result.status, seconds: result.seconds))
        if let counts = result.values {
            let point = mergedPoint(merged, counts, current: current, relaxation, fixed: fixed,
                                    columns: state.formulation.model.columns.count)
            let valid = state.formulation.model.violations(point).isEmpty
                && target.count.value(point) >= goal - 0.5
            result.values = valid ? point : nil
            if !valid { result.status = .noSolutionWithinLimit }
        }
        return result
    }

    /// A merged probe's point (`found`, split back from counts) serves more than `before`: first a point as near
    /// `before` as the stage's tie-break finds at that count (``searchNear``), as after the merged search, else `found`
    /// taken and polished.
    func takeProbed(_ found: [Double], over before: [Double], _ relaxation: ChoiceRelaxation, _ target: CountTarget,
                    x: [Double], loose: ArraySlice<Int>, fixed: [Int: Double], settings: CbcSettings,
                    budget: TimeBudget, _ state: inout StageState) {
        let count = target.count.value(found)
        searchNear(before, count: count, relaxation, target, x: x, loose: loose, fixed: fixed, settings: settings,
                   budget: budget, &state)
        if Self.cbcFailed(state.steps) { return }
        if let now = state.point, target.count.value(now) < count - 0.5 {
            take(found, over: before, target, fixed: fixed, settings: settings, budget: budget, &state)
        }
    }

    /// Merged probes before the merged search (a merged model of at most ``MIPTuning/mergedSearchFirstColumns``
    /// columns): at most ``MIPTuning/earlyMergedProbes`` targets from the count's bound down, while reduced-cost
    /// fixing keeps at most ``MIPTuning/earlyProbeColumnShare`` of the merged columns. CBC's merged search from the
    /// best answer spends most of its time finding the stage's answer (from that answer, its proof takes a fifth
    /// of the time); near the bound the fixing leaves a probe a sixth to a third of the columns, and a point it
    /// finds at the bound ends the stage (docs/benchmark.md, "Merged probes first"). Returns the certificate with
    /// the bound reached.
    func earlyMergedProbes(_ merged: MergedCounts, _ relaxation: ChoiceRelaxation, _ best: ChoiceRelaxation.Bound,
                           _ target: CountTarget, _ certificate: Certificate, x: [Double], loose: ArraySlice<Int>,
                           fixed: [Int: Double], settings: CbcSettings, budget: TimeBudget,
                           _ state: inout StageState) -> Certificate {
        guard tuning.earlyMergedProbes > 0 else { return certificate }
        let columns = Int(Double(merged.columnCount) * tuning.earlyProbeColumnShare)
        return probeCounts(relaxation, best, target, certificate, merged: merged, x: x, loose: loose, fixed: fixed,
                           settings: settings, budget: budget, early: (tuning.earlyMergedProbes, columns), &state)
    }
}
