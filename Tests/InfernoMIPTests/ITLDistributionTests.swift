import Foundation
import Testing
@testable import InfernoMIP

/// The per-request ITL law against closed forms (batch 1, M/M/∞ and two-state autocorrelations, the window
/// average) and invariants (monotone in the percentile and the rate). Its agreement with the simulation's referee
/// is in InfernoControllerTests/ITLPercentileSimulationTests.
@Suite struct ITLDistributionTests {
    static let seedTimes = ServiceTimes(decode: DecodeParameters(alpha: 16, beta: 0.4),
                                        prefill: PrefillParameters(gamma: 10, delta: 0.006), inputTokens: 500, outputTokens: 300)
    static let iterationTimes = ServiceTimes(iteration: IterationParameters(alpha: 12, beta: 0.05, gamma: 0.0005, maxNumTokens: 8192),
                                             inputTokens: 128, outputTokens: 512)

    /// The per-iteration kind without KV-cache reads (`γ = 0`): every step costs the same for every request.
    static let iterationTimesWithoutReads = ServiceTimes(iteration: IterationParameters(alpha: 12, beta: 0.05, gamma: 0, maxNumTokens: 8192),
                                                         inputTokens: 128, outputTokens: 512)

    /// With a batch of one every step takes `s(1)`: every percentile of a request's ITL is `s(1)` at any load.
    /// (With `γ > 0` the per-iteration ITL also varies with the request's own lengths; see the simulation tests.)
    @Test(arguments: [0.5, 0.9, 0.99])
    func batchOfOneIsTheSingleStep(p: Double) throws {
        for times in [Self.seedTimes, Self.iterationTimesWithoutReads] {
            let model = QueueModel(times: times, batchLimit: 1)
            let single = times.seed.map { $0.decode.alpha + $0.decode.beta }
                ?? times.iteration!.itl(batch: 1, chunks: times.iteration!.chunkTable(upTo: 1)[1])
            let law = ITLDistribution(model: model)
            for load in [0.01, 0.5, 0.95, 2.0] {
                let rate = load * model.maxThroughputPerSecond
                #expect(abs(law.quantile(p, ratePerSecond: rate) - single) < 1e-12)
                #expect(law.attainment(itlMilliseconds: single, ratePerSecond: rate) == 1)
            }
            // Sized for any percentile, the rate is the mean's: the ITL does not depend on the load.
            var sizer = ReplicaSizer(target: SLOTarget(itlMilliseconds: single + 1, ttftMilliseconds: 2_000), percentile: .mean)
            let meanRate = try sizer.size(model).get().maxRatePerSecond
            sizer.itlPercentile = .quantile(p)
            // (The same up to rounding: `s(1)` comes out as a harmonic mean, which can move Brent's path by an ulp.)
            #expect(abs(try sizer.size(model).get().maxRatePerSecond - meanRate) < 1e-9 * meanRate)
        }
    }

    /// M/M/∞ (up `λ`, down `j·μ`), `f(j) = j`: the count is Poisson(ρ) and its autocovariance `ρ·e^{−μt}`,
    /// so `∫ Cov = ρ/μ`.
    @Test(arguments: [0.5, 5.0, 40.0])
    func autocorrelationOfAnInfiniteServerQueue(rho: Double) {
        let mu = 0.02, lambda = rho * mu
        let top = Int(rho + 20 * rho.squareRoot() + 40)
        var p = [1.0]
        for j in 1...top { p.append(p[j - 1] * lambda / (Double(j) * mu)) }
        let total = p.reduce(0, +)
        p = p.map { $0 / total }
        let f = (0...top).map(Double.init)
        let integral = ITLDistribution.integratedCovariance(p: p, f: f, mean: rho, upRate: lambda)
        #expect(abs(integral - rho / mu) < 1e-9 * rho / mu)
    }

    /// Two states (up `λ`, down `μ`), `f(j) = j`: autocovariance `π₀π₁·e^{−(λ+μ)t}`.
    @Test func autocorrelationOfTwoStates() {
        let lambda = 0.3, mu = 0.7
        let p = [mu / (lambda + mu), lambda / (lambda + mu)]
        let integral = ITLDistribution.integratedCovariance(p: p, f: [0, 1], mean: p[1], upRate: lambda)
        #expect(abs(integral - p[0] * p[1] / (lambda + mu)) < 1e-12)
    }

    /// `h(x)` against the variance of a window average, `(2/x²)∫₀ˣ (x − t)e^{−t} dt`, by the trapezoid rule.
    @Test(arguments: [1e-6, 0.01, 0.3, 1.0, 4.0, 50.0])
    func windowFactorMatchesTheIntegral(x: Double) {
        let steps = 200_000
        let dt = x / Double(steps)
        var sum = 0.0
        for i in 0...steps {
            let t = Double(i) * dt
            sum += (i == 0 || i == steps ? 0.5 : 1) * (x - t) * exp(-t) * dt
        }
        #expect(abs(ITLDistribution.windowFactor(x) - 2 * sum / (x * x)) < 1e-6)
    }

    /// A higher percentile asks more of the same replica: a lower `λ*`, and every percentile is below the mean's rate
    /// from the median up (the law is close to symmetric) — for both profile kinds, at two batch limits each.
    @Test func higherPercentileLowersTheRate() throws {
        for (times, target) in [(Self.seedTimes, 30.0), (Self.iterationTimes, 20.0)] {
            for limit in [24, 54] {
                let model = QueueModel(times: times, batchLimit: limit)
                var previous = Double.infinity
                for p in [0.6, 0.8, 0.9, 0.95, 0.99] {
                    var sizer = ReplicaSizer(target: SLOTarget(itlMilliseconds: target), percentile: .mean)
                    sizer.itlPercentile = .quantile(p)
                    guard case .success(let sized) = sizer.size(model) else { continue }
                    #expect(sized.maxRatePerSecond <= previous, "p\(p) at N = \(limit)")
                    previous = sized.maxRatePerSecond
                }
            }
        }
    }

    /// The quantile rises with the load and with the percentile, and inverts the attainment.
    @Test func quantileIsMonotoneAndInvertsTheAttainment() {
        for times in [Self.seedTimes, Self.iterationTimes] {
            let model = QueueModel(times: times, batchLimit: 54)
            let law = ITLDistribution(model: model)
            var previous = 0.0
            for load in stride(from: 0.05, through: 1.2, by: 0.05) {
                let rate = load * model.maxThroughputPerSecond
                let q90 = law.quantile(0.9, ratePerSecond: rate)
                #expect(q90 >= previous * (1 - 1e-8))
                previous = q90
                #expect(law.quantile(0.99, ratePerSecond: rate) >= q90)
                #expect(law.quantile(0.5, ratePerSecond: rate) <= q90)
                // Inverted where the law has a spread, inside the step range (outside it the law has its clamped
                // mass at the ends; with the batch always full it is one value).
                let steps = times.stepLaw(upTo: 54).steps
                if q90 > steps[0], q90 < steps[53], law.stepMoments(ratePerSecond: rate).batchVariance > 0 {
                    #expect(abs(law.attainment(itlMilliseconds: q90, ratePerSecond: rate) - 0.9) < 1e-6)
                }
            }
        }
    }
}
