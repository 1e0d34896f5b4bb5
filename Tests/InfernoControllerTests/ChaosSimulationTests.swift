import Foundation
import InfernoMIP
import Logging
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoSimulation
import InfernoTestSupport

/// The closed loop over the built-in simulated cluster, driven cycle by cycle so that faults land between cycles
/// (issue 12, docs/robustness.md): a GPU node lost at the peak, pods that never become ready or crash in a loop,
/// the controller restarted while it holds a scale-down. Each test asserts the behaviour from invariants.
@Suite struct ChaosSimulationTests {
    static let llama = VariantID(namespace: "inference", name: "llama-premium")
    static let mixtral = VariantID(namespace: "inference", name: "mixtral-freemium")
    static let granite = VariantID(namespace: "inference", name: "granite-premium")
    static let qwen = VariantID(namespace: "inference", name: "qwen-freemium")
    static let a100 = "NVIDIA-A100-PCIE-80GB"

    /// The production reconciler on the simulated cluster; cycle `n` runs at `n` minutes, as in `simulate`.
    struct Rig {
        let env: SimulationEnvironment
        let settings: LoopSettings
        var reconciler: Reconciler

        init(_ scenario: SimulationScenario = .builtIn, solver: any AllocationSolver = MIPSolver(), tuning: Bool = true) throws {
            env = try SimulationEnvironment(scenario: scenario, windowSeconds: 60)
            var settings = LoopSettings()
            settings.solver = solver
            if !tuning { settings.tuning = nil }
            self.settings = settings
            reconciler = settings.makeReconciler(cluster: env, metrics: env, actuator: env, logger: Rig.quiet)
        }

        static let quiet = Logger(label: "chaos", factory: { _ in SwiftLogNoOpLogHandler() })

        func cycle(_ n: Int) async -> CycleReport {
            let t = Double(n) * 60
            await env.advance(to: t)
            return await reconciler.cycle(at: t)
        }

        /// A new controller process: nothing carried over but the cluster.
        mutating func restart() {
            reconciler = settings.makeReconciler(cluster: env, metrics: env, actuator: env, logger: Rig.quiet)
        }

        func deployment(_ id: VariantID) async throws -> DeploymentSnapshot {
            try await env.cluster.deployment(namespace: id.namespace, name: id.name)
        }
    }

    static func decision(_ r: CycleReport, _ id: VariantID) throws -> VariantDecision {
        try #require(r.decisions.first { $0.variant.id == id })
    }

