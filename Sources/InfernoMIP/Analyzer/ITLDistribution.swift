import Foundation

/// The distribution of one request's own inter-token latency — its decode time over its `O − 1` decode steps,
/// what a user (and the simulation's referee) judges — at a given arrival rate (docs/model.md, "ITL at a
/// percentile").
///
/// While a request decodes, the other requests in the replica come and go: a birth–death chain of the *others*
/// (`j = 0 ... N + Q − 1`; arrivals at `λ`, blocked at the top; the `min(j, N − 1)` others in the batch finish at
/// `1 / T(b)` each, `b = min(j + 1, N)` the batch with the request itself). Each of its steps takes `s(b)` (the
/// seed's `α + β·b`, the per-iteration model's closed-form ITL at `b`). Its mean ITL averages `s` over its steps:
///
/// - the batch seen by one step has the chain's stationary law weighted by `1 / s(b)` (more steps are taken while
///   the batch is small), with mean `μ` (the harmonic mean of `s`) and variance `σ²`;
/// - averaging over a decode of `L = K·μ` ms shrinks the variance to `σ²·h(L/τ)`, `h(x) = 2(x − 1 + e^{−x})/x²`,
///   for a batch whose autocorrelation decays as `e^{−t/τ}` (exact for an unsaturated batch, an M/M/∞ queue);
///   `τ` is the chain's integrated autocorrelation time of `s`, from the birth–death Poisson equation in closed form;
/// - `K = O − 1` is geometric with mean `m − 1` (the exponential output lengths the queue model assumes), taken at
///   32 equal-probability nodes; a request with one output token has no interval and always meets the target;
/// - given `K`, the mean ITL is taken as normal; the mixture over `K` is the distribution;
/// - the per-iteration kind adds what varies from request to request: the others' KV-cache reads (a variance per
///   other request, averaged like the batch), the request's own input (not averaged away) and its own length
///   (a step grows by `γ/2` per decode interval), all at the exponential lengths the queue model assumes.
///
/// The quantile never exceeds that of a request whose batch is always full (for the seed kind `s(N)`), and for the
/// seed kind never falls below `s(1)`: every mean ITL there is an average of step times.
public struct ITLDistribution: Sendable {
    /// `s(b)` for `b = 1 ... N` and the per-request terms (``StepLaw``).
    public let law: StepLaw
    /// `s(b)` for `b = 1 ... N`, ms: index `b − 1`.
    public var stepTimes: [Double] { law.steps }
    /// `Σ_{k=1..j} ln d_k` for the others' departure rates `d_k` (per ms): index `j`, `j = 0 ... N + Q − 1`.
    private let logDepartureProducts: [Double]
    /// Mean decode intervals of a request, `m − 1`.
    public let meanIntervals: Double

    /// Equal-probability nodes over the number of intervals `K`.
    static let nodes = 32

    public init(model: QueueModel) {
        let n = model.batchLimit
        law = model.times.stepLaw(upTo: n)
        let service = law.service
        let top = n + model.queueLimit - 1
        var logs = [Double](repeating: 0, count: top + 1)
        if n >= 2 {
            for j in stride(from: 1, through: top, by: 1) {
                let batch = min(j + 1, n)
                logs[j] = logs[j - 1] + log(Double(min(j, n - 1)) / service[batch - 1])
            }
        }
        logDepartureProducts = logs
        meanIntervals = max(0, model.times.outputTokens - 1)
    }

    /// A step as a request's steps see it at one rate. Times in ms.
    public struct StepMoments: Hashable, Sendable {
        /// Mean step: the harmonic mean of `s(b)` over the chain's law (more steps are taken in small batches).
        public var mean: Double
        /// Variance of a step from the batch's size, and the autocorrelation time of the batch.
        public var batchVariance: Double
        public var batchCorrelation: Double
        /// Variance of a step from the others' KV-cache reads, and how long one other's read persists (`T(b)`).
        public var readVariance: Double
        public var readCorrelation: Double

        /// Variance of a request's mean step over `intervals` steps.
        func varianceOfMean(intervals k: Double) -> Double {
            let batch = batchCorrelation > 0 ? ITLDistribution.windowFactor(k * mean / batchCorrelation) : 1
            let reads = readCorrelation > 0 ? ITLDistribution.windowFactor(k * mean / readCorrelation) : 1
            return batchVariance * batch + readVariance * reads
        }
    }

