/// What values a column may take.
public enum VariableKind: Hashable, Sendable {
    case continuous
    case integer
    /// An integer column whose bounds are intersected with [0, 1].
    case binary
}

/// Whether the objective is to be made small or large.
public enum OptimizationSense: Hashable, Sendable {
    case minimize
    case maximize
}

/// One column of a ``MIPProblem``: its kind, bounds and objective coefficient.
///
/// Bounds may be infinite (`-.infinity`, `.infinity`).
public struct MIPVariable: Hashable, Sendable {
    /// For diagnostics only; need not be unique.
    public var name: String
    public var kind: VariableKind
    public var lower: Double
    public var upper: Double
    public var objective: Double

    public init(name: String, kind: VariableKind = .continuous, lower: Double = 0, upper: Double = .infinity,
                objective: Double = 0) {
        self.name = name
        self.kind = kind
        self.lower = lower
        self.upper = upper
        self.objective = objective
    }

    /// A 0/1 column.
    public static func binary(_ name: String, objective: Double = 0) -> MIPVariable {
        MIPVariable(name: name, kind: .binary, lower: 0, upper: 1, objective: objective)
    }

    /// The bounds the solver sees: those of a binary column are intersected with [0, 1].
    public var effectiveBounds: (lower: Double, upper: Double) {
        kind == .binary ? (Swift.max(lower, 0), Swift.min(upper, 1)) : (lower, upper)
    }

    /// Whether the column must take an integral value.
    public var isIntegral: Bool { kind != .continuous }
}

/// One constraint `lower <= sum(coefficients[k] * x[columns[k]]) <= upper`.
///
/// A side may be infinite: `upper = .infinity` gives `>=`, `lower = -.infinity` gives `<=`,
/// `lower == upper` an equality. A column listed twice counts with the sum of its coefficients.
public struct LinearRow: Hashable, Sendable {
    /// For diagnostics (``MIPProblem/violatedRows(_:tolerance:)``); need not be unique.
    public var name: String
    /// Column indices into ``MIPProblem/variables``, parallel to ``coefficients``.
    public var columns: [Int]
    public var coefficients: [Double]
    public var lower: Double
    public var upper: Double

    public init(name: String, columns: [Int], coefficients: [Double], lower: Double = -.infinity,
                upper: Double = .infinity) {
        precondition(columns.count == coefficients.count, "row \(name): columns and coefficients differ in length")
        self.name = name
        self.columns = columns
        self.coefficients = coefficients
        self.lower = lower
        self.upper = upper
    }

    public init(name: String, terms: [(column: Int, coefficient: Double)], lower: Double = -.infinity,
                upper: Double = .infinity) {
        self.init(name: name, columns: terms.map(\.column), coefficients: terms.map(\.coefficient),
                  lower: lower, upper: upper)
    }

    /// The row's activity `sum(coefficients[k] * values[columns[k]])`.
    public func activity(_ values: [Double]) -> Double {
        var sum = 0.0
        for k in columns.indices { sum += coefficients[k] * values[columns[k]] }
        return sum
    }
}

/// A mixed-integer linear program as a plain value: build it anywhere (also concurrently),
/// solve it with ``CbcSolver``.
///
/// ```swift
/// var p = MIPProblem(sense: .maximize)
/// let x = p.addVariable(.binary("x", objective: 3))
/// let y = p.addVariable(name: "y", kind: .integer, upper: 5, objective: 2)
/// p.addRow("capacity", [(x, 4), (y, 1)], upper: 6)
/// let result = CbcSolver().solve(p, settings: CbcSettings(timeLimitSeconds: 1))
/// ```
public struct MIPProblem: Hashable, Sendable {
    public var sense: OptimizationSense
    public var variables: [MIPVariable]
    public var rows: [LinearRow]
    /// A MIP start: values for some or all columns, by index. CBC completes a partial start by
    /// fixing the given integer columns and solving an LP; it ignores a start it finds infeasible.
    /// Check a start with ``isFeasible(_:tolerance:)`` if in doubt.
    public var start: [Int: Double]?

    public init(sense: OptimizationSense = .minimize, variables: [MIPVariable] = [], rows: [LinearRow] = [],
                start: [Int: Double]? = nil) {
        self.sense = sense
        self.variables = variables
        self.rows = rows
        self.start = start
    }

    /// Appends a column and returns its index.
    @discardableResult
    public mutating func addVariable(_ variable: MIPVariable) -> Int {
        variables.append(variable)
        return variables.count - 1
    }

    /// Appends a column and returns its index.
    @discardableResult
    public mutating func addVariable(name: String, kind: VariableKind = .continuous, lower: Double = 0,
                                     upper: Double = .infinity, objective: Double = 0) -> Int {
        addVariable(MIPVariable(name: name, kind: kind, lower: lower, upper: upper, objective: objective))
    }

    /// Appends a row and returns its index.
    @discardableResult
    public mutating func addRow(_ row: LinearRow) -> Int {
        rows.append(row)
        return rows.count - 1
    }

    /// Appends `lower <= sum(terms) <= upper` and returns its index.
    @discardableResult
    public mutating func addRow(_ name: String, _ terms: [(column: Int, coefficient: Double)],
                                lower: Double = -.infinity, upper: Double = .infinity) -> Int {
        addRow(LinearRow(name: name, terms: terms, lower: lower, upper: upper))
    }

    /// Appends `sum(terms) == rhs` and returns its index.
    @discardableResult
    public mutating func addRow(_ name: String, _ terms: [(column: Int, coefficient: Double)],
                                equalTo rhs: Double) -> Int {
        addRow(LinearRow(name: name, terms: terms, lower: rhs, upper: rhs))
    }

    /// Whether some column must be integral (otherwise the problem is an LP).
    public var hasIntegralVariables: Bool { variables.contains(where: \.isIntegral) }

    /// Number of stored coefficients over all rows.
    public var nonzeroCount: Int { rows.reduce(0) { $0 + $1.columns.count } }
}
