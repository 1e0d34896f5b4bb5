import Foundation

/// One replica as a state-dependent birth-death queue (M/M/1/K with batch-dependent service).
///
/// States `n = 0 ... N + Q` count requests in the replica; `min(n, N)` of them are in the batch and each
/// completes at rate `mu(n) = min(n, N) / T(min(n, N))`. Arrivals are Poisson in every state but the last,
/// where they are blocked. See docs/model.md for the derivation of every output.
public struct QueueModel: Sendable {
    public let times: ServiceTimes
    /// `N`: requests admitted into the running batch.
    public let batchLimit: Int
    /// `Q`: requests that may wait; upstream uses `10 * N` of the *effective* batch limit.
    public let queueLimit: Int
    /// `1 / mu(n)` for `n = 1 ... N`, in ms: index `n - 1`.
    private let inverseRates: [Double]

    public init(times: ServiceTimes, batchLimit: Int, queueLimit: Int? = nil) {
        precondition(batchLimit >= 1, "batch limit must be at least 1")
        self.times = times
        self.batchLimit = batchLimit
        self.queueLimit = max(0, queueLimit ?? 10 * batchLimit)
        let line = times.line
        self.inverseRates = (1...batchLimit).map { n in
            let b = Double(n)
            return (line.fixed + line.perRequest * b) / b
        }
    }

    /// Completion rate with `n` requests in service, per ms.
    public func serviceRate(inService n: Int) -> Double { 1 / inverseRates[min(max(n, 1), batchLimit) - 1] }

    /// Largest sustainable completion rate (full batch), requests per second.
    public var maxThroughputPerSecond: Double { serviceRate(inService: batchLimit) * 1000 }

    /// Completion rate of a lone request, requests per second.
    public var singleRequestRatePerSecond: Double { serviceRate(inService: 1) * 1000 }

    /// Steady-state performance for Poisson arrivals of `ratePerSecond` requests per second.
    public func evaluate(ratePerSecond: Double) -> QueueMetrics {
        let lambda = ratePerSecond / 1000   // per ms, the unit of the service times
        guard lambda > 0, lambda.isFinite else { return idleMetrics() }
        let sums = stateSums(lambda: lambda)
        let throughput = lambda * (1 - sums.blocking)
        let meanInSystem = sums.inSystem
        let meanInService = sums.inService
        guard throughput > 0, throughput.isFinite else { return idleMetrics() }
        let response = meanInSystem / throughput
        let service = meanInService / throughput
        let wait = max(0, response - service)
        let concurrency = effectiveConcurrency(serviceTime: service)
        return QueueMetrics(
            throughputPerSecond: throughput * 1000,
            blockingProbability: sums.blocking,
            meanInSystem: meanInSystem,
            meanInService: meanInService,
            responseTimeMilliseconds: response,
            serviceTimeMilliseconds: service,
            waitMilliseconds: wait,
            concurrency: concurrency,
            ttftMilliseconds: wait + times.prefillTime(batch: concurrency),
            prefillMilliseconds: times.prefillTime(batch: concurrency),
            itlMilliseconds: times.decodeTime(batch: concurrency),
            utilisation: meanInService / Double(batchLimit))
    }

    /// The limit of every metric as the rate goes to zero: a lone request, no waiting.
    private func idleMetrics() -> QueueMetrics {
        let service = times.serviceTime(batch: 1)
        return QueueMetrics(
            throughputPerSecond: 0, blockingProbability: 0, meanInSystem: 0, meanInService: 0,
            responseTimeMilliseconds: service, serviceTimeMilliseconds: service, waitMilliseconds: 0,
            concurrency: 1, ttftMilliseconds: times.prefillTime(batch: 1), prefillMilliseconds: times.prefillTime(batch: 1),
            itlMilliseconds: times.decodeTime(batch: 1), utilisation: 0)
    }

    /// The batch size `c` whose service time equals the observed mean one: `T(c) = S`.
    private func effectiveConcurrency(serviceTime: Double) -> Double {
        let line = times.line
        guard line.perRequest > 0 else { return 1 }
        let c = (serviceTime - line.fixed) / line.perRequest
        return min(max(c, 1), Double(batchLimit))
    }

