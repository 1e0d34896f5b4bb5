extension LinearModel {
    /// The model as CBC's problem, with `objective` and `sense` as they are now.
    func mipProblem(start: [Double]?) -> MIPProblem {
        reduced(start: start, pinned: [:], dropPinned: false).problem
    }

    /// The model with some columns pinned to values, as CBC is given it for one stage.
    ///
    /// With `dropPinned`, pinned columns are left out of the problem altogether: their contribution moves into the
    /// rows' bounds and the objective's constant, and ``ReducedProblem/solve(_:settings:)`` puts them back. A
    /// stage that leaves many servers out (lower priorities in a served stage, partial service in every served
    /// stage) then hands CBC a model of the servers that matter only. Without it, pinned columns stay in with
    /// equal bounds.
    func reduced(start: [Double]?, pinned: [Int: Double], dropPinned: Bool = true, relax: Bool = false) -> ReducedProblem {
        var p = MIPProblem(sense: sense == .maximize ? .maximize : .minimize)
        var kept: [Int] = []
        var position = [Int](repeating: -1, count: columns.count)
        var constant = 0.0
        for (i, c) in columns.enumerated() {
            let value = pinned[i]
            if dropPinned, let value {
                constant += (objective.terms[i] ?? 0) * value
                continue
            }
            var kind: VariableKind = switch c.kind {
            case .continuous: .continuous
            case .integer: .integer
            case .binary: .binary
            }
            if relax { kind = .continuous }
            position[i] = kept.count
            kept.append(i)
            p.variables.append(MIPVariable(name: c.name, kind: kind, lower: value ?? c.lower, upper: value ?? c.upper,
                                           objective: objective.terms[i] ?? 0))
        }
        var violated: [String] = []
        p.rows.reserveCapacity(constraints.count)
        var pin = [Double](repeating: 0, count: columns.count)
        for (j, v) in pinned where j < columns.count { pin[j] = v }
        var shifts: [(column: Int, product: Double)] = []
        for (name, c) in constraints where !c.expression.terms.isEmpty {
            var terms: [(Int, Double)] = []
            terms.reserveCapacity(c.expression.terms.count)
            shifts.removeAll(keepingCapacity: true)
            for (j, a) in c.expression.terms {
                if position[j] >= 0 { terms.append((position[j], a)) } else if pin[j] != 0 { shifts.append((j, a * pin[j])) }
            }
            // Summed in column order (a dictionary's order changes from run to run); a column pinned at 0 adds
            // nothing, and most pins are 0.
            shifts.sort { $0.column < $1.column }
            let shift = shifts.reduce(0.0) { $0 + $1.product }
            let lower = c.lower - shift, upper = c.upper - shift
            if terms.isEmpty {
                if lower > 1e-9 * max(1, abs(c.lower)) || upper < -1e-9 * max(1, abs(c.upper)) { violated.append(name) }
                continue
            }
            terms.sort { $0.0 < $1.0 }
            p.rows.append(LinearRow(name: name, columns: terms.map(\.0), coefficients: terms.map(\.1), lower: lower, upper: upper))
        }
        if let start {
            p.start = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($0.offset, start[$0.element]) })
        }
        return ReducedProblem(problem: p, kept: kept, pinned: dropPinned ? pinned : [:], objectiveConstant: constant,
                              columnCount: columns.count, violatedRows: violated)
    }

    /// Columns plus rows of ``reduced(start:pinned:dropPinned:relax:)`` with these pins (rows whose every term is
    /// pinned drop out): what an LP's time grows with.
    func reducedSize(pinned: [Int: Double]) -> Int {
        var rows = 0
        for (_, c) in constraints where c.expression.terms.keys.contains(where: { pinned[$0] == nil }) { rows += 1 }
        return columns.count - pinned.count + rows
    }

    /// Constraints without terms that a point can never satisfy (they never reach CBC).
    var emptyViolations: [String] {
        constraints.filter { $0.constraint.expression.terms.isEmpty && ($0.constraint.lower > 1e-9 || $0.constraint.upper < -1e-9) }
            .map(\.name)
    }
}

/// A stage's problem as CBC sees it, and the way back to the model's columns.
struct ReducedProblem {
    var problem: MIPProblem
    /// The model column of each problem column.
    var kept: [Int]
    /// Columns left out, with their values.
    var pinned: [Int: Double]
    /// The left-out columns' share of the objective.
    var objectiveConstant: Double
    var columnCount: Int
    /// Rows the pinned values alone violate: the stage is infeasible.
    var violatedRows: [String]

    /// A point of the model from a point of the problem.
    func expand(_ values: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: columnCount)
        for (i, v) in pinned { out[i] = v }
        for (k, i) in kept.enumerated() { out[i] = values[k] }
        return out
    }

    /// Solves with `solve` and reports in the model's terms: values expanded, the constant added back.
    func solve(_ solve: (MIPProblem, CbcSettings) -> MIPResult, settings: CbcSettings) -> MIPResult {
        if !violatedRows.isEmpty { return MIPResult(status: .infeasible) }
        if kept.isEmpty {
            return MIPResult(status: .optimal, objective: objectiveConstant, bestBound: objectiveConstant, relativeGap: 0,
                             values: expand([]))
        }
        var r = solve(problem, settings)
        r.values = r.values.map(expand)
        r.objective = r.objective.map { $0 + objectiveConstant }
        r.bestBound = r.bestBound.map { $0 + objectiveConstant }
        if let o = r.objective, let b = r.bestBound { r.relativeGap = MIPResult.relativeGap(objective: o, bound: b) }
        return r
    }
}
