import Foundation

/// One window of a variant's measurements, the input of an update: the load each replica carried and the mean
/// latencies the servers reported.
public struct TuningObservation: Hashable, Sendable {
    public var ratePerReplicaPerSecond: Double
    public var inputTokens: Double
    public var outputTokens: Double
    /// The batch limit the servers run with (vLLM `--max-num-seqs`).
    public var batchLimit: Int
    public var itlMilliseconds: Double
    public var ttftMilliseconds: Double

    public init(ratePerReplicaPerSecond: Double, inputTokens: Double, outputTokens: Double, batchLimit: Int,
                itlMilliseconds: Double, ttftMilliseconds: Double) {
        self.ratePerReplicaPerSecond = ratePerReplicaPerSecond
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.batchLimit = batchLimit
        self.itlMilliseconds = itlMilliseconds
        self.ttftMilliseconds = ttftMilliseconds
    }
}

/// What an update did.
public enum TuningOutcome: Hashable, Sendable {
    case updated(nis: Double)
    /// An outlier: the estimate is unchanged but for its growing uncertainty.
    case rejected(nis: Double)
    /// Too many rejections in a row: the uncertainty went back to the prior's and the update was taken.
    case reset(nis: Double)
    /// Nothing to learn from (idle, unknown lengths, no latencies): the estimate is unchanged.
    case skipped(String)
}

/// An extended Kalman filter on the log of a profile's coefficients (docs/tuning.md).
///
/// The measurement function is the analyzer itself: the mean ITL and mean TTFT ``QueueModel`` predicts for the
/// observed load per replica, token lengths and batch limit, in logs. So one filter serves both profile kinds,
/// and the estimate it converges to is the one that makes the analyzer's predictions match the servers — what
/// the sizing needs. The Jacobian is taken by finite differences. Guards: the χ² gate on the normalized
/// innovation squared, a bounded step per update, bounds around the prior, positivity by the log state, and no
/// update from a window without load.
public struct ProfileTuner: Hashable, Sendable {
    public var settings: TunerSettings

    public init(settings: TunerSettings = TunerSettings()) { self.settings = settings }

    /// The prior of a configured profile.
    public func prior(_ performance: PerformanceParameters) -> ProfileEstimate {
        ProfileEstimate(prior: performance, uncertainty: settings.configuredUncertainty,
                        shapeUncertainty: settings.shapeUncertainty)
    }

    /// `log` of the predicted mean ITL and TTFT for `performance` under `o`'s load, each nil when the model
    /// predicts none (a seed profile without prefill has no TTFT but the wait).
    func predictedLogs(_ performance: PerformanceParameters, _ o: TuningObservation) -> [Double?] {
        let times = ServiceTimes(performance: performance, inputTokens: o.inputTokens, outputTokens: o.outputTokens)
        let m = QueueModel(times: times, batchLimit: max(1, o.batchLimit)).evaluate(ratePerSecond: o.ratePerReplicaPerSecond)
        return [m.itlMilliseconds, m.ttftMilliseconds].map { $0 > 0 && $0.isFinite ? log($0) : nil }
    }

    /// The measured components the model predicts at the estimate's centre: their predictions and the rows of
    /// the Jacobian in the log coefficients (forward differences). Nil when nothing is predicted.
    func linearize(_ e: ProfileEstimate, _ o: TuningObservation) -> (rows: [Int], h: [Double], j: SmallMatrix)? {
        let centre = predictedLogs(e.performance, o)
        let rows = centre.indices.filter { centre[$0] != nil }
        guard !rows.isEmpty else { return nil }
        let h = rows.map { centre[$0]! }
        let n = e.logCoefficients.count
        var j = SmallMatrix(rows: rows.count, columns: n)
        for i in 0..<n where e.estimated[i] {
            var shifted = e.logCoefficients
            shifted[i] += settings.differenceStep
            let c = zip(shifted, e.estimated).map { $1 ? exp($0) : 0 }
            let moved = predictedLogs(e.prior.with(coefficients: c), o)
            for (r, row) in rows.enumerated() {
                guard let m = moved[row] else { return nil }
                j[r, i] = (m - h[r]) / settings.differenceStep
            }
        }
        return (rows, h, j)
    }

    /// The χ² 95% point for `dof` degrees of freedom: the configured gate for two, 3.841 for one.
    func gate(dof: Int) -> Double { dof >= 2 ? settings.nisGate : 3.841 }

    /// Why `o` cannot teach anything, or nil when it can.
    func lackOfExcitation(_ o: TuningObservation) -> String? {
        if !(o.ratePerReplicaPerSecond >= settings.minRatePerReplicaPerSecond) {
            return String(format: "%.3f req/s per replica is too little load to learn from", o.ratePerReplicaPerSecond)
        }
        if !(o.outputTokens >= 1) || !(o.inputTokens >= 0) { return "token lengths unknown" }
        if !(o.itlMilliseconds > 0 && o.itlMilliseconds.isFinite) || !(o.ttftMilliseconds > 0 && o.ttftMilliseconds.isFinite) {
            return "no latencies measured"
        }
        return nil
    }

