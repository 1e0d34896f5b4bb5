import Foundation
import Testing
import InfernoMIP
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

/// The emulated replica against the analyzer and against closed forms, and the reproducibility of runs.
@Suite struct SimulationTests {
    /// A (profile, load) pair for the comparison, its load set by the analyzer's utilisation.
    struct AgreementCase: Sendable, CustomStringConvertible {
        var name: String
        var profile: ModelProfile
        var inputTokens: Double
        var outputTokens: Double
        var utilisation: Double
        var requests: Int

        var batchLimit: Int { profile.memoryBoundBatchLimit(outputTokens: outputTokens) }
        var queue: QueueModel {
            QueueModel(times: ServiceTimes(performance: profile.performance,
                                           inputTokens: inputTokens, outputTokens: outputTokens),
                       batchLimit: batchLimit)
        }
        /// The rate at which the analyzer predicts ``utilisation`` (bisection; utilisation rises with the rate).
        var ratePerSecond: Double {
            let q = queue
            var lo = 0.0, hi = q.maxThroughputPerSecond
            for _ in 0..<60 {
                let mid = (lo + hi) / 2
                if q.evaluate(ratePerSecond: mid).utilisation < utilisation { lo = mid } else { hi = mid }
            }
            return lo
        }
        var load: Load {
            Load(arrivalRatePerMinute: ratePerSecond * 60, meanInputTokens: inputTokens, meanOutputTokens: outputTokens)
        }
        var description: String { "\(name) u=\(utilisation)" }
    }

    static func builtInProfile(_ model: String, _ accelerator: String) -> ModelProfile {
        SimulationScenario.builtIn.variants.flatMap(\.profiles).first { $0.model == model && $0.accelerator == accelerator }!
    }

    /// The seed's demo model on MI300X (docs/model.md): a small batch, so queueing dominates TTFT.
    static let demo = ModelProfile(model: "demo", accelerator: "MI300X", maxBatchSize: 4, atTokens: 128,
                                   decode: DecodeParameters(alpha: 7.77, beta: 0.15))

    /// Asserted cases, utilisation 0.2 to 0.8. Sample sizes: 20,000 requests where TTFT is mostly prefill,
    /// 50,000 where it is mostly queue wait (that estimate converges slowly: waits come in long, correlated
    /// congestion episodes).
    static let cases: [AgreementCase] = [
        AgreementCase(name: "llama-3.1-8b/MI300X", profile: builtInProfile("llama-3.1-8b", "MI300X"),
                      inputTokens: 500, outputTokens: 300, utilisation: 0.2, requests: 20_000),
        AgreementCase(name: "llama-3.1-8b/A100", profile: builtInProfile("llama-3.1-8b", "A100"),
                      inputTokens: 500, outputTokens: 300, utilisation: 0.5, requests: 20_000),
        AgreementCase(name: "granite-13b/MI300X", profile: builtInProfile("granite-13b", "MI300X"),
                      inputTokens: 800, outputTokens: 400, utilisation: 0.6, requests: 20_000),
        AgreementCase(name: "mixtral-8x7b/G2", profile: builtInProfile("mixtral-8x7b", "G2"),
                      inputTokens: 1200, outputTokens: 400, utilisation: 0.7, requests: 50_000),
        AgreementCase(name: "demo/MI300X", profile: demo, inputTokens: 128, outputTokens: 128,
                      utilisation: 0.8, requests: 50_000),
    ]

    /// Reported, not asserted: a large batch (68) at utilisation 0.8. Its mean wait hangs on rare congestion
    /// episodes and on the realised load (0.786 against 0.806 moved it from 167 to 283 ms), so even at 200,000
    /// requests eight seeds spread from -22% to +10% around the prediction (their mean: -1.7%).
    static let reportedOnly = AgreementCase(name: "llama-3.1-8b/G2", profile: builtInProfile("llama-3.1-8b", "G2"),
                                            inputTokens: 500, outputTokens: 300, utilisation: 0.8, requests: 20_000)

    static func gap(_ simulated: Double, _ predicted: Double) -> Double { simulated / predicted - 1 }

