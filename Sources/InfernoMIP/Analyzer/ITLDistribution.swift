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
/// - given `K`, the mean ITL is taken as normal; the mixture over `K` is the distribution.
///
/// Its quantile is clamped to `[s(1), s(N)]`, the range every average of step times lies in.
public struct ITLDistribution: Sendable {
    /// `s(b)` for `b = 1 ... N`, ms: index `b − 1`.
    public let stepTimes: [Double]
    /// `Σ_{k=1..j} ln d_k` for the others' departure rates `d_k` (per ms): index `j`, `j = 0 ... N + Q − 1`.
    private let logDepartureProducts: [Double]
    /// Mean decode intervals of a request, `m − 1`.
    public let meanIntervals: Double

    /// Equal-probability nodes over the number of intervals `K`.
    static let nodes = 32

    public init(model: QueueModel) {
        let n = model.batchLimit
        stepTimes = model.times.stepTimes(upTo: n)
        let service = model.times.serviceTimes(upTo: n)
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

    /// The batch seen by the request's steps at `ratePerSecond`: mean, variance and autocorrelation time (ms).
    public func stepMoments(ratePerSecond: Double) -> (mean: Double, variance: Double, correlationMilliseconds: Double) {
        let lambda = ratePerSecond / 1000
        let top = logDepartureProducts.count - 1
        guard stepTimes.count >= 2, lambda > 0, lambda.isFinite, top >= 1 else { return (stepTimes[0], 0, 0) }
        // Stationary law of the others, p_j ∝ λ^j / Π d_k, normalised in log space.
        let logLambda = log(lambda)
        var logWeights = [Double](repeating: 0, count: top + 1)
        var largest = -Double.infinity
        for j in 0...top {
            logWeights[j] = Double(j) * logLambda - logDepartureProducts[j]
            largest = max(largest, logWeights[j])
        }
        var p = logWeights.map { exp($0 - largest) }
        let total = p.reduce(0, +)
        for j in 0...top { p[j] /= total }
        let n = stepTimes.count
        func s(_ j: Int) -> Double { stepTimes[min(j + 1, n) - 1] }
        // Time-weighted moments for the autocorrelation; step-weighted (∝ p/s) for the step law.
        var timeMean = 0.0, inverseMean = 0.0
        for j in 0...top { timeMean += p[j] * s(j); inverseMean += p[j] / s(j) }
        var timeVariance = 0.0, stepVariance = 0.0
        let stepMean = 1 / inverseMean
        for j in 0...top {
            let d = s(j) - timeMean
            timeVariance += p[j] * d * d
            let e = s(j) - stepMean
            stepVariance += p[j] / s(j) * e * e
        }
        stepVariance *= stepMean
        guard timeVariance > 1e-18 * timeMean * timeMean else { return (stepMean, 0, 0) }
        let integrated = Self.integratedCovariance(p: p, f: (0...top).map(s), mean: timeMean, upRate: lambda)
        return (stepMean, stepVariance, integrated / timeVariance)
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

    /// Share of requests whose own mean ITL is at most `itlMilliseconds` at `ratePerSecond`: the mixture's law
    /// with its mass outside `[s(1), s(N)]` moved to the nearer end, the law ``quantile(_:ratePerSecond:)`` inverts.
    public func attainment(itlMilliseconds t: Double, ratePerSecond: Double) -> Double {
        let mixture = self.mixture(ratePerSecond: ratePerSecond)
        if t >= (stepTimes.max() ?? 0) { return 1 }
        if t < (stepTimes.min() ?? 0) { return mixture.noInterval }
        return mixture.cdf(t)
    }

    /// The `p`-quantile of a request's own mean ITL at `ratePerSecond`, ms.
    public func quantile(_ p: Double, ratePerSecond: Double) -> Double {
        let lowest = stepTimes.min() ?? 0, highest = stepTimes.max() ?? 0
        let mixture = self.mixture(ratePerSecond: ratePerSecond)
        guard let spread = mixture.deviations.max(), spread > 0 else { return min(max(mixture.mean, lowest), highest) }
        var lo = mixture.mean - 12 * spread, hi = mixture.mean + 12 * spread
        if mixture.cdf(lo) >= p { return min(max(lo, lowest), highest) }
        for _ in 0..<60 where hi - lo > 1e-9 * max(1, abs(hi)) {
            let mid = 0.5 * (lo + hi)
            if mixture.cdf(mid) >= p { hi = mid } else { lo = mid }
        }
        return min(max(hi, lowest), highest)
    }

    /// The normal mixture over the decode lengths: the requests without an interval (always meeting a target),
    /// and one standard deviation per node of `K ≥ 1`.
    struct Mixture {
        var mean: Double
        var noInterval: Double
        var deviations: [Double]

        func cdf(_ t: Double) -> Double {
            var sum = noInterval
            let share = 1 / Double(ITLDistribution.nodes)
            for sd in deviations {
                sum += share * (sd > 0 ? 0.5 * erfc((mean - t) / (sd * 2.0.squareRoot())) : (t >= mean ? 1 : 0))
            }
            return sum
        }
    }

    func mixture(ratePerSecond: Double) -> Mixture {
        let (mean, variance, tau) = stepMoments(ratePerSecond: ratePerSecond)
        // K geometric with mean k̄: P(K ≤ k) = 1 − q^(k+1), q = k̄ / (k̄ + 1); node i at the midpoint of its
        // probability bin, the smallest k with P(K ≤ k) ≥ u.
        let q = meanIntervals / (meanIntervals + 1)
        var noInterval = 0.0
        var deviations: [Double] = []
        for i in 0..<Self.nodes {
            let u = (Double(i) + 0.5) / Double(Self.nodes)
            let k = q > 0 ? (log(1 - u) / log(q)).rounded(.up) - 1 : 0
            if k < 1 { noInterval += 1 / Double(Self.nodes); continue }
            let factor = tau > 0 ? Self.windowFactor(k * mean / tau) : 1
            deviations.append((variance * factor).squareRoot())
        }
        return Mixture(mean: mean, noInterval: noInterval, deviations: deviations)
    }
}
