extension LinearModel {
    /// The model as CBC's problem, with `objective` and `sense` as they are now.
    /// `fixed` pins columns to a value for this problem only (a stage that leaves some servers out).
    func mipProblem(start: [Double]?, fixed: [Int: Double] = [:]) -> MIPProblem {
        var p = MIPProblem(sense: sense == .maximize ? .maximize : .minimize)
        p.variables.reserveCapacity(columns.count)
        for (i, c) in columns.enumerated() {
            let kind: VariableKind = switch c.kind {
            case .continuous: .continuous
            case .integer: .integer
            case .binary: .binary
            }
            let pinned = fixed[i]
            p.variables.append(MIPVariable(name: c.name, kind: kind, lower: pinned ?? c.lower, upper: pinned ?? c.upper,
                                           objective: objective.terms[i] ?? 0))
        }
        p.rows.reserveCapacity(constraints.count)
        for (name, c) in constraints where !c.expression.terms.isEmpty {
            let sorted = c.expression.terms.sorted { $0.key < $1.key }
            p.rows.append(LinearRow(name: name, columns: sorted.map(\.key), coefficients: sorted.map(\.value),
                                    lower: c.lower, upper: c.upper))
        }
        if let start {
            p.start = Dictionary(uniqueKeysWithValues: start.enumerated().map { ($0.offset, $0.element) })
        }
        return p
    }

    /// Constraints without terms that a point can never satisfy (they never reach CBC).
    var emptyViolations: [String] {
        constraints.filter { $0.constraint.expression.terms.isEmpty && ($0.constraint.lower > 1e-9 || $0.constraint.upper < -1e-9) }
            .map(\.name)
    }
}
