import Foundation

/// The largest arrival rate one replica sustains within its SLO targets, for one batch limit.
public struct SizingResult: Hashable, Sendable {
    public var batchLimit: Int
    /// `lambda*`, requests per second per replica.
    public var maxRatePerSecond: Double
    /// Which target set the bound (`ttft`, `itl`, `stability` when the queue saturates first).
    public var bindingLimit: BindingLimit
    /// Queue evaluations spent.
    public var evaluations: Int

    public enum BindingLimit: String, Hashable, Sendable { case ttft, itl, stability }
}

/// Why a replica cannot meet its targets at all.
public struct SizingFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
}

/// Finds `lambda*` for a replica: the largest rate whose TTFT (at the percentile) and ITL meet their targets.
public struct ReplicaSizer: Sendable {
    public var target: SLOTarget
    public var percentile: SLOPercentile
    /// The feasible range is `(epsilon * mu(1), (1 - epsilon) * mu(N))`, as upstream.
    public var epsilon: Double = 0.001
    /// Relative accuracy of `lambda*`.
    public var relativeTolerance: Double = 1e-6
    /// Fraction of the maximum throughput a replica may run at. A throughput (TPS) target keeps a stability
    /// margin of 10% below the maximum, as upstream does.
    public var stabilityFraction: Double = 1

    public init(target: SLOTarget, percentile: SLOPercentile) {
        self.target = target
        self.percentile = percentile
    }

    /// The ITL statistic the target bounds: the mean (upstream's), or the share of requests whose own mean ITL
    /// must meet it (``ITLDistribution``).
    public var itlPercentile: SLOPercentile = .mean

    /// The queue's metrics at `rate` and the ITL checked against the target: the mean, or the quantile of a
    /// request's own ITL from `distribution` (built once per queue model, nil for the mean).
    func evaluate(_ model: QueueModel, _ distribution: ITLDistribution?, rate: Double) -> (QueueMetrics, itl: Double) {
        let m = model.evaluate(ratePerSecond: rate)
        guard let distribution, case .quantile(let p) = itlPercentile else { return (m, m.itlMilliseconds) }
        return (m, distribution.quantile(p, ratePerSecond: rate))
    }

    /// The per-request ITL law of `model` when a percentile is asked for.
    func itlDistribution(_ model: QueueModel) -> ITLDistribution? {
        guard case .quantile = itlPercentile, target.itlMilliseconds ?? 0 > 0 else { return nil }
        return ITLDistribution(model: model)
    }

    /// How far a metric set is beyond its targets: `> 0` misses one, `<= 0` meets all. `itl` is the ITL checked
    /// (the mean, or its percentile).
    func excess(_ m: QueueMetrics, itl checkedITL: Double) -> (value: Double, binding: SizingResult.BindingLimit) {
        var worst = -Double.infinity
        var binding = SizingResult.BindingLimit.stability
        if let ttft = target.ttftMilliseconds, ttft > 0 {
            let e = percentile.ttft(m) / ttft - 1
            if e > worst { worst = e; binding = .ttft }
        }
        if let itl = target.itlMilliseconds, itl > 0 {
            let e = checkedITL / itl - 1
            if e > worst { worst = e; binding = .itl }
        }
        return (worst, binding)
    }

    /// Which target binds at `lambda*` (what ``size(_:)`` reports as ``SizingResult/bindingLimit``), found with
    /// fewer evaluations: the root search stops at the first infeasible rate that misses exactly one target. Such a
    /// rate lies between the two targets' own roots, so the target it misses is the one with the smaller root, the
    /// binding one. When the two roots are too close to separate, the search runs to the end and the answer is
    /// ``size(_:)``'s. The second value counts the evaluations.
    public func bindingLimit(_ model: QueueModel) -> (Result<SizingResult.BindingLimit, SizingFailure>, Int) {
        let low = epsilon * model.singleRequestRatePerSecond
        let high = (1 - epsilon) * stabilityFraction * model.maxThroughputPerSecond
        var evaluations = 0
        var decided: SizingResult.BindingLimit?
        let distribution = itlDistribution(model)
        func g(_ rate: Double) -> (Double, SizingResult.BindingLimit) {
            evaluations += 1
            let (m, itl) = evaluate(model, distribution, rate: rate)
            let e = excess(m, itl: itl)
            if e.0 > 0, decided == nil {
                let ttftMissed = target.ttftMilliseconds.map { $0 > 0 && percentile.ttft(m) > $0 } ?? false
                let itlMissed = target.itlMilliseconds.map { $0 > 0 && itl > $0 } ?? false
                if ttftMissed != itlMissed { decided = ttftMissed ? .ttft : .itl }
            }
            return e
        }
        let atLow = g(low)
        if atLow.0 > 0 {
            // Same outcome as `size`: let it word the reason.
            return (size(model).map(\.bindingLimit), evaluations)
        }
        decided = nil   // a miss at the lowest rate says nothing about the root
        let atHigh = g(high)
        if atHigh.0 <= 0 { return (.success(.stability), evaluations) }
        if let decided { return (.success(decided), evaluations) }
        let root = Self.brent(low, atLow.0, high, atHigh.0, tolerance: relativeTolerance, stop: { decided != nil }) { g($0).0 }
        if let decided { return (.success(decided), evaluations) }
        return (.success(g(root).1), evaluations)
    }

