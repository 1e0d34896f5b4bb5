import InfernoControl
import InfernoMIP

/// What the controller's queries (docs/formats.md §5, `rate(...[window])`) compute from two cumulative snapshots of
/// a deployment's metrics taken `seconds` apart. A mean whose count did not grow in the window is `nil`:
/// missing data, never zero.
package struct MetricsWindow: Hashable, Sendable {
    package var seconds: Double
    /// Requests that reached the replicas, per minute (the arrival-side counter).
    package var arrivalRatePerMinute: Double
    /// `rate(vllm:request_success_total) * 60`: completions, which under-read the load in overload.
    package var completionRatePerMinute: Double
    package var meanInputTokens: Double?
    package var meanOutputTokens: Double?
    package var ttftMilliseconds: Double?
    package var itlMilliseconds: Double?
    /// Gauges at the end of the window.
    package var running: Int
    package var waiting: Int

    package init(from earlier: VLLMMetrics, to later: VLLMMetrics, seconds: Double) {
        precondition(seconds > 0, "a window must have a length")
        var d = later
        d.subtractCounters(earlier)
        self.seconds = seconds
        arrivalRatePerMinute = Double(d.requestsReceivedTotal) / seconds * 60
        completionRatePerMinute = Double(d.requestSuccessTotal) / seconds * 60
        func ratio(_ sum: Double, _ count: Int) -> Double? { count > 0 ? sum / Double(count) : nil }
        meanInputTokens = ratio(Double(d.promptTokensSum), d.promptTokensCount)
        meanOutputTokens = ratio(Double(d.generationTokensSum), d.generationTokensCount)
        ttftMilliseconds = ratio(d.ttftSecondsSum, d.ttftCount).map { $0 * 1000 }
        itlMilliseconds = ratio(d.timePerOutputTokenSecondsSum, d.timePerOutputTokenCount).map { $0 * 1000 }
        running = later.numRequestsRunning
        waiting = later.numRequestsWaiting
    }
}
