import Foundation
import InfernoMIP
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

/// One model on several GPU types, planned once across its variants, in the simulated closed loop.
@Suite struct MultiVariantTests {
    static func run(_ scenario: SimulationScenario, solver: any AllocationSolver = MIPSolver()) async throws -> SimulationSummary {
        var settings = SimulationRunner.Settings(cycles: Int(scenario.durationSeconds / 60))
        settings.loop.solver = solver
        return SimulationSummary(try await SimulationRunner(scenario: scenario, settings: settings).run(), intervalSeconds: 60)
    }

    static func premium(_ s: SimulationSummary) -> Double { s.attainment.first { $0.serviceClass == "Premium" }?.attainment ?? 0 }

    /// The issue's goal: the MIP's mixed fleet meets the SLOs (≥ 95% Premium) at a mean cost no higher than the
    /// cheapest single-type fleet that meets them.
    @Test func mixedFleetCostsNoMoreThanTheCheapestSingleTypeFleetMeetingTheSLOs() async throws {
        let mixed = try await Self.run(.multiVariant(fleet: ["H100", "L40S"]))
        #expect(Self.premium(mixed) >= 0.95, "mixed: \(Self.premium(mixed))")
        var singles: [(String, SimulationSummary)] = []
        for type in ["H100", "L40S"] { singles.append((type, try await Self.run(.multiVariant(fleet: [type])))) }
        let meeting = singles.filter { Self.premium($0.1) >= 0.95 }
        #expect(!meeting.isEmpty)
        for (type, s) in meeting {
            #expect(mixed.meanCostPerHour <= s.meanCostPerHour + 1e-9, "mixed \(mixed.meanCostPerHour)/h vs \(type) \(s.meanCostPerHour)/h")
        }
    }

    /// With 8 L40S cards the model moves to H100 instead of collapsing.
    @Test func cappedCheapTypeMovesTheModelToTheOther() async throws {
        let capped = try await Self.run(.multiVariant(fleet: ["H100", "L40S"], cards: ["L40S": 8]))
        #expect(Self.premium(capped) >= 0.90, "capped: \(Self.premium(capped))")
    }

    /// Both variants at 0, traffic from minute 5: scaled from zero on the router's drops with unknown token
    /// lengths, ≥ 85% attainment over the run; drops counted once for the model; and back to zero within the
    /// retention window after the traffic stops (minute 20; the run ends at minute 35).
    @Test func zeroAndBack() async throws {
        let scenario = SimulationScenario.scaleToZero
        var settings = SimulationRunner.Settings(cycles: 35)
        settings.loop.solver = MIPSolver()
        let result = try await SimulationRunner(scenario: scenario, settings: settings).run()
        let summary = SimulationSummary(result, intervalSeconds: 60)
        #expect(Self.premium(summary) >= 0.85, "attainment \(Self.premium(summary))")
        #expect(summary.droppedAtRouter <= summary.arrivals)
        let requests = summary.attainment.reduce(0) { $0 + $1.requests }
        #expect(abs(requests - Double(summary.arrivals)) <= 0.02 * Double(summary.arrivals), "refereed \(requests) of \(summary.arrivals) arrivals")
        // The first ready replica within two cycles of the first request (one cycle to see it, the start-up).
        #expect((summary.longestWaitForReplicaSeconds ?? .infinity) <= 60 + scenario.startupDelaySeconds + 1)
        // Traffic stops at minute 20: every variant at 0 by minute 20 + 10 (retention) + 1 (a cycle).
        let late = result.samples.filter { $0.time >= 31 * 60 }
        #expect(!late.isEmpty && late.allSatisfy { $0.desired == 0 }, "\(late.map { "\($0.variant.name) \($0.desired)" })")
        // ... and not before the retention window has passed.
        let early = result.samples.filter { (21 * 60...29 * 60).contains($0.time) }
        #expect(Set(early.map(\.cycle)).allSatisfy { c in early.contains { $0.cycle == c && $0.desired > 0 } })
    }

