import Foundation
import Testing
@testable import InfernoMIP

/// The state-dependent queue against its stationary distribution computed state by state, the plainest way: every
/// state `0 ... N + Q` in log space, no lanes, no closed-form tail, no states left out. Covers what the M/M/1/K
/// closed forms (`QueueModelTests`, batch limit 1) do not reach: the four-lane head (limits of 16 and more), the
/// head cut past the mode, and the geometric tail on both sides of saturation.
@Suite struct BirthDeathTests {
    /// `(blocking, mean in system, mean in service)` from `p(n) ∝ prod_{k=1..n} lambda / mu(min(k, N))`, with
    /// `mu(b) = b / T(b)` taken from the service times themselves, not from the model's rate table.
    static func direct(_ model: QueueModel, ratePerSecond: Double) -> (Double, Double, Double) {
        let lambda = ratePerSecond / 1000
        let n = model.batchLimit, last = n + model.queueLimit
        let serviceTimes = model.times.serviceTimes(upTo: n)
        var logWeights = [0.0]
        for k in 1...last {
            let b = min(k, n)
            logWeights.append(logWeights[k - 1] + log(lambda * serviceTimes[b - 1] / Double(b)))
        }
        let top = logWeights.max()!
        let weights = logWeights.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        var inSystem = 0.0, inService = 0.0
        for (k, w) in weights.enumerated() {
            inSystem += Double(k) * w
            inService += Double(min(k, n)) * w
        }
        return (weights[last] / total, inSystem / total, inService / total)
    }

    static let shapes: [ServiceTimes] = [
        ServiceTimes(decode: DecodeParameters(alpha: 12, beta: 0.3), prefill: PrefillParameters(gamma: 20, delta: 0.01),
                     inputTokens: 800, outputTokens: 300),
        ServiceTimes(decode: DecodeParameters(alpha: 6, beta: 0.05), prefill: PrefillParameters(gamma: 5, delta: 0.002),
                     inputTokens: 4000, outputTokens: 40),
    ]

    @Test(arguments: [1, 8, 16, 17, 64, 301], [0.02, 0.3, 0.9, 0.999, 1.0, 1.3, 4.0])
    func evaluateMatchesTheDirectDistribution(batchLimit: Int, load: Double) {
        for times in Self.shapes {
            for queue in [0, 3, 10 * batchLimit] {
                let model = QueueModel(times: times, batchLimit: batchLimit, queueLimit: queue)
                let rate = load * model.maxThroughputPerSecond
                let m = model.evaluate(ratePerSecond: rate)
                let (blocking, inSystem, inService) = Self.direct(model, ratePerSecond: rate)
                let context = "N=\(batchLimit) Q=\(queue) load=\(load)"
                #expect(abs(m.blockingProbability - blocking) <= 1e-12 + 1e-9 * blocking, "\(context)")
                #expect(abs(m.meanInSystem - inSystem) <= 1e-9 * max(1, inSystem), "\(context)")
                #expect(abs(m.meanInService - inService) <= 1e-9 * max(1, inService), "\(context)")
            }
        }
    }
}
