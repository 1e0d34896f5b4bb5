import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import InfernoBenchKit
import InfernoMIP

/// `inferno-bench candidates`: how fast the analyzer turns a cluster into candidates.
struct CandidatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "candidates",
        abstract: "Micro-benchmark of candidate generation (queueing analyzer + sizing), 1 thread versus all cores.",
        discussion: """
            Reference: the Go autoscaler spends about 3 ms per server on the same work (6 s for 2,000 servers); \
            the goal is at least 10 times faster.
            """)

    @Option(help: "Servers.") var servers = 2000
    @Option(help: "Accelerator kinds, 1-12.") var accelerators = 9
    @Option(help: "Threads for the parallel column (default: all cores).") var threads: Int?
    @Option(help: "Priority classes, 1-4.") var priorities = 3
    @Option(help: "Seed of the generated cluster.") var seed: UInt64 = 1
    @Option(help: "Runs per configuration; the median is reported.") var repeats = 3
    @Option(name: .customLong("profile-kind"),
            help: "Profile kind, seed or per-iteration; repeat for both side by side (default: seed).")
    var profileKinds: [ProfileKind] = [.seed]
    @Option(name: .customLong("itl-percentile"), help: "ITL statistic the targets bound: 'mean' or a percentile such as 'p90'.")
    var itlPercentile = "mean"

    func validate() throws {
        guard SLOPercentile(parsing: itlPercentile) != nil else {
            throw ValidationError("--itl-percentile: '\(itlPercentile)' is not 'mean' or a percentile such as 'p90' or '0.9'")
        }
        if !(1...12).contains(accelerators) { throw ValidationError("--accelerators: \(accelerators) must be 1-12") }
        if servers < 1 { throw ValidationError("--servers: \(servers) must be at least 1") }
        if let t = threads, t < 1 { throw ValidationError("--threads: \(t) must be at least 1") }
        if repeats < 1 { throw ValidationError("--repeats: \(repeats) must be at least 1") }
    }

    func run() throws {
        let all = threads ?? coreCount
        let itl = SLOPercentile(parsing: itlPercentile) ?? .mean
        let spec = ScenarioSpec(servers: servers, accelerators: accelerators, priorities: priorities, tightness: 1, seed: seed)
        let scenario = ScenarioGenerator(spec: spec, parallelism: all).generate()
        print("Candidate generation: \(servers) servers × \(accelerators) accelerators (\(scenario.gpuTypes.count) GPU types), "
              + "\(priorities) classes, \(scenario.system.profiles.count) profiles, seed \(seed); median of \(repeats) runs; "
              + "TTFT at \(AnalyzerSettings().percentile), ITL at \(itl)")
        print("")
        print("| kind | batch limit | threads | wall (s) | CPU (s) | per server (µs, wall) | pairs | sizings | sizings/pair | evaluations/sizing | Go 3 ms/server ÷ ours |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        let threadCounts = all == 1 ? [1] : [1, all]
        for kind in profileKinds {
        var system = scenario.system
        if kind == .perIteration { system.profiles = system.profiles.map(PerIterationProfiles.derived) }
        for policy in [BatchLimitPolicy.search, .profile] {
            for t in threadCounts {
                let settings = AnalyzerSettings(itlPercentile: itl, batchLimitPolicy: policy, parallelism: t)
                var times: [Double] = [], cpu: [Double] = []
                var stats: AnalyzerStatistics?
                for _ in 0..<repeats {
                    let clock = ContinuousClock()
                    var out: (servers: [ServerCandidates], statistics: AnalyzerStatistics)!
                    let cpuStart = processCPUSeconds()
                    let d = clock.measure { out = CandidateGenerator(system: system, settings: settings).generate() }
                    cpu.append(processCPUSeconds() - cpuStart)
                    times.append(d.seconds)
                    stats = out.statistics
                }
                guard let stats else { continue }
                let wall = Stats.median(times)
                let perServer = wall / Double(servers)
                print("| \(kind.rawValue) | \(policy.rawValue) " + String(format: "| %d | %.3f | %.3f | %.1f | %d | %d | %.2f | %.1f | %.1f× |",
                             t, wall, Stats.median(cpu), perServer * 1e6, stats.pairs, stats.sizings,
                             Double(stats.sizings) / Double(max(1, stats.pairs)),
                             Double(stats.evaluations) / Double(max(1, stats.sizings)), 0.003 / perServer))
            }
        }
        }
    }
}

extension ProfileKind: ExpressibleByArgument {}

/// Per-iteration profiles for the same hardware as the generated seed ones, for timing only: the iteration's
/// fixed cost is the seed's decode `alpha`, a computed token costs the seed's prefill `delta`, and `gamma` makes
/// the decode step's growth per request at `atTokens` of context equal the seed's `beta`; budget 8192.
enum PerIterationProfiles {
    static func derived(_ p: ModelProfile) -> ModelProfile {
        guard let seed = p.seed else { return p }
        let beta = seed.prefill.delta
        let gamma = max(0, seed.decode.beta - beta) / Double(max(1, p.atTokens))
        var q = p
        q.performance = .perIteration(IterationParameters(alpha: seed.decode.alpha, beta: beta, gamma: gamma))
        return q
    }
}

/// CPU time of the whole process (all threads), seconds: the work done, whatever else the machine runs.
func processCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
