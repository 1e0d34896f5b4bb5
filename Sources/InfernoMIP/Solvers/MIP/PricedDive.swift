import Foundation

/// Dives of a priced served stage. The rounding drops the LP vertex's fractional servers, and putting a large one
/// back whole may evict many others. Fixing the largest fractional server where the LP put most of it and solving
/// the LP again lets the others make room for it; the new vertex is rounded, and so on.
extension StagedSolve {
    /// Dives from the vertex `x0` for at most `steps` steps: each fixes the largest fractional server and solves the
    /// LP over `free` (the others pinned to `agreed`). With `makeRoom`, each step also frees the servers that can
    /// make room for the server fixed (``roomMakers(_:group:choice:agreed:target:)``); without, the pinned servers
    /// may leave it none, and the LP is infeasible. Each vertex is rounded and adopted if better; the dive stops once
    /// the best answer's count reaches what the last vertex allows (`floor(value + slack)`), as nothing below that
    /// vertex serves more, or when the stage's time is out.
    func dive(_ relaxation: ChoiceRelaxation, from x0: [Double], free: Set<Int>, agreed: [Int], fixed: [Int: Double],
              target: CountTarget, steps: Int, makeRoom: Bool, settings: CbcSettings, budget: TimeBudget,
              whole: TimeBudget, _ state: inout StageState) {
        var x = x0, pins = fixed, free = free
        let f = state.formulation
        for _ in 0..<steps where budget.left > 0 {
            guard let (g, k) = largestFractional(relaxation, x) else { break }
            let group = relaxation.groups[g]
            group.fix(k, in: &pins)
            if makeRoom, k >= 0 {
                free.formUnion(roomMakers(relaxation, group: group, choice: k, agreed: agreed, target: target))
            }
            guard let next = coreVertex(relaxation, picks: agreed, core: free, fixed: pins,
                                        settings: budget.limiting(settings), whole: whole, &state)
            else { break }
            x = next
            adopt(rounding(x, fixed: fixed, &state), objective: f.model.objective, sense: f.model.sense, &state)
            if let p = state.point, target.count.value(p) >= target.bound(f.model.objective.value(x)) - 0.5 { break }
        }
    }

    /// The servers that can make room for `group` on `choice`: those whose pick (`agreed`) uses a linking row that
    /// choice uses (they may leave it), and every server the stage counts (they may give up their cards elsewhere
    /// to a server of a fixed level that leaves). Freeing only the first kept the LP infeasible on saturated fleets
    /// (docs/benchmark.md, "Room for a large server").
    func roomMakers(_ relaxation: ChoiceRelaxation, group: ChoiceRelaxation.Group, choice: Int, agreed: [Int],
                    target: CountTarget) -> Set<Int> {
        let rows = Set(group.rows[choice].map(\.row))
        var out = Set<Int>()
        for (h, other) in relaxation.groups.enumerated() {
            let shares = agreed[h] >= 0 && other.rows[agreed[h]].contains { rows.contains($0.row) }
            if shares || other.columns.contains(where: { target.count.terms[$0] != nil }) { out.insert(h) }
        }
        return out
    }

    /// Whether the largest server `x` splits takes, on the choice the LP gives most of it, more than
    /// ``MIPTuning/roomDiveShare`` of some linking row's bound: a server that, put back whole, must evict many.
    func largeSplit(_ relaxation: ChoiceRelaxation, _ x: [Double]) -> Bool {
        guard let (g, k) = largestFractional(relaxation, x), k >= 0 else { return false }
        return relaxation.groups[g].rows[k].contains { row in
            relaxation.upper[row.row] < .infinity && row.coefficient > tuning.roomDiveShare * relaxation.upper[row.row]
        }
    }

    /// The fractional server at `x` with the most linking-row use, and the choice the LP gives most of it (−1:
    /// nothing); nil when `x` is integral.
    func largestFractional(_ relaxation: ChoiceRelaxation, _ x: [Double]) -> (group: Int, choice: Int)? {
        var best: (group: Int, choice: Int, weight: Double)?
        // Servers with partial service are left out: their choices share columns, so a column is not a share.
        for (g, group) in relaxation.groups.enumerated() where !group.partial {
            let shares = group.columns.map { x[$0] }
            guard shares.contains(where: { $0 > 1e-6 && $0 < 1 - 1e-6 }) else { continue }
            let weight = zip(shares, group.rows).reduce(0.0) { $0 + $1.0 * $1.1.reduce(0) { $0 + abs($1.coefficient) } }
            let top = shares.indices.max { shares[$0] < shares[$1] || shares[$0] == shares[$1] && $0 > $1 } ?? -1
            let choice = top >= 0 && shares[top] >= 1 - shares.reduce(0, +) ? top : -1
            if weight > best?.weight ?? -1 { best = (g, choice, weight) }
        }
        return best.map { ($0.group, $0.choice) }
    }
}