    /// Normalised `sum p(n)`-weighted quantities, computed without overflow.
    ///
    /// The head `n < N` is summed state by state with rescaling; the tail `n >= N` has a constant service rate,
    /// so it is a geometric series summed in closed form (no loop over the `Q` waiting states).
    private func stateSums(lambda: Double) -> (inSystem: Double, inService: Double, blocking: Double) {
        let n = batchLimit
        var weight = 1.0          // unnormalised p(k), scaled by exp(-logScale)
        var logScale = 0.0
        var total = 0.0, inSystem = 0.0
        for k in 0..<n {
            if k > 0 { weight *= lambda * inverseRates[k - 1] }
            total += weight
            inSystem += Double(k) * weight
            if weight > 1e200 {
                weight *= 1e-200; total *= 1e-200; inSystem *= 1e-200
                logScale += 200 * M_LN10
            }
        }
        // p(N) relative to the running scale.
        weight *= lambda * inverseRates[n - 1]
        var inService = inSystem
        let r = lambda * inverseRates[n - 1]
        let q = queueLimit
        let nD = Double(n), qD = Double(q)
        var tailWeight: Double
        var tailMass: Double, tailIndexSum: Double
        if r <= 1 {
            let (s0, s1) = Self.geometricSums(ratio: r, terms: q)
            tailWeight = weight
            tailMass = s0
            tailIndexSum = s1
        } else {
            // Factor out r^Q so the series runs in 1/r and cannot overflow.
            let (s0, s1) = Self.geometricSums(ratio: 1 / r, terms: q)
            let logTop = log(weight) + qD * log(r)
            if logTop > 600 {
                let shift = logTop - 600
                let down = exp(-shift)
                total *= down; inSystem *= down; inService *= down
                logScale += shift
            }
            tailWeight = exp(logTop - max(0, logTop - 600))
            tailMass = s0
            tailIndexSum = qD * s0 - s1
            let blocking = tailWeight   // p(N+Q) unnormalised
            total += tailWeight * tailMass
            inSystem += tailWeight * (nD * tailMass + tailIndexSum)
            inService += tailWeight * nD * tailMass
            return (inSystem / total, inService / total, blocking / total)
        }
        total += tailWeight * tailMass
        inSystem += tailWeight * (nD * tailMass + tailIndexSum)
        inService += tailWeight * nD * tailMass
        let blocking = tailWeight * pow(r, qD)
        _ = logScale
        return (inSystem / total, inService / total, blocking / total)
    }

    /// `(sum_{j=0}^{terms} x^j, sum_{j=0}^{terms} j x^j)` for `0 <= x <= 1`, accurate also near `x = 1`.
    static func geometricSums(ratio x: Double, terms q: Int) -> (Double, Double) {
        let m = Double(q)
        if x == 0 { return (1, 0) }
        if (1 - x) * m < 1e-2 {
            var s0 = 0.0, s1 = 0.0, power = 1.0
            for j in 0...q {
                s0 += power
                s1 += Double(j) * power
                power *= x
            }
            return (s0, s1)
        }
        let xq = pow(x, m)
        let xq1 = xq * x
        let oneMinus = 1 - x
        let s0 = (1 - xq1) / oneMinus
        let s1 = x * (1 - (m + 1) * xq + m * xq1) / (oneMinus * oneMinus)
        return (s0, s1)
    }
}

/// What a replica delivers at a given arrival rate. Times in ms.
public struct QueueMetrics: Hashable, Sendable {
    /// Completed requests per second (arrivals less those blocked by a full queue).
    public var throughputPerSecond: Double
    /// Probability that an arrival finds the queue full.
    public var blockingProbability: Double
    public var meanInSystem: Double
    public var meanInService: Double
    public var responseTimeMilliseconds: Double
    public var serviceTimeMilliseconds: Double
    /// Mean time waiting before admission into the batch.
    public var waitMilliseconds: Double
    /// Effective batch size `c` with `T(c)` equal to the mean service time.
    public var concurrency: Double
    /// Mean time to first token: wait plus the prefill at concurrency `c`.
    public var ttftMilliseconds: Double
    public var prefillMilliseconds: Double
    /// Mean inter-token latency: one decode step at concurrency `c`.
    public var itlMilliseconds: Double
    /// Mean fraction of the batch slots in use.
    public var utilisation: Double
}