    /// Analyzer versus simulation below saturation, batch and queue limits equal on both sides. With
    /// exponential output lengths (the analyzer's assumption) the test asserts
    /// - ITL within 5%: the decode step at the mean batch size; measured gaps stay within 2% (the analyzer
    ///   takes the step at the *mean* concurrency, the simulation averages it over tokens);
    /// - TTFT within 25%: where TTFT is mostly prefill the gaps are within 3%; where it is mostly queue wait,
    ///   eight seeds at 50,000 requests spread by up to ±17% (mixtral) and ±12% (demo) around the prediction,
    ///   and at 200,000 requests their means are within 3% of it, so 25% separates a bug from sampling noise;
    /// - the simulated batch occupancy within 0.03 of the predicted utilisation.
    /// Fixed output lengths are reported, not asserted: service times vary far less than exponential ones,
    /// so waits are shorter than predicted (M/D/c against M/M/c).
    @Test func analyzerAgreesWithSimulation() {
        var table = ["| profile | N | load req/s | util | lengths | TTFT pred ms | TTFT sim ms | gap | ITL pred ms | ITL sim ms | gap |",
                     "|---|---|---|---|---|---|---|---|---|---|---|"]
        for c in Self.cases + [Self.reportedOnly] {
            let asserted = c.name != Self.reportedOnly.name
            let predicted = c.queue.evaluate(ratePerSecond: c.ratePerSecond)
            for lengths in [TokenLengths.exponential, TokenLengths(input: .exponential, output: .fixed)] {
                let requests = lengths.output == .fixed ? min(c.requests, 20_000) : c.requests
                let simulated = ReplicaExperiment(profile: c.profile, load: c.load, batchLimit: c.batchLimit,
                                                  tokenLengths: lengths, requests: requests, seed: 7).run()
                let ttftGap = Self.gap(simulated.ttftMilliseconds, predicted.ttftMilliseconds)
                let itlGap = Self.gap(simulated.itlMilliseconds, predicted.itlMilliseconds)
                table.append(String(
                    format: "| %@ | %d | %.2f | %.2f | %@ | %.1f | %.1f | %+.1f%% | %.2f | %.2f | %+.1f%% |",
                    c.name + (asserted ? "" : " (not asserted)"), c.batchLimit, c.ratePerSecond, c.utilisation, lengths.output.rawValue,
                    predicted.ttftMilliseconds, simulated.ttftMilliseconds, 100 * ttftGap,
                    predicted.itlMilliseconds, simulated.itlMilliseconds, 100 * itlGap))
                if asserted && lengths.output == .exponential {
                    #expect(abs(itlGap) < 0.05, "ITL \(c)")
                    #expect(abs(ttftGap) < 0.25, "TTFT \(c)")
                    #expect(abs(simulated.utilisation - c.utilisation) < 0.03, "utilisation \(c)")
                }
            }
        }
        print(table.joined(separator: "\n"))
    }

    /// Less variable service queues less: with fixed lengths the mean wait is below the exponential one
    /// (demo profile, batch 4, utilisation 0.8, 20,000 requests each).
    @Test func fixedLengthsWaitLessThanExponential() {
        let c = AgreementCase(name: "demo", profile: Self.demo, inputTokens: 128, outputTokens: 128,
                              utilisation: 0.8, requests: 20_000)
        let run = { (lengths: TokenLengths) in
            ReplicaExperiment(profile: c.profile, load: c.load, tokenLengths: lengths, requests: c.requests, seed: 3).run()
        }
        let exponential = run(.exponential), fixed = run(.fixed)
        #expect(fixed.waitMilliseconds < 0.75 * exponential.waitMilliseconds)
    }

    /// Closed forms of M/M/1/K (capacity K including the one in service): blocking and mean in system.
    static func mm1k(rho: Double, k: Int) -> (blocking: Double, meanInSystem: Double) {
        let kd = Double(k)
        let blocking = (1 - rho) * pow(rho, kd) / (1 - pow(rho, kd + 1))
        let l = rho / (1 - rho) - (kd + 1) * pow(rho, kd + 1) / (1 - pow(rho, kd + 1))
        return (blocking, l)
    }

