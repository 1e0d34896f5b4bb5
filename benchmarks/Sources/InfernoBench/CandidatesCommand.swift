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
    @Option(name: .customLong("exhaustive-every"),
            help: "Also size every batch limit of every K-th pair and count where the search's rate is below the best (0: off).")
    var exhaustiveEvery = 0

    func validate() throws {
        guard SLOPercentile(parsing: itlPercentile) != nil else {
            throw ValidationError("--itl-percentile: '\(itlPercentile)' is not 'mean' or a percentile such as 'p90' or '0.9'")
        }
        if !(1...12).contains(accelerators) { throw ValidationError("--accelerators: \(accelerators) must be 1-12") }
        if servers < 1 { throw ValidationError("--servers: \(servers) must be at least 1") }
        if let t = threads, t < 1 { throw ValidationError("--threads: \(t) must be at least 1") }
        if repeats < 1 { throw ValidationError("--repeats: \(repeats) must be at least 1") }
        if exhaustiveEvery < 0 { throw ValidationError("--exhaustive-every: \(exhaustiveEvery) must be 0 (off) or more") }
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
        print("| kind | batch limit | threads | wall (s) | CPU (s) | per server (µs, wall) | pairs | sizings | sizings/pair | evaluations/sizing | Go 3 ms/server ÷ ours | digest |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        let threadCounts = all == 1 ? [1] : [1, all]
        for kind in profileKinds {
        var system = scenario.system
        if kind == .perIteration { system.profiles = system.profiles.map(PerIterationProfiles.derived) }
        for policy in [BatchLimitPolicy.search, .profile] {
            for t in threadCounts {
                let settings = AnalyzerSettings(itlPercentile: itl, batchLimitPolicy: policy, parallelism: t)
                var times: [Double] = [], cpu: [Double] = []
                var stats: AnalyzerStatistics?
                var digest = ""
                for _ in 0..<repeats {
                    let clock = ContinuousClock()
                    var out: (servers: [ServerCandidates], statistics: AnalyzerStatistics)!
                    let cpuStart = processCPUSeconds()
                    let d = clock.measure { out = CandidateGenerator(system: system, settings: settings).generate() }
                    cpu.append(processCPUSeconds() - cpuStart)
                    times.append(d.seconds)
                    stats = out.statistics
                    digest = CandidateDigest.of(out.servers)
                }
                guard let stats else { continue }
                let wall = Stats.median(times)
                let perServer = wall / Double(servers)
                print("| \(kind.rawValue) | \(policy.rawValue) " + String(format: "| %d | %.3f | %.3f | %.1f | %d | %d | %.2f | %.1f | %.1f× | ",
                             t, wall, Stats.median(cpu), perServer * 1e6, stats.pairs, stats.sizings,
                             Double(stats.sizings) / Double(max(1, stats.pairs)),
                             Double(stats.evaluations) / Double(max(1, stats.sizings)), 0.003 / perServer) + digest + " |")
            }
        }
        }
        if exhaustiveEvery > 0 {
            print("")
            print("| kind | pairs sized at every limit | search below the best (rel. 1e-5) | lowest ratio to the best |")
            print("|---|---:|---:|---:|")
            for kind in profileKinds {
                var system = scenario.system
                if kind == .perIteration { system.profiles = system.profiles.map(PerIterationProfiles.derived) }
                let check = ExhaustiveSizingCheck.run(system: system, settings: AnalyzerSettings(itlPercentile: itl),
                                                      every: exhaustiveEvery)
                print("| \(kind.rawValue) | \(check.checked) | \(check.below) | " + String(format: "%.6f |", check.lowestRatio))
            }
        }
    }
}

extension ProfileKind: ExpressibleByArgument {}

/// A fingerprint of every candidate and rejection, bit for bit (FNV-1a over their fields): two builds that print
/// the same digest for a fleet produced the same candidates, so a faster analyzer can show it changed no answer.
enum CandidateDigest {
    static func of(_ servers: [ServerCandidates]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ v: UInt64) { for i in 0..<8 { h = (h ^ ((v >> (8 * UInt64(i))) & 0xff)) &* 0x100_0000_01b3 } }
        func mix(_ s: String) { for b in s.utf8 { mix(UInt64(b)) }; mix(0xff) }   // 0xff ends a string
        for s in servers {
            mix(s.name)
            for c in s.candidates {
                mix(c.accelerator); mix(UInt64(c.batchLimit)); mix(c.ratePerReplica.bitPattern)
                mix(UInt64(c.replicasNeeded)); mix(c.itlMilliseconds.bitPattern); mix(c.ttftMilliseconds.bitPattern)
            }
            for r in s.rejections { mix(r.accelerator); mix(r.reason) }
        }
        return String(h, radix: 16)
    }
}

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
