// Checking a candidate solution against a problem, independently of any solver:
// for tests, for validating MIP starts, for explaining what a solution violates.

extension MIPProblem {
    /// The objective `sum(objective[j] * values[j])` of a full assignment (one value per column).
    public func evaluate(_ values: [Double]) -> Double {
        precondition(values.count == variables.count, "evaluate: \(values.count) values for \(variables.count) columns")
        var sum = 0.0
        for j in variables.indices { sum += variables[j].objective * values[j] }
        return sum
    }

    /// Names of the rows that `values` violates by more than `tolerance` (scaled by `max(1, |side|)`).
    public func violatedRows(_ values: [Double], tolerance: Double = 1e-6) -> [String] {
        precondition(values.count == variables.count, "violatedRows: \(values.count) values for \(variables.count) columns")
        return rows.filter { row in
            let a = row.activity(values)
            return !a.isFinite || exceeds(a, below: row.lower, tolerance) || exceeds(a, above: row.upper, tolerance)
        }.map(\.name)
    }

    /// Names of the columns whose value is outside their bounds or not integral where it must be,
    /// beyond `tolerance` (bounds: scaled by `max(1, |bound|)`; integrality: absolute).
    public func violatedVariables(_ values: [Double], tolerance: Double = 1e-6) -> [String] {
        precondition(values.count == variables.count, "violatedVariables: \(values.count) values for \(variables.count) columns")
        return variables.indices.filter { j in
            let v = values[j], bounds = variables[j].effectiveBounds
            if !v.isFinite || exceeds(v, below: bounds.lower, tolerance) || exceeds(v, above: bounds.upper, tolerance) {
                return true
            }
            return variables[j].isIntegral && abs(v - v.rounded()) > tolerance
        }.map { variables[$0].name }
    }

    /// Whether `values` satisfies every row, bound and integrality requirement within `tolerance`.
    public func isFeasible(_ values: [Double], tolerance: Double = 1e-6) -> Bool {
        violatedRows(values, tolerance: tolerance).isEmpty && violatedVariables(values, tolerance: tolerance).isEmpty
    }

    private func exceeds(_ value: Double, below lower: Double, _ tolerance: Double) -> Bool {
        lower.isFinite && value < lower - tolerance * max(1, abs(lower))
    }

    private func exceeds(_ value: Double, above upper: Double, _ tolerance: Double) -> Bool {
        upper.isFinite && value > upper + tolerance * max(1, abs(upper))
    }
}
