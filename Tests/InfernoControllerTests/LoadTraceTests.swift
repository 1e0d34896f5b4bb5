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

/// Load traces, arrivals and scenarios.
@Suite struct LoadTraceTests {
    static let trace = LoadTrace(model: "m", meanInputTokens: 100, meanOutputTokens: 50, segments: [
        .constant(ratePerMinute: 60, durationSeconds: 100),
        .ramp(fromPerMinute: 60, toPerMinute: 260, durationSeconds: 200),
        .step(fromPerMinute: 100, toPerMinute: 300, atSeconds: 50, durationSeconds: 100),
        .sine(meanPerMinute: 120, amplitudePerMinute: 60, periodSeconds: 40, phase: 0, durationSeconds: 80),
    ], bursts: [LoadBurst(startSeconds: 20, durationSeconds: 10, multiplier: 3)])

    @Test func rateFollowsTheSegments() {
        let t = Self.trace
        #expect(t.rate(at: 10) == 60)
        #expect(t.rate(at: 25) == 180)                   // burst
        #expect(t.rate(at: 200) == 160)                  // half-way up the ramp
        #expect(t.rate(at: 320) == 100 && t.rate(at: 360) == 300)
        #expect(abs(t.rate(at: 410) - 180) < 1e-9)      // sine crest, a quarter period in
        #expect(t.rate(at: 1000) == t.rate(at: 480))     // the last value holds
        #expect(t.durationSeconds == 480)
        #expect(t.maxRate(from: 0, to: 480) >= 300 && t.maxRate(from: 0, to: 19) == 60)
    }

