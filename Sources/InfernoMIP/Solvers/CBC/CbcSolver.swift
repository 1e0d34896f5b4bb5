/// Solves ``MIPProblem``s with COIN-OR CBC (2.10, through its C interface).
///
/// `solve` is synchronous and may be called from any thread or task: each call builds its own
/// C model (concurrently with other calls) and then runs CBC under a process-wide lock, because
/// CBC's solve is not reentrant (see `CbcModel.solveLock`). Concurrent solves therefore queue;
/// a caller that must not block a cooperative thread for the duration should run `solve` on a
/// thread of its own. A running solve cannot be cancelled; bound it with
/// ``CbcSettings/timeLimitSeconds``.
public struct CbcSolver: Sendable {
    public init() {}

    /// Solves `problem`. A malformed problem (NaN data, a column index out of range, an
    /// infinite objective coefficient, a lower bound of +infinity or an upper bound of -infinity,
    /// a negative time limit or gap) gives ``MIPStatus/error(_:)`` without calling CBC.
    /// Finite bounds with `lower > upper` are not malformed: CBC reports them infeasible.
    public func solve(_ problem: MIPProblem, settings: CbcSettings = CbcSettings()) -> MIPResult {
        if let problemError = Self.validationError(problem, settings) {
            return MIPResult(status: .error(problemError))
        }
        let outcome = CbcModel(problem: problem, settings: settings).solve()
        return Self.result(of: outcome, for: problem, settings: settings)
    }

    /// Interprets what CBC reported (facts measured with CBC 2.10.8):
    /// - `Cbc_bestSolution` is the only reliable sign of an incumbent (`Cbc_getColSolution`
    ///   returns garbage without one, `Cbc_getObjValue` ±DBL_MAX or ±1e50).
    /// - `Cbc_isProvenOptimal` is 1 also when the gap tolerance stopped the search (secondary
    ///   status 2), so the result is `.optimal` only when the search completed (status 0,
    ///   secondary 0; or secondary 1, "relaxation worse than the cutoff", with an incumbent: its
    ///   stale root bound is then replaced by the incumbent's objective) or the reported bound meets
    ///   the incumbent (relative gap <= 1e-9).
    /// - The time limit gives status 1, secondary 4, with or without an incumbent, except when it
    ///   expires during preprocessing (CglPreProcess): then CBC says "Pre-processing says
    ///   infeasible or unbounded" and reports proven infeasibility (status 0, secondary 1) although
    ///   nothing was proven (a 400 x 30 multi-knapsack with a 0.01 s limit does this). So without
    ///   an incumbent, "infeasible" after the time limit has run out is reported as
    ///   `.noSolutionWithinLimit`: feasibility unknown. If the problem has a complete, feasible
    ///   MIP start, it is the incumbent instead (see ``completeFeasibleStart(of:)``).
    static func result(of outcome: CbcModel.Outcome, for problem: MIPProblem, settings: CbcSettings) -> MIPResult {
        let bound = abs(outcome.bestPossible) < 1e49 ? outcome.bestPossible : nil
        if let incumbent = outcome.incumbent {
            let values = zip(incumbent, problem.variables).map { $1.isIntegral ? $0.rounded() : $0 }
            let gap = bound.map { MIPResult.relativeGap(objective: outcome.objective, bound: $0) }
            // Secondary status 1 with an incumbent: the relaxation is worse than the cutoff the incumbent set, so
            // nothing better exists; CBC then leaves its root bound as the best bound (seen with a MIP start and
            // preprocessing off: `status 0, secondary 1, proven optimal`, bound 139.2 for an optimum of 161.1).
            let cutoffProof = outcome.status == 0 && outcome.secondaryStatus == 1 && outcome.isProvenOptimal
                && !outcome.isProvenInfeasible
            let completed = outcome.status == 0 && outcome.secondaryStatus == 0 && outcome.isProvenOptimal
            let proven = completed || cutoffProof || (gap.map { $0 <= 1e-9 } ?? false)
            if cutoffProof {
                return MIPResult(status: .optimal, objective: outcome.objective, bestBound: outcome.objective,
                                 relativeGap: 0, values: values, seconds: outcome.seconds)
            }
            if !proven, let start = completeFeasibleStart(of: problem),
               isBetter(problem.evaluate(start), than: outcome.objective, problem.sense) {
                return result(withStart: start, of: problem, bound: bound, seconds: outcome.seconds)
            }
            return MIPResult(status: proven ? .optimal : .feasible, objective: outcome.objective, bestBound: bound,
                             relativeGap: gap, values: values, seconds: outcome.seconds)
        }
        let status: MIPStatus
        var reportedBound: Double? = nil
        if outcome.isContinuousUnbounded {
            status = .unbounded
        } else if outcome.isProvenInfeasible {
            let limitExpired = settings.timeLimitSeconds.map { outcome.seconds >= $0 } ?? false
            status = limitExpired ? .noSolutionWithinLimit : .infeasible
        } else if outcome.isAbandoned {
            status = .error("CBC abandoned the search (numerical difficulties)")
        } else if outcome.status == 1 {
            status = .noSolutionWithinLimit
            reportedBound = bound
        } else {
            status = .error("CBC ended without a solution and without a reason: status \(outcome.status), "
                            + "secondary status \(outcome.secondaryStatus)")
        }
        if status == .noSolutionWithinLimit, let start = completeFeasibleStart(of: problem) {
            return result(withStart: start, of: problem, bound: reportedBound, seconds: outcome.seconds)
        }
        return MIPResult(status: status, bestBound: reportedBound, seconds: outcome.seconds)
    }

