import Foundation
import InfernoMIP
import Testing
@testable import InfernoSimulation

/// A wrong profile in the simulation: `trueProfiles` and `simulate --profile-error` make the emulated servers run
/// other parameters than the controller is given.
@Suite struct ProfileErrorTests {
    static let profile = ModelProfile(model: "m", accelerator: "acc", maxBatchSize: 16, atTokens: 512,
                                      decode: DecodeParameters(alpha: 10, beta: 0.2),
                                      prefill: PrefillParameters(gamma: 5, delta: 0.002))

    /// Mean ITL and TTFT of one replica over minutes 2 to 12 at `ratePerMinute`, its servers running `truth`.
    static func measured(truth: ModelProfile?, ratePerMinute: Double) throws -> MetricsWindow {
        var c = SimulatedCluster(nodes: [SimulatedNode(name: "n", gpus: ["G": 1])],
                                 accelerators: [Accelerator(name: "acc", type: "G", costPerHour: 1)],
                                 configuration: .init(startupDelaySeconds: 0, routing: .random, seed: 7))
        c.setLoad(.constant(model: "m", ratePerMinute: ratePerMinute, meanInputTokens: 200, meanOutputTokens: 100))
        var spec = SimulatedDeploymentSpec(namespace: "ns", name: "d", model: "m", accelerator: "acc",
                                           profiles: [profile], replicas: 1)
        spec.trueProfiles = truth.map { [$0] }
        try c.addDeployment(spec)
        c.advance(to: 120)
        let a = try c.metrics(namespace: "ns", name: "d")
        c.advance(to: 720)
        return MetricsWindow(from: a, to: try c.metrics(namespace: "ns", name: "d"), seconds: 600)
    }

    /// The servers follow the true profile, not the configured one: the measured latencies match the analyzer's
    /// prediction for the true profile (as docs/simulation.md measures for matched profiles) and not the
    /// configured one's.
    @Test(arguments: [0.67, 1.5, 2.0])
    func serversRunTheTrueProfile(factor: Double) throws {
        let truth = Self.profile.scaled(by: factor)
        let w = try Self.measured(truth: truth, ratePerMinute: 120)
        let load = Load(arrivalRatePerMinute: 120, meanInputTokens: 200, meanOutputTokens: 100)
        func predicted(_ p: ModelProfile) -> QueueMetrics {
            QueueModel(times: ServiceTimes(profile: p, load: load), batchLimit: p.memoryBoundBatchLimit(outputTokens: 100))
                .evaluate(ratePerSecond: 2)
        }
        let itl = try #require(w.itlMilliseconds)
        #expect(abs(itl / predicted(truth).itlMilliseconds - 1) < 0.1, "ITL \(itl) vs \(predicted(truth).itlMilliseconds)")
        #expect(abs(itl / predicted(Self.profile).itlMilliseconds - factor) < 0.15 * factor)
    }

    @Test func profileErrorScalesEveryVariantAndOneIsTheScenarioAsWritten() throws {
        let s = SimulationScenario.builtIn
        #expect(s.withProfileError(1) == s)
        let slow = s.withProfileError(1.5)
        for v in slow.variants {
            let truths = try #require(v.trueProfiles)
            #expect(truths.count == v.profiles.count)
            for (t, p) in zip(truths, v.profiles) {
                #expect(t.accelerator == p.accelerator && t.maxBatchSize == p.maxBatchSize)
                for (a, b) in zip(t.performance.coefficients, p.performance.coefficients) { #expect(abs(a - 1.5 * b) < 1e-9) }
            }
        }
        // A scenario's own true profile is scaled too, and the file round-trips.
        let twice = slow.withProfileError(2)
        #expect(abs(twice.variants[0].trueProfiles![0].performance.coefficients[0] - 3 * s.variants[0].profiles[0].performance.coefficients[0]) < 1e-9)
        let decoded = try JSONDecoder().decode(SimulationScenario.self, from: JSONEncoder().encode(slow))
        #expect(decoded == slow)
    }

    @Test func aTrueProfileForAnUnconfiguredAcceleratorIsNamed() throws {
        var s = SimulationScenario.builtIn
        var stray = s.variants[0].profiles[0]
        stray.accelerator = "H100"
        s.variants[0].trueProfiles = [stray]
        do {
            try s.validate()
            Issue.record("accepted a true profile for an accelerator without a configured one")
        } catch {
            let text = "\(error)"
            #expect(text.contains("trueProfiles") && text.contains("H100") && text.contains("llama-premium"), "\(text)")
        }
        s.variants[0].trueProfiles = [s.variants[0].profiles[0].scaled(by: -1)]
        #expect(throws: (any Error).self) { try s.validate() }
    }
}
