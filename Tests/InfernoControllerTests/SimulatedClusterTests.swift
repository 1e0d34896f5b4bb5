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

/// The simulated cluster: readiness, scaling, draining, capacity, routing, counters.
@Suite struct SimulatedClusterTests {
    static let gpu = "TEST-GPU"
    static let profile = ModelProfile(model: "m", accelerator: "acc", maxBatchSize: 16, atTokens: 512,
                                      decode: DecodeParameters(alpha: 10, beta: 0.2),
                                      prefill: PrefillParameters(gamma: 5, delta: 0.002))
    static let otherProfile = ModelProfile(model: "m", accelerator: "other", maxBatchSize: 16, atTokens: 512,
                                           decode: DecodeParameters(alpha: 10, beta: 0.2))

    /// One model `m` on accelerator `acc` (type TEST-GPU): nodes of two cards each; startup 30 s, grace 10 s.
    static func cluster(nodes: Int = 1, replicas: Int = 1, ratePerMinute: Double = 600,
                        routing: RoutingPolicy = .random, grace: Double = 10) throws -> SimulatedCluster {
        var c = SimulatedCluster(
            nodes: (0..<nodes).map { SimulatedNode(name: "node-\($0)", gpus: [gpu: 2]) }
                + [SimulatedNode(name: "other-node", gpus: ["OTHER-GPU": 2])],
            accelerators: [Accelerator(name: "acc", type: gpu, costPerHour: 10),
                           Accelerator(name: "other", type: "OTHER-GPU", costPerHour: 5)],
            configuration: .init(startupDelaySeconds: 30, drainGraceSeconds: grace, routing: routing, seed: 1))
        c.setLoad(.constant(model: "m", ratePerMinute: ratePerMinute, meanInputTokens: 200, meanOutputTokens: 100))
        try c.addDeployment(SimulatedDeploymentSpec(namespace: "ns", name: "d", model: "m", accelerator: "acc",
                                                    profiles: [profile, otherProfile], replicas: replicas))
        return c
    }

    @Test func replicasBecomeReadyAfterTheStartupDelay() throws {
        var c = try Self.cluster(replicas: 2)
        var d = try c.deployment(namespace: "ns", name: "d")
        #expect(d.startingReplicas == 2 && d.readyReplicas == 0 && d.currentReplicas == 2)
        #expect(d.batchLimit == 16 * 512 / 100 && d.cardsPerReplica == 1 && d.gpuType == Self.gpu)
        c.advance(to: 29.9)
        #expect(try c.deployment(namespace: "ns", name: "d").readyReplicas == 0)
        // Before readiness every arrival is unserved demand.
        let traffic = c.modelTraffic[0]
        #expect(traffic.arrivals > 0 && traffic.unserved == traffic.arrivals)
        c.advance(to: 30)
        d = try c.deployment(namespace: "ns", name: "d")
        #expect(d.readyReplicas == 2 && d.startingReplicas == 0)
        let unserved = c.modelTraffic[0].unserved
        c.advance(by: 60)
        #expect(c.modelTraffic[0].unserved == unserved)
        #expect(try c.metrics(namespace: "ns", name: "d").requestSuccessTotal > 0)
    }

