/// Damps flapping the way the HPA does: scale up at once, scale down only to the highest count recommended within
/// the last `window` seconds. Holding replicas must never overflow a GPU type, so when held replicas would not
/// fit next to everyone else's, holds are released from the lowest priority up.
package struct Stabilizer: Sendable {
    package var windowSeconds: Double
    /// Recent optimizer recommendations per variant, oldest first.
    private var history: [VariantID: [(time: Double, replicas: Int)]] = [:]

    package init(windowSeconds: Double) { self.windowSeconds = windowSeconds }

    /// `cardsPerReplica` and `type` say what a variant's replica holds; `available` is the capacity per type.
    package mutating func stabilize(_ decisions: [VariantDecision], at now: Double, cardsPerReplica: (VariantDecision) -> (type: String, cards: Int)?,
                            available: [String: Int]) -> [VariantDecision] {
        var out = decisions
        for i in out.indices {
            guard out[i].action == .scale, let optimized = out[i].optimized else { continue }
            let id = out[i].variant.id
            // A variant seen for the first time starts its window at its current replicas, as the HPA does: a
            // controller that just started does not scale anything down at once.
            let seen = history[id] ?? [(now, out[i].current)]
            var h = seen.filter { now - $0.time < windowSeconds }
            h.append((now, optimized))
            history[id] = h
            let ceiling = h.map(\.replicas).max() ?? optimized
            let target = min(out[i].current, ceiling)   // never above what runs now because of history
            if optimized < out[i].current, target > optimized {
                out[i].desired = target
                out[i].reason = "scale-down stabilisation (\(Int(windowSeconds)) s window): holding \(target), optimizer wants \(optimized)"
            }
        }
        // Holds must fit: release the lowest-priority holds first where a type would overflow.
        var used: [String: Int] = [:]
        for d in out { if let c = cardsPerReplica(d) { used[c.type, default: 0] += d.desired * c.cards } }
        let holds = out.indices.filter { i in out[i].optimized.map { out[i].desired > $0 } ?? false }
            .sorted { (out[$0].priority ?? Int.max, out[$0].variant.id) > (out[$1].priority ?? Int.max, out[$1].variant.id) }
        for i in holds {
            guard let c = cardsPerReplica(out[i]), let limit = available[c.type], used[c.type, default: 0] > limit,
                  let optimized = out[i].optimized else { continue }
            let excess = used[c.type]! - limit
            let release = min(out[i].desired - optimized, (excess + c.cards - 1) / c.cards)
            out[i].desired -= release
            used[c.type]! -= release * c.cards
            out[i].reason += "; released \(release) for capacity"
        }
        return out
    }

    /// Forgets variants that no longer exist.
    package mutating func retain(_ ids: Set<VariantID>) { history = history.filter { ids.contains($0.key) } }
}
