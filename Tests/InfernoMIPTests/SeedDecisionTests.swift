import Testing
@testable import InfernoMIP

/// The decisions logged in the seed README (shared/seed): the demo model on A100, keepAccelerator,
/// 228 output tokens, TTFT 500 ms and ITL 24 ms at the 95th percentile, batch limit 4 (server override).
@Suite struct SeedDecisionTests {
    static func demoSystem(ratePerMinute: Double) -> SystemSpec {
        let accelerators = [
            Accelerator(name: "A100", type: "NVIDIA-A100-PCIE-80GB", costPerHour: 40),
            Accelerator(name: "G2", type: "Intel-Gaudi-2-96GB", costPerHour: 23),
            Accelerator(name: "MI300X", type: "AMD-MI300X-192GB", costPerHour: 65),
        ]
        let profiles = [
            ModelProfile(model: "default/default", accelerator: "A100", maxBatchSize: 4, atTokens: 128,
                         decode: DecodeParameters(alpha: 20.58, beta: 0.41)),
            ModelProfile(model: "default/default", accelerator: "MI300X", maxBatchSize: 4, atTokens: 128,
                         decode: DecodeParameters(alpha: 7.77, beta: 0.15)),
            ModelProfile(model: "default/default", accelerator: "G2", maxBatchSize: 4, atTokens: 128,
                         decode: DecodeParameters(alpha: 17.15, beta: 0.34)),
        ]
        let premium = ServiceClass(name: "Premium", priority: 1,
                                   targets: ["default/default": SLOTarget(itlMilliseconds: 24, ttftMilliseconds: 500)])
        let server = Server(name: "vllme-deployment:llm-d-sim", serviceClass: "Premium", model: "default/default",
                            load: Load(arrivalRatePerMinute: ratePerMinute, meanInputTokens: 0, meanOutputTokens: 228),
                            current: Allocation(accelerator: "A100", replicas: 1, batchLimit: 256, cost: 40),
                            minReplicas: 1, maxBatchSizeOverride: 4, keepAccelerator: true)
        return SystemSpec(accelerators: accelerators, profiles: profiles, serviceClasses: [premium], servers: [server],
                          capacity: Capacity(["NVIDIA-A100-PCIE-80GB": 2, "AMD-MI300X-192GB": 2, "Intel-Gaudi-2-96GB": 2]))
    }

    func onlyCandidate(_ rate: Double, policy: BatchLimitPolicy = .profile) throws -> Candidate {
        let gen = CandidateGenerator(system: Self.demoSystem(ratePerMinute: rate),
                                     settings: AnalyzerSettings(percentile: .seed, batchLimitPolicy: policy))
        let sc = gen.candidates(for: gen.system.servers[0])
        #expect(sc.candidates.count == 1, "keepAccelerator leaves only A100")
        return try #require(sc.candidates.first)
    }

    @Test func twentyRequestsPerMinuteNeedTwoReplicas() throws {
        let c = try onlyCandidate(20)
        #expect(c.accelerator == "A100")
        #expect(c.replicasNeeded == 2)
        #expect(c.batchLimit == 4)
        #expect(abs(c.itlMilliseconds - 21.32) / 21.32 < 0.01)
        // Mean wait about 17 ms: with no prefill term the TTFT is the wait.
        #expect(abs(c.ttftMilliseconds - 17.2) < 1.5)
    }

    @Test func peakRateStillFitsOnTwoReplicas() throws {
        let c = try onlyCandidate(35.61)
        #expect(c.replicasNeeded == 2)
        #expect(abs(c.itlMilliseconds - 21.56) / 21.56 < 0.01)
        #expect(c.ttftMilliseconds > 135 && c.ttftMilliseconds < 155)
    }

    @Test func sizedOnTheMeanTwentyFitsOnOneReplica() throws {
        let gen = CandidateGenerator(system: Self.demoSystem(ratePerMinute: 20),
                                     settings: AnalyzerSettings(percentile: .mean, batchLimitPolicy: .profile))
        let c = try #require(gen.candidates(for: gen.system.servers[0]).candidates.first)
        #expect(c.replicasNeeded == 1)
        #expect(abs(c.ttftMilliseconds - 219) < 10)
    }

    @Test func zeroLoadGetsMinReplicas() throws {
        let c = try onlyCandidate(0)
        #expect(c.replicasNeeded == 1)
        #expect(abs(c.itlMilliseconds - 20.99) < 1e-9)
    }
}
