import Foundation

/// Settings of the analyzer.
public struct AnalyzerSettings: Hashable, Sendable {
    /// The TTFT statistic the target bounds.
    public var percentile: SLOPercentile
    /// The ITL statistic the target bounds: the mean, or the share of requests whose own ITL meets it.
    public var itlPercentile: SLOPercentile
    public var batchLimitPolicy: BatchLimitPolicy
    /// Run sizings on this many threads (1 = on the caller's).
    public var parallelism: Int

    public init(percentile: SLOPercentile = .seed, itlPercentile: SLOPercentile = .mean,
                batchLimitPolicy: BatchLimitPolicy = .search, parallelism: Int = 1) {
        self.percentile = percentile
        self.itlPercentile = itlPercentile
        self.batchLimitPolicy = batchLimitPolicy
        self.parallelism = parallelism
    }
}

/// Counters of one candidate generation, for benchmarks and diagnostics.
public struct AnalyzerStatistics: Hashable, Sendable {
    public var sizings = 0
    public var evaluations = 0
    public var pairs = 0
}

/// Turns a system into every server's candidates (docs/model.md, "Candidates").
public struct CandidateGenerator: Sendable {
    public var system: SystemSpec
    public var settings: AnalyzerSettings

    public init(system: SystemSpec, settings: AnalyzerSettings = AnalyzerSettings()) {
        self.system = system
        self.settings = settings
    }

    /// Candidates for every server, in the system's server order.
    public func generate() -> (servers: [ServerCandidates], statistics: AnalyzerStatistics) {
        let servers = system.servers
        let workers = max(1, min(settings.parallelism, servers.count))
        if workers == 1 {
            var stats = AnalyzerStatistics()
            let result = servers.map { candidates(for: $0, statistics: &stats) }
            return (result, stats)
        }
        // Independent per server: contiguous chunks, eight per thread so that threads that draw cheap servers
        // (few profiles, small batch limits) take more chunks and all finish together.
        let pieces = min(servers.count, workers * 8)
        let chunk = (servers.count + pieces - 1) / pieces
        let box = ResultBox(count: pieces)
        DispatchQueue.concurrentPerform(iterations: pieces) { w in
            var stats = AnalyzerStatistics()
            let range = min(servers.count, w * chunk)..<min(servers.count, (w + 1) * chunk)
            let part = range.map { candidates(for: servers[$0], statistics: &stats) }
            box.store(w, part, stats)
        }
        return box.merged()
    }

    /// Candidates of one server.
    public func candidates(for server: Server) -> ServerCandidates {
        var stats = AnalyzerStatistics()
        return candidates(for: server, statistics: &stats)
    }

    func candidates(for server: Server, statistics: inout AnalyzerStatistics) -> ServerCandidates {
        let serviceClass = system.serviceClass(named: server.serviceClass)
        let priority = serviceClass?.priority ?? ServiceClass.defaultPriority
        let target = serviceClass?.targets[server.model] ?? SLOTarget()
        let load = server.load
        var requiredRate = load.arrivalRatePerSecond
        if let tps = target.tokensPerSecond, tps > 0, load.meanOutputTokens > 0 {
            // A throughput target is a rate the server must be able to carry, whatever the observed load.
            requiredRate = max(requiredRate, tps / load.meanOutputTokens)
        }
        var candidates: [Candidate] = []
        var rejections: [Rejection] = []
        for profile in system.profiles(of: server.model) {
            guard let acc = system.accelerator(named: profile.accelerator) else {
                rejections.append(Rejection(accelerator: profile.accelerator, reason: "unknown accelerator"))
                continue
            }
            if server.keepAccelerator, let current = server.current, !current.accelerator.isEmpty,
               current.accelerator != acc.name {
                rejections.append(Rejection(accelerator: acc.name, reason: "keepAccelerator pins the server to \(current.accelerator)"))
                continue
            }
            statistics.pairs += 1
            switch candidate(server: server, profile: profile, accelerator: acc, target: target,
                             requiredRate: requiredRate, statistics: &statistics) {
            case .success(let c): candidates.append(c)
            case .failure(let f): rejections.append(Rejection(accelerator: acc.name, reason: f.description))
            }
        }
        if system.profiles(of: server.model).isEmpty {
            rejections.append(Rejection(accelerator: "*", reason: "model \"\(server.model)\" has no profile"))
        }
        return ServerCandidates(server: server, priority: priority, candidates: candidates,
                                rejections: rejections, requiredRatePerSecond: requiredRate)
    }

