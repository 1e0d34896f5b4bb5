import InfernoControl
import InfernoMIP

/// One emulated replica under a constant Poisson load, run for a number of requests: the simulation side of
/// the analyzer-versus-simulation comparison.
///
/// Statistics cover the requests completed between the arrival of request `warmupRequests` and the arrival of
/// the last one; the server starts empty, and the warm-up keeps that transient out.
package struct ReplicaExperiment: Sendable {
    package var profile: ModelProfile
    package var load: Load
    package var batchLimit: Int
    package var queueLimit: Int?
    package var tokenLengths: TokenLengths
    package var requests: Int
    package var warmupRequests: Int
    package var seed: UInt64
    /// Targets the referee judges each request against (``VLLMMetrics/requestsMeetingSLOTotal``); none by default.
    package var sloTarget: SLOTarget?

    package init(profile: ModelProfile, load: Load, batchLimit: Int? = nil, queueLimit: Int? = nil,
         tokenLengths: TokenLengths = .exponential, requests: Int, warmupRequests: Int? = nil, seed: UInt64,
         sloTarget: SLOTarget? = nil) {
        self.profile = profile
        self.load = load
        self.batchLimit = batchLimit
            ?? EmulatedServer.profileBatchLimit(profile, meanOutputTokens: load.meanOutputTokens)
        self.queueLimit = queueLimit
        self.tokenLengths = tokenLengths
        self.requests = requests
        self.warmupRequests = warmupRequests ?? requests / 10
        self.seed = seed
        self.sloTarget = sloTarget
    }

    package struct Result: Hashable, Sendable {
        /// Metrics over the measured window (counter differences; gauges at the end).
        package var metrics: VLLMMetrics
        package var measuredSeconds: Double
        /// Mean TTFT, ms (`time_to_first_token_seconds_sum / _count`).
        package var ttftMilliseconds: Double
        /// Mean inter-token latency, ms, per token as vLLM's `time_per_output_token_seconds_sum / _count`.
        package var itlMilliseconds: Double
        package var waitMilliseconds: Double
        package var responseMilliseconds: Double
        package var throughputPerSecond: Double
        package var rejectedFraction: Double
        /// Time-average batch occupancy over `N`.
        package var utilisation: Double
        /// Time-average requests in the server.
        package var meanInSystem: Double

        /// Share of the completed requests the referee found within the SLO targets.
        package var attainment: Double {
            Double(metrics.requestsMeetingSLOTotal) / Double(max(1, metrics.requestSuccessTotal))
        }
    }

    package func run() -> Result {
        var server = EmulatedServer(profile: profile, batchLimit: batchLimit, queueLimit: queueLimit, sloTarget: sloTarget)
        let trace = LoadTrace.constant(model: profile.model, ratePerMinute: load.arrivalRatePerMinute,
                                       meanInputTokens: load.meanInputTokens,
                                       meanOutputTokens: load.meanOutputTokens)
        var arrivals = PoissonArrivals(trace: trace, tokenLengths: tokenLengths,
                                       rng: SplitMix64(seed: seed, stream: "replica-experiment"))
        var start = VLLMMetrics()
        var startTime = 0.0, startBatch = 0.0, startSystem = 0.0
        for i in 0..<requests {
            guard let request = arrivals.next() else { break }
            if i == warmupRequests {
                server.advance(to: request.arrival)
                start = server.metrics
                startTime = server.now
                startBatch = server.batchRequestSeconds
                startSystem = server.systemRequestSeconds
            }
            server.submit(request)
        }
        let end = server.metrics
        let seconds = server.now - startTime
        var window = end
        window.subtractCounters(start)
        let completed = Double(window.requestSuccessTotal)
        return Result(
            metrics: window,
            measuredSeconds: seconds,
            ttftMilliseconds: 1000 * window.ttftSecondsSum / Double(window.ttftCount),
            itlMilliseconds: 1000 * window.timePerOutputTokenSecondsSum / Double(window.timePerOutputTokenCount),
            waitMilliseconds: 1000 * window.queueTimeSecondsSum / Double(window.queueTimeCount),
            responseMilliseconds: 1000 * window.e2eLatencySecondsSum / Double(window.e2eLatencyCount),
            throughputPerSecond: completed / seconds,
            rejectedFraction: Double(window.requestsRejectedTotal) / Double(window.requestsReceivedTotal),
            utilisation: (server.batchRequestSeconds - startBatch) / seconds / Double(batchLimit),
            meanInSystem: (server.systemRequestSeconds - startSystem) / seconds)
    }
}
