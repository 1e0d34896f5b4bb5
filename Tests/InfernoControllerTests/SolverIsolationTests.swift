import Foundation
import InfernoMIP
import Testing
@testable import InfernoController
import InfernoControl
import InfernoKubernetes
import InfernoPrometheus
import InfernoSimulation
import InfernoTestSupport

/// CBC in a child process (`inferno-controller solve-stage`): the same answers as CBC in-process, and a CBC that
/// aborts, hangs or answers garbage ends the child, not the caller; the MIP then falls back to the greedy answer
/// with the reason, and the next solve tries CBC again.
@Suite struct SolverIsolationTests {
    static var binary: URL { RunCommandEndToEndTests.binary }

    static func smallProblem() throws -> OptimizationProblem {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/small.json")
        let system = try SystemSpec.decodeUpstream(system: Data(contentsOf: url))
        return OptimizationProblem(system: system, candidates: CandidateGenerator(system: system).generate().servers)
    }

    /// A knapsack whose optimum is known by hand: values 10, 13, 7, weights 4, 6, 3, capacity 9 → items 2 and 3 (20).
    static let knapsack: MIPProblem = {
        var p = MIPProblem(sense: .maximize)
        for (i, v) in [10.0, 13, 7].enumerated() { p.addVariable(.binary("x\(i)", objective: v)) }
        p.addRow("weight", [(0, 4), (1, 6), (2, 3)], upper: 9)
        return p
    }()

    @Test func childSolvesAsCBCInProcessDoes() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the product first")
        let result = IsolatedCbcSolver(executable: Self.binary).solve(Self.knapsack, settings: CbcSettings(timeLimitSeconds: 5))
        #expect(result.status == .optimal)
        #expect(result.objective == 20)
        #expect(result.values == [0, 1, 1])
        #expect(result == CbcSolver().solve(Self.knapsack, settings: CbcSettings(timeLimitSeconds: 5)).withSeconds(result.seconds))
    }

    @Test func anAbortingCBCIsAnErrorNotACrash() throws {
        let result = IsolatedCbcSolver(executable: Self.binary, extraArguments: ["--fault", "abort"])
            .solve(Self.knapsack, settings: CbcSettings(timeLimitSeconds: 5))
        guard case .error(let message) = result.status else { Issue.record("expected an error, got \(result.status)"); return }
        #expect(message.contains("SIGABRT"), "\(message)")
    }

    @Test func aHangingCBCIsKilledByTheWatchdog() throws {
        var solver = IsolatedCbcSolver(executable: Self.binary, extraArguments: ["--fault", "hang"])
        solver.graceSeconds = 0.5
        let started = Date()
        let result = solver.solve(Self.knapsack, settings: CbcSettings(timeLimitSeconds: 0.5))
        #expect(Date().timeIntervalSince(started) < 5)
        guard case .error(let message) = result.status else { Issue.record("expected an error, got \(result.status)"); return }
        #expect(message.contains("without an answer"), "\(message)")
    }

    @Test func garbageFromTheChildIsAnError() throws {
        let result = IsolatedCbcSolver(executable: Self.binary, extraArguments: ["--fault", "garbage"])
            .solve(Self.knapsack, settings: CbcSettings(timeLimitSeconds: 5))
        guard case .error(let message) = result.status else { Issue.record("expected an error, got \(result.status)"); return }
        #expect(message.contains("not a solution"), "\(message)")
    }

    /// The whole MIP with CBC aborting in every stage, on the LP path (every stage calls CBC): the greedy answer,
    /// the fallback named with its reason; then the same MIP with a healthy child solves (each solve starts a fresh
    /// child).
    @Test func mipFallsBackToGreedyWhenCBCAbortsAndRecoversNextTime() throws {
        let problem = try Self.smallProblem()
        let aborting = IsolatedCbcSolver(executable: Self.binary, extraArguments: ["--fault", "abort"])
        var lpPath = MIPTuning()
        lpPath.choiceRelaxation = false
        let failed = MIPSolver(tuning: lpPath, stageSolver: { aborting.solve($0, settings: $1) }).solve(problem)
        let greedy = GreedySolver().solve(problem)
        #expect(failed.servers.map(\.placements) == greedy.servers.map(\.placements))
        let reason = try #require(failed.diagnostics.mip?.fallbackReason)
        #expect(reason.contains("SIGABRT"), "\(reason)")
        #expect(failed.diagnostics.notes.contains { $0.contains("using the greedy answer") })

        let healthy = IsolatedCbcSolver(executable: Self.binary)
        let next = MIPSolver(stageSolver: { healthy.solve($0, settings: $1) }).solve(problem)
        #expect(next.diagnostics.mip?.fallbackReason == nil)
        let inProcess = MIPSolver().solve(problem)
        #expect(next.servers.map(\.placements) == inProcess.servers.map(\.placements))
    }

    /// With the priced stages (as by default) the served stages of the small example need no CBC; when CBC aborts
    /// in the stage after them, their answer stands — never below greedy's — and the failure is in the notes.
    @Test func aCBCAbortAfterPricedStagesKeepsTheirAnswerAndSaysSo() throws {
        let problem = try Self.smallProblem()
        let aborting = IsolatedCbcSolver(executable: Self.binary, extraArguments: ["--fault", "abort"])
        let failed = MIPSolver(stageSolver: { aborting.solve($0, settings: $1) }).solve(problem)
        let stages = try #require(failed.diagnostics.mip?.stages)
        let broken = try #require(stages.first { if case .error = $0.outcome { true } else { false } }, "\(stages)")
        #expect(stages.prefix { $0.name != broken.name }.allSatisfy { $0.outcome == .optimal }, "\(stages)")
        #expect(failed.diagnostics.notes.contains { $0.contains(broken.name) && $0.contains("SIGABRT") },
                "\(failed.diagnostics.notes)")
        let greedy = GreedySolver().solve(problem)
        let key = { (s: Solution) in LexicographicKey(problem: problem, placements: Dictionary(uniqueKeysWithValues: s.servers.map { ($0.name, $0.placements) })) }
        #expect(key(failed).compare(key(greedy), levels: problem.priorityLevels).order >= 0)
    }
}

