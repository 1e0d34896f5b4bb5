import Foundation

/// What the online estimator believes about one variant's profile: the log of each time coefficient, their
/// covariance, and how it got there. A value; ``ProfileTuner`` makes the next one from it and a measurement.
///
/// The state is the log of the coefficients, so every coefficient stays positive whatever the update; a
/// coefficient that is 0 in the prior (a seed profile without prefill) is not estimated and stays 0.
public struct ProfileEstimate: Hashable, Sendable {
    /// The profile the estimate started from: its kind, its token budget, and the centre of the bounds.
    public var prior: PerformanceParameters
    /// `log` of each coefficient, in ``PerformanceParameters/coefficients``' order (unused where not estimated).
    public var logCoefficients: [Double]
    /// Covariance of ``logCoefficients``, row-major.
    public var covariance: [Double]
    /// The prior's log standard deviations: of a factor common to every coefficient (a profile measured on other
    /// hardware or software is mostly off by one factor), and of each coefficient on its own (its shape).
    public var priorUncertainty: Double
    public var priorShapeUncertainty: Double
    /// Updates taken, outliers rejected, and rejections since the last update taken.
    public var updates = 0
    public var rejections = 0
    public var consecutiveRejections = 0
    /// Normalized innovation squared of the last measurement that was not skipped.
    public var lastNIS: Double?
    /// Log standard deviations of the predicted mean ITL and TTFT (in that order) at the last operating point
    /// measured: what the sizing headroom is made of. Before any measurement, the prior's coefficient uncertainty.
    public var predictionUncertainties: [Double]

    /// A prior: `performance` believed within a common factor of log standard deviation `uncertainty` and each
    /// coefficient within `shapeUncertainty` more.
    public init(prior performance: PerformanceParameters, uncertainty: Double, shapeUncertainty: Double) {
        prior = performance
        logCoefficients = performance.coefficients.map { $0 > 0 ? log($0) : 0 }
        priorUncertainty = uncertainty
        priorShapeUncertainty = shapeUncertainty
        covariance = []
        predictionUncertainties = [uncertainty, uncertainty]
        covariance = priorCovariance.values
    }

    /// `uncertainty² · 1 1ᵀ + shapeUncertainty² · I` over the estimated coefficients.
    var priorCovariance: SmallMatrix {
        let active = estimated, n = active.count
        var m = SmallMatrix(rows: n, columns: n)
        for i in 0..<n where active[i] {
            for j in 0..<n where active[j] { m[i, j] = priorUncertainty * priorUncertainty }
            m[i, i] += priorShapeUncertainty * priorShapeUncertainty
        }
        return m
    }

    /// Which coefficients are estimated: those positive in the prior.
    public var estimated: [Bool] { prior.coefficients.map { $0 > 0 } }

    public var kind: ProfileKind { prior.kind }

    /// The coefficients at the estimate's centre.
    public var coefficients: [Double] { zip(logCoefficients, estimated).map { $1 ? exp($0) : 0 } }

    /// The profile at the estimate's centre.
    public var performance: PerformanceParameters { prior.with(coefficients: coefficients) }

    /// Each coefficient's log standard deviation (about its relative uncertainty).
    public var uncertainties: [Double] {
        let n = logCoefficients.count
        return (0..<n).map { covariance[$0 * n + $0].squareRoot() }
    }

    /// Whether every estimated coefficient is known within `threshold` (log standard deviation).
    public func isConverged(_ threshold: Double) -> Bool {
        zip(uncertainties, estimated).allSatisfy { !$1 || $0 < threshold }
    }

    /// The factors the sizing multiplies the centre's times by, `[decode, prefill]`: the upper `z` confidence
    /// bound of the predicted latency over the prediction, `exp(z * sigma)`, each at most its limit. A seed
    /// profile's decode coefficients make its ITL and its prefill coefficients its TTFT, so each takes the bound
    /// of its own latency; the per-iteration kind's coefficients make both, so both take the larger. Before any
    /// measurement there is no measured uncertainty: 1 (the profile as given) unless `sizePrior` (a borrowed
    /// profile, sized from its prior's uncertainty).
    public func headroom(z: Double, limits: [Double], sizePrior: Bool) -> [Double] {
        guard updates > 0 || sizePrior else { return [1, 1] }
        var f = predictionUncertainties.map { exp(z * $0) }
        if kind == .perIteration { f = [f.max()!, f.max()!] }
        return zip(f, limits).map { max(1, min($0, $1)) }
    }

    /// The profile to size with: the centre's decode and prefill times multiplied by `factors` (as
    /// ``headroom(z:limits:sizePrior:)`` gives them).
    public func upperBound(_ factors: [Double]) -> PerformanceParameters {
        switch performance {
        case .seed(let d, let p):
            return .seed(decode: DecodeParameters(alpha: d.alpha * factors[0], beta: d.beta * factors[0]),
                         prefill: PrefillParameters(gamma: p.gamma * factors[1], delta: p.delta * factors[1]))
        case .perIteration:
            return performance.scaled(by: factors.max() ?? 1)
        }
    }

    var covarianceMatrix: SmallMatrix {
        get { SmallMatrix(rows: logCoefficients.count, columns: logCoefficients.count, values: covariance) }
        set { covariance = newValue.values }
    }
}
