import Foundation

/// A served stage's count, which priced stages maximise exactly (``StagedSolve/probeCounts``). CBC's objective is
/// the count less a tie-break of at most `slack` at every point, so a point serving `n` has an objective of at
/// least `n − slack`, and a bound `b` on the objective bounds the count by `floor(b + slack)`.
struct CountTarget {
    var count: LinearExpression
    var slack: Double

    /// The largest count an objective bound allows.
    func bound(_ objectiveBound: Double) -> Double { (objectiveBound + slack + 1e-6).rounded(.down) }
}

extension StagedSolve {
    /// The count a served stage maximises, when CBC's objective is that count (with or without a tie-break).
    func countTarget(_ request: StageRequest, _ prepared: PreparedStage) -> CountTarget? {
        guard request.integral, request.sense == .maximize, request.stage.servedPriority != nil else { return nil }
        return CountTarget(count: request.objective, slack: prepared.epsilon > 0 ? tuning.tieBreakWeight : 0)
    }

    /// A served stage short of its count's bound, after rounding and RINS: a search over its `small` least certain
    /// servers (from the best answer: cheap, and it often reaches the bound), then the probes unless they ran
    /// before (`probe` false; over `merged`, if any, where too many servers stay free), then a dive, then the `late`
    /// merged search (``MergedCounts``), if any. A fleet of at most `small` servers gets CBC's search over all
    /// of it instead, which proves the count.
    func countSearch(_ relaxation: ChoiceRelaxation, _ best: ChoiceRelaxation.Bound, _ target: CountTarget,
                     _ certificate: Certificate, x: [Double], order: [Int], small: Int, core: Set<Int>, agreed: [Int],
                     merged: MergedCounts?, late: MergedCounts?, probe: Bool, fixed: [Int: Double],
                     settings: CbcSettings, budget: TimeBudget, whole: TimeBudget,
                     _ state: inout StageState) -> MIPResult? {
        // Over the whole stage, CBC must not stop within the relative gap, which on a count of a few hundred is a
        // server or more (its `increment` already keeps it from searching for a cheaper tie-break).
        var exact = settings
        if order.count <= small { exact.relativeGap = 0 }
        let first = neighbourhood(relaxation, x, order.prefix(small), certificate, fixed: fixed, settings: exact,
                                  budget: budget, &state)
        if order.count <= small || certificate.answer(state.point) != nil {
            return finish(state.point, certificate, whole: order.count <= small ? first : nil,
                          count: target)
        }
        var probed = !probe ? certificate
            : probeCounts(relaxation, best, target, certificate, merged: merged, x: x, loose: order.prefix(small),
                          fixed: fixed, settings: settings, budget: budget, &state)
        if probed.answer(state.point) == nil, budget.left > 0 {
            dive(relaxation, from: x, free: core.union(order.prefix(small)), agreed: agreed, fixed: fixed,
                 target: target, steps: tuning.choiceDiveSteps, makeRoom: false, settings: settings, budget: budget,
                 whole: whole, &state)
        }
        if let late, probed.answer(state.point) == nil, budget.left > 0, let before = state.point {
            let search = mergedSearch(late, relaxation, target, fixed: fixed, settings: settings, budget: budget,
                                      &state)
            if Self.cbcFailed(state.steps) { return nil }
            if let proven = search.bound { probed = probed.tightened(to: proven) }
            if let found = search.found {
                take(found, over: before, target, fixed: fixed, settings: settings, budget: budget, &state)
            }
        }
        return finish(state.point, probed, whole: nil)
    }

    /// Exact counts by probing targets, in ``ProbeTargets``' order, down to one above the best answer: for target
    /// `n`, reduced-cost fixing at the Lagrangian prices (``ChoiceRelaxation/viableChoices(at:value:floor:)``) keeps
    /// only the choices a point serving `n` can take, and CBC solves what is left, with the row `count ≥ n`, under a
    /// node limit. A point found serves `n` (at the bound, the stage is proven); a proof that none exists lowers the
    /// bound to `n − 1`; a probe stopped by its node limit leaves the bound, up to ``MIPTuning/countProbesUnknown``
    /// such targets. Where more than ``MIPTuning/countProbeServers`` servers stay free, the probe runs over `merged`
    /// (``mergedProbe``), if given, else the probing ends. The work is counted (probes, nodes, servers), so the answer
    /// does not depend on the machine unless the clock stops it. Returns the certificate with the bound reached.
    /// `early` (``earlyMergedProbes``) probes over `merged` only, at most `probes` targets, and stops at the first
    /// target whose fixing keeps more than `columns` of its columns.
    func probeCounts(_ relaxation: ChoiceRelaxation, _ best: ChoiceRelaxation.Bound, _ target: CountTarget,
                     _ certificate: Certificate, merged: MergedCounts?, x: [Double], loose: ArraySlice<Int>,
                     fixed: [Int: Double], settings: CbcSettings, budget: TimeBudget,
                     early: (probes: Int, columns: Int)? = nil, _ state: inout StageState) -> Certificate {
        var targets = ProbeTargets(bound: certificate.bound,
                                   proofsBeforeDoubling: tuning.countProbeProofsBeforeDoubling,
                                   bisects: tuning.bisectingProbes)
        var probes = 0, unknown = 0
        while let p = state.point, targets.open(above: target.count.value(p)),
              probes < early?.probes ?? tuning.countProbes, budget.left > 0 {
            probes += 1
            let goal = targets.goal
            let viable = relaxation.viableChoices(at: best.prices, value: best.value, floor: goal - target.slack)
            let free = viable.filter { $0.count > 1 }.count
            if viable.contains(where: \.isEmpty) {
                // Some server has no choice left: no point serves `goal`.
                targets.excluded(above: target.count.value(p))
                continue
            }
            if let early, merged.map({ $0.keptColumns(viable) > early.columns }) ?? true { break }
            let result: MIPResult
            if free <= tuning.countProbeServers, early == nil {
                result = serverProbe(goal, target, viable, relaxation, free: free, first: unknown == 0,
                                     oneShort: goal - target.count.value(p) < 1.5, fixed: fixed, settings: settings,
                                     budget: budget, &state)
                adopt(result.values, objective: state.formulation.model.objective, sense: .maximize, &state)
            } else if let merged, tuning.mergedProbes {
                result = mergedProbe(goal, target, viable, merged, relaxation, fixed: fixed, settings: settings,
                                     budget: budget, &state)
                if let point = result.values {
                    takeProbed(point, over: p, relaxation, target, x: x, loose: loose, fixed: fixed,
                               settings: settings, budget: budget, &state)
                    if Self.cbcFailed(state.steps) { break }
                }
            } else {
                break
            }
            if result.values != nil, let point = state.point {
                targets.found(target.count.value(point))
            } else if result.status == .infeasible {
                targets.excluded(above: target.count.value(p))
            } else {
                unknown += 1
                if case .error = result.status { break }
                if unknown >= tuning.countProbesUnknown { break }
                targets.undecided(above: target.count.value(p))
            }
        }
        return Certificate(objective: target.count, bound: targets.bound, tolerance: 0)
    }