    /// The estimate after measuring `o`.
    ///
    /// Both latencies are taken when their normalized innovation squared passes the χ² gate; else the ITL alone
    /// when it passes (a TTFT swollen by a queue left from an overload says nothing about the profile); else the
    /// window is rejected as an outlier. After ``TunerSettings/rejectionsBeforeReset`` rejections in a row the
    /// surprise is a change: the covariance goes back to the prior's and the ITL is taken.
    public func update(_ estimate: ProfileEstimate, with o: TuningObservation) -> (ProfileEstimate, TuningOutcome) {
        if let why = lackOfExcitation(o) { return (estimate, .skipped(why)) }
        guard let (rows, h, j) = linearize(estimate, o) else {
            return (estimate, .skipped("the analyzer has no prediction for this load"))
        }
        var e = estimate
        let q = settings.processNoise * settings.processNoise
        let p = e.covarianceMatrix + SmallMatrix.diagonal(e.estimated.map { $0 ? q : 0 })
        let measured = [log(o.itlMilliseconds), log(o.ttftMilliseconds)]
        // The subsets to try, in order: every predicted latency, then the ITL alone.
        var subsets = [Array(rows.indices)]
        if rows.count > 1, let itl = rows.firstIndex(of: 0) { subsets.append([itl]) }
        for subset in subsets {
            let c = Correction(settings: settings, p: p, j: j, rows: rows, h: h, measured: measured, subset: subset)
            guard let nis = c.nis else { return (estimate, .skipped("singular innovation covariance")) }
            if subset == subsets[0] { e.lastNIS = nis }
            if nis < gate(dof: subset.count) {
                c.apply(to: &e)
                e.predictionUncertainties = predictionUncertainties(e, o) ?? e.predictionUncertainties
                return (e, .updated(nis: nis))
            }
        }
        e.consecutiveRejections += 1
        e.rejections += 1
        guard e.consecutiveRejections >= settings.rejectionsBeforeReset else {
            e.covarianceMatrix = p
            return (e, .rejected(nis: e.lastNIS ?? .infinity))
        }
        // Persistent surprise is a change, not an outlier: forget the certainty and follow the ITL.
        let c = Correction(settings: settings, p: e.priorCovariance, j: j, rows: rows, h: h, measured: measured, subset: subsets.last!)
        guard c.nis != nil else { return (e, .rejected(nis: e.lastNIS ?? .infinity)) }
        c.apply(to: &e)
        e.predictionUncertainties = predictionUncertainties(e, o) ?? e.predictionUncertainties
        return (e, .reset(nis: e.lastNIS ?? .infinity))
    }

    /// The log standard deviations of the predicted ITL and TTFT under `o` (delta method); nil for one the
    /// model does not predict.
    public func predictionUncertainties(_ e: ProfileEstimate, _ o: TuningObservation) -> [Double]? {
        guard let (rows, _, j) = linearize(e, o) else { return nil }
        let v = j * e.covarianceMatrix * j.transposed
        var out = e.predictionUncertainties
        for (r, row) in rows.enumerated() { out[row] = max(v[r, r], 0).squareRoot() }
        return out
    }
}

/// One Kalman correction with a subset of the predicted latencies.
struct Correction {
    let settings: TunerSettings
    let p: SmallMatrix
    let jSub: SmallMatrix
    let r: SmallMatrix
    let innovation: SmallMatrix
    let sInverse: SmallMatrix?

    /// `rows[k]` is the latency (0 ITL, 1 TTFT) of the Jacobian's row `k` and of `h[k]`; `subset` indexes `rows`.
    init(settings: TunerSettings, p: SmallMatrix, j: SmallMatrix, rows: [Int], h: [Double], measured: [Double], subset: [Int]) {
        self.settings = settings
        self.p = p
        var js = SmallMatrix(rows: subset.count, columns: j.columns)
        for (k, r) in subset.enumerated() { for c in 0..<j.columns { js[k, c] = j[r, c] } }
        jSub = js
        let noise = [settings.itlNoise, settings.ttftNoise]
        r = SmallMatrix.diagonal(subset.map { noise[rows[$0]] * noise[rows[$0]] })
        innovation = SmallMatrix(rows: subset.count, columns: 1, values: subset.map { measured[rows[$0]] - h[$0] })
        sInverse = (js * p * js.transposed + r).inverse
    }

    var nis: Double? { sInverse.map { (innovation.transposed * $0 * innovation)[0, 0] } }

    /// Moves `e` by the gain times the innovation, the step shortened to the limit, within the bounds.
    func apply(to e: inout ProfileEstimate) {
        guard let sInverse else { return }
        let n = e.logCoefficients.count
        var gain = p * jSub.transposed * sInverse
        // A step beyond the limit is shortened, which is the gain shortened: the covariance below is then that of
        // the shorter step (the Joseph form holds for any gain), so a clipped filter does not grow overconfident.
        let largest = (gain * innovation).values.map(abs).max() ?? 0
        if largest > settings.maxStep {
            gain = SmallMatrix(rows: gain.rows, columns: gain.columns, values: gain.values.map { $0 * settings.maxStep / largest })
        }
        let step = (gain * innovation).values
        let bound = log(settings.boundFactor)
        let priorLogs = e.prior.coefficients.map { $0 > 0 ? log($0) : 0 }
        for i in 0..<n where e.estimated[i] {
            e.logCoefficients[i] = min(max(e.logCoefficients[i] + step[i], priorLogs[i] - bound), priorLogs[i] + bound)
        }
        // Joseph form: stays symmetric and positive semi-definite (coefficients not estimated have zero rows).
        let ikj = SmallMatrix.identity(n) - gain * jSub
        e.covarianceMatrix = ikj * p * ikj.transposed + gain * r * gain.transposed
        e.updates += 1
        e.consecutiveRejections = 0
    }
}
