import InfernoControl
import InfernoMIP

extension SimulatedHistogram {
    /// Share of observations at or below `x`, interpolating linearly inside the bucket that holds `x`, as
    /// Prometheus' `histogram_quantile` does. 1 when empty.
    package func fraction(atOrBelow x: Double) -> Double {
        guard count > 0 else { return 1 }
        let cumulative = cumulativeCounts
        var lower = 0.0, below = 0
        for (i, bound) in upperBounds.enumerated() {
            if x < bound {
                let inBucket = cumulative[i] - below
                let share = bound > lower ? (x - lower) / (bound - lower) : 1
                return (Double(below) + Double(inBucket) * max(0, min(1, share))) / Double(count)
            }
            lower = bound
            below = cumulative[i]
        }
        return Double(below) / Double(count)   // beyond the last finite bound: the +Inf bucket misses
    }
}

/// Requests that met a class's SLOs in one window of one variant.
///
/// A completed request meets the SLOs when its own TTFT and its own mean inter-token latency are within the class's
/// targets (the simulation referees each request; see ``VLLMMetrics/requestsMeetingSLOTotal``). Requests rejected by
/// a full queue, aborted by a stopping replica, or dropped by the router for want of a ready replica all miss.
package struct SLOWindowCount: Sendable {
    package var met: Double
    package var total: Double

    package init(window d: VLLMMetrics, dropped: Int) {
        let completed = Double(d.requestSuccessTotal)
        let missedOutright = Double(max(0, d.requestsRejectedTotal) + max(0, d.requestsAbortedTotal) + max(0, dropped))
        self.met = Double(d.requestsMeetingSLOTotal)
        self.total = completed + missedOutright
    }
}
