import InfernoControl
import InfernoMIP

/// The analyzer's ITL promise against the simulation's referee on one replica: the analyzer sizes the replica for
/// an ITL target alone (at the profile's batch limit), the replica runs at that rate, and the referee counts the
/// completed requests whose own mean inter-token latency met the target (docs/model.md, "ITL at a percentile").
package struct ITLAttainmentExperiment: Sendable {
    package var profile: ModelProfile
    package var load: Load
    package var itlTargetMilliseconds: Double
    package var tokenLengths: TokenLengths
    package var requests: Int
    package var seed: UInt64

    package init(profile: ModelProfile, inputTokens: Double, outputTokens: Double, itlTargetMilliseconds: Double,
                 tokenLengths: TokenLengths = .exponential, requests: Int, seed: UInt64 = 11) {
        self.profile = profile
        self.load = Load(arrivalRatePerMinute: 0, meanInputTokens: inputTokens, meanOutputTokens: outputTokens)
        self.itlTargetMilliseconds = itlTargetMilliseconds
        self.tokenLengths = tokenLengths
        self.requests = requests
        self.seed = seed
    }

    package var batchLimit: Int { profile.memoryBoundBatchLimit(outputTokens: load.meanOutputTokens) }

    package var queueModel: QueueModel {
        QueueModel(times: ServiceTimes(profile: profile, load: load), batchLimit: batchLimit)
    }

    package struct Outcome: Hashable, Sendable {
        /// `λ*`, requests per second, as sized for the ITL statistic.
        package var ratePerSecond: Double
        /// What the analyzer's per-request law predicts at that rate.
        package var predictedAttainment: Double
        /// What the referee measured.
        package var measuredAttainment: Double
        /// Completed requests judged.
        package var judged: Int
    }

    /// `λ*` for the ITL target at `statistic` (nil when the target cannot be met).
    package func sizedRate(_ statistic: SLOPercentile) -> Double? {
        var sizer = ReplicaSizer(target: SLOTarget(itlMilliseconds: itlTargetMilliseconds), percentile: .mean)
        sizer.itlPercentile = statistic
        return try? sizer.size(queueModel).get().maxRatePerSecond
    }

    /// Sizes for `statistic`, runs the replica at the sized rate, and judges every request.
    package func run(_ statistic: SLOPercentile) -> Outcome? {
        guard let rate = sizedRate(statistic) else { return nil }
        return run(atRatePerSecond: rate)
    }

    /// Runs the replica at `rate` and judges every request against the ITL target.
    package func run(atRatePerSecond rate: Double) -> Outcome {
        var loaded = load
        loaded.arrivalRatePerMinute = rate * 60
        let result = ReplicaExperiment(profile: profile, load: loaded, batchLimit: batchLimit, tokenLengths: tokenLengths,
                                       requests: requests, seed: seed,
                                       sloTarget: SLOTarget(itlMilliseconds: itlTargetMilliseconds)).run()
        let predicted = ITLDistribution(model: queueModel).attainment(itlMilliseconds: itlTargetMilliseconds, ratePerSecond: rate)
        return Outcome(ratePerSecond: rate, predictedAttainment: predicted, measuredAttainment: result.attainment,
                       judged: result.metrics.requestSuccessTotal)
    }
}
