/// How a solve ended.
public enum MIPStatus: Hashable, Sendable {
    /// The incumbent is proven optimal (the search completed).
    case optimal
    /// An incumbent exists but is not proven optimal: the search stopped on the gap tolerance or
    /// the time limit. ``MIPResult/relativeGap`` says how far from proven it is.
    case feasible
    /// Proven to have no solution.
    case infeasible
    /// The time limit ended the search before any solution was found; feasibility is unknown.
    /// (Also what CBC's "infeasible" becomes when the time limit had run out: CBC reports a
    /// preprocessing interrupted by the limit as proven infeasibility.)
    case noSolutionWithinLimit
    /// The relaxation is unbounded (so is the problem if it has any solution).
    case unbounded
    /// The problem was malformed or CBC gave up; the message says why.
    case error(String)
}

/// What a solve found.
public struct MIPResult: Hashable, Sendable {
    public var status: MIPStatus
    /// Objective of the incumbent, in the problem's own sense; `nil` without an incumbent.
    public var objective: Double?
    /// Best bound on the optimum CBC proved (a lower bound when minimizing, an upper bound when
    /// maximizing); `nil` when none is meaningful (infeasible, unbounded, error).
    public var bestBound: Double?
    /// `|objective - bestBound| / max(1e-9, |objective|)`; `nil` unless both are known.
    public var relativeGap: Double?
    /// One value per column of the problem, in its order; `nil` without an incumbent.
    /// Values of integer and binary columns are rounded to the nearest integer (CBC leaves them
    /// within its integrality tolerance, e.g. 0.9999999).
    public var values: [Double]?
    /// Time spent inside CBC's solve, seconds (waiting for the process-wide solve lock excluded).
    public var seconds: Double

    /// Whether ``status`` is ``MIPStatus/optimal``.
    public var provenOptimal: Bool { status == .optimal }
    /// Whether an incumbent exists (``values`` is not `nil`).
    public var hasSolution: Bool { values != nil }

    public init(status: MIPStatus, objective: Double? = nil, bestBound: Double? = nil, relativeGap: Double? = nil,
                values: [Double]? = nil, seconds: Double = 0) {
        self.status = status
        self.objective = objective
        self.bestBound = bestBound
        self.relativeGap = relativeGap
        self.values = values
        self.seconds = seconds
    }

    /// The relative gap between an objective and a bound, as ``relativeGap`` defines it.
    public static func relativeGap(objective: Double, bound: Double) -> Double {
        abs(objective - bound) / max(1e-9, abs(objective))
    }
}
