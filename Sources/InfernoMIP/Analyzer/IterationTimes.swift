/// The per-iteration (2026) model of llm-inferno queue-analysis for one request shape (docs/model.md).
///
/// One iteration with `B` requests costs `alpha + B * delta` ms, `delta` being one request's work per iteration
/// averaged over its `c + m` iterations: `c` prefill chunks (the token budget `M` per iteration bounds how much
/// of the `n` input tokens one iteration computes) and `m` decode iterations. A request's work is
/// `w = beta * (n + m) + gamma * (n * (c + 1) / 2 + m * (n + (m + 1) / 2))`: every token computed once, and the
/// KV cache read grows through the chunks and then by one token per decode step.
public struct IterationTimes: Hashable, Sendable {
    public var parameters: IterationParameters
    /// `n`, mean input tokens.
    public var inputTokens: Double
    /// `m`, mean output tokens (at least one).
    public var outputTokens: Double

    public init(parameters: IterationParameters, inputTokens: Double, outputTokens: Double) {
        self.parameters = parameters
        self.inputTokens = max(0, inputTokens)
        self.outputTokens = max(1, outputTokens)
    }

    /// The largest batch at which a prefill fits in `chunks` iterations: the budget `M` of each of the
    /// `chunks + m` iterations of a request is shared by the batch, whose requests need `(n + m) / (chunks + m)`
    /// tokens per iteration on average, while the focal prefill takes `n / chunks` per chunk.
    func largestBatch(chunks: Int) -> Int {
        let k = Double(chunks), n = inputTokens, m = outputTokens, budget = Double(parameters.maxNumTokens)
        let b = (k + m) * (budget - n / k) / (n + m)
        return b > 0 ? Int(b.rounded(.down)) : 0
    }

    /// `c(B)` for `B = 0 ... limit` (index `B`; index 0 unused): the fewest chunks at which batch `B` fits.
    public func chunkTable(upTo limit: Int) -> [Int] {
        var table = [Int](repeating: 1, count: limit + 1)
        var chunks = 1
        var fits = largestBatch(chunks: 1)
        for b in 1...max(1, limit) where b <= limit {
            // `largestBatch` grows without bound in `chunks` for a positive budget, so this ends.
            while fits < b, chunks < 1 << 24 {
                chunks += 1
                fits = largestBatch(chunks: chunks)
            }
            table[b] = chunks
        }
        return table
    }

    /// `c` at a fractional batch: the table's entry at the nearest batch in `1 ... limit`, as upstream.
    public func chunks(atBatch batch: Double, limit: Int) -> Int {
        let index = min(max(Int(batch + 0.5), 1), max(1, limit))
        var chunks = 1
        while largestBatch(chunks: chunks) < index, chunks < 1 << 24 { chunks += 1 }
        return chunks
    }

    /// The focal request's own prefill work: `(beta + gamma * (c + 1) / 2) * n` ms.
    public func prefillWork(chunks: Int) -> Double {
        (parameters.beta + parameters.gamma * Double(chunks + 1) / 2) * inputTokens
    }

    /// The focal request's own decode work: `m * (beta + gamma * (n + (m + 1) / 2))` ms.
    public var decodeWork: Double {
        outputTokens * (parameters.beta + parameters.gamma * (inputTokens + (outputTokens + 1) / 2))
    }

    /// `delta`: one request's work per iteration, ms.
    public func delta(chunks: Int) -> Double {
        (prefillWork(chunks: chunks) + decodeWork) / (Double(chunks) + outputTokens)
    }

    /// `tau(B) = (c + m) * (alpha + B * delta)`: time in service with `B` requests in the batch.
    public func serviceTime(batch: Double, chunks: Int) -> Double {
        (Double(chunks) + outputTokens) * (parameters.alpha + batch * delta(chunks: chunks))
    }

    /// The iteration time without the focal request, `alpha + (B - 1) * delta`, never negative.
    func background(batch: Double, chunks: Int) -> Double {
        max(0, parameters.alpha + (batch - 1) * delta(chunks: chunks))
    }

    /// The prefill of one request at batch `B`: `c` background iterations plus its own prefill work.
    public func prefillTime(batch: Double, chunks: Int) -> Double {
        Double(chunks) * background(batch: batch, chunks: chunks) + prefillWork(chunks: chunks)
    }

    /// The inter-token latency at batch `B` by the closed form `alpha + (B - 1) * delta + beta + gamma * (n + (m + 1) / 2)`.
    public func itl(batch: Double, chunks: Int) -> Double {
        background(batch: batch, chunks: chunks) + parameters.beta
            + parameters.gamma * (inputTokens + (outputTokens + 1) / 2)
    }

    /// Upstream's evaluation at the queue's means: the prefill at the mean number in service `X`, the ITL as the
    /// rest of the mean service time spread over the `m` output tokens, and TTFT as the prefill plus one ITL.
    func latencies(meanInService x: Double, serviceTime: Double, batchLimit: Int) -> Latencies {
        let c = chunks(atBatch: x, limit: batchLimit)
        let prefill = prefillTime(batch: x, chunks: c)
        let itl = (serviceTime - prefill) / outputTokens
        return Latencies(concurrency: x, prefill: prefill, itl: itl, firstTokenService: prefill + itl)
    }

    // The per-request ITL law (``ITLDistribution``) under the queue model's own assumption of exponential
    // (geometric) output lengths. A request in the batch at a random moment then has decoded `m` tokens on average,
    // not `m/2` (`E[O(O+1)/2] = m²` for `O = 1 + Geometric(m − 1)`), so the others' KV-cache reads average `n + m`
    // per step; upstream's mean model evaluates the work at the mean lengths and reads `n + (m+1)/2`.

    /// One request's work per iteration with exponential output lengths, ms.
    func exponentialDelta(chunks: Int) -> Double {
        let decode = outputTokens * (parameters.beta + parameters.gamma * (inputTokens + outputTokens))
        return (prefillWork(chunks: chunks) + decode) / (Double(chunks) + outputTokens)
    }

    /// Time in service with `batch` requests and exponential output lengths, ms.
    func exponentialServiceTime(batch: Double, chunks: Int) -> Double {
        (Double(chunks) + outputTokens) * (parameters.alpha + batch * exponentialDelta(chunks: chunks))
    }

    /// One decode step of a request with `batch` requests, the others at exponential lengths, ms.
    func exponentialStep(batch: Double, chunks: Int) -> Double {
        max(0, parameters.alpha + (batch - 1) * exponentialDelta(chunks: chunks)) + parameters.beta
            + parameters.gamma * (inputTokens + (outputTokens + 1) / 2)
    }

    /// Variance of one other decoding request's KV-cache read per step, ms²: its input is exponential with mean
    /// `n`, its decoded tokens so far (the age of a geometric length) exponential with mean `m − 1`.
    var exponentialReadVariance: Double {
        let g = parameters.gamma, k = outputTokens - 1
        return g * g * (inputTokens * inputTokens + k * k)
    }
}