    public func size(_ model: QueueModel) -> Result<SizingResult, SizingFailure> {
        let low = epsilon * model.singleRequestRatePerSecond
        let high = (1 - epsilon) * stabilityFraction * model.maxThroughputPerSecond
        var evaluations = 0
        let distribution = itlDistribution(model)
        func g(_ rate: Double) -> (Double, SizingResult.BindingLimit) {
            evaluations += 1
            let (m, itl) = evaluate(model, distribution, rate: rate)
            return excess(m, itl: itl)
        }
        let atLow = g(low)
        if atLow.0 > 0 {
            let (m, itl) = evaluate(model, distribution, rate: low)
            let statistic = itlPercentile == .mean ? "" : " (\(itlPercentile.description))"
            let what: String
            switch atLow.1 {
            // Interpolation, never `%@`: a Swift String is not a C vararg, and this line trapped on Linux (issue 12).
            case .itl: what = "ITL \(Self.ms(itl)) ms\(statistic) exceeds the \(Self.ms(target.itlMilliseconds ?? 0)) ms target even at the lowest load"
            case .ttft: what = "TTFT \(Self.ms(percentile.ttft(m))) ms (\(percentile.description)) exceeds the \(Self.ms(target.ttftMilliseconds ?? 0)) ms target even at the lowest load"
            case .stability: what = "no rate is stable"
            }
            return .failure(SizingFailure(description: what + " (batch limit \(model.batchLimit))"))
        }
        let atHigh = g(high)
        if atHigh.0 <= 0 {
            return .success(SizingResult(batchLimit: model.batchLimit, maxRatePerSecond: high,
                                         bindingLimit: .stability, evaluations: evaluations))
        }
        let root = Self.brent(low, atLow.0, high, atHigh.0, tolerance: relativeTolerance) { g($0).0 }
        let atRoot = evaluate(model, distribution, rate: root)
        let binding = excess(atRoot.0, itl: atRoot.itl).binding
        return .success(SizingResult(batchLimit: model.batchLimit, maxRatePerSecond: root,
                                     bindingLimit: binding, evaluations: evaluations))
    }

    /// Two decimals, as `%.2f`.
    static func ms(_ value: Double) -> String { String(format: "%.2f", value) }

    /// Brent's method on a bracket `f(a) <= 0 < f(b)` of an increasing function; returns a point with `f <= 0`
    /// within `tolerance` (relative) of the root, so the answer always meets the targets.
    static func brent(_ a0: Double, _ fa0: Double, _ b0: Double, _ fb0: Double, tolerance: Double,
                      stop: () -> Bool = { false }, _ f: (Double) -> Double) -> Double {
        var a = a0, fa = fa0, b = b0, fb = fb0
        // Invariant kept alongside Brent's own: `feasible` is the largest point seen with f <= 0,
        // `infeasible` the smallest with f > 0.
        var feasible = a0, infeasible = b0
        var c = a, fc = fa, d = b - a, e = d
        for _ in 0..<100 {
            if (fb > 0) == (fc > 0) { c = a; fc = fa; d = b - a; e = d }
            if abs(fc) < abs(fb) { a = b; b = c; c = a; fa = fb; fb = fc; fc = fa }
            let tol = 2 * Double.ulpOfOne * abs(b) + 0.5 * tolerance * abs(b)
            let m = 0.5 * (c - b)
            if abs(m) <= tol || fb == 0 || infeasible - feasible <= tolerance * infeasible { break }
            if abs(e) >= tol && abs(fa) > abs(fb) {
                let s = fb / fa
                var p: Double, q: Double
                if a == c {
                    p = 2 * m * s; q = 1 - s
                } else {
                    let qa = fa / fc, r = fb / fc
                    p = s * (2 * m * qa * (qa - r) - (b - a) * (r - 1))
                    q = (qa - 1) * (r - 1) * (s - 1)
                }
                if p > 0 { q = -q } else { p = -p }
                if 2 * p < min(3 * m * q - abs(tol * q), abs(e * q)) { e = d; d = p / q } else { d = m; e = m }
            } else {
                d = m; e = m
            }
            a = b; fa = fb
            b += abs(d) > tol ? d : (m > 0 ? tol : -tol)
            fb = f(b)
            if fb <= 0 { feasible = max(feasible, b) } else { infeasible = min(infeasible, b) }
            if stop() { break }
        }
        return feasible
    }
}
