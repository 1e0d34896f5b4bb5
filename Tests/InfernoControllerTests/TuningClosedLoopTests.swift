import Foundation
@testable import InfernoControl
@testable import InfernoController
import InfernoFormats
@testable import InfernoKubernetes
import InfernoMIP
@testable import InfernoSimulation
import Testing

/// The online profile estimate in the closed loop, refereed by the discrete-event simulation whose servers run a
/// profile other than the one the controller is given (`--profile-error`).
@Suite struct TuningClosedLoopTests {
    /// Premium llama alone on the six A100s, a steady 600 req/min for 15 minutes (20 where a test runs longer).
    static func steady(profileError: Double) -> SimulationScenario {
        var s = SimulationScenario.builtIn
        s.variants = s.variants.filter { $0.name == "llama-premium" }
        s.loads = [.constant(model: "llama-3.1-8b", ratePerMinute: 600, meanInputTokens: 500, meanOutputTokens: 300)]
        s.durationSeconds = 15 * 60
        return s.withProfileError(profileError)
    }

    static func run(_ scenario: SimulationScenario, tuning: Bool, cycles: Int = 15) async throws -> SimulationRunner.Result {
        var settings = SimulationRunner.Settings(cycles: cycles)
        settings.loop.solver = GreedySolver()
        settings.loop.tuning = tuning ? TunerSettings() : nil
        return try await SimulationRunner(scenario: scenario, settings: settings).run()
    }

    /// Attainment over the cycles from `from` on (after the estimate had time to learn), and mean replicas.
    static func tail(_ r: SimulationRunner.Result, from: Int) -> (attainment: Double, replicas: Double) {
        let s = r.samples.filter { $0.cycle >= from }
        let met = s.reduce(0.0) { $0 + ($1.slo?.met ?? 0) }, total = s.reduce(0.0) { $0 + ($1.slo?.total ?? 0) }
        return (total > 0 ? met / total : 1, Double(s.reduce(0) { $0 + $1.desired }) / Double(max(1, s.count)))
    }

    @Test func slowServersAreLearnedAndTheSLOHeld() async throws {
        let scenario = Self.steady(profileError: 1.5)
        let off = try await Self.run(scenario, tuning: false, cycles: 20)
        let on = try await Self.run(scenario, tuning: true, cycles: 20)
        // From cycle 11: the queue the first minutes' overload left behind has drained (about 6 minutes).
        let (offTail, onTail) = (Self.tail(off, from: 11), Self.tail(on, from: 11))
        print("profile error 1.5, cycles 11-20: tuning off \(offTail), on \(onTail)")
        #expect(onTail.attainment >= 0.9, "tuning on: \(onTail)")
        #expect(onTail.attainment > offTail.attainment + 0.1, "off \(offTail), on \(onTail)")
        #expect(onTail.replicas > offTail.replicas)
        // The estimate moved towards the truth (servers 1.5× the profile) and says how sure it is.
        let t = try #require(on.reports.last?.decisions.first?.tuning)
        #expect(t.estimate.coefficients[0] > 12 * 1.2 && t.estimate.updates >= 5, "\(t.estimate.coefficients)")
    }

    @Test func fastServersStopBeingPaidFor() async throws {
        let scenario = Self.steady(profileError: 0.67)
        let off = try await Self.run(scenario, tuning: false)
        let on = try await Self.run(scenario, tuning: true)
        let (offTail, onTail) = (Self.tail(off, from: 8), Self.tail(on, from: 8))
        print("profile error 0.67, cycles 8-15: tuning off \(offTail), on \(onTail)")
        #expect(onTail.replicas < offTail.replicas, "off \(offTail), on \(onTail)")
        #expect(onTail.attainment >= 0.95)
    }

    @Test func aSteadyLoadDoesNotOscillate() async throws {
        let r = try await Self.run(Self.steady(profileError: 1.5), tuning: true, cycles: 30)
        let late = r.reports.suffix(15).map(\.scaleEvents).reduce(0, +)
        print("profile error 1.5, steady load: \(late) scale events in the last 15 cycles")
        #expect(late <= 2, "\(r.samples.map(\.desired))")
        #expect(SimulationSummary(r, intervalSeconds: 60).scaleEventsPerHour <= 20)
    }

