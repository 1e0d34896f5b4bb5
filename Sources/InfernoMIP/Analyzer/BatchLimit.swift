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
    /// so `lambda*(N)` rises while TTFT binds and falls once ITL binds. A binary search finds the first limit at
    /// which ITL binds; the best is that one or the one below it. About `log2(bound) + 2` sizings instead of `bound`.
    /// A test compares it with an exhaustive search.
    public func chooseBatchLimit(times: ServiceTimes, bound: Int, policy: BatchLimitPolicy)
        -> Result<BatchLimitChoice, SizingFailure>
    {
        var sizings = 0, evaluations = 0
        var cache: [Int: Result<SizingResult, SizingFailure>] = [:]
        func sized(_ n: Int) -> Result<SizingResult, SizingFailure> {
            if let hit = cache[n] { return hit }
            let r = size(QueueModel(times: times, batchLimit: n))
            sizings += 1
            if case .success(let s) = r { evaluations += s.evaluations } else { evaluations += 2 }
            cache[n] = r
            return r
        }
        func choice(_ s: SizingResult) -> Result<BatchLimitChoice, SizingFailure> {
            .success(BatchLimitChoice(sizing: s, sizings: sizings, evaluations: evaluations))
        }
        let top = max(1, bound)
        switch policy {
        case .profile:
            return sized(top).map { BatchLimitChoice(sizing: $0, sizings: sizings, evaluations: evaluations) }
        case .search:
            // ITL binds (or nothing is feasible because ITL is missed) at limit n? Answered by a full sizing when
            // one is cached, else by the cheaper binding-only search.
            var binding: [Int: Bool] = [:]
            func itlBinds(_ n: Int) -> Bool {
                if let known = binding[n] { return known }
                let answer: Bool
                if let hit = cache[n] {
                    switch hit {
                    case .success(let s): answer = s.bindingLimit == .itl
                    case .failure: answer = n > 1
                    }
                } else {
                    let (limit, spent) = bindingLimit(QueueModel(times: times, batchLimit: n))
                    sizings += 1
                    evaluations += spent
                    switch limit {
                    case .success(let l): answer = l == .itl
                    case .failure: answer = n > 1   // infeasible above 1: the batch is too large for the ITL target
                    }
                }
                binding[n] = answer
                return answer
            }
            // ITL is decode(c) with c <= n, so it cannot bind while alpha + beta * n stays a step below the target:
            // the search for where it starts binding begins there.
            var floorLimit = 1
            // (The seed kind only: the per-iteration ITL has no such closed bound and searches from 1.)
            if let itl = target.itlMilliseconds, itl > 0, let seed = times.seed, seed.decode.beta > 0 {
                let cmax = (itl - seed.decode.alpha) / seed.decode.beta
                if cmax >= 2 { floorLimit = min(top, Int(cmax.rounded(.down)) - 1) }
            }
            var lo = max(1, floorLimit), hi = top   // find the smallest n in lo...top where ITL binds, else top
            if floorLimit >= top || !itlBinds(top) {
                lo = top
            } else {
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if itlBinds(mid) { hi = mid } else { lo = mid + 1 }
                }
            }
            var best: SizingResult?
            for n in Set([lo, max(1, lo - 1)]) .sorted() {
                if case .success(let s) = sized(n), s.maxRatePerSecond > (best?.maxRatePerSecond ?? 0) { best = s }
            }
            if let best { return choice(best) }
            // Nothing feasible near the crossing: report the smallest limit's reason (the most favourable for ITL).
            return sized(1).map { BatchLimitChoice(sizing: $0, sizings: sizings, evaluations: evaluations) }
        }
    }
}
