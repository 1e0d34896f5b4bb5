import InfernoMIP

/// The emulated vLLM of a per-iteration (2026) profile: iteration by iteration, chunked prefill under a token
/// budget, as vLLM's scheduler runs it (docs/simulation.md).
///
/// **An iteration** starts whenever requests are running and none is in progress. It schedules every running
/// request: each decoding request computes one token, and the budget left, `maxNumTokens` less those, goes to the
/// prefilling requests in admission order (each takes what remains of its input, up to the budget left; a request
/// that gets nothing this iteration waits for the next). It lasts `alpha + beta * computed + gamma * read` (ms),
/// `read` being the KV-cache tokens of every scheduled request after its tokens of this iteration — the work
/// model of llm-inferno queue-analysis. A request whose prefill completes starts decoding the next iteration;
/// each decode iteration emits one token, so its first token ends its first decode iteration (TTFT), as the
/// analyzer's `TTFT = wait + prefill + ITL` counts it.
///
/// **Admission** happens at iteration boundaries: an arrival finding a free slot joins the next iteration; one
/// finding `N` running waits in a FIFO of at most `Q`, and one finding `N + Q` is rejected. Times are seconds.
package struct IterationEngine: Sendable {
    package let batchLimit: Int
    package let queueLimit: Int
    private let alpha, beta, gamma: Double
    private let budget: Int

    private struct Running: Sendable {
        package var request: SimulatedRequest
        package var prefilled = 0
        package var generated = 0
        package var firstToken = Double.nan
    }

    package private(set) var now: Double
    private var running: [Running] = []
    /// Admitted while an iteration was in progress: they join the next one.
    private var joining: [Running] = []
    private var waiting = FIFOQueue<SimulatedRequest>()
    /// End of the iteration in progress and the requests it computes (indices into `running`, tokens each).
    private var iterationEnd = Double.infinity
    private var scheduled: [(index: Int, tokens: Int)] = []
    package private(set) var counters = VLLMMetrics()
    package private(set) var batchRequestSeconds = 0.0
    package private(set) var systemRequestSeconds = 0.0
    private let sloTTFT: Double?, sloITL: Double?

    package init(parameters p: IterationParameters, batchLimit: Int, queueLimit: Int, startTime: Double,
         sloTTFT: Double?, sloITL: Double?) {
        self.batchLimit = batchLimit
        self.queueLimit = queueLimit
        alpha = p.alpha / 1000
        beta = p.beta / 1000
        gamma = p.gamma / 1000
        budget = max(1, p.maxNumTokens)
        now = startTime
        self.sloTTFT = sloTTFT
        self.sloITL = sloITL
    }

    package var runningCount: Int { running.count + joining.count }
    package var waitingCount: Int { waiting.count }
    package var inSystem: Int { runningCount + waiting.count }
    package var nextEventTime: Double { iterationEnd }

    package mutating func advance(to time: Double) {
        precondition(time >= now, "time went backwards: \(time) < \(now)")
        while iterationEnd <= time {
            progress(to: iterationEnd)
            finishIteration()
            startIteration()
        }
        progress(to: time)
    }

    @discardableResult
    package mutating func submit(_ request: SimulatedRequest) -> Bool {
        advance(to: request.arrival)
        counters.requestsReceivedTotal += 1
        if runningCount < batchLimit {
            admit(request)
            if iterationEnd == .infinity { startIteration() }
            return true
        }
        if waiting.count < queueLimit {
            waiting.append(request)
            return true
        }
        counters.requestsRejectedTotal += 1
        return false
    }

    package mutating func abortAll() -> Int {
        let dropped = inSystem
        counters.requestsAbortedTotal += dropped
        running.removeAll()
        joining.removeAll()
        waiting.removeAll()
        scheduled.removeAll()
        iterationEnd = .infinity
        return dropped
    }

    private mutating func progress(to time: Double) {
        guard time > now else { return }
        let dt = time - now
        batchRequestSeconds += dt * Double(runningCount)
        systemRequestSeconds += dt * Double(inSystem)
        now = time
    }

    private mutating func admit(_ request: SimulatedRequest) {
        counters.queueTimeSecondsSum += now - request.arrival
        counters.queueTimeCount += 1
        joining.append(Running(request: request))
    }

    /// Schedules the next iteration at `now` (nothing when no request runs).
    private mutating func startIteration() {
        running.append(contentsOf: joining)
        joining.removeAll()
        scheduled.removeAll(keepingCapacity: true)
        guard !running.isEmpty else { iterationEnd = .infinity; return }
        var left = budget
        var computed = 0, read = 0
        for (i, r) in running.enumerated() where r.prefilled >= r.request.inputTokens {
            scheduled.append((i, 1))
            computed += 1
            read += r.request.inputTokens + r.generated + 1
            left -= 1
        }
        for (i, r) in running.enumerated() where r.prefilled < r.request.inputTokens && left > 0 {
            let chunk = min(left, r.request.inputTokens - r.prefilled)
            scheduled.append((i, chunk))
            computed += chunk
            read += r.prefilled + chunk
            left -= chunk
        }
        iterationEnd = now + alpha + beta * Double(computed) + gamma * Double(read)
    }

    private mutating func finishIteration() {
        var done: [Int] = []
        for (i, tokens) in scheduled {
            if running[i].prefilled < running[i].request.inputTokens {
                running[i].prefilled += tokens
                continue
            }
            running[i].generated += 1
            if running[i].generated == 1 {
                running[i].firstToken = now
                counters.timeToFirstToken.observe(now - running[i].request.arrival)
            }
            if running[i].generated >= max(1, running[i].request.outputTokens) { done.append(i) }
        }
        for i in done.sorted(by: >) { complete(running.remove(at: i)) }
        while runningCount < batchLimit, let next = waiting.popFirst() { admit(next) }
        iterationEnd = .infinity
    }

    private mutating func complete(_ r: Running) {
        counters.recordCompletion(of: r.request, firstToken: r.firstToken, at: now, sloTTFT: sloTTFT, sloITL: sloITL)
    }
}