    /// The split the plan assumes is the split that happens: the planner's decision for a constant 2,400
    /// requests per minute on 8 H100 + 8 L40S cards (1 H100 + 6 L40S), replayed in the simulation with the
    /// load-aware router for 20 minutes. Each variant carries its planned share within 5 points, its mean TTFT
    /// agrees with the prediction within docs/simulation.md's 25%, and its mean ITL within 10% (the router gives
    /// the H100 about 2 points less than its capacity share, and its ITL is that much lower; the measured figures
    /// are in docs/simulation.md). A random router, for contrast, gives the L40S replicas 70% of the requests and
    /// a TTFT of minutes.
    @Test func eachVariantsLatencyMatchesItsPrediction() async throws {
        var scenario = SimulationScenario.multiVariant(fleet: ["H100", "L40S"], cards: ["H100": 8, "L40S": 8])
        let rate = 2400.0
        let load = VariantLoad(arrivalRatePerMinute: rate, meanInputTokens: 500, meanOutputTokens: 300)
        let env = try SimulationEnvironment(scenario: scenario)
        let observation = try await env.observe()
        let key = ModelKey(namespace: "inference", name: "llama-3.1-8b")
        let demand = DemandTracker.Demand(measured: [key: .available(load)], planned: [key: .available(load)], retained: [], notes: [])
        let planner = Planner(analyzer: AnalyzerSettings(), solver: MIPSolver(),
                              options: OptimizerOptions(saturationPolicy: .priorityExhaustive))
        let plan = planner.plan(observation, loads: [:], demand: demand)
        let desired = Dictionary(uniqueKeysWithValues: plan.decisions.map { ($0.variant.id.name, $0) })
        #expect(desired.values.filter { $0.desired > 0 }.count == 2, "a mix: \(desired.mapValues(\.desired))")
        #expect(abs(plan.decisions.compactMap(\.plannedShare).reduce(0, +) - 1) < 1e-9)

        scenario.loads = [LoadTrace.constant(model: "llama-3.1-8b", ratePerMinute: rate, meanInputTokens: 500, meanOutputTokens: 300)]
        for i in scenario.variants.indices { scenario.variants[i].initialReplicas = desired[scenario.variants[i].name]!.desired }
        scenario.startupDelaySeconds = 1
        scenario.routing = .loadAware
        var cluster = try scenario.makeCluster()
        cluster.advance(to: 120)
        let before = try scenario.variants.map { try cluster.metrics(namespace: $0.namespace, name: $0.name) }
        cluster.advance(to: 1320)
        for (v, start) in zip(scenario.variants, before) {
            let d = desired[v.name]!
            guard d.desired > 0 else { continue }
            var w = try cluster.metrics(namespace: v.namespace, name: v.name)
            w.subtractCounters(start)
            let itl = 1000 * w.timePerOutputTokenSecondsSum / Double(w.timePerOutputTokenCount)
            let ttft = 1000 * w.ttftSecondsSum / Double(w.ttftCount)
            let predictedITL = try #require(d.predictedITL), predictedTTFT = try #require(d.predictedTTFT)
            print("\(v.name): \(d.desired) replicas, share \(d.plannedShare!), ITL \(itl) predicted \(predictedITL), TTFT \(ttft) predicted \(predictedTTFT), carried \(Double(w.requestSuccessTotal) / (rate * 20))")
            #expect(abs(itl / predictedITL - 1) <= 0.10, "\(v.name): ITL \(itl) vs \(predictedITL)")
            #expect(abs(ttft / predictedTTFT - 1) <= 0.25, "\(v.name): TTFT \(ttft) vs \(predictedTTFT)")
            let share = Double(w.requestSuccessTotal) / (rate * 20)
            #expect(abs(share - d.plannedShare!) <= 0.05, "\(v.name): carried \(share) of the demand, planned \(d.plannedShare!)")
        }
    }

    /// The planner, pure: two variants of one model are one server; a variant at 0 comes back on the model's
    /// demand with token lengths never measured (the profile's atTokens); a one-variant model is pinned as before.
    @Test func plannerGroupsVariantsIntoOneModel() async throws {
        let scenario = SimulationScenario.multiVariant(fleet: ["H100", "L40S", "A100"], initialReplicas: ["H100": 0, "L40S": 0, "A100": 0])
        let env = try SimulationEnvironment(scenario: scenario)
        let observation = try await env.observe()
        var tracker = DemandTracker()
        let key = ModelKey(namespace: "inference", name: "llama-3.1-8b")
        let demand = tracker.demand(observation.variants, loads: [:], unserved: [key: 600], at: 60)
        #expect(demand.measured[key]?.load?.arrivalRatePerMinute == 600)
        #expect(demand.measured[key]?.load?.meanInputTokens == 512)
        let plan = Planner(analyzer: AnalyzerSettings(), solver: GreedySolver(), options: OptimizerOptions(saturationPolicy: .priorityExhaustive))
            .plan(observation, loads: [:], demand: demand)
        #expect(plan.system.servers.count == 1 && plan.system.servers[0].variants?.count == 3)
        #expect(plan.decisions.contains { $0.desired > 0 }, "\(plan.decisions.map(\.desired))")
        // Without any measurement (no ready replica, no gateway) the model is held, not sized for zero.
        var fresh = DemandTracker()
        let unknown = fresh.demand(observation.variants, loads: [:], unserved: [:], at: 60)
        let held = Planner(analyzer: AnalyzerSettings(), solver: GreedySolver(), options: OptimizerOptions()).plan(observation, loads: [:], demand: unknown)
        #expect(held.decisions.allSatisfy { if case .hold = $0.action { true } else { false } })
    }