    /// A probe over the servers: quick (CBC without its heuristics); where it neither met nor excluded the `first`
    /// target left unknown, again with them, unless it is a large probe one server above the best answer
    /// (``MIPTuning/heuristicProbeOneShortServers``).
    func serverProbe(_ goal: Double, _ target: CountTarget, _ viable: [[Int]], _ relaxation: ChoiceRelaxation,
                     free: Int, first: Bool, oneShort: Bool, fixed: [Int: Double], settings: CbcSettings,
                     budget: TimeBudget, _ state: inout StageState) -> MIPResult {
        let result = probe(goal, target, viable, relaxation, free: free, heuristics: false, fixed: fixed,
                           settings: settings, budget: budget, &state)
        guard result.status == .noSolutionWithinLimit, first, budget.left > 0,
              !oneShort || free <= tuning.heuristicProbeOneShortServers else { return result }
        // Without heuristics CBC rarely finds a point within the node limit; with them a probe costs several
        // times as much, so they run once, at the first target the quick probe neither met nor excluded.
        return probe(goal, target, viable, relaxation, free: free, heuristics: true, fixed: fixed,
                     settings: settings, budget: budget, &state)
    }

    /// One probe: CBC over the servers `viable` leaves a choice, with the row `count ≥ goal`.
    func probe(_ goal: Double, _ target: CountTarget, _ viable: [[Int]], _ relaxation: ChoiceRelaxation, free: Int,
               heuristics: Bool, fixed: [Int: Double], settings: CbcSettings, budget: TimeBudget,
               _ state: inout StageState) -> MIPResult {
        var model = state.formulation.model
        model.add(target.count >= goal, "count target")
        var limited = budget.limiting(settings)
        var nodes = nodeLimit(servers: free, work: tuning.countProbeWork)
        if !heuristics, free > tuning.largeQuickProbeServers { nodes = min(nodes, tuning.largeQuickProbeNodes) }
        limited.parameters["maxNodes"] = String(nodes)
        // CBC's root cuts and heuristics cost more than the probe's nodes here, and a proof of infeasibility rarely
        // needs them (docs/benchmark.md, "Exact counts").
        limited.parameters.merge(["heuristicsOnOff": heuristics ? "on" : "off", "cutsOnOff": "off"]) { a, _ in a }
        let result = model.reduced(start: nil, pinned: Self.pins(relaxation, viable, fixed: fixed), dropPinned: true)
            .solve(solveStage, settings: limited)
        state.steps.append(.countProbe(target: Int(goal), servers: free, result.status, seconds: result.seconds))
        return result
    }

    /// The stage's pins plus, per group, every column no viable choice sets pinned to 0, the one viable choice
    /// pinned, and the idle column pinned to 0 where taking nothing is not viable (to 1 where it alone is).
    ///
    /// With partial service, a server between partial service's none and its most (not a choice) is a mix of the
    /// two: held there, it bounds the stage by at most the better of the two's bounds, and the one at none, where it
    /// is not a choice, by no more than nothing's. So a partial pair's columns also stay free where taking nothing is
    /// viable, and the one viable choice pins only its first column (a partial one's use column: its replicas stay
    /// free).
    static func pins(_ relaxation: ChoiceRelaxation, _ viable: [[Int]], fixed: [Int: Double]) -> [Int: Double] {
        var pins = fixed
        for (g, group) in relaxation.groups.enumerated() {
            let choices = Set(viable[g])
            var free = Set<Int>()
            for k in choices where k >= 0 { free.formUnion(group.settings[k].map(\.column)) }
            if choices.contains(-1) { free.formUnion(group.partialColumns) }
            for c in group.owned where !free.contains(c) { pins[c] = 0 }
            if let only = choices.first, choices.count == 1, only >= 0, let first = group.settings[only].first {
                pins[first.column] = 1
            }
            if let idle = group.idleColumn {
                if !choices.contains(-1) { pins[idle] = 0 } else if choices.count == 1, !group.partial { pins[idle] = 1 }
            }
        }
        return pins
    }
}
