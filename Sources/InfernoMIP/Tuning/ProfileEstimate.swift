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
    /// The log standard deviation the prior started with (the covariance goes back to it on a reset).
    public var priorUncertainty: Double
    /// Updates taken, outliers rejected, and rejections since the last update taken.
    public var updates = 0
    public var rejections = 0
    public var consecutiveRejections = 0
    /// Normalized innovation squared of the last measurement that was not skipped.
    public var lastNIS: Double?
    /// Log standard deviation of the predicted latency (the larger of ITL and TTFT) at the last operating point
    /// measured: what the sizing headroom is made of. Before any measurement, the prior's coefficient uncertainty.
    public var predictionUncertainty: Double

    /// A prior: `performance` believed with a log standard deviation of `uncertainty` per coefficient.
    public init(prior performance: PerformanceParameters, uncertainty: Double) {
        prior = performance
        let c = performance.coefficients
        logCoefficients = c.map { $0 > 0 ? log($0) : 0 }
        covariance = SmallMatrix.diagonal(c.map { $0 > 0 ? uncertainty * uncertainty : 0 }).values
        priorUncertainty = uncertainty
        predictionUncertainty = uncertainty
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

    /// The factor the sizing multiplies the profile's times by: the upper `z` confidence bound of the predicted
    /// latency relative to the prediction, at most `limit`.
    public func headroom(z: Double, limit: Double) -> Double { min(limit, exp(z * predictionUncertainty)) }

    /// The profile to size with: the centre's times times ``headroom(z:limit:)``.
    public func upperBound(z: Double, limit: Double) -> PerformanceParameters {
        performance.scaled(by: headroom(z: z, limit: limit))
    }

    var covarianceMatrix: SmallMatrix {
        get { SmallMatrix(rows: logCoefficients.count, columns: logCoefficients.count, values: covariance) }
        set { covariance = newValue.values }
    }
}
