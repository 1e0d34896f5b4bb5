import Foundation

/// The constants of the online profile estimator (docs/tuning.md gives the reasons for each value).
///
/// Everything is in natural-log space: a coefficient's uncertainty of 0.1 is about ±10%, and a latency's noise
/// of 0.08 is about 8% of it.
public struct TunerSettings: Hashable, Sendable {
    /// Standard deviation of the log of a factor common to all of a configured profile's coefficients, before any
    /// measurement: a profile is most often off as a whole (other hardware, driver, vLLM version).
    public var configuredUncertainty = 0.5
    /// Standard deviation of the log of each coefficient on its own, beyond the common factor.
    public var shapeUncertainty = 0.15
    /// The same for a profile borrowed from another accelerator (a variant without its own): about a factor 2.
    public var borrowedUncertainty = log(2.0)
    /// Standard deviation per cycle of the random walk the coefficients may take (a server's speed drifts),
    /// which also keeps the estimator listening.
    public var processNoise = 0.01
    /// Measurement noise of the log of a window's mean ITL and mean TTFT: the window's sampling error plus the
    /// analyzer's own modelling error against a real server (docs/simulation.md measures it).
    public var itlNoise = 0.08
    public var ttftNoise = 0.2
    /// An update whose normalized innovation squared reaches this is an outlier and is rejected: the χ² 95%
    /// point for two degrees of freedom, as upstream's tuner.
    public var nisGate = 7.378
    /// After this many rejections in a row the innovations are no outliers but a change: the covariance goes
    /// back to the prior's and the update is taken.
    public var rejectionsBeforeReset = 3
    /// Largest change of one coefficient's log per update (`log(1.25)`: at most 25% a cycle).
    public var maxStep = log(1.25)
    /// The estimate stays within this factor of the prior either way.
    public var boundFactor = 10.0
    /// Excitation: below this many requests per second per replica a window teaches nothing (an idle server).
    public var minRatePerReplicaPerSecond = 0.05
    /// Relative step of the finite differences of the Jacobian.
    public var differenceStep = 1e-3
    /// Sizing: the one-sided 95% normal quantile on the log of the predicted latency.
    public var confidenceZ = 1.645
    /// Sizing: the headroom factor never exceeds this (a prior so vague would otherwise ask for the impossible).
    public var maxHeadroom = 3.0
    /// Convergence, reported: every coefficient's log standard deviation below this.
    public var convergedUncertainty = 0.1

    public init() {}
}
