/// A mixed-integer linear model built the way it is written down: variables, named constraints, an objective.
/// Knows nothing about servers; ``solve(settings:start:)`` hands it to CBC.
public struct LinearModel: Sendable {
    public enum Kind: Sendable { case continuous, integer, binary }
    public enum Sense: Sendable { case minimize, maximize }

    public struct Column: Sendable {
        public var name: String
        public var kind: Kind
        public var lower: Double
        public var upper: Double
    }

    public private(set) var columns: [Column] = []
    public private(set) var constraints: [(name: String, constraint: LinearConstraint)] = []
    public var objective = LinearExpression()
    public var sense: Sense

    public init(sense: Sense) { self.sense = sense }

    public mutating func variable(_ name: String, _ kind: Kind, lower: Double = 0, upper: Double = .infinity) -> Variable {
        let ub = kind == .binary ? min(upper, 1) : upper
        columns.append(Column(name: name, kind: kind, lower: lower, upper: ub))
        return Variable(index: columns.count - 1)
    }

    public mutating func binary(_ name: String) -> Variable { variable(name, .binary, upper: 1) }
    public mutating func integer(_ name: String, upTo upper: Double) -> Variable { variable(name, .integer, upper: upper) }
    public mutating func continuous(_ name: String, lower: Double = 0, upper: Double = .infinity) -> Variable {
        variable(name, .continuous, lower: lower, upper: upper)
    }

    /// Adds a constraint; one without terms is checked now (it cannot go to CBC) and kept only if violated,
    /// so an impossible model still reports which row conflicts.
    public mutating func add(_ c: LinearConstraint, _ name: String) {
        constraints.append((name, c))
    }

    public func value(of e: LinearExpression, at point: [Double]) -> Double { e.value(point) }

    /// Names of the constraints `point` violates beyond `tolerance`, and bound violations.
    public func violations(_ point: [Double], tolerance: Double = 1e-6) -> [String] {
        var out: [String] = []
        for (i, col) in columns.enumerated() {
            let v = point[i]
            if v < col.lower - tolerance || v > col.upper + tolerance { out.append("bounds of \(col.name)") }
            if col.kind != .continuous, abs(v - v.rounded()) > tolerance { out.append("integrality of \(col.name)") }
        }
        for (name, c) in constraints {
            let v = c.expression.value(point)
            if v < c.lower - tolerance * max(1, abs(c.lower)) || v > c.upper + tolerance * max(1, abs(c.upper)) {
                out.append(name)
            }
        }
        return out
    }
}
