import InfernoControl
import InfernoMIP

/// A cumulative histogram as Prometheus keeps it: per-bucket counts (not cumulative here; `cumulativeCounts`
/// gives the `le` series), a sum and a count.
package struct SimulatedHistogram: Hashable, Sendable {
    /// Upper bounds of the buckets, ascending; `+Inf` is implicit.
    package let upperBounds: [Double]
    /// Observations per bucket; the last entry is the `+Inf` bucket.
    package private(set) var bucketCounts: [Int]
    package private(set) var sum: Double = 0
    package private(set) var count: Int = 0

    package init(upperBounds: [Double]) {
        self.upperBounds = upperBounds
        bucketCounts = Array(repeating: 0, count: upperBounds.count + 1)
    }

    /// Records `weight` observations of `value` (several tokens sharing one mean interval, say).
    package mutating func observe(_ value: Double, weight: Int = 1) {
        guard weight > 0 else { return }
        var lo = 0, hi = upperBounds.count   // first bound >= value
        while lo < hi {
            let mid = (lo + hi) / 2
            if upperBounds[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        bucketCounts[lo] += weight
        sum += value * Double(weight)
        count += weight
    }

    /// The `_bucket{le=...}` values, `+Inf` last.
    package var cumulativeCounts: [Int] {
        var running = 0
        return bucketCounts.map { running += $0; return running }
    }

    package static func + (a: Self, b: Self) -> Self {
        precondition(a.upperBounds == b.upperBounds, "histograms with different buckets")
        var c = a
        for i in c.bucketCounts.indices { c.bucketCounts[i] += b.bucketCounts[i] }
        c.sum += b.sum
        c.count += b.count
        return c
    }

    package static func - (a: Self, b: Self) -> Self {
        precondition(a.upperBounds == b.upperBounds, "histograms with different buckets")
        var c = a
        for i in c.bucketCounts.indices { c.bucketCounts[i] -= b.bucketCounts[i] }
        c.sum -= b.sum
        c.count -= b.count
        return c
    }
}

/// What one vLLM replica (or a deployment, summed) exports: cumulative counters and two gauges.
///
/// Names follow vLLM's Prometheus series (prefix `vllm:`), docs/formats.md §5. Counters only grow; a deployment
/// keeps the totals of its stopped replicas, so its counters never go backwards. Times are seconds, as vLLM's.
/// Observation points follow vLLM: TTFT when the first token is produced; prompt/generation tokens,
/// end-to-end latency and the per-token intervals when a request finishes.
package struct VLLMMetrics: Hashable, Sendable {
    /// vLLM v1's `time_to_first_token_seconds` buckets.
    package static let ttftBuckets: [Double] = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
                                        2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]
    /// vLLM's `time_per_output_token_seconds` / `inter_token_latency_seconds` buckets.
    package static let itlBuckets: [Double] = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0,
                                       2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]

    /// Requests that reached the replica, served or not: the arrival-side counter vLLM lacks (its
    /// `request_success_total` counts completions, which under-reads load in overload).
    package var requestsReceivedTotal = 0
    /// Completed requests whose own TTFT and mean ITL were within their class's targets. Not a vLLM metric: the
    /// simulation's referee, counted per request, for SLO attainment.
    package var requestsMeetingSLOTotal = 0
    /// Requests turned away because the waiting queue was full.
    package var requestsRejectedTotal = 0
    /// Requests dropped unfinished when a stopping replica's grace period ran out.
    package var requestsAbortedTotal = 0

    /// `vllm:request_success_total`.
    package var requestSuccessTotal = 0
    /// `vllm:request_prompt_tokens_sum` / `_count`.
    package var promptTokensSum = 0
    package var promptTokensCount = 0
    /// `vllm:request_generation_tokens_sum` / `_count`.
    package var generationTokensSum = 0
    package var generationTokensCount = 0
    /// `vllm:time_to_first_token_seconds` (arrival to first token, including the queue wait).
    package var timeToFirstToken = SimulatedHistogram(upperBounds: VLLMMetrics.ttftBuckets)
    /// `vllm:time_per_output_token_seconds` (newer vLLM: `vllm:inter_token_latency_seconds`): one observation
    /// per output token after the first. The sum and count are exact; the buckets record each request's mean
    /// interval once per token (the emulation does not time tokens one by one).
    package var timePerOutputToken = SimulatedHistogram(upperBounds: VLLMMetrics.itlBuckets)
    /// `vllm:e2e_request_latency_seconds_sum` / `_count`.
    package var e2eLatencySecondsSum = 0.0
    package var e2eLatencyCount = 0
    /// `vllm:request_queue_time_seconds_sum` / `_count`: arrival to admission into the batch.
    package var queueTimeSecondsSum = 0.0
    package var queueTimeCount = 0

    /// `vllm:num_requests_running` (gauge): requests in the batch.
    package var numRequestsRunning = 0
    /// `vllm:num_requests_waiting` (gauge): requests queued for the batch.
    package var numRequestsWaiting = 0

    package init() {}

    /// Sums counters and gauges (a deployment over its replicas).
    package static func + (a: Self, b: Self) -> Self {
        var c = a
        c.requestsReceivedTotal += b.requestsReceivedTotal
        c.requestsMeetingSLOTotal += b.requestsMeetingSLOTotal
        c.requestsRejectedTotal += b.requestsRejectedTotal
        c.requestsAbortedTotal += b.requestsAbortedTotal
        c.requestSuccessTotal += b.requestSuccessTotal
        c.promptTokensSum += b.promptTokensSum
        c.promptTokensCount += b.promptTokensCount
        c.generationTokensSum += b.generationTokensSum
        c.generationTokensCount += b.generationTokensCount
        c.timeToFirstToken = a.timeToFirstToken + b.timeToFirstToken
        c.timePerOutputToken = a.timePerOutputToken + b.timePerOutputToken
        c.e2eLatencySecondsSum += b.e2eLatencySecondsSum
        c.e2eLatencyCount += b.e2eLatencyCount
        c.queueTimeSecondsSum += b.queueTimeSecondsSum
        c.queueTimeCount += b.queueTimeCount
        c.numRequestsRunning += b.numRequestsRunning
        c.numRequestsWaiting += b.numRequestsWaiting
        return c
    }

    /// The same metrics with the gauges zeroed: what a stopped replica leaves behind.
    package var countersOnly: Self {
        var c = self
        c.numRequestsRunning = 0
        c.numRequestsWaiting = 0
        return c
    }

    /// `vllm:time_to_first_token_seconds_sum` / `_count`.
    package var ttftSecondsSum: Double { timeToFirstToken.sum }
    package var ttftCount: Int { timeToFirstToken.count }
    /// `vllm:time_per_output_token_seconds_sum` / `_count` (also `inter_token_latency_seconds_*`).
    package var timePerOutputTokenSecondsSum: Double { timePerOutputToken.sum }
    package var timePerOutputTokenCount: Int { timePerOutputToken.count }
}