    /// The batch seen by the request's steps at `ratePerSecond`.
    public func stepMoments(ratePerSecond: Double) -> StepMoments {
        let lambda = ratePerSecond / 1000
        let top = logDepartureProducts.count - 1
        guard stepTimes.count >= 2, lambda > 0, lambda.isFinite, top >= 1 else { return fullBatchMoments(batch: 1) }
        // Stationary law of the others, p_j ∝ λ^j / Π d_k, normalised in log space.
        let logLambda = log(lambda)
        var logWeights = [Double](repeating: 0, count: top + 1)
        var largest = -Double.infinity
        for j in 0...top {
            logWeights[j] = Double(j) * logLambda - logDepartureProducts[j]
            largest = max(largest, logWeights[j])
        }
        // A zero or infinite service time (a degenerate profile) leaves no law: take the full batch's.
        guard largest.isFinite else { return fullBatchMoments(batch: stepTimes.count) }
        // The law is unimodal (λ/d_j falls with j): keep the states within e^-46 (1e-20) of the mode.
        let first = logWeights.firstIndex { $0 >= largest - 46 } ?? 0
        let last = logWeights.lastIndex { $0 >= largest - 46 } ?? top
        let states = Array(first...last)
        var p = states.map { exp(logWeights[$0] - largest) }
        let total = p.reduce(0, +)
        guard total.isFinite, total > 0 else { return fullBatchMoments(batch: stepTimes.count) }
        for i in p.indices { p[i] /= total }
        let n = stepTimes.count
        let f = states.map { stepTimes[min($0 + 1, n) - 1] }
        // Time-weighted moments for the autocorrelation; step-weighted (∝ p/s) for the step law.
        var timeMean = 0.0, inverseMean = 0.0
        for i in p.indices { timeMean += p[i] * f[i]; inverseMean += p[i] / f[i] }
        let stepMean = 1 / inverseMean
        var timeVariance = 0.0, stepVariance = 0.0, others = 0.0
        for i in p.indices {
            let d = f[i] - timeMean, e = f[i] - stepMean
            timeVariance += p[i] * d * d
            stepVariance += p[i] / f[i] * e * e
            others += p[i] / f[i] * Double(min(states[i] + 1, n) - 1)
        }
        stepVariance *= stepMean
        others *= stepMean
        // The others' reads: one variance per other request in the batch, each kept for about its time in service.
        let typical = min(max(Int((others + 1).rounded()), 1), n)
        var moments = StepMoments(mean: stepMean, batchVariance: 0, batchCorrelation: 0,
                                  readVariance: law.varianceOfOther * others, readCorrelation: law.service[typical - 1])
        guard timeVariance > 1e-18 * timeMean * timeMean else { return moments }
        let integrated = Self.integratedCovariance(p: p, f: f, mean: timeMean, upRate: lambda)
        moments.batchVariance = stepVariance
        moments.batchCorrelation = integrated / timeVariance
        return moments
    }

    /// The moments of a batch that always holds `batch` requests: the bound the quantile never exceeds at `N`.
    func fullBatchMoments(batch: Int) -> StepMoments {
        StepMoments(mean: stepTimes[batch - 1], batchVariance: 0, batchCorrelation: 0,
                    readVariance: law.varianceOfOther * Double(batch - 1), readCorrelation: law.service[batch - 1])
    }

    /// `∫_0^∞ Cov(f(X_0), f(X_t)) dt` of a birth–death chain with constant up rate and stationary law `p`:
    /// `Σ_j F_j² / (p_j·λ)` with `F_j = Σ_{k≤j} p_k (f_k − mean)` (the Poisson equation's solution summed by parts).
    /// `F_j` is summed from whichever end holds less mass, so rounding stays relative to `p_j` in both tails.
    static func integratedCovariance(p: [Double], f: [Double], mean: Double, upRate lambda: Double) -> Double {
        let top = p.count - 1
        var prefix = [Double](repeating: 0, count: top + 1), prefixMass = prefix
        var running = 0.0, mass = 0.0
        for j in 0...top { running += p[j] * (f[j] - mean); mass += p[j]; prefix[j] = running; prefixMass[j] = mass }
        var suffix = 0.0   // Σ_{k>j} p_k (f_k − mean)
        var sum = 0.0
        for j in stride(from: top - 1, through: 0, by: -1) {
            suffix += p[j + 1] * (f[j + 1] - mean)
            guard p[j] > 1e-280 else { continue }
            let flux = prefixMass[j] <= 0.5 ? prefix[j] : -suffix
            sum += flux * flux / (p[j] * lambda)
        }
        return sum
    }

    /// `h(x)`: the variance of an average over a window of `x` correlation times, relative to one point.
    static func windowFactor(_ x: Double) -> Double {
        if x < 1e-4 { return 1 - x / 3 }
        return 2 * (x - 1 + exp(-x)) / (x * x)
    }

    /// Share of requests whose own mean ITL is at most `itlMilliseconds` at `ratePerSecond`.
    ///
    /// A request's ITL is never stochastically larger than in a batch that is always full (more others, more work
    /// per step), so the law is the larger of the two CDFs — which also keeps the quantile rising with the rate where
    /// the normal approximation of a batch pressed against `N` would not. For the seed kind every mean ITL is an
    /// average of step times, at least `s(1)`.
    public func attainment(itlMilliseconds t: Double, ratePerSecond: Double) -> Double {
        cdf(mixture(stepMoments(ratePerSecond: ratePerSecond)), mixture(fullBatchMoments(batch: stepTimes.count)))(t)
    }