    /// Keys with defaults in code are optional in a scenario file; a missing required one is named by its path.
    @Test func scenarioKeysWithDefaultsAreOptional() throws {
        let encoder = JSONEncoder()
        var json = try #require(try JSONSerialization.jsonObject(with: encoder.encode(SimulationScenario.multiVariant())) as? [String: Any])
        var variants = try #require(json["variants"] as? [[String: Any]])
        variants[0]["minReplicas"] = nil
        var profiles = try #require(variants[0]["profiles"] as? [[String: Any]])
        profiles[0]["acceleratorCount"] = nil
        profiles[0]["prefill"] = nil
        variants[0]["profiles"] = profiles
        json["variants"] = variants
        var accelerators = try #require(json["accelerators"] as? [[String: Any]])
        accelerators[0]["multiplicity"] = nil
        accelerators[0]["memoryGB"] = nil
        json["accelerators"] = accelerators
        let decoded = try JSONDecoder().decode(SimulationScenario.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(decoded.variants[0].minReplicas == 0 && decoded.variants[0].profiles[0].acceleratorCount == 1)
        #expect(decoded.variants[0].profiles[0].seed?.prefill == .zero && decoded.accelerators[0].multiplicity == 1)
        variants[0]["name"] = nil
        json["variants"] = variants
        do {
            _ = try JSONDecoder().decode(SimulationScenario.self, from: JSONSerialization.data(withJSONObject: json))
            Issue.record("decoded without a variant name")
        } catch {
            #expect(ScenarioDecodingMessage.describe(error) == "variants[0].name: missing")
        }
    }

    /// Model-level stabilisation by hand: H100 replicas carry 2/s, L40S 0.5/s. Plans alternate between 2 H100 + 4
    /// L40S (6/s) and 1 H100 + 8 L40S (6/s): equal capacity, so each applies at once and the union (2 + 8) is never
    /// held. A smaller plan (1 + 4, 4/s) within the window keeps the highest plan capped at what runs. And while a
    /// variant's new replicas start, no other variant of the model shrinks.
    @Test func modelsAreStabilisedAsAWhole() {
        func decision(_ name: String, current: Int, ready: Int? = nil, optimized: Int, rate: Double) -> VariantDecision {
            let v = VariantObservation(id: VariantID(namespace: "ns", name: name), modelID: "m", accelerator: name, profiles: [],
                                       minReplicas: 0, maxReplicas: nil, scaleTarget: name, currentReplicas: current,
                                       readyReplicas: ready ?? current, invalidReason: nil)
            var d = VariantDecision(variant: v, load: .missing(""), action: .scale, current: current, desired: optimized,
                                    optimized: optimized, accelerator: name, reason: "optimized", fullyServed: true)
            d.plannedShare = 0.5
            d.ratePerReplica = rate
            return d
        }
        var s = Stabilizer(windowSeconds: 300)
        func step(_ t: Double, _ h: (Int, Int, Int?), _ l: (Int, Int, Int?)) -> [Int] {
            s.stabilize([decision("H100", current: h.0, ready: h.2, optimized: h.1, rate: 2), decision("L40S", current: l.0, ready: l.2, optimized: l.1, rate: 0.5)],
                        at: t, cardsPerReplica: { _ in nil }, available: [:]).map(\.desired)
        }
        #expect(step(0, (2, 2, nil), (4, 4, nil)) == [2, 4])
        #expect(step(60, (2, 1, nil), (4, 8, nil)) == [2, 8], "make before break: the L40S replicas are not ready yet")
        #expect(step(120, (2, 1, nil), (8, 8, nil)) == [1, 8], "same capacity on another mix: at once, no union")
        #expect(step(180, (1, 1, nil), (8, 4, nil)) == [1, 8], "a smaller plan within the window keeps the highest, capped at what runs")
        #expect(step(600, (1, 1, nil), (8, 4, nil)) == [1, 4], "after the window")
    }
}