    /// A `.feasible` result whose incumbent is the MIP start.
    private static func result(withStart start: [Double], of problem: MIPProblem, bound: Double?,
                               seconds: Double) -> MIPResult {
        let objective = problem.evaluate(start)
        return MIPResult(status: .feasible, objective: objective, bestBound: bound,
                         relativeGap: bound.map { MIPResult.relativeGap(objective: objective, bound: $0) },
                         values: start, seconds: seconds)
    }

    private static func isBetter(_ a: Double, than b: Double, _ sense: OptimizationSense) -> Bool {
        let margin = 1e-9 * max(1, abs(b))
        return sense == .minimize ? a < b - margin : a > b + margin
    }

    /// The MIP start as a full assignment (integral columns rounded), if it gives every column a
    /// value and satisfies the problem within 1e-6.
    ///
    /// CBC applies a MIP start only after preprocessing; when the time limit interrupts
    /// preprocessing, the start is lost and CBC returns no incumbent (measured: a 400 x 30
    /// multi-knapsack with a feasible start and a 0.01 s limit, intermittently). Such a start is
    /// then returned as the incumbent; it also replaces an unproven CBC incumbent that is worse,
    /// so a solve never ends worse than a complete feasible start.
    static func completeFeasibleStart(of problem: MIPProblem) -> [Double]? {
        guard let start = problem.start, start.count == problem.variables.count else { return nil }
        let values = problem.variables.indices.map { j in
            problem.variables[j].isIntegral ? start[j]!.rounded() : start[j]!
        }
        return problem.isFeasible(values) ? values : nil
    }

    /// Why CBC must not be given `problem` and `settings`, or `nil` if it may.
    static func validationError(_ problem: MIPProblem, _ settings: CbcSettings) -> String? {
        let n = problem.variables.count
        guard n < Int(Int32.max), problem.rows.count < Int(Int32.max), problem.nonzeroCount < Int(Int32.max) else {
            return "problem too large for CBC's 32-bit indices"
        }
        for v in problem.variables {
            if v.lower.isNaN || v.upper.isNaN { return "variable \(v.name): bound is NaN" }
            if v.lower == .infinity || v.upper == -.infinity { return "variable \(v.name): bounds \(v.lower)...\(v.upper)" }
            if !v.objective.isFinite { return "variable \(v.name): objective coefficient \(v.objective)" }
        }
        for row in problem.rows {
            if row.columns.count != row.coefficients.count {
                return "row \(row.name): \(row.columns.count) columns but \(row.coefficients.count) coefficients"
            }
            if row.lower.isNaN || row.upper.isNaN { return "row \(row.name): bound is NaN" }
            if row.lower == .infinity || row.upper == -.infinity { return "row \(row.name): bounds \(row.lower)...\(row.upper)" }
            if let j = row.columns.first(where: { !(0..<n).contains($0) }) {
                return "row \(row.name): column index \(j) out of range 0..<\(n)"
            }
            if let a = row.coefficients.first(where: { !$0.isFinite }) { return "row \(row.name): coefficient \(a)" }
        }
        if let start = problem.start {
            if let j = start.keys.first(where: { !(0..<n).contains($0) }) {
                return "MIP start: column index \(j) out of range 0..<\(n)"
            }
            if let (j, x) = start.first(where: { !$0.value.isFinite }) {
                return "MIP start: value \(x) for variable \(problem.variables[j].name)"
            }
        }
        if let t = settings.timeLimitSeconds, !(t >= 0) { return "time limit \(t) s" }
        if let g = settings.relativeGap, !(g >= 0) { return "relative gap \(g)" }
        return nil
    }
}