extension SolverIsolationTests {
    /// The price of the child: a process start, the MIP as JSON both ways. Median over 20 solves of the small
    /// example's stages, child minus in-process; printed for docs/robustness.md, bounded loosely here.
    @Test func childOverheadPerSolveIsSmall() throws {
        let problem = try Self.smallProblem()
        let recorder = StageRecorder()
        _ = MIPSolver(stageSolver: { p, s in recorder.add(p, s); return CbcSolver().solve(p, settings: s) }).solve(problem)
        let stages = recorder.stages
        try #require(!stages.isEmpty)
        let child = IsolatedCbcSolver(executable: Self.binary)
        func median(_ f: () -> Void) -> Double {
            var times: [Double] = []
            for _ in 0..<20 { let t = Date(); f(); times.append(Date().timeIntervalSince(t)) }
            return times.sorted()[10]
        }
        let (p, settings) = stages[0]
        let inProcess = median { _ = CbcSolver().solve(p, settings: settings) }
        let isolated = median { _ = child.solve(p, settings: settings) }
        print("solve-stage overhead: \(stages.count) stages; stage 1 (\(p.variables.count) columns, \(p.rows.count) rows): "
              + "in-process \(String(format: "%.4f", inProcess)) s, child \(String(format: "%.4f", isolated)) s, "
              + "overhead \(String(format: "%.4f", isolated - inProcess)) s")
        #expect(isolated - inProcess < 1.0)
    }
}

/// The stages a MIP solve hands to its stage solver, kept for replay.
final class StageRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [(MIPProblem, CbcSettings)] = []
    func add(_ p: MIPProblem, _ s: CbcSettings) { lock.withLock { recorded.append((p, s)) } }
    var stages: [(MIPProblem, CbcSettings)] { lock.withLock { recorded } }
}

extension MIPResult {
    func withSeconds(_ s: Double) -> MIPResult { var r = self; r.seconds = s; return r }
}

extension SolverIsolationTests {
    /// A cycle against the in-process API server whose MIP's CBC aborts, at a load beyond the demo's two A100s (so
    /// the first stage needs CBC): the cycle completes on the greedy answer and keeps the replica, the
    /// VariantAutoscaling's `OptimizationReady` says `SolverFallback` with the signal, the log warns, and the cycle's
    /// fallback Event lands on the VariantAutoscaling.
    @Test func aCBCAbortInACycleScalesByGreedyAndSaysSoInStatusLogsAndEvents() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the product first")
        let aborting = IsolatedCbcSolver(executable: Self.binary, extraArguments: ["--fault", "abort"])
        let overload = LoadObservation.available(VariantLoad(arrivalRatePerMinute: 200, meanInputTokens: 0, meanOutputTokens: 228))
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed, logger: logs.logger("inferno.kubernetes")) { server, client in
            // The LP path: the priced stages settle this one-variant cycle by their bound alone, without calling CBC.
            var lpPath = MIPTuning()
            lpPath.choiceRelaxation = false
            let solver = MIPSolver(tuning: lpPath, stageSolver: { aborting.solve($0, settings: $1) })
            let reconciler = KubeClusterCycleTests.reconciler(client, load: StubLoadSource(fallback: overload), logs: logs,
                                                              solver: solver)
            let now = Date().timeIntervalSince1970
            let report = await reconciler.cycle(at: now)
            #expect(!report.failed)
            #expect(report.solverDiagnostics?.mip?.outcome == .fallback, "\(report.solverSummary ?? "-")")
            // Greedy (policy None) cannot serve the overload in full, so it places nothing: the replica is kept.
            #expect(report.outcomes[KubeClusterCycleTests.demoID] == .unchanged, "never scaled down for a solver fault")

            let va = await server.api.object(.variantAutoscalings, namespace: KubeDemoCluster.namespace, name: "vllme-deployment")
            let ready = KubeClusterCycleTests.condition(va, "OptimizationReady")
            #expect(ready?["status"] == "False" && ready?["reason"] == "SolverFallback", "\(String(describing: ready))")
            #expect(ready?["message"]?.string?.contains("SIGABRT") == true)
            #expect(logs.text.contains("the MIP failed; the greedy answer is used this cycle") && logs.text.contains("SIGABRT"))

            let events = KubernetesEventRecorder(client: client, instance: "test")
            await events.record(VariantEvent.solverFallback(report.solverDiagnostics, variants: report.decisions.map(\.variant.id)), at: now)
            let stored = await server.api.objects.filter { $0.key.resource == "events" }.values
            #expect(stored.contains { $0["reason"] == "SolverFallback" && $0["type"] == "Warning"
                && $0[path: "involvedObject.name"] == "vllme-deployment" && $0["message"]?.string?.contains("SIGABRT") == true },
                    "\(stored)")
        }
    }
}