    /// N = 1 with (nearly) exponential service is M/M/1/K: no prefill, one decode step of 1 ms per token,
    /// geometric output lengths of mean 501 (500 steps; the geometric's squared coefficient of variation is
    /// 1.002), Q = 10 so K = 11, rho = 0.5, 50,000 requests. The mean response time (Little: L / X) must be
    /// within 3% of the closed form; the sampling error of the mean at rho = 0.5 is about 1.2% (one standard
    /// deviation), so 3% is 2.5 of them. The blocking probability is checked loosely (it is about 0.03%).
    @Test func singleSlotMatchesMM1K() {
        let profile = ModelProfile(model: "mm1", accelerator: "x", maxBatchSize: 1, atTokens: 1,
                                   decode: DecodeParameters(alpha: 1, beta: 0))
        let serviceSeconds = 0.5, rho = 0.5, queue = 10
        let rate = rho / serviceSeconds
        let load = Load(arrivalRatePerMinute: rate * 60, meanInputTokens: 0, meanOutputTokens: 501)
        let result = ReplicaExperiment(profile: profile, load: load, batchLimit: 1, queueLimit: queue,
                                       requests: 50_000, seed: 11).run()
        let truth = Self.mm1k(rho: rho, k: queue + 1)
        let responseSeconds = truth.meanInSystem / (rate * (1 - truth.blocking))
        let simulatedSeconds = result.responseMilliseconds / 1000
        print(String(format: "M/M/1/K rho=%.2f K=%d: response %.4f s simulated vs %.4f s closed form (%+.2f%%); "
                     + "blocking %.5f vs %.5f; L %.4f vs %.4f", rho, queue + 1, simulatedSeconds, responseSeconds,
                     100 * Self.gap(simulatedSeconds, responseSeconds), result.rejectedFraction, truth.blocking,
                     result.meanInSystem, truth.meanInSystem))
        #expect(abs(Self.gap(simulatedSeconds, responseSeconds)) < 0.03)
        #expect(abs(Self.gap(result.meanInSystem, truth.meanInSystem)) < 0.03)
        #expect(result.rejectedFraction < 5 * truth.blocking)
        // The analyzer agrees with the same closed form (it is exact for this chain).
        let analyzer = QueueModel(times: ServiceTimes(profile: profile, load: load), batchLimit: 1, queueLimit: queue)
            .evaluate(ratePerSecond: rate)
        #expect(abs(Self.gap(analyzer.responseTimeMilliseconds / 1000, responseSeconds)) < 1e-9)
    }

    /// The server's counters are consistent with what it was given.
    @Test func serverCountersAddUp() {
        let c = Self.cases[0]
        let r = ReplicaExperiment(profile: c.profile, load: c.load, batchLimit: c.batchLimit, requests: 5_000,
                                  warmupRequests: 0, seed: 5).run()
        let m = r.metrics
        #expect(m.requestsReceivedTotal == 5_000)
        #expect(m.requestSuccessTotal + m.numRequestsRunning + m.numRequestsWaiting + m.requestsRejectedTotal == 5_000)
        #expect(m.promptTokensCount == m.requestSuccessTotal && m.generationTokensCount == m.requestSuccessTotal)
        #expect(m.timePerOutputTokenCount == m.generationTokensSum - m.generationTokensCount)
        #expect(m.timeToFirstToken.cumulativeCounts.last == m.ttftCount)
        #expect(m.ttftCount >= m.requestSuccessTotal)
        let meanOut = Double(m.generationTokensSum) / Double(m.generationTokensCount)
        #expect(abs(meanOut / c.outputTokens - 1) < 0.05)
    }

    static func runBuiltIn(seed: UInt64, minutes: Double) throws -> ([VLLMMetrics], [ModelTrafficSnapshot]) {
        var scenario = SimulationScenario.builtIn
        scenario.seed = seed
        var cluster = try scenario.makeCluster()
        cluster.advance(to: 60)
        try cluster.scale(namespace: "inference", name: "llama-premium", replicas: 3)
        cluster.advance(to: minutes * 60)
        let metrics = try cluster.deployments.map { try cluster.metrics(namespace: $0.namespace, name: $0.name) }
        return (metrics, cluster.modelTraffic)
    }

    /// Same seed, same run bit for bit; another seed, another run (6 simulated minutes of the built-in scenario).
    @Test func seedDeterminesTheRun() throws {
        let a = try Self.runBuiltIn(seed: 42, minutes: 6)
        let b = try Self.runBuiltIn(seed: 42, minutes: 6)
        let c = try Self.runBuiltIn(seed: 43, minutes: 6)
        #expect(a.0 == b.0)
        #expect(a.1 == b.1)
        #expect(a.0 != c.0)
        #expect(a.1 != c.1)
        #expect(a.0.allSatisfy { $0.requestSuccessTotal > 0 })
    }

    /// The seeded generator's helpers have the means they promise (100,000 draws each).
    @Test func randomHelpersHaveTheirMeans() {
        var rng = SplitMix64(seed: 1)
        let n = 100_000
        var exp = 0.0, geo = 0, poisson = 0, round = 0
        for _ in 0..<n {
            exp += rng.nextExponential(mean: 2)
            geo += rng.nextGeometric(mean: 299)
            poisson += rng.nextPoisson(mean: 3.5)
            round += rng.nextStochasticRound(2.25)
        }
        #expect(abs(exp / Double(n) / 2 - 1) < 0.02)
        #expect(abs(Double(geo) / Double(n) / 299 - 1) < 0.02)
        #expect(abs(Double(poisson) / Double(n) / 3.5 - 1) < 0.02)
        #expect(abs(Double(round) / Double(n) / 2.25 - 1) < 0.01)
        var a = SplitMix64(seed: 9, stream: "x"), b = SplitMix64(seed: 9, stream: "x"), c = SplitMix64(seed: 9, stream: "y")
        let first = a.next()
        #expect(first == b.next())
        #expect(first != c.next())
    }
}