    @Test func traceAndScenarioRoundTripThroughJSON() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let trace = try JSONDecoder().decode(LoadTrace.self, from: encoder.encode(Self.trace))
        #expect(trace == Self.trace)
        let scenario = try JSONDecoder().decode(SimulationScenario.self, from: encoder.encode(SimulationScenario.builtIn))
        #expect(scenario == SimulationScenario.builtIn)
    }

    /// A hand-written scenario: optional keys take their defaults.
    @Test func decodesAMinimalScenario() throws {
        let json = """
        {"name": "tiny", "seed": 3, "durationSeconds": 600, "startupDelaySeconds": 20,
         "nodes": [{"name": "n0", "gpus": {"NVIDIA-A100-PCIE-80GB": 2}}],
         "accelerators": [{"name": "A100", "type": "NVIDIA-A100-PCIE-80GB", "multiplicity": 1, "memoryGB": 80,
                           "costPerHour": 40}],
         "serviceClasses": [{"name": "Premium", "priority": 1,
                             "targets": {"m": {"itlMilliseconds": 30, "ttftMilliseconds": 500}}}],
         "variants": [{"name": "v", "namespace": "ns", "model": "m", "serviceClass": "Premium", "accelerator": "A100",
                       "initialReplicas": 1, "minReplicas": 1,
                       "profiles": [{"model": "m", "accelerator": "A100", "acceleratorCount": 1, "maxBatchSize": 32,
                                     "atTokens": 512, "decode": {"alpha": 20, "beta": 0.4},
                                     "prefill": {"gamma": 5, "delta": 0.01}}]}],
         "loads": [{"model": "m", "meanInputTokens": 300, "meanOutputTokens": 200,
                    "segments": [{"kind": "ramp", "fromPerMinute": 60, "toPerMinute": 600, "durationSeconds": 300}]}]}
        """
        let s = try JSONDecoder().decode(SimulationScenario.self, from: Data(json.utf8))
        #expect(s.routing == .loadAware && s.drainGraceSeconds == 30 && s.tokenLengths == .exponential)
        #expect(s.loads[0].bursts.isEmpty && s.loads[0].rate(at: 150) == 330)
        var cluster = try s.makeCluster()
        cluster.advance(to: 60)
        #expect(try cluster.deployment(namespace: "ns", name: "v").readyReplicas == 1)
    }

    @Test func validationNamesTheProblem() {
        var s = SimulationScenario.builtIn
        s.variants.append(s.variants[0])
        #expect(throws: SimulationError.invalidScenario("variant \"inference/llama-premium\" is defined twice")) {
            try s.validate()
        }
        s = SimulationScenario.builtIn
        s.variants[0].accelerator = "H100"
        #expect(throws: SimulationError.missingProfile(deployment: "inference/llama-premium", model: "llama-3.1-8b",
                                                       accelerator: "H100")) { try s.validate() }
    }

    /// Thinning reproduces the trace's integral: a ramp from 0 to 1200 req/min over 600 s offers 6,000
    /// requests (Poisson, sd about 77); a constant 600 req/min over 1,000 s offers 10,000 (sd 100).
    @Test func arrivalsFollowTheRate() {
        func count(_ trace: LoadTrace, until end: Double) -> Int {
            var arrivals = PoissonArrivals(trace: trace, tokenLengths: .fixed, rng: SplitMix64(seed: 2))
            var n = 0
            while let r = arrivals.next(), r.arrival < end { n += 1 }
            return n
        }
        let ramp = LoadTrace(model: "m", meanInputTokens: 10, meanOutputTokens: 10,
                             segments: [.ramp(fromPerMinute: 0, toPerMinute: 1200, durationSeconds: 600)])
        #expect(abs(count(ramp, until: 600) - 6000) < 300)
        #expect(abs(count(.constant(model: "m", ratePerMinute: 600, meanInputTokens: 1, meanOutputTokens: 1),
                          until: 1000) - 10_000) < 400)
        let firstHalf = LoadTrace(model: "m", meanInputTokens: 10, meanOutputTokens: 10,
                                  segments: [.constant(ratePerMinute: 600, durationSeconds: 100),
                                             .constant(ratePerMinute: 0, durationSeconds: 0)])
        var silent = PoissonArrivals(trace: firstHalf, tokenLengths: .fixed, rng: SplitMix64(seed: 2))
        var last = 0.0
        while let r = silent.next() { last = r.arrival }
        #expect(last < 100)   // and the generator ends: nothing arrives after a final zero rate
    }

    /// The built-in scenario is tight where it matters: at minute 13 the two variants pinned to the A100s (Premium
    /// llama, Freemium mixtral with two cards per replica) need more than the 6 A100 cards, while Premium llama
    /// alone fits; sizing with the analyzer (p95 TTFT, the profile's batch limit).
    @Test func builtInPeakExceedsCapacity() throws {
        let s = SimulationScenario.builtIn
        try s.validate()
        func cards(_ name: String, at t: Double) throws -> Int {
            let v = try #require(s.variants.first { $0.name == name })
            let load = s.load(of: v.model, at: t)
            let target = try #require(s.serviceClasses.first { $0.name == v.serviceClass }?.targets[v.model])
            let p = try #require(v.profiles.first { $0.accelerator == v.accelerator })
            let bound = p.memoryBoundBatchLimit(outputTokens: load.meanOutputTokens)
            let sizing = try ReplicaSizer(target: target, percentile: .seed)
                .chooseBatchLimit(times: ServiceTimes(profile: p, load: load), bound: bound, policy: .profile).get().sizing
            return Int(ceil(load.arrivalRatePerSecond / sizing.maxRatePerSecond)) * p.acceleratorCount
        }
        let a100 = s.capacity["NVIDIA-A100-PCIE-80GB"]
        #expect(a100 == 6)
        let llama = try cards("llama-premium", at: 13 * 60), mixtral = try cards("mixtral-freemium", at: 13 * 60)
        #expect(llama <= a100, "Premium alone fits: \(llama)")
        #expect(llama + mixtral > a100, "both do not: \(llama) + \(mixtral)")
        #expect(try cards("llama-premium", at: 60) + cards("mixtral-freemium", at: 60) <= a100, "off-peak both fit")
        let total = s.loads.reduce(0) { $0 + $1.rate(at: 13 * 60) } / 60
        #expect(total > 35 && total < 70)   // requests per second at the peak
    }

    /// 30 simulated minutes of the built-in scenario with every card in use and no controller: llama on 4 A100
    /// plus a second llama deployment on 4 Gaudi-2 (the router spreads the model over both), granite and mixtral
    /// on 2 MI300X each. Prints the wall time: a closed-loop run simulates this much traffic.
    @Test func builtInThirtyMinutes() throws {
        let s = SimulationScenario.builtIn
        var c = try s.makeCluster()
        try c.scale(namespace: "inference", name: "llama-premium", replicas: 4)
        try c.scale(namespace: "inference", name: "granite-premium", replicas: 2)
        try c.scale(namespace: "inference", name: "mixtral-freemium", replicas: 2)
        try c.setAccelerator(namespace: "inference", name: "mixtral-freemium", accelerator: "MI300X")
        let llama = try #require(s.variants.first { $0.name == "llama-premium" })
        try c.addDeployment(SimulatedDeploymentSpec(namespace: "inference", name: "llama-g2", model: llama.model,
                                                    accelerator: "G2", profiles: llama.profiles, replicas: 4))
        let clock = ContinuousClock()
        let elapsed = clock.measure { c.advance(to: s.durationSeconds) }
        let arrivals = c.modelTraffic.reduce(0) { $0 + $1.arrivals }
        var expected = 0.0
        for t in stride(from: 0.5, to: s.durationSeconds, by: 1) { expected += s.loads.reduce(0) { $0 + $1.rate(at: t) } / 60 }
        #expect(abs(Double(arrivals) / expected - 1) < 0.02)
        #expect(c.freeCardsByType["AMD-MI300X-192G"] == 0 && c.freeCardsByType["Intel-Gaudi-2-96GB"] == 0)
        var lines = ["built-in, 30 simulated minutes, \(arrivals) arrivals, wall \(elapsed)"]
        for d in c.deployments {
            let m = try c.metrics(namespace: d.namespace, name: d.name)
            lines.append(String(format: "  %@: %d ready on %@, completed %d, rejected %d, TTFT %.0f ms, ITL %.1f ms, cost $%.2f",
                                d.name, d.readyReplicas, d.accelerator, m.requestSuccessTotal, m.requestsRejectedTotal,
                                1000 * m.ttftSecondsSum / Double(max(1, m.ttftCount)),
                                1000 * m.timePerOutputTokenSecondsSum / Double(max(1, m.timePerOutputTokenCount)), d.cost))
        }
        print(lines.joined(separator: "\n"))
    }
}
