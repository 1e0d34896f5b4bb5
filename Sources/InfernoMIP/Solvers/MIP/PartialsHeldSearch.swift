import Foundation

/// A served stage with partial choices (under the priority policies, a lower level's stage while a level above keeps
/// its partial service) has no merged search: its merged model has partial service only at its ends, so what it
/// proves out of reach may be within reach. With every partial service held where the best answer has it, the stage
/// is one without partial choices, whose merged model is exact for it: CBC's search over that model finds points of
/// the stage (never proofs: the stage may serve more with its partial service moved). A point serving more is taken
/// as after the merged search (docs/benchmark.md, "Merged probes first").
extension StagedSolve {
    func partialsHeldSearch(_ relaxation: ChoiceRelaxation, _ target: CountTarget, fixed: [Int: Double],
                            settings: CbcSettings, budget: TimeBudget, _ state: inout StageState) {
        guard let before = state.point else { return }
        var held = fixed, partiallyServed = 0
        for group in relaxation.groups where group.partial {
            if group.partialColumns.contains(where: { before[$0] > 1e-6 }) {
                // Partially served: the server keeps what it has.
                partiallyServed += 1
                for c in group.owned { held[c] = before[c] }
                if let idle = group.idleColumn { held[idle] = before[idle] }
            } else {
                for c in group.partialColumns { held[c] = 0 }
            }
        }
        guard let restricted = ChoiceRelaxation(state.formulation, pinned: held, partials: tuning.pricedPartials),
              restricted.linkingRows > 0, !restricted.hasPartialChoices else { return }
        let merged = MergedCounts(restricted, count: target.count)
        guard merged.columnCount <= tuning.mergedSearchFirstColumns else { return }
        state.steps.append(.partialsHeld(servers: partiallyServed))
        let search = mergedSearch(merged, restricted, target, fixed: held, settings: settings, budget: budget,
                                  nodes: tuning.partialsHeldNodes, &state)
        if Self.cbcFailed(state.steps) { return }
        if let found = search.found {
            take(found, over: before, target, fixed: fixed, settings: settings, budget: budget, &state)
        }
    }
}