    /// What sizing `server` on `profile` for `target` starts from: its service times, the memory bound on its batch
    /// limit (the server's override, else the profile's, never above ``InputLimits/batchSize``), and the sizer of
    /// the target under these settings (a throughput target keeps a 10% stability margin, as upstream).
    public func sizing(_ server: Server, on profile: ModelProfile, target: SLOTarget)
        -> (times: ServiceTimes, bound: Int, sizer: ReplicaSizer)
    {
        let times = ServiceTimes(profile: profile, load: server.load)
        let memory = server.maxBatchSizeOverride ?? profile.memoryBoundBatchLimit(outputTokens: server.load.meanOutputTokens)
        var sizer = ReplicaSizer(target: target, percentile: settings.percentile)
        sizer.itlPercentile = settings.itlPercentile
        if let tps = target.tokensPerSecond, tps > 0 { sizer.stabilityFraction = 0.9 }
        return (times, min(max(1, memory), InputLimits.batchSize), sizer)
    }

    func candidate(server: Server, profile: ModelProfile, accelerator acc: Accelerator, target: SLOTarget,
                   requiredRate: Double, statistics: inout AnalyzerStatistics) -> Result<Candidate, SizingFailure> {
        let units = profile.acceleratorCount * acc.multiplicity
        let costPerReplica = Double(profile.acceleratorCount) * acc.costPerHour
        let (times, bound, sizer) = sizing(server, on: profile, target: target)
        if requiredRate <= 0 {
            // Zero load: no sizing, the floor of replicas (possibly none).
            let idle = QueueModel(times: times, batchLimit: bound).evaluate(ratePerSecond: 0)
            return .success(Candidate(accelerator: acc.name, acceleratorType: acc.type, unitsPerReplica: units,
                                      batchLimit: bound, ratePerReplica: 0, replicasNeeded: server.minReplicas,
                                      costPerReplica: costPerReplica, itlMilliseconds: idle.itlMilliseconds,
                                      ttftMilliseconds: idle.ttftMilliseconds))
        }
        let choice = sizer.chooseBatchLimit(times: times, bound: bound, policy: settings.batchLimitPolicy)
        switch choice {
        case .failure(let f):
            statistics.sizings += 1
            return .failure(f)
        case .success(let c):
            statistics.sizings += c.sizings
            statistics.evaluations += c.evaluations
            let rate = c.sizing.maxRatePerSecond
            let needed = max(server.minReplicas, Int((requiredRate / rate - 1e-9).rounded(.up)))
            let model = QueueModel(times: times, batchLimit: c.sizing.batchLimit)
            let metrics = model.evaluate(ratePerSecond: requiredRate / Double(max(needed, 1)))
            return .success(Candidate(accelerator: acc.name, acceleratorType: acc.type, unitsPerReplica: units,
                                      batchLimit: c.sizing.batchLimit, ratePerReplica: rate, replicasNeeded: needed,
                                      costPerReplica: costPerReplica, itlMilliseconds: metrics.itlMilliseconds,
                                      ttftMilliseconds: metrics.ttftMilliseconds))
        }
    }
}

/// Collects per-thread results of ``CandidateGenerator/generate()``; each slot is written by one thread once.
private final class ResultBox: @unchecked Sendable {
    private var parts: [[ServerCandidates]]
    private var stats: [AnalyzerStatistics]
    private let lock = NSLock()
    init(count: Int) {
        parts = Array(repeating: [], count: count)
        stats = Array(repeating: AnalyzerStatistics(), count: count)
    }
    func store(_ i: Int, _ part: [ServerCandidates], _ s: AnalyzerStatistics) {
        lock.lock(); parts[i] = part; stats[i] = s; lock.unlock()
    }
    func merged() -> ([ServerCandidates], AnalyzerStatistics) {
        lock.lock(); defer { lock.unlock() }
        var total = AnalyzerStatistics()
        for s in stats { total.sizings += s.sizings; total.evaluations += s.evaluations; total.pairs += s.pairs }
        return (parts.flatMap { $0 }, total)
    }
}