extension VLLMMetrics {
    /// Subtracts `earlier`'s counters (a window between two snapshots); the gauges stay this snapshot's.
    package mutating func subtractCounters(_ earlier: VLLMMetrics) {
        requestsReceivedTotal -= earlier.requestsReceivedTotal
        requestsMeetingSLOTotal -= earlier.requestsMeetingSLOTotal
        requestsRejectedTotal -= earlier.requestsRejectedTotal
        requestsAbortedTotal -= earlier.requestsAbortedTotal
        requestSuccessTotal -= earlier.requestSuccessTotal
        promptTokensSum -= earlier.promptTokensSum
        promptTokensCount -= earlier.promptTokensCount
        generationTokensSum -= earlier.generationTokensSum
        generationTokensCount -= earlier.generationTokensCount
        timeToFirstToken = timeToFirstToken - earlier.timeToFirstToken
        timePerOutputToken = timePerOutputToken - earlier.timePerOutputToken
        e2eLatencySecondsSum -= earlier.e2eLatencySecondsSum
        e2eLatencyCount -= earlier.e2eLatencyCount
        queueTimeSecondsSum -= earlier.queueTimeSecondsSum
        queueTimeCount -= earlier.queueTimeCount
    }
}

extension VLLMMetrics {
    /// Counts a finished request as vLLM does: success, token sums, end-to-end latency, its mean inter-token time
    /// (weighted by its intervals), and whether it met the SLO targets. Both engines of the emulated server use it.
    mutating func recordCompletion(of request: SimulatedRequest, firstToken: Double, at now: Double,
                                   sloTTFT: Double?, sloITL: Double?) {
        requestSuccessTotal += 1
        promptTokensSum += request.inputTokens
        promptTokensCount += 1
        generationTokensSum += request.outputTokens
        generationTokensCount += 1
        e2eLatencySecondsSum += now - request.arrival
        e2eLatencyCount += 1
        let intervals = request.outputTokens - 1
        let itl = intervals > 0 ? (now - firstToken) / Double(intervals) : 0
        if intervals > 0 { timePerOutputToken.observe(itl, weight: intervals) }
        if firstToken - request.arrival <= (sloTTFT ?? .infinity), itl <= (sloITL ?? .infinity) {
            requestsMeetingSLOTotal += 1
        }
    }
}
