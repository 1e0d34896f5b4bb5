import Foundation
import Testing
@testable import InfernoMIP

/// The queue model against independent truth: M/M/1/K closed forms, the M/M/1 limit, monotonicity.
@Suite struct QueueModelTests {
    /// N = 1: one request at a time with a constant service time, the textbook M/M/1/K with K = 1 + Q.
    static func singleServer(serviceMs: Double, queue: Int) -> QueueModel {
        // I = 0, O = 2: one decode step of alpha = serviceMs (beta = 0).
        let times = ServiceTimes(decode: DecodeParameters(alpha: serviceMs, beta: 0), prefill: .zero,
                                 inputTokens: 0, outputTokens: 2)
        return QueueModel(times: times, batchLimit: 1, queueLimit: queue)
    }

    /// Closed forms of M/M/1/K (capacity K including the one in service).
    static func mm1k(rho: Double, k: Int) -> (blocking: Double, meanInSystem: Double) {
        let kd = Double(k)
        if abs(rho - 1) < 1e-12 { return (1 / (kd + 1), kd / 2) }
        if rho > 1 {
            // The same forms divided through by rho^(K+1), so they do not overflow.
            let s = 1 / rho
            return ((rho - 1) * s / (1 - pow(s, kd + 1)), rho / (1 - rho) + (kd + 1) / (1 - pow(s, kd + 1)))
        }
        let blocking = (1 - rho) * pow(rho, kd) / (1 - pow(rho, kd + 1))
        let l = rho / (1 - rho) - (kd + 1) * pow(rho, kd + 1) / (1 - pow(rho, kd + 1))
        return (blocking, l)
    }

    func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

    @Test(arguments: [0.05, 0.5, 0.9, 0.999, 1.0, 1.2, 3.0], [0, 1, 7, 60, 2000])
    func singleServerMatchesMM1K(rho: Double, queue: Int) {
        let serviceMs = 40.0
        let model = Self.singleServer(serviceMs: serviceMs, queue: queue)
        let mu = 1000 / serviceMs   // per second
        let m = model.evaluate(ratePerSecond: rho * mu)
        let truth = Self.mm1k(rho: rho, k: queue + 1)
        let throughput = rho * mu * (1 - truth.blocking)
        #expect(relative(m.blockingProbability, truth.blocking) < 1e-9)
        #expect(relative(m.meanInSystem, truth.meanInSystem) < 1e-9)
        #expect(relative(m.throughputPerSecond, throughput) < 1e-9)
        #expect(relative(m.responseTimeMilliseconds, truth.meanInSystem / throughput * 1000) < 1e-9)
        // Every completion takes exactly the service time.
        #expect(relative(m.serviceTimeMilliseconds, serviceMs) < 1e-9)
    }

    @Test func largeQueueAtLowLoadApproachesMM1() {
        let model = Self.singleServer(serviceMs: 10, queue: 5000)
        for rho in [0.1, 0.5, 0.8] {
            let m = model.evaluate(ratePerSecond: rho * 100)
            #expect(relative(m.meanInSystem, rho / (1 - rho)) < 1e-9)
            #expect(relative(m.waitMilliseconds, rho / (1 - rho) * 10) < 1e-9)
        }
    }

    @Test func metricsRiseWithRate() {
        let times = ServiceTimes(decode: DecodeParameters(alpha: 12, beta: 0.3),
                                 prefill: PrefillParameters(gamma: 20, delta: 0.01), inputTokens: 800, outputTokens: 300)
        let model = QueueModel(times: times, batchLimit: 64)
        var previous = model.evaluate(ratePerSecond: 1e-6)
        let top = model.maxThroughputPerSecond * 1.3
        for i in 1...400 {
            let m = model.evaluate(ratePerSecond: top * Double(i) / 400)
            #expect(m.ttftMilliseconds >= previous.ttftMilliseconds - 1e-9)
            #expect(m.itlMilliseconds >= previous.itlMilliseconds - 1e-9)
            #expect(m.waitMilliseconds >= previous.waitMilliseconds - 1e-9)
            #expect(m.throughputPerSecond >= previous.throughputPerSecond - 1e-9)
            previous = m
        }
    }

