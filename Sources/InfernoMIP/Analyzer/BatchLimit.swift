/// How the analyzer picks `N`, the batch limit of a replica.
public enum BatchLimitPolicy: String, Hashable, Sendable, CaseIterable, Codable {
    /// Upstream's limit exactly: the server's override, else `max(1, maxBatchSize * atTokens / O)` in integers.
    case profile
    /// Search the limits up to that memory bound for the one with the highest `lambda*` (fewest replicas).
    case search
}

extension ModelProfile {
    /// The largest batch that fits in memory for requests of `outputTokens` tokens, upstream's formula:
    /// KV-cache use scales with tokens per request, so `maxBatchSize` measured at `atTokens` scales by
    /// `atTokens / outputTokens`. Integer arithmetic, as upstream, so results compare number for number.
    /// Never above ``InputLimits/batchSize``: the queue model allocates in proportion to the limit, and a short
    /// request shape can scale a legal `maxBatchSize` far past it (the product is also kept from overflowing).
    public func memoryBoundBatchLimit(outputTokens: Double) -> Int {
        let tokens = outputTokens >= 1 && outputTokens < 1e15 ? Int(outputTokens) : 1
        let (product, overflow) = maxBatchSize.multipliedReportingOverflow(by: atTokens)
        return min(InputLimits.batchSize, max(1, overflow ? Int.max : product / tokens))
    }
}

/// The best batch limit of a replica and its sizing.
public struct BatchLimitChoice: Hashable, Sendable {
    public var sizing: SizingResult
    /// Sizings (each a root search) spent to choose.
    public var sizings: Int
    public var evaluations: Int
}

extension ReplicaSizer {
    /// Sizes a replica at batch limit `bound` (profile policy) or at the best limit in `1...bound` (search policy).
    ///
    /// Search: at a fixed rate, a larger limit shortens the queue (TTFT falls) but fills the batch (ITL rises),
    /// so `lambda*(N)` rises while TTFT binds and falls once ITL binds: the best limit is the first at which ITL
    /// binds or the one below it (``BatchLimitSearch``), found in about `2·log2(distance to it) + 2` sizings
    /// instead of `bound` (under the per-iteration kind also where the stability bound peaks,
    /// ``BatchLimitSearch/stabilityPeak(upTo:beating:)``). Tests compare it with sizing every limit.
    public func chooseBatchLimit(times: ServiceTimes, bound: Int, policy: BatchLimitPolicy)
        -> Result<BatchLimitChoice, SizingFailure>
    {
        var search = BatchLimitSearch(sizer: self, times: times, top: max(1, bound), policy: policy)
        let result = policy == .profile ? search.sized(search.top) : search.best()
        return result.map { BatchLimitChoice(sizing: $0, sizings: search.sizings, evaluations: search.evaluations) }
    }
}

/// One replica's search for its best batch limit in `1 ... top`, with what it learned at each limit and what that
/// cost (sizings: root searches; evaluations: queue models solved).
struct BatchLimitSearch {
    let sizer: ReplicaSizer
    let times: ServiceTimes
    let top: Int
    private(set) var sizings = 0
    private(set) var evaluations = 0
    /// One table for every limit sized, grown (doubling) as the search reaches larger limits: it mostly stays far
    /// below a memory bound that can reach 16,384.
    private var rates: QueueRates
    private var sizingsByLimit: [Int: Result<SizingResult, SizingFailure>] = [:]
    private var bindingByLimit: [Int: Result<SizingResult.BindingLimit, SizingFailure>] = [:]

    init(sizer: ReplicaSizer, times: ServiceTimes, top: Int, policy: BatchLimitPolicy) {
        self.sizer = sizer
        self.times = times
        self.top = top
        rates = QueueRates(times: times, upTo: policy == .profile ? top : min(top, 64))
    }

    mutating func model(_ n: Int) -> QueueModel {
        if n > rates.limit { rates = QueueRates(times: times, upTo: min(top, max(n, 2 * rates.limit))) }
        return rates.model(batchLimit: n)
    }

    /// The full sizing at limit `n`.
    mutating func sized(_ n: Int) -> Result<SizingResult, SizingFailure> {
        if let known = sizingsByLimit[n] { return known }
        let r = sizer.size(model(n))
        sizings += 1
        if case .success(let s) = r { evaluations += s.evaluations } else { evaluations += 2 }
        sizingsByLimit[n] = r
        return r
    }

    /// Which target binds at limit `n`: from a full sizing when one was made, else from the cheaper search that
    /// stops once it knows (``ReplicaSizer/bindingLimit(_:)``).
    mutating func binding(_ n: Int) -> Result<SizingResult.BindingLimit, SizingFailure> {
        if let full = sizingsByLimit[n] { return full.map(\.bindingLimit) }
        if let known = bindingByLimit[n] { return known }
        let (found, spent) = sizer.bindingLimit(model(n))
        sizings += 1
        evaluations += spent
        bindingByLimit[n] = found
        return found
    }