    /// A controller restarted mid-run resumes from the estimate the status carried, not from the prior.
    @Test func aRestartedControllerResumesFromTheStatus() async throws {
        let env = try SimulationEnvironment(scenario: Self.steady(profileError: 1.5))
        var settings = LoopSettings()
        settings.solver = GreedySolver()
        let first = settings.makeReconciler(cluster: env, metrics: env, actuator: env, logger: .init(label: "test"))
        var t = 60.0
        var before: TuningStatus?
        for _ in 0..<10 {
            await env.advance(to: t)
            before = await first.cycle(at: t).decisions.first?.tuning
            t += 60
        }
        let learned = try #require(before)
        #expect(learned.estimate.updates >= 2)
        let second = settings.makeReconciler(cluster: env, metrics: env, actuator: env, logger: .init(label: "test"))
        await env.advance(to: t)
        let resumed = try #require(await second.cycle(at: t).decisions.first?.tuning)
        #expect(resumed.estimate.updates >= learned.estimate.updates, "\(resumed.estimate.updates) < \(learned.estimate.updates)")
        #expect(abs(resumed.estimate.coefficients[0] / learned.estimate.coefficients[0] - 1) < 0.3)
        #expect(resumed.estimate.coefficients[0] > 12 * 1.1)
    }

    /// The status field round-trips, and a damaged one is ignored rather than trusted.
    @Test func theStatusFieldRoundTripsAndDamageIsIgnored() throws {
        var e = ProfileTuner().prior(.seed(decode: DecodeParameters(alpha: 12, beta: 0.3), prefill: .zero))
        e.logCoefficients[0] = log(15.5)
        e.updates = 7
        e.lastNIS = 1.25
        let t = TuningStatus(accelerator: "A100", estimate: e, headroom: [1.2, 1.5], converged: false, lastOutcome: "updated",
                             priorSource: "configured")
        let json = TuningStatusJSON.json(t)
        let back = try #require(TuningStatusJSON.read(try JSONValue(parsing: json.serialized())))
        #expect(back.accelerator == "A100" && back.estimate.updates == 7 && back.headroom == [1.2, 1.5])
        #expect(abs(back.estimate.coefficients[0] - 15.5) < 1e-9 && back.estimate.coefficients[2] == 0)
        #expect(back.estimate.covariance == e.covariance && back.estimate.prior == e.prior)
        for damage in ["estimate.alpha", "logCovariance", "kind", "prior.beta"] {
            var broken = json
            broken[path: damage] = .string("x")
            #expect(TuningStatusJSON.read(broken) == nil, "\(damage)")
        }
        var negative = json
        negative[path: "estimate.alpha"] = .number(-1)
        #expect(TuningStatusJSON.read(negative) == nil)
    }

    /// The simulated cluster as a controller would read it if the VariantAutoscalings listed no profile for
    /// their own accelerator (the servers still run the built-in one).
    struct WithoutOwnProfile: ClusterSource {
        let environment: SimulationEnvironment
        func observe() async throws -> ClusterObservation {
            var o = try await environment.observe()
            for i in o.variants.indices {
                let own = o.variants[i].accelerator
                o.variants[i].profiles.removeAll { $0.accelerator == own }
            }
            return o
        }
    }

    /// A variant without a profile of its own is sized from another accelerator's, with headroom, when tuning is
    /// on; with tuning off it is held as before.
    @Test func aVariantWithoutItsOwnProfileBorrowsAPrior() async throws {
        for tuning in [false, true] {
            let env = try SimulationEnvironment(scenario: Self.steady(profileError: 1))
            var settings = LoopSettings()
            settings.solver = GreedySolver()
            settings.tuning = tuning ? TunerSettings() : nil
            let reconciler = settings.makeReconciler(cluster: WithoutOwnProfile(environment: env), metrics: env,
                                                     actuator: env, logger: .init(label: "test"))
            var last: VariantDecision?
            for k in 1...10 {
                await env.advance(to: Double(k) * 60)
                last = await reconciler.cycle(at: Double(k) * 60).decisions.first
            }
            let d = try #require(last)
            if tuning {
                let t = try #require(d.tuning)
                #expect(t.priorSource.hasPrefix("borrowed from"), "\(t.priorSource)")
                #expect(d.desired >= 2, "600 req/min needs at least 2 A100 replicas: \(d.desired), \(d.reason)")
            } else {
                #expect(d.reason.contains("no profile") && d.desired == 1, "\(d.reason)")
            }
        }
    }

    @Test func theFlagsParseAndBadValuesAreNamed() throws {
        let c = try SimulateCommand.parse(["--profile-error", "1.5", "--tuning", "off", "--oracle-profile"])
        #expect(c.profileError == 1.5 && c.loop.tuning == .off && c.oracleProfile)
        #expect(try SimulateCommand.parse([]).loop.tuning == .on)
        #expect(try SimulateCommand.parse([]).loop.settings(intervalSeconds: 60, retentionSeconds: 600, options: OptimizerOptions()).tuning != nil)
        for bad in [["--profile-error", "0"], ["--profile-error", "-1"], ["--profile-error", "nan"], ["--tuning", "maybe"]] {
            do {
                _ = try SimulateCommand.parse(bad)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(SimulateCommand.message(for: error).contains(bad[0]), "\(SimulateCommand.message(for: error))")
            }
        }
    }
}
