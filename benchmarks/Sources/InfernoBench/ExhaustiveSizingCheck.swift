import InfernoMIP

/// The batch-limit search against its definition: on every `every`-th (server, profile) pair with load, the rate
/// the search chose against the best rate of any limit `1 ... bound` (each sized in full). A fleet-sized companion
/// of `BatchLimitSearchTests`, for `inferno-bench candidates --exhaustive-every`.
enum ExhaustiveSizingCheck {
    struct Outcome {
        var checked = 0
        /// Pairs whose searched rate is below the best by more than a relative 1e-5 (Brent's tolerance is 1e-6).
        var below = 0
        var lowestRatio = 1.0
    }

    static func run(system: SystemSpec, settings: AnalyzerSettings, every: Int) -> Outcome {
        var outcome = Outcome()
        var pair = 0
        let analyzer = CandidateGenerator(system: system, settings: settings)
        for server in system.servers {
            let target = system.serviceClass(named: server.serviceClass)?.targets[server.model] ?? SLOTarget()
            for profile in system.profiles(of: server.model) {
                pair += 1
                guard pair % every == 0, server.load.arrivalRatePerSecond > 0 else { continue }
                // The analyzer's own times, bound and sizer: what is checked is the search alone.
                let (times, bound, sizer) = analyzer.sizing(server, on: profile, target: target)
                let chosen = (try? sizer.chooseBatchLimit(times: times, bound: bound, policy: .search).get())?
                    .sizing.maxRatePerSecond ?? 0
                var best = 0.0
                for n in 1...bound {
                    if case .success(let s) = sizer.size(QueueModel(times: times, batchLimit: n)) {
                        best = max(best, s.maxRatePerSecond)
                    }
                }
                outcome.checked += 1
                guard best > 0 else { continue }
                outcome.lowestRatio = min(outcome.lowestRatio, chosen / best)
                if chosen < best * (1 - 1e-5) { outcome.below += 1 }
            }
        }
        return outcome
    }
}