    func cdf(_ atRate: Mixture, _ full: Mixture) -> (Double) -> Double {
        let floor = law.staysInStepRange ? stepTimes[0] : -Double.infinity
        return { t in t < floor ? atRate.noInterval : max(atRate.cdf(t), full.cdf(t)) }
    }

    /// The `p`-quantile of a request's own mean ITL at `ratePerSecond`, ms.
    public func quantile(_ p: Double, ratePerSecond: Double) -> Double {
        let atRate = mixture(stepMoments(ratePerSecond: ratePerSecond))
        var q = atRate.quantile(p)
        // The larger CDF has the smaller quantile: the full batch's, where it already reaches p below q.
        let full = mixture(fullBatchMoments(batch: stepTimes.count))
        if full.cdf(q) >= p { q = min(q, full.quantile(p)) }
        return law.staysInStepRange ? max(q, stepTimes[0]) : q
    }

    /// The normal mixture over the decode lengths: the requests without an interval (always meeting a target),
    /// and one normal law per node of `K ≥ 1`.
    struct Mixture {
        var noInterval: Double
        var components: [(mean: Double, deviation: Double)]

        /// The smallest `t` with `cdf(t) ≥ p`, to a relative 1e-9 (never below 0): Newton's method on the smooth
        /// CDF, kept inside a bracket that every step narrows, bisecting when a step would leave it.
        func quantile(_ p: Double) -> Double {
            guard let spread = components.map(\.deviation).max(),
                  var lo = components.map(\.mean).min(), var hi = components.map(\.mean).max() else { return 0 }
            lo = max(0, lo - 12 * spread - 1e-9 * abs(lo))
            hi += 12 * spread + 1e-9 * abs(hi)
            if cdf(lo) >= p { return lo }
            guard spread > 0 else {
                // Point masses: the smallest mean at which the CDF reaches p.
                return components.map(\.mean).sorted().first { cdf($0) >= p } ?? hi
            }
            var t = components.map(\.mean).reduce(0, +) / Double(components.count)
            var steps = 0
            while hi - lo > 1e-9 * max(1, abs(hi)), steps < 200 {
                steps += 1
                let (value, density) = cdfAndDensity(t)
                if abs(value - p) < 1e-12 { return t }
                if value >= p { hi = min(hi, t) } else { lo = max(lo, t) }
                let step = density > 0 ? t - (value - p) / density : .nan
                t = step > lo && step < hi ? step : 0.5 * (lo + hi)
            }
            return hi
        }

        /// The CDF and its density at `t` (point masses contribute no density).
        func cdfAndDensity(_ t: Double) -> (Double, Double) {
            var sum = noInterval, density = 0.0
            let share = 1 / Double(ITLDistribution.nodes)
            for c in components {
                guard c.deviation > 0 else { sum += t >= c.mean ? share : 0; continue }
                let z = (t - c.mean) / c.deviation
                sum += share * 0.5 * erfc(-z / 2.0.squareRoot())
                density += share * exp(-0.5 * z * z) / (c.deviation * (2 * Double.pi).squareRoot())
            }
            return (sum, density)
        }

        func cdf(_ t: Double) -> Double {
            var sum = noInterval
            let share = 1 / Double(ITLDistribution.nodes)
            for c in components {
                sum += share * (c.deviation > 0 ? 0.5 * erfc((c.mean - t) / (c.deviation * 2.0.squareRoot()))
                                                : (t >= c.mean ? 1 : 0))
            }
            return sum
        }
    }

    func mixture(_ moments: StepMoments) -> Mixture {
        // K geometric with mean k̄: P(K ≤ k) = 1 − q^(k+1), q = k̄ / (k̄ + 1); node i at the midpoint of its
        // probability bin, the smallest k with P(K ≤ k) ≥ u.
        let q = meanIntervals / (meanIntervals + 1)
        var noInterval = 0.0
        var components: [(mean: Double, deviation: Double)] = []
        for i in 0..<Self.nodes {
            let u = (Double(i) + 0.5) / Double(Self.nodes)
            let k = q > 0 ? (log(1 - u) / log(q)).rounded(.up) - 1 : 0
            if k < 1 { noInterval += 1 / Double(Self.nodes); continue }
            // Its own reads average n + (K + 3)/2 tokens over its intervals; s(b) has n + (k̄ + 2)/2.
            components.append((moments.mean + law.ownSlope * (k - meanIntervals + 1),
                               (moments.varianceOfMean(intervals: k) + law.ownVariance).squareRoot()))
        }
        return Mixture(noInterval: noInterval, components: components)
    }
}
