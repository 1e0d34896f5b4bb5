/// A decision variable of a ``LinearModel``: an index into its columns.
public struct Variable: Hashable, Sendable, Comparable {
    public let index: Int
    public static func < (a: Variable, b: Variable) -> Bool { a.index < b.index }
}

/// `sum(coefficient * variable) + constant`, kept sparse. Reads like the math:
/// `2 * x + y - 3`, `xs.sum()`, `expr <= 4`.
public struct LinearExpression: Sendable {
    public var terms: [Int: Double]
    public var constant: Double

    public init(terms: [Int: Double] = [:], constant: Double = 0) {
        self.terms = terms
        self.constant = constant
    }

    public init(_ v: Variable) { self.init(terms: [v.index: 1]) }

    public mutating func add(_ v: Variable, _ coefficient: Double = 1) {
        guard coefficient != 0 else { return }
        terms[v.index, default: 0] += coefficient
    }

    /// Value of the expression at a point.
    /// Summed in column order: a dictionary's order changes with the process's hash seed, and so would the last
    /// digits of the sum. Only the terms where the point is nonzero are sorted (adding a zero product leaves a sum
    /// as it is): a stage's count and capacity rows have thousands of terms, and a point few nonzeros.
    public func value(_ point: [Double]) -> Double {
        // Most rows of a model are one server's, with at most one term nonzero at a point: no array for those.
        var single: Double?, nonzero = 0
        for (k, c) in terms where point[k] != 0 {
            nonzero += 1
            single = c * point[k]
            if nonzero > 1 { break }
        }
        if nonzero <= 1 { return single.map { constant + $0 } ?? constant }
        var products: [(column: Int, product: Double)] = []
        for (k, c) in terms where point[k] != 0 { products.append((k, c * point[k])) }
        products.sort { $0.column < $1.column }
        return products.reduce(constant) { $0 + $1.product }
    }

    public static func + (a: LinearExpression, b: LinearExpression) -> LinearExpression {
        var r = a
        r += b
        return r
    }
    public static func * (c: Double, a: LinearExpression) -> LinearExpression {
        LinearExpression(terms: a.terms.mapValues { $0 * c }, constant: a.constant * c)
    }
    public static func - (a: LinearExpression, b: LinearExpression) -> LinearExpression { a + (-1) * b }
    public static func + (a: LinearExpression, c: Double) -> LinearExpression {
        LinearExpression(terms: a.terms, constant: a.constant + c)
    }
    public static func - (a: LinearExpression, c: Double) -> LinearExpression { a + (-c) }
    /// In place: a sum of many expressions built with `+` copied the growing sum at every step.
    public static func += (a: inout LinearExpression, b: LinearExpression) {
        for (k, v) in b.terms { a.terms[k, default: 0] += v }
        a.constant += b.constant
    }
}

extension Variable {
    public static func * (c: Double, v: Variable) -> LinearExpression { LinearExpression(terms: [v.index: c]) }
    public static func + (a: Variable, b: Variable) -> LinearExpression { LinearExpression(a) + LinearExpression(b) }
    public static func + (a: LinearExpression, b: Variable) -> LinearExpression { a + LinearExpression(b) }
    public static func - (a: LinearExpression, b: Variable) -> LinearExpression { a - LinearExpression(b) }
    public static func - (a: Variable, b: Variable) -> LinearExpression { LinearExpression(a) - LinearExpression(b) }
}

extension Sequence where Element == Variable {
    public func sum() -> LinearExpression {
        var e = LinearExpression()
        for v in self { e.add(v) }
        return e
    }
}

extension Sequence where Element == LinearExpression {
    public func sum() -> LinearExpression { reduce(into: LinearExpression()) { $0 += $1 } }
}

/// `lower <= expression <= upper` (either side may be infinite). Build with `<=`, `>=`, `==`.
public struct LinearConstraint: Sendable {
    public var expression: LinearExpression
    public var lower: Double
    public var upper: Double
}

public func <= (e: LinearExpression, rhs: Double) -> LinearConstraint {
    LinearConstraint(expression: LinearExpression(terms: e.terms), lower: -.infinity, upper: rhs - e.constant)
}
public func >= (e: LinearExpression, rhs: Double) -> LinearConstraint {
    LinearConstraint(expression: LinearExpression(terms: e.terms), lower: rhs - e.constant, upper: .infinity)
}
public func == (e: LinearExpression, rhs: Double) -> LinearConstraint {
    LinearConstraint(expression: LinearExpression(terms: e.terms), lower: rhs - e.constant, upper: rhs - e.constant)
}
public func <= (a: LinearExpression, b: LinearExpression) -> LinearConstraint { (a - b) <= 0 }
public func >= (a: LinearExpression, b: LinearExpression) -> LinearConstraint { (a - b) >= 0 }
public func <= (v: Variable, rhs: Double) -> LinearConstraint { LinearExpression(v) <= rhs }
