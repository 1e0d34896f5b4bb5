import InfernoControl
import InfernoMIP

/// Arrivals of one model: a non-homogeneous Poisson process with the trace's rate, by thinning (Lewis &
/// Shedler), plus each request's token counts.
///
/// The bound used for thinning is the trace's maximum over a window of ``windowSeconds``, recomputed per
/// window (restarting at a window's end is exact: the process is memoryless), so a trace with a tall burst
/// does not make the quiet parts expensive.
package struct PoissonArrivals: Sendable {
    package static let windowSeconds = 30.0

    package let trace: LoadTrace
    package let tokenLengths: TokenLengths
    /// Simulated time of the trace's time 0.
    package let origin: Double
    private var rng: SplitMix64
    /// Simulated time of the last candidate (or window start).
    private var time: Double
    private var windowEnd: Double
    /// Thinning bound on the current window, requests per second.
    private var bound: Double

    package init(trace: LoadTrace, tokenLengths: TokenLengths, origin: Double = 0, start: Double = 0, rng: SplitMix64) {
        self.trace = trace
        self.tokenLengths = tokenLengths
        self.origin = origin
        self.rng = rng
        time = start
        windowEnd = start
        bound = 0
    }

    /// The next request, or `nil` when the trace is silent for ever.
    package mutating func next() -> SimulatedRequest? {
        while true {
            if time >= windowEnd {
                let from = time - origin
                bound = trace.maxRate(from: from, to: from + Self.windowSeconds) / 60
                if bound <= 0 && trace.isSilent(after: from) { return nil }
                windowEnd = time + Self.windowSeconds
            }
            if bound <= 0 {
                time = windowEnd
                continue
            }
            let candidate = time + rng.nextExponential(mean: 1 / bound)
            if candidate >= windowEnd {
                time = windowEnd
                continue
            }
            time = candidate
            if rng.nextUnitOpen() * bound <= trace.rate(at: time - origin) / 60 {
                let input = tokenLengths.drawInput(mean: trace.meanInputTokens, using: &rng)
                let output = tokenLengths.drawOutput(mean: trace.meanOutputTokens, using: &rng)
                return SimulatedRequest(arrival: time, inputTokens: input, outputTokens: output)
            }
        }
    }
}
