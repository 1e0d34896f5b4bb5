import InfernoControl
import InfernoMIP

/// A discrete-event emulation of one vLLM replica with continuous (iteration-level) batching.
///
/// **Admission.** Up to `batchLimit` (`N`) requests run in the batch; the rest wait in a FIFO queue of at most
/// `queueLimit` (`Q`, default `10 * N`); an arrival that finds `N + Q` requests is rejected and counted. A slot
/// freed by a finishing request goes to the head of the queue at once.
///
/// **Timing, per request, at the current batch size `b`** (the number of running requests, prefilling or
/// decoding). This is the per-request reading of docs/model.md's `T(b) = prefill(b) + (O - 1) * decode(b)`:
/// - *prefill*: admitted with `b` requests in the batch (itself included), a request's prefill takes
///   `gamma + delta * I * b` (0 when `I == 0`), fixed at admission; it ends with the first token. The prefill
///   runs alongside the others' decoding and does not stall them: its cost to the batch is the `delta * I * b`
///   term, as in the model.
/// - *decode*: every decoding request gains one token per engine step, and a step takes `alpha + beta * b`
///   with `b` the batch size *while the step runs*, so the step time follows the batch as requests come and
///   go. All decoding requests advance on one shared step clock (a virtual count of steps, `dV/dt = 1 /
///   decode(b)`), so a request that started decoding at `V0` finishes at `V0 + O - 1`: one heap keyed by
///   that value, O(log n) per event, no per-token work. Steps of different requests are not aligned to
///   common boundaries (a fluid approximation of at most one step per request).
/// - A request with `I == 0` and `O == 1` would cost nothing; like the analyzer it costs one decode step.
///
/// With exponential output lengths a running request finishes at rate about `1 / T(b)`, the analyzer's
/// birth-death chain; the tests measure how close the two are.
///
/// Per request it measures TTFT (arrival to first token, queue wait included), the mean interval between its
/// later tokens, the queue time and the end-to-end latency, and keeps vLLM's cumulative metrics
/// (``VLLMMetrics``). Times are seconds of simulated time; the profile's milliseconds are converted once.
///
/// A profile of the per-iteration kind runs on ``IterationEngine`` instead (chunked prefill, token budget).
package struct EmulatedServer: Sendable {
    package let batchLimit: Int
    package let queueLimit: Int
    /// Profile coefficients in seconds.
    private let alpha, beta, gamma, delta: Double
    /// The per-iteration kind's emulation; nil for the seed kind.
    private var engine: IterationEngine?

    /// The simulated time up to which the server has run.
    package private(set) var now: Double
    private var counters = VLLMMetrics()

    private struct Running: Sendable {
        package var request: SimulatedRequest
        package var admitted: Double
        package var firstToken: Double
    }

    private var waiting = FIFOQueue<SimulatedRequest>()
    /// Keyed by the time the prefill ends.
    private var prefilling = MinHeap<Running>()
    /// Keyed by the value of ``decodeSteps`` at which the request emits its last token.
    private var decoding = MinHeap<Running>()
    /// Decode steps run so far: the shared step clock `V`.
    private var decodeSteps = 0.0
    /// `∫ b dt` and `∫ n dt` since the start (request-seconds in the batch and in the server), for utilisation
    /// and Little's law checks; not vLLM metrics.
    package private(set) var batchRequestSeconds = 0.0
    package private(set) var systemRequestSeconds = 0.0

    /// - Parameters:
    ///   - batchLimit: `N`; at least 1.
    ///   - queueLimit: `Q`; default `10 * N`, as the analyzer.
    /// Targets each completed request is judged against (seconds), for ``VLLMMetrics/requestsMeetingSLOTotal``.
    private let sloTTFT: Double?
    private let sloITL: Double?

    package init(profile: ModelProfile, batchLimit: Int, queueLimit: Int? = nil, startTime: Double = 0,
         sloTarget: SLOTarget? = nil) {
        precondition(batchLimit >= 1, "batch limit must be at least 1")
        sloTTFT = sloTarget?.ttftMilliseconds.map { $0 / 1000 }
        sloITL = sloTarget?.itlMilliseconds.map { $0 / 1000 }
        self.batchLimit = batchLimit
        self.queueLimit = max(0, queueLimit ?? 10 * batchLimit)
        switch profile.performance {
        case .seed(let decode, let prefill):
            (alpha, beta, gamma, delta) = (decode.alpha / 1000, decode.beta / 1000, prefill.gamma / 1000, prefill.delta / 1000)
        case .perIteration(let p):
            (alpha, beta, gamma, delta) = (0, 0, 0, 0)
            engine = IterationEngine(parameters: p, batchLimit: batchLimit, queueLimit: self.queueLimit,
                                     startTime: startTime, sloTTFT: sloTTFT, sloITL: sloITL)
        }
        now = startTime
    }

    /// Upstream's batch limit for requests of `meanOutputTokens`: `max(1, maxBatchSize * atTokens / O)`.
    package static func profileBatchLimit(_ profile: ModelProfile, meanOutputTokens: Double) -> Int {
        profile.memoryBoundBatchLimit(outputTokens: meanOutputTokens)
    }

    package var runningCount: Int { engine?.runningCount ?? prefilling.count + decoding.count }
    package var waitingCount: Int { engine?.waitingCount ?? waiting.count }
    package var inSystem: Int { runningCount + waitingCount }
    package var isIdle: Bool { inSystem == 0 }

    /// Cumulative metrics, with the gauges at ``now``.
    package var metrics: VLLMMetrics {
        var m = engine?.counters ?? counters
        m.numRequestsRunning = runningCount
        m.numRequestsWaiting = waitingCount
        return m
    }

    private func stepTime(batch: Int) -> Double { alpha + beta * Double(batch) }

    /// The time of the next internal event (a prefill or a request ending); `.infinity` when idle.
    package var nextEventTime: Double {
        if let engine { return engine.nextEventTime }
        let prefillEnd = prefilling.minKey ?? .infinity
        guard let finish = decoding.minKey else { return prefillEnd }
        let decodeEnd = now + max(0, finish - decodeSteps) * stepTime(batch: runningCount)
        return Swift.min(prefillEnd, decodeEnd)
    }

    /// Runs the server up to `time`, processing every prefill end and completion before it (ties: prefills
    /// first, then completions, each in order of their keys).
    package mutating func advance(to time: Double) {
        precondition(time >= now, "time went backwards: \(time) < \(now)")
        if engine != nil { return delegate { $0.advance(to: time) } }
        while true {
            let step = stepTime(batch: runningCount)
            let prefillEnd = prefilling.minKey ?? .infinity
            var decodeEnd = Double.infinity
            if let finish = decoding.minKey { decodeEnd = now + max(0, finish - decodeSteps) * step }
            let next = Swift.min(prefillEnd, decodeEnd)
            if next > time {
                progress(to: time, step: step)
                return
            }
            progress(to: next, step: step)
            if prefillEnd <= decodeEnd {
                let running = prefilling.popMin()!.payload
                firstToken(running)
            } else {
                let (finish, running) = decoding.popMin()!
                decodeSteps = Swift.max(decodeSteps, finish)
                complete(running)
            }
        }
    }

    /// Offers `request` at its arrival time (the server first runs up to it). Returns `false` when rejected
    /// because `N + Q` requests are already in the server.
    @discardableResult
    package mutating func submit(_ request: SimulatedRequest) -> Bool {
        if engine != nil { return delegate { $0.submit(request) } }
        advance(to: request.arrival)
        counters.requestsReceivedTotal += 1
        if runningCount < batchLimit {
            admit(request)
            return true
        }
        if waiting.count < queueLimit {
            waiting.append(request)
            return true
        }
        counters.requestsRejectedTotal += 1
        return false
    }

    /// Drops every request in the server (a replica killed at the end of its grace period); returns how many.
    @discardableResult
    package mutating func abortAll() -> Int {
        if engine != nil { return delegate { $0.abortAll() } }
        let dropped = inSystem
        counters.requestsAbortedTotal += dropped
        waiting.removeAll()
        prefilling.removeAll()
        decoding.removeAll()
        return dropped
    }

    /// Runs `body` on the per-iteration engine and mirrors its clock and integrals.
    private mutating func delegate<T>(_ body: (inout IterationEngine) -> T) -> T {
        let result = body(&engine!)
        now = engine!.now
        batchRequestSeconds = engine!.batchRequestSeconds
        systemRequestSeconds = engine!.systemRequestSeconds
        return result
    }

    private mutating func progress(to time: Double, step: Double) {
        if time > now {
            let dt = time - now
            if !decoding.isEmpty { decodeSteps += dt / step }
            batchRequestSeconds += dt * Double(runningCount)
            systemRequestSeconds += dt * Double(inSystem)
            now = time
        }
    }

    private mutating func admit(_ request: SimulatedRequest) {
        let batch = runningCount + 1
        var prefill = request.inputTokens > 0 ? gamma + delta * Double(request.inputTokens) * Double(batch) : 0
        if prefill <= 0 && request.outputTokens <= 1 { prefill = stepTime(batch: batch) }
        counters.queueTimeSecondsSum += now - request.arrival
        counters.queueTimeCount += 1
        prefilling.push(Running(request: request, admitted: now, firstToken: .nan), key: now + prefill)
    }

    private mutating func firstToken(_ running: Running) {
        var running = running
        running.firstToken = now
        counters.timeToFirstToken.observe(now - running.request.arrival)
        let steps = running.request.outputTokens - 1
        if steps <= 0 {
            complete(running)
        } else {
            decoding.push(running, key: decodeSteps + Double(steps))
        }
    }

    private mutating func complete(_ running: Running) {
        counters.recordCompletion(of: running.request, firstToken: running.firstToken, at: now,
                                  sloTTFT: sloTTFT, sloITL: sloITL)
        while runningCount < batchLimit, let next = waiting.popFirst() { admit(next) }
    }
}
