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
    /// `1 / mu(n)` in ms, index `n - 1`, for `n = 1 ...` at least `N` (a ``QueueRates`` table may run further).
    private let inverseRates: [Double]
    /// `inverseRates[j] * ... * inverseRates[j + 3]`, for the four-lane head sum (empty for small batches).
    private let quadProducts: [Double]

    public init(times: ServiceTimes, batchLimit: Int, queueLimit: Int? = nil) {
        precondition(batchLimit >= 1, "batch limit must be at least 1")
        self.init(rates: QueueRates(times: times, upTo: batchLimit), batchLimit: batchLimit, queueLimit: queueLimit)
    }

    /// The model at `batchLimit` over a table built for that limit or a larger one.
    init(rates: QueueRates, batchLimit: Int, queueLimit: Int?) {
        precondition(batchLimit >= 1 && batchLimit <= rates.limit, "batch limit must be in 1...\(rates.limit)")
        self.times = rates.times
        self.batchLimit = batchLimit
        self.queueLimit = max(0, queueLimit ?? 10 * batchLimit)
        self.inverseRates = rates.inverseRates
        // Every index read stays below `N` (the lanes' `quadProducts[j]` below `N - 4`): a longer table's prefix
        // is this model's own.
        self.quadProducts = rates.quadProducts
    }

    /// Batch limits from which the head sum runs on four lanes.
    static let laneThreshold = 16

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
        let l = times.latencies(meanInService: meanInService, serviceTime: service, batchLimit: batchLimit)
        return QueueMetrics(
            throughputPerSecond: throughput * 1000,
            blockingProbability: sums.blocking,
            meanInSystem: meanInSystem,
            meanInService: meanInService,
            responseTimeMilliseconds: response,
            serviceTimeMilliseconds: service,
            waitMilliseconds: wait,
            concurrency: l.concurrency,
            ttftMilliseconds: wait + l.firstTokenService,
            prefillMilliseconds: l.prefill,
            itlMilliseconds: l.itl,
            utilisation: meanInService / Double(batchLimit))
    }

    /// The limit of every metric as the rate goes to zero: a lone request, no waiting.
    private func idleMetrics() -> QueueMetrics {
        let (service, l) = times.loneRequest(batchLimit: batchLimit)
        return QueueMetrics(
            throughputPerSecond: 0, blockingProbability: 0, meanInSystem: 0, meanInService: 0,
            responseTimeMilliseconds: service, serviceTimeMilliseconds: service, waitMilliseconds: 0,
            concurrency: l.concurrency, ttftMilliseconds: l.firstTokenService, prefillMilliseconds: l.prefill,
            itlMilliseconds: l.itl, utilisation: 0)
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
        if n >= Self.laneThreshold {
            (weight, total, inSystem, logScale) = headSumsOnLanes(lambda: lambda)
        } else {
            for k in 0..<n {
                if k > 0 { weight *= lambda * inverseRates[k - 1] }
                total += weight
                inSystem += Double(k) * weight
                if weight > 1e200 {
                    weight *= 1e-200; total *= 1e-200; inSystem *= 1e-200
                    logScale += 200 * M_LN10
                }
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
        var rToQ: Double?
        if r <= 1 {
            // Past a negligible head every tail term is zero times a finite sum: the sums stand as they are.
            if weight == 0 { return (inSystem / total, inService / total, 0) }
            let (s0, s1, power) = Self.geometricSums(ratio: r, terms: q)
            tailWeight = weight
            tailMass = s0
            tailIndexSum = s1
            rToQ = power
        } else {
            // Factor out r^Q so the series runs in 1/r and cannot overflow.
            let (s0, s1, _) = Self.geometricSums(ratio: 1 / r, terms: q)
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
        let blocking = tailWeight * (rToQ ?? pow(r, qD))
        _ = logScale
        return (inSystem / total, inService / total, blocking / total)
    }

    /// The head of ``stateSums(lambda:)`` (`k < N`) on four lanes: `(w[N-1], sum w, sum k·w, log scale)`.
    ///
    /// The weights form one multiplicative chain, `w[k+1] = w[k]·lambda/mu(k+1)`, whose latency bounds a scalar
    /// loop. Lane `i` instead carries `w[k+i]` and steps four states at once with the precomputed
    /// `quadProducts[k+i] = prod 1/mu(k+i+1 ... k+i+4)`: four independent chains, a quarter of the latency, the
    /// same sums up to rounding. Rescaled by 1e-150 when a lane passes 1e150, checked every sixteen states (which
    /// grow a weight by at most `(lambda/mu)^16`, below 1e64 for any rate up to ten times saturation and batch
    /// limits up to 1,024: far from overflowing from there).
    private func headSumsOnLanes(lambda: Double) -> (Double, Double, Double, Double) {
        let n = batchLimit
        var w0 = 1.0
        var w1 = w0 * lambda * inverseRates[0]
        var w2 = w1 * lambda * inverseRates[1]
        var w3 = w2 * lambda * inverseRates[2]
        var t0 = 0.0, t1 = 0.0, t2 = 0.0, t3 = 0.0
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        let lambda4 = (lambda * lambda) * (lambda * lambda)
        var logScale = 0.0
        var base = 0
        var negligible = false
        quadProducts.withUnsafeBufferPointer { quad in
            while true {
                let k = Double(base)
                t0 += w0; t1 += w1; t2 += w2; t3 += w3
                s0 += k * w0; s1 += (k + 1) * w1; s2 += (k + 2) * w2; s3 += (k + 3) * w3
                guard base + 8 <= n else { break }
                w0 *= lambda4 * quad[base]
                w1 *= lambda4 * quad[base + 1]
                w2 *= lambda4 * quad[base + 2]
                w3 *= lambda4 * quad[base + 3]
                base += 4
                // Checked every fourth step: sixteen states grow a weight by at most (lambda/mu)^16.
                if base & 15 == 0 {
                    let largest = max(max(w0, w1), max(w2, w3))
                    if largest > 1e150 {
                        w0 *= 1e-150; w1 *= 1e-150; w2 *= 1e-150; w3 *= 1e-150
                        t0 *= 1e-150; t1 *= 1e-150; t2 *= 1e-150; t3 *= 1e-150
                        s0 *= 1e-150; s1 *= 1e-150; s2 *= 1e-150; s3 *= 1e-150
                        logScale += 150 * M_LN10
                    } else if largest < 1e-20 * (t0 + t1 + t2 + t3), lambda * inverseRates[base + 3] <= 0.99 {
                        // Past the mode: the ratio w[k+1]/w[k] = lambda/mu(k+1) only falls with k (and stays at
                        // lambda/mu(N) in the queue), so every later state together weighs less than
                        // 100·w[k] < 1e-18 of the total. They are left out, blocking included.
                        negligible = true
                        break
                    }
                }
            }
        }
        if negligible {
            let t = (t0 + t1) + (t2 + t3), s = (s0 + s1) + (s2 + s3)
            return (0, t, s, logScale)
        }
        var weight = w3
        var t = (t0 + t1) + (t2 + t3), s = (s0 + s1) + (s2 + s3)
        // The last states, one by one from w[base + 3].
        var k = base + 4
        while k < n {
            weight *= lambda * inverseRates[k - 1]
            t += weight
            s += Double(k) * weight
            if weight > 1e200 {
                weight *= 1e-200; t *= 1e-200; s *= 1e-200
                logScale += 200 * M_LN10
            }
            k += 1
        }
        return (weight, t, s, logScale)
    }

    /// `(sum_{j=0}^{terms} x^j, sum_{j=0}^{terms} j x^j)` for `0 <= x <= 1`, accurate also near `x = 1`, and
    /// `pow(x, terms)` where the closed form computed it (the blocking term needs the same power).
    static func geometricSums(ratio x: Double, terms q: Int) -> (Double, Double, power: Double?) {
        let m = Double(q)
        if x == 0 { return (1, 0, nil) }
        if (1 - x) * m < 1e-2 {
            var s0 = 0.0, s1 = 0.0, power = 1.0
            for j in 0...q {
                s0 += power
                s1 += Double(j) * power
                power *= x
            }
            return (s0, s1, nil)
        }
        let xq = pow(x, m)
        let xq1 = xq * x
        let oneMinus = 1 - x
        let s0 = (1 - xq1) / oneMinus
        let s1 = x * (1 - (m + 1) * xq + m * xq1) / (oneMinus * oneMinus)
        return (s0, s1, xq)
    }
}

/// The per-state rates of one replica's queue for every batch limit up to `limit`.
///
/// `mu(n) = n / T(n)` depends on the batch `n` in service, not on the limit, so the models a batch-limit search
/// sizes (``ReplicaSizer/chooseBatchLimit(times:bound:policy:)``, about ten per pair) share one table instead of
/// each building its own: the same numbers, built once.
struct QueueRates: Sendable {
    let times: ServiceTimes
    let limit: Int
    let inverseRates: [Double]
    let quadProducts: [Double]

    init(times: ServiceTimes, upTo limit: Int) {
        precondition(limit >= 1, "batch limit must be at least 1")
        self.times = times
        self.limit = limit
        var inverse = times.serviceTimes(upTo: limit)
        inverse.withUnsafeMutableBufferPointer { t in
            for i in t.indices { t[i] /= Double(i + 1) }
        }
        self.inverseRates = inverse
        guard limit >= QueueModel.laneThreshold else {
            self.quadProducts = []
            return
        }
        self.quadProducts = inverse.withUnsafeBufferPointer { inv in
            [Double](unsafeUninitializedCapacity: limit - 3) { quad, count in
                for j in 0..<(limit - 3) {
                    let pair1: Double = inv[j] * inv[j + 1]
                    let pair2: Double = inv[j + 2] * inv[j + 3]
                    quad.initializeElement(at: j, to: pair1 * pair2)
                }
                count = limit - 3
            }
        }
    }

    /// The queue model at `batchLimit` (`1 ... limit`).
    func model(batchLimit: Int, queueLimit: Int? = nil) -> QueueModel {
        QueueModel(rates: self, batchLimit: batchLimit, queueLimit: queueLimit)
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