    @Test func extremeInputsStayFinite() {
        var checked = 0
        for alpha in [0.1, 5, 500] {
            for batch in [1, 16, 1024] {
                for tokens in [1.0, 512, 32_000] {
                    let times = ServiceTimes(decode: DecodeParameters(alpha: alpha, beta: alpha / 50),
                                             prefill: PrefillParameters(gamma: alpha, delta: 0.001),
                                             inputTokens: tokens, outputTokens: tokens)
                    let model = QueueModel(times: times, batchLimit: batch)
                    let top = model.maxThroughputPerSecond
                    for rate in [1e-6, top * 1e-3, top * 0.5, top * 0.999, top, top * 10] {
                        let m = model.evaluate(ratePerSecond: rate)
                        for v in [m.ttftMilliseconds, m.itlMilliseconds, m.waitMilliseconds, m.throughputPerSecond,
                                  m.meanInSystem, m.concurrency, m.utilisation, m.blockingProbability] {
                            #expect(v.isFinite && v >= 0, "alpha \(alpha) batch \(batch) tokens \(tokens) rate \(rate)")
                        }
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == 162)
    }
}

@Suite struct SizingTests {
    static let times = ServiceTimes(decode: DecodeParameters(alpha: 15, beta: 0.25),
                                    prefill: PrefillParameters(gamma: 30, delta: 0.02), inputTokens: 600, outputTokens: 250)

    @Test(arguments: [SLOPercentile.mean, .seed])
    func sizedRateMeetsTargetsAndOnePercentMoreMisses(percentile: SLOPercentile) throws {
        for (itl, ttft) in [(22.0, 2000.0), (40.0, 400.0), (30.0, 900.0)] {
            let sizer = ReplicaSizer(target: SLOTarget(itlMilliseconds: itl, ttftMilliseconds: ttft), percentile: percentile)
            let model = QueueModel(times: Self.times, batchLimit: 48)
            let s = try sizer.size(model).get()
            let at = model.evaluate(ratePerSecond: s.maxRatePerSecond)
            #expect(at.itlMilliseconds <= itl + 1e-9)
            #expect(percentile.ttft(at) <= ttft + 1e-9)
            #expect(s.bindingLimit != .stability, "bound is interior for these targets")
            let above = model.evaluate(ratePerSecond: s.maxRatePerSecond * 1.01)
            #expect(above.itlMilliseconds > itl || percentile.ttft(above) > ttft)
            #expect(s.evaluations < 40)
        }
    }

    @Test func unreachableTargetIsAFailureWithAReason() {
        let sizer = ReplicaSizer(target: SLOTarget(itlMilliseconds: 10), percentile: .mean)
        let result = sizer.size(QueueModel(times: Self.times, batchLimit: 8))
        guard case .failure(let f) = result else { Issue.record("expected failure"); return }
        #expect(f.description.contains("ITL"))
    }

    /// The binary search over batch limits against trying every limit.
    @Test func batchLimitSearchMatchesExhaustiveSearch() throws {
        let profiles: [(DecodeParameters, PrefillParameters, Double, Double, SLOTarget)] = [
            (.init(alpha: 15, beta: 0.25), .init(gamma: 30, delta: 0.02), 600, 250, .init(itlMilliseconds: 30, ttftMilliseconds: 900)),
            (.init(alpha: 8, beta: 0.1), .init(gamma: 10, delta: 0.005), 2000, 120, .init(itlMilliseconds: 12, ttftMilliseconds: 300)),
            (.init(alpha: 60, beta: 1.5), .init(gamma: 80, delta: 0.05), 300, 600, .init(itlMilliseconds: 150, ttftMilliseconds: 3000)),
            (.init(alpha: 20.58, beta: 0.41), .zero, 0, 228, .init(itlMilliseconds: 24, ttftMilliseconds: 500)),
        ]
        for (decode, prefill, input, output, target) in profiles {
            let times = ServiceTimes(decode: decode, prefill: prefill, inputTokens: input, outputTokens: output)
            let sizer = ReplicaSizer(target: target, percentile: .seed)
            let bound = 128
            let chosen = try sizer.chooseBatchLimit(times: times, bound: bound, policy: .search).get()
            var best = 0.0
            for n in 1...bound {
                if case .success(let s) = sizer.size(QueueModel(times: times, batchLimit: n)) { best = max(best, s.maxRatePerSecond) }
            }
            #expect(chosen.sizing.maxRatePerSecond >= best * 0.99, "\(decode): \(chosen.sizing.maxRatePerSecond) vs \(best)")
            #expect(chosen.sizings <= 12)
        }
    }
}

@Suite struct CandidateTests {
    /// One model on one 2-card accelerator, no SLO targets: lambda* is the stability bound (1 - 0.001) * mu(N).
    static func system(rate: Double, minReplicas: Int = 0, target: SLOTarget = SLOTarget()) -> SystemSpec {
        SystemSpec(
            accelerators: [Accelerator(name: "2xL4", type: "L4", multiplicity: 2, costPerHour: 3)],
            profiles: [ModelProfile(model: "m", accelerator: "2xL4", acceleratorCount: 2, maxBatchSize: 4, atTokens: 11,
                                    decode: DecodeParameters(alpha: 10, beta: 1))],
            serviceClasses: [ServiceClass(name: "gold", priority: 1, targets: ["m": target])],
            servers: [Server(name: "s", serviceClass: "gold", model: "m",
                             load: Load(arrivalRatePerMinute: rate * 60, meanInputTokens: 0, meanOutputTokens: 11),
                             minReplicas: minReplicas)],
            capacity: Capacity(["L4": 100]))
    }

    @Test func handCheckedReplicasAndCost() throws {
        // N = 4 * 11 / 11 = 4; T(4) = 10 decode steps of (10 + 4) ms = 140 ms; mu(4) = 4 / 0.140 s = 28.571/s.
        // lambda* = 0.999 * 28.571 = 28.543/s; 100 req/s needs ceil(3.503) = 4 replicas.
        let gen = CandidateGenerator(system: Self.system(rate: 100), settings: AnalyzerSettings(batchLimitPolicy: .profile))
        let c = try #require(gen.candidates(for: gen.system.servers[0]).candidates.first)
        #expect(c.batchLimit == 4)
        #expect(abs(c.ratePerReplica - 0.999 * 4 / 0.140) < 1e-9)
        #expect(c.replicasNeeded == 4)
        #expect(c.unitsPerReplica == 4)          // accCount 2 × multiplicity 2
        #expect(c.costPerReplica == 6)           // accCount 2 × 3 per accelerator
        #expect(c.cost == 24)
        #expect(c.units == 16)
    }

    @Test func zeroLoadGivesMinReplicas() throws {
        for m in [0, 2] {
            let gen = CandidateGenerator(system: Self.system(rate: 0, minReplicas: m))
            let c = try #require(gen.candidates(for: gen.system.servers[0]).candidates.first)
            #expect(c.replicasNeeded == m)
        }
    }

    @Test func infeasibleSLOGivesNoCandidateAndAReason() {
        // ITL can never be below alpha + beta = 11 ms.
        let gen = CandidateGenerator(system: Self.system(rate: 5, target: SLOTarget(itlMilliseconds: 10.5)))
        let sc = gen.candidates(for: gen.system.servers[0])
        #expect(sc.candidates.isEmpty)
        #expect(sc.rejections.count == 1)
        #expect(sc.rejections.first?.reason.contains("ITL") == true)
    }

    @Test func parallelGenerationEqualsSerial() {
        var system = Self.system(rate: 3, target: SLOTarget(itlMilliseconds: 14, ttftMilliseconds: 400))
        let base = system.servers[0]
        system.servers = (0..<50).map { i in
            var s = base
            s.name = "s\(i)"
            s.load.arrivalRatePerMinute = Double(30 + 37 * i)
            return s
        }
        let serial = CandidateGenerator(system: system, settings: AnalyzerSettings(parallelism: 1)).generate()
        let parallel = CandidateGenerator(system: system, settings: AnalyzerSettings(parallelism: 2)).generate()
        #expect(serial.servers == parallel.servers)
        #expect(serial.statistics == parallel.statistics)
    }
}
