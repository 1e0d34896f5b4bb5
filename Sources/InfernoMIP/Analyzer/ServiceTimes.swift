/// Service times of one replica for a given request shape, in either performance model (see docs/model.md).
///
/// All times are milliseconds. The queue above needs two things from a model: the time in service of one
/// request with `n` requests in the batch (which sets the state-dependent completion rates), and the latencies a
/// request sees given the queue's mean occupancy (``latencies(meanInService:serviceTime:)``).
public struct ServiceTimes: Hashable, Sendable {
    public var performance: PerformanceParameters
    public var inputTokens: Double
    public var outputTokens: Double

    public init(performance: PerformanceParameters, inputTokens: Double, outputTokens: Double) {
        self.performance = performance
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    /// The seed kind.
    public init(decode: DecodeParameters, prefill: PrefillParameters, inputTokens: Double, outputTokens: Double) {
        self.init(performance: .seed(decode: decode, prefill: prefill), inputTokens: inputTokens, outputTokens: outputTokens)
    }

    /// The per-iteration kind.
    public init(iteration: IterationParameters, inputTokens: Double, outputTokens: Double) {
        self.init(performance: .perIteration(iteration), inputTokens: inputTokens, outputTokens: outputTokens)
    }

    public init(profile: ModelProfile, load: Load) {
        self.init(performance: profile.performance, inputTokens: load.meanInputTokens, outputTokens: load.meanOutputTokens)
    }

    /// The per-iteration model's formulas for this request shape, or nil for the seed kind.
    public var iteration: IterationTimes? {
        guard case .perIteration(let p) = performance else { return nil }
        return IterationTimes(parameters: p, inputTokens: inputTokens, outputTokens: outputTokens)
    }

    /// The seed model's formulas for this request shape, or nil for the per-iteration kind.
    public var seed: SeedTimes? {
        guard case .seed(let d, let p) = performance else { return nil }
        return SeedTimes(decode: d, prefill: p, inputTokens: inputTokens, outputTokens: outputTokens)
    }

    /// `T(n)`: time in service of one request with `n` requests in the batch, for `n = 1 ... limit`.
    public func serviceTimes(upTo limit: Int) -> [Double] {
        switch performance {
        case .seed:
            let line = seed!.line
            return (1...limit).map { line.fixed + line.perRequest * Double($0) }
        case .perIteration:
            let it = iteration!
            let chunks = it.chunkTable(upTo: limit)
            return (1...limit).map { it.serviceTime(batch: Double($0), chunks: chunks[$0]) }
        }
    }

    /// What the per-request ITL law (``ITLDistribution``) needs from the model, for batches `1 ... limit`.
    /// The seed kind: `α + β·b` and the queue's `T(b)`, nothing else. The per-iteration kind: the closed-form ITL
    /// and `T(b)` with the others at exponential output lengths (``IterationTimes/exponentialDelta(chunks:)``),
    /// and the KV-cache reads that vary from request to request.
    public func stepLaw(upTo limit: Int) -> StepLaw {
        switch performance {
        case .seed:
            let s = seed!
            return StepLaw(steps: (1...limit).map { s.decodeTime(batch: Double($0)) }, service: serviceTimes(upTo: limit))
        case .perIteration(let p):
            let it = iteration!
            let chunks = it.chunkTable(upTo: limit)
            return StepLaw(steps: (1...limit).map { it.exponentialStep(batch: Double($0), chunks: chunks[$0]) },
                           service: (1...limit).map { it.exponentialServiceTime(batch: Double($0), chunks: chunks[$0]) },
                           varianceOfOther: it.exponentialReadVariance,
                           ownVariance: p.gamma * p.gamma * it.inputTokens * it.inputTokens, ownSlope: p.gamma / 2)
        }
    }

    /// What a request sees when the queue holds `meanInService` requests in service on average and a request
    /// spends `serviceTime` ms in service (both from the queue's stationary distribution).
    public func latencies(meanInService: Double, serviceTime: Double, batchLimit: Int) -> Latencies {
        switch performance {
        case .seed:
            return seed!.latencies(serviceTime: serviceTime, batchLimit: batchLimit)
        case .perIteration:
            return iteration!.latencies(meanInService: meanInService, serviceTime: serviceTime, batchLimit: batchLimit)
        }
    }

    /// The latencies of a lone request on an idle replica.
    public func loneRequest(batchLimit: Int) -> (serviceTime: Double, latencies: Latencies) {
        let t = serviceTimes(upTo: 1)[0]
        return (t, latencies(meanInService: 1, serviceTime: t, batchLimit: batchLimit))
    }
}

/// A decode step as ``ITLDistribution`` sees it. Times in ms.
public struct StepLaw: Hashable, Sendable {
    /// `s(b)`: one decode step of a request with `b` requests in the batch (index `b − 1`), at the request's mean
    /// own length.
    public var steps: [Double]
    /// `T(b)`: time in service, which sets how the batch changes (index `b − 1`).
    public var service: [Double]
    /// Variance one other request in the batch adds to a step (its KV-cache read), ms².
    public var varianceOfOther: Double = 0
    /// Variance of the request's own share of its steps (its own input's KV-cache read), ms²: not averaged away.
    public var ownVariance: Double = 0
    /// Growth of the request's mean step per decode interval it has beyond the mean (its own KV-cache read), ms.
    public var ownSlope: Double = 0