    @Test func scaleDownDrainsAndStops() throws {
        var c = try Self.cluster(replicas: 2)
        c.advance(to: 120)
        let before = try c.metrics(namespace: "ns", name: "d")
        try c.scale(namespace: "ns", name: "d", replicas: 1)
        var d = try c.deployment(namespace: "ns", name: "d")
        #expect(d.desiredReplicas == 1 && d.readyReplicas == 1 && d.terminatingReplicas == 1)
        #expect(c.nodes[0].allocated[Self.gpu] == 2)   // the stopping replica still holds its card
        c.advance(by: 11)   // past the grace period at the latest
        d = try c.deployment(namespace: "ns", name: "d")
        #expect(d.terminatingReplicas == 0 && d.readyReplicas == 1)
        #expect(c.nodes[0].allocated[Self.gpu] == 1)
        let after = try c.metrics(namespace: "ns", name: "d")
        #expect(after.requestSuccessTotal >= before.requestSuccessTotal)
        #expect(after.requestsReceivedTotal >= before.requestsReceivedTotal)
        // What the stopped replica held was finished or aborted, never lost.
        #expect(after.requestsReceivedTotal == after.requestSuccessTotal + after.requestsRejectedTotal
                + after.requestsAbortedTotal + after.numRequestsRunning + after.numRequestsWaiting)
        try c.scale(namespace: "ns", name: "d", replicas: 0)
        c.advance(by: 11)
        d = try c.deployment(namespace: "ns", name: "d")
        #expect(d.currentReplicas == 0 && d.terminatingReplicas == 0 && c.nodes[0].allocated[Self.gpu] == 0)
        #expect(try c.metrics(namespace: "ns", name: "d").requestSuccessTotal >= after.requestSuccessTotal)
    }

    /// An overloaded replica stopped with a 1-second grace period aborts what it cannot finish.
    @Test func gracePeriodAbortsLeftovers() throws {
        var c = try Self.cluster(replicas: 1, ratePerMinute: 6000, grace: 1)
        c.advance(to: 90)
        try c.scale(namespace: "ns", name: "d", replicas: 0)
        c.advance(by: 2)
        let m = try c.metrics(namespace: "ns", name: "d")
        #expect(m.requestsAbortedTotal > 0 && m.numRequestsRunning == 0 && m.numRequestsWaiting == 0)
        #expect(m.requestsRejectedTotal > 0)   // 100 req/s against a capacity of about 10: the queue overflowed
        #expect(m.requestsReceivedTotal == m.requestSuccessTotal + m.requestsRejectedTotal + m.requestsAbortedTotal)
    }

    @Test func capacityLeavesReplicasPending() throws {
        var c = try Self.cluster(replicas: 3)   // 2 cards, one card per replica
        var d = try c.deployment(namespace: "ns", name: "d")
        #expect(d.startingReplicas == 2 && d.pendingReplicas == 1 && d.currentReplicas == 3)
        #expect(c.freeCardsByType[Self.gpu] == 0)
        c.advance(to: 100)
        d = try c.deployment(namespace: "ns", name: "d")
        #expect(d.readyReplicas == 2 && d.pendingReplicas == 1)
        let pods = try c.replicas(namespace: "ns", name: "d")
        #expect(pods.filter { $0.node == nil }.count == 1 && pods.filter { $0.phase == .pending }.count == 1)
        // Scale-down takes the pending replica first.
        try c.scale(namespace: "ns", name: "d", replicas: 2)
        d = try c.deployment(namespace: "ns", name: "d")
        #expect(d.readyReplicas == 2 && d.pendingReplicas == 0 && d.terminatingReplicas == 0)
    }

    /// A pending replica starts when a stopping one frees its card, and is ready a startup delay later.
    @Test func pendingReplicaStartsWhenCardsAreFreed() throws {
        var c = try Self.cluster(replicas: 2)
        try c.addDeployment(SimulatedDeploymentSpec(namespace: "ns", name: "e", model: "m", accelerator: "acc",
                                                    profiles: [Self.profile], replicas: 1))
        #expect(try c.deployment(namespace: "ns", name: "e").pendingReplicas == 1)
        c.advance(to: 60)
        try c.scale(namespace: "ns", name: "d", replicas: 1)
        c.advance(by: 10.5)   // the grace period (10 s) is over: the card is free, the pending replica bound
        var e = try c.deployment(namespace: "ns", name: "e")
        #expect(e.pendingReplicas == 0 && e.startingReplicas == 1)
        c.advance(by: 30)
        e = try c.deployment(namespace: "ns", name: "e")
        #expect(e.readyReplicas == 1)
    }

    @Test func changingAcceleratorMovesReplicas() throws {
        var c = try Self.cluster(replicas: 2)
        c.advance(to: 60)
        try c.setAccelerator(namespace: "ns", name: "d", accelerator: "other")
        let d = try c.deployment(namespace: "ns", name: "d")
        #expect(d.accelerator == "other" && d.gpuType == "OTHER-GPU" && d.startingReplicas == 2)
        #expect(d.terminatingReplicas == 2)
        #expect(throws: SimulationError.self) {
            try c.setAccelerator(namespace: "ns", name: "d", accelerator: "missing")
        }
        c.advance(by: 40)
        let pods = try c.replicas(namespace: "ns", name: "d")
        #expect(pods.count == 2 && pods.allSatisfy { $0.accelerator == "other" && $0.phase == .ready })
    }

    /// Every policy spreads a model's arrivals over its four ready replicas (25% each expected; 4 minutes at
    /// 20 req/s, about 4,800 requests).
    @Test(arguments: RoutingPolicy.allCases)
    func routerSpreadsLoad(routing: RoutingPolicy) throws {
        var c = try Self.cluster(nodes: 2, replicas: 4, ratePerMinute: 1200, routing: routing)
        c.advance(to: 30)
        let unserved = c.modelTraffic[0].unserved
        let start = try c.replicas(namespace: "ns", name: "d").map(\.metrics.requestsReceivedTotal)
        c.advance(to: 270)
        let received = try c.replicas(namespace: "ns", name: "d").map(\.metrics.requestsReceivedTotal)
        let shares = zip(received, start).map { Double($0 - $1) }
        let total = shares.reduce(0, +)
        #expect(shares.count == 4 && total > 4000)
        #expect(shares.allSatisfy { $0 / total > 0.2 && $0 / total < 0.3 }, "\(routing): \(shares)")
        #expect(c.modelTraffic[0].unserved == unserved)
    }

    /// Counters never go back while replicas come and go (built-in scenario, 8 minutes in 20-second steps,
    /// the first variant scaled at random between 0 and 4 replicas).
    @Test func countersAreMonotone() throws {
        var c = try SimulationScenario.builtIn.makeCluster()
        var rng = SplitMix64(seed: 5)
        var previous: [String: VLLMMetrics] = [:]
        for step in 1...24 {
            if step % 3 == 0 {
                try c.scale(namespace: "inference", name: "llama-premium", replicas: Int(rng.next() % 5))
            }
            c.advance(by: 20)
            for d in c.deployments {
                let m = try c.metrics(namespace: d.namespace, name: d.name)
                if let p = previous[d.name] {
                    #expect(m.requestsReceivedTotal >= p.requestsReceivedTotal)
                    #expect(m.requestSuccessTotal >= p.requestSuccessTotal)
                    #expect(m.generationTokensSum >= p.generationTokensSum && m.promptTokensSum >= p.promptTokensSum)
                    #expect(m.ttftCount >= p.ttftCount && m.ttftSecondsSum >= p.ttftSecondsSum)
                    #expect(m.timePerOutputTokenCount >= p.timePerOutputTokenCount)
                    #expect(m.timePerOutputTokenSecondsSum >= p.timePerOutputTokenSecondsSum)
                    #expect(m.requestsRejectedTotal >= p.requestsRejectedTotal)
                    #expect(m.requestsAbortedTotal >= p.requestsAbortedTotal)
                }
                previous[d.name] = m
            }
        }
        #expect(previous.values.allSatisfy { $0.requestSuccessTotal > 0 })
    }

    /// The window helper reads what the controller's queries would: the arrival rate of a steady load.
    @Test func metricsWindowReadsTheLoad() throws {
        var c = try Self.cluster(replicas: 2, ratePerMinute: 600)
        c.advance(to: 120)
        let a = try c.metrics(namespace: "ns", name: "d")
        c.advance(to: 420)
        let w = MetricsWindow(from: a, to: try c.metrics(namespace: "ns", name: "d"), seconds: 300)
        #expect(abs(w.arrivalRatePerMinute / 600 - 1) < 0.05)   // 3,000 arrivals: sd about 1.8%
        #expect(abs(w.meanOutputTokens! / 100 - 1) < 0.05)
        #expect(w.ttftMilliseconds! > 0 && w.itlMilliseconds! >= 10)
        let empty = MetricsWindow(from: a, to: a, seconds: 60)
        #expect(empty.ttftMilliseconds == nil && empty.arrivalRatePerMinute == 0)
    }

    @Test func errorsNameWhatIsWrong() throws {
        var c = try Self.cluster()
        #expect(throws: SimulationError.unknownDeployment(namespace: "ns", name: "x")) {
            try c.scale(namespace: "ns", name: "x", replicas: 1)
        }
        #expect(throws: SimulationError.invalidReplicas(deployment: "ns/d", replicas: -1)) {
            try c.scale(namespace: "ns", name: "d", replicas: -1)
        }
        #expect(throws: SimulationError.duplicateDeployment(namespace: "ns", name: "d")) {
            try c.addDeployment(SimulatedDeploymentSpec(namespace: "ns", name: "d", model: "m", accelerator: "acc",
                                                        profiles: [Self.profile], replicas: 1))
        }
        #expect(SimulationError.missingProfile(deployment: "ns/d", model: "m", accelerator: "z").description
                == "deployment \"ns/d\": model \"m\" has no profile for accelerator \"z\"")
    }
}