    /// ITL binds at `n`, or nothing is feasible there because ITL is missed (infeasible above 1: the batch is too
    /// large for the ITL target).
    mutating func itlBinds(_ n: Int) -> Bool {
        switch binding(n) {
        case .success(let limit): return limit == .itl
        case .failure: return n > 1
        }
    }

    /// The best limit's sizing.
    mutating func best() -> Result<SizingResult, SizingFailure> {
        let crossing = firstITLBinding()
        var best: SizingResult?
        for n in Set([crossing, max(1, crossing - 1)]).sorted() {
            if case .success(let s) = sized(n), s.maxRatePerSecond > (best?.maxRatePerSecond ?? 0) { best = s }
        }
        if times.seed == nil, let peak = stabilityPeak(upTo: crossing, beating: best?.maxRatePerSecond ?? 0) {
            best = peak
        }
        if let best { return .success(best) }
        // Nothing feasible near the crossing: report the smallest limit's reason (the most favourable for ITL).
        return sized(1)
    }

    /// The smallest limit in `1 ... top` at which ITL binds, else `top`.
    ///
    /// ITL is decode(c) with c <= n, so under the seed kind it cannot bind while `alpha + beta·n` stays a step below
    /// the target: the search begins there (the per-iteration ITL has no such closed bound: it begins at 1). It
    /// gallops up (limits `from`, `from + 1`, `from + 3`, `from + 7`, ...) and bisects the last step: the crossing lies
    /// a few steps above that floor, and the memory bound `top` can lie thousands above it, where each queue
    /// evaluation costs in proportion to the limit (bisecting `from ... top` asked `top` first, and took
    /// `log2(top − from)` steps at limits near it). Without an ITL target only a sizing that fails at `top` binds:
    /// `top` is asked first.
    mutating func firstITLBinding() -> Int {
        var from = 1
        if let itl = sizer.target.itlMilliseconds, itl > 0, let seed = times.seed, seed.decode.beta > 0 {
            let cmax = (itl - seed.decode.alpha) / seed.decode.beta
            if cmax >= 2 { from = min(top, Int(cmax.rounded(.down)) - 1) }
        }
        from = max(1, from)
        guard from < top else { return top }
        var lo = from, hi = top
        if (sizer.target.itlMilliseconds ?? 0) > 0 {
            var step = 1
            while true {
                let probe = min(top, lo + step - 1)
                if itlBinds(probe) { hi = probe; break }
                if probe == top { return top }
                lo = probe + 1
                step *= 2
            }
        } else if !itlBinds(top) {
            return top
        }
        while lo < hi {
            let mid = (lo + hi) / 2
            if itlBinds(mid) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// The best sizing at limits up to `crossing` where `mu` falls, if one beats `beating`. Under the per-iteration
    /// kind a full batch's chunked prefill makes `mu(n)` fall from some limit on (in a sawtooth: each extra chunk
    /// drops it), and the stability bound `(1 − epsilon)·mu(n)` with it, so `lambda*` can peak and fall again
    /// before ITL binds, if it ever does (the first ITL crossing and the one below it were then up to 55 times below
    /// the best rate, docs/benchmark.md "Candidates: a search from below"). No limit sizes above its stability
    /// bound, and where TTFT binds at `n` no smaller limit sizes above `n` (the TTFT root rises with the limit): so
    /// limits are sized from the highest bound down, skipping those below a TTFT-bound one, until the bound falls
    /// below the best rate or `stabilityPeakSizings` were spent.
    mutating func stabilityPeak(upTo crossing: Int, beating: Double) -> SizingResult? {
        let table = model(crossing)
        let scale = (1 - sizer.epsilon) * sizer.stabilityFraction * 1000
        let bounds = (1...crossing).map { (limit: $0, rate: scale * table.serviceRate(inService: $0)) }
        var best: SizingResult?
        var bestRate = beating, below = 0, spent = 0
        for (limit, rate) in bounds.sorted(by: { $0.rate > $1.rate || ($0.rate == $1.rate && $0.limit < $1.limit) }) {
            guard rate > bestRate, spent < Self.stabilityPeakSizings else { break }
            if limit <= below { continue }
            spent += 1
            guard case .success(let s) = sized(limit) else { continue }
            if s.maxRatePerSecond > bestRate { best = s; bestRate = s.maxRatePerSecond }
            if s.bindingLimit == .ttft { below = max(below, limit) }
        }
        return best
    }

    /// Sizings ``stabilityPeak(upTo:beating:)`` may spend: a work limit, the same on every machine.
    static let stabilityPeakSizings = 24
}