    /// Whether every request's mean ITL is an average of the `s(b)`, so lies in `[s(1), s(N)]`.
    public var staysInStepRange: Bool { varianceOfOther == 0 && ownVariance == 0 && ownSlope == 0 }
}

/// The latencies a model derives from the queue's means. Times in ms.
public struct Latencies: Hashable, Sendable {
    /// The batch size the latencies are evaluated at.
    public var concurrency: Double
    public var prefill: Double
    public var itl: Double
    /// Mean time to first token less the wait: the seed's prefill, the per-iteration model's prefill plus the
    /// first decode iteration.
    public var firstTokenService: Double
}

/// The seed model: a decode step `alpha + beta * b`, a prefill `gamma + delta * I * b` (docs/model.md).
///
/// With `b` requests in the batch a request of `I` input and `O` output tokens takes
/// `T(b) = prefill(b) + (O - 1) * decode(b)`: the prefill produces the first token, each further token is one
/// decode step. When `I == 0` and `O == 1` that would be zero work, so a request is never cheaper than one
/// decode step (upstream divided by that zero).
public struct SeedTimes: Hashable, Sendable {
    public var decode: DecodeParameters
    public var prefill: PrefillParameters
    public var inputTokens: Double
    public var outputTokens: Double

    /// One decode step with `batch` requests: the inter-token latency.
    public func decodeTime(batch: Double) -> Double { decode.alpha + decode.beta * batch }

    /// The prefill of one request with `batch` requests in the batch; 0 without input tokens.
    public func prefillTime(batch: Double) -> Double {
        inputTokens > 0 ? prefill.gamma + prefill.delta * inputTokens * batch : 0
    }

    /// `T(b)` as the line `fixed + perRequest * b`, so it can be inverted for the effective concurrency.
    public var line: (fixed: Double, perRequest: Double) {
        let steps = max(outputTokens - 1, 0)
        var fixed = steps * decode.alpha
        var perRequest = steps * decode.beta
        if inputTokens > 0 {
            fixed += prefill.gamma
            perRequest += prefill.delta * inputTokens
        }
        if fixed + perRequest <= 0 || steps == 0 && inputTokens <= 0 {
            // No prefill and a single token: the one forward pass is a decode step.
            return (decode.alpha, decode.beta)
        }
        return (fixed, perRequest)
    }

    /// Time in service of one request with `batch` requests in the batch.
    public func serviceTime(batch: Double) -> Double {
        let l = line
        return l.fixed + l.perRequest * batch
    }

    /// The batch size `c` whose service time equals the observed mean one, `T(c) = S`, and the latencies at it.
    func latencies(serviceTime: Double, batchLimit: Int) -> Latencies {
        let l = line
        var c = 1.0
        if l.perRequest > 0 { c = min(max((serviceTime - l.fixed) / l.perRequest, 1), Double(batchLimit)) }
        let p = prefillTime(batch: c)
        return Latencies(concurrency: c, prefill: p, itl: decodeTime(batch: c), firstTokenService: p)
    }
}
