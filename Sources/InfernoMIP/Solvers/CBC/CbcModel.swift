import CCbc
import Foundation

/// Owns one CBC model (`Cbc_Model*`): loads a ``MIPProblem`` and settings into it, solves it once,
/// reads what CBC reports, and frees it exactly once in `deinit`.
///
/// Not `Sendable`: one instance lives inside one ``CbcSolver/solve(_:settings:)`` call. Building
/// instances concurrently is safe; ``solve()`` serializes itself process-wide (see ``solveLock``).
final class CbcModel {
    /// What CBC reported after a solve, before interpretation (see `CbcSolver`).
    struct Outcome {
        var status: Int32
        var secondaryStatus: Int32
        var isProvenOptimal: Bool
        var isProvenInfeasible: Bool
        var isContinuousUnbounded: Bool
        var isAbandoned: Bool
        /// `Cbc_getObjValue`: meaningful only with an incumbent (else ±DBL_MAX or ±1e50).
        var objective: Double
        /// `Cbc_getBestPossibleObjValue`, in the problem's sense.
        var bestPossible: Double
        /// The incumbent (`Cbc_bestSolution`), the problem's columns only; `nil` if none.
        var incumbent: [Double]?
        var seconds: Double
    }

    /// Serializes `Cbc_solve` across the process.
    ///
    /// CBC 2.10's C interface solves by running its command-line driver (`CbcMain1`) on the
    /// model, and that driver keeps its parser state (current argument position, read mode) in
    /// process-wide globals. Two concurrent `Cbc_solve` calls on different models therefore
    /// interfere: measured here, 13 of 160 concurrent solves of small knapsacks returned a
    /// wrong objective, and the driver fell back to prompting on stdin. Creating and loading
    /// models does not touch that state and runs concurrently.
    static let solveLock = NSLock()

    private let model: UnsafeMutableRawPointer
    /// Columns of the problem; the C model may have one more (see `init`).
    private let columnCount: Int
    private var isSolved = false

    /// Loads `problem` (assumed valid: finite coefficients, column indices in range) and `settings`.
    ///
    /// The matrix goes in as one `Cbc_loadProblem` call with column-major arrays, which is fast
    /// and keeps column order (adding columns one by one with `Cbc_addCol` is 15-30x slower and
    /// reorders columns when some have no nonzeros). Infinite bounds become ±DBL_MAX, COIN's
    /// infinity.
    ///
    /// A problem without integral columns gets one extra integer column fixed at 0 with no
    /// nonzeros, appended last. Without it CBC only solves the LP and skips its MIP driver, so
    /// the time limit is ignored, `Cbc_status` stays -1, and an unbounded LP is reported as
    /// proven infeasible; with it, LPs report like MIPs. A MIP start is not passed for an LP.
    init(problem: MIPProblem, settings: CbcSettings) {
        model = Cbc_newModel()
        columnCount = problem.variables.count
        let padded = !problem.hasIntegralVariables
        let cCount = columnCount + (padded ? 1 : 0)

        var matrix = ColumnMajorMatrix(columnCount: cCount, rows: problem.rows)
        var lower = [Double](), upper = [Double](), objective = [Double]()
        lower.reserveCapacity(cCount)
        upper.reserveCapacity(cCount)
        objective.reserveCapacity(cCount)
        for variable in problem.variables {
            let bounds = variable.effectiveBounds
            lower.append(Self.coinValue(bounds.lower))
            upper.append(Self.coinValue(bounds.upper))
            objective.append(variable.objective)
        }
        if padded {
            lower.append(0)
            upper.append(0)
            objective.append(0)
        }
        var rowLower = problem.rows.map { Self.coinValue($0.lower) }
        var rowUpper = problem.rows.map { Self.coinValue($0.upper) }

        Cbc_loadProblem(model, Int32(cCount), Int32(problem.rows.count), &matrix.starts, &matrix.rowIndices,
                        &matrix.values, &lower, &upper, &objective, &rowLower, &rowUpper)
        for (j, variable) in problem.variables.enumerated() where variable.isIntegral {
            Cbc_setInteger(model, Int32(j))
        }
        if padded { Cbc_setInteger(model, Int32(columnCount)) }
        Cbc_setObjSense(model, problem.sense == .maximize ? -1 : 1)

        Cbc_setLogLevel(model, Int32(clamping: settings.logLevel))
        if let seconds = settings.timeLimitSeconds {
            Cbc_setMaximumSeconds(model, seconds)
        }
        // Wall-clock limit; CBC's default `cpu` counts process CPU time.
        Cbc_setParameter(model, "timeMode", "elapsed")
        if let gap = settings.relativeGap {
            Cbc_setAllowableFractionGap(model, gap)
        }
        for (name, value) in settings.parameters.sorted(by: { $0.key < $1.key }) {
            Cbc_setParameter(model, name, value)
        }
        if let start = problem.start, !start.isEmpty, !padded {
            let entries = start.sorted { $0.key < $1.key }
            var indices = entries.map { Int32($0.key) }
            var values = entries.map(\.value)
            Cbc_setMIPStartI(model, Int32(entries.count), &indices, &values)
        }
    }

    deinit {
        Cbc_deleteModel(model)
    }

    /// Solves the model, holding ``solveLock``, and reads the outcome. Call at most once: CBC
    /// invalidates the model's data when it solves.
    func solve() -> Outcome {
        precondition(!isSolved, "a CBC model is solved at most once")
        isSolved = true
        return Self.solveLock.withLock {
            let clock = ContinuousClock()
            let started = clock.now
            Cbc_solve(model)
            let elapsed = started.duration(to: clock.now)
            let incumbent = Cbc_bestSolution(model).map { Array(UnsafeBufferPointer(start: $0, count: columnCount)) }
            return Outcome(
                status: Cbc_status(model),
                secondaryStatus: Cbc_secondaryStatus(model),
                isProvenOptimal: Cbc_isProvenOptimal(model) != 0,
                isProvenInfeasible: Cbc_isProvenInfeasible(model) != 0,
                isContinuousUnbounded: Cbc_isContinuousUnbounded(model) != 0,
                isAbandoned: Cbc_isAbandoned(model) != 0,
                objective: Cbc_getObjValue(model),
                bestPossible: Cbc_getBestPossibleObjValue(model),
                incumbent: incumbent,
                seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            )
        }
    }

    /// COIN's representation of a bound: infinities become ±DBL_MAX (`COIN_DBL_MAX`).
    private static func coinValue(_ value: Double) -> Double {
        value.isInfinite ? (value < 0 ? -Double.greatestFiniteMagnitude : Double.greatestFiniteMagnitude) : value
    }
}