    static func expectWithinCapacity(_ r: CycleReport, sourceLocation: SourceLocation = #_sourceLocation) {
        for u in r.usage {
            #expect(u.cardsUsed <= (u.cardsAvailable ?? .max), "t=\(r.time): \(u.type) \(u.cardsUsed) > \(u.cardsAvailable ?? -1)",
                    sourceLocation: sourceLocation)
        }
    }

    /// An A100 node (2 of the 6 cards) is lost at the peak, where Premium llama and Freemium mixtral share the A100s.
    /// The lost pods are replaced at once (pending where nothing is free); every cycle commits no more than the 4
    /// cards left; every committed replica is scheduled (nothing left pending) a cycle later. Premium llama keeps
    /// what fits in the first cycle after the loss with either solver, and every cycle after it: two minutes later
    /// llama's demand (with the built-in scenario's burst) exceeds the 4 cards, and Premium's best effort comes
    /// before Freemium mixtral is allocated (docs/optimizer.md, "Stages"). Under the MIP's old stage order (every
    /// level's fully-served count before any best effort) mixtral got the A100s in full and llama 0.
    @Test(arguments: ["mip", "greedy"])
    func lostGPUNodeIsReallocatedByPriority(solver: String) async throws {
        let rig = try Rig(solver: solver == "mip" ? MIPSolver() : GreedySolver())
        var before: CycleReport?
        for n in 1...12 { before = await rig.cycle(n); Self.expectWithinCapacity(before!) }
        let llamaBefore = try Self.decision(before!, Self.llama).desired
        let a100Before = try #require(before!.usage.first { $0.type == Self.a100 })
        #expect(a100Before.cardsUsed >= 5, "the peak uses the A100s: \(a100Before)")
        let onLostNode = await rig.env.cluster.replicas.filter { $0.node == 0 && !$0.isDraining }.count
        #expect(onLostNode > 0)

        try await rig.env.loseNode(named: "node-a100-0")
        // The ReplicaSets replace the lost pods at once: as many pods as asked for, some pending.
        for id in [Self.llama, Self.mixtral] {
            let d = try await rig.deployment(id)
            #expect(d.readyReplicas + d.startingReplicas + d.pendingReplicas == d.desiredReplicas, "\(id): \(d)")
        }
        #expect(await rig.env.cluster.capacity[Self.a100] == 4)
        #expect(await rig.env.cluster.nodes.count == 6, "the lost node is no longer listed")

        var llama: [Int] = []
        for n in 13...16 {
            let r = await rig.cycle(n)
            Self.expectWithinCapacity(r)
            #expect(r.usage.first { $0.type == Self.a100 }?.cardsAvailable == 4)
            let l = try Self.decision(r, Self.llama), m = try Self.decision(r, Self.mixtral)
            #expect(l.desired + 2 * m.desired <= 4, "cycle \(n): llama \(l.desired) and mixtral \(m.desired) in 4 cards")
            llama.append(l.desired)
            // A cycle later, everything committed is scheduled where cards were left.
            for d in await rig.env.cluster.deployments {
                #expect(d.pendingReplicas == 0 || n == 13, "cycle \(n): \(d.name) has pending pods: \(d)")
            }
        }
        #expect(llama[0] >= min(llamaBefore, 4), "Premium keeps what fits right after the loss: \(llamaBefore) → \(llama)")
        #expect(llama.allSatisfy { $0 >= min(llamaBefore, 4) }, "\(solver) keeps Premium llama: \(llama)")
    }

    /// A variant whose new pods never become ready (a bad rollout) while its load climbs: its pods hold cards and
    /// get no traffic. The controller never commits more than the GPUs there are, never scales the variant down
    /// while the fault lasts (the pods it asked for are not ready, not unwanted), and the other variants keep
    /// scaling. Once the pods become ready they serve.
    @Test func podsThatNeverBecomeReadyAreNotScaledDownAndCapacityHolds() async throws {
        let rig = try Rig()
        for n in 1...3 { _ = await rig.cycle(n) }
        try await rig.env.setReplicaFault(.neverReady, of: Self.granite)
        var granite: [Int] = []
        var reports: [CycleReport] = []
        for n in 4...12 {
            let r = await rig.cycle(n)
            Self.expectWithinCapacity(r)
            let d = try Self.decision(r, Self.granite)
            #expect(d.desired >= d.current, "cycle \(n): granite scaled down during the fault: \(d.current) → \(d.desired) (\(d.reason))")
            granite.append(d.desired)
            reports.append(r)
        }
        let stuck = try await rig.deployment(Self.granite)
        #expect(stuck.readyReplicas <= 1 && stuck.desiredReplicas > stuck.readyReplicas,
                "granite asked for more replicas and none of the new ones is ready: \(stuck)")
        let llama = try reports.map { try Self.decision($0, Self.llama).desired }
        #expect(llama.last! > llama.first!, "llama still scales with its load: \(llama)")

        try await rig.env.setReplicaFault(nil, of: Self.granite)
        for n in 13...14 { Self.expectWithinCapacity(await rig.cycle(n)) }
        let healed = try await rig.deployment(Self.granite)
        #expect(healed.readyReplicas == healed.desiredReplicas, "ready once the fault clears: \(healed)")
    }

    /// A variant whose pods crash 20 s after becoming ready and take a start-up delay (45 s) to come back, under a
    /// steady load (qwen held at 900 requests per minute from minute 12): most of the time it has fewer ready
    /// replicas than it asked for. Asserted: capacity holds, the crashes abort requests and the router drops some
    /// (no ready replica), the variant keeps at least one replica, and the first window after the fault holds.
    ///
    /// Known issue (docs/robustness.md): the model's rate is measured right (the replicas' arrivals plus the
    /// router's drops, about 960 per minute), but its token lengths come from the requests that completed, and
    /// crashes every 20 s abort the long ones first: the mean output reads about 150 tokens instead of 200, at which
    /// one replica looks enough. The optimizer asks for 1 in most cycles; the stabilisation window holds 2 while a
    /// cycle in it still asks for 2, and after some 18 minutes of the fault qwen goes to 1 and stays there. With
    /// the online profile tuner on (the default) the crashing replicas' latencies make it estimate a slower profile
    /// and it keeps 2 to 3 replicas, which hides the bias; the test runs with `--tuning off` to show it.
    @Test func crashLoopingPodsAndTheDemandTheyCannotServe() async throws {
        var scenario = SimulationScenario.builtIn
        let q = try #require(scenario.loads.firstIndex { $0.model == "qwen-2.5-7b" })
        scenario.loads[q].segments = [.constant(ratePerMinute: 120, durationSeconds: 360),
                                      .ramp(fromPerMinute: 120, toPerMinute: 900, durationSeconds: 360),
                                      .constant(ratePerMinute: 900, durationSeconds: 0)]
        let rig = try Rig(scenario, tuning: false)
        var steady = 0
        for n in 1...13 { steady = try Self.decision(await rig.cycle(n), Self.qwen).desired }
        #expect(steady >= 2, "qwen at 900/min needs replicas: \(steady)")
        try await rig.env.setReplicaFault(.crashLoop(upSeconds: 20), of: Self.qwen)
        var desired: [Int] = []
        for n in 14...40 {
            let r = await rig.cycle(n)
            Self.expectWithinCapacity(r)
            let d = try Self.decision(r, Self.qwen)
            desired.append(d.desired)
            #expect(d.desired >= 1, "cycle \(n): \(d.reason)")
            if case .hold = d.action { #expect(d.reason.contains("metrics unavailable"), "\(d.reason)") }
        }
        #expect(desired.prefix(5).allSatisfy { $0 >= steady }, "the first window after the fault holds: \(desired)")
        let metrics = try await rig.env.cluster.metrics(namespace: Self.qwen.namespace, name: Self.qwen.name)
        #expect(metrics.requestsAbortedTotal > 0, "the crashes aborted requests")
        let traffic = try #require(await rig.env.cluster.modelTraffic.first { $0.model == "qwen-2.5-7b" })
        #expect(traffic.unserved > 0, "requests found no ready replica")
        withKnownIssue("token lengths measured from completions only: crashes abort the long requests") {
            #expect(desired.allSatisfy { $0 >= steady }, "crash-looping qwen under a steady load: \(desired)")
        }
    }

    /// The controller restarted while it holds a scale-down: the new process has no memory of the recommendations
    /// in its stabilisation window, and must rebuild it from the cluster (the replicas the Deployments run), not
    /// scale down at once. It holds for a full window after the restart, then scales down.
    @Test func restartedControllerDoesNotForgetTheStabilisationWindow() async throws {
        var rig = try Rig()
        for n in 1...21 { _ = await rig.cycle(n) }   // the load falls from minute 18
        rig.restart()
        var held = 0
        for n in 22...26 {   // the 300 s window after the restart: cycles at +0, +60, ..., +240 s
            let r = await rig.cycle(n)
            for d in r.decisions {
                #expect(d.desired >= d.current || d.releasedForCapacity,
                        "cycle \(n), \(d.variant.id): scaled down inside the window after a restart: \(d.current) → \(d.desired) (\(d.reason))")
                if d.heldByStabilization { held += 1 }
            }
        }
        #expect(held > 0, "the load fell: some scale-down had to be held (else this test shows nothing)")
        var scaledDown = false
        for n in 27...30 {
            let r = await rig.cycle(n)
            scaledDown = scaledDown || r.decisions.contains { $0.desired < $0.current }
        }
        #expect(scaledDown, "after the window the controller does scale down")
    }
}
